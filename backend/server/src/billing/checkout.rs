//! `POST /v1/credits/checkout {"pack"}`: records the checkout, then asks Creem to open it. The
//! row comes first so that whatever Creem later reports about it is found by our `request_id`
//! alone; if Creem cannot open it, the row goes again and nothing is owed or granted.

use std::collections::BTreeMap;

use atelier_api::ErrorCode;
use atelier_api::credits::{Checkout, CheckoutRequest};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use crate::auth::session::Authenticated;
use crate::crypto::random_id;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::platform::{Platform, Statement};
use crate::ratelimit::{self, CHECKOUTS_PER_ACCOUNT};
use crate::upstream::creem_checkout::{self, Customer, NewCheckout};

/// The key under which our `request_id` also travels in Creem's `metadata`.
pub const METADATA_KEY: &str = "atelier_request";

pub async fn checkout<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
    ApiJson(request): ApiJson<CheckoutRequest>,
) -> ApiResult<(StatusCode, Json<Checkout>)> {
    let account = &auth.account;
    let packs = &platform.config().credit_packs;
    if packs.is_empty() {
        return Err(ApiError::new(
            ErrorCode::PurchasesUnavailable,
            "this service does not sell credits",
        ));
    }
    let pack = packs.iter().find(|p| p.id == request.pack).ok_or_else(|| {
        ApiError::new(
            ErrorCode::UnknownPack,
            "no such pack; see GET /v1/credits/packs",
        )
    })?;
    let secret = crate::auth::secret(&platform)?;
    ratelimit::hit(&platform, &CHECKOUTS_PER_ACCOUNT, secret, &account.id).await?;

    let request_id = format!("atl_{}", random_id(&platform)?);
    platform
        .execute(
            Statement::new(
                "INSERT INTO checkouts (request_id, account_id, pack_id, product_id, credits, price_cents, currency, created_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(request_id.as_str())
            .bind(account.id.as_str())
            .bind(pack.id.as_str())
            .bind(pack.product_id.as_str())
            .bind(pack.credits)
            .bind(pack.price_cents)
            .bind(pack.currency.as_str())
            .bind(platform.now_ms()),
        )
        .await?;
    let success_url = format!("{}/billing/return", platform.config().public_url);
    let new = NewCheckout {
        product_id: &pack.product_id,
        request_id: &request_id,
        units: 1,
        customer: Customer {
            email: &account.email,
        },
        success_url: &success_url,
        metadata: BTreeMap::from([(METADATA_KEY, request_id.as_str())]),
    };
    let opened = match creem_checkout::create_checkout(&platform, &new).await {
        Ok(opened) => opened,
        Err(e) => {
            tracing::error!(error = %e, "Creem could not open a checkout");
            platform
                .execute(
                    Statement::new("DELETE FROM checkouts WHERE request_id = ?")
                        .bind(request_id.as_str()),
                )
                .await?;
            return Err(ApiError::new(
                ErrorCode::PaymentProviderUnavailable,
                "the payment provider is unavailable; nothing was charged, try again",
            ));
        }
    };
    platform
        .execute(
            Statement::new("UPDATE checkouts SET creem_checkout_id = ? WHERE request_id = ?")
                .bind(opened.id.as_str())
                .bind(request_id.as_str()),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Checkout {
            checkout_id: opened.id,
            checkout_url: opened.checkout_url,
        }),
    ))
}
