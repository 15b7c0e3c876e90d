//! Reading the cache for the gallery: windows of images, newest first, filtered by prompt,
//! conversation, date and favourites. Served from SQLite alone, so it works with no network.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlx::QueryBuilder;
use sqlx::Sqlite;

use super::{Cache, now_ms, search};
use crate::api::is_valid_id;
use crate::error::ClientError;

/// The most images one window may ask for.
pub const MAX_WINDOW: u32 = 1_000;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GalleryQuery {
    /// Words anywhere in the prompt; blank means all.
    pub search: Option<String>,
    pub conversation_id: Option<String>,
    /// Made at or after, in ms since the epoch.
    pub from_ms: Option<i64>,
    /// Made before.
    pub to_ms: Option<i64>,
    pub favourites_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GalleryItem {
    pub image_id: String,
    pub generation_id: String,
    pub conversation_id: String,
    pub conversation_title: String,
    pub prompt: String,
    pub model: String,
    pub aspect_ratio: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub content_type: String,
    pub favourite: bool,
    pub created_at: i64,
    /// Credits spent on this image.
    pub credits: u32,
    /// Whether the full-size original is on this device.
    pub original_cached: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GalleryPage {
    pub items: Vec<GalleryItem>,
    /// How many images match the query in all.
    pub total: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GalleryConversation {
    pub id: String,
    pub title: String,
    pub images: u32,
}

/// `WHERE …` for a query, on `images i` alone (prompts through a subquery), so listing the
/// result walks one index instead of joining every row it passes.
fn push_filters(sql: &mut QueryBuilder<'_, Sqlite>, query: &GalleryQuery) {
    sql.push(" WHERE 1 = 1");
    if let Some(id) = query
        .conversation_id
        .as_deref()
        .filter(|id| is_valid_id(id))
    {
        sql.push(" AND i.conversation_id = ")
            .push_bind(id.to_owned());
    }
    if let Some(from) = query.from_ms {
        sql.push(" AND i.created_at >= ").push_bind(from);
    }
    if let Some(to) = query.to_ms {
        sql.push(" AND i.created_at < ").push_bind(to);
    }
    if query.favourites_only {
        sql.push(" AND i.favourite = 1");
    }
    search::push_search(sql, query.search.as_deref().unwrap_or_default());
}

/// The ordered rows of the last query, so that every window of it (each scroll step) is a slice
/// and a lookup of at most [`MAX_WINDOW`] rows, whatever its position: an `OFFSET` walks every
/// row it skips. The list is 8 bytes an image; `generation` counts writes, so a list computed
/// while a write landed is not kept.
#[derive(Debug, Default)]
pub(crate) struct Remembered {
    generation: u64,
    last: Option<(GalleryQuery, Arc<[i64]>)>,
}

impl Remembered {
    pub(crate) fn forget(&mut self) {
        self.generation += 1;
        self.last = None;
    }
}

/// The rowids of the images matching `query`, newest first, between `head` and `tail` (which
/// may ask for the plan, or fold the list into one value).
fn result_query(head: &str, query: &GalleryQuery, tail: &str) -> QueryBuilder<'static, Sqlite> {
    let mut select = QueryBuilder::new(format!("{head}SELECT i.rowid FROM images i"));
    push_filters(&mut select, query);
    select
        .push(" ORDER BY i.created_at DESC, i.id DESC")
        .push(tail);
    select
}

impl Cache {
    /// The rowids of the images matching `query`, newest first: remembered, or read now.
    async fn result_rows(&self, query: &GalleryQuery) -> Result<Arc<[i64]>, ClientError> {
        let generation = match self.results.lock() {
            Ok(results) => {
                if let Some((q, rows)) = &results.last
                    && q == query
                {
                    return Ok(rows.clone());
                }
                results.generation
            }
            Err(_) => 0,
        };
        // One value holding the whole list, in the subquery's order (SQLite folds a subquery's
        // rows in the order it yields them): row by row, the driver's cost per row dominates.
        let joined: String = result_query(
            "SELECT COALESCE(group_concat(rowid), '') FROM (",
            query,
            ")",
        )
        .build_query_scalar()
        .fetch_one(&self.pool)
        .await?;
        let rows: Arc<[i64]> = joined
            .split(',')
            .filter(|r| !r.is_empty())
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map_err(|e| ClientError::Cache(format!("a gallery result list: {e}")))?;
        if let Ok(mut results) = self.results.lock()
            && results.generation == generation
        {
            results.last = Some((query.clone(), rows.clone()));
        }
        Ok(rows)
    }

    /// `limit` images from `offset` of those matching `query`, newest first, with the total.
    pub async fn gallery_page(
        &self,
        query: &GalleryQuery,
        offset: u32,
        limit: u32,
    ) -> Result<GalleryPage, ClientError> {
        let limit = limit.clamp(1, MAX_WINDOW) as usize;
        let rows = self.result_rows(query).await?;
        let start = (offset as usize).min(rows.len());
        let window = &rows[start..(start + limit).min(rows.len())];
        let total = rows.len() as u32;
        if window.is_empty() {
            return Ok(GalleryPage {
                items: Vec::new(),
                total,
            });
        }
        let items = self.items_by_rowid(window).await?;
        Ok(GalleryPage { items, total })
    }

    /// The images with these rowids, newest first.
    pub(super) async fn items_by_rowid(
        &self,
        rowids: &[i64],
    ) -> Result<Vec<GalleryItem>, ClientError> {
        // As one JSON array: row by row, the driver's cost per row (and its hand-offs between
        // threads) would be most of a window's time. An image whose generation has not arrived
        // yet (sync order) shows with an empty prompt until it does.
        let mut select = QueryBuilder::new(
            "SELECT json_group_array(json_object(
                 'image_id', image_id, 'generation_id', generation_id, 'conversation_id', conversation_id,
                 'conversation_title', conversation_title, 'prompt', prompt, 'model', model,
                 'aspect_ratio', aspect_ratio, 'width', width, 'height', height, 'bytes', bytes,
                 'content_type', content_type, 'favourite', json(IIF(favourite = 1, 'true', 'false')),
                 'created_at', created_at, 'credits', credits,
                 'original_cached', json(IIF(original_cached = 1, 'true', 'false'))))
             FROM (SELECT i.id AS image_id, i.generation_id, i.conversation_id, COALESCE(c.title, '') AS conversation_title,
                    COALESCE(g.prompt, '') AS prompt, COALESCE(g.model, '') AS model,
                    COALESCE(g.aspect_ratio, '') AS aspect_ratio, i.width, i.height, i.bytes, i.content_type,
                    i.favourite, i.created_at, COALESCE(g.cost / MAX(g.count, 1), 0) AS credits, i.original_cached
             FROM images i LEFT JOIN generations g ON g.id = i.generation_id
             LEFT JOIN conversations c ON c.id = i.conversation_id
             WHERE i.rowid IN (",
        );
        let mut ids = select.separated(", ");
        for row in rowids {
            ids.push_bind(*row);
        }
        // A window is a run of the result's order, so the same order sorts it (and SQLite folds
        // a subquery's rows in the order it yields them).
        select.push(") ORDER BY i.created_at DESC, i.id DESC)");
        let json: String = select.build_query_scalar().fetch_one(&self.pool).await?;
        serde_json::from_str(&json).map_err(|e| ClientError::Cache(format!("gallery items: {e}")))
    }

    /// Conversations that have images here, most recently active first.
    pub async fn gallery_conversations(&self) -> Result<Vec<GalleryConversation>, ClientError> {
        Ok(sqlx::query_as(
            "SELECT c.id, c.title, COUNT(i.id) AS images FROM conversations c
             JOIN images i ON i.conversation_id = c.id
             GROUP BY c.id ORDER BY c.updated_at DESC, c.id DESC",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Notes that an original was shown now: eviction keeps the recently viewed.
    pub async fn touch_original(&self, image_id: &str) -> Result<(), ClientError> {
        sqlx::query("UPDATE images SET last_viewed_at = ? WHERE id = ?")
            .bind(now_ms())
            .bind(image_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
