//! "Export my data": a save dialog, then `atelier_client::export` writes the zip there, its
//! progress reaching the UI as `ExportProgress` events. One export runs at a time.

use std::sync::Mutex;

use atelier_client::export::{self, CancellationToken, ExportSource};
use serde::Serialize;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_dialog::DialogExt;
use tauri_specta::Event;

use crate::error::AppError;
use crate::events::ExportProgress;
use crate::state::AppState;

/// A finished export.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ExportSummary {
    /// Where the zip was written.
    pub path: String,
    /// How many images it holds.
    pub images: u32,
    /// Its size in bytes.
    pub bytes: u64,
}

/// The running export's cancel switch.
#[derive(Default)]
struct RunningExport(Mutex<Option<CancellationToken>>);

fn running(app: &AppHandle) -> State<'_, RunningExport> {
    // Managed on first use, so the shell's setup needs no knowledge of exports.
    app.manage(RunningExport::default());
    app.state::<RunningExport>()
}

impl RunningExport {
    /// Makes `token` the running export's, cancelling any other still running.
    fn start(&self, token: CancellationToken) {
        if let Ok(mut slot) = self.0.lock()
            && let Some(previous) = slot.replace(token)
        {
            previous.cancel();
        }
    }

    fn cancel(&self) {
        if let Ok(slot) = self.0.lock()
            && let Some(token) = slot.as_ref()
        {
            token.cancel();
        }
    }
}

/// Asks where to save (`atelier-export-YYYY-MM-DD.zip`), then writes the export there. `None`
/// when the person closed the dialog or cancelled the export; nothing is left behind then.
#[tauri::command]
#[specta::specta]
pub async fn export_data(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<Option<ExportSummary>, AppError> {
    let auth = state.auth()?;
    let token = auth.token().await?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_file_name(export::default_file_name())
        .add_filter("Zip", &["zip"])
        .save_file(move |path| {
            let _ = tx.send(path);
        });
    let Some(path) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    let target = path
        .into_path()
        .map_err(|e| AppError::new(atelier_api::ErrorCode::Internal, e.to_string()))?;
    // Without a usable cache every image is downloaded; the export still works.
    let files = match state.library().await {
        Ok(library) => Some(library.cache().files().clone()),
        Err(e) => {
            tracing::warn!(code = %e.code, "exporting without the cache");
            None
        }
    };
    let source = ExportSource {
        api: auth.api().clone(),
        token,
        files,
    };

    let cancel = CancellationToken::new();
    running(&app).start(cancel.clone());
    let (progress, mut changes) = tokio::sync::watch::channel(export::ExportProgress::default());
    let forward = tauri::async_runtime::spawn({
        let app = app.clone();
        async move {
            while changes.changed().await.is_ok() {
                let p = *changes.borrow_and_update();
                let _ = ExportProgress {
                    done: p.done,
                    total: p.total,
                    stage: p.stage.as_str().to_owned(),
                }
                .emit(&app);
            }
        }
    });
    let result = export::export(&source, &target, &progress, &cancel).await;
    drop(progress);
    let _ = forward.await;
    match result {
        Ok(summary) => Ok(Some(ExportSummary {
            path: summary.path.display().to_string(),
            images: summary.images,
            bytes: summary.bytes,
        })),
        Err(atelier_client::ClientError::ExportCancelled) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Stops the running export, if any; its unfinished file is deleted.
#[tauri::command]
#[specta::specta]
pub async fn cancel_export(app: AppHandle) -> Result<(), AppError> {
    running(&app).cancel();
    Ok(())
}
