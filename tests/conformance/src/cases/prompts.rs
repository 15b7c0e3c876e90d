use atelier_api::ErrorCode;
use atelier_api::prompt::PromptCheckResponse;

use crate::{CaseResult, Ctx, Reply, ensure};

async fn check(ctx: &Ctx, body: serde_json::Value) -> Result<Reply, String> {
    ctx.post("/v1/prompts/check").json(&body).send().await
}

pub async fn a_valid_prompt_is_trimmed_and_counted(ctx: &Ctx) -> CaseResult {
    let ok: PromptCheckResponse = check(
        ctx,
        serde_json::json!({"prompt": "  一只戴帽子的猫 \n", "count": 4}),
    )
    .await?
    .expect_status(200)?
    .json()?;
    ensure!(
        ok.prompt == "一只戴帽子的猫" && ok.chars == 7 && ok.count == 4,
        "{ok:?}"
    );
    Ok(())
}

pub async fn empty_and_overlong_prompts_get_precise_codes(ctx: &Ctx) -> CaseResult {
    check(ctx, serde_json::json!({"prompt": " \n\t "}))
        .await?
        .error(400, ErrorCode::PromptEmpty)?;
    let max = atelier_api::limits::LIMITS.max_prompt_chars as usize;
    let at_limit = "猫".repeat(max);
    ensure!(
        check(ctx, serde_json::json!({"prompt": at_limit}))
            .await?
            .status()
            == 200,
        "a prompt at the limit was refused"
    );
    let over = "猫".repeat(max + 1);
    check(ctx, serde_json::json!({"prompt": over}))
        .await?
        .error(400, ErrorCode::PromptTooLong)
}

pub async fn counts_outside_the_range_are_refused(ctx: &Ctx) -> CaseResult {
    for count in [0, 5, 1000] {
        check(ctx, serde_json::json!({"prompt": "a cat", "count": count}))
            .await?
            .error(400, ErrorCode::InvalidCount)
            .map_err(|e| format!("count {count}: {e}"))?;
    }
    Ok(())
}
