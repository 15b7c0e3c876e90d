//! Starting, addressing and stopping a running set of simulators.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::{self, Services};
use crate::creem::{self, CreemSim, default_credit_packs_json};
use crate::kie::{self, KieSim};
use crate::options::SimulatorOptions;
use crate::posthog::PostHogSim;
use crate::resend::ResendSim;
use crate::sentry::SentrySim;

/// How long `shutdown` waits for open requests before cutting them off.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// A running set of simulators. Stops on `shutdown` or when dropped.
pub struct Simulators {
    addr: SocketAddr,
    public_base: String,
    services: Services,
    stop: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
}

/// Binds (to `127.0.0.1:0` unless `options.listen` says otherwise) and starts serving.
///
/// Refuses non-loopback addresses: the simulators accept any well-known key and must never be
/// reachable from another machine.
pub async fn spawn(options: SimulatorOptions) -> io::Result<Simulators> {
    let listen = options
        .listen
        .unwrap_or_else(|| SocketAddr::from((Ipv4Addr::LOCALHOST, 0)));
    if !listen.ip().is_loopback() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("refusing to listen on {listen}: the simulators only bind loopback addresses"),
        ));
    }
    let public_base = match &options.public_url {
        Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
            Some(url.trim_end_matches('/').to_owned())
        }
        Some(url) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("public URL {url:?} must start with http:// or https://"),
            ));
        }
        None => None,
    };
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let public_base = public_base.unwrap_or_else(|| format!("http://{addr}"));

    let services = Services {
        kie: KieSim::new(options.kie, public_base.clone()),
        creem: CreemSim::new(options.creem, public_base.clone()),
        resend: ResendSim::new(options.resend),
        posthog: PostHogSim::new(options.posthog),
        sentry: SentrySim::new(options.sentry),
    };
    let router = app::router(&services);
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(kie::run_callbacks(services.kie.clone(), stopped.clone()));
    tokio::spawn(creem::run_webhooks(services.creem.clone(), stopped.clone()));
    let mut signal = stopped;
    let server = tokio::spawn(async move {
        let until_stopped = async move {
            // Ends when `stop` sends or is dropped.
            let _ = signal.wait_for(|stop| *stop).await;
        };
        // Serving only fails if accepting fails for good; there is no one left to tell then.
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(until_stopped)
            .await;
    });
    Ok(Simulators {
        addr,
        public_base,
        services,
        stop,
        server: Some(server),
    })
}

impl Simulators {
    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (the bound address, whatever the public URL).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The base clients are given: the public URL if one was set, else `base_url()`.
    pub fn public_url(&self) -> String {
        self.public_base.clone()
    }

    /// `KIE_BASE_URL`: `{public}/kie`.
    pub fn kie_url(&self) -> String {
        format!("{}/kie", self.public_base)
    }

    /// `CREEM_BASE_URL`: `{public}/creem`.
    pub fn creem_url(&self) -> String {
        format!("{}/creem", self.public_base)
    }

    /// `RESEND_BASE_URL`: `{public}/resend`.
    pub fn resend_url(&self) -> String {
        format!("{}/resend", self.public_base)
    }

    /// `POSTHOG_HOST`: `{public}/posthog`.
    pub fn posthog_url(&self) -> String {
        format!("{}/posthog", self.public_base)
    }

    /// `SENTRY_DSN`: `http://<key>@127.0.0.1:PORT/sentry/<project_id>`.
    pub fn sentry_dsn(&self) -> String {
        let (scheme, rest) = self
            .public_base
            .split_once("://")
            .unwrap_or(("http", self.public_base.as_str()));
        format!(
            "{scheme}://{}@{rest}/sentry/{}",
            self.services.sentry.public_key(),
            self.services.sentry.project_id()
        )
    }

    /// The configuration Atelier's server needs to talk to these simulators.
    /// `KIE_WEBHOOK_HMAC_KEY` is left out when callbacks are unsigned. `ATELIER_CREDIT_PACKS`
    /// maps Atelier's credit packs onto the Creem simulator's default products.
    /// `ATELIER_ALLOW_LOCAL_RESULTS` lets the service download results over plain http from
    /// 127.0.0.1, where the kie simulator's file host serves them.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            ("KIE_BASE_URL", self.kie_url()),
            ("KIE_API_KEY", self.services.kie.api_key().to_owned()),
            ("ATELIER_ALLOW_LOCAL_RESULTS", "1".to_owned()),
        ];
        if let Some(key) = self.services.kie.hmac_key() {
            env.push(("KIE_WEBHOOK_HMAC_KEY", key.to_owned()));
        }
        env.extend([
            ("CREEM_BASE_URL", self.creem_url()),
            ("CREEM_API_KEY", self.services.creem.api_key().to_owned()),
            ("CREEM_WEBHOOK_SECRET", self.services.creem.webhook_secret()),
            ("ATELIER_CREDIT_PACKS", default_credit_packs_json()),
            ("RESEND_BASE_URL", self.resend_url()),
            ("RESEND_API_KEY", self.services.resend.api_key().to_owned()),
            ("POSTHOG_HOST", self.posthog_url()),
            ("POSTHOG_KEY", self.services.posthog.api_key().to_owned()),
            ("SENTRY_DSN", self.sentry_dsn()),
        ]);
        env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }

    pub fn kie(&self) -> &KieSim {
        &self.services.kie
    }

    pub fn creem(&self) -> &CreemSim {
        &self.services.creem
    }

    pub fn resend(&self) -> &ResendSim {
        &self.services.resend
    }

    pub fn posthog(&self) -> &PostHogSim {
        &self.services.posthog
    }

    pub fn sentry(&self) -> &SentrySim {
        &self.services.sentry
    }

    /// Clears all recorded state and faults and restores start-up settings and rules.
    pub fn reset(&self) {
        self.services.reset();
    }

    /// Stops accepting, lets open requests finish for up to 2 s, then cuts them off.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(mut server) = self.server.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut server)
                .await
                .is_err()
        {
            server.abort();
        }
    }
}

impl Drop for Simulators {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
