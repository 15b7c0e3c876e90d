//! Sign-in by code and by link, challenges, sessions, the account, and the rate limits.

use atelier_api::auth::{SignInStarted, User};

use super::auth_support::{latest_mail, me_status, sign_in, start, verify};
use crate::cases::{expect_error, transport};
use crate::{CaseResult, Ctx, ensure};

pub async fn sign_in_by_code_creates_the_account(ctx: &Ctx) -> CaseResult {
    let (email, ip) = (ctx.email("Code.User"), ctx.ip());
    let response = start(ctx, &email.to_uppercase(), &ip).await?;
    ensure!(
        response.status() == 202,
        "start answered {}",
        response.status()
    );
    let started: SignInStarted = response.json().await.map_err(transport)?;
    ensure!(started.expires_in_seconds == 600, "{started:?}");
    let grant = sign_in(ctx, &email, &ip).await?;
    ensure!(
        grant.user.email == email.to_lowercase(),
        "email {:?} is not normalised",
        grant.user.email
    );
    ensure!(
        grant.token.len() >= 43,
        "session token shorter than 256 bits: {}",
        grant.token.len()
    );
    let response = ctx
        .http
        .get(ctx.url("/v1/me"))
        .bearer_auth(&grant.token)
        .send()
        .await
        .map_err(transport)?;
    ensure!(
        response.status() == 200,
        "me answered {}",
        response.status()
    );
    let me: User = response.json().await.map_err(transport)?;
    ensure!(
        me == grant.user,
        "me {me:?} differs from the grant's {:?}",
        grant.user
    );
    ensure!(
        grant.expires_at > me.created_at + 29 * 86_400_000,
        "session expires too soon: {}",
        grant.expires_at
    );
    Ok(())
}

pub async fn sign_in_by_link_is_single_use(ctx: &Ctx) -> CaseResult {
    let (email, ip) = (ctx.email("link"), ctx.ip());
    ensure!(
        start(ctx, &email, &ip).await?.status() == 202,
        "start failed"
    );
    let mail = latest_mail(ctx, &email)?;
    let response = verify(ctx, serde_json::json!({ "token": mail.token }), &ip).await?;
    ensure!(
        response.status() == 200,
        "link token answered {}",
        response.status()
    );
    let again = verify(ctx, serde_json::json!({ "token": mail.token }), &ip).await?;
    expect_error(again, 400, "code_expired")
        .await
        .map_err(|e| format!("reused token: {e}"))?;
    let code = verify(
        ctx,
        serde_json::json!({ "email": email, "code": mail.code }),
        &ip,
    )
    .await?;
    expect_error(code, 400, "code_expired")
        .await
        .map_err(|e| format!("code after its link was used: {e}"))
}

