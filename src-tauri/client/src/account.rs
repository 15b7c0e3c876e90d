//! Deleting the account, as the one action in Settings: on the service first, then everything
//! this computer keeps of it (the saved session, the library's folder, the analytics choice and
//! id). The shell adds only what needs the window: clearing the webview's storage and telling it.

use crate::auth::{Auth, AuthState};
use crate::error::ClientError;
use crate::library::SignedInLibrary;
use crate::telemetry::Telemetry;

/// The account is gone on the service; this device is signed out.
#[derive(Debug)]
pub struct AccountDeleted {
    pub signed_out: AuthState,
    /// The first local removal that failed (the saved session, the folder, the analytics
    /// choice), each of the others still tried: the UI says what is left.
    pub incomplete: Option<ClientError>,
}

/// Deletes the account on the service, then removes this device's copy of it. Offline, or
/// refused by the service, it is an error and nothing has changed anywhere.
pub async fn delete_account(
    auth: &Auth,
    libraries: &SignedInLibrary,
    telemetry: &Telemetry,
) -> Result<AccountDeleted, ClientError> {
    let forgot_session = match auth.delete_account().await {
        Ok(_) => Ok(()),
        // Deleted on the service; only the OS credential store did not let go of the entry.
        Err(e @ ClientError::CredentialStore(_)) => Err(e),
        Err(refused) => return Err(refused),
    };
    // From here the account is gone on the service: remove every local trace whatever fails.
    let removed = libraries.close_and_remove().await;
    // Settings asks again, instead of showing the deleted account's choice.
    let forgot_analytics = telemetry.forget();
    Ok(AccountDeleted {
        signed_out: auth.state().await,
        incomplete: forgot_session.and(removed).and(forgot_analytics).err(),
    })
}
