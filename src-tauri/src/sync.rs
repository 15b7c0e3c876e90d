//! The background sync: at start, when woken (a change queued, "Sync now", a generation
//! finished), and every few minutes; sooner again while offline, so it resumes soon after the
//! network returns. Every status change reaches the UI as a `sync-changed` event, and a pass that
//! brought credit ledger entries as `credits-changed`.

use std::time::Duration;

use atelier_client::library::Library;
use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event;

use crate::events::{CreditsChangeReason, CreditsChanged, SyncChanged};
use crate::state::AppState;

/// Between passes when all is well.
const PERIOD: Duration = Duration::from_secs(300);
/// Between attempts while the service cannot be reached.
const OFFLINE_RETRY: Duration = Duration::from_secs(15);
/// Between looks at the session while nobody is signed in.
const SIGNED_OUT: Duration = Duration::from_secs(5);

pub fn sync_in_background<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        // The library whose status reaches the UI; a new one after the account is deleted.
        let mut forwarded: Option<Library> = None;
        loop {
            let wait = match state.auth() {
                Ok(auth) if auth.state().await.user.is_some() => match state.library().await {
                    Ok(library) => {
                        if forwarded.as_ref().is_none_or(|f| !f.same_as(&library)) {
                            forward_status(&app, &library);
                            forwarded = Some(library.clone());
                        }
                        match library.sync(auth).await {
                            Ok(_) => PERIOD,
                            Err(e) if e.code().as_str() == "offline" => OFFLINE_RETRY,
                            Err(e) => {
                                tracing::warn!(error = %e, "sync stopped");
                                PERIOD
                            }
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = ?e, "no library: the gallery stays empty");
                        PERIOD
                    }
                },
                // Signed out: look again soon, a sign-in starts the first sync. The library is
                // not opened here, so a deleted account's folder stays gone.
                _ => SIGNED_OUT,
            };
            tokio::select! {
                () = state.sync_wanted.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    });
}

/// Sends the library's status changes to the UI until the library is dropped, and tells it
/// when a pass brought credit ledger entries.
fn forward_status<R: Runtime>(app: &AppHandle<R>, library: &Library) {
    let mut changes = library.engine().subscribe();
    let _ = SyncChanged(changes.borrow_and_update().clone()).emit(app);
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        while changes.changed().await.is_ok() {
            let status = changes.borrow_and_update().clone();
            let _ = SyncChanged(status).emit(&handle);
        }
    });
    let mut credits = library.engine().subscribe_credits();
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        while credits.changed().await.is_ok() {
            let _ = CreditsChanged {
                reason: CreditsChangeReason::Synced,
            }
            .emit(&handle);
        }
    });
}
