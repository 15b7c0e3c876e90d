use atelier_api::Limits;
use atelier_api::limits::LIMITS;
use axum::Json;

/// `GET /v1/limits`: the numbers this build enforces.
pub async fn limits() -> Json<Limits> {
    Json(LIMITS)
}
