//! Correcting the account's email: a code mailed to the new address confirms it from the device
//! that asked; sessions stay; the old address is told; the export's history shows the change; an
//! address in use gets the same answer as a free one and can never be taken.

use atelier_api::ErrorCode;
use atelier_api::auth::User;
use atelier_api::export::{AccountEvent, DataExport};

use super::auth_support::{VERIFIER, challenge_of, sign_in};
use crate::{CaseResult, Ctx, Reply, ensure};

const OTHER_DEVICE: &str = "another-device-verifier-zyxwvutsrqponmlkjihgfedcba-0";

/// `POST /v1/me/email` for `email` from the device holding `verifier`.
async fn ask(
    ctx: &Ctx,
    token: &str,
    email: &str,
    verifier: &str,
    ip: &str,
) -> Result<Reply, String> {
    ctx.post("/v1/me/email")
        .token(token)
        .test_ip(ip)
        .json(&serde_json::json!({
            "email": email,
            "code_challenge": challenge_of(verifier),
            "code_challenge_method": "S256",
        }))
        .send()
        .await
}

/// `POST /v1/me/email/verify` with `code` from the device holding `verifier`.
async fn confirm(
    ctx: &Ctx,
    token: &str,
    code: &str,
    verifier: &str,
    ip: &str,
) -> Result<Reply, String> {
    ctx.post("/v1/me/email/verify")
        .token(token)
        .test_ip(ip)
        .json(&serde_json::json!({ "code": code, "code_verifier": verifier }))
        .send()
        .await
}

/// The 6-digit code of the newest mail to `email`, if it has one.
fn mailed_code(ctx: &Ctx, email: &str) -> Result<Option<String>, String> {
    let mail = ctx
        .sims
        .resend()
        .last_email_to(email)
        .ok_or_else(|| format!("no mail reached {email}"))?;
    let text = mail.text.unwrap_or_default();
    Ok(text
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_owned))
}

