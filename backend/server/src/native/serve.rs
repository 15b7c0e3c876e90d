//! Running the native server: options from the environment, the listener, background tasks,
//! graceful shutdown.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use atelier_api::{ErrorBody, ErrorCode};
use axum::response::IntoResponse;
use tower_http::catch_panic::CatchPanicLayer;

use super::{Clock, NativePlatform};
use crate::config::Config;
use crate::error::InternalDetail;
use crate::error_reports;

/// How the native binary is started; each field is an environment variable (README.md).
#[derive(Debug, Clone)]
pub struct NativeOptions {
    /// `ATELIER_LISTEN`; port 0 picks a free port (the chosen address is printed).
    pub listen: SocketAddr,
    /// `ATELIER_DATA_DIR`: the SQLite files and the blob folder.
    pub data_dir: PathBuf,
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";
pub const DEFAULT_DATA_DIR: &str = ".atelier/server";

/// `ATELIER_LISTEN` does not parse as a socket address.
#[derive(Debug, thiserror::Error)]
#[error("ATELIER_LISTEN={value:?} is not an address like 127.0.0.1:8787: {source}")]
pub struct ListenError {
    value: String,
    source: std::net::AddrParseError,
}

impl NativeOptions {
    pub fn from_env() -> Result<Self, ListenError> {
        let value = std::env::var("ATELIER_LISTEN").unwrap_or_else(|_| DEFAULT_LISTEN.to_owned());
        let listen = value
            .parse()
            .map_err(|source| ListenError { value, source })?;
        let data_dir = std::env::var_os("ATELIER_DATA_DIR")
            .map_or_else(|| PathBuf::from(DEFAULT_DATA_DIR), PathBuf::from);
        Ok(Self { listen, data_dir })
    }
}

/// Test mode (its hooks move the clock and dump every row) only ever serves this machine.
#[derive(Debug, thiserror::Error)]
#[error(
    "ATELIER_TEST_MODE=1 needs ATELIER_LISTEN on a loopback address (127.0.0.1 or [::1]), not {0}: \
     the test hooks must never face a network"
)]
pub struct TestModeNotOnLoopback(pub SocketAddr);

/// A panic in a handler becomes the `internal` envelope instead of a dropped connection.
fn panic_response(panic: Box<dyn std::any::Any + Send>) -> axum::response::Response {
    tracing::error!("a request handler panicked");
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    let body = ErrorBody::new(ErrorCode::Internal, crate::error::GENERIC_INTERNAL_MESSAGE);
    let mut response = (
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(body),
    )
        .into_response();
    response.extensions_mut().insert(Panicked(InternalDetail {
        text: format!("a request handler panicked: {message}"),
        extra: None,
    }));
    response
}

/// Left on the answer by [`panic_response`]: the router's own reporting middleware never sees a
/// panic (it unwinds through it), so [`report_panics`], outside the panic catcher, reports it.
#[derive(Clone)]
struct Panicked(InternalDetail);

async fn report_panics(
    axum::extract::State(platform): axum::extract::State<NativePlatform>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    if let Some(Panicked(detail)) = response.extensions().get::<Panicked>() {
        let report = error_reports::Report {
            code: ErrorCode::Internal.as_str(),
            detail: Some(detail.clone()),
            // Outside the router: no route was matched as far as this layer knows.
            origin: error_reports::Origin::Request {
                method,
                route: None,
            },
        };
        error_reports::send_later(&platform, report);
    }
    response
}

/// Opens the platform, binds, prints `atelier-server listening on http://ADDR` on stdout (tests and
/// the dev command read it), and serves until SIGINT or SIGTERM.
pub async fn serve(
    options: NativeOptions,
    mut config: Config,
) -> Result<(), Box<dyn std::error::Error>> {
    if config.test_mode && !options.listen.ip().is_loopback() {
        return Err(Box::new(TestModeNotOnLoopback(options.listen)));
    }
    if config.auth_secret.is_none() {
        config.auth_secret = Some(local_auth_secret(&options.data_dir)?);
    }
    let platform = NativePlatform::open(&options.data_dir, config, Clock::default()).await?;
    let listener = tokio::net::TcpListener::bind(options.listen).await?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, data_dir = %options.data_dir.display(), "serving");
    println!("atelier-server listening on http://{addr}");

    let sweeper = platform.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            if let Err(e) = sweeper.sweep_expired_kv().await {
                tracing::warn!(error = %e, "KV sweep failed");
            }
        }
    });

    // Background work (kie submissions that waited, polls, time-outs): the same function the
    // Worker's cron handler calls, every 2 s here. In test mode the suite runs it through
    // `/__test/tick` instead, as it must for the Worker (whose cron does not fire under
    // `wrangler dev`), so both runtimes are tested alike.
    if !crate::platform::Platform::config(&platform).test_mode {
        let background = platform.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(2));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = crate::background::tick(&background).await {
                    tracing::warn!(error = ?e.body, "background tick failed");
                    error_reports::report_background_failure(&background, &e).await;
                }
            }
        });
    }

    let app = crate::router(platform.clone())
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(axum::middleware::from_fn_with_state(
            platform,
            report_panics,
        ));
    // Connect info gives handlers the peer address (the client IP for rate limits and sign-ins).
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

/// A secret made once and kept in the data folder (owner-only), for a native server started
/// without `ATELIER_AUTH_SECRET`: codes stay verifiable across restarts.
fn local_auth_secret(data_dir: &std::path::Path) -> std::io::Result<crate::config::Secret> {
    let path = data_dir.join("auth-secret");
    match std::fs::read_to_string(&path) {
        Ok(s) if s.trim().len() >= 32 => return Ok(crate::config::Secret::new(s.trim())),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    std::fs::create_dir_all(data_dir)?;
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(std::io::Error::other)?;
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(&path)?, secret.as_bytes())?;
    Ok(crate::config::Secret::new(secret))
}
