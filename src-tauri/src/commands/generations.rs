//! Models, conversations and generations: each command takes the session from
//! `atelier_client::Auth`, calls `ApiClient`, and hands the answer back as the API's own types
//! (their `specta` feature derives what the bindings need).

use atelier_api::conversations::{Conversation, ConversationPage};
use atelier_api::generations::{Generation, GenerationPage, GenerationStatus};
use atelier_client::generations::GenerationRequest;
use atelier_client::telemetry::Telemetry;
use tauri::State;

use crate::error::AppError;
use crate::state::AppState;

/// The models on offer and their prices.
#[tauri::command]
#[specta::specta]
pub async fn list_models(
    state: State<'_, AppState>,
) -> Result<Vec<atelier_api::models::Model>, AppError> {
    let auth = state.auth()?;
    let list = auth.api().models(&auth.token().await?).await?;
    Ok(list.models)
}

/// One page of conversations, most recently updated first.
#[tauri::command]
#[specta::specta]
pub async fn list_conversations(
    state: State<'_, AppState>,
    cursor: Option<String>,
) -> Result<ConversationPage, AppError> {
    let auth = state.auth()?;
    let page = auth
        .api()
        .conversations(&auth.token().await?, cursor.as_deref())
        .await?;
    Ok(page)
}

#[tauri::command]
#[specta::specta]
pub async fn create_conversation(
    state: State<'_, AppState>,
    title: Option<String>,
) -> Result<Conversation, AppError> {
    let auth = state.auth()?;
    let created = auth
        .api()
        .create_conversation(&auth.token().await?, title.as_deref())
        .await?;
    Ok(created)
}

#[tauri::command]
#[specta::specta]
pub async fn rename_conversation(
    state: State<'_, AppState>,
    id: String,
    title: String,
) -> Result<Conversation, AppError> {
    let auth = state.auth()?;
    let renamed = auth
        .api()
        .rename_conversation(&auth.token().await?, &id, &title)
        .await?;
    Ok(renamed)
}

/// Deletes a conversation with its generations and images.
#[tauri::command]
#[specta::specta]
pub async fn delete_conversation(state: State<'_, AppState>, id: String) -> Result<(), AppError> {
    let auth = state.auth()?;
    Ok(auth
        .api()
        .delete_conversation(&auth.token().await?, &id)
        .await?)
}

/// Starts a generation; the same `idempotency_key` again returns the same one, charged once.
#[tauri::command]
#[specta::specta]
pub async fn create_generation(
    state: State<'_, AppState>,
    telemetry: State<'_, Telemetry>,
    request: GenerationRequest,
) -> Result<Generation, AppError> {
    let created = request.send(state.auth()?).await?;
    telemetry.generation_started(&created);
    Ok(created)
}

#[tauri::command]
#[specta::specta]
pub async fn get_generation(
    state: State<'_, AppState>,
    telemetry: State<'_, Telemetry>,
    id: String,
) -> Result<Generation, AppError> {
    let auth = state.auth()?;
    let generation = auth.api().generation(&auth.token().await?, &id).await?;
    telemetry.generation_seen(&generation);
    if generation.status == GenerationStatus::Done {
        // Its images belong in the gallery now: sync.
        state.sync_wanted.notify_one();
    }
    Ok(generation)
}

/// One page of a conversation's generations, newest first (20 a page).
#[tauri::command]
#[specta::specta]
pub async fn list_generations(
    state: State<'_, AppState>,
    conversation_id: String,
    cursor: Option<String>,
) -> Result<GenerationPage, AppError> {
    let auth = state.auth()?;
    let page = auth
        .api()
        .list_generations(&auth.token().await?, &conversation_id, cursor.as_deref())
        .await?;
    Ok(page)
}
