//! Correcting the account's email: `POST /v1/me/email` mails a code to the new address (bound to
//! the asking device by PKCE, as in sign-in), `POST /v1/me/email/verify` moves the account there.
//!
//! The request is answered the same whether or not the address already has an account: the
//! owner of a taken address is told someone tried, and nothing can be confirmed. Wrong codes are
//! counted per change (five) and per address across changes (the sign-in daily limit). The
//! change itself is one batch: the address, the history entry the export shows, the new
//! address's sign-up-grant marker (so moving an account never frees a grant), and the end of the
//! pending change. Sessions stay signed in; the old address gets a notice.

use atelier_api::ErrorCode;
use atelier_api::auth::{
    CHALLENGE_TTL_SECONDS, CODE_CHALLENGE_METHOD, MAX_CODE_ATTEMPTS, RESEND_AFTER_SECONDS,
    SignInStarted, StartEmailChange, User, VerifyEmailChange,
};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use serde::Deserialize;

use super::account::{self, AccountRow};
use super::change_mail;
use super::email;
use super::mail::Language;
use super::session::Authenticated;
use super::{grant, limits, pkce};
use crate::crypto::{constant_time_eq, hmac_hex, random_code, random_id};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::platform::{Platform, Statement, rows_as};
use crate::ratelimit;
use crate::request_meta::RequestMeta;
use crate::upstream::resend;

const PURPOSE: &str = "email_change";

fn code_hmac(secret: &str, change_id: &str, code: &str) -> String {
    hmac_hex(secret, &[PURPOSE, change_id, code])
}

fn language(headers: &HeaderMap) -> Language {
    Language::from_accept_language(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// `POST /v1/me/email`.
pub async fn start<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
    meta: RequestMeta,
    headers: HeaderMap,
    ApiJson(request): ApiJson<StartEmailChange>,
) -> ApiResult<(StatusCode, Json<SignInStarted>)> {
    let new_email = email::normalize(&request.email).ok_or_else(super::invalid_email)?;
    if request.code_challenge_method != CODE_CHALLENGE_METHOD
        || !pkce::is_challenge_shaped(&request.code_challenge)
    {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "send code_challenge (base64url of a SHA-256, 43 characters) with code_challenge_method S256",
        ));
    }
    let account = &auth.account;
    if new_email.as_str() == account.email {
        return Err(ApiError::new(
            ErrorCode::EmailUnchanged,
            "this is already the account's email",
        ));
    }
    let secret = super::secret(&platform)?;
    let client = super::subject_ip(&meta);
    ratelimit::hit(&platform, &ratelimit::SENDS_PER_IP, secret, &client).await?;
    ratelimit::hit(
        &platform,
        &ratelimit::EMAIL_CHANGES_PER_ACCOUNT,
        secret,
        &account.id,
    )
    .await?;
    limits::take_send(&platform, secret, new_email.as_str(), &client).await?;

    let id = random_id(&platform)?;
    let code = random_code(&platform)?;
    let now = platform.now_ms();
    platform
        .execute(
            Statement::new(
                "INSERT INTO email_changes (account_id, id, new_email, code_hmac, code_challenge, attempts, expires_at, created_at)
                 VALUES (?, ?, ?, ?, ?, 0, ?, ?)
                 ON CONFLICT (account_id) DO UPDATE SET
                   id = excluded.id, new_email = excluded.new_email, code_hmac = excluded.code_hmac,
                   code_challenge = excluded.code_challenge, attempts = 0,
                   expires_at = excluded.expires_at, created_at = excluded.created_at",
            )
            .bind(account.id.as_str())
            .bind(id.as_str())
            .bind(new_email.as_str())
            .bind(code_hmac(secret, &id, &code))
            .bind(request.code_challenge.as_str())
            .bind(now + i64::from(CHALLENGE_TTL_SECONDS) * 1000)
            .bind(now),
        )
        .await?;

    // Whose the address is decides what the mail says, never what the answer says.
    let from = &platform.config().resend_from;
    let message = if address_taken(&platform, new_email.as_str()).await? {
        change_mail::address_taken(from, new_email.as_str(), language(&headers))
    } else {
        change_mail::confirmation_code(
            from,
            new_email.as_str(),
            &code,
            CHALLENGE_TTL_SECONDS / 60,
            language(&headers),
        )
    };
    resend::send(&platform, &message, &format!("email-change/{id}")).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(SignInStarted {
            expires_in_seconds: CHALLENGE_TTL_SECONDS,
            resend_after_seconds: RESEND_AFTER_SECONDS,
        }),
    ))
}

