//! The images chosen for "Export selected…", as the cache knows them (so choosing works offline).

use atelier_api::ErrorCode;
use sqlx::QueryBuilder;

use super::Cache;
use crate::error::ClientError;

/// Ids per lookup: far below SQLite's limit on bound parameters.
const IDS_PER_QUERY: usize = 500;

/// What the cache knows of one chosen image.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChosenImage {
    pub id: String,
    pub generation_id: String,
    pub sha256: String,
    pub bytes: i64,
    pub created_at: i64,
    /// Empty while its generation has not been synced yet: it still exports, without a prompt.
    pub prompt: String,
    pub model: String,
}

impl Cache {
    /// The rows of `ids`, in the order of `ids`; `not_found` (saying how many) when some are no
    /// longer in the gallery.
    pub async fn chosen_images(&self, ids: &[String]) -> Result<Vec<ChosenImage>, ClientError> {
        let mut found = std::collections::HashMap::with_capacity(ids.len());
        for batch in ids.chunks(IDS_PER_QUERY) {
            let mut select = QueryBuilder::new(
                "SELECT i.id, i.generation_id, i.sha256, i.bytes, i.created_at,
                        COALESCE(g.prompt, '') AS prompt, COALESCE(g.model, '') AS model
                 FROM images i LEFT JOIN generations g ON g.id = i.generation_id
                 WHERE i.id IN (",
            );
            let mut list = select.separated(", ");
            for id in batch {
                list.push_bind(id.clone());
            }
            select.push(")");
            let rows: Vec<ChosenImage> = select.build_query_as().fetch_all(self.pool()).await?;
            found.extend(rows.into_iter().map(|c| (c.id.clone(), c)));
        }
        let absent = ids.iter().filter(|id| !found.contains_key(*id)).count();
        if absent > 0 {
            return Err(ClientError::api(
                ErrorCode::NotFound,
                format!("{absent} of the chosen images are no longer in the gallery"),
            ));
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }
}
