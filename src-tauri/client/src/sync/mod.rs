//! The sync engine: sends the outbox, pulls the service's changes page by page into the cache,
//! then fetches thumbnails for everything and originals within the budget, a few at a time.
//! A pass can stop anywhere (network gone, process killed): the cursor moves only with a page
//! that is written, files are written whole or not at all, so the next pass resumes. What a
//! pass changed is told as [`LibraryChanges`]; `live` keeps one waiting request on the
//! service's changes and runs a pass when they move.

mod changes;
mod downloads;
mod live;
mod outbox;
mod status;

use std::sync::Arc;

use atelier_api::ErrorCode;
use atelier_api::sync::SyncPage;
use tokio::sync::{Mutex, broadcast, watch};

pub use changes::{LibraryChanges, MAX_FINISHED};
pub use live::{LiveRound, LiveTiming};
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

    /// What each pass changed, when it changed anything.
    changes: broadcast::Sender<LibraryChanges>,
    /// One pass at a time.
    running: Arc<Mutex<()>>,
}

/// How many notifications a slow receiver may fall behind before it is told it lagged.
const CHANGES_KEPT: usize = 16;

/// A page fetched ahead of a pass, and the cursor it was asked from.
#[derive(Debug)]
struct HeldPage {
    cursor: Option<String>,
    /// The service's answer to `cursor`: a page, or `reset_required`.
    answer: Result<SyncPage, ClientError>,
}

impl SyncEngine {
    pub fn new(cache: Cache, api: ApiClient, options: SyncOptions) -> Self {
        Self {
            cache,
            api,
            options,
            status: Arc::new(watch::channel(SyncStatus::default()).0),
            changes: broadcast::channel(CHANGES_KEPT).0,
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

    /// One notification per pass that applied changes, once their rows are in the cache (their
    /// files may still be coming: the image bytes fall back to the service meanwhile). A
    /// receiver that falls more than a few behind is told `Lagged`: read everything again.
    pub fn subscribe_changes(&self) -> broadcast::Receiver<LibraryChanges> {
        self.changes.subscribe()
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
        self.run_with(token, None).await
    }

    /// A pass that starts from `held`, a page already fetched (by the live watch), when the
    /// cache is still where it was asked from.
    async fn run_with(
        &self,
        token: &SessionToken,
        held: Option<HeldPage>,
    ) -> Result<SyncReport, ClientError> {
        let _one_at_a_time = self.running.lock().await;
        self.update(|s| {
            s.state = SyncState::Syncing;
            s.progress = None;
            s.error_code = None;
        });
        let result = self.pass(token, held).await;
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

    async fn pass(
        &self,
        token: &SessionToken,
        mut held: Option<HeldPage>,
    ) -> Result<SyncReport, ClientError> {
        let mut report = SyncReport {
            outbox_sent: outbox::flush(&self.cache, &self.api, token).await?,
            ..SyncReport::default()
        };
        if report.outbox_sent > 0 {
            // The held page was answered before these changes reached the service.
            held = None;
        }
        let mut changes = LibraryChanges::default();
        let pulled = self.pull(token, &mut report, &mut changes, held).await;
        // Told even when a later page failed: what was applied is in the cache.
        if !changes.is_empty() {
            // Nobody listening is not a failure.
            let _ = self.changes.send(changes);
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
    /// The first page is `held` when it was asked from the cursor the cache still has (another
    /// pass may have moved it meanwhile: then it is stale, and asked again).
    async fn pull(
        &self,
        token: &SessionToken,
        report: &mut SyncReport,
        changes: &mut LibraryChanges,
        mut held: Option<HeldPage>,
    ) -> Result<(), ClientError> {
        loop {
            let cursor = self.cache.cursor().await?;
            let fetched = match held.take() {
                Some(held) if held.cursor == cursor => held.answer,
                _ => {
                    self.api
                        .sync_page(token, cursor.as_deref(), self.options.page_size)
                        .await
                }
            };
            let page = match fetched {
                Err(e) if e.code() == ErrorCode::ResetRequired && report.resets < 2 => {
                    tracing::info!("the service asks for a resync from zero");
                    self.cache.reset_sync().await?;
                    report.resets += 1;
                    *changes = LibraryChanges::everything();
                    continue;
                }
                other => other?,
            };
            let applied = self.cache.apply_page(&page).await?;
            for change in &page.changes {
                changes.note(change);
            }
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
