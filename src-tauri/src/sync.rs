//! The background sync: the library's live watch (one waiting request on the service's changes,
//! `Library::live`), started whenever someone is signed in; and, as its fallback, a pass soon
//! after start (once the window has had time to paint the cache), when woken (a change queued, "Sync now", a generation finished) and every few minutes,
//! sooner again while offline, so it resumes soon after the network returns. Every status change
//! reaches the UI as a `sync-changed` event, a pass that changed the library as
//! `library-changed`, and one that brought credit ledger entries as `credits-changed`. The watch
//! stops with the library: on sign-out, account deletion, or another account signing in.

use std::time::Duration;

use atelier_client::library::Library;
use atelier_client::sync::LibraryChanges;
use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event;
use tokio::sync::broadcast::error::RecvError;

use crate::events::{CreditsChangeReason, CreditsChanged, LibraryChanged, SyncChanged};
use crate::state::AppState;

/// Between passes when all is well.
const PERIOD: Duration = Duration::from_secs(300);
/// Between attempts while the service cannot be reached.
const OFFLINE_RETRY: Duration = Duration::from_secs(15);
/// Between looks at the session while nobody is signed in.
const SIGNED_OUT: Duration = Duration::from_secs(5);
/// The first pass waits this long after start (unless woken: a sign-in, "Sync now"), so the
/// window paints what the cache holds before sync competes with it for the disk and the cores.
const FIRST_PASS_AFTER: Duration = Duration::from_millis(1500);

pub fn sync_in_background<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        // The library whose status reaches the UI; a new one after the account is deleted.
        let mut forwarded: Option<Library> = None;
        tokio::select! {
            () = state.sync_wanted.notified() => {}
            () = tokio::time::sleep(FIRST_PASS_AFTER) => {}
        }
        loop {
            let wait = match state.auth() {
                Ok(auth) if auth.state().await.user.is_some() => match state.library().await {
                    Ok(library) => {
                        if forwarded.as_ref().is_none_or(|f| !f.same_as(&library)) {
                            forward_status(&app, &library);
                            forwarded = Some(library.clone());
                        }
                        // At once when one already follows this library.
                        watch_live(&app, &library);
                        match library.sync(auth).await {
                            Ok(_) => PERIOD,
                            Err(e) if e.is_offline() => OFFLINE_RETRY,
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

/// Sends the library's status and changes to the UI until the library is dropped; a change that
/// brought credit ledger entries is also `credits-changed`.
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
    let mut changes = library.engine().subscribe_changes();
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let change = match changes.recv().await {
                Ok(change) => change,
                // Some were missed: everything shown may be stale.
                Err(RecvError::Lagged(_)) => LibraryChanges::everything(),
                Err(RecvError::Closed) => return,
            };
            if change.credits {
                // The moment to show the balance again (a purchase, a debit, a clawback).
                let reason = CreditsChangeReason::Synced;
                let _ = CreditsChanged { reason }.emit(&handle);
            }
            let _ = LibraryChanged(change).emit(&handle);
        }
    });
}

/// Runs the library's live watch for whoever is signed in, unless one already does. It ends by
/// itself when the library is closed or its watch stopped (sign-out, account deletion, another
/// account), and when nobody is signed in; the next round of the loop above starts it again.
fn watch_live<R: Runtime>(app: &AppHandle<R>, library: &Library) {
    let (app, library) = (app.clone(), library.clone());
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        if let Ok(auth) = state.auth() {
            let end = library.live(auth).await;
            tracing::debug!(?end, "the live sync ended");
        }
    });
}
