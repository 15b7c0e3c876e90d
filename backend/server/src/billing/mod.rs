//! Buying credits (DESIGN.md decision 13): the packs on sale, a Creem checkout per purchase, the
//! page the browser comes back to, and Creem's signed webhook, the only thing that grants
//! credits (once per order) or takes them back (once per refund or dispute).

pub mod checkout;
pub mod orders;
pub mod return_page;
pub mod webhook;

use atelier_api::credits::{CreditPack, CreditPacks, Money};
use axum::Json;
use axum::extract::State;

use crate::platform::Platform;

/// `GET /v1/credits/packs`: what `ATELIER_CREDIT_PACKS` offers; empty when nothing is on sale.
pub async fn packs<P: Platform>(State(platform): State<P>) -> Json<CreditPacks> {
    Json(CreditPacks {
        packs: platform
            .config()
            .credit_packs
            .iter()
            .map(|p| CreditPack {
                id: p.id.clone(),
                credits: p.credits,
                price: Money {
                    cents: p.price_cents,
                    currency: p.currency.clone(),
                },
            })
            .collect(),
    })
}
