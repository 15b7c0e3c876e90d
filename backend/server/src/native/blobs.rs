//! The blob port on a folder: `objects/<key>` holds the bytes, `meta/<key>` the content type.
//! Writes go to `tmp/`, are fsynced, then renamed into place, so a reader or a crash sees the old
//! object or the new one, never a torn file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use bytes::Bytes;

use super::NativePlatform;
use crate::platform::{Blob, BlobKey, BlobPage, Blobs, PlatformError, injected_fault};

#[derive(Debug)]
pub(super) struct BlobFolder {
    root: PathBuf,
}

fn blob_error(e: impl std::fmt::Display) -> PlatformError {
    PlatformError::Blob(e.to_string())
}

const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

impl BlobFolder {
    pub(super) fn open(root: &Path) -> std::io::Result<Self> {
        for sub in ["objects", "meta", "tmp"] {
            std::fs::create_dir_all(root.join(sub))?;
        }
        Ok(Self {
            root: root.to_owned(),
        })
    }

    fn object(&self, key: &BlobKey) -> PathBuf {
        self.root.join("objects").join(key.as_str())
    }

    fn meta(&self, key: &BlobKey) -> PathBuf {
        self.root.join("meta").join(key.as_str())
    }

    fn write_atomically(&self, dest: &Path, bytes: &[u8]) -> std::io::Result<()> {
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut tmp = tempfile_in(&self.root.join("tmp"))?;
        tmp.1.write_all(bytes)?;
        tmp.1.sync_all()?;
        std::fs::rename(&tmp.0, dest)?;
        // The rename is durable only once the directory entry is.
        if let Some(parent) = dest.parent() {
            std::fs::File::open(parent)?.sync_all()?;
        }
        Ok(())
    }

    fn put(&self, key: &BlobKey, bytes: &[u8], content_type: &str) -> std::io::Result<()> {
        self.write_atomically(&self.meta(key), content_type.as_bytes())?;
        self.write_atomically(&self.object(key), bytes)
    }

    fn get(&self, key: &BlobKey) -> std::io::Result<Option<Blob>> {
        let bytes = match std::fs::read(self.object(key)) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let content_type = std::fs::read_to_string(self.meta(key))
            .unwrap_or_else(|_| DEFAULT_CONTENT_TYPE.to_owned());
        Ok(Some(Blob {
            bytes: Bytes::from(bytes),
            content_type,
        }))
    }

    fn delete(&self, key: &BlobKey) -> std::io::Result<()> {
        for (path, base) in [
            (self.object(key), self.root.join("objects")),
            (self.meta(key), self.root.join("meta")),
        ] {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
            remove_empty_parents(&path, &base);
        }
        Ok(())
    }

    /// Every key under `objects/`, sorted. Folders are walked whole; fine at a desktop's scale.
    fn all_keys(&self) -> std::io::Result<Vec<String>> {
        let base = self.root.join("objects");
        let mut keys = Vec::new();
        let mut stack = vec![base.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir)? {
                let entry = entry?;
                let path = entry.path();
                if entry.file_type()?.is_dir() {
                    stack.push(path);
                } else if let Ok(rel) = path.strip_prefix(&base) {
                    keys.push(
                        rel.to_string_lossy()
                            .replace(std::path::MAIN_SEPARATOR, "/"),
                    );
                }
            }
        }
        keys.sort();
        Ok(keys)
    }
}

/// Removes the folders a deleted key leaves empty, up to `base`: their names are the key's
/// segments (an account id among them), which must not outlive the objects.
fn remove_empty_parents(path: &Path, base: &Path) {
    let mut dir = path.parent();
    while let Some(d) = dir.filter(|d| d.starts_with(base) && *d != base) {
        // Fails (and stops) at the first folder that still holds something.
        if std::fs::remove_dir(d).is_err() {
            return;
        }
        dir = d.parent();
    }
}

/// A uniquely named file in `dir`, opened for writing.
fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let mut name = [0u8; 12];
    getrandom::getrandom(&mut name).map_err(std::io::Error::other)?;
    let path = dir.join(name.iter().map(|b| format!("{b:02x}")).collect::<String>());
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    Ok((path, file))
}

/// Runs blocking file work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> Result<T, PlatformError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(blob_error)?
        .map_err(blob_error)
}

impl NativePlatform {
    /// Test mode's injected failures, rolled once per operation.
    fn blob_fault(&self) -> Result<(), PlatformError> {
        let ppm = self.inner.blob_failure_ppm.load(Ordering::Relaxed);
        if ppm == 0 {
            return Ok(());
        }
        let mut roll = [0u8; 4];
        getrandom::getrandom(&mut roll).map_err(blob_error)?;
        injected_fault(ppm, u32::from_le_bytes(roll))
    }
}

impl Blobs for NativePlatform {
    async fn blob_put(
        &self,
        key: &BlobKey,
        bytes: Bytes,
        content_type: &str,
    ) -> Result<(), PlatformError> {
        self.blob_fault()?;
        let (this, key, content_type) = (self.clone(), key.clone(), content_type.to_owned());
        blocking(move || this.inner.blobs.put(&key, &bytes, &content_type)).await
    }

    async fn blob_get(&self, key: &BlobKey) -> Result<Option<Blob>, PlatformError> {
        self.blob_fault()?;
        let (this, key) = (self.clone(), key.clone());
        blocking(move || this.inner.blobs.get(&key)).await
    }

    async fn blob_delete(&self, keys: &[BlobKey]) -> Result<(), PlatformError> {
        self.blob_fault()?;
        if keys.len() > crate::platform::MAX_DELETE_KEYS {
            return Err(PlatformError::Invalid(format!(
                "{} keys in one delete",
                keys.len()
            )));
        }
        let (this, keys) = (self.clone(), keys.to_vec());
        blocking(move || keys.iter().try_for_each(|k| this.inner.blobs.delete(k))).await
    }

    async fn blob_list(
        &self,
        prefix: &str,
        cursor: Option<String>,
        limit: u32,
    ) -> Result<BlobPage, PlatformError> {
        self.blob_fault()?;
        let (this, prefix) = (self.clone(), prefix.to_owned());
        let limit = limit.clamp(1, 1_000) as usize;
        let all = blocking(move || this.inner.blobs.all_keys()).await?;
        let after = cursor.unwrap_or_default();
        let mut page: Vec<String> = all
            .into_iter()
            .filter(|k| k.starts_with(&prefix) && *k > after)
            .take(limit + 1)
            .collect();
        let more = page.len() > limit;
        page.truncate(limit);
        let cursor = if more { page.last().cloned() } else { None };
        let keys = page
            .into_iter()
            .map(BlobKey::new)
            .collect::<Result<_, _>>()?;
        Ok(BlobPage { keys, cursor })
    }
}
