//! `atelier export FILE.zip`: the data export of Settings → "Export my data" (atelier-client's
//! `export`), originals read from the shared cache when it holds them. Ctrl-C cancels it and
//! leaves nothing behind. Needs the service, as in the app.

use atelier_client::ClientError;
use atelier_client::export::{self, CancellationToken, ExportSource, ExportStage};
use serde::Serialize;

use crate::app::App;
use crate::cli::ExportArgs;
use crate::error::CliError;

#[derive(Serialize)]
struct Exported {
    path: String,
    images: u32,
    bytes: u64,
}

pub async fn run(app: &App, args: &ExportArgs) -> Result<(), CliError> {
    let token = app.token().await?;
    let files = match app.library().await {
        Ok(library) => Some(library.cache().files().clone()),
        Err(e) => {
            tracing::info!(code = %e.code, "exporting without the cache");
            None
        }
    };
    let source = ExportSource {
        api: app.api().clone(),
        token,
        files,
    };
    let cancel = CancellationToken::new();
    let (progress, mut changes) = tokio::sync::watch::channel(export::ExportProgress::default());
    let out = app.out.clone();
    let shown = tokio::spawn(async move {
        while changes.changed().await.is_ok() {
            let p = *changes.borrow_and_update();
            match p.stage {
                ExportStage::Images => {
                    out.status(&format!("exporting: {} of {} images", p.done, p.total))
                }
                stage => out.status(&format!("exporting: {}", stage.as_str())),
            }
        }
    });
    let interrupt = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
        })
    };
    let result = export::export(&source, &args.file, &progress, &cancel).await;
    interrupt.abort();
    drop(progress);
    let _ = shown.await;
    let summary = match result {
        Err(ClientError::ExportCancelled) => return Err(ClientError::ExportCancelled.into()),
        other => other?,
    };
    let path = summary.path.display().to_string();
    app.out.clear_status();
    app.out.note(&format!(
        "Exported {} images ({} bytes).",
        summary.images, summary.bytes
    ));
    if app.out.json() {
        app.out.document(&Exported {
            path,
            images: summary.images,
            bytes: summary.bytes,
        });
    } else {
        app.out.line(path);
    }
    Ok(())
}
