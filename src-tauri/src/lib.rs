//! The Tauri shell: builds the app state, registers the commands, plugins and events, and runs
//! the window. Every command is a few lines over `atelier-client`; the logic lives there, where
//! tests reach it headless.

mod bindings;
mod commands;
mod deep_link;
mod error;
mod events;
mod images;
mod save_dialog;
mod startup;
mod state;
mod sync;

use std::process::ExitCode;

use atelier_client::Refresh;
use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event;

pub use bindings::{BINDINGS_PATH, export_bindings};

use crate::events::{AuthChangeReason, AuthChanged};
use crate::state::AppState;
use crate::sync::sync_in_background;

/// Runs the desktop app until its last window closes.
pub fn run() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    startup::mark("main");

    let state = AppState::from_env();
    tracing::info!(api_url = %state.api_url, "starting");
    // Before the window: Sentry first (its panic handler, and the client the plugin forwards the
    // webview's errors to), then the saved analytics choice.
    let telemetry = atelier_client::telemetry::Telemetry::start();
    let sentry_plugin = telemetry
        .sentry_client()
        .map(|c| tauri_plugin_sentry::init(&c));
    let commands = bindings::builder();
    let builder = match sentry_plugin {
        Some(plugin) => tauri::Builder::default().plugin(plugin),
        None => tauri::Builder::default(),
    };
    let app = builder
        // First: a second instance hands over its arguments (a sign-in link) and exits here.
        .plugin(tauri_plugin_single_instance::init(
            deep_link::second_instance,
        ))
        .plugin(tauri_plugin_deep_link::init())
        // OS notifications: the UI tells of a generation that finished while the window was in
        // the background.
        .plugin(tauri_plugin_notification::init())
        // Used from Rust only (copy image, save as, open the data folder): no JS permission.
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .manage(state)
        .manage(telemetry)
        .register_asynchronous_uri_scheme_protocol(images::SCHEME, images::handle)
        .invoke_handler(commands.invoke_handler())
        .on_page_load(|_, payload| {
            if payload.event() == tauri::webview::PageLoadEvent::Finished {
                startup::mark_once(&PAGE_LOADED, "page-loaded");
            }
        })
        .setup(move |app| {
            startup::mark("setup");
            bound_webview_caches(app.handle());
            open_library(app.handle().clone());
            commands.mount_events(app);
            deep_link::setup(app.handle());
            check_session(app.handle().clone());
            sync_in_background(app.handle().clone());
            app.state::<atelier_client::telemetry::Telemetry>()
                .track(atelier_client::telemetry::AnalyticsEvent::AppOpened);
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

static PAGE_LOADED: std::sync::Once = std::sync::Once::new();

/// Reads the saved session and opens (and checks) the signed-in account's library now, while
/// the webview starts, so the gallery's first query and images find it open. (Grid thumbnails
/// are made when first asked for: making the first screen's ahead of time here cost the first
/// start 1.2 s of CPU while the webview was painting.)
fn open_library<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let Ok(auth) = state.auth() else { return };
        if auth.state().await.user.is_none() {
            return;
        }
        startup::mark("session-read");
        if state.library().await.is_ok() {
            startup::mark("library-opened");
        }
    });
}

/// WebKitGTK's memory cache is sized for a web browser by default (a share of the RAM for
/// decoded images and pages it may show again): the gallery's thousands of thumbnails then
/// stay decoded long after they scrolled away. The document-viewer model keeps it minimal; an
/// `<img>` in view is unaffected, and the app's images come from its own cache on disk.
fn bound_webview_caches<R: Runtime>(app: &AppHandle<R>) {
    #[cfg(target_os = "linux")]
    for webview in app.webview_windows().into_values() {
        let _ = webview.with_webview(|platform| {
            use webkit2gtk::{CacheModel, WebContextExt, WebViewExt};
            if let Some(context) = platform.inner().context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = app;
}

/// Reads the saved session (the UI asks for it too, and waits for this) and checks it with the
/// service once, telling the UI when the account changed or the session has ended.
fn check_session<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let Ok(auth) = state.auth() else { return };
        let (state, reason) = match auth.refresh().await {
            Refresh::Unchanged => return,
            Refresh::Updated(state) => (state, AuthChangeReason::AccountUpdated),
            Refresh::Ended(state) => (state, AuthChangeReason::SessionEnded),
        };
        let _ = AuthChanged { state, reason }.emit(&app);
    });
}
