//! Accounts: created on first sign-in with the sign-up grant, read and corrected by their owner.

use atelier_api::ErrorCode;
use atelier_api::auth::{AuthProvider, User};
use atelier_api::credits::LedgerKind;
use serde::Deserialize;

use super::grant;
use crate::credits::entries::NewEntry;
use crate::crypto::random_id;
use crate::error::{ApiError, ApiResult};
use crate::platform::{Platform, Statement, rows_as};
use crate::request_meta::RequestMeta;

/// Credits every new account starts with, written as the first entry of its ledger.
pub const SIGN_UP_GRANT_CREDITS: i64 = 100;

#[derive(Debug, Clone, Deserialize)]
pub struct AccountRow {
    pub id: String,
    pub email: String,
    pub display_name: Option<String>,
    pub created_at: i64,
    pub sessions_valid_after: i64,
    /// The sync log's bounds (`crate::sync::pull`), read with the session so a pull reads the
    /// row once.
    pub sync_floor: i64,
    pub sync_seq: i64,
}

impl AccountRow {
    pub fn to_user(&self) -> User {
        User {
            id: self.id.clone(),
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            auth_provider: AuthProvider::Email,
            created_at: self.created_at,
        }
    }
}

const COLUMNS: &str =
    "id, email, display_name, created_at, sessions_valid_after, sync_floor, sync_seq";

/// The account, unless it is deleted: a deleted account is refused everywhere from that instant.
pub async fn by_id<P: Platform>(platform: &P, id: &str) -> ApiResult<Option<AccountRow>> {
    let rows = platform
        .query(
            Statement::new(format!(
                "SELECT {COLUMNS} FROM accounts WHERE id = ? AND deleted_at IS NULL"
            ))
            .bind(id),
        )
        .await?;
    Ok(rows_as(rows)?.into_iter().next())
}

/// The account of a live session: not deleted, and the session not ended by a logout. One read,
/// on every authenticated request.
pub async fn by_session<P: Platform>(
    platform: &P,
    id: &str,
    session_hash: &str,
) -> ApiResult<Option<AccountRow>> {
    let rows = platform
        .query(
            Statement::new(format!(
                "SELECT {COLUMNS} FROM accounts WHERE id = ? AND deleted_at IS NULL
                 AND NOT EXISTS (SELECT 1 FROM revoked_sessions WHERE session_hash = ?)"
            ))
            .bind(id)
            .bind(session_hash),
        )
        .await?;
    Ok(rows_as(rows)?.into_iter().next())
}

