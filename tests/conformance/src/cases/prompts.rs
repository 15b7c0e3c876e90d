use atelier_api::prompt::PromptCheckResponse;

use crate::cases::{expect_error, transport};
use crate::{CaseResult, Ctx, ensure};

async fn check(ctx: &Ctx, body: serde_json::Value) -> Result<reqwest::Response, String> {
    ctx.http
        .post(ctx.url("/v1/prompts/check"))
        .json(&body)
        .send()
        .await
        .map_err(transport)
}

pub async fn a_valid_prompt_is_trimmed_and_counted(ctx: &Ctx) -> CaseResult {
    let response = check(
        ctx,
        serde_json::json!({"prompt": "  一只戴帽子的猫 \n", "count": 4}),
    )
    .await?;
    ensure!(response.status() == 200, "status {}", response.status());
    let ok: PromptCheckResponse = response.json().await.map_err(transport)?;
    ensure!(
        ok.prompt == "一只戴帽子的猫" && ok.chars == 7 && ok.count == 4,
        "{ok:?}"
    );
    Ok(())
}

pub async fn empty_and_overlong_prompts_get_precise_codes(ctx: &Ctx) -> CaseResult {
    expect_error(
        check(ctx, serde_json::json!({"prompt": " \n\t "})).await?,
        400,
        "prompt_empty",
    )
    .await?;
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
    expect_error(
        check(ctx, serde_json::json!({"prompt": over})).await?,
        400,
        "prompt_too_long",
    )
    .await
}

pub async fn counts_outside_the_range_are_refused(ctx: &Ctx) -> CaseResult {
    for count in [0, 5, 1000] {
        expect_error(
            check(ctx, serde_json::json!({"prompt": "a cat", "count": count})).await?,
            400,
            "invalid_count",
        )
        .await
        .map_err(|e| format!("count {count}: {e}"))?;
    }
    Ok(())
}
