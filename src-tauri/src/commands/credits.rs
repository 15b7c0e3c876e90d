//! Credits: the balance and ledger (the service's, or offline the copy sync keeps), the packs on
//! sale, and buying one: a Creem checkout opened in the system browser. Credits arrive only by
//! the service's webhook; the UI hears of them through `credits-changed` and the ledger.

use atelier_api::credits::{CreditPack, LedgerPage};
use atelier_client::credits::CheckoutStarted;
use atelier_client::library::Library;
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

use crate::error::AppError;
use crate::state::AppState;

/// Credits left (offline: as last synced).
#[tauri::command]
#[specta::specta]
pub async fn credits_balance(state: State<'_, AppState>) -> Result<i64, AppError> {
    let library = state.library().await.ok();
    let cache = library.as_ref().map(Library::cache);
    Ok(atelier_client::credits::balance(state.auth()?, cache).await?)
}

/// One page of the ledger, newest first (offline: as last synced).
#[tauri::command]
#[specta::specta]
pub async fn credits_ledger(
    state: State<'_, AppState>,
    cursor: Option<String>,
) -> Result<LedgerPage, AppError> {
    let library = state.library().await.ok();
    let cache = library.as_ref().map(Library::cache);
    let page = atelier_client::credits::ledger(state.auth()?, cache, cursor.as_deref()).await?;
    Ok(page)
}

/// The packs on sale; empty when this service sells no credits.
#[tauri::command]
#[specta::specta]
pub async fn credit_packs(state: State<'_, AppState>) -> Result<Vec<CreditPack>, AppError> {
    let client = state.client.as_ref().map_err(AppError::from)?;
    Ok(client.credit_packs().await?.packs)
}

/// Opens a checkout for `pack` in the system browser. Paying there is not the end: the credits
/// come with the service's webhook, and `credits-changed` says when to look.
#[tauri::command]
#[specta::specta]
pub async fn buy_credits(
    app: AppHandle,
    state: State<'_, AppState>,
    pack: String,
) -> Result<CheckoutStarted, AppError> {
    let open = |url: &str| match app.opener().open_url(url, None::<&str>) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "the browser did not open the checkout");
            false
        }
    };
    Ok(atelier_client::credits::buy(state.auth()?, &pack, open).await?)
}
