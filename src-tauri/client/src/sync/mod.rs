//! The sync engine: sends the outbox, pulls the service's changes page by page into the cache,
//! then fetches thumbnails for everything and originals within the budget, a few at a time.
//! A pass can stop anywhere (network gone, process killed): the cursor moves only with a page
//! that is written, files are written whole or not at all, so the next pass resumes.

mod downloads;
mod status;

use std::sync::Arc;

use atelier_api::ErrorCode;
use tokio::sync::{Mutex, watch};

pub use status::{SyncProgress, SyncReport, SyncState, SyncStatus};

use crate::api::ApiClient;
use crate::cache::{Cache, now_ms};
use crate::error::ClientError;
use crate::session::SessionToken;

#[derive(Debug, Clone, Copy)]
pub struct SyncOptions {
    /// Changes per page asked of the service.
    pub page_size: u32,
    /// Files fetched at once.
    pub concurrency: usize,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            page_size: 500,
            concurrency: 4,
        }
    }
}

#[derive(Clone)]
pub struct SyncEngine {
    cache: Cache,
    api: ApiClient,
    options: SyncOptions,
    status: Arc<watch::Sender<SyncStatus>>,
    /// How many credit ledger changes sync has applied since the engine started.
    credits: Arc<watch::Sender<u64>>,
    /// One pass at a time.
    running: Arc<Mutex<()>>,
}

impl SyncEngine {
    pub fn new(cache: Cache, api: ApiClient, options: SyncOptions) -> Self {
        Self {
            cache,
            api,
            options,
            status: Arc::new(watch::channel(SyncStatus::default()).0),
            credits: Arc::new(watch::channel(0).0),
            running: Arc::new(Mutex::new(())),
        }
    }

    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    pub fn status(&self) -> SyncStatus {
        self.status.borrow().clone()
    }

    /// Whether `other` is a handle on this very engine (not merely an equal one).
    pub fn same_as(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.status, &other.status)
    }

    pub fn subscribe(&self) -> watch::Receiver<SyncStatus> {
        self.status.subscribe()
    }

    /// Changes once per pass that brought credit ledger entries (a purchase made on this or
    /// another device, a generation's debit, a clawback): the moment to show the balance again.
    pub fn subscribe_credits(&self) -> watch::Receiver<u64> {
        self.credits.subscribe()
    }

    fn update(&self, change: impl FnOnce(&mut SyncStatus)) {
        self.status.send_modify(change);
    }

    /// Re-reads the number of changes waiting (after the UI queued one, say).
    pub async fn refresh_pending(&self) -> Result<(), ClientError> {
        let pending = self.cache.outbox_len().await?;
        self.update(|s| s.pending_changes = pending);
        Ok(())
    }

    /// One whole pass. Offline is a state, not a failure of the cache: it is reported in the
    /// status and answered as the error.
    pub async fn run(&self, token: &SessionToken) -> Result<SyncReport, ClientError> {
        let _one_at_a_time = self.running.lock().await;
        self.update(|s| {
            s.state = SyncState::Syncing;
            s.progress = None;
            s.error_code = None;
        });
        let result = self.pass(token).await;
        let pending = self.cache.outbox_len().await.unwrap_or_default();
        match &result {
            Ok(_) => {
                let now = now_ms();
                let _ = self
                    .cache
                    .set_meta("last_synced_at", &now.to_string())
                    .await;
                self.update(|s| {
                    s.state = SyncState::Idle;
                    s.progress = None;
                    s.pending_changes = pending;
                    s.last_synced_at = Some(now);
                });
            }
            Err(e) => {
                let offline = e.code() == ErrorCode::Offline;
                let code = e.code().as_str().to_owned();
                self.update(|s| {
                    s.state = if offline {
                        SyncState::Offline
                    } else {
                        SyncState::Error
                    };
                    s.progress = None;
                    s.pending_changes = pending;
                    s.error_code = Some(code);
                });
            }
        }
        result
    }

    async fn pass(&self, token: &SessionToken) -> Result<SyncReport, ClientError> {
        let mut report = SyncReport {
            outbox_sent: self.cache.flush_outbox(&self.api, token).await?,
            ..SyncReport::default()
        };
        let pulled = self.pull(token, &mut report).await;
        // Told even when a later page failed: what was applied is in the cache.
        if report.credits > 0 {
            let applied = report.credits as u64;
            self.credits.send_modify(|n| *n += applied);
        }
        pulled?;
        if report.resets > 0 {
            // Files of what was deleted while this device was away are now nobody's.
            self.cache.check_integrity().await?;
        }
        self.fetch_files(token, &mut report).await?;
        report.evicted = self.cache.evict_originals().await?;
        Ok(report)
    }

    /// Pages until the service has nothing more; starts again from zero on `reset_required`.
    async fn pull(&self, token: &SessionToken, report: &mut SyncReport) -> Result<(), ClientError> {
        loop {
            let cursor = self.cache.cursor().await?;
            let page = match self
                .api
                .sync_page(token, cursor.as_deref(), self.options.page_size)
                .await
            {
                Err(e) if e.code() == ErrorCode::ResetRequired && report.resets < 2 => {
                    tracing::info!("the service asks for a resync from zero");
                    self.cache.reset_sync().await?;
                    report.resets += 1;
                    continue;
                }
                other => other?,
            };
            let applied = self.cache.apply_page(&page).await?;
            report.pages += 1;
            report.upserts += applied.upserts;
            report.deletes += applied.deletes;
            report.credits += applied.credits;
            if !page.has_more {
                return Ok(());
            }
        }
    }
}
