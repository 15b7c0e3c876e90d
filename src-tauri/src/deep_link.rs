//! `atelier://auth?token=…` from the OS to a signed-in app. The link may start the app, or reach
//! a second instance, which hands its arguments to the running one (single-instance plugin) and
//! exits. Either way the link is checked strictly and verified here, in Rust; the UI only hears
//! the outcome through events. Links are never logged: they carry a sign-in token.

use atelier_client::auth::{LinkToken, parse_sign_in_link};
use tauri::{AppHandle, Manager, Runtime, Url};
use tauri_plugin_deep_link::DeepLinkExt;
use tauri_specta::Event;

use crate::error::AppError;
use crate::events::{AuthChangeReason, AuthChanged, SignInLink};
use crate::state::AppState;

/// The second instance's arguments reached this one (the deep-link plugin has already seen
/// them): bring the window forward, so the person sees the sign-in happen.
pub fn second_instance<R: Runtime>(app: &AppHandle<R>, _args: Vec<String>, _cwd: String) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Registers the scheme where the OS allows it at run time, then handles the link the app was
/// started with and every later one.
pub fn setup<R: Runtime>(app: &AppHandle<R>) {
    // macOS registers through the bundle's Info.plist; Linux and Windows at run time, so an
    // unpacked build (or an AppImage) handles links too.
    #[cfg(any(target_os = "linux", windows))]
    if let Err(e) = app.deep_link().register_all() {
        tracing::warn!(error = %e, "could not register the atelier:// scheme");
    }
    let handle = app.clone();
    app.deep_link()
        .on_open_url(move |event| open(&handle, event.urls()));
    match app.deep_link().get_current() {
        Ok(Some(urls)) => open(app, urls),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "could not read the link the app was opened with"),
    }
}

fn open<R: Runtime>(app: &AppHandle<R>, urls: Vec<Url>) {
    for url in urls {
        match parse_sign_in_link(url.as_str()) {
            Ok(token) => {
                let app = app.clone();
                tauri::async_runtime::spawn(async move { verify(&app, token).await });
            }
            Err(e) => tracing::warn!(error = %e, scheme = url.scheme(), "ignoring a link"),
        }
    }
}

async fn verify<R: Runtime>(app: &AppHandle<R>, token: LinkToken) {
    let state = app.state::<AppState>();
    let auth = match state.auth() {
        Ok(auth) => auth,
        Err(error) => {
            let _ = SignInLink::Failed { error }.emit(app);
            return;
        }
    };
    let _ = SignInLink::Verifying.emit(app);
    match auth.verify_link(&token).await {
        Ok(state) => {
            tracing::info!("signed in by link");
            app.state::<crate::telemetry::Telemetry>()
                .track(atelier_client::telemetry::AnalyticsEvent::SignedIn);
            let _ = AuthChanged {
                state: state.into(),
                reason: AuthChangeReason::SignedInByLink,
            }
            .emit(app);
        }
        Err(e) => {
            tracing::info!(code = %e.code(), "the sign-in link did not sign in");
            let _ = SignInLink::Failed {
                error: AppError::from(e),
            }
            .emit(app);
        }
    }
}
