//! Key-value storage with Workers KV's shape: eventually consistent, TTL of at least 60 s.
//! Good for rate-limit counters and sessions; never for money or attempt counters (use SQL).

use std::future::Future;

use super::PlatformError;

/// Workers KV refuses shorter expirations; the native store refuses them too so code behaves alike.
pub const KV_MIN_TTL_SECONDS: u64 = 60;

/// Checks a TTL against KV's minimum.
pub fn check_ttl(ttl_seconds: Option<u64>) -> Result<(), PlatformError> {
    match ttl_seconds {
        Some(ttl) if ttl < KV_MIN_TTL_SECONDS => Err(PlatformError::Invalid(format!(
            "KV TTL of {ttl} s is under the minimum of {KV_MIN_TTL_SECONDS} s"
        ))),
        _ => Ok(()),
    }
}

#[derive(Debug, Clone, Default)]
pub struct KvPage {
    pub keys: Vec<String>,
    pub cursor: Option<String>,
    /// For each of `keys`, when it expires on this platform's clock (`Platform::now_ms`), or
    /// `None` for a key without a TTL: what the retention checks of test mode read.
    pub expires_at_ms: Vec<Option<i64>>,
}

pub trait Kv {
    fn kv_get(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, PlatformError>> + Send;

    /// Stores `value`; with a TTL the key disappears by itself after that many seconds (≥ 60).
    fn kv_put(
        &self,
        key: &str,
        value: Vec<u8>,
        ttl_seconds: Option<u64>,
    ) -> impl Future<Output = Result<(), PlatformError>> + Send;

    fn kv_delete(&self, key: &str) -> impl Future<Output = Result<(), PlatformError>> + Send;

    /// Lists live keys under `prefix`, in order, up to 1,000 per page.
    fn kv_list(
        &self,
        prefix: &str,
        cursor: Option<String>,
    ) -> impl Future<Output = Result<KvPage, PlatformError>> + Send;
}
