//! The desktop's logic without Tauri: today the HTTP client of the Atelier service. Tests drive it
//! headless against the real native server.

pub mod api;
pub mod error;

pub use api::{ApiClient, ApiClientOptions};
pub use error::ClientError;

/// The backend a fresh install talks to: the embedded native server's default address.
pub const DEFAULT_API_URL: &str = "http://127.0.0.1:8787";
