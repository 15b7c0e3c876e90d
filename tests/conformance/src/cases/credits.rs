//! Models, the balance and the ledger, conversations.

use atelier_api::ErrorCode;
use atelier_api::conversations::{Conversation, ConversationPage};
use atelier_api::credits::{Balance, LedgerKind, LedgerPage};
use atelier_api::models::ModelList;
use atelier_api::models::{ModelKind, PromptUse};

use super::auth_support::sign_in;
use crate::{CaseResult, Ctx, ensure};

pub async fn models_are_listed_with_prices_and_ratios(ctx: &Ctx) -> CaseResult {
    let list: ModelList = ctx
        .get("/v1/models")
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    ensure!(!list.models.is_empty(), "no models on offer");
    let most = atelier_api::limits::LIMITS.max_input_images;
    for model in &list.models {
        ensure!(model.cost_per_image > 0, "{} is free", model.id);
        ensure!(
            model.min_input_images <= model.max_input_images && model.max_input_images <= most,
            "{} takes {}..{} inputs",
            model.id,
            model.min_input_images,
            model.max_input_images
        );
        if model.kind == ModelKind::Tool {
            // A tool works on one image and keeps its shape.
            ensure!(
                model.aspect_ratios == ["auto"]
                    && model.prompt == PromptUse::None
                    && (model.min_input_images, model.max_input_images) == (1, 1),
                "{model:?}"
            );
        } else {
            ensure!(
                model.aspect_ratios.iter().any(|r| r == "1:1")
                    && model.prompt == PromptUse::Required,
                "{} has no square or takes no prompt",
                model.id
            );
        }
    }
    ensure!(
        list.models.iter().any(|m| m.min_input_images == 0),
        "nothing is made from words alone"
    );
    Ok(())
}

pub async fn a_new_account_has_its_sign_up_grant_as_the_whole_ledger(ctx: &Ctx) -> CaseResult {
    let grant = sign_in(ctx, &ctx.email("credits"), &ctx.ip()).await?;
    // A second sign-in must not grant again.
    let again = sign_in(ctx, &grant.user.email, &ctx.ip()).await?;
    let balance: Balance = ctx
        .get("/v1/credits")
        .token(&again.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    let page: LedgerPage = ctx
        .get("/v1/credits/ledger")
        .token(&again.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    ensure!(page.entries.len() == 1, "ledger {:?}", page.entries);
    let entry = &page.entries[0];
    ensure!(
        entry.kind == LedgerKind::Grant && entry.amount > 0,
        "{entry:?}"
    );
    ensure!(
        entry.reference.contains(&grant.user.id),
        "reference {:?}",
        entry.reference
    );
    ensure!(
        balance.balance == entry.amount,
        "balance {} is not the ledger's sum {}",
        balance.balance,
        entry.amount
    );
    ensure!(page.next_cursor.is_none(), "a cursor after the only page");
    Ok(())
}

pub async fn credits_need_a_session_and_cursors_are_checked(ctx: &Ctx) -> CaseResult {
    ctx.get("/v1/credits")
        .send()
        .await?
        .error(401, ErrorCode::Unauthenticated)?;
    let grant = sign_in(ctx, &ctx.email("cursor"), &ctx.ip()).await?;
    for bad in ["x", "1.zz", "1.ab%2F..%2Fx"] {
        ctx.get(&format!("/v1/credits/ledger?cursor={bad}"))
            .token(&grant.token)
            .send()
            .await?
            .error(400, ErrorCode::InvalidCursor)
            .map_err(|e| format!("cursor {bad:?}: {e}"))?;
    }
    Ok(())
}

pub async fn conversations_are_created_listed_renamed_and_deleted(ctx: &Ctx) -> CaseResult {
    let owner = sign_in(ctx, &ctx.email("convo"), &ctx.ip()).await?;
    let stranger = sign_in(ctx, &ctx.email("stranger"), &ctx.ip()).await?;
    let create = |body: serde_json::Value| {
        ctx.post("/v1/conversations")
            .token(&owner.token)
            .json(&body)
            .send()
    };
    let first: Conversation = create(serde_json::json!({}))
        .await?
        .expect_status(201)?
        .json()?;
    ensure!(first.title == "Untitled", "{first:?}");
    ctx.advance_clock(1_000).await?;
    let second: Conversation = create(serde_json::json!({"title": " Trip to 京都 "}))
        .await?
        .json()?;
    ensure!(second.title == "Trip to 京都", "{second:?}");
    create(serde_json::json!({"title": "  "}))
        .await?
        .error(400, ErrorCode::InvalidTitle)?;

    let list: ConversationPage = ctx
        .get("/v1/conversations")
        .token(&owner.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    let ids: Vec<&str> = list.conversations.iter().map(|c| c.id.as_str()).collect();
    ensure!(
        ids == [second.id.as_str(), first.id.as_str()],
        "newest first expected: {ids:?}"
    );

    let path = |id: &str| format!("/v1/conversations/{id}");
    // Someone else's conversation does not exist for you.
    ctx.patch(&path(&first.id))
        .token(&stranger.token)
        .json(&serde_json::json!({"title": "mine"}))
        .send()
        .await?
        .error(404, ErrorCode::NotFound)?;
    ctx.delete(&path(&first.id))
        .token(&stranger.token)
        .send()
        .await?
        .error(404, ErrorCode::NotFound)?;
    for bad in ["../x", "zz", &"a".repeat(33)] {
        let reply = ctx.delete(&path(bad)).token(&owner.token).send().await?;
        let status = reply.status().as_u16();
        ensure!(status == 404, "id {bad:?} answered {status}");
    }

    let renamed: Conversation = ctx
        .patch(&path(&first.id))
        .token(&owner.token)
        .json(&serde_json::json!({"title": "Foxes"}))
        .send()
        .await?
        .json()?;
    ensure!(
        renamed.title == "Foxes" && renamed.updated_at > first.updated_at,
        "{renamed:?}"
    );
    let deleted = ctx
        .delete(&path(&second.id))
        .token(&owner.token)
        .send()
        .await?;
    ensure!(
        deleted.status() == 204,
        "delete answered {}",
        deleted.status()
    );
    ctx.delete(&path(&second.id))
        .token(&owner.token)
        .send()
        .await?
        .error(404, ErrorCode::NotFound)?;
    let list: ConversationPage = ctx
        .get("/v1/conversations")
        .token(&owner.token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    ensure!(
        list.conversations.len() == 1 && list.conversations[0].id == first.id,
        "{:?}",
        list.conversations
    );
    Ok(())
}
