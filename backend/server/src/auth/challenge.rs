//! Sign-in challenges in SQL: one per email, replaced by each new email, consumed once, dead after
//! five wrong codes. Attempts are counted in SQL (exact), never in KV.

use atelier_api::ErrorCode;
use atelier_api::auth::{CHALLENGE_TTL_SECONDS, MAX_CODE_ATTEMPTS};
use serde::Deserialize;

use super::email::EmailAddress;
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

/// Creates the challenge for `email`, replacing any earlier one (its code and link stop working).
pub async fn issue<P: Platform>(
    platform: &P,
    secret: &str,
    email: &EmailAddress,
) -> ApiResult<Issued> {
    let id = random_id(platform)?;
    let code = random_code(platform)?;
    let token = random_token(platform, 32)?;
    let now = platform.now_ms();
    let expires_at = now + i64::from(CHALLENGE_TTL_SECONDS) * 1000;
    platform
        .execute(
            Statement::new(
                "INSERT INTO auth_challenges (id, email, purpose, code_hmac, token_hash, attempts, expires_at, consumed_at, created_at)
                 VALUES (?, ?, ?, ?, ?, 0, ?, NULL, ?)
                 ON CONFLICT (email, purpose) DO UPDATE SET
                   id = excluded.id, code_hmac = excluded.code_hmac, token_hash = excluded.token_hash,
                   attempts = 0, expires_at = excluded.expires_at, consumed_at = NULL, created_at = excluded.created_at",
            )
            .bind(id.clone())
            .bind(email.as_str())
            .bind(PURPOSE)
            .bind(code_hmac(secret, &id, &code))
            .bind(sha256_hex(token.as_bytes()))
            .bind(expires_at)
            .bind(now),
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
struct State {
    attempts: i64,
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

/// Checks a typed code. Each try first takes an attempt in one conditional statement, so even
/// parallel guesses get at most five tries in all; a right code then consumes the challenge.
pub async fn verify_code<P: Platform>(
    platform: &P,
    secret: &str,
    email: &EmailAddress,
    code: &str,
) -> ApiResult<()> {
    let now = platform.now_ms();
    let taken = platform
        .query(
            Statement::new(
                "UPDATE auth_challenges SET attempts = attempts + 1
                 WHERE email = ? AND purpose = ? AND consumed_at IS NULL AND expires_at > ? AND attempts < ?
                 RETURNING id, code_hmac, attempts",
            )
            .bind(email.as_str())
            .bind(PURPOSE)
            .bind(now)
            .bind(i64::from(MAX_CODE_ATTEMPTS)),
        )
        .await?;
    let Some(live) = rows_as::<Live>(taken)?.into_iter().next() else {
        // No attempt left to take: tell a dead challenge from a missing or expired one.
        let rows = platform
            .query(
                Statement::new(
                    "SELECT attempts FROM auth_challenges WHERE email = ? AND purpose = ? AND consumed_at IS NULL AND expires_at > ?",
                )
                .bind(email.as_str())
                .bind(PURPOSE)
                .bind(now),
            )
            .await?;
        return Err(match rows_as::<State>(rows)?.first() {
            Some(s) if s.attempts >= i64::from(MAX_CODE_ATTEMPTS) => dead(),
            _ => expired(),
        });
    };
    let well_formed = code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit());
    if !well_formed || !constant_time_eq(&code_hmac(secret, &live.id, code), &live.code_hmac) {
        let left = i64::from(MAX_CODE_ATTEMPTS) - live.attempts;
        return Err(if left <= 0 {
            dead()
        } else {
            ApiError::new(
                ErrorCode::InvalidCode,
                format!("wrong code; {left} tries left"),
            )
        });
    }
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

/// Consumes the challenge whose link carried `token`; returns its email. A GET of the link page
/// never gets here: only the app's POST does, so mail scanners cannot use up a link.
pub async fn verify_token<P: Platform>(platform: &P, token: &str) -> ApiResult<String> {
    let now = platform.now_ms();
    let rows = platform
        .query(
            Statement::new(
                "UPDATE auth_challenges SET consumed_at = ?
                 WHERE token_hash = ? AND purpose = ? AND consumed_at IS NULL AND expires_at > ? AND attempts < ?
                 RETURNING email",
            )
            .bind(now)
            .bind(sha256_hex(token.as_bytes()))
            .bind(PURPOSE)
            .bind(now)
            .bind(i64::from(MAX_CODE_ATTEMPTS)),
        )
        .await?;
    rows_as::<Consumed>(rows)?
        .into_iter()
        .next()
        .map(|c| c.email)
        .ok_or_else(expired)
}
