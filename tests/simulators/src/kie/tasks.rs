//! kie tasks and their life: `waiting → queuing → generating → success | fail`, one state per
//! `step_ms`, computed from the time elapsed since creation whenever someone looks. A task with
//! input images also waits in `generating` until its inputs are downloaded and processed
//! (`inputs::prepare`).

use std::time::{Duration, Instant};

use axum::body::Bytes;
use serde::Serialize;
use serde_json::{Value, json};

use super::inputs::{Derive, FetchedInput};

/// A task's state as kie's `recordInfo` spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KieState {
    Waiting,
    Queuing,
    Generating,
    Success,
    Fail,
}

impl KieState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Queuing => "queuing",
            Self::Generating => "generating",
            Self::Success => "success",
            Self::Fail => "fail",
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Success | Self::Fail)
    }
}

/// How a task ends, decided from its prompt at creation.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Outcome {
    Success,
    Fail { code: String, msg: String },
}

impl Outcome {
    /// `prohibited` mimics kie's content-policy refusal, `[fail]` a generation failure.
    pub(crate) fn for_prompt(prompt: &str) -> Self {
        let lower = prompt.to_lowercase();
        if lower.contains("prohibited") {
            Self::Fail {
                code: "422".into(),
                msg: "Invalid prompt: prompt contains prohibited content".into(),
            }
        } else if lower.contains("[fail]") {
            Self::Fail {
                code: "501".into(),
                msg: "Generation failed: the model could not produce an image".into(),
            }
        } else {
            Self::Success
        }
    }
}

/// One callback attempt, as recorded for tests.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CallbackDelivery {
    pub url: String,
    /// The `X-Webhook-Timestamp` sent (Unix seconds).
    pub timestamp: u64,
    /// The `X-Webhook-Signature` sent, when an HMAC key is configured.
    pub signature: Option<String>,
    pub body: Value,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<u16>,
    /// Why the POST failed, if it did.
    pub error: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) enum CallbackState {
    /// No `callBackUrl` was given.
    NotRequested,
    /// Waiting for the task to finish.
    Pending,
    /// Finished while callbacks were switched off.
    Skipped,
    /// POST under way.
    Sending,
    Done(CallbackDelivery),
}

impl CallbackState {
    fn label(&self) -> &'static str {
        match self {
            Self::NotRequested => "not_requested",
            Self::Pending => "pending",
            Self::Skipped => "skipped",
            Self::Sending => "sending",
            Self::Done(d) if d.error.is_none() => "delivered",
            Self::Done(_) => "failed",
        }
    }
}

/// Where a task's input work stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Prepared {
    /// Nothing to download (text-to-image): ready from creation.
    Nothing,
    /// Inputs not downloaded and processed yet.
    Pending,
    /// Done (successfully or not) at this time.
    At { at: Instant, at_ms: i64 },
}

#[derive(Clone, Debug)]
pub(crate) struct TaskRecord {
    pub(crate) id: String,
    pub(crate) api_key: String,
    pub(crate) model: String,
    pub(crate) prompt: String,
    /// The createTask body exactly as received, re-serialised: kie's `param` string.
    pub(crate) param: String,
    pub(crate) request: Value,
    pub(crate) callback_url: Option<String>,
    pub(crate) images: u32,
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) outcome: Outcome,
    pub(crate) created: Instant,
    pub(crate) create_ms: i64,
    /// The step length in force when the task was created.
    pub(crate) step_ms: u64,
    pub(crate) callback: CallbackState,
    /// The input image URLs from the request, in order.
    pub(crate) input_urls: Vec<String>,
    /// What to make of the inputs; `None` for text-to-image.
    pub(crate) derive: Option<Derive>,
    /// Each input as downloaded, in order, as the downloads finish.
    pub(crate) inputs: Vec<FetchedInput>,
    /// Results computed from the inputs, served instead of rendered pictures.
    pub(crate) outputs: Vec<Bytes>,
    pub(crate) prepared: Prepared,
}