async fn email_of(ctx: &Ctx, token: &str) -> Result<String, String> {
    let me: User = ctx
        .get("/v1/me")
        .token(token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    Ok(me.email)
}

pub async fn a_new_email_is_confirmed_by_a_code_sent_to_it_and_sessions_stay(
    ctx: &Ctx,
) -> CaseResult {
    let (old, new, ip) = (ctx.email("moving"), ctx.email("moved"), ctx.ip());
    let this = sign_in(ctx, &old, &ip).await?;
    let other = sign_in(ctx, &old, &ctx.ip()).await?;
    ask(ctx, &this.token, &new, VERIFIER, &ip)
        .await?
        .expect_status(202)?;
    let code = mailed_code(ctx, &new)?.ok_or("the new address got no code")?;
    let mail = ctx.sims.resend().last_email_to(&new).ok_or("no mail")?;
    ensure!(
        !mail.text.unwrap_or_default().contains("token="),
        "an email change mails a link; only the code on the asking device confirms it"
    );

    // The code on another device of the same account: answered like a wrong code.
    confirm(ctx, &other.token, &code, OTHER_DEVICE, &ip)
        .await?
        .error(400, ErrorCode::InvalidCode)?;
    ensure!(
        email_of(ctx, &this.token).await? == old,
        "a code without the asking device's verifier changed the email"
    );

    let user: User = confirm(ctx, &this.token, &code, VERIFIER, &ip)
        .await?
        .expect_status(200)?
        .json()?;
    ensure!(user.email == new, "the answer shows {}", user.email);
    // Both sessions stay signed in and see the new address.
    for token in [&this.token, &other.token] {
        ensure!(
            email_of(ctx, token).await? == new,
            "a session lost the account or shows the old email"
        );
    }
    // The code works once.
    confirm(ctx, &this.token, &code, VERIFIER, &ip)
        .await?
        .error(400, ErrorCode::CodeExpired)?;

    // The old address is told, without a code.
    let notice = ctx
        .sims
        .resend()
        .last_email_to(&old)
        .ok_or("the old address got no notice")?;
    let notice_text = notice.text.clone().unwrap_or_default();
    ensure!(
        notice_text.contains(&new) && mailed_code(ctx, &old)?.is_none(),
        "the notice to the old address: {notice_text}"
    );

    // The history in the export records the change with both addresses.
    let export: DataExport = ctx
        .get("/v1/me/export")
        .token(&this.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    let changes: Vec<_> = export
        .technical
        .sign_ins
        .iter()
        .filter(|s| s.event == AccountEvent::EmailChange)
        .collect();
    ensure!(
        changes.len() == 1
            && changes[0]
                .email_change
                .as_ref()
                .is_some_and(|c| c.from == old && c.to == new)
            && changes[0].ip.as_deref() == Some(ip.as_str()),
        "the export's history shows {:?}",
        export.technical.sign_ins
    );
    ensure!(
        export.account.email == new,
        "the export shows the old email"
    );

    // The new address signs in to the same account; the old one now starts a new, empty one.
    let again = sign_in(ctx, &new, &ctx.ip()).await?;
    ensure!(
        again.user.id == this.user.id,
        "the new address reached another account"
    );
    let fresh = sign_in(ctx, &old, &ctx.ip()).await?;
    ensure!(
        fresh.user.id != this.user.id,
        "the old address still reaches the account"
    );
    Ok(())
}

pub async fn an_address_in_use_gets_the_same_answer_and_is_never_taken(ctx: &Ctx) -> CaseResult {
    let ip = ctx.ip();
    let (mine, theirs, free) = (ctx.email("asker"), ctx.email("owner"), ctx.email("free"));
    let me = sign_in(ctx, &mine, &ip).await?;
    let owner = sign_in(ctx, &theirs, &ctx.ip()).await?;
    let to_taken = ask(ctx, &me.token, &theirs, VERIFIER, &ip)
        .await?
        .expect_status(202)?;
    // The owner is told someone tried, and gets no code to give away.
    ensure!(
        mailed_code(ctx, &theirs)?.is_none(),
        "the owner of a taken address was mailed a code"
    );
    let to_free = ask(ctx, &me.token, &free, VERIFIER, &ip)
        .await?
        .expect_status(202)?;
    ensure!(
        to_taken.text() == to_free.text(),
        "a taken address is answered differently: {} vs {}",
        to_taken.text(),
        to_free.text()
    );

    // The free address's code, taken meanwhile by a new account: nothing changes.
    let code = mailed_code(ctx, &free)?.ok_or("the free address got no code")?;
    let newcomer = sign_in(ctx, &free, &ctx.ip()).await?;
    confirm(ctx, &me.token, &code, VERIFIER, &ip)
        .await?
        .error(409, ErrorCode::EmailInUse)?;
    ensure!(
        email_of(ctx, &me.token).await? == mine
            && email_of(ctx, &owner.token).await? == theirs
            && email_of(ctx, &newcomer.token).await? == free,
        "an address in use changed hands"
    );
    // Asking for the taken address again and guessing gets nowhere either.
    ask(ctx, &me.token, &theirs, VERIFIER, &ip)
        .await?
        .expect_status(202)?;
    confirm(ctx, &me.token, "123456", VERIFIER, &ip)
        .await?
        .error(400, ErrorCode::InvalidCode)?;
    ensure!(
        email_of(ctx, &me.token).await? == mine,
        "a guessed code moved the account"
    );
    Ok(())
}

pub async fn bad_email_changes_are_refused_and_change_nothing(ctx: &Ctx) -> CaseResult {
    let (mine, new, ip) = (ctx.email("careful"), ctx.email("target"), ctx.ip());
    let me = sign_in(ctx, &mine, &ip).await?;
    ask(ctx, &me.token, "not an address", VERIFIER, &ip)
        .await?
        .error(400, ErrorCode::InvalidEmail)?;
    ask(ctx, &me.token, &mine.to_uppercase(), VERIFIER, &ip)
        .await?
        .error(400, ErrorCode::EmailUnchanged)?;
    let no_pkce = ctx
        .post("/v1/me/email")
        .token(&me.token)
        .json(&serde_json::json!({ "email": new }))
        .send()
        .await?;
    no_pkce.error(400, ErrorCode::BadRequest)?;
    let anonymous = ctx
        .post("/v1/me/email")
        .json(&serde_json::json!({ "email": new, "code_challenge": challenge_of(VERIFIER), "code_challenge_method": "S256" }))
        .send()
        .await?;
    anonymous.error(401, ErrorCode::Unauthenticated)?;
    ensure!(
        ctx.sims.resend().last_email_to(&new).is_none(),
        "a refused request mailed the new address"
    );
    confirm(ctx, &me.token, "123456", VERIFIER, &ip)
        .await?
        .error(400, ErrorCode::CodeExpired)?;

    // Five wrong codes end the change; the right one then does nothing.
    ask(ctx, &me.token, &new, VERIFIER, &ip)
        .await?
        .expect_status(202)?;
    let code = mailed_code(ctx, &new)?.ok_or("no code")?;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in (1..=4).rev() {
        let body: serde_json::Value = confirm(ctx, &me.token, wrong, VERIFIER, &ip)
            .await?
            .json()?;
        ensure!(
            body["code"] == "invalid_code"
                && body["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(&left.to_string())),
            "wrong code {} answered {body}",
            5 - left
        );
    }
    confirm(ctx, &me.token, wrong, VERIFIER, &ip)
        .await?
        .error(400, ErrorCode::TooManyAttempts)?;
    confirm(ctx, &me.token, &code, VERIFIER, &ip)
        .await?
        .error(400, ErrorCode::TooManyAttempts)?;
    ensure!(
        email_of(ctx, &me.token).await? == mine,
        "the email changed after five wrong codes"
    );

    // Deleting the account forgets a pending change and its address at once.
    let pending = ctx.email("pending");
    ask(ctx, &me.token, &pending, VERIFIER, &ip)
        .await?
        .expect_status(202)?;
    let deleted = ctx.delete("/v1/me").token(&me.token).send().await?;
    ensure!(
        deleted.status() == 200,
        "deletion answered {}",
        deleted.status()
    );
    let dump = ctx.storage().await?;
    let left: Vec<_> = dump
        .tables
        .get("email_changes")
        .into_iter()
        .flatten()
        .filter(|row| {
            serde_json::Value::Object((*row).clone())
                .to_string()
                .contains(&pending)
        })
        .collect();
    ensure!(
        left.is_empty(),
        "a deleted account's pending change remains: {left:?}"
    );
    Ok(())
}
