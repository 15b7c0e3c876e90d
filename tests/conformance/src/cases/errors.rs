//! The `{code, message}` envelope for everything that is not a success.

use atelier_api::ErrorCode;

use crate::{CaseResult, Ctx, Reply};

const CHECK: &str = "/v1/prompts/check";

pub async fn unknown_routes_get_the_not_found_envelope(ctx: &Ctx) -> CaseResult {
    for path in ["/v1/nope", "/", "/v2/limits", "/v1/limits/extra"] {
        let reply = ctx.get(path).send().await?;
        reply.error(404, ErrorCode::NotFound)?;
    }
    let reply = ctx
        .post("/v1/nope")
        .json(&serde_json::json!({}))
        .send()
        .await?;
    reply.error(404, ErrorCode::NotFound)
}

pub async fn hostile_paths_get_the_not_found_envelope(ctx: &Ctx) -> CaseResult {
    for path in ["/v1/%2e%2e/%2e%2e/etc/passwd", "/v1/limits%00", "/%ff%fe"] {
        let reply = ctx.get(path).send().await?;
        reply.error(404, ErrorCode::NotFound)?;
    }
    Ok(())
}

pub async fn wrong_methods_get_the_method_not_allowed_envelope(ctx: &Ctx) -> CaseResult {
    let reply = ctx.delete("/healthz").send().await?;
    reply.error(405, ErrorCode::MethodNotAllowed)?;
    let reply = ctx.get(CHECK).send().await?;
    reply.error(405, ErrorCode::MethodNotAllowed)
}

pub async fn malformed_json_is_a_bad_request(ctx: &Ctx) -> CaseResult {
    for body in [
        r#"{"prompt":"#,
        "not json",
        "",
        r#"{"prompt":"a"} trailing"#,
    ] {
        let reply = post_check(ctx, Some("application/json"), body).await?;
        reply
            .error(400, ErrorCode::BadRequest)
            .map_err(|e| format!("body {body:?}: {e}"))?;
    }
    Ok(())
}

pub async fn json_of_the_wrong_shape_is_a_bad_request(ctx: &Ctx) -> CaseResult {
    for body in [
        r#"{"prompt":5}"#,
        r#"{}"#,
        r#"[]"#,
        r#"{"prompt":"a","count":-1}"#,
    ] {
        let reply = post_check(ctx, Some("application/json"), body).await?;
        reply
            .error(400, ErrorCode::BadRequest)
            .map_err(|e| format!("body {body}: {e}"))?;
    }
    Ok(())
}

pub async fn a_body_without_json_content_type_is_unsupported(ctx: &Ctx) -> CaseResult {
    let reply = post_check(ctx, None, r#"{"prompt":"a cat"}"#).await?;
    reply.error(415, ErrorCode::UnsupportedMediaType)?;
    let reply = post_check(ctx, Some("text/plain"), r#"{"prompt":"a cat"}"#).await?;
    reply.error(415, ErrorCode::UnsupportedMediaType)
}

pub async fn a_body_over_the_limit_is_too_large(ctx: &Ctx) -> CaseResult {
    let limit = atelier_api::limits::LIMITS.max_request_body_bytes as usize;
    let body = format!(r#"{{"prompt":"{}"}}"#, "a".repeat(limit + 1));
    let reply = post_check(ctx, Some("application/json"), body).await?;
    reply.error(413, ErrorCode::PayloadTooLarge)
}

/// `POST /v1/prompts/check` with a raw body and, when given, a content type.
async fn post_check(
    ctx: &Ctx,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Result<Reply, String> {
    let mut request = ctx.post(CHECK).body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    request.send().await
}

pub async fn a_query_string_that_does_not_fit_is_a_bad_request(ctx: &Ctx) -> CaseResult {
    let me = super::auth_support::sign_in(ctx, &ctx.email("query"), &ctx.ip()).await?;
    for path in [
        "/v1/sync?limit=1&limit=2",
        "/v1/sync?cursor=0&cursor=1",
        "/v1/credits/ledger?cursor=a&cursor=b",
        "/v1/conversations?cursor=a&cursor=a",
    ] {
        let reply = ctx.get(path).token(&me.token).send().await?;
        reply.error(400, ErrorCode::BadRequest)?;
    }
    Ok(())
}
