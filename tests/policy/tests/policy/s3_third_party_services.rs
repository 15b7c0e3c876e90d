//! Section 3, Third-Party Services: who receives what, and nothing more.

use std::sync::Arc;
use std::time::Duration;

use atelier_api::generations::NewGeneration;
use atelier_client::api::IdempotencyKey;
use atelier_client::telemetry::errors::{SERVER_NAME, client_options};
use atelier_client::telemetry::{Analytics, AnalyticsEvent};

use crate::common::{analytics, person};
use atelier_test_kit::{Service, generate};

const EMAIL: &str = "third-parties@example.com";
const FLUSH: Duration = Duration::from_secs(10);

/// "kie.ai: your prompts are sent to kie.ai to generate images."
///
/// kie receives the prompt, and only the prompt of this person: never their email, account or
/// session.
#[tokio::test]
async fn kie_receives_the_prompt_and_nothing_that_names_you() {
    let service = Service::start().await;
    let me = person(&service, EMAIL).await;
    generate(me.auth.api(), &me.token, "a lighthouse at dusk", 1).await;

    let tasks = service.sims.kie().tasks();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].prompt, "a lighthouse at dusk");
    let sent = tasks[0].request.to_string();
    for personal in [EMAIL, me.id.as_str(), me.token.expose()] {
        assert!(
            !sent.contains(personal),
            "kie received {personal:?}: {sent}"
        );
    }
}

/// "Creem: user prompts are screened through Creem's Moderation API before image generation
/// to help enforce content safety rules."
///
/// Every prompt reaches Creem first; one Creem refuses never reaches kie and costs nothing.
#[tokio::test]
async fn prompts_are_screened_by_creem_before_generation() {
    let service = Service::start().await;
    let me = person(&service, EMAIL).await;
    generate(me.auth.api(), &me.token, "a fox in the snow", 1).await;
    let screened = service.sims.creem().requests();
    assert_eq!(screened.len(), 1);
    assert_eq!(screened[0].prompt.as_deref(), Some("a fox in the snow"));
    assert!(
        !screened[0].body.contains(EMAIL),
        "Creem received the email"
    );
    let kie = service.sims.kie().tasks();
    assert!(
        screened[0].received_at <= kie[0].create_time,
        "screened before generation"
    );

    // The simulator's rules deny any prompt with "forbidden" in it.
    assert!(
        service
            .sims
            .creem()
            .rules()
            .deny
            .contains(&"forbidden".to_owned())
    );
    let before = me.auth.api().balance(&me.token).await.unwrap().balance;
    let refused = me
        .auth
        .api()
        .create_generation(
            &me.token,
            &IdempotencyKey::new(),
            &NewGeneration {
                conversation_id: None,
                prompt: "something forbidden".into(),
                model: "nano-banana".into(),
                aspect_ratio: "1:1".into(),
                count: 1,
                input_images: Vec::new(),
            },
        )
        .await;
    assert_eq!(refused.unwrap_err().code().as_str(), "prompt_blocked");
    assert_eq!(
        service.sims.kie().tasks().len(),
        1,
        "kie never saw the refused prompt"
    );
    let after = me.auth.api().balance(&me.token).await.unwrap().balance;
    assert_eq!(after, before, "a refused prompt costs nothing");
}

/// "Resend: used to send transactional emails (magic links, OTPs). Your email address is shared
/// with Resend for this purpose."
///
/// Resend receives the address with the sign-in code and link, and nothing else of the person:
/// no prompt, no account id; no other email is ever sent.
#[tokio::test]
async fn resend_receives_the_address_only_for_sign_in_mail() {
    let service = Service::start().await;
    let me = person(&service, EMAIL).await;
    generate(me.auth.api(), &me.token, "a quiet harbour at night", 1).await;

    let emails = service.sims.resend().emails();
    assert_eq!(emails.len(), 1, "one email: the sign-in");
    let email = &emails[0];
    assert_eq!(email.to, vec![EMAIL.to_owned()]);
    let text = email.text.clone().unwrap_or_default();
    assert!(text.lines().any(|l| {
        let l = l.trim();
        l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit())
    }));
    let all = format!(
        "{} {} {:?} {text}",
        email.subject,
        email.html.clone().unwrap_or_default(),
        email.headers
    );
    assert!(!all.contains("harbour"), "no prompt in mail");
    assert!(!all.contains(&me.id), "no account id in mail");
}

