//! `GET /v1/me/export`: the person's whole data as one document, equal to what the other routes
//! say about each part, and holding nothing of anyone else.

use std::collections::BTreeMap;

use atelier_api::ErrorCode;
use atelier_api::auth::User;
use atelier_api::conversations::{Conversation, ConversationPage};
use atelier_api::credits::{Balance, LedgerEntry, LedgerPage};
use atelier_api::export::DataExport;
use atelier_api::generations::{GeneratedImage, GenerationPage, GenerationStatus};
use atelier_api::sync::{SyncKind, SyncRecord};
use serde::de::DeserializeOwned;

use super::auth_support::sign_in;
use super::generations::{Account, create, finished, fresh_kie_window};
use super::privacy::seed;
use super::sync::{apply, pull_all};
use crate::{CaseResult, Ctx, ensure};

/// Follows `next_cursor` from `path` to the end, collecting what `items` takes from each page.
async fn every_page<P, T>(
    ctx: &Ctx,
    who: &Account,
    path: &str,
    items: impl Fn(P) -> (Vec<T>, Option<String>),
) -> Result<Vec<T>, String>
where
    P: DeserializeOwned,
{
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..1_000 {
        let url = match &cursor {
            Some(c) => format!("{path}?cursor={c}"),
            None => path.to_owned(),
        };
        let page: P = ctx
            .get(&url)
            .token(&who.token)
            .send()
            .await?
            .expect_status(200)?
            .json()?;
        let (page, next) = items(page);
        out.extend(page);
        cursor = next;
        if cursor.is_none() {
            return Ok(out);
        }
    }
    Err(format!("{path} never ran out of pages"))
}

