//! The SQL port on D1 (binding `DB`): prepare, bind, `all` / `run`, and `batch`, which D1 runs as
//! one transaction (all statements or none).

use std::future::Future;

use atelier_server::platform::{PlatformError, Row, Sql, SqlValue, Statement};
use worker::js_sys::Uint8Array;
use worker::send::SendFuture;
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result};

use crate::platform::{WorkerPlatform, bindings, worker_error_text};
use crate::rows::D1Row;

/// D1 numbers are doubles: a bound integer beyond this would be silently rounded.
const MAX_EXACT_INTEGER: i64 = (1 << 53) - 1;

fn sql_error(err: &worker::Error) -> PlatformError {
    PlatformError::Sql(worker_error_text(err))
}

fn to_js(value: &SqlValue) -> Result<JsValue, PlatformError> {
    Ok(match value {
        SqlValue::Null => JsValue::NULL,
        SqlValue::Integer(v) if v.unsigned_abs() > MAX_EXACT_INTEGER as u64 => {
            return Err(PlatformError::Invalid(format!(
                "integer {v} is beyond what D1 stores exactly (2^53)"
            )));
        }
        SqlValue::Integer(v) => JsValue::from_f64(*v as f64),
        SqlValue::Real(v) => JsValue::from_f64(*v),
        SqlValue::Text(v) => JsValue::from_str(v),
        SqlValue::Blob(v) => Uint8Array::from(v.as_slice()).into(),
    })
}

impl WorkerPlatform {
    fn d1(&self) -> Result<D1Database, PlatformError> {
        self.env().d1(bindings::DB).map_err(|e| {
            PlatformError::Sql(format!(
                "binding {}: {}",
                bindings::DB,
                worker_error_text(&e)
            ))
        })
    }

    fn prepare(
        db: &D1Database,
        statement: &Statement,
    ) -> Result<D1PreparedStatement, PlatformError> {
        statement.check()?;
        let params = statement
            .params
            .iter()
            .map(to_js)
            .collect::<Result<Vec<_>, _>>()?;
        db.prepare(statement.sql.as_str())
            .bind(&params)
            .map_err(|e| sql_error(&e))
    }
}

/// Rows changed by a statement, from D1's `meta.changes`.
fn changes(result: &D1Result) -> Result<u64, PlatformError> {
    let meta = result.meta().map_err(|e| sql_error(&e))?;
    Ok(meta.and_then(|m| m.changes).unwrap_or(0) as u64)
}

/// A result that resolved but says it failed (D1 normally rejects instead).
fn check_success(result: &D1Result) -> Result<(), PlatformError> {
    if result.success() {
        Ok(())
    } else {
        Err(PlatformError::Sql(
            result
                .error()
                .unwrap_or_else(|| "D1 reported a failure".to_owned()),
        ))
    }
}

impl Sql for WorkerPlatform {
    fn query(
        &self,
        statement: Statement,
    ) -> impl Future<Output = Result<Vec<Row>, PlatformError>> + Send {
        SendFuture::new(async move {
            let db = self.d1()?;
            let prepared = Self::prepare(&db, &statement)?;
            let result = prepared.all().await.map_err(|e| sql_error(&e))?;
            check_success(&result)?;
            let rows: Vec<D1Row> = result.results().map_err(|e| sql_error(&e))?;
            Ok(rows.into_iter().map(|D1Row(row)| row).collect())
        })
    }

    fn execute(
        &self,
        statement: Statement,
    ) -> impl Future<Output = Result<u64, PlatformError>> + Send {
        SendFuture::new(async move {
            let db = self.d1()?;
            let prepared = Self::prepare(&db, &statement)?;
            let result = prepared.run().await.map_err(|e| sql_error(&e))?;
            check_success(&result)?;
            changes(&result)
        })
    }

    fn batch(
        &self,
        statements: Vec<Statement>,
    ) -> impl Future<Output = Result<Vec<u64>, PlatformError>> + Send {
        SendFuture::new(async move {
            if statements.is_empty() {
                return Ok(Vec::new());
            }
            let db = self.d1()?;
            let prepared = statements
                .iter()
                .map(|s| Self::prepare(&db, s))
                .collect::<Result<Vec<_>, _>>()?;
            // D1 runs a batch as one SQL transaction: a failing statement rolls back all of them.
            let results = db.batch(prepared).await.map_err(|e| sql_error(&e))?;
            results
                .iter()
                .map(|result| {
                    check_success(result)?;
                    changes(result)
                })
                .collect()
        })
    }
}
