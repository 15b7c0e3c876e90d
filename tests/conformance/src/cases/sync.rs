//! `GET /v1/sync`: a faithful, ordered, keyset-paged log of every change to a person's
//! conversations, generations and images, with tombstones and `reset_required` once they are pruned.

use std::collections::BTreeMap;

use atelier_api::ErrorCode;
use atelier_api::conversations::{Conversation, ConversationPage};
use atelier_api::generations::Generation;
use atelier_api::sync::{SyncChange, SyncKind, SyncPage, SyncRecord, TOMBSTONE_RETENTION_MS};

use super::auth_support::sign_in;
use super::generations::{Account, account, image_bytes, made};
use crate::{CaseResult, Ctx, ensure};

async fn page(ctx: &Ctx, who: &Account, query: &str) -> Result<SyncPage, String> {
    ctx.get(&format!("/v1/sync{query}"))
        .token(&who.token)
        .send()
        .await?
        .expect_status(200)?
        .json()
}

/// Every change from `cursor` on, following `next_cursor` with pages of `limit`.
pub(super) async fn pull_all(
    ctx: &Ctx,
    who: &Account,
    cursor: Option<&str>,
    limit: u32,
) -> Result<(Vec<SyncChange>, String), String> {
    let mut changes = Vec::new();
    let mut cursor = cursor.map(str::to_owned);
    for _ in 0..10_000 {
        let query = match &cursor {
            Some(c) => format!("?cursor={c}&limit={limit}"),
            None => format!("?limit={limit}"),
        };
        let p = page(ctx, who, &query).await?;
        ensure!(p.changes.len() <= limit as usize, "a page over its limit");
        changes.extend(p.changes);
        cursor = Some(p.next_cursor.clone());
        if !p.has_more {
            return Ok((changes, p.next_cursor));
        }
    }
    Err("sync never ran out of pages".into())
}

/// Applies changes as a device would: the latest state of every record, tombstones removing it.
/// A conversation's tombstone removes its generations and images too.
pub(super) fn apply(state: &mut BTreeMap<(SyncKind, String), SyncRecord>, changes: &[SyncChange]) {
    for change in changes {
        match change {
            SyncChange::Upsert { record, .. } => {
                state.insert((record.kind(), record.id().to_owned()), record.clone());
            }
            SyncChange::Delete { kind, id, .. } => {
                state.remove(&(*kind, id.clone()));
                if *kind == SyncKind::Conversation {
                    state.retain(|_, r| match r {
                        SyncRecord::Generation(g) => g.conversation_id != *id,
                        SyncRecord::Image(i) => i.conversation_id != *id,
                        SyncRecord::Conversation(_)
                        | SyncRecord::Credit(_)
                        | SyncRecord::Upload(_) => true,
                    });
                }
            }
        }
    }
}

fn count(state: &BTreeMap<(SyncKind, String), SyncRecord>, kind: SyncKind) -> usize {
    state.keys().filter(|(k, _)| *k == kind).count()
}

/// The changes that are not ledger entries (every account's log also holds its credits).
fn records_only(changes: &[SyncChange]) -> Vec<&SyncChange> {
    changes
        .iter()
        .filter(|c| {
            !matches!(
                c,
                SyncChange::Upsert {
                    record: SyncRecord::Credit(_),
                    ..
                }
            )
        })
        .collect()
}

fn ascending(changes: &[SyncChange]) -> CaseResult {
    ensure!(
        changes.windows(2).all(|w| w[0].seq() < w[1].seq()),
        "sequence numbers are not strictly increasing: {:?}",
        changes.iter().map(SyncChange::seq).collect::<Vec<_>>()
    );
    Ok(())
}

/// Files in the blob store holding exactly these bytes.
fn originals_stored(ctx: &Ctx, sha256: &str) -> usize {
    ctx.stored_files()
        .into_iter()
        .filter(|(_, b)| hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b)) == sha256)
        .count()
}

