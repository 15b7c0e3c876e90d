//! Analytics after consent and scrubbed error reports, wired into the app: started before the
//! window (Sentry must exist before tauri-plugin-sentry), kept as Tauri state, and fed by the
//! commands. The logic and its tests live in `atelier_client::telemetry`.

use std::collections::HashSet;
use std::sync::Mutex;

use atelier_api::generations::{Generation, GenerationStatus};
use atelier_client::telemetry::{
    Analytics, AnalyticsConsent, AnalyticsEvent, ErrorReports, PrivacySettings, TelemetryConfig,
};
use tauri::{AppHandle, Manager, Runtime};

use crate::error::AppError;

/// Generations whose end was already counted; a window of polls sees each done many times.
const REMEMBERED: usize = 1024;

pub struct Telemetry {
    /// `None` when the system has no data folder to keep the choice in: analytics stays off.
    analytics: Option<Analytics>,
    error_reports: Option<ErrorReports>,
    finished: Mutex<HashSet<String>>,
}

impl Telemetry {
    /// Reads `ATELIER_POSTHOG_*` and `ATELIER_SENTRY_DSN`, starts Sentry (when configured) and
    /// loads the saved analytics choice.
    pub fn start() -> Self {
        let config = TelemetryConfig::from_env();
        let error_reports = ErrorReports::init(config.sentry_dsn.as_deref());
        let analytics = match atelier_client::cache::data_dir() {
            Ok(dir) => Some(Analytics::open(&dir, config.posthog)),
            Err(e) => {
                tracing::warn!(error = %e, "no data folder; analytics stays off");
                None
            }
        };
        tracing::info!(
            analytics = analytics.as_ref().is_some_and(Analytics::available),
            error_reports = error_reports.is_some(),
            "telemetry"
        );
        Self {
            analytics,
            error_reports,
            finished: Mutex::new(HashSet::new()),
        }
    }

    /// The Sentry client, for tauri-plugin-sentry (webview errors), when reports are on.
    pub fn sentry_client(&self) -> Option<std::sync::Arc<sentry::Client>> {
        self.error_reports
            .as_ref()
            .and_then(|_| sentry::Hub::main().client())
    }

    pub fn settings(&self) -> PrivacySettings {
        PrivacySettings {
            analytics: self
                .analytics
                .as_ref()
                .map_or(AnalyticsConsent::Undecided, Analytics::consent),
            analytics_available: self.analytics.as_ref().is_some_and(Analytics::available),
            error_reports_enabled: self.error_reports.is_some(),
        }
    }

    pub fn set_consent(&self, granted: bool) -> Result<PrivacySettings, AppError> {
        if let Some(analytics) = &self.analytics {
            analytics
                .set_consent(granted, now_ms())
                .map_err(|e| AppError::from(&e))?;
        }
        Ok(self.settings())
    }

    /// Sends `event` if analytics is available and granted; otherwise nothing happens.
    pub fn track(&self, event: AnalyticsEvent) {
        if let Some(analytics) = &self.analytics {
            analytics.track(event);
        }
    }

    /// Counts a generation's end once, however often it is seen done or failed.
    pub fn generation_seen(&self, generation: &Generation) {
        let event = match generation.status {
            GenerationStatus::Done => AnalyticsEvent::GenerationFinished {
                model: generation.model.clone(),
                images: u32::try_from(generation.images.len()).unwrap_or(u32::MAX),
            },
            GenerationStatus::Failed => AnalyticsEvent::GenerationFailed {
                model: generation.model.clone(),
            },
            GenerationStatus::Queued | GenerationStatus::Generating => return,
        };
        let mut finished = self
            .finished
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if finished.len() >= REMEMBERED {
            finished.clear();
        }
        if finished.insert(generation.id.clone()) {
            self.track(event);
        }
    }

    /// Forgets the analytics choice and id (account deletion): the next launch asks again.
    pub fn forget(&self) -> Result<(), AppError> {
        match &self.analytics {
            Some(analytics) => analytics.forget().map_err(|e| AppError::from(&e)),
            None => Ok(()),
        }
    }
}

/// For the account-deletion code: forget the analytics choice and id.
pub fn forget<R: Runtime>(app: &AppHandle<R>) -> Result<(), AppError> {
    app.state::<Telemetry>().forget()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}
