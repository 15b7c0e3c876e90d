//! Credits on this device against the real native server and the Creem simulator: ledger entries
//! arrive by sync into the cache (a purchase paid in the "browser", then its refund), the cache's
//! sum is the balance shown offline, and a pass that brought entries says so.
#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failing test with its location

use std::sync::Arc;
use std::time::{Duration, Instant};

use atelier_api::ErrorCode;
use atelier_api::credits::{LedgerEntry, LedgerKind, Money};
use atelier_client::cache::Cache;
use atelier_client::session::MemoryStore;
use atelier_client::sync::{LibraryChanges, SyncEngine, SyncOptions};
use atelier_client::{ApiClient, credits};
use atelier_test_kit::{Service, generate};

fn engine(service: &Service, cache: &Cache) -> SyncEngine {
    SyncEngine::new(
        cache.clone(),
        service.client(),
        SyncOptions {
            page_size: 3,
            concurrency: 2,
        },
    )
}

/// The whole ledger as the service pages it, newest first.
async fn served_ledger(
    api: &ApiClient,
    token: &atelier_client::session::SessionToken,
) -> Vec<LedgerEntry> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = api.ledger(token, cursor.as_deref()).await.unwrap();
        all.extend(page.entries);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return all,
        }
    }
}

/// Syncs until the cached balance is `expected` (a webhook is handled after its answer).
async fn sync_until_balance(
    sync: &SyncEngine,
    token: &atelier_client::session::SessionToken,
    expected: i64,
) -> usize {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut brought = 0;
    loop {
        brought += sync.run(token).await.unwrap().credits;
        if sync.cache().credit_balance().await.unwrap() == Some(expected) {
            return brought;
        }
        assert!(
            Instant::now() < deadline,
            "the cached balance never became {expected}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Whether a pass told since the last look brought credit ledger entries.
fn brought_credits(told: &mut tokio::sync::broadcast::Receiver<LibraryChanges>) -> bool {
    let mut credits = false;
    while let Ok(changes) = told.try_recv() {
        credits |= changes.credits;
    }
    credits
}

#[tokio::test]
async fn credit_records_arriving_by_sync_land_in_the_cache_and_move_its_balance() {
    let service = Service::start().await;
    let auth = service
        .sign_in("ledger@example.com", Arc::new(MemoryStore::default()))
        .await;
    let api = auth.api().clone();
    let token = auth.token().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).await.unwrap();
    let sync = engine(&service, &cache);
    let mut told = sync.subscribe_changes();
    assert_eq!(
        cache.credit_balance().await.unwrap(),
        None,
        "nothing synced yet"
    );

    // The first sync brings the sign-up grant.
    let report = sync.run(&token).await.unwrap();
    assert_eq!(report.credits, 1, "{report:?}");
    assert!(
        brought_credits(&mut told),
        "a pass that brought credits says so"
    );
    assert_eq!(cache.credit_balance().await.unwrap(), Some(100));

    // A generation's debit arrives with the next sync.
    generate(&api, &token, "a lighthouse at dusk", 2).await;
    let report = sync.run(&token).await.unwrap();
    assert_eq!(report.credits, 1, "{report:?}");
    assert!(brought_credits(&mut told));
    assert_eq!(cache.credit_balance().await.unwrap(), Some(92));

    // Bought in the browser: the checkout, then Creem's signed webhook, then sync.
    let packs = api.credit_packs().await.unwrap().packs;
    let large = packs.iter().find(|p| p.credits == 500).unwrap();
    let checkout = api.checkout(&token, &large.id).await.unwrap();
    atelier_client::api::checked_checkout_url(&checkout.checkout_url).unwrap();
    let creem = service.sims.creem();
    creem.set_webhook_url(Some(format!("{}/v1/creem/webhook", service.url)));
    let paid = creem.pay(&checkout.checkout_id, None).unwrap();
    assert!(sync_until_balance(&sync, &token, 592).await >= 1);
    assert!(brought_credits(&mut told));
    let (cached, _) = cache.credit_ledger(None, 50).await.unwrap();
    let purchase = cached
        .iter()
        .find(|e| e.kind == LedgerKind::Purchase)
        .unwrap();
    assert_eq!(purchase.amount, 500);
    assert_eq!(purchase.paid, Some(large.price.clone()));

    // Refunded: the purchase is clawed back, on this device too.
    creem.refund(&paid.order_id).unwrap();
    assert!(sync_until_balance(&sync, &token, 92).await >= 1);
    assert!(brought_credits(&mut told));
    let (cached, next) = cache.credit_ledger(None, 50).await.unwrap();
    assert!(next.is_none());
    let clawback = cached
        .iter()
        .find(|e| e.kind == LedgerKind::Clawback)
        .unwrap();
    assert_eq!(clawback.amount, -500);
    assert!(matches!(&clawback.paid, Some(Money { currency, .. }) if currency == "USD"));

    // The cache holds the service's ledger exactly; a sync with nothing new says nothing.
    let by_id = |mut v: Vec<LedgerEntry>| {
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    };
    assert_eq!(by_id(cached), by_id(served_ledger(&api, &token).await));
    assert_eq!(sync.run(&token).await.unwrap().credits, 0);
    assert!(!brought_credits(&mut told));

    // Offline: the balance and the ledger come from the cache, paged by its own cursor.
    let online = credits::balance(&auth, Some(&cache)).await.unwrap();
    assert_eq!(online, 92);
    let mut service = service;
    service.stop().await;
    assert_eq!(credits::balance(&auth, Some(&cache)).await.unwrap(), 92);
    let page = credits::ledger(&auth, Some(&cache), None).await.unwrap();
    assert_eq!(page.entries.len(), 4, "grant, debit, purchase, clawback");
    assert_eq!(page.entries[0].kind, LedgerKind::Clawback, "newest first");
    assert_eq!(page.next_cursor, None);
    let no_cache = credits::balance(&auth, None).await.unwrap_err();
    assert_eq!(no_cache.code(), ErrorCode::Offline);
}

#[tokio::test]
async fn the_cached_ledger_pages_newest_first_by_its_own_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).await.unwrap();
    let entries: Vec<LedgerEntry> = (0..7)
        .map(|i| LedgerEntry {
            id: format!("{i:032x}"),
            amount: if i == 0 { 100 } else { -4 },
            kind: if i == 0 {
                LedgerKind::Grant
            } else {
                LedgerKind::Debit
            },
            reference: format!("r{i}"),
            paid: None,
            // Two share a time: the id breaks the tie.
            created_at: 1_000 + i64::from(i.min(5)),
        })
        .collect();
    let page = atelier_api::sync::SyncPage {
        changes: entries
            .iter()
            .enumerate()
            .map(|(n, e)| atelier_api::sync::SyncChange::Upsert {
                seq: n as u64 + 1,
                record: atelier_api::sync::SyncRecord::Credit(atelier_api::sync::CreditRecord {
                    entry: e.clone(),
                }),
            })
            .collect(),
        next_cursor: "7".into(),
        has_more: false,
    };
    let report = cache.apply_page(&page).await.unwrap();
    assert_eq!(report.credits, 7);
    assert_eq!(cache.credit_balance().await.unwrap(), Some(100 - 6 * 4));
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let (page, next) = cache.credit_ledger(after.as_ref(), 3).await.unwrap();
        seen.extend(page.into_iter().map(|e| e.id));
        match next {
            Some(mark) => after = Some(mark),
            None => break,
        }
    }
    let expected: Vec<String> = [6, 5, 4, 3, 2, 1, 0]
        .iter()
        .map(|i| format!("{i:032x}"))
        .collect();
    assert_eq!(seen, expected);

    // Hostile money is refused whole; a sync reset forgets the ledger with the rest.
    let mut bad = entries[1].clone();
    bad.id = "f".repeat(32);
    bad.paid = Some(Money {
        cents: 100,
        currency: "usd<script>".into(),
    });
    let hostile = atelier_api::sync::SyncPage {
        changes: vec![atelier_api::sync::SyncChange::Upsert {
            seq: 8,
            record: atelier_api::sync::SyncRecord::Credit(atelier_api::sync::CreditRecord {
                entry: bad,
            }),
        }],
        next_cursor: "8".into(),
        has_more: false,
    };
    assert_eq!(
        cache
            .apply_page(&hostile)
            .await
            .unwrap_err()
            .code()
            .as_str(),
        "invalid_sync_data"
    );
    assert_eq!(cache.credit_balance().await.unwrap(), Some(76));
    cache.reset_sync().await.unwrap();
    assert_eq!(cache.credit_balance().await.unwrap(), None);
}
