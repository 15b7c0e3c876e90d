//! Error reports to Sentry, from both runtimes: every answer that is a 500 and every failed
//! background tick becomes one event, scrubbed by `atelier_api::scrub` (the scrubber the desktop
//! uses too) and POSTed as an envelope over the platform's `Http` port. The `sentry` crate does not
//! run in the Worker's wasm, hence this small sender.
//!
//! Off entirely when `SENTRY_DSN` is unset or blank; a DSN that does not parse turns reports off
//! too (logged once, never a failure). Reporting never fails or slows the answer: the middleware
//! hands the send to `Platform::wait_until` and every send has a short time-out. At most a few
//! reports a minute go out per route and code (`throttle`).

mod dsn;
mod envelope;
pub mod throttle;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use atelier_api::scrub::{Known, scrub_envelope};
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

pub use dsn::{Dsn, DsnError};
pub use envelope::{EventContext, Origin, Report, SERVER_NAME, envelope, event, rfc3339};

use crate::config::Config;
use crate::error::{ApiError, InternalDetail};
use crate::platform::{OutboundRequest, Platform};

/// A report that has not gone within this is dropped: Sentry is never worth a stuck task (nor,
/// in the Worker, a `waitUntil` that keeps the isolate alive).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(5);

/// Only a 500 is our fault and unexpected: 4xx are the caller's, 503 an upstream's (already
/// logged), and none of them is a bug to chase.
pub fn is_reported(status: StatusCode) -> bool {
    status == StatusCode::INTERNAL_SERVER_ERROR
}

/// The DSN to report to, or `None` when reports are off. A bad DSN is logged once per process
/// (per isolate in the Worker), not per error.
pub fn configured_dsn(config: &Config) -> Option<Dsn> {
    static WARNED: AtomicBool = AtomicBool::new(false);
    let raw = config.sentry_dsn.as_ref()?;
    match Dsn::parse(raw.expose()) {
        Ok(dsn) => Some(dsn),
        Err(e) => {
            if !WARNED.swap(true, Ordering::Relaxed) {
                tracing::warn!(error = %e, "SENTRY_DSN is not usable; error reports are off");
            }
            None
        }
    }
}

/// Personal strings this process knows of, for the scrubber: the home folder natively (paths in
/// error text would otherwise show it, whatever its shape). The Worker has none.
fn known() -> Known {
    #[cfg_attr(not(feature = "native"), allow(unused_mut))]
    let mut known = Known::default();
    #[cfg(feature = "native")]
    for var in ["HOME", "USERPROFILE"] {
        if let Some(home) = std::env::var_os(var) {
            known.add_home(home.to_string_lossy());
        }
    }
    known
}

/// Builds, scrubs and sends one report now; failures to send are logged and dropped.
pub async fn send<P: Platform>(platform: &P, report: Report) {
    let Some(dsn) = configured_dsn(platform.config()) else {
        return;
    };
    // Real time: Sentry is another system, and `/__test/clock` must not date events in the future.
    let now_ms = platform.wall_clock_ms();
    if !throttle::admit(&report, now_ms) {
        return;
    }
    let mut id = [0u8; 16];
    if let Err(e) = platform.fill_random(&mut id) {
        tracing::warn!(error = %e, "no event id; error report dropped");
        return;
    }
    // A version-4 UUID, as Sentry's SDKs make them, written as 32 hex digits.
    id[6] = (id[6] & 0x0f) | 0x40;
    id[8] = (id[8] & 0x3f) | 0x80;
    let event_id = hex::encode(id);
    let event = event(
        &report,
        &EventContext {
            event_id: &event_id,
            timestamp_ms: now_ms,
            runtime: platform.runtime(),
            environment: platform.config().sentry_environment.as_deref(),
        },
    );
    let raw = envelope(&event_id, &dsn, now_ms, &event);
    let body = scrub_envelope(&raw, SERVER_NAME, &known());
    let client = format!("{SERVER_NAME}/{}", crate::VERSION);
    let request = OutboundRequest {
        method: http::Method::POST,
        url: dsn.envelope_url(),
        headers: vec![
            (
                "X-Sentry-Auth".into(),
                format!(
                    "Sentry sentry_version=7, sentry_key={}, sentry_client={client}",
                    dsn.public_key()
                ),
            ),
            (
                "Content-Type".into(),
                "application/x-sentry-envelope".into(),
            ),
            ("User-Agent".into(), client),
        ],
        body: Some(body.into()),
        timeout: SEND_TIMEOUT,
        ..Default::default()
    };
    match platform.send(request).await {
        Ok(response) if (200..300).contains(&response.status) => {}
        Ok(response) => {
            tracing::warn!(status = response.status, "Sentry refused an error report");
        }
        Err(e) => tracing::warn!(error = %e, "an error report could not be sent"),
    }
}

