//! What the commands share: the configured service and its client.

use atelier_client::{ApiClient, ApiClientOptions, ClientError, DEFAULT_API_URL};

pub struct AppState {
    /// `ATELIER_API_URL`, or the embedded native server's default address.
    pub api_url: String,
    /// `Err` when `ATELIER_API_URL` is not a usable URL: the window still opens and says so.
    pub client: Result<ApiClient, ClientError>,
}

impl AppState {
    pub fn from_env() -> Self {
        let api_url = std::env::var("ATELIER_API_URL")
            .ok()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| DEFAULT_API_URL.to_owned());
        let client = ApiClient::new(ApiClientOptions::new(api_url.clone()));
        Self { api_url, client }
    }
}
