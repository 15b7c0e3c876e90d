use atelier_api::limits::LIMITS;
use atelier_api::prompt::{PromptCheckRequest, PromptCheckResponse};

use crate::error::ApiResult;
use crate::json::ApiJson;

/// `POST /v1/prompts/check`: runs the input rules a generation will run, without spending anything.
pub async fn check(
    ApiJson(request): ApiJson<PromptCheckRequest>,
) -> ApiResult<ApiJson<PromptCheckResponse>> {
    Ok(ApiJson(atelier_api::prompt::check(&request, &LIMITS)?))
}
