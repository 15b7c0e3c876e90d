//! Images people bring in (`POST /v1/uploads`): stored under their account like generated images,
//! synced to every device (kind `upload`), and usable as the input of a generation.

use serde::{Deserialize, Serialize};

/// The content types an upload may have; anything else is `unsupported_media_type`.
pub const UPLOAD_CONTENT_TYPES: [&str; 3] = ["image/png", "image/jpeg", "image/webp"];

/// An uploaded image: the answer to `POST /v1/uploads` and the record sync carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    pub id: String,
    pub width: u32,
    pub height: u32,
    /// Size of the original in bytes.
    pub bytes: u64,
    /// Hex SHA-256 of the original: the same bytes uploaded again are the same upload.
    pub sha256: String,
    pub content_type: String,
    /// Hex SHA-256 and size of the JPEG thumbnail (`GET /v1/uploads/{id}/thumbnail`).
    pub thumbnail_sha256: String,
    pub thumbnail_bytes: u64,
    pub created_at: i64,
}
