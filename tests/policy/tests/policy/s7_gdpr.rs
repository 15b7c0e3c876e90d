//! Section 7, GDPR (EU Users).

use std::io::Read;
use std::time::Duration;

use atelier_client::export::{CancellationToken, ExportProgress, ExportSource, export};
use atelier_client::telemetry::AnalyticsEvent;
use tokio::sync::watch;

use crate::common::{analytics, person, purge_finished, storage, traces};
use atelier_test_kit::{Service, generate};

const EMAIL: &str = "gdpr@example.com";

/// "If you are located in the European Economic Area, you have additional rights under the
/// General Data Protection Regulation (GDPR), including the right to data portability, …"
///
/// Settings → Export my data writes one zip any program can read: the data as JSON, and every
/// image as a PNG that carries its own prompt.
#[tokio::test(flavor = "multi_thread")]
async fn your_data_is_portable() {
    let service = Service::start().await;
    let me = person(&service, EMAIL).await;
    let generation = generate(me.auth.api(), &me.token, "灯塔 at dusk", 2).await;
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("export.zip");
    let (progress, _) = watch::channel(ExportProgress::default());
    let source = ExportSource {
        api: me.auth.api().clone(),
        token: me.token.clone(),
        files: None,
    };
    let summary = export(&source, &target, &progress, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(summary.images as usize, generation.images.len());

    let mut zip = zip::ZipArchive::new(std::fs::File::open(&target).unwrap()).unwrap();
    let mut account = String::new();
    zip.by_name("account.json")
        .unwrap()
        .read_to_string(&mut account)
        .unwrap();
    let account: serde_json::Value = serde_json::from_str(&account).unwrap();
    assert_eq!(account["account"]["email"], EMAIL, "{account}");
    let pngs: Vec<String> = zip
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .filter(|n| n.ends_with(".png"))
        .collect();
    assert_eq!(pngs.len(), generation.images.len());
    for name in pngs {
        let mut bytes = Vec::new();
        zip.by_name(&name).unwrap().read_to_end(&mut bytes).unwrap();
        let reader = png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .unwrap();
        let prompt = reader
            .info()
            .utf8_text
            .iter()
            .find(|t| t.keyword == "Prompt")
            .map(|t| t.get_text().unwrap());
        assert_eq!(prompt.as_deref(), Some("灯塔 at dusk"), "{name}");
    }
}

/// "… restriction of processing, …"
///
/// The one processing the service does not need, analytics, stops the moment it is withdrawn:
/// nothing more is sent (the client test `telemetry` also shows a queued event dropped).
#[tokio::test(flavor = "multi_thread")]
async fn you_can_restrict_processing_to_what_the_service_needs() {
    let service = Service::start().await;
    let dir = tempfile::tempdir().unwrap();
    let analytics = analytics(&service, dir.path());
    analytics.set_consent(true, 1).unwrap();
    analytics.track(AnalyticsEvent::AppOpened);
    assert!(analytics.flush(Duration::from_secs(10)));
    let sent = service.sims.posthog().requests().len();
    assert!(sent > 0);

    analytics.set_consent(false, 2).unwrap();
    analytics.track(AnalyticsEvent::GalleryOpened);
    analytics.track(AnalyticsEvent::SettingsOpened);
    assert!(analytics.flush(Duration::from_secs(10)));
    assert_eq!(service.sims.posthog().requests().len(), sent);
}

/// "… and the right to lodge a complaint with a supervisory authority. Our legal basis for
/// processing is contract performance (to provide the Service) and legitimate interests
/// (security and fraud prevention)."
///
/// These are statements to the reader: the app shows them, in English and in Chinese.
#[test]
fn the_app_tells_eu_users_their_rights_and_the_legal_basis() {
    let [(_, english), (_, chinese)] = crate::coverage::IN_APP_POLICIES;
    for words in [
        "right to data portability",
        "restriction of processing",
        "lodge a complaint with a supervisory authority",
        "contract performance",
        "legitimate interests",
    ] {
        assert!(english.contains(words), "English: {words}");
    }
    for words in [
        "数据可携带权",
        "限制处理权",
        "监管机构投诉",
        "履行合同",
        "正当利益",
    ] {
        assert!(chinese.contains(words), "Chinese: {words}");
    }
}

/// "Our legal basis for processing is … legitimate interests (security and fraud prevention)."
///
/// The one thing kept after an account is deleted, on that basis: a keyed hash of the mailbox
/// that received the sign-up grant, so deleting and signing up again (or a `+tag` of the same
/// mailbox) does not grant twice. It holds no address, no account id, nothing else, and goes
/// after a year.
#[tokio::test(flavor = "multi_thread")]
async fn fraud_prevention_keeps_only_a_keyed_hash_of_the_mailbox() {
    let service = Service::start().await;
    let me = person(&service, "fraud.check+first@example.com").await;
    let id = me.id.clone();
    me.auth.delete_account().await.unwrap();
    purge_finished(&service, &id).await;
    let dump = storage(&service).await;
    assert!(
        traces(&dump, "fraud.check").is_empty(),
        "{:?}",
        traces(&dump, "fraud.check")
    );
    let markers = dump
        .tables
        .get("sign_up_grants")
        .cloned()
        .unwrap_or_default();
    assert_eq!(markers.len(), 1, "{markers:?}");
    let columns: Vec<&String> = markers[0].keys().collect();
    assert_eq!(
        columns,
        ["address_hash", "granted_at"],
        "the marker holds more than a hash and a time"
    );

    let again = person(&service, "Fraud.Check+again@example.com").await;
    let balance = again.auth.api().balance(&again.token).await.unwrap();
    assert_eq!(balance.balance, 0, "the same mailbox was granted twice");

    // A year later the marker is gone, and with it the refusal.
    let year = 366 * 24 * 60 * 60 * 1000_i64;
    let advanced = reqwest::Client::new()
        .post(format!("{}/__test/clock", service.url))
        .json(&serde_json::json!({ "advance_ms": year }))
        .send()
        .await
        .unwrap();
    assert!(advanced.status().is_success());
    service.tick().await;
    let dump = storage(&service).await;
    assert!(dump.tables.get("sign_up_grants").is_none_or(Vec::is_empty));
}
