//! Privacy on the wire: analytics (PostHog) only after consent and never again after withdrawal;
//! error reports (Sentry) that carry nothing personal. Against the real simulators, with the
//! native server serving sign-in and generations; every check reads the RAW requests, headers
//! and bodies, not just the parsed events.
#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failing test with its location

use std::sync::Arc;
use std::time::Duration;

use atelier_api::scrub::{Known, scrub_text};
use atelier_client::telemetry::errors::{SERVER_NAME, client_options};
use atelier_client::telemetry::{
    Analytics, AnalyticsConsent, AnalyticsEvent, CONSENT_FILE, PostHogConfig,
};
use atelier_simulators::RawRequest;
use atelier_test_kit::{Service, generate};

const EMAIL: &str = "wire.privacy@example.com";
const PROMPT: &str = "a lighthouse at dusk for the wire-privacy test 7731";
const FLUSH: Duration = Duration::from_secs(10);

/// What must never reach either service from this machine.
fn personal() -> Vec<String> {
    let mut out = vec![EMAIL.to_owned(), PROMPT.to_owned()];
    if let Some(host) = hostname::get().ok().and_then(|h| h.into_string().ok()) {
        out.push(host);
    }
    if let Ok(host) = std::fs::read_to_string("/etc/hostname") {
        out.push(host.trim().to_owned());
    }
    if let Some(home) = dirs::home_dir() {
        out.push(home.display().to_string());
    }
    out.retain(|s| s.len() >= 3);
    out
}

/// Everything a request carried, as text: method, path, query, every header, the body.
fn wire_text(r: &RawRequest) -> String {
    let headers: Vec<String> = r.headers.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    format!(
        "{} {}?{}\n{}\n\n{}",
        r.method,
        r.path,
        r.query.as_deref().unwrap_or_default(),
        headers.join("\n"),
        r.body
    )
}

fn assert_nothing_personal(what: &str, text: &str) {
    for secret in personal() {
        assert!(
            !text
                .to_ascii_lowercase()
                .contains(&secret.to_ascii_lowercase()),
            "{what} carries {secret:?}: {text}"
        );
    }
}

async fn sign_in_and_generate(service: &Service, analytics: &Analytics) {
    analytics.track(AnalyticsEvent::AppOpened);
    let (api, token) = service.signed_in(EMAIL).await;
    analytics.track(AnalyticsEvent::SignedIn);
    analytics.track(AnalyticsEvent::GenerationStarted {
        model: "nano-banana".into(),
        images: 1,
    });
    let generation = generate(&api, &token, PROMPT, 1).await;
    analytics.track(AnalyticsEvent::GenerationFinished {
        model: generation.model.clone(),
        images: generation.images.len() as u32,
    });
    analytics.track(AnalyticsEvent::ExportCompleted);
    assert!(analytics.flush(FLUSH));
}

