//! Error reports (Sentry), on only when a DSN is configured. They need no consent, so they must
//! carry nothing personal: `server_name` is a fixed name rather than the computer's, default PII
//! is off, and every event passes `atelier_api::scrub` twice: in `before_send` (Rust panics and
//! errors, and the webview's events that tauri-plugin-sentry forwards) and again in the transport,
//! which also catches envelopes the plugin forwards raw and drops what cannot be checked
//! (attachments, minidumps).

use std::sync::Arc;
use std::time::Duration;

use atelier_api::scrub::{self, Known};
use sentry::protocol::Event;
use sentry::{ClientOptions, Envelope, Transport, TransportFactory, TransportOptions};

use super::worker::{Deliver, Worker};

/// What every report names as its server: one name for every installation.
pub const SERVER_NAME: &str = "atelier-desktop";
/// Reports waiting to be sent; more are dropped until the sender catches up.
const QUEUE: usize = 30;
const TIMEOUT: Duration = Duration::from_secs(10);

/// The strings on this computer that identify its owner: the hostname, the login name and the
/// home folder's name. Redacted wherever they appear in a report.
pub fn personal_strings() -> Known {
    let mut known = Known::default();
    if let Some(host) = hostname::get().ok().and_then(|h| h.into_string().ok()) {
        known.add(host);
    }
    for var in ["USER", "USERNAME", "LOGNAME"] {
        if let Ok(name) = std::env::var(var) {
            known.add(name);
        }
    }
    if let Some(home) = dirs::home_dir() {
        known.add_home(home.display().to_string());
        if let Some(name) = home.file_name().and_then(|n| n.to_str()) {
            known.add(name);
        }
    }
    known
}

