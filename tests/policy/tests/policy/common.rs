//! What the clauses share: a signed-in person on the real service, a look at everything the
//! service stores, and the account's traces in it.

use std::sync::Arc;

use atelier_api::test_hooks::StorageDump;
use atelier_client::Auth;
use atelier_client::session::{MemoryStore, SessionToken};
use atelier_client::telemetry::{Analytics, PostHogConfig};

use atelier_test_kit::Service;

/// A person signed in on one device: the session keeper and its token.
pub struct Person {
    pub auth: Auth,
    pub token: SessionToken,
    pub id: String,
}

pub async fn person(service: &Service, email: &str) -> Person {
    let auth = service
        .sign_in(email, Arc::new(MemoryStore::default()))
        .await;
    let token = auth.token().await.unwrap();
    let id = auth.state().await.user.unwrap().id;
    Person { auth, token, id }
}

/// Everything the service stores: every SQL row, blob key and KV entry (`/__test/storage`).
pub async fn storage(service: &Service) -> StorageDump {
    let response = reqwest::get(format!("{}/__test/storage", service.url))
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.unwrap()
}

/// Where `needle` appears in the stored data: table rows, blob keys, KV keys and values.
pub fn traces(dump: &StorageDump, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (table, rows) in &dump.tables {
        for row in rows {
            let text = serde_json::Value::Object(row.clone()).to_string();
            if text.contains(needle) {
                found.push(format!("{table}: {text}"));
            }
        }
    }
    found.extend(
        dump.blobs
            .iter()
            .filter(|k| k.contains(needle))
            .map(|k| format!("blob {k}")),
    );
    found.extend(
        dump.kv
            .iter()
            .filter(|e| e.key.contains(needle) || e.value.contains(needle))
            .map(|e| format!("kv {}", e.key)),
    );
    found
}

/// Runs the background work until the account's purge has finished (a bounded number of rounds).
pub async fn purge_finished(service: &Service, account_id: &str) {
    for _ in 0..20 {
        if traces(&storage(service).await, account_id).is_empty() {
            return;
        }
        service.tick().await;
    }
    panic!(
        "the purge did not finish: {:#?}",
        traces(&storage(service).await, account_id)
    );
}

/// Milliseconds since the epoch, as the service counts them.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap()
}

/// The desktop's analytics over `dir`, sending to the PostHog simulator.
pub fn analytics(service: &Service, dir: &std::path::Path) -> Analytics {
    let config = PostHogConfig {
        host: service.sims.posthog_url(),
        key: service.sims.posthog().api_key().to_owned(),
    };
    Analytics::open(dir, Some(config))
}
