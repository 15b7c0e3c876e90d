//! What Rust tells the UI without being asked: the session changed (a magic link signed in, the
//! service ended the session, the account changed elsewhere), or a magic link is being checked.

use serde::Serialize;

use crate::commands::auth::AuthState;
use crate::error::AppError;

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum AuthChangeReason {
    /// A magic link (`atelier://auth?token=…`) signed in.
    SignedInByLink,
    /// The service no longer accepts the session: it expired or was signed out everywhere.
    SessionEnded,
    /// The account changed on the service (say, its display name from another device).
    AccountUpdated,
    /// The account was deleted from this device: the app is back at the sign-in screen.
    AccountDeleted,
}

#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct AuthChanged {
    pub state: AuthState,
    pub reason: AuthChangeReason,
}

/// A magic link reached the app: it is being checked, or it did not sign in.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum SignInLink {
    Verifying,
    Failed { error: AppError },
}

/// The data export moved on: `done` of `total` images written; `stage` is `preparing`, `images`,
/// `finishing` or `done`.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct ExportProgress {
    pub done: u32,
    pub total: u32,
    pub stage: String,
}

/// Sync moved on: started, progressed, finished, went offline; or a change was queued.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct SyncChanged(pub atelier_client::sync::SyncStatus);
