//! The desktop's library: the cache and its sync engine for the signed-in account (with its
//! live watch on the service's changes), and the one place the app asks for an image's bytes
//! (cache first, the service when it must).

mod live;
pub mod outgoing;
mod signed_in;
mod uploads;

use std::path::Path;
use std::sync::Arc;

pub use live::LiveEnd;
pub use signed_in::{DataDir, ForAccount, SignedInLibrary};

use atelier_api::ErrorCode;

use crate::api::{ImageBytes, ImageVariant, is_valid_id};
use crate::auth::Auth;
use crate::cache::Cache;
use crate::cache::integrity::IntegrityReport;
use crate::error::ClientError;
use crate::sync::{SyncEngine, SyncOptions, SyncReport};

/// A grid tile's image, and whether it may be kept for good under the grid's URL.
#[derive(Debug)]
pub struct GridImage {
    pub bytes: Vec<u8>,
    pub keep: bool,
}

#[derive(Clone)]
pub struct Library {
    engine: SyncEngine,
    integrity: IntegrityReport,
    live: Arc<live::LiveSlot>,
}

impl Library {
    /// Opens the cache in `dir` and checks it against its files, repairing what it can.
    pub async fn open(dir: &Path, api: crate::ApiClient) -> Result<Self, ClientError> {
        let cache = Cache::open(dir).await?;
        let integrity = cache.check_integrity().await?;
        if !integrity.is_clean() {
            tracing::warn!(report = ?integrity, "the cache needed repairs");
        }
        let library = Self {
            engine: SyncEngine::new(cache, api, SyncOptions::default()),
            integrity,
            live: Arc::default(),
        };
        library.clear_outgoing().await;
        Ok(library)
    }

    pub fn cache(&self) -> &Cache {
        self.engine.cache()
    }

    pub fn engine(&self) -> &SyncEngine {
        &self.engine
    }

    /// Whether `other` is a handle on this very library (after the account is deleted, the
    /// app opens a new one).
    pub fn same_as(&self, other: &Self) -> bool {
        self.engine.same_as(&other.engine)
    }

    /// Stops its live watch for good and closes the cache (signed out). Other handles on this
    /// library fail from now on.
    pub async fn close(&self) {
        self.live.stop(true).await;
        self.clear_outgoing().await;
        self.cache().close().await;
    }

    /// Closes the library and removes everything the app keeps in its data folder (the account
    /// was deleted). Other handles on this library fail from now on; open a new one to go on.
    pub async fn close_and_remove(self) -> Result<(), ClientError> {
        self.close().await;
        crate::device_data::remove(self.cache().dir())
    }

    /// What the check at opening found.
    pub fn integrity(&self) -> &IntegrityReport {
        &self.integrity
    }

    /// One sync pass for whoever is signed in (a cache of another account is wiped first).
    pub async fn sync(&self, auth: &Auth) -> Result<SyncReport, ClientError> {
        let user =
            auth.state().await.user.ok_or_else(|| {
                ClientError::api(ErrorCode::Unauthenticated, "nobody is signed in")
            })?;
        self.cache().bind_account(&user.id).await?;
        self.engine.run(&auth.token().await?).await
    }

    /// What the gallery's grid shows for `id`: its grid-sized thumbnail, or until that can be
    /// made (the thumbnail not synced yet) the thumbnail itself, which the webview must not keep
    /// under the grid's URL or it would hold a 512 px image there for as long as the page lives.
    pub async fn grid_image(&self, auth: &Auth, id: &str) -> Result<GridImage, ClientError> {
        match self.cache().grid_thumbnail(id).await {
            Ok(Some(bytes)) => return Ok(GridImage { bytes, keep: true }),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "no grid thumbnail; serving the thumbnail"),
        }
        let stand_in = self.image(auth, ImageVariant::Thumbnail, id).await?;
        Ok(GridImage {
            bytes: stand_in.bytes.to_vec(),
            keep: false,
        })
    }

    /// An image's bytes: from the cache when it holds them, else from the service.
    pub async fn image(
        &self,
        auth: &Auth,
        variant: ImageVariant,
        id: &str,
    ) -> Result<ImageBytes, ClientError> {
        if !is_valid_id(id) {
            return Err(ClientError::api(ErrorCode::NotFound, "no such image"));
        }
        let known = self.cache().original_file(id).await?.is_some();
        match variant {
            ImageVariant::Thumbnail => {
                if let Some(bytes) = self.engine.thumbnail(id).await? {
                    return Ok(bytes);
                }
                // An upload (an input chip in the composer) is shown like an image.
                if !known && let Some(bytes) = self.upload_thumbnail(auth, id).await? {
                    return Ok(bytes);
                }
            }
            ImageVariant::Original if known => {
                let token = auth.token().await.ok();
                return self.engine.original(token.as_ref(), id).await;
            }
            ImageVariant::Original => {}
        }
        // Not synced yet (a generation that just finished), or a thumbnail to fetch again.
        auth.api().image(&auth.token().await?, id, variant).await
    }
}
