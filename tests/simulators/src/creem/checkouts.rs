//! `POST /v1/checkouts` (`CreateCheckoutRequest` → `CheckoutEntity`) and
//! `GET /v1/checkouts?checkout_id=`. Creem validates bodies with whitelisting, so unknown fields
//! are refused, and answers every error in its envelope.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::api::{ApiError, authorize};
use super::payment::{CreemOrder, customer_for_email};
use super::{CreemProduct, CreemSim, Store};
use crate::clock::now_ms;
use crate::ids::hex_id;
use crate::lock::lock;

/// Top-level fields of `CreateCheckoutRequest`; any other is refused.
const FIELDS: &[&str] = &[
    "product_id",
    "request_id",
    "units",
    "customer",
    "success_url",
    "metadata",
    "discount_code",
    "custom_fields",
];
/// Creem allows at most three custom fields on a checkout.
const MAX_CUSTOM_FIELDS: usize = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckoutStatus {
    Pending,
    Completed,
    /// Abandoned: the buyer pressed Decline on the hosted page.
    Expired,
}

/// One checkout session as the simulator keeps it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CreemCheckout {
    pub id: String,
    pub status: CheckoutStatus,
    pub request_id: Option<String>,
    /// The product as it was when the checkout was created.
    pub product: CreemProduct,
    pub units: u32,
    pub customer_id: Option<String>,
    pub customer_email: Option<String>,
    pub success_url: Option<String>,
    /// As given (an object; `{}` when none was).
    pub metadata: Value,
    pub custom_fields: Vec<Value>,
    pub discount_code: Option<String>,
    pub checkout_url: String,
    pub order_id: Option<String>,
    pub created_at: i64,
    /// The API key that created it: Creem signs the success redirect with it.
    #[serde(skip)]
    pub(crate) api_key: String,
}

impl CreemCheckout {
    /// Price × units, in cents.
    pub fn amount(&self) -> i64 {
        self.product.price.saturating_mul(i64::from(self.units))
    }

    /// The `CheckoutEntity` Creem answers with.
    pub(crate) fn entity(&self, order: Option<&CreemOrder>) -> Value {
        let mut entity = json!({
            "id": self.id,
            "mode": "test",
            "object": "checkout",
            "status": self.status,
            "request_id": self.request_id,
            "product": self.product.id,
            "units": self.units,
            "custom_fields": self.custom_fields,
            "checkout_url": self.checkout_url,
            "success_url": self.success_url,
            "metadata": self.metadata,
        });
        if let Some(id) = &self.customer_id {
            entity["customer"] =
                json!({ "id": id, "object": "customer", "email": self.customer_email });
        }
        if let Some(order) = order {
            entity["order"] = order.entity();
        }
        entity
    }
}

/// Who the checkout is for, when the caller says.
enum CustomerRef {
    Email(String),
    Id(String),
}

/// A `CreateCheckoutRequest` that passed validation.
struct CheckoutRequest {
    product_id: String,
    request_id: Option<String>,
    units: u32,
    customer: Option<CustomerRef>,
    success_url: Option<String>,
    metadata: Value,
    discount_code: Option<String>,
    custom_fields: Vec<Value>,
}

/// Whether `url` is an absolute http(s) URL, as Creem's `@IsUrl()` demands.
pub(crate) fn is_http_url(url: &str) -> bool {
    reqwest::Url::parse(url)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

fn optional_string(
    fields: &Map<String, Value>,
    name: &str,
    errors: &mut Vec<String>,
) -> Option<String> {
    match fields.get(name) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            errors.push(format!("{name} must be a string"));
            None
        }
    }
}

fn parse_customer(value: Option<&Value>, errors: &mut Vec<String>) -> Option<CustomerRef> {
    let fields = match value {
        None | Some(Value::Null) => return None,
        Some(Value::Object(fields)) => fields,
        Some(_) => {
            errors.push("customer must be an object".into());
            return None;
        }
    };
    for key in fields
        .keys()
        .filter(|k| !matches!(k.as_str(), "id" | "email"))
    {
        errors.push(format!("property customer.{key} should not exist"));
    }
    let email = fields.get("email").filter(|v| !v.is_null());
    let id = fields.get("id").filter(|v| !v.is_null());
    match (email, id) {
        (Some(_), Some(_)) => {
            errors.push("customer must have either an id or an email, not both".into());
            None
        }
        (Some(Value::String(email)), None) if email.contains('@') && !email.contains(' ') => {
            Some(CustomerRef::Email(email.trim().to_owned()))
        }
        (Some(_), None) => {
            errors.push("customer.email must be an email".into());
            None
        }
        (None, Some(Value::String(id))) if !id.trim().is_empty() => {
            Some(CustomerRef::Id(id.clone()))
        }
        (None, Some(_)) => {
            errors.push("customer.id must be a non-empty string".into());
            None
        }
        (None, None) => {
            errors.push("customer must have an id or an email".into());
            None
        }
    }
}

