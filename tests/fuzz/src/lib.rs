//! Fuzz targets over everything Atelier reads from outside: the JSON bodies (and query strings)
//! of the service's routes, Creem's signed webhooks, kie's `recordInfo` answers and callbacks, the
//! sync pages the desktop applies, and the image bytes the service decodes (kie's results and uploads).
//!
//! Each target is a plain `fn(&[u8])` that panics when a rule is broken: a panic, a 500, an
//! error that is not the `{code, message}` envelope, a page half-applied. Two drivers run them:
//!
//! - `tests/smoke.rs` (`cargo test`, part of `cargo xtask test rust`): every committed corpus
//!   file, then a few thousand inputs mutated from it by [`mutate`], in a few seconds;
//! - `fuzz/` at the repository root (cargo-fuzz layout, its own workspace): libFuzzer with
//!   coverage feedback, `cargo xtask fuzz --long` for millions of executions.
//!
//! Corpora live in `fuzz/corpus/<target>/`, kept small (`cargo xtask fuzz --minimize`).

#![allow(clippy::expect_used)] // a harness whose set-up fails should stop loudly

pub mod input;
pub mod mutate;
pub mod service;
pub mod targets;

/// A target: takes any bytes, panics when a rule is broken.
pub type Target = fn(&[u8]);

/// Every target by name: the name is its corpus folder and its libFuzzer binary.
pub const TARGETS: &[(&str, Target)] = &[
    ("api_json", targets::api_json::run),
    ("routes", targets::routes::run),
    ("creem_webhook", targets::creem_webhook::run),
    ("kie_record", targets::kie::record),
    ("kie_callback", targets::kie::callback),
    ("sync_page", targets::sync_page::run),
    ("image_decode", targets::image_decode::run),
    ("upload", targets::upload::run),
];

/// The target called `name`.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}
