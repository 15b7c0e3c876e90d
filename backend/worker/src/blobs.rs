//! The blob port on R2 (binding `IMAGES`): whole-object put with its content type, get, delete of
//! up to 1,000 keys in one call, and listing by prefix with R2's own cursor.

use std::future::Future;

use atelier_server::platform::{
    Blob, BlobKey, BlobPage, Blobs, MAX_DELETE_KEYS, PlatformError, injected_fault,
};
use bytes::Bytes;
use worker::send::SendFuture;
use worker::{Bucket, HttpMetadata};

use crate::platform::{WorkerPlatform, bindings, worker_error_text};

const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

fn blob_error(err: &worker::Error) -> PlatformError {
    PlatformError::Blob(worker_error_text(err))
}

impl WorkerPlatform {
    /// Test mode's injected failures, rolled once per operation.
    fn blob_fault(&self) -> Result<(), PlatformError> {
        if self.blob_failure_ppm() == 0 {
            return Ok(());
        }
        let mut roll = [0u8; 4];
        getrandom::getrandom(&mut roll).map_err(|e| PlatformError::Blob(e.to_string()))?;
        injected_fault(self.blob_failure_ppm(), u32::from_le_bytes(roll))
    }

    fn bucket(&self) -> Result<Bucket, PlatformError> {
        self.env().bucket(bindings::IMAGES).map_err(|e| {
            PlatformError::Blob(format!(
                "binding {}: {}",
                bindings::IMAGES,
                worker_error_text(&e)
            ))
        })
    }
}

impl Blobs for WorkerPlatform {
    fn blob_put(
        &self,
        key: &BlobKey,
        bytes: Bytes,
        content_type: &str,
    ) -> impl Future<Output = Result<(), PlatformError>> + Send {
        SendFuture::new(async move {
            self.blob_fault()?;
            // R2 writes are atomic and strongly consistent: readers see the old object or the new.
            self.bucket()?
                .put(key.as_str(), bytes.to_vec())
                .http_metadata(HttpMetadata {
                    content_type: Some(content_type.to_owned()),
                    ..HttpMetadata::default()
                })
                .execute()
                .await
                .map_err(|e| blob_error(&e))?;
            Ok(())
        })
    }

    fn blob_get(
        &self,
        key: &BlobKey,
    ) -> impl Future<Output = Result<Option<Blob>, PlatformError>> + Send {
        SendFuture::new(async move {
            self.blob_fault()?;
            let Some(object) = self
                .bucket()?
                .get(key.as_str())
                .execute()
                .await
                .map_err(|e| blob_error(&e))?
            else {
                return Ok(None);
            };
            let content_type = object
                .http_metadata()
                .content_type
                .unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_owned());
            let bytes = match object.body() {
                Some(body) => body.bytes().await.map_err(|e| blob_error(&e))?,
                None => Vec::new(),
            };
            Ok(Some(Blob {
                bytes: Bytes::from(bytes),
                content_type,
            }))
        })
    }

    fn blob_delete(
        &self,
        keys: &[BlobKey],
    ) -> impl Future<Output = Result<(), PlatformError>> + Send {
        SendFuture::new(async move {
            self.blob_fault()?;
            if keys.len() > MAX_DELETE_KEYS {
                return Err(PlatformError::Invalid(format!(
                    "{} keys in one delete",
                    keys.len()
                )));
            }
            if keys.is_empty() {
                return Ok(());
            }
            // Missing keys are not an error for R2 either.
            self.bucket()?
                .delete_multiple(keys.iter().map(BlobKey::as_str).collect())
                .await
                .map_err(|e| blob_error(&e))
        })
    }

    fn blob_list(
        &self,
        prefix: &str,
        cursor: Option<String>,
        limit: u32,
    ) -> impl Future<Output = Result<BlobPage, PlatformError>> + Send {
        SendFuture::new(async move {
            self.blob_fault()?;
            let bucket = self.bucket()?;
            let mut list = bucket.list().prefix(prefix).limit(limit.clamp(1, 1_000));
            if let Some(cursor) = cursor {
                list = list.cursor(cursor);
            }
            let objects = list.execute().await.map_err(|e| blob_error(&e))?;
            let keys = objects
                .objects()
                .iter()
                .map(|o| BlobKey::new(o.key()))
                .collect::<Result<_, _>>()?;
            let cursor = if objects.truncated() {
                objects.cursor()
            } else {
                None
            };
            Ok(BlobPage { keys, cursor })
        })
    }
}
