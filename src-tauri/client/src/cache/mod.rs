//! The desktop's local copy of the cloud: a SQLite database (WAL, migrations) beside a folder of
//! content-addressed image files, both under one data folder. Sync fills it ([`crate::sync`]);
//! the gallery reads it with no network; the outbox holds what this device changed offline.
//!
//! The cache belongs to one account. Opening it for another wipes it first, so one person never
//! sees another's images on a shared computer.

mod apply;
pub mod chosen;
pub mod credits;
pub mod files;
pub mod gallery;
pub mod grid;
pub mod integrity;
pub mod outbox;
mod search;
pub mod sources;
pub mod storage;
pub mod uploads;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use apply::MAX_FIELD_CHARS;
pub use files::FileStore;

use crate::error::ClientError;

/// The environment variable that moves the whole data folder (tests, power users).
pub const DATA_DIR_ENV: &str = "ATELIER_DATA_DIR";
/// What the originals may take on disk unless the person sets another budget: 2 GB, counted as
/// the UI counts them (1 GB = 1024³ bytes), so Settings shows exactly "2".
pub const DEFAULT_ORIGINALS_BUDGET: u64 = 2 * 1024 * 1024 * 1024;

/// The data folder: `ATELIER_DATA_DIR`, else the OS's per-user data folder.
pub fn data_dir() -> Result<PathBuf, ClientError> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    dirs::data_dir()
        .map(|d| d.join("Atelier"))
        .ok_or_else(|| ClientError::Cache("this system has no per-user data folder".into()))
}

#[derive(Debug, Clone)]
pub struct Cache {
    pool: SqlitePool,
    files: FileStore,
    dir: PathBuf,
    /// The last gallery query's result, in order; any write forgets it.
    pub(crate) results: Arc<Mutex<gallery::Remembered>>,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl Cache {
    /// Opens (creating and migrating) the cache in `dir`.
    pub async fn open(dir: &Path) -> Result<Self, ClientError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| ClientError::Cache(format!("creating {}: {e}", dir.display())))?;
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(dir.join("cache.sqlite"))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL in WAL mode: a power cut may lose the last transactions, never corrupt the
            // file; what is lost is pulled again, because the cursor moves with its page.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            pool,
            files: FileStore::new(dir.join("files")),
            dir: dir.to_owned(),
            results: Arc::default(),
        })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Forgets what was computed from the rows (after any write to them).
    pub(crate) fn rows_changed(&self) {
        if let Ok(mut results) = self.results.lock() {
            results.forget();
        }
    }

    pub fn files(&self) -> &FileStore {
        &self.files
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub async fn meta(&self, key: &str) -> Result<Option<String>, ClientError> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), ClientError> {
        sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Binds the cache to `account_id`; a cache of another account is wiped first.
    pub async fn bind_account(&self, account_id: &str) -> Result<(), ClientError> {
        match self.meta("account_id").await? {
            Some(current) if current == account_id => Ok(()),
            Some(_) => {
                self.wipe().await?;
                self.set_meta("account_id", account_id).await
            }
            None => self.set_meta("account_id", account_id).await,
        }
    }

    /// Empties the cache: every row, the cursor, the outbox and every file. Settings stay.
    pub async fn wipe(&self) -> Result<(), ClientError> {
        let mut tx = self.pool.begin().await?;
        for table in [
            "conversations",
            "generations",
            "images",
            "credit_ledger",
            "outbox",
        ] {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM meta WHERE key IN ('cursor', 'account_id', 'last_synced_at')")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.rows_changed();
        match std::fs::remove_dir_all(self.files.root()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(ClientError::Cache(format!("removing the image files: {e}"))),
        }
    }

    /// Closes the database (before its folder is removed, say).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Milliseconds since the Unix epoch, the service's unit of time.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}
