//! Prompt validation shared by the service (authoritative) and the desktop (early feedback).

use serde::{Deserialize, Serialize};

use crate::models::PromptUse;
use crate::{ErrorBody, ErrorCode, Limits};

/// `POST /v1/prompts/check`: would this request pass the service's input rules?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptCheckRequest {
    pub prompt: String,
    /// Number of images; defaults to one.
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

/// The answer to a passing check: the prompt as the service will use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptCheckResponse {
    /// The prompt after trimming surrounding whitespace.
    pub prompt: String,
    /// Its length in Unicode scalar values.
    pub chars: u32,
    pub count: u32,
}

/// Validates a prompt and an image count against `limits`, returning the normalised request.
pub fn check(
    request: &PromptCheckRequest,
    limits: &Limits,
) -> Result<PromptCheckResponse, ErrorBody> {
    check_as(request, PromptUse::Required, limits)
}

/// [`check`] for a model that takes its prompt as `prompt` says: a tool (`None`) takes none, so
/// its prompt must be empty; the count is checked alike.
pub fn check_as(
    request: &PromptCheckRequest,
    prompt_use: PromptUse,
    limits: &Limits,
) -> Result<PromptCheckResponse, ErrorBody> {
    let prompt = request.prompt.trim();
    let chars = prompt.chars().count();
    match prompt_use {
        PromptUse::None if chars > 0 => {
            return Err(ErrorBody::new(
                ErrorCode::BadRequest,
                "this model takes no prompt; send an empty one",
            ));
        }
        PromptUse::None => {}
        PromptUse::Required if chars == 0 => {
            return Err(ErrorBody::new(
                ErrorCode::PromptEmpty,
                "the prompt is empty",
            ));
        }
        PromptUse::Required if chars > limits.max_prompt_chars as usize => {
            return Err(ErrorBody::new(
                ErrorCode::PromptTooLong,
                format!(
                    "the prompt has {chars} characters; the most is {}",
                    limits.max_prompt_chars
                ),
            ));
        }
        PromptUse::Required => {}
    }
    if !(limits.min_images_per_request..=limits.max_images_per_request).contains(&request.count) {
        return Err(ErrorBody::new(
            ErrorCode::InvalidCount,
            format!(
                "count must be between {} and {}",
                limits.min_images_per_request, limits.max_images_per_request
            ),
        ));
    }
    Ok(PromptCheckResponse {
        prompt: prompt.to_owned(),
        chars: chars as u32,
        count: request.count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::LIMITS;

    fn req(prompt: &str, count: u32) -> PromptCheckRequest {
        PromptCheckRequest {
            prompt: prompt.to_owned(),
            count,
        }
    }

    #[test]
    fn trims_and_counts_unicode_scalars_not_bytes() {
        let ok = check(&req("  一只猫 \n", 2), &LIMITS).unwrap();
        assert_eq!(ok.prompt, "一只猫");
        assert_eq!(ok.chars, 3);
    }

    #[test]
    fn whitespace_only_is_empty() {
        assert_eq!(
            check(&req(" \t\n ", 1), &LIMITS).unwrap_err().code,
            ErrorCode::PromptEmpty
        );
    }

    #[test]
    fn the_limit_is_inclusive() {
        let at_limit = "猫".repeat(LIMITS.max_prompt_chars as usize);
        assert!(check(&req(&at_limit, 1), &LIMITS).is_ok());
        let over = format!("{at_limit}x");
        assert_eq!(
            check(&req(&over, 1), &LIMITS).unwrap_err().code,
            ErrorCode::PromptTooLong
        );
    }

    #[test]
    fn count_outside_range_is_rejected() {
        assert_eq!(
            check(&req("a cat", 0), &LIMITS).unwrap_err().code,
            ErrorCode::InvalidCount
        );
        assert_eq!(
            check(&req("a cat", 5), &LIMITS).unwrap_err().code,
            ErrorCode::InvalidCount
        );
        assert!(check(&req("a cat", 4), &LIMITS).is_ok());
    }

    #[test]
    fn a_tool_takes_no_prompt_and_the_same_counts() {
        use crate::models::PromptUse;
        let tool = |prompt: &str, count| check_as(&req(prompt, count), PromptUse::None, &LIMITS);
        assert_eq!(tool("  ", 1).unwrap().prompt, "");
        assert_eq!(tool("sharper", 1).unwrap_err().code, ErrorCode::BadRequest);
        assert_eq!(tool("", 5).unwrap_err().code, ErrorCode::InvalidCount);
    }
}
