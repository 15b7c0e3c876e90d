//! Section 4, Cookies. The desktop has no cookies of its own: the session token in the OS credential
//! store is the "session cookie", the analytics id in `privacy.json` the "analytics cookie".

use atelier_client::telemetry::{Analytics, AnalyticsConsent, CONSENT_FILE, PostHogConfig};

use crate::common::{analytics, person};
use atelier_test_kit::Service;

const EMAIL: &str = "cookies@example.com";

/// "Session cookie (functional): required for authentication. No consent needed."
///
/// With analytics never decided, signing in works and the session is kept; without it the
/// service refuses; nothing reaches PostHog either way.
#[tokio::test]
async fn the_session_works_without_any_consent() {
    let service = Service::start().await;
    let dir = tempfile::tempdir().unwrap();
    let analytics = analytics(&service, dir.path());
    assert_eq!(analytics.consent(), AnalyticsConsent::Undecided);
    let me = person(&service, EMAIL).await;
    let user = me.auth.api().me(&me.token).await.unwrap();
    assert_eq!(user.email, EMAIL);
    assert_eq!(analytics.consent(), AnalyticsConsent::Undecided);
    let anonymous = reqwest::get(format!("{}/v1/me", service.url))
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401, "required for authentication");
    assert_eq!(service.sims.posthog().requests(), Vec::new());
}

/// "PostHog analytics cookie: set only after you accept analytics in our cookie consent
/// banner."
///
/// No analytics id exists on disk until analytics is accepted; declining or withdrawing leaves
/// none; accepting again makes a new one.
#[test]
fn the_analytics_id_exists_only_after_acceptance() {
    let dir = tempfile::tempdir().unwrap();
    let config = PostHogConfig {
        host: "http://127.0.0.1:9".into(),
        key: "phc_policy".into(),
    };
    let analytics = Analytics::open(dir.path(), Some(config));
    let saved = || std::fs::read_to_string(dir.path().join(CONSENT_FILE)).unwrap_or_default();
    assert_eq!(analytics.analytics_id(), None);
    assert!(!dir.path().join(CONSENT_FILE).exists());

    analytics.set_consent(false, 1).unwrap();
    assert_eq!(analytics.analytics_id(), None);
    assert!(saved().contains("denied"));

    analytics.set_consent(true, 2).unwrap();
    let id = analytics.analytics_id().unwrap();
    assert!(saved().contains(&id));

    analytics.set_consent(false, 3).unwrap();
    assert_eq!(analytics.analytics_id(), None);
    assert!(!saved().contains(&id), "withdrawn: the id is deleted");

    analytics.set_consent(true, 4).unwrap();
    assert_ne!(
        analytics.analytics_id().unwrap(),
        id,
        "a new id, not the old one"
    );
}
