//! Signing in by email, the account, and signing out. Each command hands its arguments to
//! `atelier_client::Auth` and its answer (or error) back to the UI in the shapes below.

use atelier_api::ErrorCode;
use atelier_api::auth::User;
use atelier_client::auth::{LinkToken, parse_sign_in_link};
use atelier_client::telemetry::AnalyticsEvent;
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::error::AppError;
use crate::state::AppState;
use crate::telemetry::Telemetry;

/// The signed-in person, as the UI shows them.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub display_name: Option<String>,
    /// Sign-up time, milliseconds since the Unix epoch.
    pub created_at: i64,
}

impl From<User> for Account {
    fn from(user: User) -> Self {
        Self {
            id: user.id,
            email: user.email,
            display_name: user.display_name,
            created_at: user.created_at,
        }
    }
}

/// Where the session is kept.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SessionStorage {
    /// The OS credential store: the session survives a restart.
    Keychain,
    /// Memory, as the person chose: quitting signs out.
    Memory,
    /// The OS credential store cannot be used and no choice was made yet.
    Unavailable { reason: String },
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AuthState {
    /// The signed-in account; `null` when signed out.
    pub account: Option<Account>,
    pub storage: SessionStorage,
    /// A sign-in that succeeded but could not be saved to the OS credential store: it waits for
    /// the person to try the store again or keep it until they quit.
    pub unsaved: Option<Account>,
}

impl From<atelier_client::AuthState> for AuthState {
    fn from(state: atelier_client::AuthState) -> Self {
        Self {
            account: state.user.map(Account::from),
            storage: match state.storage {
                atelier_client::Storage::Keychain => SessionStorage::Keychain,
                atelier_client::Storage::Memory => SessionStorage::Memory,
                atelier_client::Storage::Unavailable { reason } => {
                    SessionStorage::Unavailable { reason }
                }
            },
            unsaved: state.unsaved.map(Account::from),
        }
    }
}

/// The answer to "email me a code".
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct EmailSent {
    /// The code and the link stop working after this many seconds.
    pub expires_in_seconds: u32,
    /// Offer to send another email after this many seconds.
    pub resend_after_seconds: u32,
}

/// The language the sign-in email is written in: the UI's.
#[derive(Debug, Clone, Copy, Deserialize, specta::Type)]
pub enum Language {
    #[serde(rename = "en")]
    English,
    #[serde(rename = "zh-CN")]
    SimplifiedChinese,
}

impl From<Language> for atelier_client::Language {
    fn from(language: Language) -> Self {
        match language {
            Language::English => Self::English,
            Language::SimplifiedChinese => Self::SimplifiedChinese,
        }
    }
}

/// Who is signed in, where the session is kept; the first call reads the OS credential store.
#[tauri::command]
#[specta::specta]
pub async fn auth_state(state: State<'_, AppState>) -> Result<AuthState, AppError> {
    Ok(state.auth()?.state().await.into())
}

/// Emails a six-digit code and a sign-in link to `email`, written in `language`.
#[tauri::command]
#[specta::specta]
pub async fn start_sign_in(
    state: State<'_, AppState>,
    email: String,
    language: Language,
) -> Result<EmailSent, AppError> {
    let sent = state.auth()?.start(&email, language.into()).await?;
    Ok(EmailSent {
        expires_in_seconds: sent.expires_in_seconds,
        resend_after_seconds: sent.resend_after_seconds,
    })
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
    Ok(signed_in.into())
}

/// Signs in with a magic link's token, or the whole `atelier://auth?token=…` link, pasted.
#[tauri::command]
#[specta::specta]
pub async fn verify_link_token(
    state: State<'_, AppState>,
    telemetry: State<'_, Telemetry>,
    token: String,
) -> Result<AuthState, AppError> {
    let token = token.trim();
    let parsed = if token.contains(':') {
        parse_sign_in_link(token)
    } else {
        LinkToken::parse(token)
    };
    let token = parsed.map_err(|e| AppError::new(ErrorCode::BadRequest, e.to_string()))?;
    let signed_in = state.auth()?.verify_link(&token).await?;
    telemetry.track(AnalyticsEvent::SignedIn);
    Ok(signed_in.into())
}

/// Sets the display name; `null` or blank clears it.
#[tauri::command]
#[specta::specta]
pub async fn update_display_name(
    state: State<'_, AppState>,
    display_name: Option<String>,
) -> Result<AuthState, AppError> {
    let auth = state.auth()?;
    Ok(auth
        .update_display_name(display_name.as_deref())
        .await?
        .into())
}

/// Emails a code to `email` that moves the signed-in account there, written in `language`. The
/// answer is the same whether or not the address already has an account.
#[tauri::command]
#[specta::specta]
pub async fn start_email_change(
    state: State<'_, AppState>,
    email: String,
    language: Language,
) -> Result<EmailSent, AppError> {
    let sent = state
        .auth()?
        .start_email_change(&email, language.into())
        .await?;
    Ok(EmailSent {
        expires_in_seconds: sent.expires_in_seconds,
        resend_after_seconds: sent.resend_after_seconds,
    })
}

/// Confirms the change of email with the code from the new address. `invalid_code` carries
/// `attempts_left`; the session stays signed in.
#[tauri::command]
#[specta::specta]
pub async fn confirm_email_change(
    state: State<'_, AppState>,
    code: String,
) -> Result<AuthState, AppError> {
    Ok(state.auth()?.confirm_email_change(&code).await?.into())
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
    Ok(signed_out.into())
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
    Ok(signed_out.into())
}

/// The person's explicit choice when the OS credential store is unavailable: keep the session
/// in memory only, so quitting signs out. Never a file.
#[tauri::command]
#[specta::specta]
pub async fn use_memory_session(state: State<'_, AppState>) -> Result<AuthState, AppError> {
    Ok(state.auth()?.keep_until_quit().await.into())
}

/// Tries the OS credential store again, saving a waiting sign-in there when it works.
#[tauri::command]
#[specta::specta]
pub async fn retry_credential_store(state: State<'_, AppState>) -> Result<AuthState, AppError> {
    Ok(state.auth()?.retry_store().await?.into())
}

#[cfg(test)]
mod tests {
    use atelier_api::auth::AuthProvider;

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
        let state = AuthState::from(atelier_client::AuthState {
            user: None,
            storage: atelier_client::Storage::Unavailable {
                reason: "no Secret Service".into(),
            },
            unsaved: Some(user),
        });
        assert_eq!(
            serde_json::to_value(state).ok(),
            Some(serde_json::json!({
                "account": null,
                "storage": { "kind": "unavailable", "reason": "no Secret Service" },
                "unsaved": {
                    "id": "usr_1", "email": "ada@example.com", "display_name": null,
                    "created_at": 1_768_469_400_000_i64
                }
            }))
        );
    }
}
