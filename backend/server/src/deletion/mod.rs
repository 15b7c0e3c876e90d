//! `DELETE /v1/me`: closing an account. One batch refuses every session, marks the account
//! deleted, frees its email for a new account, fails its unfinished generations and records a
//! purge; the purge then runs as far as the request's budget allows, and the background work
//! finishes it.

pub mod purge;

use atelier_api::auth::AccountDeletion;
use axum::Json;
use axum::extract::State;

use crate::auth::limits::{attempts_subject, email_subject};
use crate::auth::session::Authenticated;
use crate::error::ApiResult;
use crate::platform::{Platform, Statement};
use crate::ratelimit::{PER_ACCOUNT, subject_prefix};

/// Storage calls the request may spend on the purge: well inside a Worker invocation's 1,000
/// subrequests, with room for what the request did before.
const INLINE_BUDGET: u32 = 400;
/// And the time: the person waits on the answer, and the background work finishes any purge
/// (every session is already refused). 10,000 images take about 7 s natively (`cargo xtask bench
/// purge`), so a large account answers in about this long and is done by the next rounds.
const INLINE_MS: i64 = 2_000;

pub async fn delete_me<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
) -> ApiResult<Json<AccountDeletion>> {
    let account = &auth.account;
    let secret = crate::auth::secret(&platform)?;
    // The counters keyed by the email are found later by these keyed hashes, never the address.
    let rl_prefixes = PER_ACCOUNT
        .iter()
        .map(|limit| subject_prefix(limit, secret, &account.id))
        .collect::<Vec<_>>()
        .join("\n");
    let now = platform.now_ms();
    let id = account.id.as_str();
    platform
        .batch(vec![
            // The placeholder is not an address, so the next sign-in with this email finds no
            // account and creates a new, empty one; the row itself goes at the end of the purge.
            Statement::new(
                "UPDATE accounts SET deleted_at = ?2, sessions_valid_after = ?2 + 1,
                   email = 'deleted:' || id, display_name = NULL
                 WHERE id = ?1 AND deleted_at IS NULL",
            )
            .bind(id)
            .bind(now),
            Statement::new("DELETE FROM auth_challenges WHERE email = ?").bind(account.email.as_str()),
            // A pending change of address holds the new address.
            Statement::new("DELETE FROM email_changes WHERE account_id = ?").bind(id),
            // The address's sign-in counters (keyed hashes; they would expire within a day).
            Statement::new("DELETE FROM sign_in_sends WHERE subject = ?")
                .bind(email_subject(secret, &account.email)),
            Statement::new("DELETE FROM sign_in_attempts WHERE subject = ?")
                .bind(attempts_subject(secret, &account.email)),
            // Nothing of the account is submitted to kie or polled any more.
            Statement::new(
                "UPDATE generation_tasks SET state = 'failed', failure_code = 'account_deleted', updated_at = ?2
                 WHERE state IN ('pending', 'submitting', 'submitted')
                   AND generation_id IN (SELECT id FROM generations WHERE account_id = ?1)",
            )
            .bind(id)
            .bind(now),
            Statement::new(
                "UPDATE generations SET status = 'failed', failure_code = 'account_deleted', updated_at = ?2
                 WHERE account_id = ?1 AND status IN ('queued', 'generating')",
            )
            .bind(id)
            .bind(now),
            Statement::new(
                "INSERT INTO account_purges (account_id, step, rl_prefixes, created_at, updated_at)
                 VALUES (?, 0, ?, ?, ?) ON CONFLICT (account_id) DO NOTHING",
            )
            .bind(id)
            .bind(rl_prefixes)
            .bind(now)
            .bind(now),
        ])
        .await?;
    tracing::info!("account deleted; purging");
    let mut budget = purge::Budget::new(INLINE_BUDGET).until(platform.wall_clock_ms() + INLINE_MS);
    let purge_complete = purge::run_logged(&platform, id, &mut budget).await;
    Ok(Json(AccountDeletion { purge_complete }))
}
