//! Sign-in bound to the device that asked (PKCE), wrong codes counted per address across emails,
//! sends limited exactly per address and per (address, client), IPv6 clients by their /64, and
//! sessions a logout ends at once and that never outlive 90 days.

use atelier_api::ErrorCode;
use atelier_api::auth::{SESSION_MAX_AGE_SECONDS, SessionGrant};

use super::auth_support::{
    VERIFIER, challenge_of, latest_mail, me_status, sign_in, start, start_body, verify,
};
use crate::{CaseResult, Ctx, ensure};

const OTHER_DEVICE: &str = "another-device-verifier-zyxwvutsrqponmlkjihgfedcba-0";

pub async fn a_code_or_link_works_only_on_the_device_that_asked(ctx: &Ctx) -> CaseResult {
    let (email, ip) = (ctx.email("bound"), ctx.ip());
    // Without a challenge, or with another method, nothing is sent.
    for body in [
        serde_json::json!({ "email": email }),
        serde_json::json!({ "email": email, "code_challenge": challenge_of(OTHER_DEVICE), "code_challenge_method": "plain" }),
        serde_json::json!({ "email": email, "code_challenge": "short", "code_challenge_method": "S256" }),
    ] {
        ctx.post("/v1/auth/start")
            .test_ip(&ip)
            .json(&body)
            .send()
            .await?
            .error(400, ErrorCode::BadRequest)?;
    }
    ensure!(
        ctx.sims.resend().last_email_to(&email).is_none(),
        "a sign-in without PKCE was mailed"
    );

    ensure!(
        start(ctx, &email, &ip).await?.status() == 202,
        "start failed"
    );
    let mail = latest_mail(ctx, &email)?;
    // The link in someone else's app (another verifier, or none): refused, and not used up.
    for verifier in [
        serde_json::json!(OTHER_DEVICE),
        serde_json::Value::Null,
        serde_json::json!("x"),
    ] {
        let response = verify(
            ctx,
            serde_json::json!({ "token": mail.token, "code_verifier": verifier }),
            &ip,
        )
        .await?;
        response.error(400, ErrorCode::CodeExpired)?;
    }
    // The code from another device: answered like a wrong code, and it takes no attempt.
    for _ in 0..6 {
        let response = verify(
            ctx,
            serde_json::json!({ "email": email, "code": mail.code, "code_verifier": OTHER_DEVICE }),
            &ip,
        )
        .await?;
        response.error(400, ErrorCode::InvalidCode)?;
    }
    // The device that asked still signs in, with its code.
    let response = verify(
        ctx,
        serde_json::json!({ "email": email, "code": mail.code }),
        &ip,
    )
    .await?;
    ensure!(
        response.status() == 200,
        "the asking device was refused: {}",
        response.status()
    );
    Ok(())
}

pub async fn wrong_codes_count_per_address_across_new_emails(ctx: &Ctx) -> CaseResult {
    let (email, ip) = (ctx.email("persistent"), ctx.ip());
    // 4 + 4 + 2 wrong codes over three emails: ten in a day.
    for wrongs in [4, 4, 2] {
        ensure!(
            start(ctx, &email, &ctx.ip()).await?.status() == 202,
            "start failed"
        );
        let mail = latest_mail(ctx, &email)?;
        let wrong = if mail.code == "000000" {
            "111111"
        } else {
            "000000"
        };
        for _ in 0..wrongs {
            let response = verify(
                ctx,
                serde_json::json!({ "email": email, "code": wrong }),
                &ip,
            )
            .await?;
            response.error(400, ErrorCode::InvalidCode)?;
        }
    }
    let mail = latest_mail(ctx, &email)?;
    let right = verify(
        ctx,
        serde_json::json!({ "email": email, "code": mail.code }),
        &ip,
    )
    .await?;
    right.error(400, ErrorCode::TooManyAttempts)?;
    // The link still works.
    let link = verify(ctx, serde_json::json!({ "token": mail.token }), &ip).await?;
    ensure!(
        link.status() == 200,
        "the link stopped working: {}",
        link.status()
    );
    Ok(())
}

