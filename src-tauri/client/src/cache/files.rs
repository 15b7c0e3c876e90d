//! Image files, content-addressed: `files/ab/cd/<sha256>`. A file is written to a temporary name,
//! checked against its hash, flushed to disk and renamed into place, so a crash leaves either the
//! whole verified file or a temporary one that the integrity check removes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use crate::error::ClientError;

/// Suffix of files being written; never a valid name in the store.
const PARTIAL: &str = ".partial";
/// Numbers each write's temporary file within this process.
static WRITES: AtomicU64 = AtomicU64::new(0);

#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

/// A hex SHA-256 as the service sends it: 64 lowercase hex digits, nothing that could be a path.
pub fn is_sha256(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl FileStore {
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the file of `hash` lives; `None` for anything that is not a SHA-256.
    pub fn path(&self, hash: &str) -> Option<PathBuf> {
        is_sha256(hash).then(|| self.root.join(&hash[..2]).join(&hash[2..4]).join(hash))
    }

    /// Whether the file is there with the expected size (cheap; see [`Self::read_verified`]).
    pub fn has(&self, hash: &str, size: u64) -> bool {
        self.path(hash)
            .and_then(|p| std::fs::metadata(p).ok())
            .is_some_and(|m| m.is_file() && m.len() == size)
    }

    /// Stores `bytes` under `hash`, refusing bytes that do not hash to it.
    pub fn write(&self, hash: &str, bytes: &[u8]) -> Result<(), ClientError> {
        let path = self
            .path(hash)
            .ok_or_else(|| ClientError::InvalidSyncData(format!("not a SHA-256: {hash:?}")))?;
        if sha256_hex(bytes) != hash {
            return Err(ClientError::InvalidSyncData(format!(
                "the downloaded file does not match its SHA-256 {hash}"
            )));
        }
        let dir = path.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir).map_err(|e| io("creating the image folder", e))?;
        // A temporary name of this write's own: two writers of the same file (a sync and an
        // upload storing one thumbnail) would otherwise write into one temporary file and the
        // second rename would find it gone.
        let temp = dir.join(format!("{hash}.{}{PARTIAL}", unique_suffix()));
        let written = std::fs::File::create(&temp).and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        });
        let renamed = written.and_then(|()| std::fs::rename(&temp, &path));
        match renamed {
            Ok(()) => Ok(()),
            // The same bytes are there already (another writer won, and Windows refuses to
            // replace a file that is open): the file is what it should be.
            Err(_) if self.read_verified(hash).is_some() => {
                let _ = std::fs::remove_file(&temp);
                Ok(())
            }
            Err(e) => {
                let _ = std::fs::remove_file(&temp);
                Err(io("writing an image", e))
            }
        }
    }

    /// The file's bytes if they still hash to `hash`; a corrupt file is removed and `None` returned.
    pub fn read_verified(&self, hash: &str) -> Option<Vec<u8>> {
        let path = self.path(hash)?;
        let bytes = std::fs::read(&path).ok()?;
        if sha256_hex(&bytes) == hash {
            Some(bytes)
        } else {
            tracing::warn!(%hash, "a cached file is corrupt; removing it");
            let _ = std::fs::remove_file(&path);
            None
        }
    }

    pub fn remove(&self, hash: &str) {
        if let Some(path) = self.path(hash) {
            let _ = std::fs::remove_file(path);
        }
    }

    /// Every file in the store: `(hash, size)` of complete files, and the paths of leftovers
    /// (temporary files of an interrupted write, anything that is not ours). The grid
    /// thumbnails' folder is not looked into ([`super::grid`]: copies made from these files).
    pub fn scan(&self) -> (Vec<(String, u64)>, Vec<PathBuf>) {
        let mut files = Vec::new();
        let mut leftovers = Vec::new();
        let mut stack = vec![self.root.clone()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(meta) = entry.metadata() else { continue };
                if meta.is_dir() {
                    // Grid thumbnails are made from the files, not content-addressed: not ours.
                    if path != self.root.join(super::grid::GRID_FOLDER) {
                        stack.push(path);
                    }
                    continue;
                }
                let name = entry.file_name().to_string_lossy().into_owned();
                if self.path(&name).as_deref() == Some(path.as_path()) {
                    files.push((name, meta.len()));
                } else {
                    leftovers.push(path);
                }
            }
        }
        (files, leftovers)
    }

    /// Bytes used by the store.
    pub fn size(&self) -> u64 {
        self.scan().0.iter().map(|(_, s)| s).sum()
    }
}

fn io(what: &str, e: std::io::Error) -> ClientError {
    ClientError::Cache(format!("{what}: {e}"))
}

/// A name part no other write of this process, or of another process, is using now.
pub(crate) fn unique_suffix() -> String {
    let n = WRITES.fetch_add(1, Ordering::Relaxed);
    format!("{}-{n}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_sharded_by_hash_and_verified() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("files"));
        let bytes = b"an image";
        let hash = sha256_hex(bytes);
        store.write(&hash, bytes).unwrap();
        let path = store.path(&hash).unwrap();
        assert!(path.ends_with(format!("{}/{}/{hash}", &hash[..2], &hash[2..4])));
        assert_eq!(store.read_verified(&hash).unwrap(), bytes);
        assert!(store.write(&hash, b"other bytes").is_err());
        std::fs::write(&path, b"bit rot").unwrap();
        assert_eq!(store.read_verified(&hash), None);
        assert!(!path.exists(), "a corrupt file is removed");
    }

    #[test]
    fn writers_of_the_same_file_at_once_all_succeed_and_leave_no_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().to_owned());
        let bytes = vec![7u8; 256 * 1024];
        let hash = sha256_hex(&bytes);
        std::thread::scope(|s| {
            let writers: Vec<_> = (0..8)
                .map(|_| s.spawn(|| (0..20).try_for_each(|_| store.write(&hash, &bytes))))
                .collect();
            for writer in writers {
                writer.join().unwrap().unwrap();
            }
        });
        assert_eq!(store.read_verified(&hash).unwrap(), bytes);
        assert_eq!(store.scan(), (vec![(hash, bytes.len() as u64)], vec![]));
    }

    #[test]
    fn only_hashes_name_files() {
        let store = FileStore::new(PathBuf::from("/x"));
        for bad in ["../../etc/passwd", "", &"A".repeat(64), &"0".repeat(63)] {
            assert!(store.path(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_scan_tells_files_from_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().to_owned());
        let hash = sha256_hex(b"x");
        store.write(&hash, b"x").unwrap();
        let stray = store
            .path(&hash)
            .unwrap()
            .with_file_name(format!("{hash}{PARTIAL}"));
        std::fs::write(&stray, b"half").unwrap();
        let (files, leftovers) = store.scan();
        assert_eq!(files, vec![(hash, 1)]);
        assert_eq!(leftovers, vec![stray]);
    }
}
