//! Rolling-window rate limits in KV. Each window has a counter key that expires by itself two
//! windows later; the estimate weighs the previous window by how much of it still overlaps (the
//! sliding-window approximation). KV counters are approximate by design (no atomic increment,
//! eventually consistent): good enough to slow abuse, never used for money or code attempts.
//!
//! Subjects derived from an email or an IP are stored as a keyed hash, never in clear. The
//! sign-in limits that must be exact (sends per address, wrong codes) are in SQL instead
//! (`auth/limits.rs`).

use atelier_api::ErrorCode;

use crate::crypto::hmac_hex;
use crate::error::ApiError;
use crate::platform::{KV_MIN_TTL_SECONDS, Platform};

/// A named limit: at most `limit` events per `window_seconds`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub scope: &'static str,
    pub limit: u32,
    pub window_seconds: u64,
}

/// Sign-in emails per IP.
pub const SENDS_PER_IP: Limit = Limit {
    scope: "send-ip",
    limit: 20,
    window_seconds: 3_600,
};
/// Requests to move an account to another email, per account (each mails the new address).
pub const EMAIL_CHANGES_PER_ACCOUNT: Limit = Limit {
    scope: "email-change-account",
    limit: 5,
    window_seconds: 3_600,
};
/// Images uploaded per account (each is decoded and thumbnailed).
pub const UPLOADS_PER_ACCOUNT: Limit = Limit {
    scope: "upload",
    limit: 60,
    window_seconds: 600,
};
/// Generations per account.
pub const GENERATIONS_PER_ACCOUNT: Limit = Limit {
    scope: "generate",
    limit: 30,
    window_seconds: 600,
};
/// Checkouts opened per account: a person buys a few packs, not hundreds.
pub const CHECKOUTS_PER_ACCOUNT: Limit = Limit {
    scope: "checkout",
    limit: 10,
    window_seconds: 600,
};
/// Every limit counted per account: their counters leave with the account
/// (`crate::deletion`), so a new one added here cannot be forgotten there.
pub const PER_ACCOUNT: [&Limit; 4] = [
    &GENERATIONS_PER_ACCOUNT,
    &CHECKOUTS_PER_ACCOUNT,
    &EMAIL_CHANGES_PER_ACCOUNT,
    &UPLOADS_PER_ACCOUNT,
];
/// Verification attempts (codes and links) per IP.
pub const VERIFICATIONS_PER_IP: Limit = Limit {
    scope: "verify-ip",
    limit: 30,
    window_seconds: 600,
};

/// The KV prefix of a subject's counters, one per window. The subject is HMAC'd with the server
/// secret, so the prefix can be kept (to delete the counters) without keeping the subject.
pub fn subject_prefix(limit: &Limit, secret: &str, subject: &str) -> String {
    let digest = hmac_hex(secret, &["rate-limit", limit.scope, subject]);
    format!("rl:{}:{}:", limit.scope, &digest[..32])
}

/// The KV key for a subject in one window.
fn key(limit: &Limit, secret: &str, subject: &str, window_index: i64) -> String {
    format!("{}{window_index}", subject_prefix(limit, secret, subject))
}

async fn read_count<P: Platform>(platform: &P, key: &str) -> Result<u32, ApiError> {
    let value = platform.kv_get(key).await?;
    Ok(value
        .and_then(|v| String::from_utf8(v).ok())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0))
}

/// Counts one event for `subject`, or answers `rate_limited` with the seconds to wait when the
/// rolling count is already at the limit (the refused event is not counted).
pub async fn hit<P: Platform>(
    platform: &P,
    limit: &Limit,
    secret: &str,
    subject: &str,
) -> Result<(), ApiError> {
    let window_ms = (limit.window_seconds * 1000) as i64;
    let now = platform.now_ms();
    let index = now.div_euclid(window_ms);
    let into_window = now.rem_euclid(window_ms);
    let current_key = key(limit, secret, subject, index);
    let current = read_count(platform, &current_key).await?;
    let previous = read_count(platform, &key(limit, secret, subject, index - 1)).await?;
    let overlap = 1.0 - into_window as f64 / window_ms as f64;
    let estimate = f64::from(previous) * overlap + f64::from(current);
    if estimate + 1.0 > f64::from(limit.limit) {
        let retry_after = retry_after_seconds(limit, previous, current, into_window, window_ms);
        return Err(rate_limited(retry_after));
    }
    let ttl = (limit.window_seconds * 2).max(KV_MIN_TTL_SECONDS);
    platform
        .kv_put(
            &current_key,
            (current + 1).to_string().into_bytes(),
            Some(ttl),
        )
        .await?;
    Ok(())
}

/// Seconds until one more event fits: when enough of the previous window has slid out, or at the
/// latest when the current window's own count has slid out too.
fn retry_after_seconds(
    limit: &Limit,
    previous: u32,
    current: u32,
    into_window: i64,
    window_ms: i64,
) -> u64 {
    let room = f64::from(limit.limit) - 1.0 - f64::from(current);
    let wait_ms = if room >= 0.0 && previous > 0 {
        // previous * (1 - t/window) <= room  ⇔  t >= window * (1 - room/previous)
        let t = window_ms as f64 * (1.0 - room / f64::from(previous));
        (t - into_window as f64).max(0.0)
    } else {
        // The current window alone is full: wait for it to end, then for its weight to fade enough.
        let next = window_ms - into_window;
        let fade =
            window_ms as f64 * (1.0 - (f64::from(limit.limit) - 1.0) / f64::from(current.max(1)));
        next as f64 + fade.max(0.0)
    };
    ((wait_ms / 1000.0).ceil() as u64).max(1)
}

pub fn rate_limited(retry_after_seconds: u64) -> ApiError {
    ApiError::new(
        ErrorCode::RateLimited,
        format!("too many requests; try again in {retry_after_seconds} s"),
    )
    .with_retry_after(retry_after_seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: Limit = Limit {
        scope: "t",
        limit: 5,
        window_seconds: 3_600,
    };
    const W: i64 = 3_600_000;

    #[test]
    fn a_full_current_window_waits_past_its_end() {
        let s = retry_after_seconds(&L, 0, 5, W / 2, W);
        assert!(s >= 1_800, "{s}");
    }

    #[test]
    fn a_full_previous_window_waits_until_enough_slid_out() {
        // 5 in the previous window, none now, at the very start: one fits once 1/5 slid out.
        let s = retry_after_seconds(&L, 5, 0, 0, W);
        assert_eq!(s, 720);
    }

    #[test]
    fn keys_hold_no_subject_in_clear() {
        let k = key(&L, "secret", "someone@example.com", 7);
        assert!(!k.contains("someone") && !k.contains("example"));
        assert_ne!(k, key(&L, "other-secret", "someone@example.com", 7));
    }
}
