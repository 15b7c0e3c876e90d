//! Local simulators of kie.ai, Creem, Resend, PostHog and Sentry that speak their documented
//! protocols (`reference/upstream-apis.md`): routes, auth headers, error envelopes and quirks, so
//! Atelier's real HTTP clients are exercised in development and tests without the network.
//!
//! All five run in one axum server on a loopback port, each under a prefix:
//! `/kie`, `/creem`, `/resend`, `/posthog`, `/sentry`. Spawn them in-process with [`spawn`], or
//! run the `atelier-simulators` binary, which prints its base URL and environment as one JSON line.

mod app;
mod clock;
mod cloudflare;
mod control;
pub mod creem;
pub mod faults;
mod ids;
mod instance;
pub mod kie;
mod lock;
mod options;
pub mod posthog;
pub mod resend;
pub mod sentry;

pub use creem::{
    CreemCheckout, CreemDelivery, CreemEvent, CreemOptions, CreemOrder, CreemProduct, CreemRequest,
    CreemRules, CreemSettings, CreemSim, PaidCheckout, WebhookConfig, default_credit_packs_json,
};
pub use faults::{Faults, FaultsError, ForcedError};
pub use instance::{Simulators, spawn};
pub use kie::{
    FetchedInput, KieOptions, KieSettings, KieSim, KieState, KieTask, ResultFile, kie_signature,
};
pub use options::SimulatorOptions;
pub use posthog::{PostHogEvent, PostHogOptions, PostHogSim, RawRequest};
pub use resend::{Email, ResendOptions, ResendSettings, ResendSim, Tag};
pub use sentry::{Envelope, EnvelopeItem, SentryOptions, SentrySim};
