//! Signing in by email, the account, and signing out. Each command hands its arguments to
//! `atelier_client::Auth` and its answer (or error) back to the UI, in the client's and the
//! API's own types.

use atelier_api::auth::SignInStarted;
use atelier_client::telemetry::AnalyticsEvent;
use atelier_client::telemetry::Telemetry;
use atelier_client::{AuthState, Language};
use tauri::State;

use crate::error::AppError;
use crate::state::AppState;

/// Who is signed in, where the session is kept; the first call reads the OS credential store.
#[tauri::command]
#[specta::specta]
pub async fn auth_state(state: State<'_, AppState>) -> Result<AuthState, AppError> {
    Ok(state.auth()?.state().await)
}

/// Emails a six-digit code and a sign-in link to `email`, written in `language`.
#[tauri::command]
#[specta::specta]
pub async fn start_sign_in(
    state: State<'_, AppState>,
    email: String,
    language: Language,
) -> Result<SignInStarted, AppError> {
    Ok(state.auth()?.start(&email, language).await?)
}

/// Signs in with the code from the email. `invalid_code` carries `attempts_left`.
#[tauri::command]
#[specta::specta]
pub async fn verify_code(
    state: State<'_, AppState>,
    telemetry: State<'_, Telemetry>,
    email: String,
    code: String,
) -> Result<AuthState, AppError> {
    let signed_in = state.auth()?.verify_code(&email, &code).await?;
    telemetry.track(AnalyticsEvent::SignedIn);
    Ok(signed_in)
}

/// Signs in with a magic link's token, or the whole `atelier://auth?token=…` link, pasted.
#[tauri::command]
#[specta::specta]
pub async fn verify_link_token(
    state: State<'_, AppState>,
    telemetry: State<'_, Telemetry>,
    token: String,
) -> Result<AuthState, AppError> {
    let signed_in = state.auth()?.verify_pasted(&token).await?;
    telemetry.track(AnalyticsEvent::SignedIn);
    Ok(signed_in)
}

/// Sets the display name; `null` or blank clears it.
#[tauri::command]
#[specta::specta]
pub async fn update_display_name(
    state: State<'_, AppState>,
    display_name: Option<String>,
) -> Result<AuthState, AppError> {
    let auth = state.auth()?;
    Ok(auth.update_display_name(display_name.as_deref()).await?)
}

/// Emails a code to `email` that moves the signed-in account there, written in `language`. The
/// answer is the same whether or not the address already has an account.
#[tauri::command]
#[specta::specta]
pub async fn start_email_change(
    state: State<'_, AppState>,
    email: String,
    language: Language,
) -> Result<SignInStarted, AppError> {
    Ok(state.auth()?.start_email_change(&email, language).await?)
}

/// Confirms the change of email with the code from the new address. `invalid_code` carries
/// `attempts_left`; the session stays signed in.
#[tauri::command]
#[specta::specta]
pub async fn confirm_email_change(
    state: State<'_, AppState>,
    code: String,
) -> Result<AuthState, AppError> {
    Ok(state.auth()?.confirm_email_change(&code).await?)
}

/// Signs this device out.
#[tauri::command]
#[specta::specta]
pub async fn sign_out(
    state: State<'_, AppState>,
    telemetry: State<'_, Telemetry>,
) -> Result<AuthState, AppError> {
    let signed_out = state.auth()?.sign_out().await?;
    state.close_library().await;
    telemetry.track(AnalyticsEvent::SignedOut);
    Ok(signed_out)
}

/// Signs the account out on every device, this one included.
#[tauri::command]
#[specta::specta]
pub async fn sign_out_everywhere(
    state: State<'_, AppState>,
    telemetry: State<'_, Telemetry>,
) -> Result<AuthState, AppError> {
    let signed_out = state.auth()?.sign_out_everywhere().await?;
    state.close_library().await;
    telemetry.track(AnalyticsEvent::SignedOut);
    Ok(signed_out)
}

/// The person's explicit choice when the OS credential store is unavailable: keep the session
/// in memory only, so quitting signs out. Never a file.
#[tauri::command]
#[specta::specta]
pub async fn use_memory_session(state: State<'_, AppState>) -> Result<AuthState, AppError> {
    Ok(state.auth()?.keep_until_quit().await)
}

/// Tries the OS credential store again, saving a waiting sign-in there when it works.
#[tauri::command]
#[specta::specta]
pub async fn retry_credential_store(state: State<'_, AppState>) -> Result<AuthState, AppError> {
    Ok(state.auth()?.retry_store().await?)
}

#[cfg(test)]
mod tests {
    use atelier_api::auth::{AuthProvider, User};
    use atelier_client::Storage;

    use super::*;

    #[test]
    fn the_state_reaches_the_ui_in_the_shape_the_bindings_promise() {
        let user = User {
            id: "usr_1".into(),
            email: "ada@example.com".into(),
            display_name: None,
            auth_provider: AuthProvider::Email,
            created_at: 1_768_469_400_000,
        };
        let state = AuthState {
            user: None,
            storage: Storage::Unavailable {
                reason: "no Secret Service".into(),
            },
            unsaved: Some(user),
        };
        assert_eq!(
            serde_json::to_value(state).ok(),
            Some(serde_json::json!({
                "account": null,
                "storage": { "kind": "unavailable", "reason": "no Secret Service" },
                "unsaved": {
                    "id": "usr_1", "email": "ada@example.com", "display_name": null,
                    "auth_provider": "email", "created_at": 1_768_469_400_000_i64
                }
            }))
        );
    }
}
