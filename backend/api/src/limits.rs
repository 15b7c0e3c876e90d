//! `GET /v1/limits`: the numbers both halves enforce. The server is the authority; the desktop uses
//! them to stop bad input before it costs a round trip.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Limits {
    /// Longest prompt, in Unicode scalar values, after trimming.
    pub max_prompt_chars: u32,
    /// Fewest images one generation request may ask for.
    pub min_images_per_request: u32,
    /// Most images one generation request may ask for.
    pub max_images_per_request: u32,
    /// Largest request body the service reads, in bytes.
    pub max_request_body_bytes: u32,
    /// Longest conversation title, in Unicode scalar values.
    pub max_title_chars: u32,
    /// Longest display name, in Unicode scalar values.
    pub max_display_name_chars: u32,
    /// Longest side of a stored thumbnail, in pixels.
    pub thumbnail_max_side_px: u32,
    /// Largest upload (`POST /v1/uploads`), in bytes.
    pub max_upload_bytes: u32,
    /// Most pixels (width × height) an upload may have.
    pub max_upload_pixels: u32,
    /// Most input images one generation may name.
    pub max_input_images: u32,
}

/// The limits this build of the service enforces.
pub const LIMITS: Limits = Limits {
    max_prompt_chars: 4_000,
    min_images_per_request: 1,
    max_images_per_request: 4,
    max_request_body_bytes: 64 * 1024,
    max_title_chars: 200,
    max_display_name_chars: 80,
    thumbnail_max_side_px: 512,
    max_upload_bytes: 10 * 1024 * 1024,
    // 4096 × 4096: decoded as RGBA that is 64 MiB, within what one decode may take (below) and
    // what a Worker may hold (128 MB); kie's own inputs stop at 10 MB a file.
    max_upload_pixels: 4_096 * 4_096,
    max_input_images: 8,
};

/// Decoding image bytes that came from elsewhere (kie's results on the service, the service's
/// images on the desktop): an image wider or taller than this is refused from its header, before
/// any pixel is allocated, so a small file that claims huge dimensions (a decompression bomb)
/// costs nothing. Generous for kie's 1K, 2K and 4K results.
pub const MAX_DECODED_SIDE_PX: u32 = 8_192;
/// What one decode may allocate, the decoded pixels included (a 4K image in RGBA is 64 MiB).
pub const MAX_DECODE_ALLOC_BYTES: u64 = 96 * 1024 * 1024;

impl Default for Limits {
    fn default() -> Self {
        LIMITS
    }
}
