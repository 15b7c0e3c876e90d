//! Changes made on this device: applied to the cache at once (deleting removes the files at
//! once), queued in the outbox, and sent to the service in order when it can be reached
//! (`crate::sync::outbox`). Each
//! change is idempotent on the service (deleting twice meets `not_found`, setting a favourite
//! twice sets it once), so a crash between sending and forgetting one repeats it harmlessly:
//! the effect happens exactly once.

use std::collections::HashSet;

use atelier_api::ErrorCode;
use atelier_api::sync::SyncKind;

use super::{Cache, apply, now_ms};
use crate::api::is_valid_id;
use crate::error::ClientError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboxOp {
    DeleteImage { image_id: String },
    SetFavourite { image_id: String, favourite: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: i64,
    pub op: OutboxOp,
}

fn check_ids(ids: &[String]) -> Result<(), ClientError> {
    if ids.iter().all(|id| is_valid_id(id)) {
        Ok(())
    } else {
        Err(ClientError::api(ErrorCode::NotFound, "no such image"))
    }
}

impl Cache {
    /// Deletes images here at once (rows and files) and queues their deletion on the service.
    pub async fn delete_images(&self, ids: &[String]) -> Result<(), ClientError> {
        check_ids(ids)?;
        let mut released = HashSet::new();
        let mut tx = self.pool.begin().await?;
        for id in ids {
            released.extend(apply::delete(&mut tx, SyncKind::Image, id).await?);
            // A favourite waiting to be sent for it no longer matters.
            sqlx::query("DELETE FROM outbox WHERE op = 'set_favourite' AND image_id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO outbox (op, image_id, created_at) VALUES ('delete_image', ?, ?)",
            )
            .bind(id)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.rows_changed();
        self.release_files(released).await
    }

    /// Marks or unmarks favourites here at once and queues the change for the service.
    pub async fn set_favourite(&self, ids: &[String], favourite: bool) -> Result<(), ClientError> {
        check_ids(ids)?;
        let mut tx = self.pool.begin().await?;
        for id in ids {
            let changed = sqlx::query("UPDATE images SET favourite = ? WHERE id = ?")
                .bind(favourite)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed == 0 {
                continue;
            }
            // Only the latest wish for an image needs sending.
            sqlx::query("DELETE FROM outbox WHERE op = 'set_favourite' AND image_id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO outbox (op, image_id, favourite, created_at) VALUES ('set_favourite', ?, ?, ?)")
                .bind(id)
                .bind(favourite)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.rows_changed();
        Ok(())
    }

    /// The changes waiting, oldest first.
    pub async fn outbox(&self) -> Result<Vec<OutboxEntry>, ClientError> {
        let rows: Vec<(i64, String, String, Option<bool>)> =
            sqlx::query_as("SELECT id, op, image_id, favourite FROM outbox ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, op, image_id, favourite)| {
                let op = match op.as_str() {
                    "delete_image" => OutboxOp::DeleteImage { image_id },
                    "set_favourite" => OutboxOp::SetFavourite {
                        image_id,
                        favourite: favourite?,
                    },
                    _ => return None,
                };
                Some(OutboxEntry { id, op })
            })
            .collect())
    }

    pub async fn outbox_len(&self) -> Result<u32, ClientError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox")
            .fetch_one(&self.pool)
            .await?;
        Ok(n as u32)
    }

    /// A change the service has (or will never take): removed from the outbox.
    pub(crate) async fn forget_outbox_entry(&self, entry: &OutboxEntry) -> Result<(), ClientError> {
        sqlx::query("DELETE FROM outbox WHERE id = ?")
            .bind(entry.id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
