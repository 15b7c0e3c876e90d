//! The Worker's entry points: the fetch handler serving `atelier_server::router`.

use atelier_api::ErrorCode;
use atelier_server::error::ApiError;
use atelier_server::platform::Platform;
use axum::response::{IntoResponse, Response};
use tower_service::Service;
use worker::{Context, Env, HttpRequest, console_error, event};

use crate::platform::WorkerPlatform;

/// Runs once per isolate: panics are logged with their message and location instead of
/// `unreachable`. wasm32 cannot unwind, so a panic still ends that request with the runtime's own
/// plain-text 500 (not the `{code, message}` envelope); worker-build's shim then re-initialises
/// the module for the next request.
#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[event(fetch)]
async fn fetch(request: HttpRequest, env: Env, ctx: Context) -> worker::Result<Response> {
    // Error reports go out under the event's `waitUntil` (`Platform::wait_until`): the answer is
    // returned at once and the isolate lives on until the report is sent or times out.
    let platform = match WorkerPlatform::from_env(env) {
        Ok(platform) => platform.with_context(ctx),
        Err(err) => {
            // The detail (which variable, which value) goes to the logs, not to the caller.
            console_error!("atelier: bad configuration: {err}");
            let error = ApiError::new(ErrorCode::Internal, "the service is misconfigured");
            return Ok(error.into_response());
        }
    };
    if platform.config().test_mode && !is_loopback(request.uri().host()) {
        // A build with test hooks, configured for test mode, asked from outside this machine.
        console_error!("atelier: ATELIER_TEST_MODE=1 is refused away from loopback");
        let error = ApiError::new(ErrorCode::Internal, "the service is misconfigured");
        return Ok(error.into_response());
    }
    let platform = platform.with_test_clock().await;
    match atelier_server::router(platform).call(request).await {
        Ok(response) => Ok(response),
        Err(never) => match never {},
    }
}

/// Whether the request was addressed to this machine (`wrangler dev` on 127.0.0.1): test mode
/// answers nothing else, as the native server listens nowhere else in test mode.
fn is_loopback(host: Option<&str>) -> bool {
    let Some(host) = host else { return false };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The cron trigger (`[triggers] crons` in wrangler.toml): the same background work the native
/// server runs on an interval — submissions that waited for kie's limit, polls, time-outs.
#[event(scheduled)]
async fn scheduled(_event: worker::ScheduledEvent, env: Env, _ctx: worker::ScheduleContext) {
    let platform = match WorkerPlatform::from_env(env) {
        Ok(platform) => platform.with_test_clock().await,
        Err(err) => {
            console_error!("atelier: bad configuration: {err}");
            return;
        }
    };
    if let Err(e) = atelier_server::background::tick(&platform).await {
        console_error!("atelier: background tick failed: {:?}", e.body);
        // Awaited: the cron invocation ends when this handler returns.
        atelier_server::error_reports::report_background_failure(&platform, &e).await;
    }
}
