//! Deleting the account: `atelier_client::account` does it; the shell clears the webview's
//! storage and tells the window.

use atelier_client::AuthState;
use atelier_client::telemetry::Telemetry;
use tauri::{AppHandle, Manager, State};
use tauri_specta::Event;

use crate::error::AppError;
use crate::events::{AuthChangeReason, AuthChanged};
use crate::state::AppState;

/// Deletes the account and everything it holds: the service revokes every session and purges
/// its data; this device forgets the session, removes the cache database and image files, the
/// analytics choice, and clears the webview's storage. Offline or refused by the service,
/// nothing changes anywhere and the error says why.
#[tauri::command]
#[specta::specta]
pub async fn delete_account(
    app: AppHandle,
    state: State<'_, AppState>,
    telemetry: State<'_, Telemetry>,
) -> Result<AuthState, AppError> {
    let deleted = state.delete_account(&telemetry).await?;
    clear_webview_storage(&app);
    let reason = AuthChangeReason::AccountDeleted;
    let _ = AuthChanged {
        state: deleted.signed_out.clone(),
        reason,
    }
    .emit(&app);
    deleted
        .incomplete
        .map_or(Ok(deleted.signed_out), |e| Err(e.into()))
}

/// Clears what the webview keeps (local storage, its caches) in every window.
fn clear_webview_storage(app: &AppHandle) {
    for window in app.webview_windows().values() {
        if let Err(e) = window.clear_all_browsing_data() {
            tracing::warn!(error = %e, "could not clear the webview's storage");
        }
    }
}
