//! kie.ai: the image-generation API (`/api/v1/jobs/*`, `/api/v1/chat/credit`), the file host that
//! serves results, and signed callbacks. Edit, reference and one-click models download their
//! input image URLs when the task runs and derive their results from those bytes (`inputs`).

pub mod bomb;
mod callbacks;
mod derive;
pub mod image;
mod inputs;
mod routes;
mod tasks;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::faults::{FaultSwitch, Faults, FaultsError};
use crate::lock::lock;
use tasks::TaskRecord;

pub(crate) use callbacks::run as run_callbacks;
pub use derive::{MAX_INPUT_SIDE, MAX_OUTPUT_PIXELS};
pub use inputs::{FetchedInput, INPUT_FAIL_CODE, MAX_INPUT_BYTES};
pub(crate) use routes::router;
pub use tasks::{CallbackDelivery, KieState, KieTask};

/// The API key the simulator accepts by default (`Authorization: Bearer kie-sim-key`).
pub const DEFAULT_API_KEY: &str = "kie-sim-key";
/// The webhook HMAC key callbacks are signed with by default.
pub const DEFAULT_HMAC_KEY: &str = "kie-sim-hmac";

/// Models createTask accepts by default: the jobs-API models named in the reference. The image
/// models (`google/nano-banana-edit`, `bytedance/seedream-v4-edit`, `nano-banana-pro` with
/// references, `topaz/image-upscale`, `recraft/remove-background`) check their documented input
/// fields; the others take the text-to-image fields.
pub const DEFAULT_MODELS: &[&str] = &[
    "google/nano-banana",
    "google/nano-banana-edit",
    "nano-banana-pro",
    "nano-banana-2",
    "bytedance/seedream-v4-text-to-image",
    "bytedance/seedream-v4-edit",
    "seedream/4.5-text-to-image",
    "seedream/4.5-edit",
    "grok-imagine/text-to-image",
    "topaz/image-upscale",
    "recraft/remove-background",
];

/// `base64(HMAC-SHA256(key, taskId + "." + timestamp))`: kie's `X-Webhook-Signature`.
pub fn kie_signature(key: &str, task_id: &str, timestamp: u64) -> String {
    // HMAC takes keys of any length, so this cannot fail; an empty string would simply not verify.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else {
        return String::new();
    };
    mac.update(task_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Runtime-adjustable behaviour (`PUT /kie/__control/settings` takes any subset of the fields).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KieSettings {
    /// Time spent in each of `waiting`, `queuing` and `generating`.
    pub step_ms: u64,
    /// Result URLs answer 404 this long after completion; `None` = never expire.
    pub result_ttl_ms: Option<u64>,
    /// Whether finished tasks with a `callBackUrl` get a callback.
    pub callbacks: bool,
    /// Account limit on createTask per key per rolling 10 s (kie: 20); 0 = no limit.
    pub create_limit_per_10s: u32,
    /// Remaining credits (`/api/v1/chat/credit`); each requested image costs 1, none left → 402.
    pub credits: f64,
    /// What the file host serves at each result URL (the picture, unless a test of the
    /// service's download limits asks for something else).
    pub result_file: ResultFile,
}

/// What a result URL answers: kie's CDN serves the picture; the other kinds are what a hostile or
/// broken host could answer, for tests of the downloader.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ResultFile {
    /// The rendered picture.
    #[default]
    Image,
    /// `302 Found` to `location`.
    Redirect { location: String },
    /// The picture followed by zero bytes up to `bytes` in all, streamed without a
    /// `Content-Length` (decoders ignore what follows a PNG's end).
    Oversized { bytes: u64 },
    /// A valid PNG of `width × height` black pixels in a small file (`bomb::zeros_png`).
    Bomb { width: u32, height: u32 },
}

impl Default for KieSettings {
    fn default() -> Self {
        Self {
            step_ms: 200,
            result_ttl_ms: None,
            callbacks: true,
            create_limit_per_10s: 20,
            credits: 1000.0,
            result_file: ResultFile::Image,
        }
    }
}

