//! Bodies of the `/__test/*` hooks that exist only in test mode (`ATELIER_TEST_MODE=1`): what the
//! conformance suite reads to prove what is, or is not, stored. Never part of the public service.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `GET /__test/storage`: everything the service stores, whatever the runtime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StorageDump {
    /// The service's clock (`expires_at_ms` is on it).
    pub now_ms: i64,
    /// Every SQL table (as `sqlite_master` lists them) with all its rows.
    pub tables: BTreeMap<String, Vec<serde_json::Map<String, serde_json::Value>>>,
    /// Every blob key.
    pub blobs: Vec<String>,
    /// Every live KV key.
    pub kv: Vec<KvEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KvEntry {
    pub key: String,
    /// The value, as UTF-8 with invalid bytes replaced.
    pub value: String,
    /// When the key expires by itself, on the service's clock; `None` when it never does.
    pub expires_at_ms: Option<i64>,
}

/// `POST /__test/blob-faults`: the share (0 to 1) of blob-store operations that fail from now on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BlobFaults {
    pub failure_rate: f64,
}

/// `POST /__test/seed-images` (with a session): adds `count` finished images (at most
/// [`MAX_SEEDED_IMAGES`] a call) to the caller's account, written as the generation path writes
/// them — generation, tasks, debit, image rows, sync log, original and thumbnail blobs — for
/// cases that need a large library without paying kie's rate limit for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedImages {
    pub count: u32,
}

pub const MAX_SEEDED_IMAGES: u32 = 100;

/// The answer of `POST /__test/seed-images`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeededImages {
    pub conversation_id: String,
    pub image_ids: Vec<String>,
}
