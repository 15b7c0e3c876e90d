//! The outbox: every event raised, every delivery attempt, the events held back, and the sends
//! waiting for the runner in `webhooks.rs`; plus the `CreemSim` methods that raise, hold,
//! release and redeliver events and read what happened.

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::CreemSim;
use super::events::{CreemEvent, EventStatus};
use super::webhooks::{CreemDelivery, Job, Send, WebhookConfig};
use crate::lock::lock;

/// Events, their deliveries, and what is waiting to be sent.
pub(crate) struct Outbox {
    pub(super) config: WebhookConfig,
    pub(super) events: Vec<CreemEvent>,
    pub(super) deliveries: Vec<CreemDelivery>,
    /// Ids of events raised while hold was on, oldest first.
    pub(super) held: Vec<String>,
    pub(super) jobs: Vec<Job>,
}

impl Outbox {
    pub(crate) fn new(config: WebhookConfig) -> Self {
        Self {
            config,
            events: Vec::new(),
            deliveries: Vec::new(),
            held: Vec::new(),
            jobs: Vec::new(),
        }
    }

    pub(super) fn event_mut(&mut self, event_id: &str) -> Option<&mut CreemEvent> {
        self.events.iter_mut().find(|e| e.id == event_id)
    }
}

impl CreemSim {
    /// Raises an event of any type with this `object`, signed and delivered like Creem's own;
    /// returns its `evt_` id.
    pub fn emit(&self, event_type: &str, object: Value) -> String {
        self.publish(event_type, object)
    }

    pub(crate) fn publish(&self, event_type: &str, object: Value) -> String {
        let mut outbox = lock(&self.inner.outbox);
        let hold = outbox.config.hold;
        let status = if hold {
            EventStatus::Held
        } else {
            EventStatus::Pending
        };
        let event = CreemEvent::new(event_type, object, status);
        let event_id = event.id.clone();
        outbox.events.push(event);
        if hold {
            outbox.held.push(event_id.clone());
        } else {
            outbox.jobs.push(Job {
                due: Instant::now(),
                send: Send::Scheduled {
                    event_id: event_id.clone(),
                    try_number: 1,
                },
            });
        }
        drop(outbox);
        self.inner.wake.notify_one();
        event_id
    }

    /// Every event raised, oldest first.
    pub fn events(&self) -> Vec<CreemEvent> {
        lock(&self.inner.outbox).events.clone()
    }

    pub fn event(&self, event_id: &str) -> Option<CreemEvent> {
        lock(&self.inner.outbox)
            .events
            .iter()
            .find(|e| e.id == event_id)
            .cloned()
    }

    /// Every delivery attempt, in the order they finished.
    pub fn deliveries(&self) -> Vec<CreemDelivery> {
        lock(&self.inner.outbox).deliveries.clone()
    }

    /// Waits until at least `n` attempts were recorded: `Ok` with all of them, or `Err` with
    /// those recorded when `timeout` ran out.
    pub async fn wait_deliveries(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<CreemDelivery>, Vec<CreemDelivery>> {
        let deadline = Instant::now() + timeout;
        loop {
            let recorded = self.inner.delivered.notified();
            tokio::pin!(recorded);
            // Registered before looking, so an attempt recorded in between still wakes us.
            recorded.as_mut().enable();
            let deliveries = self.deliveries();
            if deliveries.len() >= n {
                return Ok(deliveries);
            }
            if tokio::time::timeout_at(deadline, recorded).await.is_err() {
                return Err(self.deliveries());
            }
        }
    }

    /// Sends the event's exact body `times` more times (all at once when `parallel`), each
    /// signed and recorded; these are single attempts, never retried.
    pub fn redeliver(&self, event_id: &str, times: u32, parallel: bool) -> Result<(), String> {
        let mut outbox = lock(&self.inner.outbox);
        if outbox.event_mut(event_id).is_none() {
            return Err(format!("event {event_id} not found"));
        }
        if outbox.config.url.is_none() {
            return Err("no webhook URL is set".into());
        }
        if times == 0 {
            return Err("times must be at least 1".into());
        }
        outbox.jobs.push(Job {
            due: Instant::now(),
            send: Send::Redeliver {
                event_id: event_id.to_owned(),
                times,
                parallel,
            },
        });
        drop(outbox);
        self.inner.wake.notify_one();
        Ok(())
    }

    /// Turns hold off and sends the held events one after another (newest first when
    /// `reverse`); returns how many were released.
    pub fn release(&self, reverse: bool) -> usize {
        let mut outbox = lock(&self.inner.outbox);
        outbox.config.hold = false;
        let mut event_ids = std::mem::take(&mut outbox.held);
        if reverse {
            event_ids.reverse();
        }
        for event_id in &event_ids {
            if let Some(event) = outbox.event_mut(event_id) {
                event.status = EventStatus::Pending;
            }
        }
        let released = event_ids.len();
        if released > 0 {
            outbox.jobs.push(Job {
                due: Instant::now(),
                send: Send::InOrder { event_ids },
            });
        }
        drop(outbox);
        self.inner.wake.notify_one();
        released
    }

    /// Hold on: new events wait. Hold off: the held ones go out, oldest first.
    pub fn set_hold(&self, hold: bool) {
        if hold {
            lock(&self.inner.outbox).config.hold = true;
        } else {
            self.release(false);
        }
    }

    pub fn webhook(&self) -> WebhookConfig {
        lock(&self.inner.outbox).config.clone()
    }

    /// Where later attempts go, retries of earlier events included.
    pub fn set_webhook_url(&self, url: Option<String>) {
        lock(&self.inner.outbox).config.url = url;
    }

    /// The key of `creem-signature` (`CREEM_WEBHOOK_SECRET`).
    pub fn webhook_secret(&self) -> String {
        lock(&self.inner.outbox).config.secret.clone()
    }

    /// Later attempts are signed with this secret, retries of earlier events included.
    pub fn set_webhook_secret(&self, secret: String) {
        lock(&self.inner.outbox).config.secret = secret;
    }
}
