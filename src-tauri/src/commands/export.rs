//! Exports to a zip: "Export my data" (everything the account holds) and the gallery's "Export
//! selected…" (the chosen images' originals). Each asks where to save, then `atelier_client::export`
//! writes the zip there, its progress reaching the UI as `ExportProgress` events tagged with its
//! kind. One export of each kind runs at a time, each with its own cancel switch.

use std::collections::HashMap;
use std::sync::Mutex;

use atelier_client::export::{self, CancellationToken, ExportSource, ExportSummary, selected};
use tauri::{AppHandle, Manager, State};
use tauri_specta::Event;

use crate::error::AppError;
use crate::events::{ExportKind, ExportProgress};
use crate::save_dialog::ask_where;
use crate::state::AppState;

/// The running exports' cancel switches, by kind.
#[derive(Default)]
struct RunningExports(Mutex<HashMap<ExportKind, CancellationToken>>);

fn running(app: &AppHandle) -> State<'_, RunningExports> {
    // Managed on first use, so the shell's setup needs no knowledge of exports.
    app.manage(RunningExports::default());
    app.state::<RunningExports>()
}

impl RunningExports {
    /// Makes `token` the running export of `kind`, cancelling another of that kind still running.
    fn start(&self, kind: ExportKind, token: CancellationToken) {
        if let Ok(mut running) = self.0.lock()
            && let Some(previous) = running.insert(kind, token)
        {
            previous.cancel();
        }
    }

    fn cancel(&self, kind: ExportKind) {
        if let Ok(running) = self.0.lock()
            && let Some(token) = running.get(&kind)
        {
            token.cancel();
        }
    }
}

/// An export being run: where it sends its progress, its cancel switch, and the task that
/// forwards its progress to the UI as events.
struct Tracked {
    progress: tokio::sync::watch::Sender<export::ExportProgress>,
    cancel: CancellationToken,
    forward: tauri::async_runtime::JoinHandle<()>,
}

/// Registers a new export of `kind` (its cancel switch) and starts forwarding its progress.
fn track(app: &AppHandle, kind: ExportKind) -> Tracked {
    let cancel = CancellationToken::new();
    running(app).start(kind, cancel.clone());
    let (progress, mut changes) = tokio::sync::watch::channel(export::ExportProgress::default());
    let forward = tauri::async_runtime::spawn({
        let app = app.clone();
        async move {
            while changes.changed().await.is_ok() {
                let progress = *changes.borrow_and_update();
                let _ = ExportProgress { kind, progress }.emit(&app);
            }
        }
    });
    Tracked {
        progress,
        cancel,
        forward,
    }
}

impl Tracked {
    /// Waits for the last progress to reach the UI, then answers for the export: a cancelled
    /// one is `None`.
    async fn end(
        self,
        result: Result<ExportSummary, atelier_client::ClientError>,
    ) -> Result<Option<ExportSummary>, AppError> {
        drop(self.progress);
        let _ = self.forward.await;
        match result {
            Ok(summary) => Ok(Some(summary)),
            Err(atelier_client::ClientError::ExportCancelled) => Ok(None),
            Err(e) => Err(e.into()),
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
    let library = state.library().await;
    let library = library
        .inspect_err(|e| tracing::warn!(code = %e.code, "no cache"))
        .ok();
    let source = ExportSource::signed_in(state.auth()?, library.as_ref()).await?;
    let Some(target) = ask_where(&app, export::default_file_name(), "Zip", &["zip"]).await? else {
        return Ok(None);
    };
    let tracked = track(&app, ExportKind::Data);
    let result = export::export(&source, &target, &tracked.progress, &tracked.cancel).await;
    tracked.end(result).await
}

/// Asks where to save (`atelier-images-YYYY-MM-DD.zip`), then writes the originals of
/// `image_ids` there as PNGs with their prompts. `None` when the person closed the dialog or
/// cancelled; `originals_unavailable` (with `missing`) when offline without every original here.
#[tauri::command]
#[specta::specta]
pub async fn export_selected(
    app: AppHandle,
    state: State<'_, AppState>,
    image_ids: Vec<String>,
) -> Result<Option<ExportSummary>, AppError> {
    let library = state.library().await?;
    let source = ExportSource::signed_in(state.auth()?, Some(&library)).await?;
    let name = selected::default_file_name();
    let Some(target) = ask_where(&app, name, "Zip", &["zip"]).await? else {
        return Ok(None);
    };
    let tracked = track(&app, ExportKind::Selected);
    let (cache, progress, cancel) = (library.cache(), &tracked.progress, &tracked.cancel);
    let result =
        selected::export_selected(cache, &source, &image_ids, &target, progress, cancel).await;
    tracked.end(result).await
}

/// Stops the running export of `kind`, if any; its unfinished file is deleted.
#[tauri::command]
#[specta::specta]
pub async fn cancel_export(app: AppHandle, kind: ExportKind) -> Result<(), AppError> {
    running(&app).cancel(kind);
    Ok(())
}
