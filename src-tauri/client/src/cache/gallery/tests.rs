//! The gallery's reading of the cache, against a real SQLite cache: query plans, short and long
//! words in any script against a substring filter, windows, and the search indexes kept current.

use atelier_api::conversations::Conversation;
use atelier_api::generations::GenerationStatus;
use atelier_api::sync::{
    GenerationRecord, ImageRecord, SyncChange, SyncKind, SyncPage, SyncRecord,
};

use super::*;
use crate::cache::MAX_FIELD_CHARS;
use crate::cache::search::{TRIGRAM, grams_query};

/// What SQLite plans for the result of `query`, one step a line.
async fn result_plan(cache: &Cache, query: &GalleryQuery) -> String {
    let mut explain = result_query("EXPLAIN QUERY PLAN ", query, "");
    explain
        .build_query_as::<(i64, i64, i64, String)>()
        .fetch_all(cache.pool())
        .await
        .unwrap()
        .into_iter()
        .map(|(_, _, _, detail)| detail)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Listing a result walks an index: in the result's order without a search (no sort of every
/// row in a temporary B-tree), and the search's own index with one.
#[tokio::test]
async fn results_are_read_in_index_order() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).await.unwrap();
    let search = |s: &str| GalleryQuery {
        search: Some(s.into()),
        ..GalleryQuery::default()
    };
    for query in [
        GalleryQuery::default(),
        GalleryQuery {
            favourites_only: true,
            ..GalleryQuery::default()
        },
        GalleryQuery {
            conversation_id: Some("0123456789abcdef0123456789abcdef".into()),
            ..GalleryQuery::default()
        },
        search("lighthouse"),
        search("red fox"),
        search("灯塔"),
        search("AI 猫"),
    ] {
        let plan = result_plan(&cache, &query).await;
        assert!(
            plan.contains("USING INDEX images_") || plan.contains("USING COVERING INDEX images_"),
            "{query:?}:\n{plan}"
        );
        match query.search.as_deref() {
            // Without a search, the index is in the result's order.
            None => assert!(!plan.contains("TEMP B-TREE"), "{query:?} sorts:\n{plan}"),
            // A search may sort its matches (once per query); it must find them by index.
            Some("lighthouse") => {
                assert!(
                    plan.contains("VIRTUAL TABLE INDEX"),
                    "no index for the search:\n{plan}"
                )
            }
            Some(_) => {}
        }
    }
}

/// Searches of one or two characters, alone, together or beside a longer word, each in
/// scripts without spaces and in ASCII: found by the pairs' index, never a scan of the images
/// or the prompts.
#[tokio::test]
async fn short_words_are_found_by_index_not_by_scan() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).await.unwrap();
    for search in [
        "灯塔",
        "狐",
        "ねこ",
        "고양",
        "AI",
        "猫 AI",
        "lighthouse 灯塔",
        "红狐狸 狐",
    ] {
        let query = GalleryQuery {
            search: Some(search.into()),
            ..GalleryQuery::default()
        };
        let plan = result_plan(&cache, &query).await;
        assert!(
            plan.contains("prompt_grams VIRTUAL TABLE INDEX"),
            "{search:?} does not use the pairs' index:\n{plan}"
        );
        // The images of the generations found, with their order, from the index alone.
        assert!(
            plan.contains("USING COVERING INDEX images_by_generation"),
            "{search:?} reads each image's row:\n{plan}"
        );
        for step in plan.lines() {
            assert!(
                !step.trim_start().starts_with("SCAN") || step.contains("VIRTUAL TABLE"),
                "{search:?} scans:\n{plan}"
            );
        }
    }
}

/// A small deterministic generator (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn record_id(kind: u8, n: u64) -> String {
    format!("{kind:02x}{n:030x}")
}

fn generation(n: u64, prompt: &str, created_at: i64) -> SyncRecord {
    SyncRecord::Generation(GenerationRecord {
        id: record_id(2, n),
        conversation_id: record_id(1, 0),
        prompt: prompt.into(),
        model: "nano-banana".into(),
        aspect_ratio: "1:1".into(),
        count: 2,
        cost: 8,
        status: GenerationStatus::Done,
        failure_code: None,
        input_images: Vec::new(),
        created_at,
        updated_at: created_at,
    })
}

fn image(n: u64, generation: u64, created_at: i64) -> SyncRecord {
    SyncRecord::Image(ImageRecord {
        id: record_id(3, n),
        generation_id: record_id(2, generation),
        conversation_id: record_id(1, 0),
        idx: 0,
        width: 64,
        height: 64,
        content_type: "image/png".into(),
        sha256: format!("{n:064x}"),
        bytes: 100,
        thumbnail_sha256: format!("{:064x}", n + (1 << 32)),
        thumbnail_bytes: 10,
        favourite: false,
        created_at,
        updated_at: created_at,
    })
}

