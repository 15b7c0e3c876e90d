//! Credits: the balance and ledger (the service's, or offline the copy sync keeps), the packs on
//! sale, and buying one: a Creem checkout opened in the system browser. Credits arrive only by
//! the service's webhook; the UI hears of them through `credits-changed` and the ledger.

use atelier_api::credits::LedgerKind;
use atelier_client::library::Library;
use serde::Serialize;
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

use crate::error::AppError;
use crate::state::AppState;

/// An amount of money in the currency's minor units (cents), as Creem states it.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Money {
    pub cents: i64,
    /// ISO 4217, upper case (`USD`, `EUR`).
    pub currency: String,
}

/// A pack of credits on sale.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct CreditPack {
    pub id: String,
    pub credits: i64,
    pub price: Money,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct LedgerEntry {
    pub id: String,
    /// Signed: grants, refunds and purchases positive, debits and clawbacks negative. A sign-up
    /// grant of 0 means the address had its welcome credits once already.
    pub amount: i64,
    pub kind: LedgerKind,
    pub reference: String,
    /// For purchases and clawbacks: the money paid or taken back.
    pub paid: Option<Money>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct LedgerPage {
    pub entries: Vec<LedgerEntry>,
    pub next_cursor: Option<String>,
}

/// A checkout on its way: the browser shows the payment page (`opened`), or could not be started,
/// and the UI offers the address instead.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct CheckoutStarted {
    pub checkout_id: String,
    pub checkout_url: String,
    pub opened: bool,
}

impl From<atelier_api::credits::Money> for Money {
    fn from(m: atelier_api::credits::Money) -> Self {
        Self {
            cents: m.cents,
            currency: m.currency,
        }
    }
}

impl From<atelier_api::credits::LedgerPage> for LedgerPage {
    fn from(page: atelier_api::credits::LedgerPage) -> Self {
        Self {
            entries: page
                .entries
                .into_iter()
                .map(|e| LedgerEntry {
                    id: e.id,
                    amount: e.amount,
                    kind: e.kind,
                    reference: e.reference,
                    paid: e.paid.map(Into::into),
                    created_at: e.created_at,
                })
                .collect(),
            next_cursor: page.next_cursor,
        }
    }
}

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
    Ok(page.into())
}

/// The packs on sale; empty when this service sells no credits.
#[tauri::command]
#[specta::specta]
pub async fn credit_packs(state: State<'_, AppState>) -> Result<Vec<CreditPack>, AppError> {
    let client = state.client.as_ref().map_err(AppError::from)?;
    let packs = client.credit_packs().await?.packs;
    Ok(packs
        .into_iter()
        .map(|p| CreditPack {
            id: p.id,
            credits: p.credits,
            price: p.price.into(),
        })
        .collect())
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
    let auth = state.auth()?;
    // The client checked the address: https, or http on this computer.
    let checkout = auth.api().checkout(&auth.token().await?, &pack).await?;
    let opened = match app.opener().open_url(&checkout.checkout_url, None::<&str>) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "the browser did not open the checkout");
            false
        }
    };
    Ok(CheckoutStarted {
        checkout_id: checkout.checkout_id,
        checkout_url: checkout.checkout_url,
        opened,
    })
}
