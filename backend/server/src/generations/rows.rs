//! The rows of `generations`, `generation_tasks` and `images` as they are first written: one
//! statement of each INSERT, used by the pipeline (`charge`, `tasks`), the test seeding route and
//! the benchmarks' seeder, so a column is added in one place and a seeded library is the shape
//! the service itself writes.
//!
//! Each insert comes in two forms: `insert()` writes the row, `insert_where(condition)` writes it
//! only while `condition` holds; the caller binds the condition's parameters after the row's.

use crate::platform::Statement;

/// A new generation.
pub struct GenerationInsert<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub conversation_id: &'a str,
    pub idempotency_key: &'a str,
    pub prompt: &'a str,
    pub model: &'a str,
    pub aspect_ratio: &'a str,
    pub count: i64,
    pub cost_per_image: i64,
    /// The input images' ids, space-separated, in order (`""` for words alone).
    pub input_images: &'a str,
    /// `queued` when asked for; `done` for a seeded one.
    pub status: &'a str,
    pub created_at: i64,
}

impl GenerationInsert<'_> {
    const COLUMNS: &'static str =
        "INSERT INTO generations (id, account_id, conversation_id, idempotency_key, prompt, model,
        aspect_ratio, count, cost_per_image, input_images, status, created_at, updated_at)";

    pub fn insert(&self) -> Statement {
        self.bound(format!(
            "{} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            Self::COLUMNS
        ))
    }

    pub fn insert_where(&self, condition: &str) -> Statement {
        self.bound(format!(
            "{} SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE {condition}",
            Self::COLUMNS
        ))
    }

    fn bound(&self, sql: String) -> Statement {
        Statement::new(sql)
            .bind(self.id)
            .bind(self.account_id)
            .bind(self.conversation_id)
            .bind(self.idempotency_key)
            .bind(self.prompt)
            .bind(self.model)
            .bind(self.aspect_ratio)
            .bind(self.count)
            .bind(self.cost_per_image)
            .bind(self.input_images)
            .bind(self.status)
            .bind(self.created_at)
            .bind(self.created_at)
    }
}

/// Where one image's kie task is: `pending` → `submitting` (claimed for `createTask`) →
/// `submitted` → `storing` (claimed to download and store the result) → `stored`, or `failed`
/// (refunded) from any of them. The transitions are conditional UPDATEs in `submit` and `tasks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskPhase {
    Pending,
    Submitting,
    Submitted,
    Storing,
    Stored,
    Failed,
}

impl TaskPhase {
    pub const ALL: [Self; 6] = [
        Self::Pending,
        Self::Submitting,
        Self::Submitted,
        Self::Storing,
        Self::Stored,
        Self::Failed,
    ];

    /// As stored (the table's `CHECK` names exactly these).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Submitting => "submitting",
            Self::Submitted => "submitted",
            Self::Storing => "storing",
            Self::Stored => "stored",
            Self::Failed => "failed",
        }
    }
}

/// One image of a generation, as a task of its own.
pub struct TaskInsert<'a> {
    pub generation_id: &'a str,
    pub idx: i64,
    /// `None` until submitted.
    pub kie_task_id: Option<&'a str>,
    /// `""` until submitted.
    pub callback_secret_hash: &'a str,
    /// `Pending` when asked for; `Stored` for a seeded one.
    pub state: TaskPhase,
    pub next_poll_at: i64,
    pub updated_at: i64,
}

impl TaskInsert<'_> {
    const COLUMNS: &'static str = "INSERT INTO generation_tasks (generation_id, idx, kie_task_id,
        callback_secret_hash, state, next_poll_at, updated_at)";

    pub fn insert(&self) -> Statement {
        self.bound(format!("{} VALUES (?, ?, ?, ?, ?, ?, ?)", Self::COLUMNS))
    }

    pub fn insert_where(&self, condition: &str) -> Statement {
        self.bound(format!(
            "{} SELECT ?, ?, ?, ?, ?, ?, ? WHERE {condition}",
            Self::COLUMNS
        ))
    }

    fn bound(&self, sql: String) -> Statement {
        Statement::new(sql)
            .bind(self.generation_id)
            .bind(self.idx)
            .bind(self.kie_task_id)
            .bind(self.callback_secret_hash)
            .bind(self.state.as_str())
            .bind(self.next_poll_at)
            .bind(self.updated_at)
    }
}

/// A stored image: its original and thumbnail in the blob store, described.
pub struct ImageInsert<'a> {
    pub id: &'a str,
    pub generation_id: &'a str,
    pub account_id: &'a str,
    pub idx: i64,
    pub original_key: &'a str,
    pub thumbnail_key: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub width: i64,
    pub height: i64,
    pub bytes: i64,
    pub thumbnail_bytes: i64,
    pub thumbnail_sha256: &'a str,
    pub created_at: i64,
}

impl ImageInsert<'_> {
    const COLUMNS: &'static str = "INSERT INTO images (id, generation_id, account_id, idx, original_key,
        thumbnail_key, content_type, sha256, width, height, bytes, thumbnail_bytes, thumbnail_sha256,
        created_at, updated_at)";

    pub fn insert(&self) -> Statement {
        self.bound(format!(
            "{} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            Self::COLUMNS
        ))
    }

    pub fn insert_where(&self, condition: &str) -> Statement {
        self.bound(format!(
            "{} SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE {condition}",
            Self::COLUMNS
        ))
    }

    fn bound(&self, sql: String) -> Statement {
        Statement::new(sql)
            .bind(self.id)
            .bind(self.generation_id)
            .bind(self.account_id)
            .bind(self.idx)
            .bind(self.original_key)
            .bind(self.thumbnail_key)
            .bind(self.content_type)
            .bind(self.sha256)
            .bind(self.width)
            .bind(self.height)
            .bind(self.bytes)
            .bind(self.thumbnail_bytes)
            .bind(self.thumbnail_sha256)
            .bind(self.created_at)
            .bind(self.created_at)
    }
}
