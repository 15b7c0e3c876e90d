//! Injected failures: extra latency, a forced error, or errors at a random rate. Each simulator
//! renders an injected error in its own service's envelope, so clients are tested against the
//! failure shapes they will meet in production.

use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ids::unit_interval;
use crate::lock::lock;

/// The fault settings of one simulator (`GET|PUT /{svc}/__control/faults`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faults {
    /// Probability in `[0, 1]` that a request fails with the service's generic server error.
    #[serde(default)]
    pub error_rate: f64,
    /// Delay added before each API request is answered.
    #[serde(default)]
    pub latency_ms: u64,
    /// An error every API request gets until cleared (or for the next `times` requests).
    #[serde(default)]
    pub force: Option<ForcedError>,
}

/// An error to answer with, in the service's own envelope.
///
/// `status` is the HTTP status; `code` is the service's error code where it has one: kie's body
/// `code` (a number; `{"status":200,"code":429}` is kie's "HTTP 200, body code 429" quirk and
/// `{"status":429,"code":429}` the plain HTTP 429), Resend's error `name` (a string), Creem's and
/// PostHog's error string. Without `code` each service picks the usual one for `status`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForcedError {
    pub status: u16,
    #[serde(default)]
    pub code: Option<Value>,
    #[serde(default)]
    pub message: Option<String>,
    /// Seconds for `retry-after` (Resend and Sentry 429s); 1 when absent.
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// Apply to the next `times` requests only, then clear; `None` = until replaced.
    #[serde(default)]
    pub times: Option<u32>,
}

impl ForcedError {
    /// An error with this HTTP status and the service's default code.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            code: None,
            message: None,
            retry_after: None,
            times: None,
        }
    }

    /// Sets the service-specific code (kie body code, Resend name, ...).
    #[must_use]
    pub fn code(mut self, code: impl Into<Value>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Limits the error to the next `times` requests.
    #[must_use]
    pub fn times(mut self, times: u32) -> Self {
        self.times = Some(times);
        self
    }

    /// Sets `retry-after` seconds.
    #[must_use]
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The code as a number, if it is one.
    pub fn code_i64(&self) -> Option<i64> {
        self.code.as_ref().and_then(Value::as_i64)
    }

    /// The code as a string, if it is one.
    pub fn code_str(&self) -> Option<&str> {
        self.code.as_ref().and_then(Value::as_str)
    }
}

/// Why a fault setting was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FaultsError {
    #[error("error_rate must be between 0.0 and 1.0, got {0}")]
    ErrorRate(f64),
    #[error("force.status must be an HTTP status between 100 and 599, got {0}")]
    Status(u16),
    #[error("force.times must be at least 1 when given")]
    Times,
}

impl Faults {
    /// Checks ranges so a bad setting is refused rather than half-applied.
    pub fn validate(&self) -> Result<(), FaultsError> {
        if !(0.0..=1.0).contains(&self.error_rate) {
            return Err(FaultsError::ErrorRate(self.error_rate));
        }
        if let Some(force) = &self.force {
            if !(100..=599).contains(&force.status) {
                return Err(FaultsError::Status(force.status));
            }
            if force.times == Some(0) {
                return Err(FaultsError::Times);
            }
        }
        Ok(())
    }
}

/// What the fault layer decided for one request.
#[derive(Debug)]
pub(crate) enum Injected {
    Forced(ForcedError),
    /// A random failure: the service answers with its generic server error.
    Random,
}

/// The live fault settings of one simulator.
#[derive(Debug, Default)]
pub(crate) struct FaultSwitch {
    faults: Mutex<Faults>,
}

impl FaultSwitch {
    pub(crate) fn get(&self) -> Faults {
        lock(&self.faults).clone()
    }

    pub(crate) fn set(&self, faults: Faults) -> Result<(), FaultsError> {
        faults.validate()?;
        *lock(&self.faults) = faults;
        Ok(())
    }

    pub(crate) fn clear(&self) {
        *lock(&self.faults) = Faults::default();
    }

    /// Waits the configured latency, then decides whether this request fails.
    pub(crate) async fn apply(&self) -> Option<Injected> {
        let latency = lock(&self.faults).latency_ms;
        if latency > 0 {
            tokio::time::sleep(Duration::from_millis(latency)).await;
        }
        // Read again after the sleep: a test may have changed the faults meanwhile.
        let mut faults = lock(&self.faults);
        if let Some(force) = faults.force.clone() {
            match force.times {
                Some(n) if n <= 1 => faults.force = None,
                Some(n) => {
                    if let Some(f) = faults.force.as_mut() {
                        f.times = Some(n - 1);
                    }
                }
                None => {}
            }
            return Some(Injected::Forced(force));
        }
        if faults.error_rate > 0.0 && unit_interval() < faults.error_rate {
            return Some(Injected::Random);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn times_counts_down_and_clears() {
        let switch = FaultSwitch::default();
        switch
            .set(Faults {
                force: Some(ForcedError::status(500).times(2)),
                ..Faults::default()
            })
            .expect("valid faults");
        assert!(matches!(switch.apply().await, Some(Injected::Forced(_))));
        assert_eq!(switch.get().force.and_then(|f| f.times), Some(1));
        assert!(matches!(switch.apply().await, Some(Injected::Forced(_))));
        assert!(switch.apply().await.is_none());
    }

    #[test]
    fn rejects_bad_ranges() {
        let bad = Faults {
            error_rate: 1.5,
            ..Faults::default()
        };
        assert_eq!(bad.validate(), Err(FaultsError::ErrorRate(1.5)));
        let bad = Faults {
            force: Some(ForcedError::status(42)),
            ..Faults::default()
        };
        assert_eq!(bad.validate(), Err(FaultsError::Status(42)));
    }
}
