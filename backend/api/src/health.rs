//! `GET /healthz`: is the service up, which build, which runtime.

use serde::{Deserialize, Serialize};

/// Which of the two runtimes answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Runtime {
    /// tokio + hyper, a SQLite file and a folder of blobs: the embedded default.
    Native,
    /// A Cloudflare Worker with D1, R2 and KV.
    Worker,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Always `"ok"` when the service answers at all.
    pub status: String,
    /// The service's crate version.
    pub version: String,
    pub runtime: Runtime,
}
