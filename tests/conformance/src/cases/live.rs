//! The live channel (issue 14, DESIGN.md § 15): `GET /v1/sync?cursor=&wait=S` with nothing after
//! its cursor is held until the account's log moves past it, then answered as usual, or answered
//! empty after `S` seconds. Refusals (bad `wait`, a cursor to reset, a session that ended) are
//! answered at once.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use atelier_api::ErrorCode;
use atelier_api::generations::{Generation, GenerationStatus};
use atelier_api::sync::{SyncChange, SyncKind, SyncPage, SyncRecord};

use super::generations::{Account, account, create, fresh_kie_window, made};
use super::sync::{apply, pull_all};
use crate::{CaseResult, Ctx, Reply, ensure};

/// Longest a held request may take to answer a change that happened while it waited: far below
/// the `wait` it names, and above the Worker's one-second re-read of the log.
const PROMPTLY: Duration = Duration::from_secs(8);

async fn held(ctx: &Ctx, who: &Account, query: &str) -> Result<Reply, String> {
    ctx.get(&format!("/v1/sync{query}"))
        .token(&who.token)
        .send()
        .await
}

/// `GET /v1/sync?cursor=C&wait=S`: the page and how long it took to come.
async fn hold(
    ctx: &Ctx,
    who: &Account,
    cursor: &str,
    wait: u32,
) -> Result<(SyncPage, Duration), String> {
    let started = Instant::now();
    let reply = held(ctx, who, &format!("?cursor={cursor}&wait={wait}")).await?;
    let took = started.elapsed();
    Ok((reply.expect_status(200)?.json()?, took))
}

pub async fn a_waiting_sync_answers_when_a_generation_finishes(ctx: &Ctx) -> CaseResult {
    // Without kie's callback only the background work finishes it: the suite decides when.
    let kie = ctx.sims.kie();
    let saved = kie.settings();
    kie.set_settings(atelier_simulators::KieSettings {
        callbacks: false,
        ..saved.clone()
    });
    let outcome = async {
        let who = account(ctx).await?;
        fresh_kie_window(ctx).await?;
        let generation = create(ctx, &who, &format!("a kite at noon {}", ctx.unique()), 1).await?;
        // Submitted to kie (right after the answer), and given time to finish there.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let now: Generation = ctx
                .get(&format!("/v1/generations/{}", generation.id))
                .token(&who.token)
                .send()
                .await?
                .expect_status(200)?
                .json()?;
            if now.status != GenerationStatus::Queued {
                break;
            }
            ensure!(Instant::now() < deadline, "never submitted: {now:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let (_, mut cursor) = pull_all(ctx, &who, None, 500).await?;

        let mut device = BTreeMap::new();
        for _ in 0..5 {
            // The held request is already waiting when the background work polls kie (a poll
            // is due 3 s after the last, on the service's clock).
            let (answer, ticked) = tokio::join!(hold(ctx, &who, &cursor, 20), async {
                tokio::time::sleep(Duration::from_millis(500)).await;
                ctx.advance_clock(3_000).await?;
                ctx.tick().await
            });
            ticked?;
            let (page, took) = answer?;
            ensure!(
                !page.changes.is_empty(),
                "a held sync answered an empty page after {took:?}, before its 20 s were up"
            );
            ensure!(
                took < PROMPTLY,
                "the finished generation took {took:?} to reach the held sync"
            );
            apply(&mut device, &page.changes);
            cursor = page.next_cursor;
            let done = matches!(
                device.get(&(SyncKind::Generation, generation.id.clone())),
                Some(SyncRecord::Generation(g)) if g.status == GenerationStatus::Done
            );
            let image = device
                .values()
                .any(|r| matches!(r, SyncRecord::Image(i) if i.generation_id == generation.id));
            if done && image {
                return Ok(());
            }
        }
        Err(format!(
            "five held syncs never brought the finished generation and its image: {device:?}"
        ))
    }
    .await;
    kie.set_settings(saved);
    outcome
}

pub async fn a_waiting_sync_answers_when_an_image_is_deleted(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    let done = made(ctx, &who, &format!("a red chair {}", ctx.unique()), 1).await?;
    let image = done
        .images
        .first()
        .ok_or_else(|| format!("no image: {done:?}"))?;
    let (_, cursor) = pull_all(ctx, &who, None, 500).await?;

    let (answer, deleted) = tokio::join!(hold(ctx, &who, &cursor, 20), async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        ctx.delete(&format!("/v1/images/{}", image.id))
            .token(&who.token)
            .send()
            .await
    });
    let deleted = deleted?.status();
    ensure!(deleted == 204, "the deletion answered {deleted}");
    let (page, took) = answer?;
    ensure!(
        matches!(page.changes.as_slice(), [SyncChange::Delete { kind: SyncKind::Image, id, .. }] if *id == image.id),
        "the held sync did not answer with the image's tombstone: {page:?}"
    );
    ensure!(
        took >= Duration::from_millis(800),
        "answered after {took:?}, before the deletion was made"
    );
    ensure!(
        took < PROMPTLY,
        "the deletion took {took:?} to reach the held sync"
    );
    Ok(())
}

