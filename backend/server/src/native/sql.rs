//! The SQL port on a SQLite file: WAL, foreign keys, a busy time-out; a batch is one transaction.

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

pub(super) async fn open(path: &Path) -> Result<SqlitePool, OpenError> {
    let options = SqliteConnectOptions::from_str("sqlite:")
        .map_err(|source| OpenError::Database {
            path: path.to_owned(),
            source,
        })?
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .map_err(|source| OpenError::Database {
            path: path.to_owned(),
            source,
        })
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
        let rows = bind(&statement)?
            .fetch_all(&self.inner.db)
            .await
            .map_err(sql_error)?;
        rows.iter().map(to_json).collect()
    }

    async fn execute(&self, statement: Statement) -> Result<u64, PlatformError> {
        let done = bind(&statement)?
            .execute(&self.inner.db)
            .await
            .map_err(sql_error)?;
        Ok(done.rows_affected())
    }

    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<u64>, PlatformError> {
        // BEGIN IMMEDIATE takes the write lock up front, so reads inside the batch see the latest
        // committed state and batches run one after another, as D1 runs them. (A deferred
        // transaction could read a stale snapshot, e.g. a balance, before its write.)
        let mut conn = self.inner.db.acquire().await.map_err(sql_error)?;
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut *conn)
            .await
            .map_err(sql_error)?;
        let mut changed = Vec::with_capacity(statements.len());
        for statement in &statements {
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
}
