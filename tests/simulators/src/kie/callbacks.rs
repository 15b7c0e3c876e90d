//! Callbacks: once a task with a `callBackUrl` finishes, kie POSTs the task record to it, once,
//! signed with the webhook HMAC key when one is configured. A ticker notices finished tasks
//! (state itself is computed lazily on read); each POST runs in its own tokio task.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::watch;

use super::tasks::{CallbackDelivery, CallbackState, KieState};
use super::{KieSim, kie_signature};
use crate::clock::now_secs;
use crate::lock::lock;

const TICK: Duration = Duration::from_millis(20);

/// Runs until `shutdown` changes or its sender is dropped.
pub(crate) async fn run(kie: KieSim, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = tick.tick() => dispatch_due(&kie),
            _ = shutdown.changed() => break,
        }
    }
}

fn dispatch_due(kie: &KieSim) {
    let now = Instant::now();
    let enabled = kie.settings().callbacks;
    let mut due = Vec::new();
    {
        let mut tasks = lock(&kie.inner.tasks);
        for task in tasks.iter_mut() {
            if !matches!(task.callback, CallbackState::Pending) {
                continue;
            }
            let state = task.state_at(now);
            if !state.is_terminal() {
                continue;
            }
            let Some(url) = task.callback_url.clone() else {
                continue;
            };
            if !enabled {
                task.callback = CallbackState::Skipped;
                continue;
            }
            task.callback = CallbackState::Sending;
            let (code, msg) = if state == KieState::Success {
                (200, "success".to_owned())
            } else {
                let data = task.record_data(now, &kie.inner.public_base);
                (
                    501,
                    data["failMsg"]
                        .as_str()
                        .unwrap_or("Generation failed")
                        .to_owned(),
                )
            };
            let body = json!({
                "code": code,
                "msg": msg,
                "data": task.record_data(now, &kie.inner.public_base),
            });
            due.push((task.id.clone(), url, body));
        }
    }
    for (task_id, url, body) in due {
        tokio::spawn(deliver(kie.clone(), task_id, url, body));
    }
}

async fn deliver(kie: KieSim, task_id: String, url: String, body: Value) {
    let timestamp = now_secs();
    let signature = kie
        .hmac_key()
        .map(|key| kie_signature(key, &task_id, timestamp));
    let mut request = kie
        .inner
        .http
        .post(&url)
        .header("X-Webhook-Timestamp", timestamp.to_string())
        .json(&body);
    if let Some(signature) = &signature {
        request = request.header("X-Webhook-Signature", signature);
    }
    let (status, error) = match request.send().await {
        Ok(response) => {
            let status = response.status();
            let error = (!status.is_success()).then(|| format!("receiver answered {status}"));
            (Some(status.as_u16()), error)
        }
        Err(e) => (None, Some(e.to_string())),
    };
    let delivery = CallbackDelivery {
        url,
        timestamp,
        signature,
        body,
        status,
        error,
    };
    // The task may have been reset away meanwhile; then there is nothing to record.
    if let Some(task) = lock(&kie.inner.tasks).iter_mut().find(|t| t.id == task_id) {
        task.callback = CallbackState::Done(delivery);
    }
}
