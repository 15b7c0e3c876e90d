//! The app's telemetry as one thing: analytics after consent, error reports, and the events the
//! app's own flow produces (a generation started, a generation's end counted once however often
//! a poll or the live channel shows it).

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use atelier_api::generations::{Generation, GenerationStatus};

use super::{
    Analytics, AnalyticsConsent, AnalyticsEvent, ErrorReports, PrivacySettings, TelemetryConfig,
};
use crate::error::ClientError;

/// Generations whose end was already counted; older ones are forgotten past this many.
const REMEMBERED: usize = 1024;

pub struct Telemetry {
    /// `None` when the system has no data folder to keep the choice in: analytics stays off.
    analytics: Option<Analytics>,
    error_reports: Option<ErrorReports>,
    ends: Mutex<CountedEnds>,
}

impl Telemetry {
    /// Reads `ATELIER_POSTHOG_*` and `ATELIER_SENTRY_DSN`, starts Sentry (when configured) and
    /// loads the saved analytics choice from the data folder.
    pub fn start() -> Self {
        let config = TelemetryConfig::from_env();
        let error_reports = ErrorReports::init(config.sentry_dsn.as_deref());
        let analytics = match crate::cache::data_dir() {
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
        Self::new(analytics, error_reports)
    }

    pub fn new(analytics: Option<Analytics>, error_reports: Option<ErrorReports>) -> Self {
        Self {
            analytics,
            error_reports,
            ends: Mutex::new(CountedEnds::default()),
        }
    }

    /// The Sentry client, for the webview's errors, when reports are on.
    pub fn sentry_client(&self) -> Option<Arc<sentry::Client>> {
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

    pub fn set_consent(&self, granted: bool) -> Result<PrivacySettings, ClientError> {
        if let Some(analytics) = &self.analytics {
            analytics.set_consent(granted, crate::cache::now_ms())?;
        }
        Ok(self.settings())
    }

    /// Sends `event` if analytics is available and granted; otherwise nothing happens.
    pub fn track(&self, event: AnalyticsEvent) {
        if let Some(analytics) = &self.analytics {
            analytics.track(event);
        }
    }

    pub fn generation_started(&self, generation: &Generation) {
        self.track(AnalyticsEvent::GenerationStarted {
            model: generation.model.clone(),
            images: generation.count,
        });
    }

    /// Counts a generation's end once, however often it is seen done or failed.
    pub fn generation_seen(&self, generation: &Generation) {
        let first = self
            .ends
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .first_end(generation);
        if let Some(event) = first {
            self.track(event);
        }
    }

    /// Forgets the analytics choice and id (account deletion): the next launch asks again.
    pub fn forget(&self) -> Result<(), ClientError> {
        self.analytics.as_ref().map_or(Ok(()), Analytics::forget)
    }
}

/// The generations whose end was counted.
#[derive(Default)]
struct CountedEnds(HashSet<String>);

impl CountedEnds {
    /// The event for `generation`'s end the first time it is seen ended; `None` after, and
    /// while it runs.
    fn first_end(&mut self, generation: &Generation) -> Option<AnalyticsEvent> {
        let event = match generation.status {
            GenerationStatus::Done => AnalyticsEvent::GenerationFinished {
                model: generation.model.clone(),
                images: u32::try_from(generation.images.len()).unwrap_or(u32::MAX),
            },
            GenerationStatus::Failed => AnalyticsEvent::GenerationFailed {
                model: generation.model.clone(),
            },
            GenerationStatus::Queued | GenerationStatus::Generating => return None,
        };
        if self.0.len() >= REMEMBERED {
            self.0.clear();
        }
        self.0.insert(generation.id.clone()).then_some(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generation(id: &str, status: GenerationStatus) -> Generation {
        serde_json::from_value(serde_json::json!({
            "id": id, "conversation_id": "c", "prompt": "p", "model": "m", "aspect_ratio": "1:1",
            "count": 1, "status": status, "cost": 4, "input_images": [], "images": [],
            "failure_code": null, "created_at": 0, "updated_at": 0
        }))
        .unwrap_or_else(|e| panic!("a generation: {e}"))
    }

    #[test]
    fn a_generations_end_is_counted_once_however_often_it_is_seen() {
        let mut ends = CountedEnds::default();
        assert_eq!(
            ends.first_end(&generation("a", GenerationStatus::Generating)),
            None
        );
        assert!(matches!(
            ends.first_end(&generation("a", GenerationStatus::Done)),
            Some(AnalyticsEvent::GenerationFinished { .. })
        ));
        assert_eq!(
            ends.first_end(&generation("a", GenerationStatus::Done)),
            None
        );
        assert!(matches!(
            ends.first_end(&generation("b", GenerationStatus::Failed)),
            Some(AnalyticsEvent::GenerationFailed { .. })
        ));
        assert_eq!(
            ends.first_end(&generation("b", GenerationStatus::Failed)),
            None
        );
    }
}
