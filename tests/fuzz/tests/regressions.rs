//! What the fuzz targets found, kept as plain tests (each crashing input also stays in its
//! target's corpus as `crash-*`).

use atelier_api::credits::{LedgerEntry, LedgerKind, Money};
use atelier_api::sync::{CreditRecord, SyncChange, SyncPage, SyncRecord};
use atelier_client::ClientError;
use atelier_client::cache::Cache;

fn credit_page(amount: i64, cents: Option<i64>) -> SyncPage {
    SyncPage {
        changes: vec![SyncChange::Upsert {
            seq: 1,
            record: SyncRecord::Credit(CreditRecord {
                entry: LedgerEntry {
                    id: "0123456789abcdef0123456789abcdef".into(),
                    amount,
                    kind: LedgerKind::Clawback,
                    reference: "clawback:ref_1".into(),
                    paid: cents.map(|cents| Money {
                        cents,
                        currency: "USD".into(),
                    }),
                    created_at: 1,
                },
            }),
        }],
        next_cursor: "1.0".into(),
        has_more: false,
    }
}

/// `sync_page` found it: a ledger entry of `i64::MIN` credits (or cents) made the sync-page check
/// overflow in `abs()`, a panic in a debug build and, in a release build, a wrap to a negative
/// number that passed the check. Both are refused now, and the cursor stays.
#[tokio::test]
async fn a_ledger_amount_of_i64_min_is_refused_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).await.unwrap();
    for page in [
        credit_page(i64::MIN, None),
        credit_page(-5, Some(i64::MIN)),
        credit_page(i64::MAX, None),
    ] {
        let refused = cache.apply_page(&page).await;
        assert!(
            matches!(refused, Err(ClientError::InvalidSyncData(_))),
            "{refused:?}"
        );
        assert_eq!(cache.cursor().await.unwrap(), None);
    }
    // The largest amounts allowed still apply.
    cache
        .apply_page(&credit_page(-1_000_000_000_000, Some(1_000_000_000_000)))
        .await
        .unwrap();
    assert_eq!(cache.cursor().await.unwrap().as_deref(), Some("1.0"));
}
