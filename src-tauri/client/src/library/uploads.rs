//! Bringing an image in to work from (the composer's drop and paste): it is uploaded with its
//! progress told as it goes, then kept in the cache with its thumbnail, so the chip that shows it
//! and the gallery of uploads work offline at once, before sync brings the same record.

use atelier_api::ErrorCode;
use bytes::Bytes;

use super::Library;
use crate::api::{ImageBytes, ImageVariant, Progress};
use crate::auth::Auth;
use crate::cache::uploads::CachedUpload;
use crate::error::ClientError;
use crate::image_bytes;

impl Library {
    /// Uploads `bytes` (a PNG, JPEG or WebP, told by its signature, not by a file name) and keeps
    /// the upload here. The same bytes again are the same upload. A thumbnail that cannot be
    /// fetched now is not an error: sync fetches it later.
    pub async fn upload(
        &self,
        auth: &Auth,
        bytes: Bytes,
        progress: Progress,
    ) -> Result<CachedUpload, ClientError> {
        let content_type = image_bytes::content_type(&bytes).ok_or_else(|| {
            ClientError::api(
                ErrorCode::UnsupportedMediaType,
                "only PNG, JPEG and WebP images can be used",
            )
        })?;
        let token = auth.token().await?;
        let upload = auth
            .api()
            .upload_with_progress(&token, bytes, content_type, progress)
            .await?;
        let files = self.cache().files();
        if !files.has(&upload.thumbnail_sha256, upload.thumbnail_bytes) {
            match auth
                .api()
                .upload_bytes(&token, &upload.id, ImageVariant::Thumbnail)
                .await
            {
                // Sync may be fetching the same file this moment (the upload is a change it
                // sees): whichever write loses, the file is there or sync brings it.
                Ok(thumbnail) => {
                    if let Err(e) = files.write(&upload.thumbnail_sha256, &thumbnail.bytes) {
                        tracing::info!(error = %e, "upload thumbnail left for sync");
                    }
                }
                Err(e) => tracing::info!(error = %e, "upload thumbnail left for sync"),
            }
        }
        self.cache().put_upload(&upload).await
    }

    /// An upload's thumbnail from the cache (fetched and kept when its file is missing);
    /// `None` when `id` is not an upload this device knows.
    pub(super) async fn upload_thumbnail(
        &self,
        auth: &Auth,
        id: &str,
    ) -> Result<Option<ImageBytes>, ClientError> {
        let Some(upload) = self.cache().upload(id).await? else {
            return Ok(None);
        };
        let files = self.cache().files();
        let bytes = match files.read_verified(&upload.thumbnail_sha256) {
            Some(bytes) => Bytes::from(bytes),
            None => {
                let fetched = auth
                    .api()
                    .upload_bytes(&auth.token().await?, id, ImageVariant::Thumbnail)
                    .await?;
                // Kept for next time; shown now even if keeping it failed.
                if files
                    .write(&upload.thumbnail_sha256, &fetched.bytes)
                    .is_ok()
                {
                    self.cache()
                        .mark_cached(&upload.thumbnail_sha256, false)
                        .await?;
                }
                fetched.bytes
            }
        };
        Ok(Some(ImageBytes {
            content_type: "image/jpeg".into(),
            bytes,
        }))
    }
}
