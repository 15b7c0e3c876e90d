//! Generations: a prompt turned into images, paid in credits.

use serde::{Deserialize, Serialize};

/// `POST /v1/generations`, with a required `Idempotency-Key` header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NewGeneration {
    /// Omitted: a new conversation named after the prompt.
    #[serde(default)]
    pub conversation_id: Option<String>,
    pub prompt: String,
    pub model: String,
    pub aspect_ratio: String,
    pub count: u32,
    /// Ids of the account's own uploads or generated images, in the order the model gets them.
    #[serde(default)]
    pub input_images: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum GenerationStatus {
    Queued,
    Generating,
    Done,
    Failed,
}

/// An image of a generation, once stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GeneratedImage {
    pub id: String,
    pub width: u32,
    pub height: u32,
    /// Size of the original in bytes.
    pub bytes: u64,
    /// Hex SHA-256 of the original: the desktop cache's content address.
    pub sha256: String,
    pub content_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Generation {
    pub id: String,
    pub conversation_id: String,
    pub prompt: String,
    pub model: String,
    pub aspect_ratio: String,
    pub count: u32,
    /// Credits charged: cost per image × count (refunds are ledger entries of their own).
    pub cost: u32,
    pub status: GenerationStatus,
    /// What it was made from: ids of uploads or generated images, in order.
    pub input_images: Vec<String>,
    pub images: Vec<GeneratedImage>,
    /// Why it failed (`generation_failed`, `timed_out`, `result_unavailable`, …), when it did.
    pub failure_code: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `GET /v1/conversations/{id}/generations`: newest first; `next_cursor` pages to older ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GenerationPage {
    pub generations: Vec<Generation>,
    pub next_cursor: Option<String>,
}

/// Generations per page.
pub const GENERATION_PAGE_SIZE: u32 = 20;

/// Longest Idempotency-Key accepted.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 128;
