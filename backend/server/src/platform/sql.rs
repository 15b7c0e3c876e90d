//! SQL with D1's semantics: single statements and an atomic batch, no interactive transactions,
//! at most 100 bound parameters per statement.

use std::future::Future;

use serde::de::DeserializeOwned;

use super::PlatformError;

/// D1 refuses statements with more bound parameters than this.
pub const MAX_BOUND_PARAMETERS: usize = 100;

/// A value bound to a statement. Integers must stay well below 2^53: D1 hands numbers back as
/// JavaScript doubles.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<i64> for SqlValue {
    fn from(v: i64) -> Self {
        Self::Integer(v)
    }
}
impl From<&str> for SqlValue {
    fn from(v: &str) -> Self {
        Self::Text(v.to_owned())
    }
}
impl From<String> for SqlValue {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}
impl<T: Into<SqlValue>> From<Option<T>> for SqlValue {
    fn from(v: Option<T>) -> Self {
        v.map_or(Self::Null, Into::into)
    }
}

/// One SQL statement with `?` placeholders and its bound values.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sql: String,
    pub params: Vec<SqlValue>,
}

impl Statement {
    pub fn new(sql: impl Into<String>) -> Self {
        Self {
            sql: sql.into(),
            params: Vec::new(),
        }
    }

    /// Appends a bound value for the next `?`.
    pub fn bind(mut self, value: impl Into<SqlValue>) -> Self {
        self.params.push(value.into());
        self
    }

    /// Refuses what D1 would refuse, so the native platform fails the same way.
    pub fn check(&self) -> Result<(), PlatformError> {
        if self.params.len() > MAX_BOUND_PARAMETERS {
            return Err(PlatformError::Invalid(format!(
                "{} bound parameters; D1 allows {MAX_BOUND_PARAMETERS}",
                self.params.len()
            )));
        }
        Ok(())
    }
}

/// A result row: column name to JSON value (integers as numbers, blobs as arrays of bytes).
pub type Row = serde_json::Map<String, serde_json::Value>;

/// Deserializes rows into a typed record.
pub fn rows_as<T: DeserializeOwned>(rows: Vec<Row>) -> Result<Vec<T>, PlatformError> {
    rows.into_iter()
        .map(|row| {
            serde_json::from_value(serde_json::Value::Object(row))
                .map_err(|e| PlatformError::Sql(format!("row shape: {e}")))
        })
        .collect()
}

pub trait Sql {
    /// Runs one statement and returns its rows.
    fn query(
        &self,
        statement: Statement,
    ) -> impl Future<Output = Result<Vec<Row>, PlatformError>> + Send;

    /// Runs one statement and returns the number of rows it changed.
    fn execute(
        &self,
        statement: Statement,
    ) -> impl Future<Output = Result<u64, PlatformError>> + Send;

    /// Runs statements atomically, in order: all take effect or none. Returns rows changed per statement.
    fn batch(
        &self,
        statements: Vec<Statement>,
    ) -> impl Future<Output = Result<Vec<u64>, PlatformError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_than_a_hundred_parameters_is_refused() {
        let mut s = Statement::new("SELECT 1");
        for i in 0..=MAX_BOUND_PARAMETERS as i64 {
            s = s.bind(i);
        }
        assert!(matches!(s.check(), Err(PlatformError::Invalid(_))));
    }

    #[test]
    fn rows_deserialize_into_records() {
        #[derive(serde::Deserialize)]
        struct Rec {
            id: String,
            n: i64,
        }
        let row: Row = serde_json::from_str(r#"{"id":"a","n":3}"#).unwrap();
        let recs: Vec<Rec> = rows_as(vec![row]).unwrap();
        assert_eq!((recs[0].id.as_str(), recs[0].n), ("a", 3));
    }
}
