//! What Rust tells the UI without being asked: the session changed (a magic link signed in, the
//! service ended the session, the account changed elsewhere), a magic link is being checked, sync
//! moved on, the library changed, the credits may have changed, an export progressed.

use atelier_client::AuthState;
use serde::{Deserialize, Serialize};

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

/// Which export: the whole account's data (Settings), or the images chosen in the gallery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    Data,
    Selected,
}

/// An export of `kind` moved on: `done` of `total` images written, and its stage.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct ExportProgress {
    pub kind: ExportKind,
    #[serde(flatten)]
    pub progress: atelier_client::export::ExportProgress,
}

/// Sync moved on: started, progressed, finished, went offline; or a change was queued.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct SyncChanged(pub atelier_client::sync::SyncStatus);

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum CreditsChangeReason {
    /// Sync brought ledger entries: a purchase, a debit or a clawback, from any device.
    Synced,
    /// The browser came back from a checkout (`atelier://billing/return`): a hint, not proof;
    /// a sync has been asked for.
    CheckoutReturned,
}

/// The balance and ledger may have changed: read them again.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct CreditsChanged {
    pub reason: CreditsChangeReason,
}

/// A sync pass changed the library (the live channel brought the service's changes, or any other
/// pass did): which kinds of records, and which generations finished. The Studio's cards and the
/// gallery read again what this names.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct LibraryChanged(pub atelier_client::sync::LibraryChanges);
