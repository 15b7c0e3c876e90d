//! Deleting the account: on the service first, then everything this computer keeps of it.

use atelier_client::ClientError;
use tauri::{AppHandle, Manager, State};
use tauri_specta::Event;

use crate::commands::auth::AuthState;
use crate::error::AppError;
use crate::events::{AuthChangeReason, AuthChanged};
use crate::state::AppState;

/// Deletes the account and everything it holds: the service revokes every session and purges
/// its data; this device forgets the session (the OS credential store's entry), removes the
/// cache database and image files, and clears the webview's storage. Offline or refused by the
/// service, nothing changes anywhere and the error says why.
#[tauri::command]
#[specta::specta]
pub async fn delete_account(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<AuthState, AppError> {
    let deleted = state.auth()?.delete_account().await;
    // The service said no (offline, session already ended…): keep everything as it is.
    if let Err(e) = &deleted
        && !matches!(e, ClientError::CredentialStore(_))
    {
        return Err(e.into());
    }
    // From here the account is gone on the service: remove this device's copy whatever else
    // fails, and report the first failure.
    let removed = state.remove_library().await;
    // The analytics choice and id go with the folder; this also resets what the running app
    // remembers, so Settings asks again instead of showing the deleted account's choice.
    let forgotten = crate::telemetry::forget(&app);
    for window in app.webview_windows().values() {
        if let Err(e) = window.clear_all_browsing_data() {
            tracing::warn!(error = %e, "could not clear the webview's storage");
        }
    }
    let signed_out = state.auth()?.state().await;
    let _ = AuthChanged {
        state: signed_out.clone().into(),
        reason: AuthChangeReason::AccountDeleted,
    }
    .emit(&app);
    deleted?;
    removed?;
    forgotten?;
    Ok(signed_out.into())
}