/// Start-up configuration of the kie simulator.
#[derive(Clone, Debug)]
pub struct KieOptions {
    /// Keys accepted as `Authorization: Bearer <key>`; the first one goes into `env()`.
    pub api_keys: Vec<String>,
    /// Webhook HMAC key; `None` = callbacks go out unsigned (HMAC disabled in kie's settings).
    pub hmac_key: Option<String>,
    pub models: Vec<String>,
    pub settings: KieSettings,
}

impl Default for KieOptions {
    fn default() -> Self {
        Self {
            api_keys: vec![DEFAULT_API_KEY.to_owned()],
            hmac_key: Some(DEFAULT_HMAC_KEY.to_owned()),
            models: DEFAULT_MODELS.iter().map(|m| (*m).to_owned()).collect(),
            settings: KieSettings::default(),
        }
    }
}

/// Cached PNG bytes: `(task id, image index)`.
type ImageCache = HashMap<(String, u32), axum::body::Bytes>;

/// Handle on the kie simulator's state; cheap to clone.
#[derive(Clone)]
pub struct KieSim {
    pub(crate) inner: Arc<KieInner>,
}

pub(crate) struct KieInner {
    pub(crate) options: KieOptions,
    pub(crate) public_base: String,
    pub(crate) settings: Mutex<KieSettings>,
    /// In creation order.
    pub(crate) tasks: Mutex<Vec<TaskRecord>>,
    pub(crate) faults: Arc<FaultSwitch>,
    /// createTask times per key, for the rolling 10 s limit.
    pub(crate) creates: Mutex<HashMap<String, VecDeque<Instant>>>,
    pub(crate) images: Mutex<ImageCache>,
    pub(crate) http: reqwest::Client,
}

impl KieSim {
    pub(crate) fn new(options: KieOptions, public_base: String) -> Self {
        let http = reqwest::Client::builder()
            .user_agent("kie-simulator/1")
            // kie waits 15 s for a callback receiver to answer.
            .timeout(std::time::Duration::from_secs(15))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self {
            inner: Arc::new(KieInner {
                settings: Mutex::new(options.settings.clone()),
                options,
                public_base,
                tasks: Mutex::new(Vec::new()),
                faults: Arc::new(FaultSwitch::default()),
                creates: Mutex::new(HashMap::new()),
                images: Mutex::new(HashMap::new()),
                http,
            }),
        }
    }

    /// Every task, oldest first, with its state as of now.
    pub fn tasks(&self) -> Vec<KieTask> {
        let now = Instant::now();
        lock(&self.inner.tasks)
            .iter()
            .map(|t| t.view(now, &self.inner.public_base))
            .collect()
    }

    /// One task by id.
    pub fn task(&self, task_id: &str) -> Option<KieTask> {
        let now = Instant::now();
        lock(&self.inner.tasks)
            .iter()
            .find(|t| t.id == task_id)
            .map(|t| t.view(now, &self.inner.public_base))
    }

    pub fn settings(&self) -> KieSettings {
        lock(&self.inner.settings).clone()
    }

    /// Replaces the settings; tasks already created keep the step length they started with.
    pub fn set_settings(&self, settings: KieSettings) {
        *lock(&self.inner.settings) = settings;
    }

    pub fn faults(&self) -> Faults {
        self.inner.faults.get()
    }

    pub fn set_faults(&self, faults: Faults) -> Result<(), FaultsError> {
        self.inner.faults.set(faults)
    }

    /// The key that goes into `KIE_API_KEY`.
    pub fn api_key(&self) -> &str {
        self.inner
            .options
            .api_keys
            .first()
            .map_or("", String::as_str)
    }

    /// The webhook HMAC key, if callbacks are signed.
    pub fn hmac_key(&self) -> Option<&str> {
        self.inner.options.hmac_key.as_deref()
    }

    /// Forgets every task, limit window and cached image; restores start-up settings and faults.
    pub fn reset(&self) {
        lock(&self.inner.tasks).clear();
        lock(&self.inner.creates).clear();
        lock(&self.inner.images).clear();
        *lock(&self.inner.settings) = self.inner.options.settings.clone();
        self.inner.faults.clear();
    }
}