pub async fn a_first_sync_holds_every_record_and_a_second_finds_nothing_new(
    ctx: &Ctx,
) -> CaseResult {
    let who = account(ctx).await?;
    let empty = page(ctx, &who, "").await?;
    // A new account holds only its sign-up grant.
    ensure!(
        records_only(&empty.changes).is_empty() && empty.changes.len() == 1 && !empty.has_more,
        "a new account has changes: {empty:?}"
    );
    ctx.post("/v1/conversations")
        .token(&who.token)
        .json(&serde_json::json!({"title": "Moodboard"}))
        .send()
        .await?
        .expect_status(201)?;
    let done = made(ctx, &who, &format!("a tide pool {}", ctx.unique()), 2).await?;

    let (changes, cursor) = pull_all(ctx, &who, None, 500).await?;
    ascending(&changes)?;
    let mut state = BTreeMap::new();
    apply(&mut state, &changes);
    ensure!(count(&state, SyncKind::Conversation) == 2, "{state:?}");
    let Some(SyncRecord::Generation(g)) = state.get(&(SyncKind::Generation, done.id.clone()))
    else {
        return Err(format!("the generation is missing: {state:?}"));
    };
    ensure!(
        g.status == done.status && g.cost == done.cost && g.prompt == done.prompt,
        "the synced generation differs: {g:?} vs {done:?}"
    );
    ensure!(count(&state, SyncKind::Image) == 2, "{state:?}");
    for image in &done.images {
        let Some(SyncRecord::Image(i)) = state.get(&(SyncKind::Image, image.id.clone())) else {
            return Err(format!("image {} is missing", image.id));
        };
        ensure!(
            i.sha256 == image.sha256 && i.generation_id == done.id && !i.favourite,
            "{i:?}"
        );
        ensure!(
            i.conversation_id == done.conversation_id,
            "the image names the wrong conversation"
        );
        let thumbnail = image_bytes(ctx, &who, &i.id, "thumbnail").await?;
        ensure!(
            hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&thumbnail)) == i.thumbnail_sha256
                && thumbnail.len() as u64 == i.thumbnail_bytes,
            "the thumbnail's recorded hash or size is wrong"
        );
    }
    let again = page(ctx, &who, &format!("?cursor={cursor}")).await?;
    ensure!(
        again.changes.is_empty() && !again.has_more && again.next_cursor == cursor,
        "nothing changed, yet: {again:?}"
    );
    Ok(())
}

pub async fn small_pages_add_up_to_one_big_page(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    for title in ["one", "two", "three", "four", "five"] {
        ctx.post("/v1/conversations")
            .token(&who.token)
            .json(&serde_json::json!({ "title": title }))
            .send()
            .await?
            .expect_status(201)?;
    }
    let listed: ConversationPage = ctx
        .get("/v1/conversations")
        .token(&who.token)
        .send()
        .await?
        .json()?;
    let renamed = &listed.conversations[0].id;
    ctx.patch(&format!("/v1/conversations/{renamed}"))
        .token(&who.token)
        .json(&serde_json::json!({"title": "renamed"}))
        .send()
        .await?
        .expect_status(200)?;
    let (whole, _) = pull_all(ctx, &who, None, 1000).await?;
    let (paged, _) = pull_all(ctx, &who, None, 2).await?;
    ensure!(whole == paged, "pages of 2 differ from one page");
    // A rename moves the record to the end, once: five records, the renamed one last.
    let records = records_only(&whole);
    ensure!(
        records.len() == 5,
        "{} changes for 5 records",
        records.len()
    );
    match records.last().copied() {
        Some(SyncChange::Upsert {
            record: SyncRecord::Conversation(c),
            ..
        }) => ensure!(c.id == *renamed && c.title == "renamed", "{c:?}"),
        other => return Err(format!("the last change is {other:?}")),
    }
    ascending(&whole)
}

