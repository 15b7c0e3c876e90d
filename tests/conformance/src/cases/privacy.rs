//! Account deletion and retention, proven on the storage itself: after `DELETE /v1/me` a scan of
//! every SQL row, blob key and KV entry (`/__test/storage`) finds nothing of the account — not its
//! id, email, sessions or images, nor the purge's own bookkeeping — even when the blob store fails
//! a share of its operations; and every KV key the service writes expires within its window.

use std::time::Instant;

use atelier_api::ErrorCode;
use atelier_api::auth::{AccountDeletion, SESSION_TTL_SECONDS, SessionGrant};
use atelier_api::credits::{LedgerKind, LedgerPage};
use atelier_api::sync::{SyncChange, SyncPage, SyncRecord};
use atelier_api::test_hooks::{SeededImages, StorageDump};
use sha2::{Digest, Sha256};

use super::auth_support::{me_status, sign_in};
use super::generations::{Account, create, finished, fresh_kie_window, made};
use crate::{CaseResult, Ctx, ensure};

/// What the deletion must leave no trace of.
struct Subject {
    id: String,
    email: String,
    ip: String,
    /// Device A (deletes) and device B (must be refused afterwards).
    devices: [String; 2],
    image_ids: Vec<String>,
}

impl Subject {
    /// Every string that would betray the account if found in storage.
    fn traces(&self) -> Vec<String> {
        let mut traces = vec![self.id.clone(), self.email.clone()];
        traces.extend(
            self.devices
                .iter()
                .map(|t| hex::encode(Sha256::digest(t.as_bytes()))),
        );
        traces.extend(self.image_ids.iter().cloned());
        traces
    }
}

const IMAGES: usize = 200;

pub(super) async fn seed(ctx: &Ctx, token: &str, count: u32) -> Result<SeededImages, String> {
    ctx.post("/__test/seed-images")
        .token(token)
        .json(&serde_json::json!({ "count": count }))
        .send()
        .await?
        .expect_status(200)?
        .json()
}

/// An account signed in on two devices with a named conversation, a real generation (kie, its
/// tasks, its debit, its rate-limit counter) and seeded images up to [`IMAGES`].
async fn populated_account(ctx: &Ctx) -> Result<Subject, String> {
    let email = ctx.email("deleted");
    let ip = ctx.ip();
    let a = sign_in(ctx, &email, &ip).await?;
    let b = sign_in(ctx, &email, &ip).await?;
    ensure!(a.user.id == b.user.id, "two sign-ins made two accounts");
    let titled = ctx
        .post("/v1/conversations")
        .token(&a.token)
        .json(&serde_json::json!({ "title": "Holiday plans" }))
        .send()
        .await?;
    ensure!(titled.status() == 201, "conversation: {}", titled.status());
    let who = Account {
        token: a.token.clone(),
    };
    let done = made(ctx, &who, &format!("a harbour at noon {}", ctx.unique()), 2).await?;
    let mut image_ids: Vec<String> = done.images.iter().map(|i| i.id.clone()).collect();
    ensure!(
        image_ids.len() == 2,
        "the real generation made {image_ids:?}"
    );
    while image_ids.len() < IMAGES {
        let count = (IMAGES - image_ids.len()).min(100) as u32;
        image_ids.extend(seed(ctx, &a.token, count).await?.image_ids);
    }
    Ok(Subject {
        id: a.user.id,
        email,
        ip,
        devices: [a.token, b.token],
        image_ids,
    })
}

/// Another account with a little of everything, to prove the deletion touched nothing of it.
struct Bystander {
    grant: SessionGrant,
    before: Snapshot,
}

#[derive(Debug, PartialEq)]
struct Snapshot {
    ledger: usize,
    sync_changes: usize,
    blobs: usize,
    kv_sessions: usize,
}

