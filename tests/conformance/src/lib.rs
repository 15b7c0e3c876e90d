//! The conformance suite: HTTP cases that take a base URL and must pass unchanged against every
//! runtime of the service. `tests/conformance.rs` starts each backend (fresh state, free port on
//! 127.0.0.1, simulators for the upstreams), runs every case against it, and stops it.
//!
//! Every later feature adds its cases to `cases`, so the native server and the Worker cannot drift.

pub mod backends;
pub mod cases;
pub mod process;

use atelier_api::Runtime;

/// What a case gets: where the backend is, which runtime it is, and an HTTP client.
pub struct Ctx {
    pub base_url: String,
    pub runtime: Runtime,
    pub http: reqwest::Client,
}

impl Ctx {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

/// A case fails with a sentence saying what differed.
pub type CaseResult = Result<(), String>;

/// `ensure!(cond, "format", args…)`: fail the case with a message unless `cond` holds.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err(format!($($arg)+));
        }
    };
}
