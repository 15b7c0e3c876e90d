//! `atelier sync`: one sync pass of the shared library, as the desktop's "Sync now": changes made
//! offline go out, the account's changes come in with their thumbnails and the originals that fit
//! the storage budget.

use serde::Serialize;

use crate::app::App;
use crate::error::CliError;

#[derive(Serialize)]
struct Synced {
    changes_sent: u32,
    changes: usize,
    deletions: usize,
    thumbnails: u32,
    originals: u32,
    /// Files that could not be fetched this time.
    failed: u32,
}

pub async fn run(app: &App) -> Result<(), CliError> {
    app.user().await?;
    let library = app.library().await?;
    let mut status = library.engine().subscribe();
    let out = app.out.clone();
    let shown = tokio::spawn(async move {
        while status.changed().await.is_ok() {
            let progress = status.borrow_and_update().progress;
            match progress {
                Some(p) => out.status(&format!("syncing: {} of {} files", p.done, p.total)),
                None => out.status("syncing"),
            }
        }
    });
    let report = library.sync(&app.auth).await;
    shown.abort();
    let report = report?;
    let synced = Synced {
        changes_sent: report.outbox_sent,
        changes: report.upserts,
        deletions: report.deletes,
        thumbnails: report.thumbnails,
        originals: report.originals,
        failed: report.failed,
    };
    app.out.clear_status();
    app.out.note(&format!(
        "Synced: {} changes in, {} deletions, {} sent; fetched {} thumbnails and {} originals.",
        synced.changes, synced.deletions, synced.changes_sent, synced.thumbnails, synced.originals
    ));
    if app.out.json() {
        app.out.document(&synced);
    }
    Ok(())
}
