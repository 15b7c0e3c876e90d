use thiserror::Error;

/// A failure of a platform port. Routes map it to `internal` or `unavailable`; the text is for logs.
#[derive(Debug, Error)]
pub enum PlatformError {
    /// The SQL store refused or failed a statement (constraint, syntax, I/O).
    #[error("sql: {0}")]
    Sql(String),
    /// The blob store failed.
    #[error("blob store: {0}")]
    Blob(String),
    /// The key-value store failed.
    #[error("kv: {0}")]
    Kv(String),
    /// An outbound HTTP request could not be completed (DNS, connect, time-out, body).
    #[error("http: {0}")]
    Http(String),
    /// An outbound HTTP request this side stopped: its destination is not allowed, or its answer
    /// is longer than the caller accepts. Sending it again would end the same way.
    #[error("http refused: {0}")]
    HttpRefused(String),
    /// The caller passed something the port cannot accept (bad key, TTL under the minimum).
    #[error("invalid argument: {0}")]
    Invalid(String),
}
