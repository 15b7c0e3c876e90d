//! The catalogue of one-time products checkouts can sell (`GET|PUT /creem/__control/products`).
//! Real products are made in Creem's dashboard or with `POST /v1/products`; the simulator starts
//! with two credit packs and lets tests replace the list.

use std::collections::BTreeSet;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::CreemSim;
use crate::control::{BadRequest, parse};

/// The product of the small default credit pack.
pub const PRODUCT_CREDITS_100: &str = "prod_sim_credits_100";
/// The product of the large default credit pack.
pub const PRODUCT_CREDITS_500: &str = "prod_sim_credits_500";

/// `ATELIER_CREDIT_PACKS` for the default products: which pack is which product and how many
/// credits it grants. Written out rather than serialised so its bytes stay exactly as documented.
const DEFAULT_CREDIT_PACKS_JSON: &str = r#"[{"id":"small","product_id":"prod_sim_credits_100","credits":100,"price_cents":500,"currency":"USD"},{"id":"large","product_id":"prod_sim_credits_500","credits":500,"price_cents":2000,"currency":"USD"}]"#;

/// A one-time product (`billing_type: "onetime"`). `price` is in cents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreemProduct {
    pub id: String,
    pub name: String,
    pub price: i64,
    pub currency: String,
}

impl CreemProduct {
    pub fn new(id: &str, name: &str, price: i64, currency: &str) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            price,
            currency: currency.to_owned(),
        }
    }
}

/// "100 credits" for 5.00 USD and "500 credits" for 20.00 USD.
pub fn default_products() -> Vec<CreemProduct> {
    vec![
        CreemProduct::new(PRODUCT_CREDITS_100, "100 credits", 500, "USD"),
        CreemProduct::new(PRODUCT_CREDITS_500, "500 credits", 2000, "USD"),
    ]
}

/// The value of Atelier's `ATELIER_CREDIT_PACKS` that matches [`default_products`].
pub fn default_credit_packs_json() -> String {
    DEFAULT_CREDIT_PACKS_JSON.to_owned()
}

/// Creem's rules for a product price (cents; 0 or at least 100; EUR or USD), plus unique ids.
pub(crate) fn validate(products: &[CreemProduct]) -> Result<(), String> {
    let mut ids = BTreeSet::new();
    for product in products {
        if product.id.trim().is_empty() {
            return Err("product id must not be empty".into());
        }
        if !ids.insert(product.id.as_str()) {
            return Err(format!("product id {:?} appears twice", product.id));
        }
        if product.price != 0 && product.price < 100 {
            return Err(format!(
                "product {:?}: price must be 0 or at least 100 cents",
                product.id
            ));
        }
        if !matches!(product.currency.as_str(), "USD" | "EUR") {
            return Err(format!(
                "product {:?}: currency must be USD or EUR",
                product.id
            ));
        }
    }
    Ok(())
}

pub(crate) async fn get_products(State(creem): State<CreemSim>) -> Json<Vec<CreemProduct>> {
    Json(creem.products())
}

pub(crate) async fn put_products(State(creem): State<CreemSim>, body: Bytes) -> Response {
    let products: Vec<CreemProduct> = match parse(&body) {
        Ok(products) => products,
        Err(e) => return e.into_response(),
    };
    match creem.set_products(products) {
        Ok(()) => Json(creem.products()).into_response(),
        Err(e) => BadRequest(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::{default_credit_packs_json, default_products, validate};

    #[test]
    fn credit_packs_match_the_default_products() {
        let packs: Value = serde_json::from_str(&default_credit_packs_json()).expect("JSON");
        let packs = packs.as_array().expect("array");
        let products = default_products();
        assert_eq!(packs.len(), products.len());
        for (pack, product) in packs.iter().zip(&products) {
            assert_eq!(pack["product_id"], product.id.as_str());
            assert_eq!(pack["price_cents"], product.price);
            assert_eq!(pack["currency"], product.currency.as_str());
        }
        assert!(validate(&products).is_ok());
    }

    #[test]
    fn refuses_bad_prices_currencies_and_duplicates() {
        let mut products = default_products();
        products[0].price = 50;
        assert!(validate(&products).is_err());
        let mut products = default_products();
        products[1].currency = "GBP".into();
        assert!(validate(&products).is_err());
        let mut products = default_products();
        products[1].id = products[0].id.clone();
        assert!(validate(&products).is_err());
    }
}