/// Applies `changes` as one sync page.
async fn apply(cache: &Cache, changes: Vec<SyncChange>) {
    let changes = changes
        .into_iter()
        .enumerate()
        .map(|(seq, change)| match change {
            SyncChange::Upsert { record, .. } => SyncChange::Upsert {
                seq: seq as u64 + 1,
                record,
            },
            SyncChange::Delete { kind, id, .. } => SyncChange::Delete {
                seq: seq as u64 + 1,
                kind,
                id,
            },
        })
        .collect();
    cache
        .apply_page(&SyncPage {
            next_cursor: "1.0".into(),
            changes,
            has_more: false,
        })
        .await
        .unwrap();
}

fn upserts(records: Vec<SyncRecord>) -> Vec<SyncChange> {
    records
        .into_iter()
        .map(|record| SyncChange::Upsert { seq: 0, record })
        .collect()
}

/// One generation of one image per prompt, the first prompt the oldest.
async fn cache_of(dir: &std::path::Path, prompts: &[&str]) -> Cache {
    let cache = Cache::open(dir).await.unwrap();
    let mut records = Vec::new();
    for (n, prompt) in prompts.iter().enumerate() {
        records.push(generation(n as u64, prompt, n as i64));
        records.push(image(n as u64, n as u64, n as i64));
    }
    apply(&cache, upserts(records)).await;
    cache
}

/// The image ids `search` lists, in order.
async fn found(cache: &Cache, search: &str) -> Vec<String> {
    let query = GalleryQuery {
        search: Some(search.into()),
        ..GalleryQuery::default()
    };
    let page = cache.gallery_page(&query, 0, MAX_WINDOW).await.unwrap();
    assert_eq!(page.total as usize, page.items.len());
    page.items.into_iter().map(|i| i.image_id).collect()
}

/// The image ids of the prompts numbered `ns` (as [`cache_of`] numbers them), newest first.
fn images(ns: &[u64]) -> Vec<String> {
    let mut ids: Vec<String> = ns.iter().map(|n| record_id(3, *n)).collect();
    ids.sort_by(|a, b| b.cmp(a));
    ids
}

#[tokio::test]
async fn short_words_in_any_script_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let cache = cache_of(
        dir.path(),
        &[
            "一只在雪中的红狐狸",    // 0
            "海边的灯塔，夜晚",      // 1
            "ねこと犬のイラスト",    // 2
            "AI猫のイラスト",        // 3
            "고양이 그림",           // 4
            "A Lighthouse at dusk",  // 5
            "ai art of a cat",       // 6
            "猫",                    // 7
            "",                      // 8
            "100% 雪山 under_score", // 9
        ],
    )
    .await;
    for (search, expected) in [
        // Two characters, in the middle and at the very end of a prompt.
        ("灯塔", &[1][..]),
        ("狐狸", &[0]),
        // One character, inside, at the end, and the whole prompt.
        ("狐", &[0]),
        ("狸", &[0]),
        ("猫", &[3, 7]),
        ("，", &[1]),
        // Kana, Hangul.
        ("ねこ", &[2]),
        ("イラ", &[2, 3]),
        ("の", &[2, 3]),
        ("고양", &[4]),
        ("림", &[4]),
        // ASCII short words fold case as LIKE does; LIKE's wildcards are plain characters.
        ("ai", &[3, 6]),
        ("AI", &[3, 6]),
        ("a", &[3, 5, 6]),
        ("%", &[9]),
        ("_s", &[9]),
        ("0%", &[9]),
        // Three characters go to the trigrams; mixed scripts in one word.
        ("AI猫", &[3]),
        ("ai猫", &[3]),
        ("lighthouse", &[5]),
        // Every word must match, short and long together.
        ("猫 AI", &[3]),
        ("猫 イラ", &[3]),
        ("lighthouse 灯塔", &[]),
        ("红狐狸 雪", &[0]),
        ("狐 ねこ", &[]),
        ("犬", &[2]),
        ("鹿", &[]),
    ] {
        assert_eq!(found(&cache, search).await, images(expected), "{search:?}");
    }
}