pub async fn a_waiting_sync_with_nothing_new_answers_empty_when_its_wait_ends(
    ctx: &Ctx,
) -> CaseResult {
    let who = account(ctx).await?;
    let (_, cursor) = pull_all(ctx, &who, None, 500).await?;
    let (page, took) = hold(ctx, &who, &cursor, 2).await?;
    ensure!(
        page.changes.is_empty() && !page.has_more && page.next_cursor == cursor,
        "nothing changed, yet: {page:?}"
    );
    ensure!(
        took >= Duration::from_millis(1900),
        "a wait of 2 s answered after {took:?}"
    );
    ensure!(took < PROMPTLY, "a wait of 2 s answered after {took:?}");
    // `wait=0`, like no `wait`, answers at once.
    let (page, took) = hold(ctx, &who, &cursor, 0).await?;
    ensure!(
        page.changes.is_empty() && page.next_cursor == cursor,
        "{page:?}"
    );
    ensure!(took < Duration::from_secs(1), "wait=0 took {took:?}");
    Ok(())
}

pub async fn bad_waits_are_refused_and_nothing_refused_or_new_waits(ctx: &Ctx) -> CaseResult {
    let who = account(ctx).await?;
    let (first, cursor) = pull_all(ctx, &who, None, 500).await?;
    for bad in ["26", "x", "-1", "1.5", ""] {
        let r = held(ctx, &who, &format!("?cursor={cursor}&wait={bad}")).await?;
        r.error(400, ErrorCode::BadRequest)?;
    }
    // Changes after the cursor (the sign-up grant, from the start): answered at once.
    let started = Instant::now();
    let r = held(ctx, &who, "?wait=20").await?;
    let page: SyncPage = r.json()?;
    ensure!(
        page.changes == first && started.elapsed() < PROMPTLY,
        "a sync with changes to give waited {:?}: {page:?}",
        started.elapsed()
    );
    // A cursor to reset, or a session that has ended, is refused at once.
    let started = Instant::now();
    let r = held(ctx, &who, "?cursor=999999.0&wait=20").await?;
    r.error(410, ErrorCode::ResetRequired)?;
    let response = ctx.post("/v1/auth/logout").token(&who.token).send().await?;
    ensure!(
        response.status() == 204,
        "logout answered {}",
        response.status()
    );
    let r = held(ctx, &who, &format!("?cursor={cursor}&wait=20")).await?;
    r.error(401, ErrorCode::Unauthenticated)?;
    ensure!(
        started.elapsed() < PROMPTLY,
        "refusals took {:?}",
        started.elapsed()
    );
    Ok(())
}
