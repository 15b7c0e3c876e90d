//! The zip being written, on a thread of its own (file I/O and deflate block). It is written to
//! a hidden temporary file beside the target and renamed over it only once complete and on disk,
//! so the target never holds half an export; dropped unfinished (an error, a cancel), the
//! temporary file is deleted.

use std::io::Write;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;
use tokio::sync::{mpsc, oneshot};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::layout::utc;
use crate::error::ClientError;

/// One file of the archive.
pub struct Entry {
    pub name: String,
    pub bytes: Vec<u8>,
    /// Deflate (text) or store (PNGs, which are compressed already).
    pub deflate: bool,
    /// Milliseconds since the epoch, shown as the file's time.
    pub modified_ms: i64,
}

enum Message {
    Entry(Entry),
    Finish(oneshot::Sender<Result<u64, ClientError>>),
}

/// The writing side: send entries, then `finish`. Dropping it abandons the file.
pub struct ZipFile {
    sender: mpsc::Sender<Message>,
    thread: tokio::task::JoinHandle<Result<(), ClientError>>,
}

const PART_PREFIX: &str = ".atelier-export-";
const PART_SUFFIX: &str = ".part";
/// A temporary file this old is no export still running: a crash or a power cut left it.
const STALE_PART: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Deletes the temporary files of exports that never finished (the process died before it could
/// remove them), so they do not pile up hidden in a person's folder. Best effort.
fn remove_stale_parts(folder: &Path) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(PART_PREFIX) && name.ends_with(PART_SUFFIX)) {
            continue;
        }
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > STALE_PART);
        if stale && let Err(e) = std::fs::remove_file(entry.path()) {
            tracing::info!(error = %e, "could not remove an old export's temporary file");
        }
    }
}

fn unwritable(target: &Path, e: impl std::fmt::Display) -> ClientError {
    ClientError::ExportTarget(format!("{}: {e}", target.display()))
}

impl ZipFile {
    /// Creates the temporary file beside `target` (so the final rename stays on one file system).
    pub fn create(target: &Path) -> Result<Self, ClientError> {
        let folder = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if target.file_name().is_none() {
            return Err(unwritable(target, "not a file name"));
        }
        remove_stale_parts(&folder);
        let temp = tempfile::Builder::new()
            .prefix(PART_PREFIX)
            .suffix(PART_SUFFIX)
            .tempfile_in(&folder)
            .map_err(|e| unwritable(&folder, e))?;
        // A few entries in flight: enough to overlap downloads with writing, little memory.
        let (sender, receiver) = mpsc::channel(4);
        let target = target.to_path_buf();
        let thread = tokio::task::spawn_blocking(move || write(temp, receiver, &target));
        Ok(Self { sender, thread })
    }

    /// Queues one entry; waits while the writer is behind.
    pub async fn add(&self, entry: Entry) -> Result<(), ClientError> {
        if self.sender.send(Message::Entry(entry)).await.is_err() {
            // The writer stopped on an error: `abandon` or `finish` reports it.
            return Err(ClientError::ExportTarget("the writer stopped".into()));
        }
        Ok(())
    }

    /// Completes the archive, syncs it to disk and renames it to the target: its size.
    pub async fn finish(self) -> Result<u64, ClientError> {
        let (done, result) = oneshot::channel();
        // Fails only when the writer already stopped on an error, which joining it reports.
        let _ = self.sender.send(Message::Finish(done)).await;
        drop(self.sender);
        join(self.thread).await?;
        result
            .await
            .unwrap_or_else(|_| Err(ClientError::ExportTarget("the writer stopped".into())))
    }

    /// Stops writing and deletes the temporary file; answers the writer's own error, if any.
    pub async fn abandon(self) -> Result<(), ClientError> {
        drop(self.sender);
        join(self.thread).await
    }
}

async fn join(thread: tokio::task::JoinHandle<Result<(), ClientError>>) -> Result<(), ClientError> {
    thread
        .await
        .map_err(|e| ClientError::ExportTarget(format!("the writer failed: {e}")))?
}

fn zip_time(ms: i64) -> DateTime {
    use chrono::{Datelike, Timelike};
    let t = utc(ms);
    // Zip times start in 1980; anything earlier shows as that.
    DateTime::from_date_and_time(
        t.year().clamp(1980, 2107) as u16,
        t.month() as u8,
        t.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
    )
    .unwrap_or_default()
}

/// The writer thread: entries until `Finish` (or until the sender is dropped: abandoned).
fn write(
    temp: NamedTempFile,
    mut receiver: mpsc::Receiver<Message>,
    target: &Path,
) -> Result<(), ClientError> {
    let fail = |e: &dyn std::fmt::Display| unwritable(target, e);
    let file = temp.reopen().map_err(|e| fail(&e))?;
    let mut zip = ZipWriter::new(file);
    while let Some(message) = receiver.blocking_recv() {
        match message {
            Message::Entry(entry) => {
                let method = if entry.deflate {
                    CompressionMethod::Deflated
                } else {
                    CompressionMethod::Stored
                };
                let options = SimpleFileOptions::default()
                    .compression_method(method)
                    .last_modified_time(zip_time(entry.modified_ms));
                zip.start_file(entry.name.as_str(), options)
                    .map_err(|e| fail(&e))?;
                zip.write_all(&entry.bytes).map_err(|e| fail(&e))?;
            }
            Message::Finish(done) => {
                let result = finish(zip, temp, target);
                let _ = done.send(result);
                return Ok(());
            }
        }
    }
    // Abandoned: `temp` is dropped here, which deletes the file.
    Ok(())
}

fn finish(
    zip: ZipWriter<std::fs::File>,
    temp: NamedTempFile,
    target: &Path,
) -> Result<u64, ClientError> {
    let fail = |e: &dyn std::fmt::Display| unwritable(target, e);
    let file = zip.finish().map_err(|e| fail(&e))?;
    file.sync_all().map_err(|e| fail(&e))?;
    let size = file.metadata().map_err(|e| fail(&e))?.len();
    drop(file);
    temp.persist(target).map_err(|e| fail(&e.error))?;
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_crashed_exports_old_temporary_file_is_removed_and_a_recent_one_kept() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join(".atelier-export-crashed.part");
        let recent = dir.path().join(".atelier-export-running.part");
        let mine = dir.path().join("notes.part");
        for path in [&old, &recent, &mine] {
            std::fs::write(path, b"partial").unwrap();
        }
        let two_days_ago = std::time::SystemTime::now() - 2 * STALE_PART;
        for path in [&old, &mine] {
            std::fs::File::options()
                .write(true)
                .open(path)
                .unwrap()
                .set_modified(two_days_ago)
                .unwrap();
        }

        let zip = ZipFile::create(&dir.path().join("export.zip")).unwrap();
        zip.abandon().await.unwrap();

        assert!(!old.exists(), "the crashed export's file is gone");
        assert!(
            recent.exists(),
            "a recent one may be another export running"
        );
        assert!(mine.exists(), "files that are not ours stay");
    }
}
