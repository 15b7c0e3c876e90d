//! What the commands share: the configured service, its client, the session, and the library
//! (the offline cache and its sync), opened on first use.

use atelier_client::account::AccountDeleted;
use atelier_client::library::{Library, SignedInLibrary};
use atelier_client::telemetry::Telemetry;
use atelier_client::{ApiClient, ApiClientOptions, Auth, ClientError, DEFAULT_API_URL};
use tokio::sync::Notify;

use crate::error::AppError;

pub struct AppState {
    /// `ATELIER_API_URL`, or the embedded native server's default address.
    pub api_url: String,
    /// `ATELIER_PRIVACY_CONTACT`, or the policy's address.
    pub privacy_contact: String,
    /// `Err` when `ATELIER_API_URL` is not a usable URL: the window still opens and says so.
    pub client: Result<ApiClient, ClientError>,
    /// Sign-in and the session, kept in the OS credential store; `Err` as `client` is.
    auth: Result<Auth, AppError>,
    /// The signed-in account's library, opened on first use and handed out only to it: closed
    /// on sign-out, bound to (and wiped for) another account before its first read, removed
    /// when the account is deleted. `Err` as `client` is.
    library: Result<SignedInLibrary, AppError>,
    /// Wakes the background sync (a change queued, a generation finished, "Sync now").
    pub sync_wanted: Notify,
}

impl AppState {
    pub fn from_env() -> Self {
        let api_url = std::env::var("ATELIER_API_URL")
            .ok()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| DEFAULT_API_URL.to_owned());
        let client = ApiClient::new(ApiClientOptions::new(api_url.clone()));
        let auth = client
            .as_ref()
            .map(|api| Auth::with_keychain(api.clone()))
            .map_err(AppError::from);
        let library = client
            .as_ref()
            .map(|api| SignedInLibrary::new(api.clone(), Box::new(atelier_client::cache::data_dir)))
            .map_err(AppError::from);
        let privacy_contact =
            atelier_client::legal::privacy_contact(|name| std::env::var(name).ok());
        Self {
            api_url,
            privacy_contact,
            client,
            auth,
            library,
            sync_wanted: Notify::new(),
        }
    }

    /// The signed-in account's library in the data folder (`ATELIER_DATA_DIR`, else the OS's),
    /// opened and checked on first use; `unauthenticated` with nobody signed in, so a late
    /// request from the UI neither reads another account's images nor makes a deleted account's
    /// folder again. A library just given to a new account wakes the sync at once.
    pub async fn library(&self) -> Result<Library, AppError> {
        let libraries = self.library.as_ref().map_err(Clone::clone)?;
        let opened = libraries
            .for_signed_in(self.auth()?)
            .await
            .map_err(|e| AppError::from(&e))?;
        if opened.switched {
            self.sync_wanted.notify_one();
        }
        Ok(opened.library)
    }

    /// Signed out: nothing of the library is readable until someone signs in again.
    pub async fn close_library(&self) {
        if let Ok(libraries) = &self.library {
            libraries.close().await;
        }
    }

    /// Deletes the account on the service, then everything this computer keeps of it.
    pub async fn delete_account(&self, telemetry: &Telemetry) -> Result<AccountDeleted, AppError> {
        let libraries = self.library.as_ref().map_err(Clone::clone)?;
        Ok(atelier_client::account::delete_account(self.auth()?, libraries, telemetry).await?)
    }

    /// The session keeper, or why there is none (an unusable service URL).
    pub fn auth(&self) -> Result<&Auth, AppError> {
        self.auth.as_ref().map_err(Clone::clone)
    }
}