#[derive(Deserialize)]
struct Taken {
    taken: i64,
}

async fn address_taken<P: Platform>(platform: &P, email: &str) -> ApiResult<bool> {
    let rows = platform
        .query(
            Statement::new("SELECT EXISTS (SELECT 1 FROM accounts WHERE email = ?) AS taken")
                .bind(email),
        )
        .await?;
    Ok(rows_as::<Taken>(rows)?
        .first()
        .is_some_and(|t| t.taken != 0))
}

#[derive(Deserialize)]
struct Pending {
    id: String,
    new_email: String,
    code_hmac: String,
    code_challenge: String,
    attempts: i64,
}

fn nothing_pending() -> ApiError {
    ApiError::new(
        ErrorCode::CodeExpired,
        "this code has expired or was replaced; ask for a new one",
    )
}

fn dead() -> ApiError {
    ApiError::new(
        ErrorCode::TooManyAttempts,
        "too many wrong codes; ask for a new one",
    )
}

fn wrong(attempts: i64) -> ApiError {
    let left = i64::from(MAX_CODE_ATTEMPTS) - attempts;
    if left <= 0 {
        dead()
    } else {
        ApiError::new(
            ErrorCode::InvalidCode,
            format!("wrong code; {left} tries left"),
        )
    }
}

const PENDING_COLUMNS: &str = "id, new_email, code_hmac, code_challenge, attempts";

/// `POST /v1/me/email/verify`.
pub async fn verify<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
    meta: RequestMeta,
    headers: HeaderMap,
    ApiJson(request): ApiJson<VerifyEmailChange>,
) -> ApiResult<Json<User>> {
    let secret = super::secret(&platform)?;
    ratelimit::hit(
        &platform,
        &ratelimit::VERIFICATIONS_PER_IP,
        secret,
        &super::subject_ip(&meta),
    )
    .await?;
    let account = &auth.account;
    let now = platform.now_ms();
    let rows = platform
        .query(
            Statement::new(format!(
                "SELECT {PENDING_COLUMNS} FROM email_changes WHERE account_id = ? AND expires_at > ?"
            ))
            .bind(account.id.as_str())
            .bind(now),
        )
        .await?;
    let Some(pending) = rows_as::<Pending>(rows)?.into_iter().next() else {
        return Err(nothing_pending());
    };
    if pending.attempts >= i64::from(MAX_CODE_ATTEMPTS) {
        return Err(dead());
    }
    // Another device of the same account cannot confirm (nor use up) this device's change.
    let bound = pkce::challenge_of(&request.code_verifier)
        .is_some_and(|c| constant_time_eq(&c, &pending.code_challenge));
    if !bound {
        return Err(wrong(pending.attempts + 1));
    }
    let Some(slot) = limits::take_attempt(&platform, secret, &pending.new_email).await? else {
        return Err(limits::codes_refused());
    };
    let taken = platform
        .query(
            Statement::new(format!(
                "UPDATE email_changes SET attempts = attempts + 1
                 WHERE id = ? AND attempts < ? AND expires_at > ?
                 RETURNING {PENDING_COLUMNS}"
            ))
            .bind(pending.id.as_str())
            .bind(i64::from(MAX_CODE_ATTEMPTS))
            .bind(now),
        )
        .await?;
    let Some(live) = rows_as::<Pending>(taken)?.into_iter().next() else {
        limits::give_back(&platform, &slot).await?;
        return Err(nothing_pending());
    };
    let code = request.code.trim();
    let well_formed = code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit());
    if !well_formed || !constant_time_eq(&code_hmac(secret, &live.id, code), &live.code_hmac) {
        return Err(wrong(live.attempts));
    }
    limits::give_back(&platform, &slot).await?;

    apply(&platform, secret, account, &live.id, &live.new_email, &meta).await?;
    let Some(changed) = account::by_id(&platform, &account.id).await? else {
        return Err(ApiError::new(ErrorCode::Unauthenticated, "sign in again"));
    };
    if changed.email != live.new_email {
        // The address was free when asked for and taken before the code came back.
        platform
            .execute(
                Statement::new("DELETE FROM email_changes WHERE id = ?").bind(live.id.as_str()),
            )
            .await?;
        return Err(ApiError::new(
            ErrorCode::EmailInUse,
            "another account signed up with that address meanwhile; nothing changed",
        ));
    }
    tracing::info!(account = %account.id, "email changed");
    let notice = change_mail::changed_notice(
        &platform.config().resend_from,
        &account.email,
        &live.new_email,
        language(&headers),
    );
    // The change stands whether or not the notice goes out; Resend retries with the same key.
    if let Err(error) = resend::send(
        &platform,
        &notice,
        &format!("email-change/{}/notice", live.id),
    )
    .await
    {
        tracing::error!(error = %error, "could not send the email-change notice");
    }
    Ok(Json(changed.to_user()))
}

