//! One round of the live channel (DESIGN § 15): a sync request the service holds until the
//! account's changes move, then the normal pass from the page it answered; and how long to pause
//! before the next round. The loop that repeats rounds for whoever is signed in is the library's
//! (`library::live`).

use std::time::{Duration, Instant};

use atelier_api::ErrorCode;

use super::{HeldPage, SyncEngine, SyncReport};
use crate::api::MAX_SYNC_WAIT;
use crate::error::ClientError;
use crate::session::SessionToken;

/// What one round came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveRound {
    /// Changes came and a pass applied them.
    Applied(SyncReport),
    /// The service answered nothing new after `took`.
    Quiet { took: Duration },
}

/// The live channel's timing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveTiming {
    /// How long the service is asked to hold each request.
    pub wait: Duration,
    /// Between requests to a service that answers at once (an older one, which ignores `wait`):
    /// a slow poll, never a spin.
    pub slow_poll: Duration,
    /// The first pause after a failure (the network gone, the service failing); it doubles.
    pub first_retry: Duration,
    /// The longest pause after failures: the background sync's own offline retry.
    pub max_retry: Duration,
}

impl Default for LiveTiming {
    fn default() -> Self {
        Self {
            wait: MAX_SYNC_WAIT,
            slow_poll: Duration::from_secs(30),
            first_retry: Duration::from_secs(1),
            max_retry: Duration::from_secs(15),
        }
    }
}

impl LiveTiming {
    /// The pause before the next round, after `round`; `failures` counts the failed rounds in
    /// a row (this one included, when it failed).
    pub fn pause_after(&self, round: &Result<LiveRound, ClientError>, failures: u32) -> Duration {
        match round {
            Ok(LiveRound::Applied(_)) => Duration::ZERO,
            // A service that waits answers empty only after (about) the wait; much sooner means
            // it did not wait at all.
            Ok(LiveRound::Quiet { took }) if *took < self.wait / 2 => self.slow_poll,
            Ok(LiveRound::Quiet { .. }) => Duration::ZERO,
            Err(e) => {
                let exponent = failures.saturating_sub(1).min(16);
                let backoff = self
                    .first_retry
                    .saturating_mul(2u32.saturating_pow(exponent))
                    .min(self.max_retry);
                match e {
                    ClientError::Api {
                        retry_after: Some(asked),
                        ..
                    } => backoff.max(*asked),
                    _ => backoff,
                }
            }
        }
    }
}

impl SyncEngine {
    /// Asks the service for the changes after the cache's cursor, held up to `wait`; when some
    /// come, runs the normal pass starting from that page (outbox, pages, files).
    pub async fn live_round(
        &self,
        token: &SessionToken,
        wait: Duration,
    ) -> Result<LiveRound, ClientError> {
        let cursor = self.cache.cursor().await?;
        let started = Instant::now();
        let asked = self
            .api
            .sync_wait(token, cursor.as_deref(), self.options.page_size, wait)
            .await;
        let answer = match asked {
            // The normal pass knows how to start again from zero: it is handed the answer, so
            // it does not ask the stale cursor a second time.
            Err(e) if e.code() == ErrorCode::ResetRequired => Err(e),
            Err(e) => return Err(e),
            Ok(page) if page.changes.is_empty() => {
                return Ok(LiveRound::Quiet {
                    took: started.elapsed(),
                });
            }
            Ok(page) => Ok(page),
        };
        self.run_with(token, Some(HeldPage { cursor, answer }))
            .await
            .map(LiveRound::Applied)
    }
}

#[cfg(test)]
mod tests {
    use atelier_api::ErrorBody;

    use super::*;

    fn offline() -> ClientError {
        ClientError::Offline {
            url: "http://127.0.0.1:8787".into(),
            reason: "connection refused or unreachable".into(),
        }
    }

    #[test]
    fn after_changes_or_a_whole_wait_the_next_request_goes_at_once() {
        let timing = LiveTiming::default();
        let applied = Ok(LiveRound::Applied(SyncReport::default()));
        assert_eq!(timing.pause_after(&applied, 0), Duration::ZERO);
        let waited = Ok(LiveRound::Quiet {
            took: Duration::from_millis(24_900),
        });
        assert_eq!(timing.pause_after(&waited, 0), Duration::ZERO);
    }

    #[test]
    fn a_service_that_does_not_wait_is_polled_slowly_never_in_a_loop() {
        let timing = LiveTiming::default();
        let at_once = Ok(LiveRound::Quiet {
            took: Duration::from_millis(3),
        });
        assert_eq!(timing.pause_after(&at_once, 0), Duration::from_secs(30));
    }

    #[test]
    fn failures_back_off_doubling_up_to_the_offline_retry() {
        let timing = LiveTiming::default();
        let pauses: Vec<u64> = (1..=7)
            .map(|n| timing.pause_after(&Err(offline()), n).as_secs())
            .collect();
        assert_eq!(pauses, [1, 2, 4, 8, 15, 15, 15]);
        let limited = Err(ClientError::Api {
            body: ErrorBody::new(ErrorCode::RateLimited, "slow down"),
            retry_after: Some(Duration::from_secs(40)),
            attempts_left: None,
        });
        assert_eq!(timing.pause_after(&limited, 1), Duration::from_secs(40));
    }
}