#[tokio::test(flavor = "multi_thread")]
async fn analytics_only_after_consent_and_never_after_withdrawal() {
    let service = Service::start().await;
    let posthog = service.sims.posthog();
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("Atelier");
    let config = PostHogConfig {
        host: service.sims.posthog_url(),
        key: posthog.api_key().to_owned(),
    };
    let analytics = Analytics::open(&dir, Some(config.clone()));
    assert!(analytics.available());
    assert_eq!(analytics.consent(), AnalyticsConsent::Undecided);

    // Before consent: the app signs in and generates; not one request of any kind.
    sign_in_and_generate(&service, &analytics).await;
    assert_eq!(posthog.requests(), Vec::new());
    assert!(!dir.join(CONSENT_FILE).exists());

    // Granted: events arrive under the opaque id, and nothing personal travels with them.
    analytics.set_consent(true, 1).unwrap();
    let id = analytics.analytics_id().unwrap();
    assert_eq!(id.len(), 32);
    sign_in_and_generate(&service, &analytics).await;
    let events = posthog.events();
    let names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(
        names,
        [
            "app_opened",
            "signed_in",
            "generation_started",
            "generation_finished",
            "export_completed"
        ]
    );
    for event in &events {
        assert_eq!(event.distinct_id, id);
        assert_eq!(event.properties["$process_person_profile"], false);
        assert_eq!(event.properties["$geoip_disable"], true);
        assert!(event.properties.get("$ip").is_none());
    }
    assert_eq!(events[3].properties["model"], "nano-banana");
    assert_eq!(events[3].properties["images"], 1);
    let requests = posthog.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        assert_eq!(request.status, 200, "{}", request.body);
        assert!(request.headers["user-agent"].starts_with("Atelier/"));
        let text = wire_text(request);
        assert_nothing_personal("a PostHog request", &text);
        // No email, IP address or home folder anywhere in the body: scrubbing it changes nothing.
        assert_eq!(scrub_text(&request.body, &Known::default()), request.body);
        for header in ["x-forwarded-for", "x-real-ip", "forwarded", "cookie"] {
            assert!(!request.headers.contains_key(header), "{header} sent");
        }
    }

    // The app restarts: the choice and the id are remembered.
    let reopened = Analytics::open(&dir, Some(config.clone()));
    assert_eq!(reopened.consent(), AnalyticsConsent::Granted);
    assert_eq!(reopened.analytics_id().as_deref(), Some(id.as_str()));
    drop(reopened);

    // Withdrawn: what was still queued is dropped, nothing more goes out, the id is gone from
    // disk. PostHog answers slowly, so the sender is busy with `app_opened` (tracked while
    // consent stood, and already on its way) when `settings_opened` waits in the queue.
    let events_before = posthog.events().len();
    posthog
        .set_faults(atelier_simulators::Faults {
            latency_ms: 1_000,
            ..atelier_simulators::Faults::default()
        })
        .unwrap();
    analytics.track(AnalyticsEvent::AppOpened);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    analytics.track(AnalyticsEvent::SettingsOpened);
    analytics.set_consent(false, 2).unwrap();
    sign_in_and_generate(&service, &analytics).await;
    posthog
        .set_faults(atelier_simulators::Faults::default())
        .unwrap();
    let after: Vec<String> = posthog.events()[events_before..]
        .iter()
        .map(|e| e.event.clone())
        .collect();
    assert!(
        after.is_empty() || after == ["app_opened"],
        "after the withdrawal PostHog got {after:?}"
    );
    assert_eq!(analytics.analytics_id(), None);
    let saved = std::fs::read_to_string(dir.join(CONSENT_FILE)).unwrap();
    assert!(!saved.contains(&id), "{saved}");
    assert!(saved.contains("denied"));

    // Granted again: a new id.
    analytics.set_consent(true, 3).unwrap();
    let second = analytics.analytics_id().unwrap();
    assert_ne!(second, id);

    // The data folder deleted under the running app (account deletion): nothing is sent, even
    // though this process still remembers the grant.
    let before = posthog.requests().len();
    atelier_client::device_data::remove(&dir).unwrap();
    analytics.track(AnalyticsEvent::AppOpened);
    assert!(analytics.flush(FLUSH));
    assert_eq!(posthog.requests().len(), before);
    // And forgetting is back to the first launch.
    analytics.forget().unwrap();
    assert_eq!(analytics.consent(), AnalyticsConsent::Undecided);
    assert!(!dir.join(CONSENT_FILE).exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn no_posthog_key_means_no_analytics_whatever_the_choice() {
    let service = Service::start().await;
    let data = tempfile::tempdir().unwrap();
    let analytics = Analytics::open(data.path(), None);
    assert!(!analytics.available());
    analytics.set_consent(true, 1).unwrap();
    sign_in_and_generate(&service, &analytics).await;
    assert_eq!(service.sims.posthog().requests(), Vec::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn error_reports_arrive_scrubbed() {
    let service = Service::start().await;
    let sentry_sim = service.sims.sentry();
    let options = client_options(&service.sims.sentry_dsn()).unwrap();
    // As `sentry::init` does: the default integrations (contexts, which would add the hostname,
    // panics, backtraces), then a client of our own so this test does not touch the global hub.
    let options = sentry::apply_defaults(options);
    let client = Arc::new(sentry::Client::from(options));
    let hub = Arc::new(sentry::Hub::new(
        Some(client.clone()),
        Arc::new(sentry::Scope::default()),
    ));
    let home = dirs::home_dir()
        .map(|h| h.display().to_string())
        .unwrap_or_else(|| "/home/wire".into());
    let ip = "203.0.113.77";
    sentry::Hub::run(hub, || {
        sentry::configure_scope(|scope| {
            scope.set_user(Some(sentry::User {
                email: Some(EMAIL.into()),
                ip_address: Some(sentry::protocol::IpAddress::Auto),
                ..Default::default()
            }));
            // A prompt only ever travels under a prompt key (our code never formats one into an
            // error message: the scrubber cannot know the text).
            scope.set_extra("prompt", PROMPT.into());
            scope.set_extra("where", format!("{home}/.local/share/Atelier").into());
        });
        sentry::add_breadcrumb(sentry::Breadcrumb {
            message: Some(format!("request from {ip} for {EMAIL}")),
            ..Default::default()
        });
        let error = std::io::Error::other(format!(
            "cannot save {home}/Pictures/out.png for {EMAIL} (peer {ip})"
        ));
        sentry::capture_error(&error);
    });
    // What tauri-plugin-sentry does with a webview envelope it cannot parse: forwards it raw,
    // past `before_send`. The transport scrubs it too.
    let webview = format!(
        "{{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}}\n{{\"type\":\"event\"}}\n{}\n",
        serde_json::json!({
            "message": format!("unhandled rejection for {EMAIL} at {ip}"),
            "platform": "javascript",
            "request": {"url": "tauri://localhost/", "headers": {"User-Agent": "WebKit"}},
            "extra": {"prompt": PROMPT}
        })
    );
    client.send_envelope(sentry::Envelope::from_bytes_raw(webview.into_bytes()).unwrap());
    assert!(client.flush(Some(FLUSH)));

    let envelopes = sentry_sim.envelopes();
    let desktop: Vec<_> = envelopes
        .iter()
        .filter(|e| !e.raw.contains("\"atelier-server\""))
        .collect();
    assert_eq!(desktop.len(), 2, "{envelopes:#?}");
    for envelope in &desktop {
        let headers: Vec<String> = envelope
            .headers
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        assert_nothing_personal(
            "a Sentry envelope",
            &format!("{}\n{}", headers.join("\n"), envelope.raw),
        );
        assert!(!envelope.raw.contains(ip), "{}", envelope.raw);
        let events = envelope.events();
        assert_eq!(events.len(), 1, "{}", envelope.raw);
        let event = events[0];
        assert_eq!(event["server_name"], SERVER_NAME);
        assert!(event.get("user").is_none());
        assert!(event.get("request").is_none());
        assert!(event["contexts"]["device"].get("name").is_none());
    }
    let rust = desktop[0].events()[0];
    assert_eq!(
        rust["exception"]["values"][0]["value"],
        "cannot save ~/Pictures/out.png for [email] (peer [ip])"
    );
    assert_eq!(rust["extra"]["prompt"], "[prompt]");
    assert_eq!(
        rust["breadcrumbs"]["values"][0]["message"],
        "request from [ip] for [email]"
    );
    assert!(rust["contexts"]["os"].is_object(), "contexts still there");
    let webview = desktop[1].events()[0];
    assert_eq!(
        webview["message"],
        "unhandled rejection for [email] at [ip]"
    );
    assert_eq!(webview["extra"]["prompt"], "[prompt]");
}