/// Whatever the words, the gallery lists exactly the images whose prompt holds each of them,
/// newest first: a few hundred generated prompts against a plain filter. Case folds as it
/// did before the pairs' index: a word of three characters or more as the trigrams fold
/// (Unicode: É is é), a shorter one as LIKE does (ASCII only: A is a, É is not é).
#[tokio::test]
async fn searches_match_a_substring_filter() {
    const ALPHABET: &[char] = &[
        'a', 'b', 'A', 'B', 'c', 'x', '1', '%', '_', '"', '*', '-', ' ', ' ', ' ', '\n',
        '\u{3000}', '灯', '塔', '狐', '狸', '猫', '雪', 'ね', 'こ', 'イ', 'ラ', '고', '양', '이',
        '🦊', 'é', 'É',
    ];
    let mut rng = Rng(0x5eed_1234);
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).await.unwrap();
    let mut prompts = Vec::new();
    let mut records = Vec::new();
    let mut n_image = 0;
    for n in 0..300 {
        let len = rng.below(24);
        let prompt: String = (0..len)
            .map(|_| ALPHABET[rng.below(ALPHABET.len())])
            .collect();
        // Few distinct times: many images are ordered by their id alone.
        let at = rng.below(40) as i64;
        records.push(generation(n, &prompt, at));
        for _ in 0..1 + rng.below(2) {
            records.push(image(n_image, n, at));
            prompts.push((record_id(3, n_image), at, prompt.clone()));
            n_image += 1;
        }
    }
    apply(&cache, upserts(records)).await;
    let holds = |prompt: &str, word: &str| {
        if word.chars().count() >= TRIGRAM {
            prompt.to_lowercase().contains(&word.to_lowercase())
        } else {
            prompt
                .to_ascii_lowercase()
                .contains(&word.to_ascii_lowercase())
        }
    };
    let mut short_found = 0;
    for _ in 0..400 {
        // Words from the alphabet, or taken from a prompt so that some match.
        let words: Vec<String> = (0..1 + rng.below(2))
            .map(|_| {
                let len = 1 + rng.below(4);
                let source = &prompts[rng.below(prompts.len())].2;
                let chars: Vec<char> = source.chars().collect();
                if rng.below(2) == 0 && chars.len() >= len {
                    let start = rng.below(chars.len() - len + 1);
                    chars[start..start + len].iter().collect()
                } else {
                    (0..len)
                        .map(|_| ALPHABET[rng.below(ALPHABET.len())])
                        .collect()
                }
            })
            .collect();
        let search = words.join(" ");
        let mut expected: Vec<&(String, i64, String)> = prompts
            .iter()
            .filter(|(_, _, prompt)| search.split_whitespace().all(|w| holds(prompt, w)))
            .collect();
        expected.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
        let expected: Vec<String> = expected.into_iter().map(|(id, _, _)| id.clone()).collect();
        let short = search
            .split_whitespace()
            .any(|w| w.chars().count() < TRIGRAM);
        if short && !expected.is_empty() {
            short_found += 1;
        }
        assert_eq!(found(&cache, &search).await, expected, "{search:?}");
    }
    // The pairs' index answered many of them, not only with nothing.
    assert!(
        short_found >= 150,
        "{short_found} searches of short words found images"
    );
}

/// A window carries every detail of its images, text of any kind included, and an image
/// whose generation has not arrived yet shows with an empty prompt.
#[tokio::test]
async fn a_window_carries_every_detail() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).await.unwrap();
    let prompt = "a \"quoted\" \\ line\nand 灯塔 🦊 \u{1} \u{0} end";
    let mut records = vec![
        SyncRecord::Conversation(Conversation {
            id: record_id(1, 0),
            title: "Ideas «2»".into(),
            created_at: 1,
            updated_at: 1,
        }),
        generation(0, prompt, 10),
        image(0, 0, 10),
        image(1, 7, 20),
    ];
    if let SyncRecord::Image(i) = &mut records[2] {
        i.favourite = true;
        i.width = 1536;
        i.bytes = 5_000_000_000;
    }
    apply(&cache, upserts(records)).await;
    sqlx::query("UPDATE images SET original_cached = 1 WHERE id = ?")
        .bind(record_id(3, 0))
        .execute(cache.pool())
        .await
        .unwrap();
    cache.rows_changed();
    let page = cache
        .gallery_page(&GalleryQuery::default(), 0, 10)
        .await
        .unwrap();
    let item = |n: u64, generation: u64| GalleryItem {
        image_id: record_id(3, n),
        generation_id: record_id(2, generation),
        conversation_id: record_id(1, 0),
        conversation_title: "Ideas «2»".into(),
        prompt: String::new(),
        model: String::new(),
        aspect_ratio: String::new(),
        width: 64,
        height: 64,
        bytes: 100,
        content_type: "image/png".into(),
        favourite: false,
        created_at: 20,
        credits: 0,
        original_cached: false,
    };
    let found = GalleryItem {
        prompt: prompt.into(),
        model: "nano-banana".into(),
        aspect_ratio: "1:1".into(),
        width: 1536,
        bytes: 5_000_000_000,
        favourite: true,
        created_at: 10,
        credits: 4,
        original_cached: true,
        ..item(0, 0)
    };
    assert_eq!(
        page,
        GalleryPage {
            items: vec![item(1, 7), found],
            total: 2
        }
    );
}

mod search_index;
