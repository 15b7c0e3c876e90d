//! Reading generations back: the row, its stored images, as the API shape.

use atelier_api::generations::{GeneratedImage, Generation, GenerationStatus};
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
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Deserialize)]
struct ImageRow {
    id: String,
    width: i64,
    height: i64,
    bytes: i64,
    sha256: String,
    content_type: String,
}

const COLUMNS: &str = "id, account_id, conversation_id, prompt, model, aspect_ratio, count, cost_per_image, status, failure_code, created_at, updated_at";

fn status(raw: &str) -> GenerationStatus {
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
    let images = platform
        .query(
            Statement::new(
                "SELECT id, width, height, bytes, sha256, content_type FROM images WHERE generation_id = ? ORDER BY idx",
            )
            .bind(row.id.as_str()),
        )
        .await?;
    let images = rows_as::<ImageRow>(images)?
        .into_iter()
        .map(|i| GeneratedImage {
            id: i.id,
            width: i.width as u32,
            height: i.height as u32,
            bytes: i.bytes as u64,
            sha256: i.sha256,
            content_type: i.content_type,
        })
        .collect();
    Ok(Generation {
        id: row.id,
        conversation_id: row.conversation_id,
        prompt: row.prompt,
        model: row.model,
        aspect_ratio: row.aspect_ratio,
        count: row.count as u32,
        cost: (row.count * row.cost_per_image) as u32,
        status: status(&row.status),
        images,
        failure_code: row.failure_code,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}
