//! Atelier's service inside a Cloudflare Worker: D1, R2, KV and fetch adapters for the
//! [`Platform`](atelier_server::platform::Platform), and the fetch handler that serves
//! `atelier_server::router` with them.
//!
//! Only `rows` (the D1 row normalisation, pure serde) builds natively, so its tests run with the
//! workspace's; everything else is wasm32-only and a native build sees an almost empty library.
//! Build the Worker with `cargo xtask` (worker-build), never with a plain native `cargo build`.

pub mod rows;

#[cfg(target_arch = "wasm32")]
mod blobs;
#[cfg(target_arch = "wasm32")]
mod entry;
#[cfg(target_arch = "wasm32")]
mod fetch;
#[cfg(target_arch = "wasm32")]
mod kv;
#[cfg(target_arch = "wasm32")]
mod platform;
#[cfg(target_arch = "wasm32")]
mod sql;

#[cfg(target_arch = "wasm32")]
pub use platform::{WorkerPlatform, bindings};
