//! Creem's checkout API: `POST /v1/checkouts` opens a hosted checkout for one product. Opening one
//! charges nothing and proves nothing: credits come only from the signed `checkout.completed`
//! webhook (`crate::billing::webhook`).
//!
//! No retries: Creem has no idempotency key for checkout creation, and a person who sees
//! `payment_provider_unavailable` simply presses Buy again (an unpaid checkout costs nothing).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::UpstreamError;
use super::creem::SERVICE;
use crate::platform::Platform;

pub const TIMEOUT: Duration = Duration::from_secs(10);

/// What we ask Creem for: one unit of `product_id`, for this customer, back to `success_url`.
#[derive(Debug, Serialize)]
pub struct NewCheckout<'a> {
    pub product_id: &'a str,
    /// Ours, unique per checkout: the webhook names the checkout by it.
    pub request_id: &'a str,
    pub units: u32,
    pub customer: Customer<'a>,
    pub success_url: &'a str,
    /// Echoed back in the webhook; holds only our opaque `request_id` again, never trusted alone.
    pub metadata: BTreeMap<&'static str, &'a str>,
}

#[derive(Debug, Serialize)]
pub struct Customer<'a> {
    pub email: &'a str,
}

/// The fields of Creem's `CheckoutEntity` we use.
#[derive(Debug, Clone, Deserialize)]
pub struct OpenedCheckout {
    pub id: String,
    pub checkout_url: String,
}

pub async fn create_checkout<P: Platform>(
    platform: &P,
    checkout: &NewCheckout<'_>,
) -> Result<OpenedCheckout, UpstreamError> {
    let body = super::creem::post_json(platform, "/v1/checkouts", checkout, TIMEOUT).await?;
    let opened: OpenedCheckout =
        serde_json::from_slice(&body).map_err(|e| UpstreamError::Transport {
            service: SERVICE,
            detail: format!("unreadable checkout: {e}"),
        })?;
    // The person's browser goes there: only an https URL (or http on loopback, the simulator).
    let url_ok = url::Url::parse(&opened.checkout_url).is_ok_and(|u| {
        u.scheme() == "https"
            || (u.scheme() == "http"
                && matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")))
    });
    if opened.id.is_empty() || !url_ok {
        return Err(UpstreamError::Transport {
            service: SERVICE,
            detail: format!(
                "checkout without a usable id or URL: {:?}",
                opened.checkout_url
            ),
        });
    }
    Ok(opened)
}
