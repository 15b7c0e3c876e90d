//! Everything Atelier keeps in its data folder, and removing all of it when the account is
//! deleted. Only the entries Atelier itself writes are removed, one by one: `ATELIER_DATA_DIR`
//! may point anywhere, and a person's own files left there are not ours to delete.

use std::io::ErrorKind;
use std::path::Path;

use crate::error::ClientError;

/// Every file and folder the app writes in its data folder. A new one belongs here, or deleting
/// an account would leave it behind (the account-deletion test lists the folder afterwards).
pub const OWNED_ENTRIES: &[&str] = &[
    // The cache database and SQLite's write-ahead log and shared-memory index beside it.
    "cache.sqlite",
    "cache.sqlite-wal",
    "cache.sqlite-shm",
    "cache.sqlite-journal",
    // Content-addressed image files.
    "files",
    // Originals handed to other applications by drag (crate::library::outgoing).
    "outgoing",
    // Analytics consent and the analytics id (crate::telemetry).
    "privacy.json",
    "privacy.json.partial",
];

/// Removes every entry of [`OWNED_ENTRIES`] from `dir`, then `dir` itself when nothing else is
/// left in it. A missing folder or entry is not an error: removing twice is removing once.
pub fn remove(dir: &Path) -> Result<(), ClientError> {
    for name in OWNED_ENTRIES {
        let path = dir.join(name);
        let removed = match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(&path),
            Ok(_) => std::fs::remove_file(&path),
            Err(e) => Err(e),
        };
        match removed {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => {
                return Err(ClientError::Cache(format!(
                    "removing {}: {e}",
                    path.display()
                )));
            }
        }
    }
    match std::fs::remove_dir(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        // Something that is not ours is still there: it stays, and so does the folder.
        Err(e) if e.kind() == ErrorKind::DirectoryNotEmpty => Ok(()),
        Err(e) => Err(ClientError::Cache(format!(
            "removing {}: {e}",
            dir.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_what_is_ours_and_the_folder() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("Atelier");
        std::fs::create_dir_all(dir.join("files/ab/cd")).unwrap();
        std::fs::write(dir.join("files/ab/cd/abcd"), b"png").unwrap();
        std::fs::write(dir.join("cache.sqlite"), b"db").unwrap();
        std::fs::write(dir.join("cache.sqlite-wal"), b"wal").unwrap();
        std::fs::write(dir.join("privacy.json"), b"{}").unwrap();
        remove(&dir).unwrap();
        assert!(!dir.exists());
        // Again, with nothing there: still fine.
        remove(&dir).unwrap();
    }

    #[test]
    fn leaves_files_that_are_not_ours() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("cache.sqlite"), b"db").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"mine").unwrap();
        remove(dir.path()).unwrap();
        assert!(!dir.path().join("cache.sqlite").exists());
        assert_eq!(
            std::fs::read(dir.path().join("notes.txt")).unwrap(),
            b"mine"
        );
    }
}
