//! Start-up options for the whole set of simulators.

use std::net::SocketAddr;

use crate::creem::CreemOptions;
use crate::kie::KieOptions;
use crate::posthog::PostHogOptions;
use crate::resend::ResendOptions;
use crate::sentry::SentryOptions;

/// Everything `spawn` needs; `Default` gives the documented keys and Resend's and kie's real limits.
#[derive(Clone, Debug, Default)]
pub struct SimulatorOptions {
    /// Where to listen; `None` = `127.0.0.1:0` (a free port). Must be a loopback address.
    pub listen: Option<SocketAddr>,
    /// Base URL clients should use instead of `http://<listen address>` (e.g. behind a proxy);
    /// it appears in `env()`, the service URLs and kie's result URLs. No trailing slash needed.
    pub public_url: Option<String>,
    pub kie: KieOptions,
    pub creem: CreemOptions,
    pub resend: ResendOptions,
    pub posthog: PostHogOptions,
    pub sentry: SentryOptions,
}

impl SimulatorOptions {
    /// Defaults with no Resend rate limit and no kie create limit: for suites that send many
    /// requests and are not testing those limits.
    pub fn unlimited() -> Self {
        let mut options = Self::default();
        options.resend.rate_limit_per_second = 0;
        options.kie.settings.create_limit_per_10s = 0;
        options
    }
}
