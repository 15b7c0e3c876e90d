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

/// Why a generation (or one of its images) failed. Each is refunded; the Studio says which.
/// A code this build does not know (from a newer service) reads as `other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum FailureCode {
    /// kie ran the task and it failed.
    GenerationFailed,
    /// kie did not finish within the generation's deadline.
    TimedOut,
    /// kie finished, but its result could not be fetched or read as an image.
    ResultUnavailable,
    /// kie refused the task (its content rules, or a request it cannot run).
    UpstreamRejected,
    /// The model is no longer on offer.
    UnknownModel,
    /// The submission's answer was lost and kie has no record of the task.
    SubmissionUnconfirmed,
    /// The account was deleted while it ran.
    AccountDeleted,
    #[serde(other)]
    Other,
}

impl FailureCode {
    /// As stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GenerationFailed => "generation_failed",
            Self::TimedOut => "timed_out",
            Self::ResultUnavailable => "result_unavailable",
            Self::UpstreamRejected => "upstream_rejected",
            Self::UnknownModel => "unknown_model",
            Self::SubmissionUnconfirmed => "submission_unconfirmed",
            Self::AccountDeleted => "account_deleted",
            Self::Other => "other",
        }
    }

    pub const ALL: [Self; 8] = [
        Self::GenerationFailed,
        Self::TimedOut,
        Self::ResultUnavailable,
        Self::UpstreamRejected,
        Self::UnknownModel,
        Self::SubmissionUnconfirmed,
        Self::AccountDeleted,
        Self::Other,
    ];

    /// A stored code; one not known here is `Other`.
    pub fn parse(raw: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|code| code.as_str() == raw)
            .unwrap_or(Self::Other)
    }
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
    pub failure_code: Option<FailureCode>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_code_is_stored_as_it_is_sent_and_an_unknown_one_is_other() {
        for code in FailureCode::ALL {
            assert_eq!(
                serde_json::to_value(code).ok(),
                Some(serde_json::Value::String(code.as_str().into()))
            );
            assert_eq!(FailureCode::parse(code.as_str()), code);
        }
        assert_eq!(FailureCode::parse("a_newer_reason"), FailureCode::Other);
    }
}
