//! `GET /v1/sync`: every change to a person's conversations, generations, images and credits, in the order
//! the service made them, so a device can hold a faithful copy. A change is either the whole
//! current record or a tombstone naming what was deleted.

use serde::{Deserialize, Serialize};

use crate::conversations::Conversation;
use crate::credits::LedgerEntry;
use crate::generations::{FailureCode, GenerationStatus};
use crate::uploads::Upload;

/// What kind of record a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncKind {
    Conversation,
    Generation,
    Image,
    /// A credit ledger entry: entries never change once written, so each is one upsert.
    Credit,
    /// An image the account uploaded.
    Upload,
}

impl SyncKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Conversation => "conversation",
            Self::Generation => "generation",
            Self::Image => "image",
            Self::Credit => "credit",
            Self::Upload => "upload",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "conversation" => Some(Self::Conversation),
            "generation" => Some(Self::Generation),
            "image" => Some(Self::Image),
            "credit" => Some(Self::Credit),
            "upload" => Some(Self::Upload),
            _ => None,
        }
    }
}

/// A generation as sync carries it: its images travel as records of their own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenerationRecord {
    pub id: String,
    pub conversation_id: String,
    pub prompt: String,
    pub model: String,
    pub aspect_ratio: String,
    pub count: u32,
    /// Credits charged: cost per image × count.
    pub cost: u32,
    pub status: GenerationStatus,
    pub failure_code: Option<FailureCode>,
    /// What it was made from: ids of uploads or generated images, in order.
    #[serde(default)]
    pub input_images: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A stored image: the hashes are the desktop cache's content addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRecord {
    pub id: String,
    pub generation_id: String,
    pub conversation_id: String,
    /// Position within its generation.
    pub idx: u32,
    pub width: u32,
    pub height: u32,
    pub content_type: String,
    /// Hex SHA-256 and size of the original.
    pub sha256: String,
    pub bytes: u64,
    /// Hex SHA-256 and size of the JPEG thumbnail.
    pub thumbnail_sha256: String,
    pub thumbnail_bytes: u64,
    pub favourite: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The whole current state of one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SyncRecord {
    Conversation(Conversation),
    Generation(GenerationRecord),
    Image(ImageRecord),
    Credit(CreditRecord),
    Upload(Upload),
}

/// A ledger entry as sync carries it: wrapped, because the entry's own `kind` (grant, debit, …)
/// would collide with the record's tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditRecord {
    pub entry: LedgerEntry,
}

impl SyncRecord {
    pub fn kind(&self) -> SyncKind {
        match self {
            Self::Conversation(_) => SyncKind::Conversation,
            Self::Generation(_) => SyncKind::Generation,
            Self::Image(_) => SyncKind::Image,
            Self::Credit(_) => SyncKind::Credit,
            Self::Upload(_) => SyncKind::Upload,
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Self::Conversation(c) => &c.id,
            Self::Generation(g) => &g.id,
            Self::Image(i) => &i.id,
            Self::Credit(c) => &c.entry.id,
            Self::Upload(u) => &u.id,
        }
    }
}

/// One change, at its sequence number. Deleting a conversation deletes its generations and
/// images with it: the one tombstone stands for all of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum SyncChange {
    Upsert {
        seq: u64,
        record: SyncRecord,
    },
    Delete {
        seq: u64,
        kind: SyncKind,
        id: String,
    },
}

impl SyncChange {
    pub fn seq(&self) -> u64 {
        match self {
            Self::Upsert { seq, .. } | Self::Delete { seq, .. } => *seq,
        }
    }
}

/// A page of changes. `next_cursor` is where the next request starts (the same cursor again when
/// nothing changed); `has_more` says whether asking at once would return more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncPage {
    pub changes: Vec<SyncChange>,
    pub next_cursor: String,
    pub has_more: bool,
}

/// `PATCH /v1/images/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImagePatch {
    pub favourite: bool,
}

/// Changes per page when the request names no limit, and the most it may name.
pub const SYNC_PAGE_DEFAULT: u32 = 500;
pub const SYNC_PAGE_MAX: u32 = 1000;
/// The longest `wait` (seconds) a request may name: with nothing after its cursor, the service
/// holds it until something is, or this long (the desktop's one live channel). Below the usual
/// 30 s proxy and client time-outs, so a held request ends before anything cuts it.
pub const SYNC_WAIT_MAX_SECONDS: u32 = 25;
/// How long tombstones are kept. A cursor from before the oldest pruned one answers
/// `reset_required`: the device starts again from zero.
pub const TOMBSTONE_RETENTION_MS: i64 = 30 * 24 * 60 * 60 * 1000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_have_a_flat_tagged_shape() {
        let change = SyncChange::Delete {
            seq: 7,
            kind: SyncKind::Image,
            id: "ab".into(),
        };
        let json = serde_json::to_value(&change).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"op": "delete", "seq": 7, "kind": "image", "id": "ab"})
        );
        let upsert = SyncChange::Upsert {
            seq: 8,
            record: SyncRecord::Conversation(Conversation {
                id: "c".into(),
                title: "t".into(),
                created_at: 1,
                updated_at: 2,
            }),
        };
        let json = serde_json::to_value(&upsert).unwrap();
        assert_eq!(json["record"]["kind"], "conversation");
        assert_eq!(serde_json::from_value::<SyncChange>(json).unwrap(), upsert);
    }
}
