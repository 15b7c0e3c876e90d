//! `atelier://` links from the OS: `auth?token=…` signs in, `billing/return` (where the service's
//! page sends the person after a checkout) says the credits may have changed. A link may start the
//! app, or reach a second instance, which hands its arguments to the running one (single-instance
//! plugin) and exits. Either way the link is checked strictly and acted on here, in Rust; the UI
//! only hears the outcome through events. Links are never logged: they carry a sign-in token.

use atelier_client::auth::{LinkToken, parse_sign_in_link};
use tauri::{AppHandle, Manager, Runtime, Url};
use tauri_plugin_deep_link::DeepLinkExt;
use tauri_specta::Event;

use crate::error::AppError;
use crate::events::{
    AuthChangeReason, AuthChanged, CreditsChangeReason, CreditsChanged, SignInLink,
};
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
        if atelier_client::credits::is_checkout_return_link(url.as_str()) {
            checkout_returned(app);
            continue;
        }
        match parse_sign_in_link(url.as_str()) {
            Ok(token) => {
                let app = app.clone();
                tauri::async_runtime::spawn(async move { verify(&app, token).await });
            }
            Err(e) => tracing::warn!(error = %e, scheme = url.scheme(), "ignoring a link"),
        }
    }
}

/// Back from a checkout: a hint only (credits come with the service's webhook), so the UI looks
/// again at once and a sync brings whatever the webhook granted to the cache.
fn checkout_returned<R: Runtime>(app: &AppHandle<R>) {
    tracing::info!("back from a checkout");
    let _ = CreditsChanged {
        reason: CreditsChangeReason::CheckoutReturned,
    }
    .emit(app);
    app.state::<AppState>().sync_wanted.notify_one();
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
            app.state::<atelier_client::telemetry::Telemetry>()
                .track(atelier_client::telemetry::AnalyticsEvent::SignedIn);
            let _ = AuthChanged {
                state,
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
