//! What the sync engine tells the UI: its state, the changes waiting, its progress.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum SyncState {
    Idle,
    Syncing,
    /// The service cannot be reached; the cache is browsable and changes wait in the outbox.
    Offline,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SyncProgress {
    pub done: u32,
    pub total: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SyncStatus {
    pub state: SyncState,
    /// Changes made here that the service has not heard of yet.
    pub pending_changes: u32,
    /// Files being fetched, while syncing.
    pub progress: Option<SyncProgress>,
    pub last_synced_at: Option<i64>,
    /// Why the last sync stopped, when it did.
    pub error_code: Option<String>,
}

impl Default for SyncStatus {
    fn default() -> Self {
        Self {
            state: SyncState::Idle,
            pending_changes: 0,
            progress: None,
            last_synced_at: None,
            error_code: None,
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub outbox_sent: u32,
    pub pages: u32,
    pub upserts: usize,
    pub deletes: usize,
    /// Changes to the credit ledger among them: the balance may have moved.
    pub credits: usize,
    pub resets: u32,
    pub thumbnails: u32,
    pub originals: u32,
    pub evicted: u32,
    /// Files that could not be fetched this time (deleted meanwhile, or not matching their hash).
    pub failed: u32,
}
