use atelier_api::Health;
use axum::Json;
use axum::extract::State;

use crate::platform::Platform;

/// `GET /healthz`: answers as long as the process serves requests; touches no storage.
pub async fn health<P: Platform>(State(platform): State<P>) -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
        version: crate::VERSION.to_owned(),
        runtime: platform.runtime(),
    })
}
