//! The native platform on a temporary folder, as the server's integration tests open it.
#![allow(dead_code, clippy::unwrap_used)] // each test file uses its own part

use atelier_server::config::Config;
use atelier_server::native::{Clock, NativePlatform};

/// The platform with the default configuration and `settings` on top, and its clock.
pub async fn native_with(
    dir: &std::path::Path,
    settings: &[(&str, &str)],
) -> (NativePlatform, Clock) {
    let config = Config::from_lookup(|name| {
        settings
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| (*value).to_owned())
    })
    .unwrap();
    let clock = Clock::default();
    let platform = NativePlatform::open(dir, config, clock.clone())
        .await
        .unwrap();
    (platform, clock)
}

/// The platform with the default configuration.
pub async fn native(dir: &std::path::Path) -> NativePlatform {
    native_with(dir, &[]).await.0
}
