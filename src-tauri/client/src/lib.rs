//! The desktop's logic without Tauri: the HTTP client of the Atelier service, signing in by
//! email, the session kept in the OS credential store, and the offline cache with its sync. Tests drive it headless against the
//! real native server.

pub mod account;
pub mod api;
pub mod auth;
pub mod cache;
pub mod credits;
pub mod device_data;
pub mod error;
pub mod export;
pub mod generations;
pub mod image_bytes;
pub mod legal;
pub mod library;
pub mod session;
pub mod sync;
pub mod telemetry;

pub use api::{ApiClient, ApiClientOptions, Language};
pub use auth::{Auth, AuthState, Refresh, Storage};
pub use error::{ClientError, Code, LocalCode};

/// The backend a fresh install talks to: the embedded native server's default address.
pub const DEFAULT_API_URL: &str = "http://127.0.0.1:8787";
