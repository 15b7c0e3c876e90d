//! Fetching image files into the cache: every thumbnail, and originals newest first while they
//! fit the budget; a few at a time, each verified against its hash before it is kept.

use atelier_api::ErrorCode;
use tokio::task::JoinSet;

use super::{SyncEngine, SyncProgress, SyncReport};
use crate::api::{ApiClient, ImageVariant};
use crate::cache::Cache;
use crate::error::ClientError;
use crate::session::SessionToken;

/// One file to fetch: any image (or upload) that uses it will do.
#[derive(Debug, Clone)]
struct Wanted {
    image_id: String,
    /// An upload's file, not a generated image's.
    upload: bool,
    hash: String,
    variant: ImageVariant,
}

enum Fetched {
    Stored,
    /// Gone on the service, or bytes not matching their hash: skipped this time.
    Skipped,
}

async fn fetch_one(
    cache: Cache,
    api: ApiClient,
    token: SessionToken,
    wanted: Wanted,
) -> Result<Fetched, ClientError> {
    let fetched = if wanted.upload {
        api.upload_bytes(&token, &wanted.image_id, wanted.variant)
            .await
    } else {
        api.image(&token, &wanted.image_id, wanted.variant).await
    };
    let image = match fetched {
        Ok(image) => image,
        Err(e) if e.code() == ErrorCode::NotFound => return Ok(Fetched::Skipped),
        Err(e) => return Err(e),
    };
    let files = cache.files().clone();
    let hash = wanted.hash.clone();
    let written = tokio::task::spawn_blocking(move || files.write(&hash, &image.bytes))
        .await
        .map_err(|e| ClientError::Cache(format!("writing an image: {e}")))?;
    match written {
        Ok(()) => {}
        Err(ClientError::InvalidSyncData(reason)) => {
            tracing::warn!(image = %wanted.image_id, %reason, "a downloaded file did not match its hash");
            return Ok(Fetched::Skipped);
        }
        Err(e) => return Err(e),
    }
    cache
        .mark_cached(&wanted.hash, wanted.variant == ImageVariant::Original)
        .await?;
    Ok(Fetched::Stored)
}

impl SyncEngine {
    /// What should be on disk and is not: thumbnails, then originals within the budget.
    async fn wanted(&self) -> Result<Vec<Wanted>, ClientError> {
        let thumbnails = self.cache.missing_thumbnails().await?;
        let upload_thumbnails = self.cache.missing_upload_thumbnails().await?;
        let originals = self.cache.originals_to_fetch().await?;
        let wanted = |variant, upload| {
            move |(image_id, hash)| Wanted {
                image_id,
                upload,
                hash,
                variant,
            }
        };
        Ok(thumbnails
            .into_iter()
            .map(wanted(ImageVariant::Thumbnail, false))
            .chain(
                upload_thumbnails
                    .into_iter()
                    .map(wanted(ImageVariant::Thumbnail, true)),
            )
            .chain(
                originals
                    .into_iter()
                    .map(wanted(ImageVariant::Original, false)),
            )
            .collect())
    }

    pub(super) async fn fetch_files(
        &self,
        token: &SessionToken,
        report: &mut SyncReport,
    ) -> Result<(), ClientError> {
        let wanted = self.wanted().await?;
        let total = wanted.len() as u32;
        if total == 0 {
            return Ok(());
        }
        let mut done = 0;
        self.update(|s| s.progress = Some(SyncProgress { done, total }));
        let mut queue = wanted.into_iter();
        let mut running = JoinSet::new();
        let mut first_error = None;
        loop {
            while first_error.is_none() && running.len() < self.options.concurrency.max(1) {
                let Some(next) = queue.next() else { break };
                let variant = next.variant;
                running.spawn(
                    fetch_one(self.cache.clone(), self.api.clone(), token.clone(), next)
                        .await_with(variant),
                );
            }
            let Some(joined) = running.join_next().await else {
                break;
            };
            done += 1;
            match joined {
                Ok((Ok(Fetched::Stored), ImageVariant::Thumbnail)) => report.thumbnails += 1,
                Ok((Ok(Fetched::Stored), ImageVariant::Original)) => report.originals += 1,
                Ok((Ok(Fetched::Skipped), _)) => report.failed += 1,
                // The first failure stops new fetches; those running finish.
                Ok((Err(e), _)) => {
                    first_error.get_or_insert(e);
                }
                Err(e) => {
                    first_error
                        .get_or_insert(ClientError::Cache(format!("a download task failed: {e}")));
                }
            }
            self.update(|s| s.progress = Some(SyncProgress { done, total }));
        }
        first_error.map_or(Ok(()), Err)
    }

    /// The original of `image_id`: from the cache when it is there and intact, else fetched
    /// (and kept, evicting older ones over the budget). Marks it viewed.
    pub async fn original(
        &self,
        token: Option<&SessionToken>,
        image_id: &str,
    ) -> Result<crate::api::ImageBytes, ClientError> {
        let Some((hash, content_type)) = self.cache.original_file(image_id).await? else {
            return Err(ClientError::api(ErrorCode::NotFound, "no such image"));
        };
        self.cache.touch_original(image_id).await?;
        if let Some(bytes) = self.cache.files().read_verified(&hash) {
            return Ok(crate::api::ImageBytes {
                content_type,
                bytes: bytes.into(),
            });
        }
        let Some(token) = token else {
            return Err(ClientError::api(
                ErrorCode::Unauthenticated,
                "sign in to fetch this image",
            ));
        };
        self.cache.mark_missing(&hash, true).await?;
        let wanted = Wanted {
            image_id: image_id.to_owned(),
            upload: false,
            hash: hash.clone(),
            variant: ImageVariant::Original,
        };
        fetch_one(self.cache.clone(), self.api.clone(), token.clone(), wanted).await?;
        self.cache.evict_originals().await?;
        // Evicted at once only if the budget cannot hold even this one; serve it anyway.
        let bytes = match self.cache.files().read_verified(&hash) {
            Some(bytes) => bytes.into(),
            None => {
                self.api
                    .image(token, image_id, ImageVariant::Original)
                    .await?
                    .bytes
            }
        };
        Ok(crate::api::ImageBytes {
            content_type,
            bytes,
        })
    }

    /// A thumbnail from the cache, verified; `None` when it is not (or no longer) there.
    pub async fn thumbnail(
        &self,
        image_id: &str,
    ) -> Result<Option<crate::api::ImageBytes>, ClientError> {
        let Some(hash) = self.cache.thumbnail_file(image_id).await? else {
            return Ok(None);
        };
        match self.cache.files().read_verified(&hash) {
            Some(bytes) => Ok(Some(crate::api::ImageBytes {
                content_type: "image/jpeg".into(),
                bytes: bytes.into(),
            })),
            None => {
                self.cache.mark_missing(&hash, false).await?;
                Ok(None)
            }
        }
    }
}

/// Pairs a future's output with a tag, so a finished task says what it was.
trait AwaitWith: std::future::Future + Sized {
    fn await_with<T>(self, tag: T) -> impl std::future::Future<Output = (Self::Output, T)> {
        async move { (self.await, tag) }
    }
}

impl<F: std::future::Future> AwaitWith for F {}