pub async fn the_link_page_never_consumes_the_token(ctx: &Ctx) -> CaseResult {
    let (email, ip) = (ctx.email("scanner"), ctx.ip());
    ensure!(
        start(ctx, &email, &ip).await?.status() == 202,
        "start failed"
    );
    let mail = latest_mail(ctx, &email)?;
    for _ in 0..2 {
        // What a mail scanner does.
        let page = ctx
            .http
            .get(ctx.url(&format!("/auth/link?token={}", mail.token)))
            .send()
            .await
            .map_err(transport)?;
        ensure!(page.status() == 200, "link page answered {}", page.status());
        let referrer = page
            .headers()
            .get("referrer-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        ensure!(referrer == "no-referrer", "referrer-policy {referrer:?}");
        let html = page.text().await.map_err(transport)?;
        ensure!(
            html.contains(&format!("atelier://auth?token={}", mail.token)),
            "no app link in the page"
        );
    }
    let response = verify(ctx, serde_json::json!({ "token": mail.token }), &ip).await?;
    ensure!(
        response.status() == 200,
        "the token no longer works after the page was opened: {}",
        response.status()
    );
    let broken = ctx
        .http
        .get(ctx.url("/auth/link?token=<script>"))
        .send()
        .await
        .map_err(transport)?;
    ensure!(
        broken.status() == 400,
        "a malformed token page answered {}",
        broken.status()
    );
    let html = broken.text().await.map_err(transport)?;
    ensure!(!html.contains("<script>"), "the page reflects its input");
    Ok(())
}

pub async fn five_wrong_codes_kill_the_challenge(ctx: &Ctx) -> CaseResult {
    let (email, ip) = (ctx.email("guesser"), ctx.ip());
    ensure!(
        start(ctx, &email, &ip).await?.status() == 202,
        "start failed"
    );
    let mail = latest_mail(ctx, &email)?;
    let wrong = if mail.code == "000000" {
        "111111"
    } else {
        "000000"
    };
    for attempt in 1..=4 {
        let response = verify(
            ctx,
            serde_json::json!({ "email": email, "code": wrong }),
            &ip,
        )
        .await?;
        expect_error(response, 400, "invalid_code")
            .await
            .map_err(|e| format!("wrong code {attempt}: {e}"))?;
    }
    let fifth = verify(
        ctx,
        serde_json::json!({ "email": email, "code": wrong }),
        &ip,
    )
    .await?;
    expect_error(fifth, 400, "too_many_attempts")
        .await
        .map_err(|e| format!("fifth wrong code: {e}"))?;
    let right = verify(
        ctx,
        serde_json::json!({ "email": email, "code": mail.code }),
        &ip,
    )
    .await?;
    expect_error(right, 400, "too_many_attempts")
        .await
        .map_err(|e| format!("right code on a dead challenge: {e}"))?;
    let link = verify(ctx, serde_json::json!({ "token": mail.token }), &ip).await?;
    expect_error(link, 400, "code_expired")
        .await
        .map_err(|e| format!("link of a dead challenge: {e}"))
}

pub async fn a_new_email_replaces_the_old_code_and_link(ctx: &Ctx) -> CaseResult {
    let (email, ip) = (ctx.email("resend"), ctx.ip());
    ensure!(
        start(ctx, &email, &ip).await?.status() == 202,
        "first start failed"
    );
    let first = latest_mail(ctx, &email)?;
    ensure!(
        start(ctx, &email, &ip).await?.status() == 202,
        "second start failed"
    );
    let second = latest_mail(ctx, &email)?;
    ensure!(
        first.token != second.token,
        "the second mail reused the link token"
    );
    let old_link = verify(ctx, serde_json::json!({ "token": first.token }), &ip).await?;
    expect_error(old_link, 400, "code_expired")
        .await
        .map_err(|e| format!("old link: {e}"))?;
    if first.code != second.code {
        let old_code = verify(
            ctx,
            serde_json::json!({ "email": email, "code": first.code }),
            &ip,
        )
        .await?;
        expect_error(old_code, 400, "invalid_code")
            .await
            .map_err(|e| format!("old code: {e}"))?;
    }
    let new_code = verify(
        ctx,
        serde_json::json!({ "email": email, "code": second.code }),
        &ip,
    )
    .await?;
    ensure!(
        new_code.status() == 200,
        "the new code answered {}",
        new_code.status()
    );
    Ok(())
}

pub async fn codes_and_links_expire_after_ten_minutes(ctx: &Ctx) -> CaseResult {
    let (email, ip) = (ctx.email("slow"), ctx.ip());
    ensure!(
        start(ctx, &email, &ip).await?.status() == 202,
        "start failed"
    );
    let mail = latest_mail(ctx, &email)?;
    ctx.advance_clock(10 * 60 * 1000 + 1_000).await?;
    let code = verify(
        ctx,
        serde_json::json!({ "email": email, "code": mail.code }),
        &ip,
    )
    .await?;
    expect_error(code, 400, "code_expired")
        .await
        .map_err(|e| format!("expired code: {e}"))?;
    let link = verify(ctx, serde_json::json!({ "token": mail.token }), &ip).await?;
    expect_error(link, 400, "code_expired")
        .await
        .map_err(|e| format!("expired link: {e}"))
}

pub async fn known_and_unknown_emails_get_identical_answers(ctx: &Ctx) -> CaseResult {
    let (known, unknown, ip) = (ctx.email("known"), ctx.email("unknown"), ctx.ip());
    sign_in(ctx, &known, &ip).await?;
    let mut answers = Vec::new();
    for email in [&known, &unknown] {
        let response = start(ctx, email, &ctx.ip()).await?;
        let status = response.status();
        let mut headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .filter(|(k, _)| *k != "date")
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        headers.sort();
        let body = response.bytes().await.map_err(transport)?;
        answers.push((status, headers, body));
    }
    ensure!(
        answers[0] == answers[1],
        "known {:?} vs unknown {:?}",
        answers[0],
        answers[1]
    );
    ensure!(
        ctx.sims.resend().last_email_to(&unknown).is_some(),
        "the unknown address got no mail"
    );
    Ok(())
}

pub async fn malformed_emails_are_refused_and_nothing_is_sent(ctx: &Ctx) -> CaseResult {
    let before = ctx.sims.resend().emails().len();
    for bad in [
        "",
        "plain",
        "a@b",
        "two@@example.com",
        "a b@example.com",
        "<script>@example.com",
        &"x".repeat(300),
    ] {
        let response = start(ctx, bad, &ctx.ip()).await?;
        expect_error(response, 400, "invalid_email")
            .await
            .map_err(|e| format!("{bad:?}: {e}"))?;
    }
    let code = verify(
        ctx,
        serde_json::json!({ "email": "nope", "code": "123456" }),
        &ctx.ip(),
    )
    .await?;
    expect_error(code, 400, "invalid_email").await?;
    ensure!(
        ctx.sims.resend().emails().len() == before,
        "a refused address was mailed"
    );
    Ok(())
}

pub async fn mail_speaks_the_requested_language(ctx: &Ctx) -> CaseResult {
    let email = ctx.email("zh");
    let response = ctx
        .http
        .post(ctx.url("/v1/auth/start"))
        .header("x-atelier-test-ip", ctx.ip())
        .header("accept-language", "zh-CN,zh;q=0.9,en;q=0.5")
        .json(&super::auth_support::start_body(
            &email,
            super::auth_support::VERIFIER,
        ))
        .send()
        .await
        .map_err(transport)?;
    ensure!(
        response.status() == 202,
        "start answered {}",
        response.status()
    );
    let mail = latest_mail(ctx, &email)?;
    ensure!(
        mail.subject.contains("验证码") && mail.text.contains("有效"),
        "not Chinese: {} / {}",
        mail.subject,
        mail.text
    );
    let sent = ctx.sims.resend().last_email_to(&email).ok_or("no mail")?;
    ensure!(
        sent.idempotency_key
            .as_deref()
            .is_some_and(|k| k.starts_with("sign-in/")),
        "no idempotency key: {:?}",
        sent.idempotency_key
    );
    Ok(())
}

pub async fn missing_or_bad_bearer_tokens_are_unauthenticated(ctx: &Ctx) -> CaseResult {
    let forged = "A".repeat(43);
    let requests = [
        ctx.http.get(ctx.url("/v1/me")),
        ctx.http
            .get(ctx.url("/v1/me"))
            .header("authorization", "Bearer"),
        ctx.http
            .get(ctx.url("/v1/me"))
            .header("authorization", "Bearer not-a-token"),
        ctx.http
            .get(ctx.url("/v1/me"))
            .header("authorization", format!("Bearer {forged}")),
        ctx.http
            .get(ctx.url("/v1/me"))
            .header("authorization", format!("Basic {forged}")),
        ctx.http.post(ctx.url("/v1/auth/logout")),
        ctx.http
            .post(ctx.url("/v1/auth/logout-all"))
            .bearer_auth(&forged),
        ctx.http
            .patch(ctx.url("/v1/me"))
            .json(&serde_json::json!({"display_name": "x"})),
    ];
    for (i, request) in requests.into_iter().enumerate() {
        let response = request.send().await.map_err(transport)?;
        expect_error(response, 401, "unauthenticated")
            .await
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
        .http
        .post(ctx.url("/v1/auth/logout"))
        .bearer_auth(&first.token)
        .send()
        .await
        .map_err(transport)?;
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
        .http
        .post(ctx.url("/v1/auth/logout-all"))
        .bearer_auth(&laptop.token)
        .send()
        .await
        .map_err(transport)?;
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
        ctx.http
            .patch(ctx.url("/v1/me"))
            .bearer_auth(&grant.token)
            .json(&serde_json::json!({ "display_name": name }))
            .send()
    };
    let response = patch(serde_json::json!("  Ada 洛芙莱斯 "))
        .await
        .map_err(transport)?;
    ensure!(
        response.status() == 200,
        "patch answered {}",
        response.status()
    );
    let user: User = response.json().await.map_err(transport)?;
    ensure!(
        user.display_name.as_deref() == Some("Ada 洛芙莱斯"),
        "{user:?}"
    );
    expect_error(
        patch(serde_json::json!("x".repeat(81)))
            .await
            .map_err(transport)?,
        400,
        "invalid_display_name",
    )
    .await?;
    expect_error(
        patch(serde_json::json!("bell\u{7}"))
            .await
            .map_err(transport)?,
        400,
        "invalid_display_name",
    )
    .await?;
    let me: User = ctx
        .http
        .get(ctx.url("/v1/me"))
        .bearer_auth(&grant.token)
        .send()
        .await
        .map_err(transport)?
        .json()
        .await
        .map_err(transport)?;
    ensure!(
        me.display_name.as_deref() == Some("Ada 洛芙莱斯"),
        "a refused patch changed the name: {me:?}"
    );
    let cleared: User = patch(serde_json::Value::Null)
        .await
        .map_err(transport)?
        .json()
        .await
        .map_err(transport)?;
    ensure!(cleared.display_name.is_none(), "{cleared:?}");
    Ok(())
}

pub async fn sends_per_email_are_limited_and_recover(ctx: &Ctx) -> CaseResult {
    let email = ctx.email("limited");
    for i in 1..=5 {
        ensure!(
            start(ctx, &email, &ctx.ip()).await?.status() == 202,
            "send {i} was refused"
        );
    }
    let refused = start(ctx, &email, &ctx.ip()).await?;
    let retry_after: u64 = refused
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .ok_or("a 429 without a numeric Retry-After")?;
    expect_error(refused, 429, "rate_limited").await?;
    ensure!(
        (1..=7_200).contains(&retry_after),
        "Retry-After {retry_after}"
    );
    ctx.advance_clock(retry_after as i64 * 1000).await?;
    let recovered = start(ctx, &email, &ctx.ip()).await?;
    ensure!(
        recovered.status() == 202,
        "still limited after Retry-After: {}",
        recovered.status()
    );
    Ok(())
}

pub async fn sends_per_ip_are_limited(ctx: &Ctx) -> CaseResult {
    let ip = ctx.ip();
    for i in 1..=20 {
        ensure!(
            start(ctx, &ctx.email("ip"), &ip).await?.status() == 202,
            "send {i} from one IP was refused"
        );
    }
    expect_error(
        start(ctx, &ctx.email("ip"), &ip).await?,
        429,
        "rate_limited",
    )
    .await?;
    ensure!(
        start(ctx, &ctx.email("ip"), &ctx.ip()).await?.status() == 202,
        "another IP was limited too"
    );
    // Let this IP's window slide out for the cases after this one.
    ctx.advance_clock(2 * 3_600_000).await
}

pub async fn verifications_per_ip_are_limited(ctx: &Ctx) -> CaseResult {
    let ip = ctx.ip();
    for i in 1..=30 {
        let response = verify(
            ctx,
            serde_json::json!({ "email": ctx.email("v"), "code": "123456" }),
            &ip,
        )
        .await?;
        ensure!(
            response.status() == 400,
            "verification {i} answered {}",
            response.status()
        );
    }
    let refused = verify(
        ctx,
        serde_json::json!({ "email": ctx.email("v"), "code": "123456" }),
        &ip,
    )
    .await?;
    expect_error(refused, 429, "rate_limited").await?;
    ctx.advance_clock(20 * 60_000).await
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A code as a standalone number (not inside a longer run of digits, such as a timestamp).
fn contains_code(haystack: &[u8], code: &[u8]) -> bool {
    haystack.windows(code.len()).enumerate().any(|(i, w)| {
        w == code
            && (i == 0 || !haystack[i - 1].is_ascii_digit())
            && haystack
                .get(i + code.len())
                .is_none_or(|b| !b.is_ascii_digit())
    })
}

pub async fn no_code_token_or_session_is_stored_in_usable_form(ctx: &Ctx) -> CaseResult {
    let (email, ip) = (ctx.email("scan"), ctx.ip());
    ensure!(
        start(ctx, &email, &ip).await?.status() == 202,
        "start failed"
    );
    let pending = latest_mail(ctx, &email)?;
    let grant = sign_in(ctx, &email, &ip).await?;
    let used = latest_mail(ctx, &email)?;
    let files = ctx.stored_files();
    ensure!(
        !files.is_empty(),
        "nothing found under {}",
        ctx.state_dir.display()
    );
    ensure!(
        files
            .iter()
            .any(|(_, b)| contains(b, email.to_lowercase().as_bytes())),
        "the scan does not see the database (the account's email is nowhere)"
    );
    for (path, bytes) in &files {
        for (what, secret) in [
            ("link token", &pending.token),
            ("link token", &used.token),
            ("session token", &grant.token),
        ] {
            ensure!(
                !contains(bytes, secret.as_bytes()),
                "a {what} is stored in clear in {}",
                path.display()
            );
        }
        for code in [&pending.code, &used.code] {
            ensure!(
                !contains_code(bytes, code.as_bytes()),
                "a code is stored in clear in {}",
                path.display()
            );
        }
    }
    Ok(())
}
