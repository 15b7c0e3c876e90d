//! Creem: prompt moderation (`POST /v1/moderation/prompt`), checkouts for one-time products
//! (`POST|GET /v1/checkouts`) with a hosted checkout page that takes Creem's test cards, and
//! signed webhooks (`creem-signature`) retried on Creem's schedule. All API routes check
//! `x-api-key` and answer errors in Creem's envelope; control routes under `/__control` let tests
//! pay, refund, dispute, duplicate and reorder events without a browser.

mod api;
mod checkouts;
mod control;
mod events;
mod moderation;
mod outbox;
mod page;
mod payment;
mod products;
mod webhooks;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::control::faults_router;
use crate::faults::{FaultSwitch, Faults, FaultsError};
use crate::lock::lock;

pub use checkouts::{CheckoutStatus, CreemCheckout};
pub use events::{CreemEvent, EventStatus};
pub use moderation::{CreemRequest, CreemRules};
pub use payment::{CreemCustomer, CreemOrder, PaidCheckout, redirect_signature};
pub use products::{
    CreemProduct, PRODUCT_CREDITS_100, PRODUCT_CREDITS_500, default_credit_packs_json,
    default_products,
};
pub use webhooks::{CreemDelivery, WebhookConfig, webhook_signature};

pub(crate) use webhooks::run as run_webhooks;

/// The key accepted by default (test keys start `creem_test_`).
pub const DEFAULT_API_KEY: &str = "creem_test_sim";
/// The webhook secret events are signed with by default (`CREEM_WEBHOOK_SECRET`).
pub const DEFAULT_WEBHOOK_SECRET: &str = "whsec_sim_atelier";
/// Creem retries a webhook that was not answered 200 after 30 s, 1 min, 5 min and 1 h.
pub const DEFAULT_RETRY_DELAYS_MS: [u64; 4] = [30_000, 60_000, 300_000, 3_600_000];

/// Runtime-adjustable behaviour (`PUT /creem/__control/settings` takes any subset).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreemSettings {
    /// Wait before each retry of a webhook that failed; its length is the number of retries.
    /// Tests shrink these so a whole retry schedule fits in a second.
    pub retry_delays_ms: Vec<u64>,
}

