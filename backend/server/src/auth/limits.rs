//! The sign-in limits that must hold exactly, counted in SQL (KV counters are approximate and
//! per location): emails sent per address and per (address, client), and wrong codes per address
//! across every challenge. Subjects are keyed hashes (`ATELIER_AUTH_SECRET`), never addresses.

use atelier_api::auth::{
    MAX_FAILED_CODES_PER_DAY, SENDS_PER_EMAIL_AND_CLIENT_PER_HOUR, SENDS_PER_EMAIL_PER_HOUR,
};
use serde::Deserialize;

use crate::crypto::{hmac_hex, random_id};
use crate::error::{ApiError, ApiResult};
use crate::platform::{Platform, Statement, rows_as};
use crate::ratelimit::rate_limited;

const HOUR_MS: i64 = 60 * 60 * 1000;
const DAY_MS: i64 = 24 * HOUR_MS;

fn subject(secret: &str, scope: &str, parts: &[&str]) -> String {
    let mut all = vec!["sign-in", scope];
    all.extend_from_slice(parts);
    hmac_hex(secret, &all)
}

/// The subject of sends to an address.
pub fn email_subject(secret: &str, email: &str) -> String {
    subject(secret, "send-email", &[email])
}

/// The subject of wrong codes for an address.
pub fn attempts_subject(secret: &str, email: &str) -> String {
    subject(secret, "code-attempts", &[email])
}

#[derive(Deserialize)]
struct Oldest {
    at: Option<i64>,
}

/// Takes one send for `email` from `client`: at most [`SENDS_PER_EMAIL_AND_CLIENT_PER_HOUR`] from
/// one client, so a stranger cannot spend another's budget, and at most
/// [`SENDS_PER_EMAIL_PER_HOUR`] in all. Both in one batch: exact under any concurrency.
pub async fn take_send<P: Platform>(
    platform: &P,
    secret: &str,
    email: &str,
    client: &str,
) -> ApiResult<()> {
    let now = platform.now_ms();
    let by_email = email_subject(secret, email);
    let by_client = subject(secret, "send-email-client", &[email, client]);
    let first = random_id(platform)?;
    let changed = platform
        .batch(vec![
            Statement::new(
                "INSERT INTO sign_in_sends (id, subject, at)
                 SELECT ?1, ?2, ?3
                 WHERE (SELECT COUNT(*) FROM sign_in_sends WHERE subject = ?2 AND at > ?4) < ?5
                   AND (SELECT COUNT(*) FROM sign_in_sends WHERE subject = ?6 AND at > ?4) < ?7",
            )
            .bind(first.as_str())
            .bind(by_client.as_str())
            .bind(now)
            .bind(now - HOUR_MS)
            .bind(i64::from(SENDS_PER_EMAIL_AND_CLIENT_PER_HOUR))
            .bind(by_email.as_str())
            .bind(i64::from(SENDS_PER_EMAIL_PER_HOUR)),
            Statement::new(
                "INSERT INTO sign_in_sends (id, subject, at)
                 SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM sign_in_sends WHERE id = ?)",
            )
            .bind(random_id(platform)?)
            .bind(by_email.as_str())
            .bind(now)
            .bind(first.as_str()),
        ])
        .await?;
    if changed.first() == Some(&1) {
        return Ok(());
    }
    // Refused: wait until the oldest send of the fuller of the two windows slides out.
    let rows = platform
        .query(
            Statement::new(
                "SELECT MIN(at) AS at FROM sign_in_sends WHERE subject IN (?, ?) AND at > ?",
            )
            .bind(by_email.as_str())
            .bind(by_client.as_str())
            .bind(now - HOUR_MS),
        )
        .await?;
    let oldest = rows_as::<Oldest>(rows)?
        .into_iter()
        .next()
        .and_then(|o| o.at)
        .unwrap_or(now);
    let wait_s = ((oldest + HOUR_MS - now).max(1000) + 999) / 1000;
    Err(rate_limited(wait_s as u64))
}

/// One code attempt for an address, taken before the code is checked: `Some(slot)` while the
/// address has had fewer than [`MAX_FAILED_CODES_PER_DAY`] wrong codes in a day.
pub async fn take_attempt<P: Platform>(
    platform: &P,
    secret: &str,
    email: &str,
) -> ApiResult<Option<String>> {
    let now = platform.now_ms();
    let id = random_id(platform)?;
    let subject = attempts_subject(secret, email);
    let taken = platform
        .execute(
            Statement::new(
                "INSERT INTO sign_in_attempts (id, subject, at)
                 SELECT ?1, ?2, ?3 WHERE (SELECT COUNT(*) FROM sign_in_attempts WHERE subject = ?2 AND at > ?4) < ?5",
            )
            .bind(id.as_str())
            .bind(subject)
            .bind(now)
            .bind(now - DAY_MS)
            .bind(i64::from(MAX_FAILED_CODES_PER_DAY)),
        )
        .await?;
    Ok((taken == 1).then_some(id))
}

/// Gives an attempt back: the code was right, or there was nothing to check it against.
pub async fn give_back<P: Platform>(platform: &P, slot: &str) -> ApiResult<()> {
    platform
        .execute(Statement::new("DELETE FROM sign_in_attempts WHERE id = ?").bind(slot))
        .await?;
    Ok(())
}

/// What the background work forgets: sends and attempts past their windows.
pub fn prune(now: i64) -> [Statement; 2] {
    [
        Statement::new("DELETE FROM sign_in_sends WHERE at <= ?").bind(now - HOUR_MS),
        Statement::new("DELETE FROM sign_in_attempts WHERE at <= ?").bind(now - DAY_MS),
    ]
}

/// Refused when the address has used up its wrong codes for the day.
pub fn codes_refused() -> ApiError {
    ApiError::new(
        atelier_api::ErrorCode::TooManyAttempts,
        "too many wrong codes for this address today; open the link in the email instead",
    )
}
