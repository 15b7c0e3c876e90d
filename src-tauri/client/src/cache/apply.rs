//! Applying a page of sync changes: checked whole first (hostile data changes nothing), then
//! written in one transaction together with the cursor, so a crash leaves either the page and
//! its cursor or neither.

use std::collections::HashSet;

use atelier_api::credits::LedgerEntry;
use atelier_api::generations::FailureCode;
use atelier_api::sync::{
    GenerationRecord, ImageRecord, SyncChange, SyncKind, SyncPage, SyncRecord,
};
use atelier_api::uploads::Upload;
use sqlx::{Sqlite, Transaction};

use super::files::is_sha256;
use super::{Cache, credits, uploads};
use crate::api::is_valid_id;
use crate::error::ClientError;

/// The longest text field accepted from sync (prompts are at most 4,000 characters).
pub const MAX_FIELD_CHARS: usize = 16_000;
/// The longest cursor accepted.
const MAX_CURSOR_LEN: usize = 200;
/// The largest image side accepted.
const MAX_SIDE: u32 = 65_536;
/// The largest credit amount accepted, either sign: far beyond any pack, and exact in the
/// JavaScript numbers the UI adds up.
const MAX_CREDITS: i64 = 1_000_000_000_000;

fn refuse(what: impl Into<String>) -> ClientError {
    ClientError::InvalidSyncData(what.into())
}

fn check_id(id: &str) -> Result<(), ClientError> {
    if is_valid_id(id) {
        Ok(())
    } else {
        Err(refuse(format!(
            "an id that is not 32 hex digits: {:.80?}",
            id
        )))
    }
}

fn check_text(field: &str, value: &str) -> Result<(), ClientError> {
    if value.chars().count() > MAX_FIELD_CHARS {
        return Err(refuse(format!(
            "{field} longer than {MAX_FIELD_CHARS} characters"
        )));
    }
    Ok(())
}

fn check_image(i: &ImageRecord) -> Result<(), ClientError> {
    check_id(&i.id)?;
    check_id(&i.generation_id)?;
    check_id(&i.conversation_id)?;
    if !is_sha256(&i.sha256) || !is_sha256(&i.thumbnail_sha256) {
        return Err(refuse(format!("image {} has a malformed hash", i.id)));
    }
    if i.width == 0 || i.height == 0 || i.width > MAX_SIDE || i.height > MAX_SIDE {
        return Err(refuse(format!("image {} has an impossible size", i.id)));
    }
    if !i.content_type.starts_with("image/") || i.content_type.len() > 100 {
        return Err(refuse(format!("image {} is not an image", i.id)));
    }
    Ok(())
}

fn check_generation(g: &GenerationRecord) -> Result<(), ClientError> {
    check_id(&g.id)?;
    check_id(&g.conversation_id)?;
    check_text("a prompt", &g.prompt)?;
    check_text("a model", &g.model)?;
    check_text("an aspect ratio", &g.aspect_ratio)?;
    // A failure code is one of a closed set (an unknown one reads as `other`): nothing to check.
    Ok(())
}

fn check_credit(e: &LedgerEntry) -> Result<(), ClientError> {
    check_id(&e.id)?;
    check_text("a ledger reference", &e.reference)?;
    // `unsigned_abs`: `i64::MIN.abs()` overflows (a panic, or a wrap to a negative that passes).
    if e.amount.unsigned_abs() > MAX_CREDITS.unsigned_abs() {
        return Err(refuse(format!(
            "ledger entry {} has an impossible amount",
            e.id
        )));
    }
    if let Some(paid) = &e.paid {
        // ISO 4217: the UI formats it, and a malformed code would fail there.
        let currency =
            paid.currency.len() == 3 && paid.currency.bytes().all(|b| b.is_ascii_uppercase());
        if !currency || paid.cents.unsigned_abs() > MAX_CREDITS.unsigned_abs() {
            return Err(refuse(format!("ledger entry {} has malformed money", e.id)));
        }
    }
    Ok(())
}

fn check_upload(u: &Upload) -> Result<(), ClientError> {
    check_id(&u.id)?;
    if !is_sha256(&u.sha256) || !is_sha256(&u.thumbnail_sha256) {
        return Err(refuse(format!("upload {} has a malformed hash", u.id)));
    }
    Ok(())
}

