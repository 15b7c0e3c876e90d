//! Sessions in KV, keyed by the SHA-256 of the bearer token (the token itself is never stored).
//! An index key per session lets "sign out everywhere" find them all; the account's
//! `sessions_valid_after` (SQL) refuses them at once even where KV has not caught up yet.

use atelier_api::ErrorCode;
use atelier_api::auth::SESSION_TTL_SECONDS;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};

use super::account::{self, AccountRow};
use crate::crypto::{random_token, sha256_hex};
use crate::error::{ApiError, ApiResult};
use crate::platform::Platform;

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
    let expires_at = now + i64::from(SESSION_TTL_SECONDS) * 1000;
    let record = SessionRecord {
        account_id: account_id.to_owned(),
        created_at: now,
        expires_at,
        extended_at: now,
    };
    store(platform, &sha256_hex(token.as_bytes()), &record).await?;
    Ok((token, expires_at))
}

/// Removes one session.
pub async fn delete<P: Platform>(platform: &P, account_id: &str, hash: &str) -> ApiResult<()> {
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
                delete(platform, account_id, hash).await?;
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
        if record.expires_at <= now {
            return Err(unauthenticated());
        }
        let account = account::by_id(platform, &record.account_id)
            .await?
            .ok_or_else(unauthenticated)?;
        if record.created_at < account.sessions_valid_after {
            return Err(unauthenticated());
        }
        if now - record.extended_at >= EXTEND_EVERY_MS {
            record.extended_at = now;
            record.expires_at = now + i64::from(SESSION_TTL_SECONDS) * 1000;
            store(platform, &hash, &record).await?;
        }
        Ok(Self {
            account,
            session_hash: hash,
        })
    }
}
