//! Resend's idempotency keys: for 24 h the same key with the same body replays the first answer,
//! a different body is a 409, and a key whose first request is still running is a (retryable) 409.
//! Only successful answers are kept, so a failed attempt can be retried under the same key.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;

pub(crate) const MAX_KEY_CHARS: usize = 256;
const RETENTION: Duration = Duration::from_secs(24 * 60 * 60);

enum Stage {
    InFlight,
    Done { status: u16, body: Value },
}

struct Entry {
    body: Value,
    at: Instant,
    stage: Stage,
}

pub(crate) enum Claim {
    /// First use: go ahead, then `finish` or `release`.
    Fresh,
    Replay {
        status: u16,
        body: Value,
    },
    DifferentBody,
    InFlight,
}

#[derive(Default)]
pub(crate) struct IdempotencyKeys {
    entries: HashMap<String, Entry>,
}

impl IdempotencyKeys {
    pub(crate) fn claim(&mut self, key: &str, body: &Value) -> Claim {
        let now = Instant::now();
        self.entries
            .retain(|_, e| now.duration_since(e.at) < RETENTION);
        match self.entries.get(key) {
            Some(Entry {
                stage: Stage::InFlight,
                ..
            }) => Claim::InFlight,
            Some(entry) if entry.body != *body => Claim::DifferentBody,
            Some(Entry {
                stage: Stage::Done { status, body },
                ..
            }) => Claim::Replay {
                status: *status,
                body: body.clone(),
            },
            None => {
                self.entries.insert(
                    key.to_owned(),
                    Entry {
                        body: body.clone(),
                        at: now,
                        stage: Stage::InFlight,
                    },
                );
                Claim::Fresh
            }
        }
    }

    pub(crate) fn finish(&mut self, key: &str, status: u16, response: Value) {
        if let Some(entry) = self.entries.get_mut(key) {
            entry.stage = Stage::Done {
                status,
                body: response,
            };
        }
    }

    pub(crate) fn release(&mut self, key: &str) {
        self.entries.remove(key);
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lifecycle() {
        let mut keys = IdempotencyKeys::default();
        let body = json!({"a": 1});
        assert!(matches!(keys.claim("k", &body), Claim::Fresh));
        assert!(matches!(keys.claim("k", &body), Claim::InFlight));
        keys.finish("k", 200, json!({"id": "x"}));
        assert!(matches!(
            keys.claim("k", &body),
            Claim::Replay { status: 200, .. }
        ));
        assert!(matches!(
            keys.claim("k", &json!({"a": 2})),
            Claim::DifferentBody
        ));
        keys.release("k");
        assert!(matches!(keys.claim("k", &json!({"a": 2})), Claim::Fresh));
    }
}
