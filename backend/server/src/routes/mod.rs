//! The service's routes, generic over the platform that runs them.

mod health;
mod limits;
mod prompts;
mod ready;
#[cfg(feature = "test-hooks")]
mod test_mode;
#[cfg(feature = "test-hooks")]
mod test_seed;

use atelier_api::ErrorCode;
use atelier_api::limits::LIMITS;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::{
    auth, billing, conversations, credits, deletion, export, generations, models, sync, uploads,
};

use crate::error::ApiError;
use crate::platform::Platform;

/// The whole service as one router. Both runtimes serve exactly this.
pub fn router<P: Platform>(platform: P) -> Router {
    let router = Router::new()
        .route("/healthz", get(health::health::<P>))
        .route("/readyz", get(ready::ready::<P>))
        .route("/v1/limits", get(limits::limits))
        .route("/v1/prompts/check", post(prompts::check))
        .route("/v1/auth/start", post(auth::start::<P>))
        .route("/v1/auth/verify", post(auth::verify::<P>))
        .route("/v1/auth/logout", post(auth::logout::<P>))
        .route("/v1/auth/logout-all", post(auth::logout_all::<P>))
        .route(
            "/v1/me",
            get(auth::me)
                .patch(auth::update_me::<P>)
                .delete(deletion::delete_me::<P>),
        )
        .route("/v1/me/email", post(auth::email_change::start::<P>))
        .route("/v1/me/email/verify", post(auth::email_change::verify::<P>))
        .route("/v1/me/export", get(export::export::<P>))
        .route("/auth/link", get(auth::link_page::link_page))
        .route("/v1/models", get(models::route))
        .route("/v1/credits", get(credits::balance::<P>))
        .route("/v1/credits/ledger", get(credits::ledger::<P>))
        .route("/v1/credits/packs", get(billing::packs::<P>))
        .route(
            "/v1/credits/checkout",
            post(billing::checkout::checkout::<P>),
        )
        .route("/v1/creem/webhook", post(billing::webhook::webhook::<P>))
        .route("/billing/return", get(billing::return_page::return_page))
        .route(
            "/v1/conversations",
            get(conversations::list::<P>).post(conversations::create::<P>),
        )
        .route("/v1/generations", post(generations::create::create::<P>))
        .route("/v1/generations/{id}", get(generations::images::get::<P>))
        .route(
            "/v1/conversations/{id}/generations",
            get(generations::images::list::<P>),
        )
        .route(
            "/v1/images/{id}",
            axum::routing::patch(generations::image_edit::patch::<P>)
                .delete(generations::image_edit::delete::<P>),
        )
        .route("/v1/sync", get(sync::pull::pull::<P>))
        // Image bytes, up to their own limit (the body limit below is for JSON).
        .route(
            "/v1/uploads",
            post(uploads::create::create::<P>)
                .layer(DefaultBodyLimit::max(LIMITS.max_upload_bytes as usize)),
        )
        .route(
            "/v1/uploads/{id}",
            axum::routing::delete(uploads::delete::delete::<P>),
        )
        .route("/v1/uploads/{id}/{variant}", get(uploads::files::file::<P>))
        // kie fetches input images here, without credentials (`generations/inputs.rs`).
        .route(
            "/v1/inputs/{generation}/{position}/{signature}",
            get(generations::inputs::serve::<P>),
        )
        .route(
            "/v1/images/{id}/{variant}",
            get(generations::images::file::<P>),
        )
        .route(
            "/v1/kie/callback/{generation}/{idx}/{secret}",
            post(generations::callback::callback::<P>),
        )
        .route(
            "/v1/conversations/{id}",
            axum::routing::patch(conversations::rename::<P>).delete(conversations::delete::<P>),
        );
    // Compiled in only with the `test-hooks` feature (never in a release build nor the deployed
    // Worker), and routed only when `ATELIER_TEST_MODE=1` on top of that.
    #[cfg(feature = "test-hooks")]
    let router = if platform.config().test_mode {
        router
            .route("/__test/clock", post(test_mode::advance_clock::<P>))
            .route("/__test/tick", post(test_mode::tick::<P>))
            .route("/__test/storage", get(test_mode::storage::<P>))
            .route("/__test/blob-faults", post(test_mode::blob_faults::<P>))
            .route("/__test/seed-images", post(test_seed::seed_images::<P>))
            .route("/__test/fail", post(test_mode::fail))
    } else {
        router
    };
    router
        // On matched routes only, where `MatchedPath` names the route template for the report.
        .route_layer(axum::middleware::from_fn_with_state(
            platform.clone(),
            crate::error_reports::report_internal_errors::<P>,
        ))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(
            LIMITS.max_request_body_bytes as usize,
        ))
        .with_state(platform)
}

async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this route does not take that method",
    )
}
