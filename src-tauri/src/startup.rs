//! Where start-up time goes: each phase (the process's start, Tauri's setup, the page loaded,
//! the library opened, the first image served) is logged once as `startup: <phase>
//! epoch_ms=<ms>` at info level under the target `atelier_desktop::startup`, and
//! `cargo xtask bench startup` lines them up with the UI's `atelier:<phase>` performance marks.
//! Epoch milliseconds, because the webview's clock (`performance.timeOrigin`) is the other
//! half of the picture.

use std::sync::Once;
use std::time::{SystemTime, UNIX_EPOCH};

/// Logs `phase` now.
pub fn mark(phase: &str) {
    let epoch_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    tracing::info!(target: "atelier_desktop::startup", "startup: {phase} epoch_ms={epoch_ms}");
}

/// Logs `phase` the first time only (`once` is the phase's own).
pub fn mark_once(once: &Once, phase: &str) {
    once.call_once(|| mark(phase));
}
