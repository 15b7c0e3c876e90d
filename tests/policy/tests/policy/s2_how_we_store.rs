//! Section 2, How We Store Your Data: which store holds what. The native server stands in for Cloudflare
//! here (SQLite for D1, a folder for R2, SQLite for KV) behind the same ports; the conformance
//! suite's `privacy` cases hold the Worker on D1, R2 and KV to the same.

use crate::common::{person, storage};
use atelier_test_kit::{Service, generate};

const EMAIL: &str = "stored@example.com";

/// "Cloudflare D1 (SQLite database): account records, conversation metadata, credit ledger."
///
/// The database holds the account, its conversations and its ledger, and never image bytes.
#[tokio::test]
async fn the_database_holds_accounts_conversations_and_the_ledger() {
    let service = Service::start().await;
    let me = person(&service, EMAIL).await;
    let generation = generate(me.auth.api(), &me.token, "a lighthouse at dusk", 1).await;
    let dump = storage(&service).await;
    let rows_of = |table: &str, column: &str, value: &str| {
        dump.tables[table]
            .iter()
            .filter(|row| row.get(column).and_then(|v| v.as_str()) == Some(value))
            .count()
    };
    assert_eq!(rows_of("accounts", "email", EMAIL), 1);
    assert_eq!(
        rows_of("conversations", "id", &generation.conversation_id),
        1
    );
    assert_eq!(
        rows_of("credit_ledger", "account_id", &me.id),
        2,
        "grant and charge"
    );
    // Image bytes are not rows: the largest value in any table is far smaller than a PNG.
    let largest = dump
        .tables
        .values()
        .flatten()
        .flat_map(|row| row.values())
        .map(|v| v.to_string().len())
        .max()
        .unwrap();
    assert!(largest < 20_000, "a {largest}-byte value in the database");
}

/// "Cloudflare R2 (object storage): generated images."
///
/// Every image's original and thumbnail are objects under the account's prefix, and the blob
/// store holds nothing else.
#[tokio::test]
async fn the_blob_store_holds_the_generated_images() {
    let service = Service::start().await;
    let me = person(&service, EMAIL).await;
    let generation = generate(me.auth.api(), &me.token, "a fox in the snow", 2).await;
    let dump = storage(&service).await;
    for image in &generation.images {
        let prefix = format!("images/{}/{}/", me.id, image.id);
        let mut keys: Vec<&str> = dump
            .blobs
            .iter()
            .filter_map(|k| k.strip_prefix(&prefix))
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["original.png", "thumbnail.jpg"], "{:?}", dump.blobs);
    }
    assert!(
        dump.blobs.iter().all(|k| k.starts_with("images/")),
        "{:?}",
        dump.blobs
    );
}

/// "Cloudflare KV: rate-limit counters and short-lived session tokens."
///
/// After signing in and generating, KV holds only rate-limit counters and sessions (by the
/// token's hash, never the token), and every one of them expires by itself within 30 days.
#[tokio::test]
async fn kv_holds_only_rate_limit_counters_and_short_lived_sessions() {
    let service = Service::start().await;
    let me = person(&service, EMAIL).await;
    generate(me.auth.api(), &me.token, "a quiet harbour", 1).await;
    let dump = storage(&service).await;
    let thirty_days = 30 * 24 * 3600 * 1000;
    for entry in &dump.kv {
        let kind = ["rl:", "session:", "sessions-of:"]
            .into_iter()
            .find(|p| entry.key.starts_with(p));
        assert!(kind.is_some(), "KV holds {}", entry.key);
        let expires = entry.expires_at_ms.expect("every key expires by itself");
        assert!(
            expires <= dump.now_ms + thirty_days,
            "{} lives too long",
            entry.key
        );
        assert!(!entry.key.contains(me.token.expose()));
        assert!(!entry.value.contains(me.token.expose()));
    }
    assert!(dump.kv.iter().any(|e| e.key.starts_with("rl:")));
    assert!(dump.kv.iter().any(|e| e.key.starts_with("session:")));
}

/// "All data is processed within Cloudflare's global network. Data may reside in any Cloudflare
/// region depending on routing."
///
/// The deployed service's only stores are its three Cloudflare bindings (D1, R2, KV), with no
/// other storage and no region pinning. (A deployment cannot run here; its configuration can be
/// read.)
#[test]
fn the_worker_keeps_data_only_in_its_cloudflare_bindings() {
    let wrangler = include_str!("../../../../backend/wrangler.toml");
    let tables: Vec<&str> = wrangler
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with('['))
        .collect();
    for store in ["[[d1_databases]]", "[[r2_buckets]]", "[[kv_namespaces]]"] {
        assert_eq!(
            tables.iter().filter(|t| **t == store).count(),
            1,
            "one {store}"
        );
    }
    for other in [
        "durable_objects",
        "queues",
        "hyperdrive",
        "services",
        "vectorize",
        "analytics_engine",
        "placement",
        "d1_databases.jurisdiction",
    ] {
        assert!(
            tables.iter().all(|t| !t.contains(other)),
            "unexpected {other} in wrangler.toml: {tables:?}"
        );
    }
    assert!(!wrangler.contains("jurisdiction"), "no region pinning");
}