async fn snapshot(ctx: &Ctx, grant: &SessionGrant) -> Result<Snapshot, String> {
    let token = grant.token.as_str();
    let ledger: LedgerPage = ctx
        .get("/v1/credits/ledger")
        .token(token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    let sync: SyncPage = ctx
        .get("/v1/sync?limit=500")
        .token(token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    let dump = ctx.storage().await?;
    let prefix = format!("images/{}/", grant.user.id);
    Ok(Snapshot {
        ledger: ledger.entries.len(),
        sync_changes: sync.changes.len(),
        blobs: dump.blobs.iter().filter(|k| k.starts_with(&prefix)).count(),
        kv_sessions: dump
            .kv
            .iter()
            .filter(|e| {
                e.key
                    .starts_with(&format!("sessions-of:{}:", grant.user.id))
            })
            .count(),
    })
}

async fn bystander(ctx: &Ctx) -> Result<Bystander, String> {
    let grant = sign_in(ctx, &ctx.email("bystander"), &ctx.ip()).await?;
    seed(ctx, &grant.token, 6).await?;
    let before = snapshot(ctx, &grant).await?;
    ensure!(
        before.blobs == 12 && before.ledger >= 2 && before.kv_sessions == 1,
        "the bystander was not set up: {before:?}"
    );
    Ok(Bystander { grant, before })
}

/// `DELETE /v1/me` from device A; the answer and how long it took.
async fn delete_account(ctx: &Ctx, who: &Subject) -> Result<AccountDeletion, String> {
    let started = Instant::now();
    let answer: AccountDeletion = ctx
        .delete("/v1/me")
        .token(&who.devices[0])
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    // A figure for the report, not an assertion: speed belongs in benchmarks.
    eprintln!(
        "{:?}: DELETE /v1/me of {} images took {:?}, purge_complete = {}",
        ctx.runtime,
        who.image_ids.len(),
        started.elapsed(),
        answer.purge_complete
    );
    Ok(answer)
}

/// Where in the dump any of `traces` occurs: table rows, blob keys, KV keys and values.
fn traces_in(dump: &StorageDump, traces: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    let mut check = |place: String, text: &str| {
        for trace in traces {
            if text.contains(trace.as_str()) {
                found.push(format!("{place} holds {trace}"));
            }
        }
    };
    for (table, rows) in &dump.tables {
        for row in rows {
            check(
                format!("table {table}"),
                &serde_json::Value::Object(row.clone()).to_string(),
            );
        }
    }
    for key in &dump.blobs {
        check("blob key".into(), key);
    }
    for entry in &dump.kv {
        check(format!("KV key {}", entry.key), &entry.key);
        check(format!("KV value of {}", entry.key), &entry.value);
    }
    found
}

/// After the purge: nothing of the account anywhere, no purge left, device B refused, the
/// bystander whole, and the email free for a new, empty account.
async fn nothing_left(ctx: &Ctx, who: &Subject, bystander: &Bystander) -> CaseResult {
    for token in &who.devices {
        ensure!(
            me_status(ctx, token).await? == 401,
            "a session of the deleted account still works"
        );
    }
    let dump = ctx.storage().await?;
    let found = traces_in(&dump, &who.traces());
    ensure!(
        found.is_empty(),
        "{} traces of the deleted account remain, e.g. {:?}",
        found.len(),
        &found[..found.len().min(5)]
    );
    let purges = dump.tables.get("account_purges").map_or(0, Vec::len);
    ensure!(purges == 0, "{purges} purge rows remain after the purge");

    let after = snapshot(ctx, &bystander.grant).await?;
    ensure!(
        after == bystander.before,
        "the bystander changed: {:?} → {after:?}",
        bystander.before
    );

    let again = sign_in(ctx, &who.email, &who.ip).await?;
    ensure!(
        again.user.id != who.id,
        "signing in again reopened the deleted account"
    );
    // One sign-up grant per person: the same mailbox starts again with a grant of zero.
    let ledger: LedgerPage = ctx
        .get("/v1/credits/ledger")
        .token(&again.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    ensure!(
        ledger.entries.len() == 1
            && ledger.entries[0].kind == LedgerKind::Grant
            && ledger.entries[0].amount == 0,
        "the new account's ledger is not just a zero sign-up grant: {:?}",
        ledger.entries
    );
    let sync: SyncPage = ctx
        .get("/v1/sync")
        .token(&again.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    ensure!(
        sync.changes.len() == 1
            && matches!(&sync.changes[0], SyncChange::Upsert { record: SyncRecord::Credit(c), .. } if c.entry.amount == 0),
        "the new account syncs more than its zero grant: {:?}",
        sync.changes
    );
    Ok(())
}

pub async fn deleting_an_account_leaves_nothing_of_it_in_sql_blobs_or_kv(ctx: &Ctx) -> CaseResult {
    let bystander = bystander(ctx).await?;
    let who = populated_account(ctx).await?;
    let before = ctx.storage().await?;
    let present = traces_in(&before, &who.traces());
    // The scan can see the account at all: sessions, images and rows are there before.
    ensure!(
        present.len() > 2 * IMAGES,
        "the scan found only {} traces before the deletion",
        present.len()
    );
    let answer = delete_account(ctx, &who).await?;
    if !answer.purge_complete {
        // The request's time budget ran out (a busy machine): the background work finishes.
        purge_completes_within(ctx, 10).await?;
    }
    nothing_left(ctx, &who, &bystander).await
}

/// Runs the background work until no purge is left, at most `rounds` times.
async fn purge_completes_within(ctx: &Ctx, rounds: u32) -> CaseResult {
    for round in 1..=rounds {
        ctx.tick().await?;
        // The dump lists blobs too, so it may fail under faults: that round just counts.
        if let Ok(dump) = ctx.storage().await
            && dump.tables.get("account_purges").is_some_and(Vec::is_empty)
        {
            eprintln!("{:?}: purge completed after {round} ticks", ctx.runtime);
            return Ok(());
        }
    }
    Err(format!("the purge did not complete within {rounds} ticks"))
}

pub async fn a_purge_stopped_by_blob_store_failures_resumes_and_completes(ctx: &Ctx) -> CaseResult {
    let bystander = bystander(ctx).await?;
    let who = populated_account(ctx).await?;
    let outcome = async {
        // Every blob operation fails: the purge must stop, keep its progress and say so.
        ctx.set_blob_failure_rate(1.0).await?;
        let answer = delete_account(ctx, &who).await?;
        ensure!(
            !answer.purge_complete,
            "the purge claims completion with every blob operation failing"
        );
        ensure!(
            me_status(ctx, &who.devices[1]).await? == 401,
            "device B is not refused while the purge is unfinished"
        );
        // A fifth of them fail: the background work resumes until the purge is done.
        ctx.set_blob_failure_rate(0.2).await?;
        purge_completes_within(ctx, 50).await
    }
    .await;
    ctx.set_blob_failure_rate(0.0).await?;
    outcome?;
    nothing_left(ctx, &who, &bystander).await
}

pub async fn deleting_an_account_needs_a_session_and_changes_nothing_without_one(
    ctx: &Ctx,
) -> CaseResult {
    let grant = sign_in(ctx, &ctx.email("keeps"), &ctx.ip()).await?;
    let before = ctx.storage().await?;
    let anonymous = ctx.delete("/v1/me").send().await?;
    anonymous.error(401, ErrorCode::Unauthenticated)?;
    let forged = ctx.delete("/v1/me").token(&"A".repeat(43)).send().await?;
    forged.error(401, ErrorCode::Unauthenticated)?;
    let after = ctx.storage().await?;
    ensure!(
        before.tables == after.tables && before.blobs == after.blobs,
        "a refused deletion changed SQL or blobs"
    );
    ensure!(
        me_status(ctx, &grant.token).await? == 200,
        "the account no longer works"
    );
    Ok(())
}

/// Rolling windows of the service's rate limits in KV (`ratelimit.rs`, `generations/create.rs`,
/// `billing/checkout.rs`). Sends per address are counted exactly in SQL instead (`auth/limits.rs`).
const WINDOWS: [(&str, i64); 6] = [
    ("checkout", 600),
    ("send-ip", 3_600),
    ("email-change-account", 3_600),
    ("upload", 600),
    ("verify-ip", 600),
    ("generate", 600),
];

pub async fn every_kv_key_expires_within_its_rolling_window(ctx: &Ctx) -> CaseResult {
    // Sign-in (send and verify counters, a session and its index) and a generation (its counter).
    let email = ctx.email("retention");
    let grant = sign_in(ctx, &email, &ctx.ip()).await?;
    let who = Account { token: grant.token };
    fresh_kie_window(ctx).await?;
    let generation = create(ctx, &who, &format!("a kite {}", ctx.unique()), 1).await?;
    finished(ctx, &who, &generation.id, true).await?;
    let dump = ctx.storage().await?;
    let mut seen = std::collections::BTreeSet::new();
    for entry in dump.kv.iter().filter(|e| !e.key.starts_with("__test:")) {
        let key = entry.key.as_str();
        let limit_s = if let Some(rest) = key.strip_prefix("rl:") {
            let scope = rest.split(':').next().unwrap_or_default();
            let window = WINDOWS
                .iter()
                .find(|(s, _)| *s == scope)
                .map(|(_, w)| *w)
                .ok_or_else(|| format!("a counter of unknown scope: {key}"))?;
            seen.insert(scope.to_owned());
            2 * window
        } else if key.starts_with("session:") || key.starts_with("sessions-of:") {
            seen.insert("session".to_owned());
            i64::from(SESSION_TTL_SECONDS)
        } else if key == "readiness-probe" {
            60
        } else {
            return Err(format!("a KV key of unknown kind: {key}"));
        };
        let expires = entry
            .expires_at_ms
            .ok_or_else(|| format!("{key} never expires"))?;
        // KV states expirations in whole seconds: allow the rounding.
        ensure!(
            expires - dump.now_ms <= limit_s * 1000 + 1000,
            "{key} lives {} s more, beyond its window of {limit_s} s",
            (expires - dump.now_ms) / 1000
        );
        ensure!(
            !key.contains(&email) && !entry.value.contains(&email),
            "{key} holds the email in clear"
        );
    }
    for kind in ["send-ip", "verify-ip", "generate", "session"] {
        ensure!(seen.contains(kind), "no {kind} key was written to check");
    }
    // The exact counters in SQL go too, once their window (a day at most) has passed.
    ctx.advance_clock(24 * 3_600 * 1000 + 1000).await?;
    ctx.tick().await?;
    let dump = ctx.storage().await?;
    for table in ["sign_in_sends", "sign_in_attempts"] {
        let left = dump.tables.get(table).map_or(0, Vec::len);
        ensure!(left == 0, "{left} rows of {table} outlived their window");
    }
    Ok(())
}

/// A generation still at kie when the account is deleted: its result, called back after the
/// purge has finished, stores nothing (no rows, no image bytes) and the purge leaves no trace.
pub async fn a_kie_result_after_the_deletion_stores_nothing(ctx: &Ctx) -> CaseResult {
    let kie = ctx.sims.kie();
    let saved = kie.settings();
    // Slow enough to delete the account first (about 3 s at kie), then a callback.
    kie.set_settings(atelier_simulators::KieSettings {
        step_ms: 1_000,
        callbacks: true,
        ..saved.clone()
    });
    let outcome = async {
        let email = ctx.email("late-result");
        let grant = sign_in(ctx, &email, &ctx.ip()).await?;
        let id = grant.user.id.clone();
        let who = Account {
            token: grant.token.clone(),
        };
        fresh_kie_window(ctx).await?;
        let prompt = format!("late result {}", ctx.unique());
        create(ctx, &who, &prompt, 1).await?;
        let deletion: AccountDeletion = ctx
            .delete("/v1/me")
            .token(&who.token)
            .send()
            .await?
            .expect_status(200)?
            .json()?;
        if !deletion.purge_complete {
            purge_completes_within(ctx, 10).await?;
        }
        // kie finishes the task and calls back into a service that no longer knows it.
        let deadline = Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let task = kie.tasks().into_iter().find(|t| t.prompt == prompt);
            let status = task.map(|t| t.callback_status).unwrap_or_default();
            if status == "delivered" || status == "failed" {
                break;
            }
            ensure!(
                Instant::now() < deadline,
                "kie never called back (callback {status:?})"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        ctx.tick().await?;
        let found = traces_in(&ctx.storage().await?, &[id.clone(), email.clone()]);
        ensure!(found.is_empty(), "the late result left traces: {found:?}");
        Ok(())
    }
    .await;
    kie.set_settings(saved);
    outcome
}