pub async fn favourites_and_deletions_reach_other_devices(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    let done = made(ctx, &who, &format!("two pears {}", ctx.unique()), 2).await?;
    let (_, cursor) = pull_all(ctx, &who, None, 500).await?;
    let [kept, removed] = [&done.images[0], &done.images[1]];
    // Both images of one prompt may be the same picture: count copies, not presence.
    let originals_before = originals_stored(ctx, &removed.sha256);

    ctx.patch(&format!("/v1/images/{}", kept.id))
        .token(&who.token)
        .json(&serde_json::json!({"favourite": true}))
        .send()
        .await?
        .expect_status(204)?;
    ctx.delete(&format!("/v1/images/{}", removed.id))
        .token(&who.token)
        .send()
        .await?
        .expect_status(204)?;

    let (changes, _) = pull_all(ctx, &who, Some(&cursor), 500).await?;
    ensure!(changes.len() == 2, "{changes:?}");
    match &changes[0] {
        SyncChange::Upsert {
            record: SyncRecord::Image(i),
            ..
        } => ensure!(i.id == kept.id && i.favourite, "{i:?}"),
        other => return Err(format!("expected the favourite, got {other:?}")),
    }
    ensure!(
        matches!(&changes[1], SyncChange::Delete { kind: SyncKind::Image, id, .. } if *id == removed.id),
        "expected the image's tombstone, got {:?}",
        changes[1]
    );
    // Gone from the service: the routes and the blob store.
    for variant in ["original", "thumbnail"] {
        ctx.get(&format!("/v1/images/{}/{variant}", removed.id))
            .token(&who.token)
            .send()
            .await?
            .error(404, ErrorCode::NotFound)?;
    }
    let left = originals_stored(ctx, &removed.sha256);
    ensure!(
        left + 1 == originals_before,
        "{originals_before} copies of the deleted original before, {left} after"
    );
    let now: Generation = ctx
        .get(&format!("/v1/generations/{}", done.id))
        .token(&who.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    ensure!(
        now.images.iter().map(|i| &i.id).collect::<Vec<_>>() == vec![&kept.id],
        "the generation still lists the deleted image"
    );
    // Deleting again, or favouriting what is gone: not_found, nothing logged.
    ctx.delete(&format!("/v1/images/{}", removed.id))
        .token(&who.token)
        .send()
        .await?
        .error(404, ErrorCode::NotFound)?;
    ctx.patch(&format!("/v1/images/{}", kept.id))
        .token(&who.token)
        .json(&serde_json::json!({"favourite": "yes"}))
        .send()
        .await?
        .error(400, ErrorCode::BadRequest)?;
    let (after, _) = pull_all(ctx, &who, Some(&cursor), 500).await?;
    ensure!(after == changes, "refused requests changed the log");
    Ok(())
}

pub async fn a_deleted_conversation_is_one_tombstone(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    let done = made(ctx, &who, &format!("a paper boat {}", ctx.unique()), 1).await?;
    let (before, cursor) = pull_all(ctx, &who, None, 500).await?;
    let mut device = BTreeMap::new();
    apply(&mut device, &before);
    ctx.delete(&format!("/v1/conversations/{}", done.conversation_id))
        .token(&who.token)
        .send()
        .await?
        .expect_status(204)?;
    let (changes, _) = pull_all(ctx, &who, Some(&cursor), 500).await?;
    ensure!(
        matches!(changes.as_slice(), [SyncChange::Delete { kind: SyncKind::Conversation, id, .. }] if *id == done.conversation_id),
        "{changes:?}"
    );
    apply(&mut device, &changes);
    // Credits are the account's, not the conversation's: they stay.
    device.retain(|(kind, _), _| *kind != SyncKind::Credit);
    ensure!(device.is_empty(), "left on the device: {device:?}");
    // A device starting now sees the same: nothing.
    let (fresh, _) = pull_all(ctx, &who, None, 500).await?;
    let mut other = BTreeMap::new();
    apply(&mut other, &fresh);
    other.retain(|(kind, _), _| *kind != SyncKind::Credit);
    ensure!(other.is_empty(), "a fresh device got {other:?}");
    Ok(())
}

pub async fn cursors_from_before_pruned_tombstones_must_reset(ctx: &Ctx) -> CaseResult {
    let email = ctx.email("sync-reset");
    let who = Account {
        token: sign_in(ctx, &email, &ctx.ip()).await?.token,
    };
    let make = |title: &'static str| {
        ctx.post("/v1/conversations")
            .token(&who.token)
            .json(&serde_json::json!({ "title": title }))
            .send()
    };
    make("kept").await?.expect_status(201)?;
    let (_, old_cursor) = pull_all(ctx, &who, None, 500).await?;
    let doomed: Conversation = make("doomed").await?.json()?;
    ctx.delete(&format!("/v1/conversations/{}", doomed.id))
        .token(&who.token)
        .send()
        .await?
        .expect_status(204)?;

    // Malformed cursors and limits are refused; a cursor ahead of the log must reset.
    for bad in ["abc", "-1", "7", "1.5.0", "1.x"] {
        ctx.get(&format!("/v1/sync?cursor={bad}"))
            .token(&who.token)
            .send()
            .await?
            .error(400, ErrorCode::InvalidCursor)?;
    }
    for bad in ["0", "1001", "x"] {
        ctx.get(&format!("/v1/sync?limit={bad}"))
            .token(&who.token)
            .send()
            .await?
            .error(400, ErrorCode::BadRequest)?;
    }
    ctx.get("/v1/sync?cursor=999999.0")
        .token(&who.token)
        .send()
        .await?
        .error(410, ErrorCode::ResetRequired)?;

    // Within the retention the old cursor still sees the deletion.
    let (changes, _) = pull_all(ctx, &who, Some(&old_cursor), 500).await?;
    ensure!(
        changes
            .iter()
            .any(|c| matches!(c, SyncChange::Delete { id, .. } if *id == doomed.id)),
        "the tombstone is missing: {changes:?}"
    );

    // Past it, the tombstone is pruned by the background work and the old cursor must reset.
    ctx.advance_clock(TOMBSTONE_RETENTION_MS + 60_000).await?;
    ctx.tick().await?;
    // Sessions last 30 days unless used: sign in again, as a person coming back would.
    let who = Account {
        token: sign_in(ctx, &email, &ctx.ip()).await?.token,
    };
    ctx.get(&format!("/v1/sync?cursor={old_cursor}"))
        .token(&who.token)
        .send()
        .await?
        .error(410, ErrorCode::ResetRequired)?;
    let (fresh, cursor) = pull_all(ctx, &who, None, 500).await?;
    let mut device = BTreeMap::new();
    apply(&mut device, &fresh);
    device.retain(|(kind, _), _| *kind != SyncKind::Credit);
    ensure!(
        device.len() == 1
            && matches!(device.values().next(), Some(SyncRecord::Conversation(c)) if c.title == "kept"),
        "after a reset the device holds {device:?}"
    );
    ensure!(
        !fresh.iter().any(|c| matches!(c, SyncChange::Delete { .. })),
        "the pruned tombstone is still served"
    );
    // The new cursor works.
    let again = page(ctx, &who, &format!("?cursor={cursor}")).await?;
    ensure!(again.changes.is_empty(), "{again:?}");
    Ok(())
}

