//! Settings → Privacy and the consent banner: the analytics choice, and the UI's events.

use atelier_client::telemetry::{AnalyticsEvent, PrivacySettings};
use tauri::State;

use crate::error::AppError;
use atelier_client::telemetry::Telemetry;

/// The analytics choice (`undecided` until the banner is answered), whether this build can send
/// analytics at all, and whether error reports are on.
#[tauri::command]
#[specta::specta]
pub fn privacy_settings(telemetry: State<'_, Telemetry>) -> PrivacySettings {
    telemetry.settings()
}

/// Grants or withdraws analytics. Withdrawing drops queued events and deletes the analytics id;
/// granting again makes a new one.
#[tauri::command]
#[specta::specta]
pub fn set_analytics_consent(
    telemetry: State<'_, Telemetry>,
    granted: bool,
) -> Result<PrivacySettings, AppError> {
    Ok(telemetry.set_consent(granted)?)
}

/// Records one of the fixed product events; nothing is sent unless analytics is granted.
#[tauri::command]
#[specta::specta]
pub fn track_event(telemetry: State<'_, Telemetry>, event: AnalyticsEvent) {
    telemetry.track(event);
}