/// What tests see of a task (`GET /kie/__control/tasks`, `KieSim::tasks`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KieTask {
    pub task_id: String,
    pub model: String,
    pub state: KieState,
    pub prompt: String,
    /// The createTask body as received.
    pub request: Value,
    pub callback_url: Option<String>,
    /// The results' size. For a task with input images that depends on them (an upscale, a
    /// background removal, an edit at `auto`), 0 until the inputs are processed.
    pub width: u32,
    pub height: u32,
    pub result_urls: Vec<String>,
    pub fail_code: String,
    pub fail_msg: String,
    pub create_time: i64,
    pub complete_time: Option<i64>,
    /// `not_requested`, `pending`, `skipped`, `sending`, `delivered` or `failed`.
    pub callback_status: String,
    pub callback: Option<CallbackDelivery>,
    /// The input image URLs the request named (`image_urls`, `image_input`, `image_url` or
    /// `image`, by model), in order; empty for text-to-image.
    pub input_urls: Vec<String>,
    /// What each input URL served when the task downloaded it, in order; filled in once the task
    /// reaches `generating`.
    pub inputs: Vec<FetchedInput>,
}

/// Number of steps before a task is finished (waiting, queuing, generating).
const STEPS: u64 = 3;

impl TaskRecord {
    fn steps_elapsed(&self, now: Instant) -> u64 {
        if self.step_ms == 0 {
            return STEPS;
        }
        let elapsed = now.saturating_duration_since(self.created).as_millis();
        u64::try_from(elapsed / u128::from(self.step_ms)).unwrap_or(u64::MAX)
    }

    pub(crate) fn state_at(&self, now: Instant) -> KieState {
        match self.steps_elapsed(now) {
            0 => KieState::Waiting,
            1 => KieState::Queuing,
            2 => KieState::Generating,
            _ if self.prepared == Prepared::Pending => KieState::Generating,
            _ => match self.outcome {
                Outcome::Success => KieState::Success,
                Outcome::Fail { .. } => KieState::Fail,
            },
        }
    }

    /// When the task reaches `generating`, which is when kie downloads its inputs.
    pub(crate) fn generating_at(&self) -> Instant {
        self.created + Duration::from_millis(self.step_ms.saturating_mul(STEPS - 1))
    }

    pub(crate) fn completes_at(&self) -> Instant {
        let steps = self.created + Duration::from_millis(self.step_ms.saturating_mul(STEPS));
        match self.prepared {
            Prepared::At { at, .. } => steps.max(at),
            Prepared::Nothing | Prepared::Pending => steps,
        }
    }

    fn complete_ms(&self) -> i64 {
        let steps = i64::try_from(self.step_ms.saturating_mul(STEPS)).unwrap_or(i64::MAX);
        let steps = self.create_ms.saturating_add(steps);
        match self.prepared {
            Prepared::At { at_ms, .. } => steps.max(at_ms),
            Prepared::Nothing | Prepared::Pending => steps,
        }
    }

    fn cost_ms(&self) -> i64 {
        self.complete_ms().saturating_sub(self.create_ms)
    }

    fn update_ms(&self, now: Instant) -> i64 {
        if self.state_at(now).is_terminal() {
            return self.complete_ms();
        }
        let steps = self.steps_elapsed(now).min(STEPS - 1);
        let ms = i64::try_from(self.step_ms.saturating_mul(steps)).unwrap_or(i64::MAX);
        self.create_ms.saturating_add(ms)
    }

    pub(crate) fn result_urls(&self, public_base: &str) -> Vec<String> {
        (0..self.images)
            .map(|i| format!("{public_base}/kie/files/{}/{i}.png", self.id))
            .collect()
    }

    /// `data` of `recordInfo` and of the callback body.
    pub(crate) fn record_data(&self, now: Instant, public_base: &str) -> Value {
        let state = self.state_at(now);
        let result_json = if state == KieState::Success {
            json!({ "resultUrls": self.result_urls(public_base) }).to_string()
        } else {
            String::new()
        };
        let (fail_code, fail_msg) = match (&self.outcome, state) {
            (Outcome::Fail { code, msg }, KieState::Fail) => (code.clone(), msg.clone()),
            _ => (String::new(), String::new()),
        };
        let terminal = state.is_terminal();
        json!({
            "taskId": self.id,
            "model": self.model,
            "state": state.as_str(),
            "param": self.param,
            "resultJson": result_json,
            "failCode": fail_code,
            "failMsg": fail_msg,
            "costTime": if terminal { self.cost_ms() } else { 0 },
            "completeTime": if terminal { Value::from(self.complete_ms()) } else { Value::Null },
            "createTime": self.create_ms,
            "updateTime": self.update_ms(now),
        })
    }

