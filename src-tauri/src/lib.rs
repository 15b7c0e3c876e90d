//! The Tauri shell: builds the app state, registers the commands and runs the window. Every command
//! is a few lines over `atelier-client`; the logic lives there, where tests reach it headless.

mod bindings;
mod commands;
mod error;
mod state;

use std::process::ExitCode;

pub use bindings::{BINDINGS_PATH, export_bindings};

/// Runs the desktop app until its last window closes.
pub fn run() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();

    let state = state::AppState::from_env();
    tracing::info!(api_url = %state.api_url, "starting");
    let commands = bindings::builder();
    let app = tauri::Builder::default()
        .manage(state)
        .invoke_handler(commands.invoke_handler())
        .setup(move |app| {
            commands.mount_events(app);
            Ok(())
        })
        .run(tauri::generate_context!());
    match app {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "the app could not start");
            ExitCode::FAILURE
        }
    }
}
