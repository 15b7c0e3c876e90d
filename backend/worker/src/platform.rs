//! `WorkerPlatform`: the request's `Env` (bindings, vars, secrets) behind the `Platform` ports.

use std::sync::Arc;

use atelier_api::Runtime;
use atelier_server::config::{Config, ConfigError};
use atelier_server::platform::{Platform, PlatformError};
use worker::send::SendWrapper;
use worker::{Context, Env};

/// The binding names `wrangler.toml` declares.
pub mod bindings {
    /// D1: the service's SQL database.
    pub const DB: &str = "DB";
    /// R2: image bytes.
    pub const IMAGES: &str = "IMAGES";
    /// Workers KV: rate-limit counters, sessions.
    pub const KV: &str = "KV";
}

/// The platform for one request. Cheap to clone; every JS handle sits behind a `SendWrapper`,
/// which is sound because a Worker isolate runs on one thread.
#[derive(Clone)]
pub struct WorkerPlatform {
    inner: Arc<Inner>,
}

struct Inner {
    env: SendWrapper<Env>,
    config: Config,
    /// Test mode only: how far `/__test/clock` has moved the clock (kept in KV between requests).
    clock_offset_ms: i64,
    /// Test mode only: the share of blob operations `/__test/blob-faults` makes fail, in parts
    /// per million (kept in KV between requests, like the clock).
    blob_failure_ppm: u32,
    /// The fetch event's context, for `waitUntil`; `None` in the cron handler.
    ctx: Option<Arc<Context>>,
}

/// How often a held `GET /v1/sync?wait=` reads `accounts.sync_seq` again (see `sync_moved`).
const SYNC_RECHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// Where test mode keeps the clock offset.
const TEST_CLOCK_KEY: &str = "__test:clock-offset";
/// Where test mode keeps the injected blob failure rate. Like every `__test:` key, it belongs to
/// the suite's controls, not to any account.
const TEST_BLOB_FAULTS_KEY: &str = "__test:blob-failure-ppm";

impl WorkerPlatform {
    /// Reads the configuration from the Worker's vars and secrets (the same names as natively).
    /// Bindings are looked up when used, so `/healthz` answers even if one is missing.
    pub fn from_env(env: Env) -> Result<Self, ConfigError> {
        let config = Config::from_lookup(|name| {
            // Vars and secrets are both plain strings on `env`; `var` reads either.
            env.var(name).ok().map(|value| value.to_string())
        })?;
        Ok(Self {
            inner: Arc::new(Inner {
                env: SendWrapper::new(env),
                config,
                clock_offset_ms: 0,
                blob_failure_ppm: 0,
                ctx: None,
            }),
        })
    }

