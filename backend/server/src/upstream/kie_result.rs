//! Downloading a finished task's image from the URL kie gave: a URL someone else chose, so every
//! hop is checked before anything connects to it (`https` to a public address, see
//! `platform::foreign`), at most [`MAX_REDIRECTS`] redirects are followed, and at most
//! [`MAX_RESULT_BYTES`] are read, streamed, within [`RESULT_TIMEOUT`] for the whole download.

use std::time::Duration;

use bytes::Bytes;

use crate::platform::foreign::check_url;
use crate::platform::{Destination, OutboundRequest, Platform, PlatformError};

/// Largest result accepted: a 4K PNG is a few tens of megabytes at worst; kie's 1K results are
/// one or two.
pub const MAX_RESULT_BYTES: u64 = 32 * 1024 * 1024;
/// Redirects followed (a CDN may send one or two).
pub const MAX_REDIRECTS: usize = 3;
/// The whole download, every hop included.
pub const RESULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Why there are no bytes.
#[derive(Debug)]
pub enum DownloadError {
    /// Refused on our side (destination, redirects, size): trying again would end the same way.
    Refused(String),
    /// The host answered something else than the image.
    Status(u16),
    /// The network failed; a later attempt may succeed.
    Transient(String),
}

impl std::fmt::Display for DownloadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Refused(why) => write!(f, "refused: {why}"),
            Self::Status(status) => write!(f, "answered {status}"),
            Self::Transient(why) => write!(f, "failed: {why}"),
        }
    }
}

/// The bytes at `url`, following redirects only to URLs that pass the same checks.
pub async fn result<P: Platform>(platform: &P, url: &str) -> Result<Bytes, DownloadError> {
    let allow_local = platform.config().allow_local_results;
    let mut url = check_url(url, allow_local).map_err(DownloadError::Refused)?;
    let deadline = platform.wall_clock_ms() + RESULT_TIMEOUT.as_millis() as i64;
    for _ in 0..=MAX_REDIRECTS {
        let left_ms = (deadline - platform.wall_clock_ms()).max(1_000);
        let response = platform
            .send(OutboundRequest {
                method: http::Method::GET,
                url: url.to_string(),
                headers: vec![("user-agent".into(), crate::upstream::USER_AGENT.into())],
                timeout: Duration::from_millis(left_ms as u64),
                max_body_bytes: Some(MAX_RESULT_BYTES),
                destination: Destination::Foreign,
                ..Default::default()
            })
            .await
            .map_err(|e| match e {
                PlatformError::HttpRefused(why) => DownloadError::Refused(why),
                other => DownloadError::Transient(other.to_string()),
            })?;
        match response.status {
            200 => return Ok(response.body),
            301 | 302 | 303 | 307 | 308 => {
                let location = response.header("location").ok_or_else(|| {
                    DownloadError::Refused("a redirect without a Location".into())
                })?;
                let next = url
                    .join(location)
                    .map_err(|e| DownloadError::Refused(format!("a redirect to no URL ({e})")))?;
                url = check_url(next.as_str(), allow_local)
                    .map_err(|why| DownloadError::Refused(format!("a redirect to {why}")))?;
            }
            status => return Err(DownloadError::Status(status)),
        }
    }
    Err(DownloadError::Refused(format!(
        "more than {MAX_REDIRECTS} redirects"
    )))
}
