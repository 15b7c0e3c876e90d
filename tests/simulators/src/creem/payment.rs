//! Paying a checkout with one of Creem's test cards, and what follows a payment: the order, the
//! signed success redirect, refunds and disputes. Each paid, refunded or disputed order queues
//! its webhook event (`checkout.completed`, `refund.created`, `dispute.created`).

use axum::http::StatusCode;
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::Sha256;

use super::checkouts::CheckoutStatus;
use super::events::{checkout_completed, dispute_created, refund_created};
use super::{CreemSim, Store};
use crate::clock::now_ms;
use crate::ids::hex_id;
use crate::lock::lock;

/// The card that always succeeds; used when a test pays without naming one.
pub(crate) const SUCCESS_CARD: &str = "4242 4242 4242 4242";
/// Who pays when the checkout names no customer and the payer gives no email.
const DEFAULT_BUYER_EMAIL: &str = "buyer@example.com";

/// A Creem customer; the same email is always the same customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreemCustomer {
    pub id: String,
    pub email: String,
    pub name: String,
}

/// A paid checkout's order. Amounts are in cents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreemOrder {
    pub id: String,
    pub checkout_id: String,
    pub customer_id: String,
    pub product_id: String,
    pub amount: i64,
    pub currency: String,
    pub transaction_id: String,
    /// Sum of the refunds so far.
    pub refunded: i64,
    pub disputed: bool,
    pub created_at: i64,
}

impl CreemOrder {
    /// The `OrderEntity` inside checkouts and `checkout.completed`.
    pub(crate) fn entity(&self) -> Value {
        json!({
            "id": self.id,
            "customer": self.customer_id,
            "product": self.product_id,
            "amount": self.amount,
            "currency": self.currency,
            "status": if self.refunded >= self.amount { "refunded" } else { "paid" },
            "type": "onetime",
            "transaction": self.transaction_id,
            "amount_paid": self.amount,
            "tax_amount": 0,
        })
    }
}

/// What paying a checkout produced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PaidCheckout {
    pub checkout_id: String,
    pub order_id: String,
    pub transaction_id: String,
    pub customer_id: String,
    /// The queued `checkout.completed` event.
    pub event_id: String,
    /// `success_url` with Creem's signed query parameters; `None` without a success URL.
    pub redirect_url: Option<String>,
}

/// Why a payment, refund or dispute did not happen.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum Refused {
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The card was refused; the checkout stays pending.
    #[error("{0}")]
    Card(&'static str),
    /// The thing is in the wrong state (already paid, expired, fully refunded, disputed).
    #[error("{0}")]
    Conflict(&'static str),
    #[error("{0}")]
    Invalid(String),
}

impl Refused {
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Card(_) => StatusCode::PAYMENT_REQUIRED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
        }
    }
}

/// Creem's test cards (spaces ignored): only `4242…4242` succeeds.
fn charge(card: &str) -> Result<(), Refused> {
    let digits: String = card.chars().filter(|c| !c.is_whitespace()).collect();
    match digits.as_str() {
        "4242424242424242" => Ok(()),
        "4000000000000002" => Err(Refused::Card("Your card was declined.")),
        "4000000000009995" => Err(Refused::Card("Your card has insufficient funds.")),
        "4000000000000127" => Err(Refused::Card("Your card's security code is incorrect.")),
        "4000000000000069" => Err(Refused::Card("Your card has expired.")),
        _ => Err(Refused::Card(
            "Your card number is incorrect. In test mode use a test card such as 4242 4242 4242 4242.",
        )),
    }
}

/// The customer with this email, made on first sight.
pub(crate) fn customer_for_email(store: &mut Store, email: &str) -> CreemCustomer {
    let email = email.trim();
    if let Some(found) = store
        .customers
        .iter()
        .find(|c| c.email.eq_ignore_ascii_case(email))
    {
        return found.clone();
    }
    let customer = CreemCustomer {
        id: format!("cust_{}", hex_id()),
        email: email.to_owned(),
        name: email.split('@').next().unwrap_or(email).to_owned(),
    };
    store.customers.push(customer.clone());
    customer
}

