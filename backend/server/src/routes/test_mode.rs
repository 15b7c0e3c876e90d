//! `/__test/*`: hooks the conformance suite needs, routed only when `ATELIER_TEST_MODE=1`.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use crate::error::ApiResult;
use crate::json::ApiJson;
use crate::platform::Platform;

#[derive(Deserialize)]
pub struct AdvanceClock {
    advance_ms: i64,
}

/// `POST /__test/clock {"advance_ms": n}`: moves the platform's clock forward (codes, sessions and
/// rate-limit windows expire without waiting).
pub async fn advance_clock<P: Platform>(
    State(platform): State<P>,
    ApiJson(request): ApiJson<AdvanceClock>,
) -> ApiResult<StatusCode> {
    platform.advance_clock(request.advance_ms).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /__test/tick`: runs one round of background work now (the cron handler's and the native
/// interval's function), so polling-path tests need not wait for a schedule.
pub async fn tick<P: Platform>(State(platform): State<P>) -> ApiResult<StatusCode> {
    crate::generations::background::tick(&platform).await?;
    Ok(StatusCode::NO_CONTENT)
}
