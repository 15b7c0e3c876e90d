//! Section 5, Data Retention: how long each kind of data lives.

use crate::common::{person, purge_finished, storage, traces};
use atelier_test_kit::{Service, generate};

const EMAIL: &str = "retained@example.com";
const YEAR_MS: i64 = 365 * 24 * 3600 * 1000;

/// "Generated images are stored until you delete them or close your account."
///
/// Deleting one image is in §1; closing the account removes every image's bytes as well.
#[tokio::test]
async fn images_go_when_you_close_your_account() {
    let service = Service::start().await;
    let me = person(&service, EMAIL).await;
    let generation = generate(me.auth.api(), &me.token, "a lighthouse", 2).await;
    let prefix = format!("images/{}/", me.id);
    let blobs = |dump: &atelier_api::test_hooks::StorageDump| {
        dump.blobs.iter().filter(|k| k.starts_with(&prefix)).count()
    };
    assert_eq!(blobs(&storage(&service).await), 2 * generation.images.len());
    me.auth.delete_account().await.unwrap();
    purge_finished(&service, &me.id).await;
    assert_eq!(blobs(&storage(&service).await), 0);
}

/// "Account data is retained until you request deletion."
///
/// Years of the background work leave the account, its conversations and its ledger alone;
/// asking for deletion removes every trace: the email, the id, the rows, the keys.
#[tokio::test]
async fn account_data_stays_until_you_ask_for_deletion() {
    let service = Service::start().await;
    let me = person(&service, EMAIL).await;
    generate(me.auth.api(), &me.token, "a harbour", 1).await;
    let before = storage(&service).await;
    let rows = |dump: &atelier_api::test_hooks::StorageDump| {
        [
            "accounts",
            "conversations",
            "generations",
            "images",
            "credit_ledger",
        ]
        .map(|t| dump.tables[t].len())
    };

    service.advance_clock(3 * YEAR_MS).await;
    service.tick().await;
    service.tick().await;
    assert_eq!(
        rows(&storage(&service).await),
        rows(&before),
        "nothing aged out"
    );

    let me = person(&service, EMAIL).await; // the old session lapsed meanwhile
    me.auth.delete_account().await.unwrap();
    purge_finished(&service, &me.id).await;
    let after = storage(&service).await;
    assert_eq!(traces(&after, EMAIL), Vec::<String>::new());
    assert_eq!(traces(&after, &me.id), Vec::<String>::new());
    assert_eq!(rows(&after), [0; 5]);
}

/// "Rate-limit counters in KV expire automatically within their rolling window."
///
/// Every counter carries an expiry of at most two windows (the current one and the one the
/// sliding estimate still weighs); once that has passed, KV holds none of them.
#[tokio::test]
async fn rate_limit_counters_expire_within_their_rolling_window() {
    let service = Service::start().await;
    let me = person(&service, EMAIL).await;
    generate(me.auth.api(), &me.token, "a fox", 1).await;
    let dump = storage(&service).await;
    let counters: Vec<_> = dump
        .kv
        .iter()
        .filter(|e| e.key.starts_with("rl:"))
        .collect();
    // Sign-in: per IP, verification per IP; generating: per account. (Sends per address are
    // counted exactly in SQL, below.)
    for scope in ["send-ip", "verify-ip", "generate"] {
        assert!(
            counters
                .iter()
                .any(|e| e.key.starts_with(&format!("rl:{scope}:"))),
            "no {scope} counter in {counters:?}"
        );
    }
    let longest_window_ms = 3_600 * 1000;
    for counter in &counters {
        let expires = counter.expires_at_ms.expect("a counter expires by itself");
        assert!(
            expires <= dump.now_ms + 2 * longest_window_ms,
            "{} outlives its window",
            counter.key
        );
    }
    let sends = dump.tables.get("sign_in_sends").map_or(0, Vec::len);
    assert!(sends > 0, "no sign-in send was counted");
    service.advance_clock(2 * longest_window_ms + 60_000).await;
    let later = storage(&service).await;
    assert!(
        later.kv.iter().all(|e| !e.key.starts_with("rl:")),
        "{:?}",
        later.kv
    );
    // The exact counters in SQL (sends per address, wrong codes) go with the background work
    // once their window (a day at most) has passed.
    service.advance_clock(24 * 3_600 * 1000).await;
    service.tick().await;
    let pruned = storage(&service).await;
    for table in ["sign_in_sends", "sign_in_attempts"] {
        assert!(
            pruned.tables.get(table).is_none_or(Vec::is_empty),
            "{table} outlived its window"
        );
    }
}
