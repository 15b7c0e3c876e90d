//! Sessions and the account: bearer tokens checked, logouts that end one or every session,
//! sessions that expire unless used, and a display name that can be corrected.

use atelier_api::ErrorCode;
use atelier_api::auth::User;

use crate::cases::auth_support::{me_status, sign_in};
use crate::{CaseResult, Ctx, ensure};

pub async fn missing_or_bad_bearer_tokens_are_unauthenticated(ctx: &Ctx) -> CaseResult {
    let forged = "A".repeat(43);
    let requests = [
        ctx.get("/v1/me"),
        ctx.get("/v1/me").header("authorization", "Bearer"),
        ctx.get("/v1/me")
            .header("authorization", "Bearer not-a-token"),
        ctx.get("/v1/me")
            .header("authorization", &format!("Bearer {forged}")),
        ctx.get("/v1/me")
            .header("authorization", &format!("Basic {forged}")),
        ctx.post("/v1/auth/logout"),
        ctx.post("/v1/auth/logout-all").token(&forged),
        ctx.patch("/v1/me")
            .json(&serde_json::json!({"display_name": "x"})),
    ];
    for (i, request) in requests.into_iter().enumerate() {
        request
            .send()
            .await?
            .error(401, ErrorCode::Unauthenticated)
            .map_err(|e| format!("request {i}: {e}"))?;
    }
    Ok(())
}

pub async fn logout_ends_only_this_session(ctx: &Ctx) -> CaseResult {
    let (email, ip) = (ctx.email("logout"), ctx.ip());
    let first = sign_in(ctx, &email, &ip).await?;
    let second = sign_in(ctx, &email, &ip).await?;
    ensure!(
        first.user.id == second.user.id,
        "a second sign-in made a second account"
    );
    let response = ctx
        .post("/v1/auth/logout")
        .token(&first.token)
        .send()
        .await?;
    ensure!(
        response.status() == 204,
        "logout answered {}",
        response.status()
    );
    ensure!(
        me_status(ctx, &first.token).await? == 401,
        "the logged-out session still works"
    );
    ensure!(
        me_status(ctx, &second.token).await? == 200,
        "logout ended the other session too"
    );
    Ok(())
}

pub async fn logout_all_refuses_every_session(ctx: &Ctx) -> CaseResult {
    let (email, ip) = (ctx.email("everywhere"), ctx.ip());
    let laptop = sign_in(ctx, &email, &ip).await?;
    let desktop = sign_in(ctx, &email, &ctx.ip()).await?;
    let response = ctx
        .post("/v1/auth/logout-all")
        .token(&laptop.token)
        .send()
        .await?;
    ensure!(
        response.status() == 204,
        "logout-all answered {}",
        response.status()
    );
    for (name, grant) in [("this", &laptop), ("the other", &desktop)] {
        ensure!(
            me_status(ctx, &grant.token).await? == 401,
            "{name} session survived logout-all"
        );
    }
    let again = sign_in(ctx, &email, &ip).await?;
    ensure!(
        me_status(ctx, &again.token).await? == 200,
        "signing in again after logout-all fails"
    );
    Ok(())
}

pub async fn sessions_expire_unless_used(ctx: &Ctx) -> CaseResult {
    const DAY: i64 = 86_400_000;
    let (email, ip) = (ctx.email("session"), ctx.ip());
    let grant = sign_in(ctx, &email, &ip).await?;
    ctx.advance_clock(29 * DAY).await?;
    ensure!(
        me_status(ctx, &grant.token).await? == 200,
        "a 29-day-old session was refused"
    );
    // That use extended it by 30 days from now.
    ctx.advance_clock(29 * DAY).await?;
    ensure!(
        me_status(ctx, &grant.token).await? == 200,
        "using a session did not extend it"
    );
    ctx.advance_clock(31 * DAY).await?;
    ensure!(
        me_status(ctx, &grant.token).await? == 401,
        "an unused session outlived 30 days"
    );
    Ok(())
}

pub async fn the_display_name_can_be_corrected(ctx: &Ctx) -> CaseResult {
    let grant = sign_in(ctx, &ctx.email("named"), &ctx.ip()).await?;
    let patch = |name: serde_json::Value| {
        ctx.patch("/v1/me")
            .token(&grant.token)
            .json(&serde_json::json!({ "display_name": name }))
            .send()
    };
    let user: User = patch(serde_json::json!("  Ada 洛芙莱斯 "))
        .await?
        .expect_status(200)?
        .json()?;
    ensure!(
        user.display_name.as_deref() == Some("Ada 洛芙莱斯"),
        "{user:?}"
    );
    patch(serde_json::json!("x".repeat(81)))
        .await?
        .error(400, ErrorCode::InvalidDisplayName)?;
    patch(serde_json::json!("bell\u{7}"))
        .await?
        .error(400, ErrorCode::InvalidDisplayName)?;
    let me: User = ctx.get("/v1/me").token(&grant.token).send().await?.json()?;
    ensure!(
        me.display_name.as_deref() == Some("Ada 洛芙莱斯"),
        "a refused patch changed the name: {me:?}"
    );
    let cleared: User = patch(serde_json::Value::Null).await?.json()?;
    ensure!(cleared.display_name.is_none(), "{cleared:?}");
    Ok(())
}
