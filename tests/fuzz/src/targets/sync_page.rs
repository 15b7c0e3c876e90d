//! `sync_page`: pages of sync changes into a desktop cache (`Cache::apply_page`, which checks the
//! whole page before writing any of it). An input whose first byte is even is the page as JSON,
//! read as the desktop reads `GET /v1/sync`; odd, the bytes build a page of mostly well-formed
//! changes over a few ids (so upserts, deletes and their cascades meet), now and then broken.
//! A page is applied with its cursor or not at all: the cursor after is the page's, or the one
//! before.

use atelier_api::uploads::Upload;
use std::sync::OnceLock;

use atelier_api::conversations::Conversation;
use atelier_api::credits::{LedgerEntry, LedgerKind, Money};
use atelier_api::generations::{FailureCode, GenerationStatus};
use atelier_api::sync::{
    CreditRecord, GenerationRecord, ImageRecord, SyncChange, SyncKind, SyncPage, SyncRecord,
};
use atelier_client::cache::Cache;

use crate::input::Input;

struct World {
    runtime: tokio::runtime::Runtime,
    cache: Cache,
    _dir: tempfile::TempDir,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let dir = tempfile::tempdir().expect("a temporary folder");
        let cache = runtime.block_on(Cache::open(dir.path())).expect("a cache");
        World {
            runtime,
            cache,
            _dir: dir,
        }
    })
}

/// A few well-formed ids, and some that are not.
fn id(input: &mut Input) -> String {
    match input.u8() % 16 {
        0 => String::new(),
        1 => "not-an-id".to_owned(),
        2 => "0123456789ABCDEF0123456789abcdeg".to_owned(),
        3 => "0123456789ABCDEF0123456789ABCDEF".to_owned(),
        4 => input.string(40),
        n => format!("{:032x}", u64::from(n % 6)),
    }
}

fn hash(input: &mut Input) -> String {
    match input.u8() % 8 {
        0 => "xyz".to_owned(),
        1 => "A".repeat(64),
        n => format!("{:064x}", u64::from(n)),
    }
}

fn text(input: &mut Input) -> String {
    match input.u8() % 8 {
        0 => "é".repeat(16_001),
        1 => "a".repeat(16_000),
        _ => input.string(24),
    }
}

fn number(input: &mut Input) -> i64 {
    match input.u8() % 6 {
        0 => i64::MIN,
        1 => i64::MAX,
        2 => 1_000_000_000_001,
        3 => -1_000_000_000_000,
        _ => i64::from(input.u16() as i16),
    }
}

fn side(input: &mut Input) -> u32 {
    match input.u8() % 5 {
        0 => 0,
        1 => 65_537,
        2 => u32::MAX,
        _ => 1 + u32::from(input.u16()),
    }
}

fn record(input: &mut Input) -> SyncRecord {
    match input.u8() % 5 {
        0 => SyncRecord::Conversation(Conversation {
            id: id(input),
            title: text(input),
            created_at: number(input),
            updated_at: number(input),
        }),
        1 => SyncRecord::Generation(GenerationRecord {
            id: id(input),
            conversation_id: id(input),
            prompt: text(input),
            model: text(input),
            aspect_ratio: text(input),
            count: input.u32(),
            cost: input.u32(),
            status: input.pick(&[
                GenerationStatus::Queued,
                GenerationStatus::Generating,
                GenerationStatus::Done,
                GenerationStatus::Failed,
            ]),
            failure_code: input.bool().then(|| FailureCode::parse(&text(input))),
            input_images: (0..input.u8() % 3).map(|_| id(input)).collect(),
            created_at: number(input),
            updated_at: number(input),
        }),
        4 => SyncRecord::Upload(Upload {
            id: id(input),
            width: side(input),
            height: side(input),
            bytes: input.u64(),
            sha256: hash(input),
            content_type: input
                .pick(&["image/png", "image/webp", "text/html", ""])
                .to_owned(),
            thumbnail_sha256: hash(input),
            thumbnail_bytes: input.u64(),
            created_at: number(input),
        }),
        2 => SyncRecord::Image(ImageRecord {
            id: id(input),
            generation_id: id(input),
            conversation_id: id(input),
            idx: input.u32(),
            width: side(input),
            height: side(input),
            content_type: input
                .pick(&["image/png", "image/jpeg", "text/html", ""])
                .to_owned(),
            sha256: hash(input),
            bytes: input.u64(),
            thumbnail_sha256: hash(input),
            thumbnail_bytes: input.u64(),
            favourite: input.bool(),
            created_at: number(input),
            updated_at: number(input),
        }),
        _ => SyncRecord::Credit(CreditRecord {
            entry: LedgerEntry {
                id: id(input),
                amount: number(input),
                kind: input.pick(&[
                    LedgerKind::Grant,
                    LedgerKind::Debit,
                    LedgerKind::Refund,
                    LedgerKind::Purchase,
                    LedgerKind::Clawback,
                ]),
                reference: text(input),
                paid: input.bool().then(|| Money {
                    cents: number(input),
                    currency: input.pick(&["USD", "EUR", "usd", "US", "€€€"]).to_owned(),
                }),
                created_at: number(input),
            },
        }),
    }
}

fn built(input: &mut Input) -> SyncPage {
    let mut seq = u64::from(input.u8());
    let mut changes = Vec::new();
    for _ in 0..input.u8() % 12 {
        seq = match input.u8() % 8 {
            0 => seq.saturating_sub(1),
            1 => u64::MAX,
            n => seq.saturating_add(u64::from(n)),
        };
        changes.push(if input.u8().is_multiple_of(4) {
            SyncChange::Delete {
                seq,
                kind: input.pick(&[
                    SyncKind::Conversation,
                    SyncKind::Generation,
                    SyncKind::Image,
                    SyncKind::Credit,
                ]),
                id: id(input),
            }
        } else {
            SyncChange::Upsert {
                seq,
                record: record(input),
            }
        });
    }
    let next_cursor = match input.u8() % 6 {
        0 => String::new(),
        1 => "x".repeat(201),
        2 => "a cursor".to_owned(),
        3 => input.string(40),
        _ => format!("{seq}.0"),
    };
    SyncPage {
        changes,
        next_cursor,
        has_more: input.bool(),
    }
}

pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let page = if mode % 2 == 0 {
        match serde_json::from_slice::<SyncPage>(rest) {
            Ok(page) => page,
            Err(_) => return,
        }
    } else {
        built(&mut Input::new(rest))
    };
    let w = world();
    w.runtime.block_on(async {
        let before = w.cache.cursor().await.expect("reading the cursor");
        let applied = w.cache.apply_page(&page).await;
        let after = w.cache.cursor().await.expect("reading the cursor");
        match applied {
            Ok(_) => assert_eq!(after.as_deref(), Some(page.next_cursor.as_str())),
            Err(e) => assert_eq!(after, before, "a refused page ({e}) moved the cursor"),
        }
    });
}
