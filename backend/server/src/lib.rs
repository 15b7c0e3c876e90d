//! Atelier's service, free of any runtime: routes, rules and SQL over a [`platform::Platform`].
//! The native platform and binary live behind the `native` feature; the Worker is `atelier-worker`.

pub mod auth;
pub mod background;
pub mod billing;
pub mod blob_intents;
pub mod config;
pub mod conversations;
pub mod credits;
pub mod crypto;
pub mod deletion;
pub mod error;
pub mod error_reports;
pub mod export;
pub mod generations;
pub mod html_page;
pub mod json;
pub mod models;
pub mod paging;
pub mod path;
pub mod platform;
pub mod query;
pub mod ratelimit;
pub mod request_meta;
mod routes;
#[cfg(feature = "test-hooks")]
pub mod seeding;
pub mod sync;
pub mod uploads;
pub mod upstream;

#[cfg(feature = "native")]
pub mod native;

pub use routes::router;

/// The service's version, reported by `/healthz`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