/// Scrubs one event the way every desktop report is scrubbed (the `before_send` hook). An event
/// that does not survive the round trip through JSON is dropped rather than sent unscrubbed.
pub fn scrub_event(event: Event<'static>, known: &Known) -> Option<Event<'static>> {
    let mut value = serde_json::to_value(&event).ok()?;
    scrub::scrub_event(&mut value, SERVER_NAME, known);
    serde_json::from_value(value).ok()
}

/// The Sentry options for `dsn`, or `None` when it is not a valid DSN (reports stay off).
pub fn client_options(dsn: &str) -> Option<ClientOptions> {
    let dsn = dsn
        .parse()
        .map_err(|e| tracing::warn!(error = %e, "ATELIER_SENTRY_DSN is not a DSN; error reports are off"))
        .ok()?;
    let known = Arc::new(personal_strings());
    let before_send_known = known.clone();
    // `ClientOptions` is non-exhaustive: set field by field.
    let mut options = ClientOptions::default();
    options.dsn = Some(dsn);
    options.release = Some(format!("atelier-desktop@{}", env!("CARGO_PKG_VERSION")).into());
    options.server_name = Some(SERVER_NAME.into());
    options.send_default_pii = false;
    options.attach_stacktrace = false;
    options.max_breadcrumbs = 50;
    options.user_agent = crate::api::user_agent().into();
    options.before_send = Some(Arc::new(move |event| {
        scrub_event(event, &before_send_known)
    }));
    options.transport = Some(Arc::new(ScrubbingTransportFactory { known }));
    Some(options)
}

/// The process's error reporting. Keep it alive for the whole run: dropping it flushes.
pub struct ErrorReports {
    _guard: sentry::ClientInitGuard,
}

impl ErrorReports {
    /// Starts Sentry for the process when `dsn` is set and valid (binds the main hub, installs
    /// the panic handler); `None` otherwise.
    pub fn init(dsn: Option<&str>) -> Option<Self> {
        let options = client_options(dsn?)?;
        let guard = sentry::init(options);
        guard.is_enabled().then_some(Self { _guard: guard })
    }

    /// Sends what is queued, waiting at most `timeout`.
    pub fn flush(&self, timeout: Duration) -> bool {
        sentry::Hub::main()
            .client()
            .is_none_or(|client| client.flush(Some(timeout)))
    }
}

/// Builds [`ScrubbingTransport`]s for the DSN the client was given.
struct ScrubbingTransportFactory {
    known: Arc<Known>,
}

impl TransportFactory for ScrubbingTransportFactory {
    fn create_transport_with_options(&self, options: TransportOptions) -> Arc<dyn Transport> {
        let http = reqwest::Client::builder()
            .user_agent(options.user_agent.as_ref())
            .timeout(TIMEOUT)
            .build();
        let worker = http
            .map_err(|e| tracing::warn!(error = %e, "error-report client"))
            .ok()
            .and_then(|http| {
                Worker::spawn(
                    "atelier-error-reports",
                    QUEUE,
                    EnvelopeSender {
                        http,
                        url: options.dsn.envelope_api_url().to_string(),
                        auth: options
                            .dsn
                            .to_auth(Some(options.user_agent.as_ref()))
                            .to_string(),
                        known: self.known.clone(),
                    },
                )
            });
        Arc::new(ScrubbingTransport { worker })
    }
}

/// Sends envelopes from a background thread over our own HTTP client (rustls), scrubbing each
/// one again on the way out.
struct ScrubbingTransport {
    worker: Option<Worker<Vec<u8>>>,
}

impl Transport for ScrubbingTransport {
    fn send_envelope(&self, envelope: Envelope) {
        let Some(worker) = &self.worker else { return };
        let mut raw = Vec::new();
        if envelope.to_writer(&mut raw).is_ok() && !worker.push(raw) {
            tracing::debug!("error-report queue full; report dropped");
        }
    }

    fn flush(&self, timeout: Duration) -> bool {
        self.worker.as_ref().is_none_or(|w| w.flush(timeout))
    }
}

struct EnvelopeSender {
    http: reqwest::Client,
    url: String,
    auth: String,
    known: Arc<Known>,
}

impl Deliver<Vec<u8>> for EnvelopeSender {
    async fn deliver(&mut self, envelopes: Vec<Vec<u8>>) {
        for raw in envelopes {
            let body = scrub::scrub_envelope(&raw, SERVER_NAME, &self.known);
            let sent = self
                .http
                .post(&self.url)
                .header("X-Sentry-Auth", &self.auth)
                .header("Content-Type", "application/x-sentry-envelope")
                .body(body)
                .send()
                .await;
            match sent {
                Ok(response) if response.status().is_success() => {}
                Ok(response) => {
                    tracing::debug!(status = %response.status(), "error report refused")
                }
                Err(e) => tracing::debug!(error = %e, "error report not sent"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use sentry::protocol::{Breadcrumb, Exception, User, Value as SentryValue};

    use super::*;

    #[test]
    fn before_send_scrubs_the_sdk_types_and_keeps_the_rest() {
        let known = Known::new(["ana-laptop"]);
        let mut event = Event {
            message: Some("saving for ana@example.com in /home/ana/x failed".into()),
            server_name: Some("ana-laptop".into()),
            user: Some(User {
                email: Some("ana@example.com".into()),
                ..Default::default()
            }),
            level: sentry::Level::Error,
            ..Default::default()
        };
        event.exception.values.push(Exception {
            ty: "Error".into(),
            value: Some("from 198.51.100.4".into()),
            ..Default::default()
        });
        event.breadcrumbs.values.push(Breadcrumb {
            message: Some("typed".into()),
            data: [("prompt".to_owned(), SentryValue::from("a red fox"))]
                .into_iter()
                .collect(),
            ..Default::default()
        });
        event.extra.insert("host".into(), "ana-laptop".into());
        let id = event.event_id;
        let event = scrub_event(event, &known).unwrap();
        assert_eq!(event.event_id, id);
        assert_eq!(event.level, sentry::Level::Error);
        assert_eq!(
            event.message.as_deref(),
            Some("saving for [email] in ~/x failed")
        );
        assert_eq!(event.server_name.as_deref(), Some(SERVER_NAME));
        assert!(event.user.is_none());
        assert_eq!(
            event.exception.values[0].value.as_deref(),
            Some("from [ip]")
        );
        assert_eq!(event.breadcrumbs.values[0].data["prompt"], "[prompt]");
        assert_eq!(event.extra["host"], "[redacted]");
    }

    #[test]
    fn no_or_bad_dsn_means_no_reports() {
        assert!(ErrorReports::init(None).is_none());
        assert!(client_options("not a dsn").is_none());
        assert!(client_options("http://key@127.0.0.1:9/1").is_some());
    }
}
