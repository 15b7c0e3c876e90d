//! Reading generations back: the row, its stored images, as the API shape, and both as the
//! records sync and the export send.

use atelier_api::generations::{FailureCode, GeneratedImage, Generation, GenerationStatus};
use atelier_api::sync::{GenerationRecord, ImageRecord};
use serde::Deserialize;

use crate::error::ApiResult;
use crate::platform::{Platform, Statement, rows_as};

#[derive(Debug, Clone, Deserialize)]
pub struct GenerationRow {
    pub id: String,
    pub account_id: String,
    pub conversation_id: String,
    pub prompt: String,
    pub model: String,
    pub aspect_ratio: String,
    pub count: i64,
    pub cost_per_image: i64,
    pub status: String,
    pub failure_code: Option<String>,
    /// Ids of the input images, space-separated, in order (`inputs.rs`).
    pub input_images: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl GenerationRow {
    /// The input images' ids, in order.
    pub fn inputs(&self) -> Vec<String> {
        self.input_images
            .split_ascii_whitespace()
            .map(str::to_owned)
            .collect()
    }
}

#[derive(Deserialize)]
struct ImageRow {
    generation_id: String,
    id: String,
    width: i64,
    height: i64,
    bytes: i64,
    sha256: String,
    content_type: String,
}

pub const COLUMNS: &str = "id, account_id, conversation_id, prompt, model, aspect_ratio, count, cost_per_image, status, failure_code, input_images, created_at, updated_at";

pub fn status(raw: &str) -> GenerationStatus {
    match raw {
        "generating" => GenerationStatus::Generating,
        "done" => GenerationStatus::Done,
        "failed" => GenerationStatus::Failed,
        _ => GenerationStatus::Queued,
    }
}

pub async fn row<P: Platform>(platform: &P, id: &str) -> ApiResult<Option<GenerationRow>> {
    let rows = platform
        .query(Statement::new(format!("SELECT {COLUMNS} FROM generations WHERE id = ?")).bind(id))
        .await?;
    Ok(rows_as(rows)?.into_iter().next())
}

pub async fn by_key<P: Platform>(
    platform: &P,
    account_id: &str,
    key: &str,
) -> ApiResult<Option<GenerationRow>> {
    let rows = platform
        .query(
            Statement::new(format!(
                "SELECT {COLUMNS} FROM generations WHERE account_id = ? AND idempotency_key = ?"
            ))
            .bind(account_id)
            .bind(key),
        )
        .await?;
    Ok(rows_as(rows)?.into_iter().next())
}

/// The API shape of a generation, with its stored images in order.
pub async fn to_api<P: Platform>(platform: &P, row: GenerationRow) -> ApiResult<Generation> {
    many_to_api(platform, vec![row])
        .await?
        .pop()
        .ok_or_else(|| crate::error::ApiError::internal("a generation went missing"))
}

/// The API shapes of several generations, their images read in one statement (≤ 100 ids).
pub async fn many_to_api<P: Platform>(
    platform: &P,
    rows: Vec<GenerationRow>,
) -> ApiResult<Vec<Generation>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = vec!["?"; rows.len()].join(", ");
    let mut statement = Statement::new(format!(
        "SELECT generation_id, id, width, height, bytes, sha256, content_type FROM images
         WHERE generation_id IN ({placeholders}) ORDER BY generation_id, idx"
    ));
    for row in &rows {
        statement = statement.bind(row.id.as_str());
    }
    let images = rows_as::<ImageRow>(platform.query(statement).await?)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let mine = images
                .iter()
                .filter(|i| i.generation_id == row.id)
                .map(to_image)
                .collect();
            shape(row, mine)
        })
        .collect())
}

fn to_image(i: &ImageRow) -> GeneratedImage {
    GeneratedImage {
        id: i.id.clone(),
        width: i.width as u32,
        height: i.height as u32,
        bytes: i.bytes as u64,
        sha256: i.sha256.clone(),
        content_type: i.content_type.clone(),
    }
}

fn shape(row: GenerationRow, images: Vec<GeneratedImage>) -> Generation {
    Generation {
        input_images: row.inputs(),
        id: row.id,
        conversation_id: row.conversation_id,
        prompt: row.prompt,
        model: row.model,
        aspect_ratio: row.aspect_ratio,
        count: row.count as u32,
        cost: (row.count * row.cost_per_image) as u32,
        status: status(&row.status),
        images,
        failure_code: row.failure_code.as_deref().map(FailureCode::parse),
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// A generation as sync and the export send it.
pub fn sync_record(g: GenerationRow) -> GenerationRecord {
    GenerationRecord {
        input_images: g.inputs(),
        cost: (g.count * g.cost_per_image) as u32,
        status: status(&g.status),
        id: g.id,
        conversation_id: g.conversation_id,
        prompt: g.prompt,
        model: g.model,
        aspect_ratio: g.aspect_ratio,
        count: g.count as u32,
        failure_code: g.failure_code.as_deref().map(FailureCode::parse),
        created_at: g.created_at,
        updated_at: g.updated_at,
    }
}

/// An image as a record, with its conversation: add `WHERE …` on `i` (the images) to use it.
pub const IMAGE_SELECT: &str =
    "SELECT i.id, i.generation_id, g.conversation_id, i.idx, i.width, i.height, i.content_type, i.sha256,
            i.bytes, i.thumbnail_sha256, i.thumbnail_bytes, i.favourite, i.created_at, i.updated_at
     FROM images i JOIN generations g ON g.id = i.generation_id";

#[derive(Deserialize)]
pub struct ImageRecordRow {
    id: String,
    generation_id: String,
    conversation_id: String,
    idx: i64,
    width: i64,
    height: i64,
    content_type: String,
    sha256: String,
    bytes: i64,
    thumbnail_sha256: String,
    thumbnail_bytes: i64,
    favourite: i64,
    created_at: i64,
    updated_at: i64,
}

impl From<ImageRecordRow> for ImageRecord {
    fn from(i: ImageRecordRow) -> Self {
        Self {
            id: i.id,
            generation_id: i.generation_id,
            conversation_id: i.conversation_id,
            idx: i.idx as u32,
            width: i.width as u32,
            height: i.height as u32,
            content_type: i.content_type,
            sha256: i.sha256,
            bytes: i.bytes as u64,
            thumbnail_sha256: i.thumbnail_sha256,
            thumbnail_bytes: i.thumbnail_bytes as u64,
            favourite: i.favourite == 1,
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}