impl Default for CreemSettings {
    fn default() -> Self {
        Self {
            retry_delays_ms: DEFAULT_RETRY_DELAYS_MS.to_vec(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct CreemOptions {
    /// Keys accepted in `x-api-key`; the first goes into `env()`.
    pub api_keys: Vec<String>,
    pub rules: CreemRules,
    /// What checkouts can sell.
    pub products: Vec<CreemProduct>,
    /// Where events are POSTed; `None` = no endpoint registered, events are only recorded.
    pub webhook_url: Option<String>,
    /// Key of the `creem-signature` HMAC; goes into `env()` as `CREEM_WEBHOOK_SECRET`.
    pub webhook_secret: String,
    pub settings: CreemSettings,
}

impl Default for CreemOptions {
    fn default() -> Self {
        Self {
            api_keys: vec![DEFAULT_API_KEY.to_owned()],
            rules: CreemRules::default(),
            products: default_products(),
            webhook_url: None,
            webhook_secret: DEFAULT_WEBHOOK_SECRET.to_owned(),
            settings: CreemSettings::default(),
        }
    }
}

/// Handle on the Creem simulator's state; cheap to clone.
#[derive(Clone)]
pub struct CreemSim {
    inner: Arc<CreemInner>,
}

/// Checkouts, the orders they became, and the customers who paid (one per email).
#[derive(Default)]
struct Store {
    checkouts: Vec<CreemCheckout>,
    orders: Vec<CreemOrder>,
    customers: Vec<CreemCustomer>,
}

struct CreemInner {
    options: CreemOptions,
    /// Base of the URLs handed to clients (`checkout_url`), without the `/creem` prefix.
    public_base: String,
    rules: Mutex<CreemRules>,
    requests: Mutex<Vec<CreemRequest>>,
    faults: Arc<FaultSwitch>,
    products: Mutex<Vec<CreemProduct>>,
    settings: Mutex<CreemSettings>,
    store: Mutex<Store>,
    outbox: Mutex<outbox::Outbox>,
    /// Wakes the delivery runner when a send is queued.
    wake: Notify,
    /// Wakes `wait_deliveries` when an attempt is recorded.
    delivered: Notify,
    http: reqwest::Client,
}

impl CreemSim {
    pub(crate) fn new(options: CreemOptions, public_base: String) -> Self {
        let http = reqwest::Client::builder()
            .user_agent("creem-simulator/1")
            // Creem documents no receiver timeout; long enough for a slow dev server.
            .timeout(std::time::Duration::from_secs(15))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self {
            inner: Arc::new(CreemInner {
                rules: Mutex::new(options.rules.clone()),
                requests: Mutex::new(Vec::new()),
                faults: Arc::new(FaultSwitch::default()),
                products: Mutex::new(options.products.clone()),
                settings: Mutex::new(options.settings.clone()),
                store: Mutex::new(Store::default()),
                outbox: Mutex::new(outbox::Outbox::new(WebhookConfig {
                    url: options.webhook_url.clone(),
                    secret: options.webhook_secret.clone(),
                    hold: false,
                })),
                wake: Notify::new(),
                delivered: Notify::new(),
                http,
                options,
                public_base,
            }),
        }
    }

    /// Every moderation request, oldest first.
    pub fn requests(&self) -> Vec<CreemRequest> {
        lock(&self.inner.requests).clone()
    }

    pub fn rules(&self) -> CreemRules {
        lock(&self.inner.rules).clone()
    }

    pub fn set_rules(&self, rules: CreemRules) {
        *lock(&self.inner.rules) = rules;
    }

    pub fn faults(&self) -> Faults {
        self.inner.faults.get()
    }

    pub fn set_faults(&self, faults: Faults) -> Result<(), FaultsError> {
        self.inner.faults.set(faults)
    }

    pub fn api_key(&self) -> &str {
        self.inner
            .options
            .api_keys
            .first()
            .map_or("", String::as_str)
    }

    pub fn settings(&self) -> CreemSettings {
        lock(&self.inner.settings).clone()
    }

    /// Replaces the settings; retries already scheduled keep their time.
    pub fn set_settings(&self, settings: CreemSettings) {
        *lock(&self.inner.settings) = settings;
    }

    pub fn products(&self) -> Vec<CreemProduct> {
        lock(&self.inner.products).clone()
    }

    /// Replaces the catalogue; checkouts already created keep the product they were sold.
    pub fn set_products(&self, products: Vec<CreemProduct>) -> Result<(), String> {
        products::validate(&products)?;
        *lock(&self.inner.products) = products;
        Ok(())
    }

    /// Every checkout, oldest first.
    pub fn checkouts(&self) -> Vec<CreemCheckout> {
        lock(&self.inner.store).checkouts.clone()
    }

    pub fn checkout(&self, checkout_id: &str) -> Option<CreemCheckout> {
        lock(&self.inner.store)
            .checkouts
            .iter()
            .find(|c| c.id == checkout_id)
            .cloned()
    }

    /// Every order (one per paid checkout), oldest first.
    pub fn orders(&self) -> Vec<CreemOrder> {
        lock(&self.inner.store).orders.clone()
    }

    /// Clears requests, checkouts, orders, customers, events, deliveries and scheduled retries;
    /// restores the start-up rules, products, settings and webhook endpoint, and clears faults.
    pub fn reset(&self) {
        lock(&self.inner.requests).clear();
        *lock(&self.inner.rules) = self.inner.options.rules.clone();
        *lock(&self.inner.products) = self.inner.options.products.clone();
        *lock(&self.inner.settings) = self.inner.options.settings.clone();
        *lock(&self.inner.store) = Store::default();
        *lock(&self.inner.outbox) = outbox::Outbox::new(WebhookConfig {
            url: self.inner.options.webhook_url.clone(),
            secret: self.inner.options.webhook_secret.clone(),
            hold: false,
        });
        self.inner.faults.clear();
    }

    /// `{public base}/creem`, the base of every URL a browser is sent to.
    fn creem_base(&self) -> String {
        format!("{}/creem", self.inner.public_base)
    }
}

pub(crate) fn router(creem: CreemSim) -> Router {
    let faults = Arc::clone(&creem.inner.faults);
    Router::new()
        .route("/v1/moderation/prompt", post(moderation::moderate))
        .route(
            "/v1/checkouts",
            post(checkouts::create).get(checkouts::retrieve),
        )
        .route("/checkout/{id}", get(page::show))
        .route("/checkout/{id}/pay", post(page::pay))
        .route("/checkout/{id}/decline", post(page::decline))
        .route(
            "/__control/rules",
            get(moderation::get_rules).put(moderation::put_rules),
        )
        .route("/__control/requests", get(moderation::list_requests))
        .route(
            "/__control/products",
            get(products::get_products).put(products::put_products),
        )
        .with_state(creem.clone())
        .merge(control::router(creem))
        .merge(faults_router(faults))
}