pub async fn the_export_is_the_accounts_data_and_nobody_elses(ctx: &Ctx) -> CaseResult {
    let email = ctx.email("export");
    let (first_ip, second_ip) = (ctx.ip(), ctx.ip());
    sign_in(ctx, &email, &first_ip).await?;
    let who = Account {
        token: sign_in(ctx, &email, &second_ip).await?.token,
    };
    let stranger_email = ctx.email("export-stranger");
    let stranger = Account {
        token: sign_in(ctx, &stranger_email, &ctx.ip()).await?.token,
    };
    fresh_kie_window(ctx).await?;
    let lighthouse = create(ctx, &who, "export: a lighthouse at dusk", 2).await?;
    let kyoto = create(ctx, &who, &format!("导出：雨中的京都 {}", ctx.unique()), 1).await?;
    let theirs = create(ctx, &stranger, "export: a stranger's secret garden", 1).await?;
    let lighthouse = finished(ctx, &who, &lighthouse.id, true).await?;
    let kyoto = finished(ctx, &who, &kyoto.id, true).await?;
    let theirs = finished(ctx, &stranger, &theirs.id, true).await?;
    for g in [&lighthouse, &kyoto, &theirs] {
        ensure!(g.status == GenerationStatus::Done, "{g:?}");
    }
    let favourite = &lighthouse.images.first().ok_or("no image")?.id;
    let marked = ctx
        .patch(&format!("/v1/images/{favourite}"))
        .token(&who.token)
        .json(&serde_json::json!({ "favourite": true }))
        .send()
        .await?;
    ensure!(
        marked.status() == 204,
        "favourite answered {}",
        marked.status()
    );
    let empty = ctx
        .post("/v1/conversations")
        .token(&who.token)
        .json(&serde_json::json!({ "title": "Empty 空的" }))
        .send()
        .await?;
    ensure!(empty.status() == 201, "create answered {}", empty.status());

    let export: DataExport = ctx
        .get("/v1/me/export")
        .token(&who.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;

    let me: User = ctx
        .get("/v1/me")
        .token(&who.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    ensure!(
        export.account == me,
        "account {:?} is not /v1/me {me:?}",
        export.account
    );
    let sign_ins: Vec<(Option<&str>, Option<&str>)> = export
        .technical
        .sign_ins
        .iter()
        .map(|s| (s.ip.as_deref(), s.user_agent.as_deref()))
        .collect();
    let agent = Some("atelier-conformance");
    ensure!(
        sign_ins
            == [
                (Some(first_ip.as_str()), agent),
                (Some(second_ip.as_str()), agent)
            ],
        "sign-ins {sign_ins:?}, expected {first_ip} then {second_ip}"
    );
    ensure!(
        export.technical.sign_ins[0].created_at <= export.technical.sign_ins[1].created_at
            && export.technical.sign_ins[0].created_at >= me.created_at,
        "sign-in times {:?}",
        export.technical.sign_ins
    );

    let mut ledger: Vec<LedgerEntry> =
        every_page(ctx, &who, "/v1/credits/ledger", |p: LedgerPage| {
            (p.entries, p.next_cursor)
        })
        .await?;
    ledger.reverse();
    ensure!(
        export.credits.ledger == ledger,
        "ledger {:?} is not the ledger route's, oldest first {ledger:?}",
        export.credits.ledger
    );
    let balance: Balance = ctx
        .get("/v1/credits")
        .token(&who.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    ensure!(
        export.credits.balance == balance.balance,
        "balance {} is not {}",
        export.credits.balance,
        balance.balance
    );

    let mut conversations: Vec<Conversation> =
        every_page(ctx, &who, "/v1/conversations", |p: ConversationPage| {
            (p.conversations, p.next_cursor)
        })
        .await?;
    conversations.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    ensure!(
        export.conversations == conversations,
        "conversations {:?} are not the listed {conversations:?}",
        export.conversations
    );

    // Generations and images against what the conversations' listings and sync say.
    let mut listed = BTreeMap::new();
    for c in &conversations {
        let path = format!("/v1/conversations/{}/generations", c.id);
        for g in every_page(ctx, &who, &path, |p: GenerationPage| {
            (p.generations, p.next_cursor)
        })
        .await?
        {
            listed.insert(g.id.clone(), g);
        }
    }
    let (changes, _) = pull_all(ctx, &who, None, 1000).await?;
    let mut synced = BTreeMap::new();
    apply(&mut synced, &changes);
    ensure!(
        export.generations.len() == listed.len() && listed.len() == 2,
        "{} generations exported, {} listed",
        export.generations.len(),
        listed.len()
    );
    for exported in &export.generations {
        let g = &exported.generation;
        let route = listed
            .get(&g.id)
            .ok_or_else(|| format!("generation {} is not listed", g.id))?;
        let same = (
            &g.conversation_id,
            &g.prompt,
            &g.model,
            &g.aspect_ratio,
            g.count,
            g.cost,
            g.status,
            &g.failure_code,
            g.created_at,
            g.updated_at,
        ) == (
            &route.conversation_id,
            &route.prompt,
            &route.model,
            &route.aspect_ratio,
            route.count,
            route.cost,
            route.status,
            &route.failure_code,
            route.created_at,
            route.updated_at,
        );
        ensure!(same, "generation {g:?} differs from the listed {route:?}");
        ensure!(
            synced.get(&(SyncKind::Generation, g.id.clone()))
                == Some(&SyncRecord::Generation(g.clone())),
            "generation {} differs from sync's",
            g.id
        );
        let images: Vec<GeneratedImage> = exported
            .images
            .iter()
            .map(|i| GeneratedImage {
                id: i.id.clone(),
                width: i.width,
                height: i.height,
                bytes: i.bytes,
                sha256: i.sha256.clone(),
                content_type: i.content_type.clone(),
            })
            .collect();
        ensure!(
            images == route.images && !images.is_empty(),
            "images of {} differ: {images:?} vs {:?}",
            g.id,
            route.images
        );
        for image in &exported.images {
            ensure!(
                synced.get(&(SyncKind::Image, image.id.clone()))
                    == Some(&SyncRecord::Image(image.clone())),
                "image {} differs from sync's",
                image.id
            );
            ensure!(
                image.favourite == (&image.id == favourite),
                "favourite of {} is {}",
                image.id,
                image.favourite
            );
        }
    }

    let text = serde_json::to_string(&export).map_err(|e| e.to_string())?;
    let mut foreign = vec![stranger_email, theirs.id.clone(), theirs.prompt.clone()];
    foreign.extend(theirs.images.iter().map(|i| i.id.clone()));
    for item in foreign {
        ensure!(
            !text.contains(&item),
            "the export holds {item:?} of another account"
        );
    }

    let anonymous = ctx.get("/v1/me/export").send().await?;
    anonymous.error(401, ErrorCode::Unauthenticated)?;
    let forged = ctx
        .get("/v1/me/export")
        .token("not-a-session")
        .send()
        .await?;
    forged.error(401, ErrorCode::Unauthenticated)
}

/// An account larger than the route's pages (90 rows a statement): 200 images in 50 generations
/// and 51 ledger entries come out whole, each once, in order.
pub async fn a_large_account_is_exported_whole_across_pages(ctx: &Ctx) -> CaseResult {
    let grant = sign_in(ctx, &ctx.email("export-large"), &ctx.ip()).await?;
    let who = Account { token: grant.token };
    let mut seeded = Vec::new();
    for _ in 0..2 {
        seeded.extend(seed(ctx, &who.token, 100).await?.image_ids);
    }
    let export: DataExport = ctx
        .get("/v1/me/export")
        .token(&who.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    let mut exported: Vec<&str> = export
        .generations
        .iter()
        .flat_map(|g| g.images.iter().map(|i| i.id.as_str()))
        .collect();
    ensure!(exported.len() == 200, "{} images exported", exported.len());
    exported.sort_unstable();
    exported.dedup();
    seeded.sort_unstable();
    ensure!(
        exported == seeded,
        "the exported images are not the seeded ones"
    );
    ensure!(
        export.generations.len() == 50,
        "{} generations",
        export.generations.len()
    );
    let order: Vec<(i64, &str)> = export
        .generations
        .iter()
        .map(|g| (g.generation.created_at, g.generation.id.as_str()))
        .collect();
    ensure!(order.is_sorted(), "generations out of order");
    let mut ledger: Vec<LedgerEntry> =
        every_page(ctx, &who, "/v1/credits/ledger", |p: LedgerPage| {
            (p.entries, p.next_cursor)
        })
        .await?;
    ledger.reverse();
    ensure!(ledger.len() == 51, "{} ledger entries", ledger.len());
    ensure!(
        export.credits.ledger == ledger,
        "the exported ledger is not the ledger route's"
    );
    Ok(())
}