/// "PostHog: product analytics. Only activated after you grant cookie consent. No data is sent
/// to PostHog before consent."
///
/// The app signs in and generates with analytics undecided, then declined: PostHog receives no
/// request of any kind. Accepted, the events arrive under an opaque id with nothing personal.
#[tokio::test(flavor = "multi_thread")]
async fn posthog_receives_nothing_before_consent() {
    let service = Service::start().await;
    let dir = tempfile::tempdir().unwrap();
    let analytics = analytics(&service, dir.path());
    let busy_day = async |analytics: &Analytics| {
        analytics.track(AnalyticsEvent::AppOpened);
        let me = person(&service, EMAIL).await;
        analytics.track(AnalyticsEvent::SignedIn);
        generate(me.auth.api(), &me.token, "a lighthouse for posthog", 1).await;
        analytics.track(AnalyticsEvent::GenerationFinished {
            model: "nano-banana".into(),
            images: 1,
        });
        assert!(analytics.flush(FLUSH));
    };
    busy_day(&analytics).await;
    analytics.set_consent(false, 1).unwrap();
    busy_day(&analytics).await;
    assert_eq!(service.sims.posthog().requests(), Vec::new());

    analytics.set_consent(true, 2).unwrap();
    busy_day(&analytics).await;
    let requests = service.sims.posthog().requests();
    assert!(!requests.is_empty(), "accepted: analytics is on");
    for request in requests {
        for personal in [EMAIL, "lighthouse", "127.0.0.1"] {
            assert!(!request.body.contains(personal), "{}", request.body);
        }
    }
}

/// "Sentry: error monitoring. Sentry may receive anonymized error payloads; we do not
/// intentionally send personal data to Sentry."
///
/// An error whose message holds an email, an IP address, a home folder and a prompt reaches
/// Sentry with all four replaced, no user, no request and a fixed server name: from the desktop
/// and from the service alike.
#[tokio::test(flavor = "multi_thread")]
async fn sentry_receives_only_anonymized_error_payloads() {
    let service = Service::start().await;
    let options = client_options(&service.sims.sentry_dsn()).unwrap();
    let client = Arc::new(sentry::Client::from(sentry::apply_defaults(options)));
    let hub = Arc::new(sentry::Hub::new(
        Some(client.clone()),
        Arc::new(sentry::Scope::default()),
    ));
    sentry::Hub::run(hub, || {
        sentry::configure_scope(|scope| {
            scope.set_user(Some(sentry::User {
                email: Some(EMAIL.into()),
                ..Default::default()
            }));
            scope.set_extra("prompt", "a lighthouse for sentry".into());
        });
        sentry::capture_error(&std::io::Error::other(format!(
            "cannot write /home/ada/Pictures/x.png for {EMAIL} from 203.0.113.9"
        )));
    });
    assert!(client.flush(Some(FLUSH)));

    // The service's own: an internal error whose detail names an email, an IP, a home folder
    // and a prompt (the test hook's), reported from the server.
    let failed = reqwest::Client::new()
        .post(format!("{}/__test/fail", service.url))
        .json(&serde_json::json!({ "marker": "policy" }))
        .send()
        .await
        .unwrap();
    assert_eq!(failed.status(), 500);
    let answer = failed.text().await.unwrap();
    assert!(
        !answer.contains("example.com"),
        "the detail reached the client: {answer}"
    );
    let mut envelopes = service.sims.sentry().envelopes();
    for _ in 0..100 {
        if envelopes.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        envelopes = service.sims.sentry().envelopes();
    }
    assert_eq!(
        envelopes.len(),
        2,
        "one from the desktop, one from the service"
    );
    let mut servers = Vec::new();
    for envelope in &envelopes {
        let raw = &envelope.raw;
        for personal in [
            EMAIL,
            "fail.reporter@example.com",
            "203.0.113.9",
            "203.0.113.77",
            "/home/ada",
            "/home/margarethe",
            "lighthouse",
        ] {
            assert!(
                !raw.contains(personal),
                "Sentry received {personal:?}: {raw}"
            );
        }
        let event = envelope.events()[0].clone();
        assert!(event.get("user").is_none());
        assert!(event.get("request").is_none());
        servers.push(event["server_name"].as_str().unwrap().to_owned());
    }
    servers.sort();
    assert_eq!(servers, ["atelier-desktop", "atelier-server"]);
    assert_eq!(SERVER_NAME, "atelier-desktop");
}
