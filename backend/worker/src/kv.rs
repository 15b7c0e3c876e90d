//! The KV port on Workers KV (binding `KV`): bytes in and out, TTLs of at least 60 s, listing by
//! prefix with KV's cursor. Eventually consistent across locations, like the trait says.

use std::future::Future;

use atelier_server::platform::{Kv, KvPage, PlatformError, check_ttl};
use worker::KvStore;
use worker::send::SendFuture;

use crate::platform::{WorkerPlatform, bindings, kv_error_text, worker_error_text};

fn kv_error(err: &worker::KvError) -> PlatformError {
    PlatformError::Kv(kv_error_text(err))
}

/// Workers KV: keys are 1..=512 bytes (the native store checks the same).
fn check_key(key: &str) -> Result<(), PlatformError> {
    if key.is_empty() || key.len() > 512 {
        return Err(PlatformError::Invalid(format!(
            "KV key of {} bytes",
            key.len()
        )));
    }
    Ok(())
}

impl WorkerPlatform {
    fn kv_store(&self) -> Result<KvStore, PlatformError> {
        self.env().kv(bindings::KV).map_err(|e| {
            PlatformError::Kv(format!(
                "binding {}: {}",
                bindings::KV,
                worker_error_text(&e)
            ))
        })
    }
}

impl Kv for WorkerPlatform {
    fn kv_get(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, PlatformError>> + Send {
        SendFuture::new(async move {
            check_key(key)?;
            self.kv_store()?
                .get(key)
                .bytes()
                .await
                .map_err(|e| kv_error(&e))
        })
    }

    fn kv_put(
        &self,
        key: &str,
        value: Vec<u8>,
        ttl_seconds: Option<u64>,
    ) -> impl Future<Output = Result<(), PlatformError>> + Send {
        SendFuture::new(async move {
            check_key(key)?;
            check_ttl(ttl_seconds)?;
            let mut put = self
                .kv_store()?
                .put_bytes(key, &value)
                .map_err(|e| kv_error(&e))?;
            if let Some(ttl) = ttl_seconds {
                put = put.expiration_ttl(ttl);
            }
            put.execute().await.map_err(|e| kv_error(&e))
        })
    }

    fn kv_delete(&self, key: &str) -> impl Future<Output = Result<(), PlatformError>> + Send {
        SendFuture::new(async move {
            check_key(key)?;
            self.kv_store()?.delete(key).await.map_err(|e| kv_error(&e))
        })
    }

    fn kv_list(
        &self,
        prefix: &str,
        cursor: Option<String>,
    ) -> impl Future<Output = Result<KvPage, PlatformError>> + Send {
        SendFuture::new(async move {
            let mut list = self.kv_store()?.list().prefix(prefix.to_owned());
            if let Some(cursor) = cursor {
                list = list.cursor(cursor);
            }
            let page = list.execute().await.map_err(|e| kv_error(&e))?;
            let cursor = if page.list_complete {
                None
            } else {
                page.cursor.filter(|c| !c.is_empty())
            };
            // KV expires keys in real time; the service's clock may run ahead in test mode.
            let offset = self.clock_offset_ms();
            let expires_at_ms = page
                .keys
                .iter()
                .map(|k| k.expiration.map(|s| s as i64 * 1000 + offset))
                .collect();
            Ok(KvPage {
                keys: page.keys.into_iter().map(|k| k.name).collect(),
                cursor,
                expires_at_ms,
            })
        })
    }
}
