//! Path segments that cannot name anything: a segment that percent-decodes to invalid UTF-8, or a
//! callback index that is not a whole number in range, gets the `{code, message}` envelope like
//! any other miss (fuzzing found axum's plain-text 400 there). A mangled id is answered as a
//! well-formed id that names nothing is (404 `not_found`), after the session is checked, and
//! nothing is stored or changed.

use atelier_api::ErrorCode;
use atelier_api::generations::GenerationPage;
use reqwest::Method;
use serde_json::json;

use super::generations::account;
use super::hardening::{differences, settled_storage};
use super::privacy::seed;
use crate::{CaseResult, Ctx, ensure};

pub async fn undecodable_or_unparsable_segments_get_the_not_found_envelope(
    ctx: &Ctx,
) -> CaseResult {
    let who = account(ctx).await?;
    // Real things for the well-formed segments next to the mangled ones: an image, its
    // generation and conversation.
    let seeded = seed(ctx, &who.token, 1).await?;
    let conversation = seeded.conversation_id.as_str();
    let image = seeded
        .image_ids
        .first()
        .ok_or("no image was seeded")?
        .as_str();
    let page: GenerationPage = ctx
        .get(&format!("/v1/conversations/{conversation}/generations"))
        .token(&who.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    let generation = page
        .generations
        .first()
        .ok_or("the seeded conversation lists no generation")?
        .id
        .clone();

    let before = settled_storage(ctx).await?;
    // Literal escapes: `%FF`/`%FE` are never UTF-8, `%C3%28` is a lead byte without its
    // continuation, `%C3` a lead byte at the end.
    let rename = Some(json!({ "title": "renamed" }));
    let favourite = Some(json!({ "favourite": true }));
    let callback = json!({ "taskId": "x" });
    let signed_in: Vec<(Method, String, Option<serde_json::Value>)> = vec![
        (Method::GET, "/v1/images/%FF%FE/thumb".into(), None),
        (Method::GET, "/v1/images/%FF%FE/thumbnail".into(), None),
        (Method::GET, "/v1/images/%C3%28/original".into(), None),
        (Method::GET, format!("/v1/images/{image}/%FF"), None),
        (Method::PATCH, "/v1/images/%FF".into(), favourite.clone()),
        (Method::PATCH, format!("/v1/images/{image}%C3"), favourite),
        (Method::DELETE, "/v1/images/%FF%FE".into(), None),
        (Method::GET, "/v1/generations/%FF%FE".into(), None),
        (
            Method::GET,
            "/v1/conversations/%C3%28/generations".into(),
            None,
        ),
        (
            Method::PATCH,
            "/v1/conversations/%C3%28".into(),
            rename.clone(),
        ),
        (
            Method::PATCH,
            format!("/v1/conversations/{conversation}%FF"),
            rename,
        ),
        (Method::DELETE, "/v1/conversations/%C3%28".into(), None),
        (
            Method::DELETE,
            format!("/v1/conversations/%FF{conversation}"),
            None,
        ),
    ];
    for (method, path, body) in signed_in {
        let mut request = ctx.request(method, &path).token(&who.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await?.error(404, ErrorCode::NotFound)?;
    }
    // The callback takes no session: an undecodable generation, index or secret, or an index
    // that is no whole number in range, names no task.
    let secret = "A".repeat(43);
    for path in [
        format!("/v1/kie/callback/%FF/0/{secret}"),
        format!("/v1/kie/callback/{generation}/%FF/{secret}"),
        format!("/v1/kie/callback/{generation}/0/%FF%FE"),
        format!("/v1/kie/callback/{generation}/x/{secret}"),
        format!("/v1/kie/callback/{generation}/1.5/{secret}"),
        format!("/v1/kie/callback/{generation}/99999999999999999999/{secret}"),
    ] {
        let reply = ctx.post(&path).json(&callback).send().await?;
        reply.error(404, ErrorCode::NotFound)?;
    }
    // The session is checked first: without one, a mangled id says no more than a good one.
    for (method, path) in [
        (Method::GET, "/v1/images/%FF%FE/thumbnail"),
        (Method::PATCH, "/v1/conversations/%C3%28"),
    ] {
        let reply = ctx
            .request(method, path)
            .json(&json!({ "title": "renamed", "favourite": true }))
            .send()
            .await?;
        reply
            .error(401, ErrorCode::Unauthenticated)
            .map_err(|e| format!("without a session: {e}"))?;
    }

    let after = ctx.storage().await?;
    let changed = differences(&before, &after);
    ensure!(
        changed.is_empty(),
        "a request with a mangled path changed: {}",
        changed.join("; ")
    );
    // And the account's own things still answer as before.
    let image_back = ctx
        .get(&format!("/v1/images/{image}/thumbnail"))
        .token(&who.token)
        .send()
        .await?;
    ensure!(
        image_back.status() == 200,
        "the seeded thumbnail answered {}",
        image_back.status()
    );
    Ok(())
}
