//! How many reports may go: at most [`REPORTS_PER_WINDOW`] per minute for each place and code
//! (`POST /v1/generations` + `internal`, the background tick + `internal`), counted in memory by
//! this process (natively) or this isolate (in the Worker). A failure hit on every request (a
//! store that is down under an unauthenticated `/readyz`, say) then costs a handful of Sentry
//! events a minute, not one per request; the answers themselves are unchanged.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::{Origin, Report};

/// Reports per place and code in one window.
pub const REPORTS_PER_WINDOW: u32 = 5;
/// The window, in milliseconds of real time.
pub const WINDOW_MS: i64 = 60_000;
/// Places tracked at once; past this the oldest windows are forgotten (routes are few, so this
/// only bounds memory).
const MAX_PLACES: usize = 256;

#[derive(Debug, Clone, Copy)]
struct Window {
    started_ms: i64,
    sent: u32,
    dropped: u32,
}

/// Fixed one-minute windows per key.
#[derive(Debug, Default)]
pub struct Throttle {
    windows: BTreeMap<String, Window>,
}

impl Throttle {
    pub const fn new() -> Self {
        Self {
            windows: BTreeMap::new(),
        }
    }

    /// Whether a report under `key` may go at `now_ms`; counts it when it may.
    pub fn admit(&mut self, key: &str, now_ms: i64) -> bool {
        if !self.windows.contains_key(key) && self.windows.len() >= MAX_PLACES {
            self.windows
                .retain(|_, w| now_ms - w.started_ms < WINDOW_MS);
            if self.windows.len() >= MAX_PLACES {
                self.windows.clear();
            }
        }
        let window = self.windows.entry(key.to_owned()).or_insert(Window {
            started_ms: now_ms,
            sent: 0,
            dropped: 0,
        });
        if now_ms - window.started_ms >= WINDOW_MS || now_ms < window.started_ms {
            if window.dropped > 0 {
                tracing::warn!(
                    place = key,
                    dropped = window.dropped,
                    "error reports over the limit were dropped"
                );
            }
            *window = Window {
                started_ms: now_ms,
                sent: 0,
                dropped: 0,
            };
        }
        if window.sent < REPORTS_PER_WINDOW {
            window.sent += 1;
            true
        } else {
            window.dropped += 1;
            false
        }
    }
}

/// The key a report is counted under: where it happened and its code.
pub fn key(report: &Report) -> String {
    match &report.origin {
        Origin::Request { method, route } => format!(
            "{method} {} {}",
            route.as_deref().unwrap_or("(no route)"),
            report.code
        ),
        Origin::Background => format!("background {}", report.code),
    }
}

static THROTTLE: Mutex<Throttle> = Mutex::new(Throttle::new());

/// Whether this report may go now (this process's, or isolate's, count).
pub fn admit(report: &Report, now_ms: i64) -> bool {
    THROTTLE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .admit(&key(report), now_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_place_gets_its_budget_per_minute() {
        let mut throttle = Throttle::new();
        let admitted = (0..20)
            .filter(|i| throttle.admit("POST /__test/fail internal", 1_000 + i))
            .count();
        assert_eq!(admitted, REPORTS_PER_WINDOW as usize);
        // Another place is counted apart.
        assert!(throttle.admit("background internal", 1_100));
        // The next minute starts afresh.
        assert!(throttle.admit("POST /__test/fail internal", 1_000 + WINDOW_MS));
    }

    #[test]
    fn many_places_stay_bounded() {
        let mut throttle = Throttle::new();
        for i in 0..(MAX_PLACES as i64 * 3) {
            assert!(throttle.admit(&format!("GET /{i} internal"), i));
        }
        assert!(throttle.windows.len() <= MAX_PLACES);
    }

    #[test]
    fn keys_name_the_route_template_and_code() {
        let report = Report {
            code: "internal",
            detail: None,
            origin: Origin::Request {
                method: "GET".into(),
                route: Some("/readyz".into()),
            },
        };
        assert_eq!(key(&report), "GET /readyz internal");
    }
}
