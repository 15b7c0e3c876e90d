//! Product analytics, only after consent. Before the person grants it nothing is queued, so
//! nothing can be sent; withdrawing drops whatever is queued at once (no `$opt_out` event either)
//! and deletes the analytics id; granting again makes a new one. The id is random and means
//! nothing outside PostHog: never the account's id, never an email.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Value, json};

use super::PostHogConfig;
use super::consent::{AnalyticsConsent, ConsentStore, PrivacyFile};
use super::events::AnalyticsEvent;
use super::worker::{Deliver, Worker};
use crate::api::IdempotencyKey;
use crate::error::ClientError;

/// Events waiting to be sent; more are dropped until the sender catches up.
const QUEUE: usize = 256;
const TIMEOUT: Duration = Duration::from_secs(10);

/// One event waiting for the sender, stamped with the consent it was queued under.
struct Queued {
    epoch: u64,
    distinct_id: String,
    event: AnalyticsEvent,
}

/// Analytics for one data folder; cheap to clone.
#[derive(Clone)]
pub struct Analytics {
    inner: Arc<Inner>,
}

struct Inner {
    store: ConsentStore,
    state: Mutex<PrivacyFile>,
    /// Bumped by every change of consent: queued events of an older epoch are never sent.
    epoch: Arc<AtomicU64>,
    /// `None` without a PostHog key (or without a thread for it): analytics is off.
    worker: Option<Worker<Queued>>,
}

impl Analytics {
    /// Reads the saved choice in `dir` (the data folder) and, when PostHog is configured,
    /// starts the sender.
    pub fn open(dir: &Path, posthog: Option<PostHogConfig>) -> Self {
        let store = ConsentStore::new(dir);
        let state = store.load();
        let epoch = Arc::new(AtomicU64::new(0));
        let worker = posthog.and_then(|config| {
            let http = reqwest::Client::builder()
                .user_agent(crate::api::user_agent())
                .timeout(TIMEOUT)
                .build()
                .map_err(|e| tracing::warn!(error = %e, "analytics client"))
                .ok()?;
            Worker::spawn(
                "atelier-analytics",
                QUEUE,
                PostHog {
                    http,
                    url: format!("{}/batch/", config.host),
                    key: config.key,
                    epoch: epoch.clone(),
                    store: store.clone(),
                },
            )
        });
        Self {
            inner: Arc::new(Inner {
                store,
                state: Mutex::new(state),
                epoch,
                worker,
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, PrivacyFile> {
        // A poisoned lock only means a panic elsewhere mid-update; the file is the truth.
        self.inner
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// False when no PostHog key is configured: nothing is ever sent, whatever the choice.
    pub fn available(&self) -> bool {
        self.inner.worker.is_some()
    }

    pub fn consent(&self) -> AnalyticsConsent {
        self.state().analytics
    }

    /// The id events are sent under, while analytics is granted.
    pub fn analytics_id(&self) -> Option<String> {
        self.state().granted_id().map(str::to_owned)
    }

    /// Records the person's choice. Granting makes a new random id (unless already granted);
    /// declining or withdrawing drops every queued event and deletes the id from disk.
    pub fn set_consent(&self, granted: bool, now_ms: i64) -> Result<AnalyticsConsent, ClientError> {
        let mut state = self.state();
        // Before anything else: from here no queued event of the old choice goes out.
        self.inner.epoch.fetch_add(1, Ordering::SeqCst);
        let next = if granted {
            PrivacyFile {
                analytics: AnalyticsConsent::Granted,
                decided_at: Some(now_ms),
                analytics_id: Some(
                    state
                        .granted_id()
                        .map_or_else(|| IdempotencyKey::new().as_str().to_owned(), str::to_owned),
                ),
            }
        } else {
            PrivacyFile {
                analytics: AnalyticsConsent::Denied,
                decided_at: Some(now_ms),
                analytics_id: None,
            }
        };
        self.inner.store.save(&next)?;
        *state = next;
        Ok(state.analytics)
    }

    /// Forgets the choice and the id (account deletion): back to `undecided`, file removed,
    /// queued events dropped.
    pub fn forget(&self) -> Result<(), ClientError> {
        let mut state = self.state();
        self.inner.epoch.fetch_add(1, Ordering::SeqCst);
        *state = PrivacyFile::default();
        self.inner.store.remove()
    }

    /// Queues an event if analytics is available and granted; otherwise does nothing at all.
    pub fn track(&self, event: AnalyticsEvent) {
        let Some(worker) = &self.inner.worker else {
            return;
        };
        let state = self.state();
        let Some(id) = state.granted_id() else { return };
        let queued = Queued {
            epoch: self.inner.epoch.load(Ordering::SeqCst),
            distinct_id: id.to_owned(),
            event,
        };
        if !worker.push(queued) {
            tracing::debug!("analytics queue full; event dropped");
        }
    }

    /// Waits (at most `timeout`) until every queued event was sent or dropped.
    pub fn flush(&self, timeout: Duration) -> bool {
        self.inner.worker.as_ref().is_none_or(|w| w.flush(timeout))
    }
}

/// PostHog's `/batch/` endpoint.
struct PostHog {
    http: reqwest::Client,
    url: String,
    key: String,
    epoch: Arc<AtomicU64>,
    store: ConsentStore,
}

impl PostHog {
    /// Only events of the current consent, under the id still on disk: a withdrawal, or a data
    /// folder deleted under the running app, stops them here.
    fn sendable(&self, items: Vec<Queued>) -> Vec<Value> {
        let epoch = self.epoch.load(Ordering::SeqCst);
        let on_disk = self.store.load();
        let Some(id) = on_disk.granted_id() else {
            return Vec::new();
        };
        items
            .into_iter()
            .filter(|q| q.epoch == epoch && q.distinct_id == id)
            .map(|q| {
                json!({
                    "event": q.event.name(),
                    "distinct_id": q.distinct_id,
                    "properties": q.event.properties(),
                })
            })
            .collect()
    }
}

impl Deliver<Queued> for PostHog {
    async fn deliver(&mut self, items: Vec<Queued>) {
        let batch = self.sendable(items);
        if batch.is_empty() {
            return;
        }
        let body = json!({ "api_key": self.key, "historical_migration": false, "batch": batch });
        match self.http.post(&self.url).json(&body).send().await {
            Ok(response) if response.status().is_success() => {}
            Ok(response) => {
                tracing::debug!(status = %response.status(), "analytics batch refused");
            }
            Err(e) => tracing::debug!(error = %e, "analytics batch not sent"),
        }
    }
}
