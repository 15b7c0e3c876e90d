//! The ports the service needs from whatever runs it. The native platform (`crate::native`) and the
//! Worker (`atelier-worker`) implement them; routes are generic over `P: Platform`.
//!
//! Every future is `Send` because axum's handlers must be. The native implementations are plain
//! `async fn`s; the Worker wraps its JS futures in `worker::send::SendFuture`, sound on its one thread.

mod blobs;
mod error;
pub mod foreign;
mod http;
mod kv;
mod sql;

pub use blobs::{Blob, BlobKey, BlobPage, Blobs, MAX_DELETE_KEYS, failure_ppm, injected_fault};
pub use error::PlatformError;
pub use http::{Destination, Http, OutboundRequest, OutboundResponse};
pub use kv::{KV_MIN_TTL_SECONDS, Kv, KvPage, check_ttl};
pub use sql::{Row, Sql, SqlValue, Statement, rows_as};

use std::future::Future;
use std::time::Duration;

use atelier_api::Runtime;

use crate::config::Config;

/// Everything the service needs from its runtime.
pub trait Platform: Sql + Blobs + Kv + Http + Clone + Send + Sync + 'static {
    /// Which runtime this is, as reported by `/healthz`.
    fn runtime(&self) -> Runtime;

    /// Configuration and secrets, read once at start.
    fn config(&self) -> &Config;

    /// Milliseconds since the Unix epoch. The only clock the service may read: `SystemTime::now()`
    /// panics on wasm32, and tests drive time through this port.
    fn now_ms(&self) -> i64;

    /// Real time, never moved by `/__test/clock`: for checking timestamps that other systems
    /// signed (kie's callbacks), which live in real time whatever a test does to ours.
    fn wall_clock_ms(&self) -> i64;

    /// Fills `buf` from a cryptographically secure source.
    fn fill_random(&self, buf: &mut [u8]) -> Result<(), PlatformError>;

    /// Waits (back-off between upstream retries). Keep it short: a Worker request has a time budget.
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send;

    /// Resolves once `account_id`'s sync log may have moved since this call, or after `at_most`
    /// of real time (never the test clock), whichever comes first. It may resolve without a change:
    /// the caller reads `accounts.sync_seq` again each time (`crate::sync::live`). Whatever watches
    /// must start when this is called, not when the future is first polled, so that a change
    /// committed between this call and the caller's next read still ends the wait.
    ///
    /// Natively: a per-account wake-up that the commit of a batch advancing the log signals, so a
    /// held request costs nothing while idle. In the Worker, where another isolate's write cannot
    /// reach this one without a Durable Object: a short sleep, after which the caller reads D1 again.
    fn sync_moved(
        &self,
        account_id: &str,
        at_most: Duration,
    ) -> impl Future<Output = ()> + Send + 'static;

    /// The client's IP as this runtime knows it: the socket's peer natively (or the entry our own
    /// proxy appended to `X-Forwarded-For`, when configured to trust proxies), `CF-Connecting-IP`
    /// in the Worker (Cloudflare sets it).
    fn client_ip(&self, request: &::http::request::Parts) -> Option<String>;

    /// Runs `work` without holding up the answer being built (error reports): a spawned task
    /// natively, the request's `ctx.waitUntil` in the Worker (which keeps the isolate alive until
    /// it finishes, even after the response has gone). Give `work` its own time-out.
    fn wait_until(&self, work: impl Future<Output = ()> + Send + 'static);

    /// Moves the clock forward by `ms`. Reached only through `/__test/clock`, in test mode.
    fn advance_clock(&self, ms: i64) -> impl Future<Output = Result<(), PlatformError>> + Send;

    /// Makes this share (parts per million) of blob-store operations fail with a
    /// `PlatformError::Blob`. Reached only through `/__test/blob-faults`, in test mode.
    fn set_blob_failure_ppm(
        &self,
        ppm: u32,
    ) -> impl Future<Output = Result<(), PlatformError>> + Send;
}
