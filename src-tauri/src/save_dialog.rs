//! The system's save dialog, awaited: where the person wants a file written.

use std::path::PathBuf;

use atelier_api::ErrorCode;
use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;

use crate::error::AppError;

/// Asks where to save, suggesting `file_name` and offering files of `kind` with `extensions`:
/// the chosen path, `None` when the dialog was closed.
pub async fn ask_where(
    app: &AppHandle,
    file_name: String,
    kind: &str,
    extensions: &[&str],
) -> Result<Option<PathBuf>, AppError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_file_name(file_name)
        .add_filter(kind, extensions)
        .save_file(move |path| {
            let _ = tx.send(path);
        });
    let Some(path) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    path.into_path()
        .map(Some)
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))
}