/// The `signature` of a success redirect: hex HMAC-SHA256 keyed with the API key over the
/// parameters (pass only the non-null ones, without `signature`) sorted by name, as `k=v&k=v`.
pub fn redirect_signature(api_key: &str, params: &[(&str, &str)]) -> String {
    let mut sorted = params.to_vec();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let joined = sorted
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    // HMAC takes keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(api_key.as_bytes()) else {
        return String::new();
    };
    mac.update(joined.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// `success_url` plus `checkout_id, order_id, customer_id, product_id, request_id, signature`.
fn success_redirect(success_url: &str, params: &[(&str, &str)], api_key: &str) -> String {
    let signature = redirect_signature(api_key, params);
    match reqwest::Url::parse(success_url) {
        Ok(mut url) => {
            url.query_pairs_mut()
                .extend_pairs(params)
                .append_pair("signature", &signature);
            url.into()
        }
        // Checkout creation only accepts parseable URLs; keep the raw one if that ever changes.
        Err(_) => success_url.to_owned(),
    }
}

impl CreemSim {
    /// Pays a pending checkout as the hosted page would (`None` = the card that succeeds).
    pub fn pay(&self, checkout_id: &str, card: Option<&str>) -> Result<PaidCheckout, String> {
        self.pay_checkout(checkout_id, card, None)
            .map_err(|e| e.to_string())
    }

    /// `email` is who pays when the checkout was created without a customer.
    pub(crate) fn pay_checkout(
        &self,
        checkout_id: &str,
        card: Option<&str>,
        email: Option<&str>,
    ) -> Result<PaidCheckout, Refused> {
        let mut store = lock(&self.inner.store);
        let index = store
            .checkouts
            .iter()
            .position(|c| c.id == checkout_id)
            .ok_or(Refused::NotFound("Checkout"))?;
        match store.checkouts[index].status {
            CheckoutStatus::Pending => {}
            CheckoutStatus::Completed => {
                return Err(Refused::Conflict("This checkout is already completed."));
            }
            CheckoutStatus::Expired => return Err(Refused::Conflict("This checkout has expired.")),
        }
        charge(card.unwrap_or(SUCCESS_CARD))?;
        let known = store.checkouts[index].customer_email.clone();
        let email = known
            .as_deref()
            .or(email.filter(|e| e.contains('@')))
            .unwrap_or(DEFAULT_BUYER_EMAIL)
            .to_owned();
        let customer = customer_for_email(&mut store, &email);
        let checkout = &mut store.checkouts[index];
        let order = CreemOrder {
            id: format!("ord_{}", hex_id()),
            checkout_id: checkout.id.clone(),
            customer_id: customer.id.clone(),
            product_id: checkout.product.id.clone(),
            amount: checkout.amount(),
            currency: checkout.product.currency.clone(),
            transaction_id: format!("tran_{}", hex_id()),
            refunded: 0,
            disputed: false,
            created_at: now_ms(),
        };
        checkout.status = CheckoutStatus::Completed;
        checkout.order_id = Some(order.id.clone());
        checkout.customer_id = Some(customer.id.clone());
        checkout.customer_email = Some(customer.email.clone());
        let payload = checkout_completed(checkout, &order, &customer);
        let mut params = vec![
            ("checkout_id", checkout.id.as_str()),
            ("order_id", order.id.as_str()),
            ("customer_id", customer.id.as_str()),
            ("product_id", checkout.product.id.as_str()),
        ];
        if let Some(request_id) = &checkout.request_id {
            params.push(("request_id", request_id.as_str()));
        }
        let redirect_url = checkout
            .success_url
            .as_deref()
            .map(|url| success_redirect(url, &params, &checkout.api_key));
        let paid = PaidCheckout {
            checkout_id: checkout.id.clone(),
            order_id: order.id.clone(),
            transaction_id: order.transaction_id.clone(),
            customer_id: customer.id,
            event_id: String::new(),
            redirect_url,
        };
        store.orders.push(order);
        drop(store);
        let event_id = self.publish("checkout.completed", payload);
        Ok(PaidCheckout { event_id, ..paid })
    }

    /// The buyer abandons a pending checkout: it expires and no event is sent.
    pub fn decline(&self, checkout_id: &str) -> Result<(), String> {
        self.decline_checkout(checkout_id)
            .map_err(|e| e.to_string())
    }

    pub(crate) fn decline_checkout(&self, checkout_id: &str) -> Result<(), Refused> {
        let mut store = lock(&self.inner.store);
        let checkout = store
            .checkouts
            .iter_mut()
            .find(|c| c.id == checkout_id)
            .ok_or(Refused::NotFound("Checkout"))?;
        match checkout.status {
            CheckoutStatus::Completed => {
                Err(Refused::Conflict("This checkout is already completed."))
            }
            CheckoutStatus::Pending | CheckoutStatus::Expired => {
                checkout.status = CheckoutStatus::Expired;
                Ok(())
            }
        }
    }

    /// Refunds what is left of an order and sends `refund.created`; returns the event id.
    pub fn refund(&self, order_id: &str) -> Result<String, String> {
        self.refund_order(order_id, None).map_err(|e| e.to_string())
    }

    /// `amount` in cents; `None` = everything not yet refunded.
    pub(crate) fn refund_order(
        &self,
        order_id: &str,
        amount: Option<i64>,
    ) -> Result<String, Refused> {
        let mut store = lock(&self.inner.store);
        let order = store
            .orders
            .iter_mut()
            .find(|o| o.id == order_id)
            .ok_or(Refused::NotFound("Order"))?;
        let left = order.amount - order.refunded;
        if left <= 0 {
            return Err(Refused::Conflict("This order is already fully refunded."));
        }
        let amount = amount.unwrap_or(left);
        if !(1..=left).contains(&amount) {
            return Err(Refused::Invalid(format!(
                "amount must be between 1 and {left} cents"
            )));
        }
        order.refunded += amount;
        let order = order.clone();
        let customer = customer_of(&store, &order);
        drop(store);
        Ok(self.publish("refund.created", refund_created(&order, amount, &customer)))
    }

    /// Opens a chargeback on an order and sends `dispute.created`; returns the event id.
    pub fn dispute(&self, order_id: &str) -> Result<String, String> {
        self.dispute_order(order_id).map_err(|e| e.to_string())
    }

    pub(crate) fn dispute_order(&self, order_id: &str) -> Result<String, Refused> {
        let mut store = lock(&self.inner.store);
        let order = store
            .orders
            .iter_mut()
            .find(|o| o.id == order_id)
            .ok_or(Refused::NotFound("Order"))?;
        if order.disputed {
            return Err(Refused::Conflict("This order is already disputed."));
        }
        order.disputed = true;
        let order = order.clone();
        let customer = customer_of(&store, &order);
        drop(store);
        Ok(self.publish("dispute.created", dispute_created(&order, &customer)))
    }
}

/// The order's customer (always stored when the order was made).
fn customer_of(store: &Store, order: &CreemOrder) -> CreemCustomer {
    store
        .customers
        .iter()
        .find(|c| c.id == order.customer_id)
        .cloned()
        .unwrap_or_else(|| CreemCustomer {
            id: order.customer_id.clone(),
            email: String::new(),
            name: String::new(),
        })
}

#[cfg(test)]
mod tests {
    use super::{charge, redirect_signature};

    #[test]
    fn test_cards_ignore_spaces() {
        assert!(charge("4242 4242 4242 4242").is_ok());
        assert!(charge("4242424242424242").is_ok());
        assert!(charge("4000 0000 0000 0002").is_err());
        assert!(charge("1234").is_err());
    }

    #[test]
    fn signature_sorts_parameters() {
        let a = redirect_signature("k", &[("b", "2"), ("a", "1")]);
        let b = redirect_signature("k", &[("a", "1"), ("b", "2")]);
        assert_eq!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(a, redirect_signature("other", &[("a", "1"), ("b", "2")]));
    }
}
