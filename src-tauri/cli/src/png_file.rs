//! An image written as a PNG with the data export's text chunks (prompt, model, generation, time,
//! software; `atelier_client::export`), put in place only once complete.

use std::path::{Path, PathBuf};

use atelier_api::generations::Generation;
use atelier_client::export::png_text::{self, TextEntry};

use crate::error::{CliError, Exit};

/// The chunks the data export gives each image (`atelier_client::export::image_text`).
pub fn text_chunks(generation: &Generation, image_created_at: i64) -> Vec<TextEntry> {
    atelier_client::export::image_text(
        &generation.prompt,
        &generation.model,
        &generation.id,
        image_created_at,
    )
}

/// Writes `original` (any format the export reads) as a PNG with `text` at `path`: to a
/// temporary name beside it, then renamed, so a reader never sees half a file.
pub async fn write(path: &Path, original: Vec<u8>, text: Vec<TextEntry>) -> Result<(), CliError> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || write_now(&path, &original, &text))
        .await
        .map_err(|e| CliError::new("internal", format!("writing an image: {e}"), Exit::Failure))?
}

fn write_now(path: &PathBuf, original: &[u8], text: &[TextEntry]) -> Result<(), CliError> {
    let png = png_text::to_png_with_text(original, text).map_err(|e| {
        CliError::new(
            "internal",
            "the image could not be converted",
            Exit::Failure,
        )
        .with_detail(e.to_string())
    })?;
    let mut partial = path.clone().into_os_string();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    std::fs::write(&partial, &png)
        .and_then(|()| std::fs::rename(&partial, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&partial);
            CliError::unwritable(path, &e)
        })
}
