//! Sign-in by code and by link: single use, ten minutes, five wrong codes, one live challenge per
//! address, the same answer for known and unknown addresses, mail in the asker's language.

use atelier_api::ErrorCode;
use atelier_api::auth::{SignInStarted, User};

use crate::cases::auth_support::{VERIFIER, latest_mail, sign_in, start, start_body, verify};
use crate::{CaseResult, Ctx, ensure};

pub async fn sign_in_by_code_creates_the_account(ctx: &Ctx) -> CaseResult {
    let (email, ip) = (ctx.email("Code.User"), ctx.ip());
    let started: SignInStarted = start(ctx, &email.to_uppercase(), &ip)
        .await?
        .expect_status(202)?
        .json()?;
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
    let me: User = ctx
        .get("/v1/me")
        .token(&grant.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
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
    again
        .error(400, ErrorCode::CodeExpired)
        .map_err(|e| format!("reused token: {e}"))?;
    let code = verify(
        ctx,
        serde_json::json!({ "email": email, "code": mail.code }),
        &ip,
    )
    .await?;
    code.error(400, ErrorCode::CodeExpired)
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
            .get(&format!("/auth/link?token={}", mail.token))
            .send()
            .await?;
        ensure!(page.status() == 200, "link page answered {}", page.status());
        let referrer = page.header("referrer-policy").unwrap_or_default();
        ensure!(referrer == "no-referrer", "referrer-policy {referrer:?}");
        let html = page.text();
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
    let broken = ctx.get("/auth/link?token=<script>").send().await?;
    ensure!(
        broken.status() == 400,
        "a malformed token page answered {}",
        broken.status()
    );
    ensure!(
        !broken.text().contains("<script>"),
        "the page reflects its input"
    );
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
        response
            .error(400, ErrorCode::InvalidCode)
            .map_err(|e| format!("wrong code {attempt}: {e}"))?;
    }
    let fifth = verify(
        ctx,
        serde_json::json!({ "email": email, "code": wrong }),
        &ip,
    )
    .await?;
    fifth
        .error(400, ErrorCode::TooManyAttempts)
        .map_err(|e| format!("fifth wrong code: {e}"))?;
    let right = verify(
        ctx,
        serde_json::json!({ "email": email, "code": mail.code }),
        &ip,
    )
    .await?;
    right
        .error(400, ErrorCode::TooManyAttempts)
        .map_err(|e| format!("right code on a dead challenge: {e}"))?;
    let link = verify(ctx, serde_json::json!({ "token": mail.token }), &ip).await?;
    link.error(400, ErrorCode::CodeExpired)
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
    old_link
        .error(400, ErrorCode::CodeExpired)
        .map_err(|e| format!("old link: {e}"))?;
    if first.code != second.code {
        let old_code = verify(
            ctx,
            serde_json::json!({ "email": email, "code": first.code }),
            &ip,
        )
        .await?;
        old_code
            .error(400, ErrorCode::InvalidCode)
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
    code.error(400, ErrorCode::CodeExpired)
        .map_err(|e| format!("expired code: {e}"))?;
    let link = verify(ctx, serde_json::json!({ "token": mail.token }), &ip).await?;
    link.error(400, ErrorCode::CodeExpired)
        .map_err(|e| format!("expired link: {e}"))
}

pub async fn known_and_unknown_emails_get_identical_answers(ctx: &Ctx) -> CaseResult {
    let (known, unknown, ip) = (ctx.email("known"), ctx.email("unknown"), ctx.ip());
    sign_in(ctx, &known, &ip).await?;
    let mut answers = Vec::new();
    for email in [&known, &unknown] {
        let reply = start(ctx, email, &ctx.ip()).await?;
        let status = reply.status();
        let mut headers: Vec<(String, String)> = reply
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
        answers.push((status, headers, reply.bytes().to_vec()));
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
        start(ctx, bad, &ctx.ip())
            .await?
            .error(400, ErrorCode::InvalidEmail)
            .map_err(|e| format!("{bad:?}: {e}"))?;
    }
    let code = verify(
        ctx,
        serde_json::json!({ "email": "nope", "code": "123456" }),
        &ctx.ip(),
    )
    .await?;
    code.error(400, ErrorCode::InvalidEmail)?;
    ensure!(
        ctx.sims.resend().emails().len() == before,
        "a refused address was mailed"
    );
    Ok(())
}

pub async fn mail_speaks_the_requested_language(ctx: &Ctx) -> CaseResult {
    let email = ctx.email("zh");
    ctx.post("/v1/auth/start")
        .test_ip(&ctx.ip())
        .header("accept-language", "zh-CN,zh;q=0.9,en;q=0.5")
        .json(&start_body(&email, VERIFIER))
        .send()
        .await?
        .expect_status(202)?;
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
