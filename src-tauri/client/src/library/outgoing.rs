//! Images leaving the app as files: a tile dragged out of the gallery into another application
//! (a file manager, an editor, a chat) carries a `file://` URL, so the original must be a real
//! file with a name and an extension other applications understand. Those files sit in the
//! library's `outgoing` folder, are made when a drag may begin, and are cleared when the library
//! opens and closes (another application may read one lazily, after the drop, so not sooner).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Library;
use crate::api::ImageVariant;
use crate::auth::Auth;
use crate::error::ClientError;

/// The folder of the library's directory that holds them.
const OUTGOING_FOLDER: &str = "outgoing";

/// A file another application can take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OutgoingFile {
    pub path: String,
    /// `path` as a `file://` URL, escaped for the platform (what a drag's `text/uri-list` holds).
    pub url: String,
}

/// The extension an image's bytes (never the service's word) call for.
pub fn extension(bytes: &[u8]) -> &'static str {
    match crate::image_bytes::content_type(bytes) {
        Some("image/jpeg") => "jpg",
        Some("image/webp") => "webp",
        _ => "png",
    }
}

/// The name an image is given outside the app: short, stable, with its [`extension`].
pub fn file_name(image_id: &str, bytes: &[u8]) -> String {
    let short: String = image_id.chars().take(8).collect();
    format!("atelier-{short}.{}", extension(bytes))
}

impl Library {
    /// The original of `image_id` as a file of the outgoing folder (fetched first if the cache
    /// does not hold it), the same file for every drag of the same image.
    pub async fn outgoing_file(
        &self,
        auth: &Auth,
        image_id: &str,
    ) -> Result<OutgoingFile, ClientError> {
        let image = self.image(auth, ImageVariant::Original, image_id).await?;
        let dir = self.outgoing_dir();
        let path = dir.join(file_name(image_id, &image.bytes));
        let unchanged = tokio::fs::metadata(&path)
            .await
            .is_ok_and(|m| m.len() == image.bytes.len() as u64);
        if !unchanged {
            write_whole(&dir, &path, &image.bytes).await?;
        }
        let url = url::Url::from_file_path(&path).map_err(|()| {
            ClientError::Cache(format!("not an absolute path: {}", path.display()))
        })?;
        Ok(OutgoingFile {
            path: path.display().to_string(),
            url: url.to_string(),
        })
    }

    /// Removes what earlier drags left.
    pub async fn clear_outgoing(&self) {
        match tokio::fs::remove_dir_all(self.outgoing_dir()).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(error = %e, "the outgoing folder stays"),
        }
    }

    fn outgoing_dir(&self) -> PathBuf {
        self.cache().dir().join(OUTGOING_FOLDER)
    }
}

/// Writes `bytes` under a temporary name and renames it into place: an application reading the
/// file never sees half of it.
async fn write_whole(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), ClientError> {
    let io = |e: std::io::Error| ClientError::Cache(format!("an outgoing file: {e}"));
    tokio::fs::create_dir_all(dir).await.map_err(io)?;
    let temporary = dir.join(format!(".{}.part", crate::cache::files::unique_suffix()));
    tokio::fs::write(&temporary, bytes).await.map_err(io)?;
    tokio::fs::rename(&temporary, path).await.map_err(io)
}