fn parse_request(body: &[u8]) -> Result<CheckoutRequest, ApiError> {
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return Err(ApiError::bad_request(&["Body must be a JSON object"]));
    };
    let mut errors = Vec::new();
    for key in fields.keys().filter(|k| !FIELDS.contains(&k.as_str())) {
        errors.push(format!("property {key} should not exist"));
    }
    let product_id = match fields.get("product_id") {
        Some(Value::String(id)) if !id.trim().is_empty() => id.clone(),
        Some(Value::String(_)) => {
            errors.push("product_id should not be empty".into());
            String::new()
        }
        _ => {
            errors.push("product_id must be a string".into());
            errors.push("product_id should not be empty".into());
            String::new()
        }
    };
    let request_id = optional_string(&fields, "request_id", &mut errors);
    let units = match fields.get("units") {
        None | Some(Value::Null) => 1,
        Some(value) => match value.as_u64().map(u32::try_from) {
            Some(Ok(n)) if n >= 1 => n,
            Some(Ok(_)) => {
                errors.push("units must not be less than 1".into());
                1
            }
            _ if value.as_i64().is_some_and(|n| n < 1) => {
                errors.push("units must not be less than 1".into());
                1
            }
            _ => {
                errors.push("units must be an integer number".into());
                1
            }
        },
    };
    let customer = parse_customer(fields.get("customer"), &mut errors);
    let success_url = optional_string(&fields, "success_url", &mut errors);
    if success_url.as_deref().is_some_and(|url| !is_http_url(url)) {
        errors.push("success_url must be a URL address".into());
    }
    let metadata = match fields.get("metadata") {
        None | Some(Value::Null) => json!({}),
        Some(Value::Object(map)) => Value::Object(map.clone()),
        Some(_) => {
            errors.push("metadata must be an object".into());
            Value::Null
        }
    };
    let discount_code = optional_string(&fields, "discount_code", &mut errors);
    let custom_fields = match fields.get("custom_fields") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) if list.len() <= MAX_CUSTOM_FIELDS => list.clone(),
        Some(Value::Array(_)) => {
            errors.push("custom_fields must contain no more than 3 elements".into());
            Vec::new()
        }
        Some(_) => {
            errors.push("custom_fields must be an array".into());
            Vec::new()
        }
    };
    if !errors.is_empty() {
        let messages: Vec<&str> = errors.iter().map(String::as_str).collect();
        return Err(ApiError::bad_request(&messages));
    }
    Ok(CheckoutRequest {
        product_id,
        request_id,
        units,
        customer,
        success_url,
        metadata,
        discount_code,
        custom_fields,
    })
}

impl CreemSim {
    fn open_checkout(&self, request: CheckoutRequest, api_key: String) -> Result<Value, ApiError> {
        let product = self
            .products()
            .into_iter()
            .find(|p| p.id == request.product_id)
            .ok_or_else(|| ApiError::not_found("Product not found"))?;
        let mut store = lock(&self.inner.store);
        let (customer_id, customer_email) = match request.customer {
            None => (None, None),
            Some(CustomerRef::Email(email)) => {
                let customer = customer_for_email(&mut store, &email);
                (Some(customer.id), Some(customer.email))
            }
            Some(CustomerRef::Id(id)) => {
                let customer = store
                    .customers
                    .iter()
                    .find(|c| c.id == id)
                    .ok_or_else(|| ApiError::not_found("Customer not found"))?;
                (Some(customer.id.clone()), Some(customer.email.clone()))
            }
        };
        let id = format!("ch_{}", hex_id());
        let checkout = CreemCheckout {
            checkout_url: format!("{}/checkout/{id}", self.creem_base()),
            id,
            status: CheckoutStatus::Pending,
            request_id: request.request_id,
            product,
            units: request.units,
            customer_id,
            customer_email,
            success_url: request.success_url,
            metadata: request.metadata,
            custom_fields: request.custom_fields,
            discount_code: request.discount_code,
            order_id: None,
            created_at: now_ms(),
            api_key,
        };
        let entity = checkout.entity(None);
        store.checkouts.push(checkout);
        Ok(entity)
    }
}

/// The `CheckoutEntity` of a stored checkout, with its order once paid.
pub(crate) fn entity_in(store: &Store, checkout: &CreemCheckout) -> Value {
    let order = checkout
        .order_id
        .as_ref()
        .and_then(|id| store.orders.iter().find(|o| &o.id == id));
    checkout.entity(order)
}

pub(crate) async fn create(
    State(creem): State<CreemSim>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let created = match authorize(&creem, &headers).await {
        Ok(key) => parse_request(&body).and_then(|request| creem.open_checkout(request, key)),
        Err(error) => Err(error),
    };
    match created {
        Ok(entity) => Json(entity).into_response(),
        Err(error) => error.into_response(),
    }
}

pub(crate) async fn retrieve(
    State(creem): State<CreemSim>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    if let Err(error) = authorize(&creem, &headers).await {
        return error.into_response();
    }
    let Some(checkout_id) = query.get("checkout_id").filter(|id| !id.is_empty()) else {
        return ApiError::bad_request(&["checkout_id must be a string"]).into_response();
    };
    let store = lock(&creem.inner.store);
    match store.checkouts.iter().find(|c| &c.id == checkout_id) {
        Some(checkout) => Json(entity_in(&store, checkout)).into_response(),
        None => ApiError::not_found("Checkout not found").into_response(),
    }
}