pub async fn one_client_cannot_spend_another_clients_sends_and_the_limit_is_exact(
    ctx: &Ctx,
) -> CaseResult {
    let email = ctx.email("contended");
    let stranger = ctx.ip();
    for _ in 0..3 {
        ensure!(
            start(ctx, &email, &stranger).await?.status() == 202,
            "a send was refused"
        );
    }
    start(ctx, &email, &stranger)
        .await?
        .error(429, ErrorCode::RateLimited)?;
    // The owner, elsewhere, still gets theirs.
    ensure!(
        start(ctx, &email, &ctx.ip()).await?.status() == 202,
        "the owner was locked out"
    );

    // Twenty at once from twenty clients: exactly five go out per address.
    let email = ctx.email("burst");
    let mut sends = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let send = ctx
            .post("/v1/auth/start")
            .test_ip(&ctx.ip())
            .json(&start_body(&email, VERIFIER))
            .send();
        sends.spawn(async move { send.await.map(|r| r.status().as_u16()) });
    }
    let mut sent = 0;
    while let Some(answer) = sends.join_next().await {
        match answer.map_err(|e| e.to_string())?? {
            202 => sent += 1,
            429 => {}
            other => return Err(format!("a send answered {other}")),
        }
    }
    ensure!(
        sent == 5,
        "{sent} sends went out for one address in an hour"
    );
    let mails = ctx
        .sims
        .resend()
        .emails()
        .into_iter()
        .filter(|m| m.to.contains(&email))
        .count();
    ensure!(mails == 5, "{mails} emails reached the address");
    Ok(())
}

pub async fn ipv6_clients_are_limited_by_their_64(ctx: &Ctx) -> CaseResult {
    let n = ctx.unique();
    let prefix = format!("2001:db8:{:x}:{:x}", (n >> 16) & 0xffff, n & 0xffff);
    // Twenty sends from twenty addresses of one /64 use up its hourly 20.
    for i in 1..=20 {
        let ip = format!("{prefix}::{i:x}");
        ensure!(
            start(ctx, &ctx.email("v6"), &ip).await?.status() == 202,
            "send {i} from {ip} was refused"
        );
    }
    start(
        ctx,
        &ctx.email("v6"),
        &format!("{prefix}:ffff:ffff:ffff:ffff"),
    )
    .await?
    .error(429, ErrorCode::RateLimited)?;
    // The next /64 is another client.
    let next = format!("2001:db9:{:x}:{:x}::1", (n >> 16) & 0xffff, n & 0xffff);
    ensure!(
        start(ctx, &ctx.email("v6"), &next).await?.status() == 202,
        "another /64 was refused"
    );
    Ok(())
}

pub async fn a_logout_is_refused_at_once_and_sessions_end_after_ninety_days(
    ctx: &Ctx,
) -> CaseResult {
    let email = ctx.email("lifetime");
    let grant: SessionGrant = sign_in(ctx, &email, &ctx.ip()).await?;
    let other = sign_in(ctx, &email, &ctx.ip()).await?;
    ctx.post("/v1/auth/logout")
        .token(&grant.token)
        .send()
        .await?;
    ensure!(
        me_status(ctx, &grant.token).await? == 401,
        "a logged-out session still works"
    );
    // Refused in SQL, where every location reads it, not only by a missing KV key.
    let dump = ctx.storage().await?;
    let revoked = dump
        .tables
        .get("revoked_sessions")
        .into_iter()
        .flatten()
        .count();
    ensure!(revoked >= 1, "the logout left no revocation in SQL");
    ensure!(
        me_status(ctx, &other.token).await? == 200,
        "the other session ended too"
    );

    // Used every 20 days, a session still ends 90 days after its sign-in.
    let day = 24 * 60 * 60 * 1000_i64;
    let max_days = i64::from(SESSION_MAX_AGE_SECONDS) / (24 * 60 * 60);
    let mut age = 0;
    while age + 20 < max_days {
        ctx.advance_clock(20 * day).await?;
        age += 20;
        ensure!(
            me_status(ctx, &other.token).await? == 200,
            "the session ended at day {age}"
        );
    }
    ctx.advance_clock((max_days - age) * day).await?;
    ensure!(
        me_status(ctx, &other.token).await? == 401,
        "a used session outlived {max_days} days"
    );
    Ok(())
}