/// Moves the account to `new_email` in one batch, guarded by the pending change still existing
/// and the address being free: the history entry and the grant marker are written only when the
/// address was.
async fn apply<P: Platform>(
    platform: &P,
    secret: &str,
    account: &AccountRow,
    change_id: &str,
    to: &str,
    meta: &RequestMeta,
) -> ApiResult<()> {
    let now = platform.now_ms();
    const MOVED: &str = "EXISTS (SELECT 1 FROM accounts WHERE id = ? AND email = ?)
                         AND EXISTS (SELECT 1 FROM email_changes WHERE id = ?)";
    platform
        .batch(vec![
            Statement::new(
                "UPDATE accounts SET email = ?1
                 WHERE id = ?2 AND deleted_at IS NULL
                   AND EXISTS (SELECT 1 FROM email_changes WHERE id = ?3)
                   AND NOT EXISTS (SELECT 1 FROM accounts WHERE email = ?1)",
            )
            .bind(to)
            .bind(account.id.as_str())
            .bind(change_id),
            Statement::new(format!(
                "INSERT INTO sign_ins (id, account_id, ip, user_agent, created_at, event, previous_email, new_email)
                 SELECT ?, ?, ?, ?, ?, 'email_change', ?, ? WHERE {MOVED}"
            ))
            .bind(random_id(platform)?)
            .bind(account.id.as_str())
            .bind(meta.ip.clone())
            .bind(meta.user_agent.clone())
            .bind(now)
            .bind(account.email.as_str())
            .bind(to)
            .bind(account.id.as_str())
            .bind(to)
            .bind(change_id),
            // The account's grant came with it: the new address starts its year now.
            Statement::new(format!(
                "INSERT INTO sign_up_grants (address_hash, granted_at) SELECT ?, ? WHERE {MOVED}
                 ON CONFLICT (address_hash) DO UPDATE SET granted_at = excluded.granted_at"
            ))
            .bind(grant::address_hash(secret, to))
            .bind(now)
            .bind(account.id.as_str())
            .bind(to)
            .bind(change_id),
            // The old address's sign-in challenge names it; it no longer reaches this account.
            Statement::new(format!(
                "DELETE FROM auth_challenges WHERE email = ? AND {MOVED}"
            ))
            .bind(account.email.as_str())
            .bind(account.id.as_str())
            .bind(to)
            .bind(change_id),
            Statement::new(format!("DELETE FROM email_changes WHERE id = ? AND {MOVED}"))
                .bind(change_id)
                .bind(account.id.as_str())
                .bind(to)
                .bind(change_id),
        ])
        .await?;
    Ok(())
}
