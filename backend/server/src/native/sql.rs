//! The SQL port on a SQLite file: WAL, foreign keys, a busy time-out; a batch is one transaction.
//!
//! One connection writes and a few others only read. Writes then wait their turn here, in order,
//! instead of in SQLite's busy handler (which sleeps in steps of up to 100 ms while another
//! connection holds the lock: the slowest requests under load), and in WAL a reader never waits
//! for the writer. Reads see every write committed before they began, as before.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Column, Row as _, SqlitePool, TypeInfo, ValueRef};

use super::{NativePlatform, OpenError};
use crate::platform::{PlatformError, Row, Sql, SqlValue, Statement};

/// Connections that only read: enough to keep both cores busy while some wait for their task
/// to be polled.
const READERS: u32 = 4;

/// A SQLite file's connections: the one writer, and the readers.
#[derive(Clone)]
pub(super) struct Database {
    pub(super) write: SqlitePool,
    pub(super) read: SqlitePool,
}

impl Database {
    /// The pool for a statement: the readers for a `SELECT`, the writer for anything else
    /// (`RETURNING` included). The readers are `query_only`: a write sent there fails loudly.
    pub(super) fn for_statement(&self, sql: &str) -> &SqlitePool {
        let select = sql
            .trim_start()
            .get(..6)
            .is_some_and(|word| word.eq_ignore_ascii_case("select"));
        if select { &self.read } else { &self.write }
    }
}

pub(super) async fn open(path: &Path) -> Result<Database, OpenError> {
    let failed = |source| OpenError::Database {
        path: path.to_owned(),
        source,
    };
    let options = SqliteConnectOptions::from_str("sqlite:")
        .map_err(failed)?
        .filename(path)
        .busy_timeout(Duration::from_secs(5));
    // Pooled connections are not pinged before each use nor kept past an idle spell: a local
    // file's connection does not hang up, and each ping is a round trip to its thread.
    let pool = |max| {
        SqlitePoolOptions::new()
            .max_connections(max)
            .test_before_acquire(false)
            .idle_timeout(None)
            .max_lifetime(None)
    };
    let write = pool(1)
        .connect_with(
            options
                .clone()
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true),
        )
        .await
        .map_err(failed)?;
    let read = pool(READERS)
        .connect_with(options.pragma("query_only", "ON"))
        .await
        .map_err(failed)?;
    Ok(Database { write, read })
}

fn sql_error(e: sqlx::Error) -> PlatformError {
    PlatformError::Sql(e.to_string())
}

fn bind(
    statement: &Statement,
) -> Result<sqlx::query::Query<'_, sqlx::Sqlite, SqliteArguments<'_>>, PlatformError> {
    statement.check()?;
    let mut query = sqlx::query(&statement.sql);
    for value in &statement.params {
        query = match value {
            SqlValue::Null => query.bind(None::<i64>),
            SqlValue::Integer(v) => query.bind(*v),
            SqlValue::Real(v) => query.bind(*v),
            SqlValue::Text(v) => query.bind(v.as_str()),
            SqlValue::Blob(v) => query.bind(v.as_slice()),
        };
    }
    Ok(query)
}

/// Converts a row to the JSON shape D1 gives: numbers, strings, null, and blobs as byte arrays.
fn to_json(row: &SqliteRow) -> Result<Row, PlatformError> {
    let mut out = Row::new();
    for (i, column) in row.columns().iter().enumerate() {
        let raw = row.try_get_raw(i).map_err(sql_error)?;
        let value = if raw.is_null() {
            serde_json::Value::Null
        } else {
            match raw.type_info().name() {
                "INTEGER" => row.try_get::<i64, _>(i).map_err(sql_error)?.into(),
                "REAL" => row.try_get::<f64, _>(i).map_err(sql_error)?.into(),
                "BLOB" => row.try_get::<Vec<u8>, _>(i).map_err(sql_error)?.into(),
                _ => row.try_get::<String, _>(i).map_err(sql_error)?.into(),
            }
        };
        out.insert(column.name().to_owned(), value);
    }
    Ok(out)
}

impl Sql for NativePlatform {
    async fn query(&self, statement: Statement) -> Result<Vec<Row>, PlatformError> {
        let pool = self.inner.db.for_statement(&statement.sql);
        let rows = bind(&statement)?.fetch_all(pool).await.map_err(sql_error)?;
        rows.iter().map(to_json).collect()
    }

    async fn execute(&self, statement: Statement) -> Result<u64, PlatformError> {
        let done = bind(&statement)?
            .execute(&self.inner.db.write)
            .await
            .map_err(sql_error)?;
        Ok(done.rows_affected())
    }

    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<u64>, PlatformError> {
        // In a task of its own, which runs to COMMIT or ROLLBACK even if the request that asked
        // goes away mid-batch (its client hung up): dropped between BEGIN and COMMIT, the batch
        // would hand the writer back inside an open transaction, and every later write would
        // fail or never commit.
        let platform = self.clone();
        tokio::spawn(async move {
            let changed = transaction(&platform.inner.db.write, &statements).await?;
            platform.sync_committed(&statements, &changed);
            Ok(changed)
        })
        .await
        .map_err(|e| PlatformError::Sql(format!("a batch's task failed: {e}")))?
    }
}

/// Runs the statements in one transaction on the writer: all take effect or none.
async fn transaction(
    writer: &SqlitePool,
    statements: &[Statement],
) -> Result<Vec<u64>, PlatformError> {
    // BEGIN IMMEDIATE takes the write lock up front, so reads inside the batch see the latest
    // committed state and batches run one after another, as D1 runs them. (A deferred
    // transaction could read a stale snapshot, e.g. a balance, before its write.) With one
    // writer, batches here already run one after another; IMMEDIATE also holds them apart from
    // another process writing the file (the load benchmark seeds a running server's database).
    let mut conn = writer.acquire().await.map_err(sql_error)?;
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut *conn)
        .await
        .map_err(sql_error)?;
    let mut changed = Vec::with_capacity(statements.len());
    for statement in statements {
        let outcome = match bind(statement) {
            Ok(query) => query.execute(&mut *conn).await.map_err(sql_error),
            Err(e) => Err(e),
        };
        match outcome {
            Ok(done) => changed.push(done.rows_affected()),
            Err(e) => {
                // All or nothing, like D1.
                let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                return Err(e);
            }
        }
    }
    if let Err(e) = sqlx::query("COMMIT").execute(&mut *conn).await {
        let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
        return Err(sql_error(e));
    }
    Ok(changed)
}
