//! The conformance suite: HTTP cases that take a base URL and must pass unchanged against every
//! runtime of the service. `tests/conformance.rs` starts each backend (fresh state, free port on
//! 127.0.0.1, simulators for the upstreams), runs every case against it, and stops it.
//!
//! Every later feature adds its cases to `cases`, so the native server and the Worker cannot drift.

pub mod backends;
pub mod cases;
pub mod client;
pub mod process;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use atelier_api::Runtime;
use atelier_simulators::Simulators;
pub use client::{Reply, Request};

/// What a case gets: where the backend is, which runtime it is, an HTTP client (cases reach it
/// through [`client`]: `ctx.get(path)` …), the upstream simulators (to read the mail the service
/// sent), and the backend's state folder (to scan it).
pub struct Ctx {
    pub base_url: String,
    pub runtime: Runtime,
    pub http: reqwest::Client,
    pub sims: Arc<Simulators>,
    pub state_dir: PathBuf,
}

static UNIQUE: AtomicU64 = AtomicU64::new(1);

impl Ctx {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A number no other case in this run uses: for fresh emails and test IPs.
    pub fn unique(&self) -> u64 {
        UNIQUE.fetch_add(1, Ordering::Relaxed)
    }

    /// A fresh address, so cases never share an account or a rate-limit window.
    pub fn email(&self, tag: &str) -> String {
        format!("{tag}.{}.{}@example.com", self.unique(), std::process::id())
    }

    /// A fresh client IP (sent as `X-Atelier-Test-Ip`, honoured in test mode only).
    pub fn ip(&self) -> String {
        let n = self.unique();
        format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255)
    }

    /// Every file the backend stores (SQL with its WAL, KV, blobs), whatever the runtime, with its
    /// bytes: for scans that prove what is, or is not, kept.
    pub fn stored_files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![self.state_dir.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(bytes) = std::fs::read(&path) {
                    out.push((path, bytes));
                }
            }
        }
        out
    }

    /// Runs one round of the backend's background work: natively through the test hook, in the
    /// Worker through its scheduled handler (the entry Cloudflare's cron calls), as production does.
    pub async fn tick(&self) -> CaseResult {
        let request = match self.runtime {
            Runtime::Native => self.post("/__test/tick"),
            Runtime::Worker => self.get("/__scheduled?cron=*+*+*+*+*"),
        };
        let reply = request.send().await?;
        ensure!(
            reply.status().is_success(),
            "tick answered {}",
            reply.status()
        );
        Ok(())
    }

    /// Everything the backend stores: SQL rows, blob keys, KV entries (test mode).
    pub async fn storage(&self) -> Result<atelier_api::test_hooks::StorageDump, String> {
        self.get("/__test/storage")
            .send()
            .await?
            .expect_status(200)?
            .json()
    }

    /// Makes this share of the backend's blob-store operations fail (test mode; 0 stops it).
    pub async fn set_blob_failure_rate(&self, failure_rate: f64) -> CaseResult {
        let reply = self
            .post("/__test/blob-faults")
            .json(&serde_json::json!({ "failure_rate": failure_rate }))
            .send()
            .await?;
        ensure!(
            reply.status() == 204,
            "setting blob faults answered {}",
            reply.status()
        );
        Ok(())
    }

    /// Moves the backend's clock forward (test mode).
    pub async fn advance_clock(&self, ms: i64) -> CaseResult {
        let reply = self
            .post("/__test/clock")
            .json(&serde_json::json!({ "advance_ms": ms }))
            .send()
            .await?;
        ensure!(
            reply.status() == 204,
            "advancing the clock answered {}",
            reply.status()
        );
        Ok(())
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
