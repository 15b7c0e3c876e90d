//! What an image was made from: the inputs its generation named (issue 13), each resolved in the
//! cache to a gallery image (which the detail view can open in turn), an upload, or neither (deleted
//! since). Read from SQLite alone, so the links work offline.

use serde::{Deserialize, Serialize};

use super::Cache;
use super::gallery::GalleryItem;
use crate::error::ClientError;

/// One input of the generation that made an image, in the order the model got them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ImageSource {
    /// An image of this library.
    Image { item: GalleryItem },
    /// An image the person uploaded.
    Upload { id: String, width: u32, height: u32 },
    /// Neither any more: deleted since, here or on another device.
    Gone { id: String },
}

impl Cache {
    /// The inputs of the generation that made `image_id`; empty for an image made from words
    /// alone, or one this cache does not hold.
    pub async fn image_sources(&self, image_id: &str) -> Result<Vec<ImageSource>, ClientError> {
        let inputs: Option<String> = sqlx::query_scalar(
            "SELECT g.input_images FROM images i JOIN generations g ON g.id = i.generation_id
             WHERE i.id = ?",
        )
        .bind(image_id.to_ascii_lowercase())
        .fetch_optional(&self.pool)
        .await?;
        let ids: Vec<String> = inputs
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let mut sources = Vec::with_capacity(ids.len());
        for id in ids {
            sources.push(self.source(id).await?);
        }
        Ok(sources)
    }

    /// One input: a generation names at most a handful, so a lookup each is cheap.
    async fn source(&self, id: String) -> Result<ImageSource, ClientError> {
        let rowid: Option<i64> = sqlx::query_scalar("SELECT rowid FROM images WHERE id = ?")
            .bind(&id)
            .fetch_optional(&self.pool)
            .await?;
        if let Some(rowid) = rowid
            && let Some(item) = self.items_by_rowid(&[rowid]).await?.pop()
        {
            return Ok(ImageSource::Image { item });
        }
        let upload: Option<(i64, i64)> =
            sqlx::query_as("SELECT width, height FROM uploads WHERE id = ?")
                .bind(&id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(match upload {
            Some((width, height)) => ImageSource::Upload {
                id,
                width: width as u32,
                height: height as u32,
            },
            None => ImageSource::Gone { id },
        })
    }
}
