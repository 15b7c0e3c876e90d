//! What the commands share: the configured service, its client, the session, and the library
//! (the offline cache and its sync), opened on first use.

use atelier_client::library::Library;
use atelier_client::{ApiClient, ApiClientOptions, Auth, ClientError, DEFAULT_API_URL};
use tokio::sync::{Mutex, Notify};

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
    /// Opened on first use; closed (and the folder removed) when the account is deleted, then
    /// opened afresh by whoever needs it next.
    library: Mutex<Option<Library>>,
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
        let privacy_contact =
            atelier_client::legal::privacy_contact(|name| std::env::var(name).ok());
        Self {
            api_url,
            privacy_contact,
            client,
            auth,
            library: Mutex::new(None),
            sync_wanted: Notify::new(),
        }
    }

    /// The library in the data folder (`ATELIER_DATA_DIR`, else the OS's), opened and checked
    /// on first use; `Err` when the folder or its database cannot be used (tried again next time).
    pub async fn library(&self) -> Result<Library, AppError> {
        let mut slot = self.library.lock().await;
        if let Some(library) = slot.as_ref() {
            return Ok(library.clone());
        }
        // A cache belongs to an account: with nobody signed in there is none to open (and a
        // deleted account's folder is not made again by a late request from the UI).
        if self.auth()?.state().await.user.is_none() {
            return Err(AppError::new(
                atelier_api::ErrorCode::Unauthenticated,
                "sign in first",
            ));
        }
        let api = self.client.as_ref().map_err(AppError::from)?.clone();
        let dir = atelier_client::cache::data_dir().map_err(|e| AppError::from(&e))?;
        let library = Library::open(&dir, api)
            .await
            .map_err(|e| AppError::from(&e))?;
        *slot = Some(library.clone());
        Ok(library)
    }

    /// Closes the library and removes everything it keeps on this computer. The next use opens
    /// an empty one.
    pub async fn remove_library(&self) -> Result<(), AppError> {
        let mut slot = self.library.lock().await;
        let removed = match slot.take() {
            Some(library) => library.close_and_remove().await,
            None => atelier_client::cache::data_dir()
                .and_then(|dir| atelier_client::device_data::remove(&dir)),
        };
        removed.map_err(|e| AppError::from(&e))
    }

    /// The session keeper, or why there is none (an unusable service URL).
    pub fn auth(&self) -> Result<&Auth, AppError> {
        self.auth.as_ref().map_err(Clone::clone)
    }
}
