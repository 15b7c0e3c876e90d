//! Resend: `POST /emails` and `/emails/batch` with Bearer keys, validation, idempotency keys and
//! the team rate limit, plus a developer mailbox (`GET /emails`) showing everything received.

mod idempotency;
mod rate_limit;
mod routes;
mod validate;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::faults::{FaultSwitch, Faults, FaultsError};
use crate::lock::lock;
use idempotency::IdempotencyKeys;
use rate_limit::RateWindow;

pub(crate) use routes::router;

/// The key accepted by default (`Authorization: Bearer re_sim_key`).
pub const DEFAULT_API_KEY: &str = "re_sim_key";

#[derive(Clone, Debug)]
pub struct ResendOptions {
    /// Keys accepted as `Authorization: Bearer <key>`; the first goes into `env()`.
    pub api_keys: Vec<String>,
    /// Requests per second across all keys (Resend's default is 2); 0 = no limit.
    pub rate_limit_per_second: u32,
}

impl Default for ResendOptions {
    fn default() -> Self {
        Self {
            api_keys: vec![DEFAULT_API_KEY.to_owned()],
            rate_limit_per_second: 2,
        }
    }
}

/// Runtime-adjustable behaviour (`PUT /resend/__control/settings`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResendSettings {
    pub rate_limit_per_second: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub name: String,
    pub value: String,
}

/// One email Resend accepted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Email {
    pub id: String,
    pub from: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub reply_to: Vec<String>,
    pub subject: String,
    pub html: Option<String>,
    pub text: Option<String>,
    /// The email's own `headers` field (not the HTTP request's).
    pub headers: BTreeMap<String, String>,
    pub tags: Vec<Tag>,
    pub attachments: Vec<Value>,
    pub scheduled_at: Option<String>,
    pub idempotency_key: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
}

impl Email {
    /// Whether `address` (bare, case-insensitive) is among `to`, `cc` or `bcc`.
    pub fn is_addressed_to(&self, address: &str) -> bool {
        self.to
            .iter()
            .chain(&self.cc)
            .chain(&self.bcc)
            .filter_map(|m| validate::address_of(m))
            .any(|a| a.eq_ignore_ascii_case(address.trim()))
    }
}

/// Resend's error body: `{"statusCode", "name", "message"}`.
#[derive(Debug, Clone)]
pub(crate) struct ResendError {
    pub(crate) status: StatusCode,
    pub(crate) name: String,
    pub(crate) message: String,
}

impl ResendError {
    pub(crate) fn new(status: StatusCode, name: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            name: name.to_owned(),
            message: message.into(),
        }
    }

    pub(crate) fn body(&self) -> Value {
        serde_json::json!({
            "statusCode": self.status.as_u16(),
            "name": self.name,
            "message": self.message,
        })
    }
}

impl IntoResponse for ResendError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

/// Handle on the Resend simulator's state; cheap to clone.
#[derive(Clone)]
pub struct ResendSim {
    pub(crate) inner: Arc<ResendInner>,
}

pub(crate) struct ResendInner {
    pub(crate) options: ResendOptions,
    pub(crate) settings: Mutex<ResendSettings>,
    pub(crate) emails: Mutex<Vec<Email>>,
    pub(crate) keys: Mutex<IdempotencyKeys>,
    pub(crate) window: Mutex<RateWindow>,
    pub(crate) faults: Arc<FaultSwitch>,
}

impl ResendSim {
    pub(crate) fn new(options: ResendOptions) -> Self {
        Self {
            inner: Arc::new(ResendInner {
                settings: Mutex::new(ResendSettings {
                    rate_limit_per_second: options.rate_limit_per_second,
                }),
                options,
                emails: Mutex::new(Vec::new()),
                keys: Mutex::new(IdempotencyKeys::default()),
                window: Mutex::new(RateWindow::default()),
                faults: Arc::new(FaultSwitch::default()),
            }),
        }
    }

    /// Every email received, oldest first.
    pub fn emails(&self) -> Vec<Email> {
        lock(&self.inner.emails).clone()
    }

    /// Emails with `address` among their recipients, oldest first.
    pub fn emails_to(&self, address: &str) -> Vec<Email> {
        lock(&self.inner.emails)
            .iter()
            .filter(|e| e.is_addressed_to(address))
            .cloned()
            .collect()
    }

    /// The newest email to `address`.
    pub fn last_email_to(&self, address: &str) -> Option<Email> {
        self.emails_to(address).pop()
    }

    pub fn settings(&self) -> ResendSettings {
        lock(&self.inner.settings).clone()
    }

    pub fn set_settings(&self, settings: ResendSettings) {
        *lock(&self.inner.settings) = settings;
    }

    /// Shorthand for `set_settings`; 0 switches the limit off.
    pub fn set_rate_limit_per_second(&self, limit: u32) {
        self.set_settings(ResendSettings {
            rate_limit_per_second: limit,
        });
    }

    pub fn faults(&self) -> Faults {
        self.inner.faults.get()
    }

    pub fn set_faults(&self, faults: Faults) -> Result<(), FaultsError> {
        self.inner.faults.set(faults)
    }

    pub fn api_key(&self) -> &str {
        self.inner
            .options
            .api_keys
            .first()
            .map_or("", String::as_str)
    }

    pub fn reset(&self) {
        lock(&self.inner.emails).clear();
        lock(&self.inner.keys).clear();
        lock(&self.inner.window).clear();
        self.set_rate_limit_per_second(self.inner.options.rate_limit_per_second);
        self.inner.faults.clear();
    }
}