/// Finds or creates the account for `email` and records this sign-in, in one atomic batch: the
/// account, its sign-up grant (once per account: the reference is unique; zero when this mailbox
/// already had one within a year), the mailbox's grant marker, and the sign-in's technical data.
pub async fn sign_in<P: Platform>(
    platform: &P,
    email: &str,
    meta: &RequestMeta,
) -> ApiResult<AccountRow> {
    let now = platform.now_ms();
    let new_id = random_id(platform)?;
    let address_hash = grant::address_hash(crate::auth::secret(platform)?, email);
    // Both grants guard on "this batch created the account"; at most one of them is written
    // (they share the reference), and each logs only itself.
    const IS_NEW: &str = "EXISTS (SELECT 1 FROM accounts WHERE id = ?)";
    const HAD_GRANT: &str =
        "EXISTS (SELECT 1 FROM sign_up_grants WHERE address_hash = ? AND granted_at > ?)";
    let grant = |amount: i64| -> ApiResult<NewEntry<'_>> {
        Ok(NewEntry {
            id: random_id(platform)?,
            account_id: new_id.as_str(),
            amount,
            kind: LedgerKind::Grant,
            reference: format!("sign-up:{new_id}"),
            paid: None,
            order_id: None,
            created_at: now,
        })
    };
    let full = grant(SIGN_UP_GRANT_CREDITS)?;
    let none = grant(0)?;
    let mut batch = vec![
        Statement::new(
            "INSERT INTO accounts (id, email, auth_provider, created_at) VALUES (?, ?, 'email', ?)
             ON CONFLICT (email) DO NOTHING",
        )
        .bind(new_id.as_str())
        .bind(email)
        .bind(now),
    ];
    batch.extend(
        full.statements(
            full.insert_if(&format!("{IS_NEW} AND NOT {HAD_GRANT}"))
                .bind(new_id.as_str())
                .bind(address_hash.as_str())
                .bind(now - grant::RETENTION_MS),
        ),
    );
    batch.extend(
        none.statements(
            none.insert_if(&format!("{IS_NEW} AND {HAD_GRANT}"))
                .bind(new_id.as_str())
                .bind(address_hash.as_str())
                .bind(now - grant::RETENTION_MS),
        ),
    );
    batch.extend([
        // The marker starts (or, once expired, restarts) the year only with a real grant.
        Statement::new(
            "INSERT INTO sign_up_grants (address_hash, granted_at)
             SELECT ?, ? WHERE EXISTS (SELECT 1 FROM credit_ledger WHERE id = ?)
             ON CONFLICT (address_hash) DO UPDATE SET granted_at = excluded.granted_at
             WHERE sign_up_grants.granted_at <= ?",
        )
        .bind(address_hash.as_str())
        .bind(now)
        .bind(full.id.as_str())
        .bind(now - grant::RETENTION_MS),
        Statement::new(
            "INSERT INTO sign_ins (id, account_id, ip, user_agent, created_at)
             SELECT ?, id, ?, ?, ? FROM accounts WHERE email = ?",
        )
        .bind(random_id(platform)?)
        .bind(meta.ip.clone())
        .bind(meta.user_agent.clone())
        .bind(now)
        .bind(email),
    ]);
    platform.batch(batch).await?;
    let rows = platform
        .query(
            Statement::new(format!("SELECT {COLUMNS} FROM accounts WHERE email = ?")).bind(email),
        )
        .await?;
    rows_as::<AccountRow>(rows)?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::internal("the account was not created"))
}

/// Trims a display name; blank clears it. Refuses control characters and overlong names.
pub fn clean_display_name(raw: Option<&str>) -> ApiResult<Option<String>> {
    let Some(name) = raw.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    let max = atelier_api::limits::LIMITS.max_display_name_chars as usize;
    if name.chars().count() > max || name.chars().any(char::is_control) {
        return Err(ApiError::new(
            ErrorCode::InvalidDisplayName,
            format!("a display name has at most {max} characters and no control characters"),
        ));
    }
    Ok(Some(name.to_owned()))
}

pub async fn set_display_name<P: Platform>(
    platform: &P,
    id: &str,
    name: Option<String>,
) -> ApiResult<()> {
    platform
        .execute(
            Statement::new("UPDATE accounts SET display_name = ? WHERE id = ?")
                .bind(name)
                .bind(id),
        )
        .await?;
    Ok(())
}

/// Makes every existing session of the account invalid at once (they are also deleted from KV).
pub async fn revoke_sessions_before<P: Platform>(
    platform: &P,
    id: &str,
    instant: i64,
) -> ApiResult<()> {
    platform
        .execute(
            Statement::new("UPDATE accounts SET sessions_valid_after = ? WHERE id = ?")
                .bind(instant)
                .bind(id),
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_are_trimmed_bounded_and_printable() {
        assert_eq!(
            clean_display_name(Some("  Ada  ")).unwrap(),
            Some("Ada".into())
        );
        assert_eq!(clean_display_name(Some("   ")).unwrap(), None);
        assert_eq!(clean_display_name(None).unwrap(), None);
        assert!(clean_display_name(Some("a\u{0007}b")).is_err());
        assert!(clean_display_name(Some(&"字".repeat(81))).is_err());
        assert!(clean_display_name(Some(&"字".repeat(80))).is_ok());
    }
}
