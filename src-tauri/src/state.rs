//! What the commands share: the configured service, its client, the session, and the library
//! (the offline cache and its sync), opened on first use.

use atelier_client::library::Library;
use atelier_client::{ApiClient, ApiClientOptions, Auth, ClientError, DEFAULT_API_URL};
use tokio::sync::{Notify, OnceCell};

use crate::error::AppError;

pub struct AppState {
    /// `ATELIER_API_URL`, or the embedded native server's default address.
    pub api_url: String,
    /// `Err` when `ATELIER_API_URL` is not a usable URL: the window still opens and says so.
    pub client: Result<ApiClient, ClientError>,
    /// Sign-in and the session, kept in the OS credential store; `Err` as `client` is.
    auth: Result<Auth, AppError>,
    library: OnceCell<Result<Library, AppError>>,
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
        Self {
            api_url,
            client,
            auth,
            library: OnceCell::new(),
            sync_wanted: Notify::new(),
        }
    }

    /// The library in the data folder (`ATELIER_DATA_DIR`, else the OS's), opened and checked
    /// on first use; `Err` when the folder or its database cannot be used.
    pub async fn library(&self) -> Result<&Library, AppError> {
        self.library
            .get_or_init(|| async {
                let api = self.client.as_ref().map_err(AppError::from)?.clone();
                let dir = atelier_client::cache::data_dir().map_err(|e| AppError::from(&e))?;
                Library::open(&dir, api)
                    .await
                    .map_err(|e| AppError::from(&e))
            })
            .await
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The session keeper, or why there is none (an unusable service URL).
    pub fn auth(&self) -> Result<&Auth, AppError> {
        self.auth.as_ref().map_err(Clone::clone)
    }
}