/// Refuses a page that breaks the contract, before anything of it is written.
pub(super) fn check_page(page: &SyncPage) -> Result<(), ClientError> {
    if page.next_cursor.is_empty()
        || page.next_cursor.len() > MAX_CURSOR_LEN
        || !page.next_cursor.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(refuse("a malformed cursor"));
    }
    if !page.changes.windows(2).all(|w| w[0].seq() < w[1].seq()) {
        return Err(refuse("changes out of order"));
    }
    for change in &page.changes {
        match change {
            SyncChange::Delete { id, .. } => check_id(id)?,
            SyncChange::Upsert { record, .. } => match record {
                SyncRecord::Conversation(c) => {
                    check_id(&c.id)?;
                    check_text("a title", &c.title)?;
                }
                SyncRecord::Generation(g) => check_generation(g)?,
                SyncRecord::Image(i) => check_image(i)?,
                SyncRecord::Credit(c) => check_credit(&c.entry)?,
                SyncRecord::Upload(u) => check_upload(u)?,
            },
        }
    }
    Ok(())
}

impl Cache {
    /// Applies `page` and stores its cursor, atomically; then removes the files nothing uses now.
    pub async fn apply_page(&self, page: &SyncPage) -> Result<ApplyReport, ClientError> {
        check_page(page)?;
        let mut report = ApplyReport::default();
        let mut released = HashSet::new();
        let mut tx = self.pool.begin().await?;
        let pending = Pending::read(&mut tx).await?;
        for change in &page.changes {
            match change {
                SyncChange::Upsert { record, .. } => {
                    self.upsert(&mut tx, record, &pending).await?;
                    report.upserts += 1;
                    if let SyncRecord::Credit(_) = record {
                        report.credits += 1;
                    }
                }
                SyncChange::Delete { kind, id, .. } => {
                    released.extend(delete(&mut tx, *kind, id).await?);
                    report.deletes += 1;
                    if *kind == SyncKind::Credit {
                        report.credits += 1;
                    }
                }
            }
        }
        sqlx::query("INSERT INTO meta (key, value) VALUES ('cursor', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(&page.next_cursor)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.rows_changed();
        self.release_files(released).await?;
        Ok(report)
    }

    /// Forgets every synced row and the cursor (the service said `reset_required`). Files stay:
    /// the resync finds them by hash instead of downloading them again.
    pub async fn reset_sync(&self) -> Result<(), ClientError> {
        let mut tx = self.pool.begin().await?;
        for table in [
            "conversations",
            "generations",
            "images",
            "credit_ledger",
            "uploads",
        ] {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM meta WHERE key = 'cursor'")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.rows_changed();
        Ok(())
    }

    pub async fn cursor(&self) -> Result<Option<String>, ClientError> {
        self.meta("cursor").await
    }

    async fn upsert(
        &self,
        tx: &mut Transaction<'_, Sqlite>,
        record: &SyncRecord,
        pending: &Pending,
    ) -> Result<(), ClientError> {
        match record {
            SyncRecord::Conversation(c) => {
                sqlx::query(
                    "INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)
                     ON CONFLICT (id) DO UPDATE SET title = excluded.title, updated_at = excluded.updated_at",
                )
                .bind(&c.id)
                .bind(&c.title)
                .bind(c.created_at)
                .bind(c.updated_at)
                .execute(&mut **tx)
                .await?;
            }
            SyncRecord::Generation(g) => {
                let status = serde_json::to_value(g.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                sqlx::query(
                    "INSERT INTO generations (id, conversation_id, prompt, model, aspect_ratio, count, cost, status,
                                              failure_code, created_at, updated_at, input_images)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                     ON CONFLICT (id) DO UPDATE SET status = excluded.status, failure_code = excluded.failure_code,
                       cost = excluded.cost, updated_at = excluded.updated_at",
                )
                .bind(&g.id)
                .bind(&g.conversation_id)
                .bind(&g.prompt)
                .bind(&g.model)
                .bind(&g.aspect_ratio)
                .bind(i64::from(g.count))
                .bind(i64::from(g.cost))
                .bind(status)
                .bind(g.failure_code.map(FailureCode::as_str))
                .bind(g.created_at)
                .bind(g.updated_at)
                .bind(g.input_images.join(" "))
                .execute(&mut **tx)
                .await?;
            }
            SyncRecord::Image(i) => {
                // Deleted here and not yet told to the service: it stays deleted.
                if pending.deleted.contains(&i.id) {
                    return Ok(());
                }
                // A favourite set here and not yet sent wins over the service's older value.
                let favourite = pending.favourite.get(&i.id).copied().unwrap_or(i.favourite);
                // Files already here (the same picture twice, or a resync) count as cached.
                let thumbnail_cached = self.files.has(&i.thumbnail_sha256, i.thumbnail_bytes);
                let original_cached = self.files.has(&i.sha256, i.bytes);
                sqlx::query(
                    "INSERT INTO images (id, generation_id, conversation_id, idx, width, height, content_type, sha256, bytes,
                                         thumbnail_sha256, thumbnail_bytes, favourite, created_at, updated_at,
                                         thumbnail_cached, original_cached)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                     ON CONFLICT (id) DO UPDATE SET favourite = excluded.favourite, updated_at = excluded.updated_at",
                )
                .bind(&i.id)
                .bind(&i.generation_id)
                .bind(&i.conversation_id)
                .bind(i64::from(i.idx))
                .bind(i64::from(i.width))
                .bind(i64::from(i.height))
                .bind(&i.content_type)
                .bind(&i.sha256)
                .bind(i.bytes as i64)
                .bind(&i.thumbnail_sha256)
                .bind(i.thumbnail_bytes as i64)
                .bind(favourite)
                .bind(i.created_at)
                .bind(i.updated_at)
                .bind(thumbnail_cached)
                .bind(original_cached)
                .execute(&mut **tx)
                .await?;
            }
            SyncRecord::Credit(c) => credits::upsert(tx, &c.entry).await?,
            SyncRecord::Upload(u) => {
                let thumbnail_cached = self.files.has(&u.thumbnail_sha256, u.thumbnail_bytes);
                uploads::insert(&mut **tx, u, thumbnail_cached).await?;
            }
        }
        Ok(())
    }

    /// Removes the files of `hashes` that no image row refers to any more.
    pub(crate) async fn release_files(&self, hashes: HashSet<String>) -> Result<(), ClientError> {
        for hash in hashes {
            let used: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM images WHERE sha256 = ?1 OR thumbnail_sha256 = ?1)
                     OR EXISTS (SELECT 1 FROM uploads WHERE sha256 = ?1 OR thumbnail_sha256 = ?1)",
            )
            .bind(&hash)
            .fetch_one(&self.pool)
            .await?;
            if !used {
                self.files.remove(&hash);
            }
        }
        Ok(())
    }
}

