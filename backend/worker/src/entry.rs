//! The Worker's entry points: the fetch handler serving `atelier_server::router`.

use atelier_api::ErrorCode;
use atelier_server::error::ApiError;
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
async fn fetch(request: HttpRequest, env: Env, _ctx: Context) -> worker::Result<Response> {
    let platform = match WorkerPlatform::from_env(env) {
        Ok(platform) => platform,
        Err(err) => {
            // The detail (which variable, which value) goes to the logs, not to the caller.
            console_error!("atelier: bad configuration: {err}");
            let error = ApiError::new(ErrorCode::Internal, "the service is misconfigured");
            return Ok(error.into_response());
        }
    };
    let platform = platform.with_test_clock().await;
    match atelier_server::router(platform).call(request).await {
        Ok(response) => Ok(response),
        Err(never) => match never {},
    }
}
