//! The `{code, message}` envelope for everything that is not a success.

use crate::cases::{expect_error, transport};
use crate::{CaseResult, Ctx};

const CHECK: &str = "/v1/prompts/check";

pub async fn unknown_routes_get_the_not_found_envelope(ctx: &Ctx) -> CaseResult {
    for path in ["/v1/nope", "/", "/v2/limits", "/v1/limits/extra"] {
        let response = ctx
            .http
            .get(ctx.url(path))
            .send()
            .await
            .map_err(transport)?;
        expect_error(response, 404, "not_found")
            .await
            .map_err(|e| format!("GET {path}: {e}"))?;
    }
    let response = ctx
        .http
        .post(ctx.url("/v1/nope"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .map_err(transport)?;
    expect_error(response, 404, "not_found").await
}

pub async fn hostile_paths_get_the_not_found_envelope(ctx: &Ctx) -> CaseResult {
    for path in ["/v1/%2e%2e/%2e%2e/etc/passwd", "/v1/limits%00", "/%ff%fe"] {
        let response = ctx
            .http
            .get(ctx.url(path))
            .send()
            .await
            .map_err(transport)?;
        expect_error(response, 404, "not_found")
            .await
            .map_err(|e| format!("GET {path}: {e}"))?;
    }
    Ok(())
}

pub async fn wrong_methods_get_the_method_not_allowed_envelope(ctx: &Ctx) -> CaseResult {
    let response = ctx
        .http
        .delete(ctx.url("/healthz"))
        .send()
        .await
        .map_err(transport)?;
    expect_error(response, 405, "method_not_allowed").await?;
    let response = ctx
        .http
        .get(ctx.url(CHECK))
        .send()
        .await
        .map_err(transport)?;
    expect_error(response, 405, "method_not_allowed").await
}

pub async fn malformed_json_is_a_bad_request(ctx: &Ctx) -> CaseResult {
    for body in [
        r#"{"prompt":"#,
        "not json",
        "",
        r#"{"prompt":"a"} trailing"#,
    ] {
        let response = post_check(ctx, Some("application/json"), body).await?;
        expect_error(response, 400, "bad_request")
            .await
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
        let response = post_check(ctx, Some("application/json"), body).await?;
        expect_error(response, 400, "bad_request")
            .await
            .map_err(|e| format!("body {body}: {e}"))?;
    }
    Ok(())
}

pub async fn a_body_without_json_content_type_is_unsupported(ctx: &Ctx) -> CaseResult {
    let response = ctx
        .http
        .post(ctx.url(CHECK))
        .body(r#"{"prompt":"a cat"}"#)
        .send()
        .await
        .map_err(transport)?;
    expect_error(response, 415, "unsupported_media_type").await?;
    let response = ctx
        .http
        .post(ctx.url(CHECK))
        .header("content-type", "text/plain")
        .body(r#"{"prompt":"a cat"}"#)
        .send()
        .await
        .map_err(transport)?;
    expect_error(response, 415, "unsupported_media_type").await
}

pub async fn a_body_over_the_limit_is_too_large(ctx: &Ctx) -> CaseResult {
    let limit = atelier_api::limits::LIMITS.max_request_body_bytes as usize;
    let body = format!(r#"{{"prompt":"{}"}}"#, "a".repeat(limit + 1));
    let response = post_check(ctx, Some("application/json"), body).await?;
    expect_error(response, 413, "payload_too_large").await
}

/// `POST /v1/prompts/check` with a raw body and, when given, a content type.
async fn post_check(
    ctx: &Ctx,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Result<reqwest::Response, String> {
    let mut request = ctx.http.post(ctx.url(CHECK)).body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    request.send().await.map_err(transport)
}

pub async fn a_query_string_that_does_not_fit_is_a_bad_request(ctx: &Ctx) -> CaseResult {
    let me = super::auth_support::sign_in(ctx, &ctx.email("query"), &ctx.ip()).await?;
    for path in [
        "/v1/sync?limit=1&limit=2",
        "/v1/sync?cursor=0&cursor=1",
        "/v1/credits/ledger?cursor=a&cursor=b",
        "/v1/conversations?cursor=a&cursor=a",
    ] {
        let response = ctx
            .send(reqwest::Method::GET, path, Some(&me.token), None)
            .await?;
        expect_error(response, 400, "bad_request")
            .await
            .map_err(|e| format!("GET {path}: {e}"))?;
    }
    Ok(())
}
