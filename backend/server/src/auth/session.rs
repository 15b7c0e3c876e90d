//! Sessions in KV, keyed by the SHA-256 of the bearer token (the token itself is never stored).
//! An index key per session lets "sign out everywhere" find them all. What refuses a session at
//! once, everywhere, is SQL, read with the account on every request: the account's
//! `sessions_valid_after` (sign out everywhere, deletion) and `revoked_sessions` (one logout),
//! because KV may serve a deleted key elsewhere for a while and a late extension may write it
//! back. A session lasts 30 days from its last use, and never more than 90 from its sign-in.

use atelier_api::ErrorCode;
use atelier_api::auth::{SESSION_MAX_AGE_SECONDS, SESSION_TTL_SECONDS};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};

use super::account::{self, AccountRow};
use crate::crypto::{random_token, sha256_hex};
use crate::error::{ApiError, ApiResult};
use crate::platform::{Platform, Statement};

/// Extend a session's expiry at most this often (KV allows one write per second per key, and a
/// write per request would be waste).
const EXTEND_EVERY_MS: i64 = 24 * 60 * 60 * 1000;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SessionRecord {
    account_id: String,
    created_at: i64,
    expires_at: i64,
    extended_at: i64,
}

pub(crate) fn session_key(hash: &str) -> String {
    format!("session:{hash}")
}

pub(crate) fn index_prefix(account_id: &str) -> String {
    format!("sessions-of:{account_id}:")
}

async fn store<P: Platform>(platform: &P, hash: &str, record: &SessionRecord) -> ApiResult<()> {
    let ttl = Some(u64::from(SESSION_TTL_SECONDS));
    let value = serde_json::to_vec(record)
        .map_err(|e| ApiError::internal(format!("encoding a session record: {e}")))?;
    platform.kv_put(&session_key(hash), value, ttl).await?;
    platform
        .kv_put(
            &format!("{}{hash}", index_prefix(&record.account_id)),
            b"1".to_vec(),
            ttl,
        )
        .await?;
    Ok(())
}

/// Creates a session for the account; returns the bearer token and its expiry.
pub async fn create<P: Platform>(platform: &P, account_id: &str) -> ApiResult<(String, i64)> {
    let token = random_token(platform, 32)?;
    let now = platform.now_ms();
    let expires_at = expiry(now, now);
    let record = SessionRecord {
        account_id: account_id.to_owned(),
        created_at: now,
        expires_at,
        extended_at: now,
    };
    store(platform, &sha256_hex(token.as_bytes()), &record).await?;
    Ok((token, expires_at))
}

fn max_age_ms() -> i64 {
    i64::from(SESSION_MAX_AGE_SECONDS) * 1000
}

/// The expiry of a session used at `now`: 30 days on, but never past 90 days from its sign-in.
fn expiry(created_at: i64, now: i64) -> i64 {
    (now + i64::from(SESSION_TTL_SECONDS) * 1000).min(created_at + max_age_ms())
}

/// Ends one session: refused at once in SQL (until it could have expired anyway), then removed
/// from KV.
pub async fn delete<P: Platform>(platform: &P, account_id: &str, hash: &str) -> ApiResult<()> {
    platform
        .execute(
            Statement::new(
                "INSERT INTO revoked_sessions (session_hash, account_id, expires_at) VALUES (?, ?, ?)
                 ON CONFLICT (session_hash) DO NOTHING",
            )
            .bind(hash)
            .bind(account_id)
            .bind(platform.now_ms() + max_age_ms()),
        )
        .await?;
    delete_key(platform, account_id, hash).await
}

async fn delete_key<P: Platform>(platform: &P, account_id: &str, hash: &str) -> ApiResult<()> {
    platform.kv_delete(&session_key(hash)).await?;
    platform
        .kv_delete(&format!("{}{hash}", index_prefix(account_id)))
        .await?;
    Ok(())
}

/// Refuses every session of the account from now on, then deletes them from KV.
pub async fn delete_all<P: Platform>(platform: &P, account_id: &str) -> ApiResult<()> {
    account::revoke_sessions_before(platform, account_id, platform.now_ms() + 1).await?;
    let prefix = index_prefix(account_id);
    let mut cursor = None;
    loop {
        let page = platform.kv_list(&prefix, cursor).await?;
        for key in &page.keys {
            if let Some(hash) = key.strip_prefix(&prefix) {
                // `sessions_valid_after` already refuses them all.
                delete_key(platform, account_id, hash).await?;
            }
        }
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(()),
        }
    }
}

/// A request made with a valid session: the account, and which session it was.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub account: AccountRow,
    pub session_hash: String,
}

fn unauthenticated() -> ApiError {
    ApiError::new(ErrorCode::Unauthenticated, "sign in first")
}

impl<P: Platform> FromRequestParts<P> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, platform: &P) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| crate::crypto::is_token_shaped(t))
            .ok_or_else(unauthenticated)?;
        let hash = sha256_hex(token.as_bytes());
        let raw = platform
            .kv_get(&session_key(&hash))
            .await?
            .ok_or_else(unauthenticated)?;
        let mut record: SessionRecord =
            serde_json::from_slice(&raw).map_err(|_| unauthenticated())?;
        let now = platform.now_ms();
        if record.expires_at <= now || now - record.created_at >= max_age_ms() {
            return Err(unauthenticated());
        }
        let account = account::by_session(platform, &record.account_id, &hash)
            .await?
            .ok_or_else(unauthenticated)?;
        if record.created_at < account.sessions_valid_after {
            return Err(unauthenticated());
        }
        if now - record.extended_at >= EXTEND_EVERY_MS {
            record.extended_at = now;
            record.expires_at = expiry(record.created_at, now);
            store(platform, &hash, &record).await?;
        }
        Ok(Self {
            account,
            session_hash: hash,
        })
    }
}