/// Deletes a record and what belongs to it; answers the file hashes its images used.
pub(super) async fn delete(
    tx: &mut Transaction<'_, Sqlite>,
    kind: SyncKind,
    id: &str,
) -> Result<Vec<String>, ClientError> {
    let images_of = match kind {
        SyncKind::Conversation => "conversation_id",
        SyncKind::Generation => "generation_id",
        SyncKind::Image => "id",
        SyncKind::Upload => {
            let hashes: Vec<(String, String)> =
                sqlx::query_as("SELECT sha256, thumbnail_sha256 FROM uploads WHERE id = ?")
                    .bind(id)
                    .fetch_all(&mut **tx)
                    .await?;
            sqlx::query("DELETE FROM uploads WHERE id = ?")
                .bind(id)
                .execute(&mut **tx)
                .await?;
            return Ok(hashes.into_iter().flat_map(|(a, b)| [a, b]).collect());
        }
        // The service never deletes a ledger entry by itself; should it, the copy follows.
        SyncKind::Credit => {
            sqlx::query("DELETE FROM credit_ledger WHERE id = ?")
                .bind(id)
                .execute(&mut **tx)
                .await?;
            return Ok(Vec::new());
        }
    };
    let hashes: Vec<(String, String)> = sqlx::query_as(&format!(
        "SELECT sha256, thumbnail_sha256 FROM images WHERE {images_of} = ?"
    ))
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    sqlx::query(&format!("DELETE FROM images WHERE {images_of} = ?"))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    match kind {
        SyncKind::Conversation => {
            sqlx::query("DELETE FROM generations WHERE conversation_id = ?")
                .bind(id)
                .execute(&mut **tx)
                .await?;
            sqlx::query("DELETE FROM conversations WHERE id = ?")
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
        SyncKind::Generation => {
            sqlx::query("DELETE FROM generations WHERE id = ?")
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
        SyncKind::Image | SyncKind::Credit | SyncKind::Upload => {}
    }
    Ok(hashes.into_iter().flat_map(|(a, b)| [a, b]).collect())
}

/// The outbox's changes not yet sent, read once per page: they win over what the page says.
struct Pending {
    deleted: HashSet<String>,
    /// The latest wish per image (the outbox keeps one).
    favourite: std::collections::HashMap<String, bool>,
}

impl Pending {
    async fn read(tx: &mut Transaction<'_, Sqlite>) -> Result<Self, ClientError> {
        let rows: Vec<(String, String, Option<bool>)> =
            sqlx::query_as("SELECT op, image_id, favourite FROM outbox ORDER BY id")
                .fetch_all(&mut **tx)
                .await?;
        let mut pending = Self {
            deleted: HashSet::new(),
            favourite: std::collections::HashMap::new(),
        };
        for (op, image_id, favourite) in rows {
            match (op.as_str(), favourite) {
                ("delete_image", _) => {
                    pending.deleted.insert(image_id);
                }
                ("set_favourite", Some(favourite)) => {
                    pending.favourite.insert(image_id, favourite);
                }
                _ => {}
            }
        }
        Ok(pending)
    }
}

/// What a page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplyReport {
    pub upserts: usize,
    pub deletes: usize,
    /// Of those, changes to the credit ledger: the balance may have moved.
    pub credits: usize,
}
