//! The first screen's commands: which service the app talks to and whether it answers.

use atelier_api::Runtime;
use serde::Serialize;
use tauri::State;

use crate::error::AppError;
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AppInfo {
    /// The desktop app's version.
    pub version: String,
    /// The service the app talks to (`ATELIER_API_URL`).
    pub api_url: String,
    /// Where privacy questions and requests go (`ATELIER_PRIVACY_CONTACT`), shown in the policy.
    pub privacy_contact: String,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct BackendHealth {
    /// The service's version.
    pub version: String,
    pub runtime: Runtime,
    /// Round trip of the answering request, in milliseconds.
    pub latency_ms: u32,
}

#[tauri::command]
#[specta::specta]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        api_url: state.api_url.clone(),
        privacy_contact: state.privacy_contact.clone(),
    }
}

/// Asks the service's `/healthz`; `offline` when it cannot be reached.
#[tauri::command]
#[specta::specta]
pub async fn check_backend(state: State<'_, AppState>) -> Result<BackendHealth, AppError> {
    let client = state.client.as_ref().map_err(AppError::from)?;
    let (health, latency) = client.health().await?;
    Ok(BackendHealth {
        version: health.version,
        runtime: health.runtime,
        latency_ms: u32::try_from(latency.as_millis()).unwrap_or(u32::MAX),
    })
}
