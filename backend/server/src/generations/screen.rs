//! Step 3 of `POST /v1/generations`: moderation, which fails closed. Deny, flag, errors and
//! time-outs all block, before any charge; a tool takes no prompt, so there is nothing to screen.

use atelier_api::ErrorCode;

use crate::error::{ApiError, ApiResult};
use crate::platform::Platform;
use crate::upstream::creem;

/// `Ok` when the prompt may be generated; otherwise the coded refusal (nothing is charged).
pub async fn screen<P: Platform>(platform: &P, prompt: &str, generation_id: &str) -> ApiResult<()> {
    if prompt.is_empty() {
        return Ok(());
    }
    match creem::screen_prompt(platform, prompt, generation_id).await {
        Ok(screening) if screening.verdict.allows() => Ok(()),
        Ok(screening) => {
            tracing::info!(
                verdict = screening.verdict.as_str(),
                "prompt blocked by moderation"
            );
            Err(ApiError::new(
                ErrorCode::PromptBlocked,
                "this prompt is not allowed; nothing was charged",
            ))
        }
        Err(e) => {
            tracing::error!(error = %e, "moderation unavailable");
            Err(ApiError::new(
                ErrorCode::ModerationUnavailable,
                "moderation is unavailable; nothing was charged, try again",
            ))
        }
    }
}
