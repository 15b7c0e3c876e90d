//! The integrity check run at start: the database against the files. It repairs what it can
//! (forgets files that are missing or the wrong size so sync fetches them again, adopts files
//! that are there, removes leftovers of interrupted writes and files nothing refers to) and
//! reports what it cannot (a damaged database).

use std::collections::HashMap;

use serde::Serialize;

use super::Cache;
use crate::error::ClientError;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct IntegrityReport {
    pub images: u32,
    /// Files marked present that were not (or not whole): to be fetched again.
    pub missing_files: u32,
    /// Files present but not marked: adopted.
    pub adopted_files: u32,
    /// Files no image refers to, and temporary files of interrupted writes: removed.
    pub removed_files: u32,
    /// What could not be repaired here, in words.
    pub problems: Vec<String>,
}

impl IntegrityReport {
    pub fn is_clean(&self) -> bool {
        self.missing_files == 0
            && self.adopted_files == 0
            && self.removed_files == 0
            && self.problems.is_empty()
    }
}

impl Cache {
    pub async fn check_integrity(&self) -> Result<IntegrityReport, ClientError> {
        let mut report = IntegrityReport::default();
        let verdict: String = sqlx::query_scalar("PRAGMA quick_check")
            .fetch_one(&self.pool)
            .await?;
        if verdict != "ok" {
            report
                .problems
                .push(format!("the cache database is damaged: {verdict}"));
        }
        let (files, leftovers) = self.files.scan();
        for path in leftovers {
            if std::fs::remove_file(&path).is_ok() {
                report.removed_files += 1;
            } else {
                report
                    .problems
                    .push(format!("cannot remove {}", path.display()));
            }
        }
        let on_disk: HashMap<String, u64> = files.into_iter().collect();
        let rows: Vec<(String, String, i64, bool, String, i64, bool)> = sqlx::query_as(
            "SELECT id, thumbnail_sha256, thumbnail_bytes, thumbnail_cached, sha256, bytes, original_cached FROM images",
        )
        .fetch_all(&self.pool)
        .await?;
        report.images = rows.len() as u32;
        let mut referenced = std::collections::HashSet::new();
        let mut tx = self.pool.begin().await?;
        for (id, thumb_hash, thumb_size, thumb_cached, hash, size, cached) in rows {
            for (column, file_hash, file_size, marked) in [
                ("thumbnail_cached", &thumb_hash, thumb_size, thumb_cached),
                ("original_cached", &hash, size, cached),
            ] {
                let present = on_disk.get(file_hash) == Some(&(file_size as u64));
                if present != marked {
                    sqlx::query(&format!("UPDATE images SET {column} = ? WHERE id = ?"))
                        .bind(present)
                        .bind(&id)
                        .execute(&mut *tx)
                        .await?;
                    if present {
                        report.adopted_files += 1;
                    } else {
                        report.missing_files += 1;
                    }
                }
            }
            referenced.insert(thumb_hash);
            referenced.insert(hash);
        }
        tx.commit().await?;
        for (hash, _) in on_disk {
            if !referenced.contains(&hash) {
                self.files.remove(&hash);
                report.removed_files += 1;
            }
        }
        Ok(report)
    }
}
