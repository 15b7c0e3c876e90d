//! Analytics only after consent (PostHog) and error reports that carry nothing personal
//! (Sentry). Both are off unless configured, and neither ever reaches the person: sending happens
//! on background threads and failures are only logged.
//!
//! - [`consent`]: the person's choice and the analytics id, in `privacy.json` in the data folder.
//! - [`analytics`]: a closed set of events ([`AnalyticsEvent`]) sent to PostHog under a random
//!   id made at consent, never the account's id or email.
//! - [`Telemetry`]: both as the app holds them, with the events its own flow produces.
//! - [`errors`]: the Sentry client, with one scrubber (`atelier_api::scrub`) in `before_send` and
//!   again in the transport.

pub mod analytics;
mod app;
pub mod consent;
pub mod errors;
pub mod events;
mod worker;

pub use analytics::Analytics;
pub use app::Telemetry;
pub use consent::{AnalyticsConsent, CONSENT_FILE};
pub use errors::ErrorReports;
pub use events::AnalyticsEvent;

use serde::Serialize;

/// The desktop's project key; analytics is off without one.
pub const POSTHOG_KEY_ENV: &str = "ATELIER_POSTHOG_KEY";
/// Where events go; PostHog's EU cloud unless set.
pub const POSTHOG_HOST_ENV: &str = "ATELIER_POSTHOG_HOST";
/// The desktop's DSN; error reports are off without one.
pub const SENTRY_DSN_ENV: &str = "ATELIER_SENTRY_DSN";
pub const DEFAULT_POSTHOG_HOST: &str = "https://eu.i.posthog.com";

/// PostHog's capture host and project key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostHogConfig {
    /// Without a trailing slash.
    pub host: String,
    pub key: String,
}

/// What the environment (or, for a release build, the build's environment) configures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TelemetryConfig {
    pub posthog: Option<PostHogConfig>,
    pub sentry_dsn: Option<String>,
}

impl TelemetryConfig {
    /// Reads the `ATELIER_POSTHOG_*` and `ATELIER_SENTRY_DSN` variables at run time, falling back
    /// to the same names at build time (how a release build carries its keys).
    pub fn from_env() -> Self {
        Self::from_lookup(|name| {
            std::env::var(name).ok().or_else(|| match name {
                POSTHOG_KEY_ENV => option_env!("ATELIER_POSTHOG_KEY").map(str::to_owned),
                POSTHOG_HOST_ENV => option_env!("ATELIER_POSTHOG_HOST").map(str::to_owned),
                SENTRY_DSN_ENV => option_env!("ATELIER_SENTRY_DSN").map(str::to_owned),
                _ => None,
            })
        })
    }

    /// Blank values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let posthog = get(POSTHOG_KEY_ENV).map(|key| PostHogConfig {
            host: get(POSTHOG_HOST_ENV)
                .unwrap_or_else(|| DEFAULT_POSTHOG_HOST.to_owned())
                .trim_end_matches('/')
                .to_owned(),
            key,
        });
        Self {
            posthog,
            sentry_dsn: get(SENTRY_DSN_ENV),
        }
    }
}

/// What Settings → Privacy shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PrivacySettings {
    pub analytics: AnalyticsConsent,
    /// False when this build has no PostHog key: nothing would be sent whatever the choice.
    pub analytics_available: bool,
    /// True when error reports go to Sentry (a DSN is configured). They need no consent and
    /// carry nothing personal.
    pub error_reports_enabled: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analytics_is_off_without_a_key_and_the_host_defaults_to_the_eu() {
        let none = TelemetryConfig::from_lookup(|_| None);
        assert_eq!(none, TelemetryConfig::default());
        let blank = TelemetryConfig::from_lookup(|n| (n == POSTHOG_KEY_ENV).then(|| " ".into()));
        assert_eq!(blank.posthog, None);
        let keyed = TelemetryConfig::from_lookup(|n| match n {
            POSTHOG_KEY_ENV => Some("phc_x".into()),
            SENTRY_DSN_ENV => Some("http://k@127.0.0.1:1/1".into()),
            _ => None,
        });
        assert_eq!(
            keyed.posthog,
            Some(PostHogConfig {
                host: DEFAULT_POSTHOG_HOST.into(),
                key: "phc_x".into()
            })
        );
        assert_eq!(keyed.sentry_dsn.as_deref(), Some("http://k@127.0.0.1:1/1"));
        let hosted = TelemetryConfig::from_lookup(|n| match n {
            POSTHOG_KEY_ENV => Some("phc_x".into()),
            POSTHOG_HOST_ENV => Some("http://127.0.0.1:9/posthog/".into()),
            _ => None,
        });
        assert_eq!(
            hosted.posthog.map(|p| p.host).as_deref(),
            Some("http://127.0.0.1:9/posthog")
        );
    }
}
