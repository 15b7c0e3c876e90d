//! Signed webhook delivery: every event is POSTed to the webhook URL with `creem-signature` (hex
//! HMAC-SHA256 of the raw body, keyed with the webhook secret). An answer other than 200, or no
//! answer, is retried after each of `retry_delays_ms` (Creem: 30 s, 1 min, 5 min, 1 h), then the
//! event is marked failed. A runner task owns the schedule, so shutting the simulators down also
//! drops every retry still waiting. Tests can hold events and release them reversed, and resend
//! one event several times at once, to exercise a receiver's ordering and idempotency.

use std::time::Duration;

use axum::http::header::CONTENT_TYPE;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::CreemSim;
use super::events::EventStatus;
use crate::clock::now_ms;
use crate::lock::lock;

/// Where events go and how they are signed (`GET|PUT /creem/__control/webhook`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// `None` = no endpoint registered: events are recorded, never sent.
    pub url: Option<String>,
    pub secret: String,
    /// While on, new events wait for `release` instead of being sent.
    pub hold: bool,
}

/// One POST of an event to the webhook URL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreemDelivery {
    pub event_id: String,
    pub event_type: String,
    /// 1-based count of this event's attempts, redeliveries included.
    pub attempt: u32,
    pub url: String,
    /// The receiver's HTTP status; `None` when the connection failed.
    pub status: Option<u16>,
    pub error: Option<String>,
    /// Sent by `redeliver` rather than the automatic schedule.
    pub redelivery: bool,
    /// When the attempt started, ms since the Unix epoch.
    pub at: i64,
}

/// `creem-signature` for a body: lower-case hex HMAC-SHA256 keyed with the webhook secret.
pub fn webhook_signature(secret: &str, body: &[u8]) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// A send the runner starts when it is due.
pub(super) enum Send {
    /// Try `try_number` (1 = first) of the automatic schedule; a failure queues the next try.
    Scheduled { event_id: String, try_number: u32 },
    /// Manual re-sends of the same body: one attempt each, never retried.
    Redeliver {
        event_id: String,
        times: u32,
        parallel: bool,
    },
    /// Released events' first tries, one after another in this order.
    InOrder { event_ids: Vec<String> },
}

pub(super) struct Job {
    pub(super) due: Instant,
    pub(super) send: Send,
}

/// Runs until `shutdown` changes or its sender is dropped; retries not yet due are dropped.
pub(crate) async fn run(creem: CreemSim, mut shutdown: watch::Receiver<bool>) {
    loop {
        let next_due = lock(&creem.inner.outbox).jobs.iter().map(|j| j.due).min();
        let sleep = async move {
            match next_due {
                Some(due) => tokio::time::sleep_until(due).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = sleep => dispatch_due(&creem),
            () = creem.inner.wake.notified() => {}
            _ = shutdown.changed() => break,
        }
    }
}

fn dispatch_due(creem: &CreemSim) {
    let now = Instant::now();
    let due: Vec<Job> = {
        let mut outbox = lock(&creem.inner.outbox);
        let (due, later) = std::mem::take(&mut outbox.jobs)
            .into_iter()
            .partition(|j| j.due <= now);
        outbox.jobs = later;
        due
    };
    for job in due {
        tokio::spawn(execute(creem.clone(), job.send));
    }
}

async fn execute(creem: CreemSim, send: Send) {
    match send {
        Send::Scheduled {
            event_id,
            try_number,
        } => scheduled_try(&creem, &event_id, try_number).await,
        Send::Redeliver {
            event_id,
            times,
            parallel: true,
        } => {
            let mut sends = JoinSet::new();
            for _ in 0..times {
                let (creem, event_id) = (creem.clone(), event_id.clone());
                sends.spawn(async move { attempt(&creem, &event_id, true).await });
            }
            while sends.join_next().await.is_some() {}
        }
        Send::Redeliver {
            event_id, times, ..
        } => {
            for _ in 0..times {
                attempt(&creem, &event_id, true).await;
            }
        }
        Send::InOrder { event_ids } => {
            for event_id in event_ids {
                scheduled_try(&creem, &event_id, 1).await;
            }
        }
    }
}

/// One try of the automatic schedule, then the next try queued if it failed and any are left.
async fn scheduled_try(creem: &CreemSim, event_id: &str, try_number: u32) {
    if attempt(creem, event_id, false).await != Some(false) {
        return;
    }
    let delays = creem.settings().retry_delays_ms;
    let mut outbox = lock(&creem.inner.outbox);
    let retry = usize::try_from(try_number - 1)
        .ok()
        .and_then(|i| delays.get(i));
    match retry {
        Some(&delay_ms) => {
            outbox.jobs.push(Job {
                due: Instant::now() + Duration::from_millis(delay_ms),
                send: Send::Scheduled {
                    event_id: event_id.to_owned(),
                    try_number: try_number + 1,
                },
            });
            drop(outbox);
            creem.inner.wake.notify_one();
        }
        None => {
            if let Some(event) = outbox.event_mut(event_id)
                && event.status == EventStatus::Pending
            {
                event.status = EventStatus::Failed;
            }
        }
    }
}

/// POSTs the event once. `Some(true)` = answered 200, `Some(false)` = any other answer or none,
/// `None` = not sent (no webhook URL, or the event was reset away).
async fn attempt(creem: &CreemSim, event_id: &str, redelivery: bool) -> Option<bool> {
    let (url, secret, body, event_type, number) = {
        let mut outbox = lock(&creem.inner.outbox);
        let url = outbox.config.url.clone();
        let secret = outbox.config.secret.clone();
        let event = outbox.event_mut(event_id)?;
        let Some(url) = url else {
            if !redelivery {
                event.status = EventStatus::NoEndpoint;
            }
            return None;
        };
        event.attempts += 1;
        let sent = (event.body.clone(), event.event_type.clone(), event.attempts);
        (url, secret, sent.0, sent.1, sent.2)
    };
    let at = now_ms();
    let signature = webhook_signature(&secret, body.as_bytes());
    let answer = creem
        .inner
        .http
        .post(&url)
        .header(CONTENT_TYPE, "application/json")
        .header("creem-signature", signature)
        .body(body)
        .send()
        .await;
    let (status, error) = match answer {
        Ok(response) => {
            let status = response.status().as_u16();
            let error = (status != 200).then(|| format!("receiver answered {status}"));
            (Some(status), error)
        }
        Err(e) => (None, Some(e.to_string())),
    };
    let delivered = status == Some(200);
    {
        let mut outbox = lock(&creem.inner.outbox);
        let event = outbox.event_mut(event_id)?;
        if delivered {
            event.status = EventStatus::Delivered;
        }
        outbox.deliveries.push(CreemDelivery {
            event_id: event_id.to_owned(),
            event_type,
            attempt: number,
            url,
            status,
            error,
            redelivery,
            at,
        });
    }
    creem.inner.delivered.notify_waiters();
    Some(delivered)
}
