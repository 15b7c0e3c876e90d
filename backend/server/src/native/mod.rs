//! The native platform: a SQLite file in WAL mode for SQL, a folder of blobs written atomically, a
//! second SQLite file for KV with TTLs, reqwest for outbound HTTP. What a fresh clone runs.

mod blobs;
mod clock;
mod http;
mod kv;
mod kv_cache;
mod serve;
mod sql;
mod sync_wakeups;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use atelier_api::Runtime;

pub use clock::Clock;
pub use serve::{NativeOptions, serve};

use crate::config::Config;
use crate::platform::{Platform, PlatformError};

#[derive(Clone)]
pub struct NativePlatform {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    db: sql::Database,
    kv: sql::Database,
    /// What KV reads find in memory (`kv_cache.rs`).
    kv_cache: kv_cache::KvCache,
    blobs: blobs::BlobFolder,
    http: reqwest::Client,
    /// For URLs someone else chose (kie's results): see `http.rs`.
    foreign_http: reqwest::Client,
    clock: Clock,
    /// Test mode: the share of blob operations that fail, in parts per million.
    blob_failure_ppm: AtomicU32,
    /// Held `GET /v1/sync?wait=` requests, woken when their account's log moves.
    sync_wakeups: Arc<sync_wakeups::SyncWakeups>,
}

/// Failure to open the native platform's storage.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot create the data folder {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open {path}: {source}")]
    Database { path: PathBuf, source: sqlx::Error },
    #[error("cannot apply migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

impl NativePlatform {
    /// Opens (creating if needed) the service's state under `data_dir` and migrates the database.
    pub async fn open(data_dir: &Path, config: Config, clock: Clock) -> Result<Self, OpenError> {
        std::fs::create_dir_all(data_dir).map_err(|source| OpenError::DataDir {
            path: data_dir.to_owned(),
            source,
        })?;
        let db = sql::open(&data_dir.join("atelier.sqlite")).await?;
        sqlx::migrate!("../migrations").run(&db.write).await?;
        let kv = kv::open(&data_dir.join("kv.sqlite")).await?;
        let blobs = blobs::BlobFolder::open(&data_dir.join("blobs")).map_err(|source| {
            OpenError::DataDir {
                path: data_dir.join("blobs"),
                source,
            }
        })?;
        let http = reqwest::Client::builder().build()?;
        let foreign_http = http::foreign_client(config.allow_local_results)?;
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                db,
                kv,
                kv_cache: kv_cache::KvCache::default(),
                blobs,
                http,
                foreign_http,
                clock,
                blob_failure_ppm: AtomicU32::new(0),
                sync_wakeups: Arc::default(),
            }),
        })
    }

    /// The clock this platform reads; tests move it forward to expire things.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// Removes expired KV entries. Reads already ignore them; this reclaims the space.
    pub async fn sweep_expired_kv(&self) -> Result<u64, PlatformError> {
        self.inner.kv_cache.sweep(self.now_ms());
        kv::sweep(&self.inner.kv, self.now_ms()).await
    }
}

impl Platform for NativePlatform {
    fn runtime(&self) -> Runtime {
        Runtime::Native
    }

    fn config(&self) -> &Config {
        &self.inner.config
    }

    fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    fn wall_clock_ms(&self) -> i64 {
        Clock::default().now_ms()
    }

    fn fill_random(&self, buf: &mut [u8]) -> Result<(), PlatformError> {
        getrandom::getrandom(buf).map_err(|e| PlatformError::Invalid(format!("no randomness: {e}")))
    }

    async fn sleep(&self, duration: std::time::Duration) {
        tokio::time::sleep(duration).await;
    }

    fn sync_moved(
        &self,
        account_id: &str,
        at_most: std::time::Duration,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        self.sync_wakeup(account_id, at_most)
    }

    fn client_ip(&self, request: &::http::request::Parts) -> Option<String> {
        let hops = self.inner.config.trusted_proxy_hops;
        if hops > 0 {
            let values = request
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok());
            if let Some(ip) = crate::request_meta::forwarded_client_ip(values, hops) {
                return Some(ip.to_string());
            }
        }
        request
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|axum::extract::ConnectInfo(addr)| addr.ip().to_string())
    }

    fn wait_until(&self, work: impl std::future::Future<Output = ()> + Send + 'static) {
        // Outside a runtime (never the case when serving) the work is dropped rather than panic.
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(work);
            }
            Err(_) => tracing::warn!("no async runtime: background work dropped"),
        }
    }

    async fn advance_clock(&self, ms: i64) -> Result<(), PlatformError> {
        self.inner.clock.advance(ms);
        Ok(())
    }

    async fn set_blob_failure_ppm(&self, ppm: u32) -> Result<(), PlatformError> {
        self.inner.blob_failure_ppm.store(ppm, Ordering::Relaxed);
        Ok(())
    }
}