/// Sends `report` after the answer, without holding it up.
pub fn send_later<P: Platform>(platform: &P, report: Report) {
    if configured_dsn(platform.config()).is_none() {
        return;
    }
    let owned = platform.clone();
    platform.wait_until(async move { send(&owned, report).await });
}

/// Reports a failed background tick (when it is a 500), and waits for the send: there is no
/// answer to hold up, and a cron invocation ends when its handler returns.
pub async fn report_background_failure<P: Platform>(platform: &P, error: &ApiError) {
    let status = StatusCode::from_u16(error.code().http_status());
    if !status.is_ok_and(is_reported) {
        return;
    }
    let report = Report {
        code: error.code().as_str(),
        detail: error.internal.clone(),
        origin: Origin::Background,
    };
    send(platform, report).await;
}

/// Middleware over every route: a 500 answer is reported with the detail its `ApiError` left on
/// the response (`InternalDetail`), the method and the matched route template. It reads nothing
/// else of the request.
pub async fn report_internal_errors<P: Platform>(
    State(platform): State<P>,
    request: Request,
    next: Next,
) -> Response {
    if platform.config().sentry_dsn.is_none() {
        return next.run(request).await;
    }
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned());
    let response = next.run(request).await;
    if is_reported(response.status()) {
        let report = Report {
            code: atelier_api::ErrorCode::Internal.as_str(),
            detail: response.extensions().get::<InternalDetail>().cloned(),
            origin: Origin::Request { method, route },
        };
        send_later(&platform, report);
    }
    response
}

#[cfg(test)]
mod tests {
    use axum::response::IntoResponse;

    use super::*;

    #[test]
    fn only_500_is_reported() {
        for status in [200, 400, 401, 404, 409, 413, 429, 502, 503, 504] {
            let status = StatusCode::from_u16(status).unwrap();
            assert!(!is_reported(status), "{status}");
        }
        assert!(is_reported(StatusCode::INTERNAL_SERVER_ERROR));
    }

    #[test]
    fn only_an_internal_answer_carries_its_detail_and_never_in_the_body() {
        let internal = ApiError::internal("disk /home/ana full").into_response();
        assert_eq!(internal.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            internal
                .extensions()
                .get::<InternalDetail>()
                .map(|d| d.text.as_str()),
            Some("disk /home/ana full")
        );
        // A detail on a non-500 answer stays unreported.
        let refused = ApiError::new(atelier_api::ErrorCode::Unavailable, "later")
            .with_detail("kie answered 502")
            .into_response();
        assert!(refused.extensions().get::<InternalDetail>().is_none());
    }

    #[test]
    fn a_blank_or_bad_dsn_means_no_reports() {
        let config = |dsn: &str| {
            let dsn = dsn.to_owned();
            Config::from_lookup(move |k| (k == "SENTRY_DSN").then(|| dsn.clone())).unwrap()
        };
        assert!(configured_dsn(&config("  ")).is_none());
        assert!(configured_dsn(&config("https://sentry.example/1")).is_none());
        assert!(configured_dsn(&config("https://k@sentry.example/1")).is_some());
    }
}
