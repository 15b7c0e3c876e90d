//! Sign-in challenges in SQL: one per email, replaced by each new email, consumed once, dead after
//! five wrong codes, and bound to the device that asked (its PKCE challenge). Attempts are
//! counted in SQL (exact), never in KV, per challenge and per address across challenges.

use atelier_api::ErrorCode;
use atelier_api::auth::{CHALLENGE_TTL_SECONDS, MAX_CODE_ATTEMPTS};
use serde::Deserialize;

use super::email::EmailAddress;
use super::{limits, pkce};
use crate::crypto::{constant_time_eq, hmac_hex, random_code, random_id, random_token, sha256_hex};
use crate::error::{ApiError, ApiResult};
use crate::platform::{Platform, Statement, rows_as};

const PURPOSE: &str = "sign_in";

/// What the email carries; never stored.
pub struct Issued {
    pub id: String,
    pub code: String,
    pub token: String,
}

fn code_hmac(secret: &str, challenge_id: &str, code: &str) -> String {
    hmac_hex(secret, &[PURPOSE, challenge_id, code])
}

/// Creates the challenge for `email`, replacing any earlier one (its code and link stop working),
/// usable only with the verifier of `code_challenge`.
pub async fn issue<P: Platform>(
    platform: &P,
    secret: &str,
    email: &EmailAddress,
    code_challenge: &str,
) -> ApiResult<Issued> {
    let id = random_id(platform)?;
    let code = random_code(platform)?;
    let token = random_token(platform, 32)?;
    let now = platform.now_ms();
    let expires_at = now + i64::from(CHALLENGE_TTL_SECONDS) * 1000;
    platform
        .execute(
            Statement::new(
                "INSERT INTO auth_challenges (id, email, purpose, code_hmac, token_hash, attempts, expires_at, consumed_at, created_at, code_challenge)
                 VALUES (?, ?, ?, ?, ?, 0, ?, NULL, ?, ?)
                 ON CONFLICT (email, purpose) DO UPDATE SET
                   id = excluded.id, code_hmac = excluded.code_hmac, token_hash = excluded.token_hash,
                   attempts = 0, expires_at = excluded.expires_at, consumed_at = NULL, created_at = excluded.created_at,
                   code_challenge = excluded.code_challenge",
            )
            .bind(id.clone())
            .bind(email.as_str())
            .bind(PURPOSE)
            .bind(code_hmac(secret, &id, &code))
            .bind(sha256_hex(token.as_bytes()))
            .bind(expires_at)
            .bind(now)
            .bind(code_challenge),
        )
        .await?;
    Ok(Issued { id, code, token })
}

#[derive(Deserialize)]
struct Live {
    id: String,
    code_hmac: String,
    attempts: i64,
}

#[derive(Deserialize)]
struct Current {
    attempts: i64,
    code_challenge: String,
}

#[derive(Deserialize)]
struct Consumed {
    email: String,
}

fn expired() -> ApiError {
    ApiError::new(
        ErrorCode::CodeExpired,
        "this code has expired or was replaced; ask for a new email",
    )
}

fn dead() -> ApiError {
    ApiError::new(
        ErrorCode::TooManyAttempts,
        "too many wrong codes; ask for a new email",
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

/// Checks a typed code from the device holding `verifier`.
///
/// A request without the right verifier is answered like a wrong code but takes no attempt: only
/// the device that asked can try codes, so a stranger can neither guess nor use them up. The
/// device's tries are then counted twice, exactly: per address across every challenge (at most
/// ten wrong in a day, a new email does not reset them) and per challenge (five), each taken in
/// one conditional statement before the code is compared, so parallel guesses get no more.
pub async fn verify_code<P: Platform>(
    platform: &P,
    secret: &str,
    email: &EmailAddress,
    code: &str,
    verifier: &str,
) -> ApiResult<()> {
    let now = platform.now_ms();
    let rows = platform
        .query(
            Statement::new(
                "SELECT attempts, code_challenge FROM auth_challenges
                 WHERE email = ? AND purpose = ? AND consumed_at IS NULL AND expires_at > ?",
            )
            .bind(email.as_str())
            .bind(PURPOSE)
            .bind(now),
        )
        .await?;
    let Some(current) = rows_as::<Current>(rows)?.into_iter().next() else {
        return Err(expired());
    };
    if current.attempts >= i64::from(MAX_CODE_ATTEMPTS) {
        return Err(dead());
    }
    let bound = pkce::challenge_of(verifier).is_some_and(|c| {
        !current.code_challenge.is_empty() && constant_time_eq(&c, &current.code_challenge)
    });
    if !bound {
        return Err(wrong(current.attempts + 1));
    }
    let Some(slot) = limits::take_attempt(platform, secret, email.as_str()).await? else {
        return Err(limits::codes_refused());
    };
    let taken = platform
        .query(
            Statement::new(
                "UPDATE auth_challenges SET attempts = attempts + 1
                 WHERE email = ? AND purpose = ? AND consumed_at IS NULL AND expires_at > ? AND attempts < ?
                   AND code_challenge = ?
                 RETURNING id, code_hmac, attempts",
            )
            .bind(email.as_str())
            .bind(PURPOSE)
            .bind(now)
            .bind(i64::from(MAX_CODE_ATTEMPTS))
            .bind(current.code_challenge.as_str()),
        )
        .await?;
    let Some(live) = rows_as::<Live>(taken)?.into_iter().next() else {
        // Replaced, consumed or used up in between: not a guess at this address.
        limits::give_back(platform, &slot).await?;
        return Err(expired());
    };
    let well_formed = code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit());
    if !well_formed || !constant_time_eq(&code_hmac(secret, &live.id, code), &live.code_hmac) {
        return Err(wrong(live.attempts));
    }
    limits::give_back(platform, &slot).await?;
    let consumed = platform
        .execute(
            Statement::new(
                "UPDATE auth_challenges SET consumed_at = ? WHERE id = ? AND consumed_at IS NULL",
            )
            .bind(now)
            .bind(live.id),
        )
        .await?;
    if consumed == 1 {
        Ok(())
    } else {
        Err(expired())
    }
}

/// Consumes the challenge whose link carried `token`, presented by the device holding its
/// verifier; returns its email. A GET of the link page never gets here: only the app's POST does,
/// so mail scanners cannot use up a link, and a link opened on another device (or planted by
/// someone else) matches nothing and uses up nothing. Five wrong codes kill the challenge, link
/// included; the daily limit across challenges refuses codes only, so the link still works.
pub async fn verify_token<P: Platform>(
    platform: &P,
    token: &str,
    verifier: &str,
) -> ApiResult<String> {
    let Some(challenge) = pkce::challenge_of(verifier) else {
        return Err(expired());
    };
    let now = platform.now_ms();
    let rows = platform
        .query(
            Statement::new(
                "UPDATE auth_challenges SET consumed_at = ?
                 WHERE token_hash = ? AND purpose = ? AND consumed_at IS NULL AND expires_at > ? AND attempts < ?
                   AND code_challenge = ?
                 RETURNING email",
            )
            .bind(now)
            .bind(sha256_hex(token.as_bytes()))
            .bind(PURPOSE)
            .bind(now)
            .bind(i64::from(MAX_CODE_ATTEMPTS))
            .bind(challenge),
        )
        .await?;
    rows_as::<Consumed>(rows)?
        .into_iter()
        .next()
        .map(|c| c.email)
        .ok_or_else(expired)
}
