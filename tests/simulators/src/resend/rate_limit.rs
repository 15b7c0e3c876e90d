//! Resend's team-wide rate limit (default 2 requests per second across all keys), with the
//! `ratelimit-*` headers it sends on every response and `retry-after` on a 429.

use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(1);

/// A one-second window that opens with the first request after the previous one closed, so a
/// burst is judged as a whole rather than split by an arbitrary clock boundary.
#[derive(Default)]
pub(crate) struct RateWindow {
    started: Option<Instant>,
    count: u32,
}

pub(crate) struct RateDecision {
    pub(crate) allowed: bool,
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl RateWindow {
    /// Counts one request against `limit` per second; `None` when the limit is off (0).
    pub(crate) fn check(&mut self, limit: u32) -> Option<RateDecision> {
        if limit == 0 {
            return None;
        }
        let now = Instant::now();
        let started = match self.started {
            Some(started) if now.duration_since(started) < WINDOW => started,
            _ => {
                self.count = 0;
                *self.started.insert(now)
            }
        };
        let allowed = self.count < limit;
        if allowed {
            self.count += 1;
        }
        let left = WINDOW.saturating_sub(now.duration_since(started));
        // Whole seconds, rounded up: a client told "0" would retry at once and fail again.
        let reset = left.as_millis().div_ceil(1000).max(1).to_string();
        let mut headers = vec![
            ("ratelimit-limit", limit.to_string()),
            (
                "ratelimit-remaining",
                (limit - self.count.min(limit)).to_string(),
            ),
            ("ratelimit-reset", reset.clone()),
        ];
        if !allowed {
            headers.push(("retry-after", reset));
        }
        Some(RateDecision { allowed, headers })
    }

    pub(crate) fn clear(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::RateWindow;

    #[test]
    fn limits_within_a_second() {
        let mut window = RateWindow::default();
        assert!(window.check(2).is_some_and(|d| d.allowed));
        assert!(window.check(2).is_some_and(|d| d.allowed));
        let third = window.check(2).expect("limit is on");
        assert!(!third.allowed);
        assert!(
            third
                .headers
                .iter()
                .any(|(n, v)| *n == "retry-after" && v == "1")
        );
        assert!(window.check(0).is_none());
    }
}
