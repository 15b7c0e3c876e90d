//! The one axum app: every simulator under its prefix, plus the cross-service control routes.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::creem::{self, CreemSim};
use crate::kie::{self, KieSim};
use crate::posthog::{self, PostHogSim};
use crate::resend::{self, ResendSim};
use crate::sentry::{self, SentrySim};

/// Handles on all five simulators.
#[derive(Clone)]
pub(crate) struct Services {
    pub(crate) kie: KieSim,
    pub(crate) creem: CreemSim,
    pub(crate) resend: ResendSim,
    pub(crate) posthog: PostHogSim,
    pub(crate) sentry: SentrySim,
}

impl Services {
    /// Clears recorded state and faults and restores start-up settings everywhere.
    pub(crate) fn reset(&self) {
        self.kie.reset();
        self.creem.reset();
        self.resend.reset();
        self.posthog.reset();
        self.sentry.reset();
    }
}

pub(crate) fn router(services: &Services) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/__control/reset", post(reset))
        .with_state(services.clone())
        .nest("/kie", kie::router(services.kie.clone()))
        .nest("/creem", creem::router(services.creem.clone()))
        .nest("/resend", resend::router(services.resend.clone()))
        .nest("/posthog", posthog::router(services.posthog.clone()))
        .nest("/sentry", sentry::router(services.sentry.clone()))
}

async fn reset(State(services): State<Services>) -> Json<Value> {
    services.reset();
    json!({ "reset": true }).into()
}

/// A map of the simulators for a developer who opens the base URL in a browser.
async fn index() -> Json<Value> {
    json!({
        "kie": ["POST /kie/api/v1/jobs/createTask", "GET /kie/api/v1/jobs/recordInfo?taskId=",
                "GET /kie/api/v1/chat/credit", "GET /kie/files/{taskId}/{i}.png",
                "GET|PUT /kie/__control/settings", "GET /kie/__control/tasks"],
        "creem": ["POST /creem/v1/moderation/prompt", "POST /creem/v1/checkouts",
                  "GET /creem/v1/checkouts?checkout_id=", "GET /creem/checkout/{id}",
                  "POST /creem/checkout/{id}/pay", "POST /creem/checkout/{id}/decline",
                  "GET|PUT /creem/__control/rules", "GET /creem/__control/requests",
                  "GET|PUT /creem/__control/products", "GET|PUT /creem/__control/settings",
                  "GET|PUT /creem/__control/webhook", "POST /creem/__control/webhook/release",
                  "GET /creem/__control/deliveries", "GET|POST /creem/__control/events",
                  "POST /creem/__control/events/{event_id}/redeliver",
                  "GET /creem/__control/checkouts", "POST /creem/__control/checkouts/{id}/pay",
                  "GET /creem/__control/orders", "POST /creem/__control/orders/{id}/refund",
                  "POST /creem/__control/orders/{id}/dispute"],
        "resend": ["POST /resend/emails", "POST /resend/emails/batch", "GET /resend/emails[?to=]",
                   "GET /resend/emails/{id}", "GET|PUT /resend/__control/settings"],
        "posthog": ["POST /posthog/i/v0/e/", "POST /posthog/capture/", "POST /posthog/batch/",
                    "GET /posthog/events", "GET /posthog/__control/requests"],
        "sentry": ["POST /sentry/api/{project_id}/envelope/", "GET /sentry/envelopes"],
        "control": ["GET|PUT /{kie,creem,resend,posthog,sentry}/__control/faults",
                    "POST /__control/reset"],
    })
    .into()
}
