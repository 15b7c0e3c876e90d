//! Section 1, Data We Collect: exactly these kinds of data, visible to the person in their export.

use atelier_api::auth::AuthProvider;
use atelier_client::Language;
use atelier_client::api::ImageVariant;

use crate::common::{now_ms, person, storage};
use atelier_test_kit::{Service, generate};

const EMAIL: &str = "collected@example.com";

/// "Account information: email address, authentication provider, sign-up date."
#[tokio::test]
async fn account_information_is_the_email_the_provider_and_the_sign_up_date() {
    let service = Service::start().await;
    let before = now_ms();
    let me = person(&service, EMAIL).await;
    let after = now_ms();
    let export = me.auth.api().data_export(&me.token).await.unwrap();
    assert_eq!(export.account.email, EMAIL);
    assert_eq!(export.account.auth_provider, AuthProvider::Email);
    assert!(
        (before..=after).contains(&export.account.created_at),
        "sign-up date {} not within the sign-in",
        export.account.created_at
    );
}

/// "Usage data: prompts submitted, images generated, credit balance and transaction history."
#[tokio::test]
async fn usage_data_is_prompts_images_and_the_credit_history() {
    let service = Service::start().await;
    let me = person(&service, EMAIL).await;
    let api = me.auth.api();
    let first = generate(api, &me.token, "a lighthouse at dusk", 2).await;
    let second = generate(api, &me.token, "一只在雪中的红狐狸", 1).await;

    let export = api.data_export(&me.token).await.unwrap();
    let mut prompts: Vec<&str> = export
        .generations
        .iter()
        .map(|g| g.generation.prompt.as_str())
        .collect();
    prompts.sort_unstable();
    assert_eq!(prompts, ["a lighthouse at dusk", "一只在雪中的红狐狸"]);
    let images: usize = export.generations.iter().map(|g| g.images.len()).sum();
    assert_eq!(images, first.images.len() + second.images.len());
    let balance = api.balance(&me.token).await.unwrap().balance;
    assert_eq!(export.credits.balance, balance);
    let ledger_sum: i64 = export.credits.ledger.iter().map(|e| e.amount).sum();
    assert_eq!(ledger_sum, balance, "the history adds up to the balance");
    assert_eq!(export.credits.ledger.len(), 3, "the grant and two charges");
}

/// "Technical data: IP address (used for rate limiting and fraud prevention), browser
/// user-agent, request timestamps."
///
/// Each sign-in keeps the IP, user agent and time; the IP counts against a rate limit, and the
/// limit's counter holds a keyed hash of it, never the address.
#[tokio::test]
async fn technical_data_is_the_ip_the_user_agent_and_the_time() {
    let service = Service::start().await;
    let before = now_ms();
    let me = person(&service, EMAIL).await;
    let export = me.auth.api().data_export(&me.token).await.unwrap();
    let [sign_in] = export.technical.sign_ins.as_slice() else {
        panic!("one sign-in: {:?}", export.technical.sign_ins);
    };
    assert_eq!(sign_in.ip.as_deref(), Some("127.0.0.1"));
    assert!(
        sign_in
            .user_agent
            .as_deref()
            .is_some_and(|ua| ua.starts_with("Atelier/")),
        "{sign_in:?}"
    );
    assert!(sign_in.created_at >= before && sign_in.created_at <= now_ms());

    // The IP is what limits sign-in emails from one place: 20 an hour, whatever the address.
    let api = service.client();
    let mut refused = None;
    for n in 0..25 {
        if let Err(e) = api
            .start_sign_in(
                &format!("someone{n}@example.com"),
                Language::English,
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            )
            .await
        {
            refused = Some((n, e.code().as_str().to_owned()));
            break;
        }
    }
    let (n, code) = refused.expect("the IP's limit was never reached");
    assert_eq!(code, "rate_limited");
    assert_eq!(n, 19, "the sign-in's own email and 19 more, then refused");
    let dump = storage(&service).await;
    assert!(dump.kv.iter().any(|e| e.key.starts_with("rl:send-ip:")));
    assert!(
        dump.kv
            .iter()
            .all(|e| !e.key.contains("127.0.0.1") && !e.value.contains("127.0.0.1")),
        "the IP is never kept in clear in KV"
    );
}

/// "Generated images: stored on our infrastructure until you delete them."
#[tokio::test]
async fn generated_images_stay_until_you_delete_them() {
    let service = Service::start().await;
    let me = person(&service, EMAIL).await;
    let api = me.auth.api();
    let generation = generate(api, &me.token, "a harbour at night", 1).await;
    let image = &generation.images[0];

    // Three years on, with the background work run: the image is still there.
    service.advance_clock(3 * 365 * 24 * 3600 * 1000).await;
    service.tick().await;
    let me = person(&service, EMAIL).await; // the old session lapsed meanwhile
    let api = me.auth.api();
    api.image(&me.token, &image.id, ImageVariant::Original)
        .await
        .unwrap();
    let keys = |dump: &atelier_api::test_hooks::StorageDump| {
        dump.blobs.iter().filter(|k| k.contains(&image.id)).count()
    };
    assert_eq!(keys(&storage(&service).await), 2, "original and thumbnail");

    // Deleted: the bytes are gone from the blob store and the image from the service.
    api.delete_image(&me.token, &image.id).await.unwrap();
    assert_eq!(keys(&storage(&service).await), 0);
    let gone = api
        .image(&me.token, &image.id, ImageVariant::Original)
        .await
        .unwrap_err();
    assert_eq!(gone.code().as_str(), "not_found");
}