pub async fn another_account_can_neither_see_nor_change_your_images(ctx: &Ctx) -> CaseResult {
    let owner = account(ctx).await?;
    let stranger = account(ctx).await?;
    let done = made(ctx, &owner, &format!("a locked box {}", ctx.unique()), 1).await?;
    let image = &done.images[0];
    ctx.patch(&format!("/v1/images/{}", image.id))
        .token(&stranger.token)
        .json(&serde_json::json!({"favourite": true}))
        .send()
        .await?
        .error(404, ErrorCode::NotFound)?;
    ctx.delete(&format!("/v1/images/{}", image.id))
        .token(&stranger.token)
        .send()
        .await?
        .error(404, ErrorCode::NotFound)?;
    let (theirs, _) = pull_all(ctx, &stranger, None, 500).await?;
    ensure!(
        records_only(&theirs).is_empty(),
        "a stranger's sync shows {theirs:?}"
    );
    let (mine, _) = pull_all(ctx, &owner, None, 500).await?;
    ensure!(
        mine.iter().any(|c| matches!(c, SyncChange::Upsert { record: SyncRecord::Image(i), .. } if i.id == image.id && !i.favourite)),
        "the owner's image changed or vanished"
    );
    ctx.get("/v1/sync")
        .send()
        .await?
        .error(401, ErrorCode::Unauthenticated)
}