    pub(crate) fn view(&self, now: Instant, public_base: &str) -> KieTask {
        let state = self.state_at(now);
        let (fail_code, fail_msg) = match (&self.outcome, state) {
            (Outcome::Fail { code, msg }, KieState::Fail) => (code.clone(), msg.clone()),
            _ => (String::new(), String::new()),
        };
        KieTask {
            task_id: self.id.clone(),
            model: self.model.clone(),
            state,
            prompt: self.prompt.clone(),
            request: self.request.clone(),
            callback_url: self.callback_url.clone(),
            width: self.width,
            height: self.height,
            result_urls: if state == KieState::Success {
                self.result_urls(public_base)
            } else {
                Vec::new()
            },
            fail_code,
            fail_msg,
            create_time: self.create_ms,
            complete_time: state.is_terminal().then(|| self.complete_ms()),
            callback_status: self.callback.label().to_owned(),
            callback: match &self.callback {
                CallbackState::Done(d) => Some(d.clone()),
                _ => None,
            },
            input_urls: self.input_urls.clone(),
            inputs: self.inputs.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(prompt: &str, step_ms: u64) -> TaskRecord {
        TaskRecord {
            id: "task_x".into(),
            api_key: "k".into(),
            model: "google/nano-banana".into(),
            prompt: prompt.into(),
            param: "{}".into(),
            request: json!({}),
            callback_url: None,
            images: 2,
            width: 1024,
            height: 1024,
            outcome: Outcome::for_prompt(prompt),
            created: Instant::now(),
            create_ms: 1_000,
            step_ms,
            callback: CallbackState::NotRequested,
            input_urls: Vec::new(),
            derive: None,
            inputs: Vec::new(),
            outputs: Vec::new(),
            prepared: Prepared::Nothing,
        }
    }

    #[test]
    fn states_advance_with_time() {
        let task = record("cat", 100);
        let at = |ms| task.created + Duration::from_millis(ms);
        assert_eq!(task.state_at(at(0)), KieState::Waiting);
        assert_eq!(task.state_at(at(150)), KieState::Queuing);
        assert_eq!(task.state_at(at(250)), KieState::Generating);
        assert_eq!(task.state_at(at(300)), KieState::Success);
        let data = task.record_data(at(300), "http://h");
        assert_eq!(data["completeTime"], 1_300);
        assert_eq!(data["costTime"], 300);
        let result: Value = serde_json::from_str(data["resultJson"].as_str().unwrap_or_default())
            .expect("resultJson is a JSON string");
        assert_eq!(result["resultUrls"][1], "http://h/kie/files/task_x/1.png");
    }

    #[test]
    fn a_task_with_inputs_waits_for_them() {
        let mut task = record("cat", 100);
        task.prepared = Prepared::Pending;
        let at = |ms| task.created + Duration::from_millis(ms);
        assert_eq!(task.state_at(at(5_000)), KieState::Generating);
        assert!(task.record_data(at(5_000), "http://h")["completeTime"].is_null());
        task.prepared = Prepared::At {
            at: at(700),
            at_ms: 1_700,
        };
        assert_eq!(task.state_at(at(800)), KieState::Success);
        let data = task.record_data(at(800), "http://h");
        assert_eq!(data["completeTime"], 1_700);
        assert_eq!(data["costTime"], 700);
        assert_eq!(data["updateTime"], 1_700);
    }

    #[test]
    fn magic_words_fail() {
        let task = record("something PROHIBITED", 0);
        let data = task.record_data(Instant::now(), "http://h");
        assert_eq!(data["state"], "fail");
        assert_eq!(data["failCode"], "422");
        assert_eq!(data["resultJson"], "");
        assert_eq!(
            record("[fail] x", 0).state_at(Instant::now()),
            KieState::Fail
        );
    }
}