    /// The platform of one fetch event: work handed to `wait_until` runs under its `waitUntil`.
    /// Call before [`Self::with_test_clock`] (which keeps it).
    pub fn with_context(self, ctx: Context) -> Self {
        let inner = Inner {
            env: self.inner.env.clone(),
            config: self.inner.config.clone(),
            clock_offset_ms: self.inner.clock_offset_ms,
            blob_failure_ppm: self.inner.blob_failure_ppm,
            ctx: Some(Arc::new(ctx)),
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// In test mode, the clock offset the suite set; otherwise the platform as it is.
    pub async fn with_test_clock(self) -> Self {
        if !self.inner.config.test_mode {
            return self;
        }
        let offset = self.read_test_clock().await;
        let blob_failure_ppm = self.read_test_number(TEST_BLOB_FAULTS_KEY).await as u32;
        let inner = Inner {
            env: self.inner.env.clone(),
            config: self.inner.config.clone(),
            clock_offset_ms: offset,
            blob_failure_ppm,
            ctx: self.inner.ctx.clone(),
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    async fn read_test_clock(&self) -> i64 {
        self.read_test_number(TEST_CLOCK_KEY).await
    }

    /// A number test mode keeps in KV, 0 when unset.
    async fn read_test_number(&self, key: &str) -> i64 {
        use atelier_server::platform::Kv;
        match self.kv_get(key).await {
            Ok(Some(bytes)) => String::from_utf8_lossy(&bytes).parse().unwrap_or(0),
            _ => 0,
        }
    }

    pub(crate) fn blob_failure_ppm(&self) -> u32 {
        self.inner.blob_failure_ppm
    }

    /// How far test mode moved the clock: KV's expirations are in real time, the service's in this.
    pub(crate) fn clock_offset_ms(&self) -> i64 {
        self.inner.clock_offset_ms
    }

    pub(crate) fn env(&self) -> &Env {
        &self.inner.env
    }
}

impl Platform for WorkerPlatform {
    fn runtime(&self) -> Runtime {
        Runtime::Worker
    }

    fn config(&self) -> &Config {
        &self.inner.config
    }

    fn now_ms(&self) -> i64 {
        // `SystemTime::now()` panics on wasm32; the JS clock is the Worker's clock.
        worker::js_sys::Date::now() as i64 + self.inner.clock_offset_ms
    }

    fn wall_clock_ms(&self) -> i64 {
        worker::js_sys::Date::now() as i64
    }

    fn fill_random(&self, buf: &mut [u8]) -> Result<(), PlatformError> {
        // getrandom's `js` feature: `crypto.getRandomValues`.
        getrandom::getrandom(buf).map_err(|e| PlatformError::Invalid(format!("no randomness: {e}")))
    }

    fn sleep(&self, duration: std::time::Duration) -> impl std::future::Future<Output = ()> + Send {
        worker::send::SendFuture::new(async move {
            worker::Delay::from(duration).await;
        })
    }

    fn sync_moved(
        &self,
        _account_id: &str,
        at_most: std::time::Duration,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        // No Durable Object is configured, so a write made in another isolate cannot reach this
        // one: the held request sleeps (a timer, no CPU) and the caller reads `accounts.sync_seq`
        // in D1 again, a change reaching the device within about `SYNC_RECHECK`. The cost of one
        // idle device holding `wait=25` back to back: 3600 / 25 = 144 requests an hour, each
        // about 27 D1 reads of one row by primary key (the pull's own, one per second held, one at
        // the end), so about 3,900 D1 reads an hour, plus each request's session check; CPU time
        // stays a few milliseconds per request, since the isolate sleeps between reads.
        worker::send::SendFuture::new(async move {
            worker::Delay::from(at_most.min(SYNC_RECHECK)).await;
        })
    }

    fn client_ip(&self, request: &::http::request::Parts) -> Option<String> {
        // Cloudflare sets it on every request; a client cannot forge it.
        request
            .headers
            .get("cf-connecting-ip")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_owned())
    }

    fn wait_until(&self, work: impl std::future::Future<Output = ()> + Send + 'static) {
        match &self.inner.ctx {
            // The response goes out at once; the isolate stays alive until `work` ends.
            Some(ctx) => ctx.wait_until(work),
            // No fetch event (cron): runs on the isolate's executor while the handler lives.
            None => worker::wasm_bindgen_futures::spawn_local(work),
        }
    }

    fn advance_clock(
        &self,
        ms: i64,
    ) -> impl std::future::Future<Output = Result<(), PlatformError>> + Send {
        let this = self.clone();
        async move {
            use atelier_server::platform::Kv;
            let offset = this.read_test_clock().await + ms.max(0);
            this.kv_put(TEST_CLOCK_KEY, offset.to_string().into_bytes(), None)
                .await
        }
    }

    fn set_blob_failure_ppm(
        &self,
        ppm: u32,
    ) -> impl std::future::Future<Output = Result<(), PlatformError>> + Send {
        let this = self.clone();
        async move {
            use atelier_server::platform::Kv;
            this.kv_put(TEST_BLOB_FAULTS_KEY, ppm.to_string().into_bytes(), None)
                .await
        }
    }
}

/// The message of a JS error (with its `cause` when that adds something), or its string form.
pub(crate) fn js_error_text(value: &worker::wasm_bindgen::JsValue) -> String {
    use worker::js_sys;
    use worker::wasm_bindgen::JsCast;
    match value.dyn_ref::<js_sys::Error>() {
        Some(err) => {
            let message = String::from(err.message());
            match err.cause().dyn_ref::<js_sys::Error>() {
                Some(cause) => {
                    let cause = String::from(cause.message());
                    if message.contains(&cause) {
                        message
                    } else {
                        format!("{message} (cause: {cause})")
                    }
                }
                None => message,
            }
        }
        None => value.as_string().unwrap_or_else(|| format!("{value:?}")),
    }
}

/// The text of a workers-rs error: the JS message (and cause) when there is one, else the error
/// and its sources.
pub(crate) fn worker_error_text(err: &worker::Error) -> String {
    use worker::wasm_bindgen::JsValue;
    match err {
        worker::Error::D1(e) => js_error_text(AsRef::<JsValue>::as_ref(e)),
        worker::Error::UnknownJsError { original, .. } => js_error_text(original),
        worker::Error::Internal(value)
        | worker::Error::KvError(worker::KvError::JavaScript(value)) => js_error_text(value),
        other => {
            let mut text = other.to_string();
            let mut source = std::error::Error::source(other);
            while let Some(e) = source {
                text.push_str(": ");
                text.push_str(&e.to_string());
                source = e.source();
            }
            text
        }
    }
}

/// The text of a KV error.
pub(crate) fn kv_error_text(err: &worker::KvError) -> String {
    match err {
        worker::KvError::JavaScript(value) => js_error_text(value),
        other => other.to_string(),
    }
}
