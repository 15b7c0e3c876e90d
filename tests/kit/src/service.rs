//! The service of a test or benchmark: the real native server on a loopback port, with the
//! upstream simulators behind it. It can be stopped and started again on the same port and data,
//! as a network that goes away and comes back.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use atelier_client::api::RetryPolicy;
use atelier_client::session::{CredentialStore, MemoryStore, SessionToken};
use atelier_client::{ApiClient, ApiClientOptions, Auth, AuthState, Language};
use atelier_server::config::Config;
use atelier_server::native::{Clock, NativePlatform};
use atelier_simulators::{SimulatorOptions, Simulators};
use tokio::sync::oneshot;

use crate::mail::Mail;

/// How the world starts.
pub struct ServiceOptions {
    pub simulators: SimulatorOptions,
    /// The test hooks (`/__test/*`, `X-Atelier-Test-Ip`) answer, and no background work runs
    /// by itself (a test runs it with [`Service::tick`]). Off for benchmarks, which measure the
    /// service as it runs.
    pub test_mode: bool,
}

impl Default for ServiceOptions {
    fn default() -> Self {
        Self {
            simulators: SimulatorOptions::unlimited(),
            test_mode: true,
        }
    }
}

pub struct Service {
    pub sims: Simulators,
    pub url: String,
    addr: std::net::SocketAddr,
    dir: tempfile::TempDir,
    clock: Clock,
    test_mode: bool,
    platform: Option<NativePlatform>,
    stop: Option<(oneshot::Sender<()>, tokio::task::JoinHandle<()>)>,
}

impl Service {
    /// Test mode, simulators without rate limits.
    pub async fn start() -> Self {
        Self::start_with(ServiceOptions::default()).await
    }

    pub async fn start_with(options: ServiceOptions) -> Self {
        let sims = atelier_simulators::spawn(options.simulators).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut service = Self {
            sims,
            url: format!("http://{addr}"),
            addr,
            dir: tempfile::tempdir().unwrap(),
            clock: Clock::default(),
            test_mode: options.test_mode,
            platform: None,
            stop: None,
        };
        service.serve(listener).await;
        service
    }

    async fn serve(&mut self, listener: tokio::net::TcpListener) {
        let env: HashMap<String, String> = self.sims.env().into_iter().collect();
        let url = self.url.clone();
        let test_mode = self.test_mode;
        let config = Config::from_lookup(|name| match name {
            "ATELIER_AUTH_SECRET" => Some("client-tests-secret-0123456789abcdef".into()),
            "ATELIER_TEST_MODE" => test_mode.then(|| "1".into()),
            // kie calls back here, and the emailed link leads here.
            "ATELIER_PUBLIC_URL" => Some(url.clone()),
            other => env.get(other).cloned(),
        })
        .unwrap();
        let platform = NativePlatform::open(self.dir.path(), config, self.clock.clone())
            .await
            .unwrap();
        self.platform = Some(platform.clone());
        let app = atelier_server::router(platform);
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            // With the peer's address, as the native binary serves: sign-ins record the IP and
            // per-IP limits apply.
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        self.stop = Some((tx, task));
    }

    /// The server's platform: seed it, or read what it stores.
    pub fn platform(&self) -> &NativePlatform {
        self.platform.as_ref().expect("the service was started")
    }

    /// The network goes: the server stops answering (its data stays).
    pub async fn stop(&mut self) {
        if let Some((tx, task)) = self.stop.take() {
            let _ = tx.send(());
            task.abort();
            let _ = task.await;
        }
    }

    /// The network comes back: the same server, port and data.
    pub async fn restart(&mut self) {
        self.stop().await;
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.serve(listener).await;
    }

    /// Runs the server's background work once (test mode has no background task).
    pub async fn tick(&self) {
        self.test_hook("tick", serde_json::json!({})).await;
    }

    /// Moves the service's clock forward.
    pub async fn advance_clock(&self, ms: i64) {
        self.test_hook("clock", serde_json::json!({ "advance_ms": ms }))
            .await;
    }

    async fn test_hook(&self, name: &str, body: serde_json::Value) {
        let response = reqwest::Client::new()
            .post(format!("{}/__test/{name}", self.url))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
    }

    /// A client of the service with short timeouts and quick retries.
    pub fn client(&self) -> ApiClient {
        let mut options = ApiClientOptions::new(&self.url);
        options.request_timeout = Duration::from_secs(10);
        options.connect_timeout = Duration::from_secs(2);
        options.retry = RetryPolicy {
            attempts: 2,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
        };
        ApiClient::new(options).unwrap()
    }

    /// An `Auth` over `store`, nobody signed in, as the app builds one over the OS store.
    pub fn auth(&self, store: Arc<dyn CredentialStore>) -> Auth {
        Auth::new(self.client(), Box::new(move || Ok(store.clone())))
    }

    /// The newest sign-in mail to `email`.
    pub fn mail(&self, email: &str) -> Mail {
        let mail = self.sims.resend().last_email_to(email).unwrap();
        Mail::read(mail.subject, &mail.text.unwrap())
    }

    /// Signs `auth` in as `email` by the emailed code (a new account has 100 credits).
    pub async fn sign_in_by_mail(&self, auth: &Auth, email: &str) -> AuthState {
        auth.start(email, Language::English).await.unwrap();
        let code = self.mail(email).code;
        auth.verify_code(email, &code).await.unwrap()
    }

    /// An `Auth` over `store`, signed in as `email`, as a device does.
    pub async fn sign_in(&self, email: &str, store: Arc<dyn CredentialStore>) -> Auth {
        let auth = self.auth(store);
        self.sign_in_by_mail(&auth, email).await;
        auth
    }

    /// Signs `email` in, its session in memory: the client and the session.
    pub async fn signed_in(&self, email: &str) -> (ApiClient, SessionToken) {
        let auth = self.sign_in(email, Arc::new(MemoryStore::default())).await;
        let token = auth.token().await.unwrap();
        (auth.api().clone(), token)
    }

    /// A new account signed in as `email` through a client configured as the app's is (no
    /// test timeouts), its session in memory: the session keeper and the account's id.
    pub async fn signed_in_account(&self, email: &str) -> (Auth, String) {
        let api = ApiClient::new(ApiClientOptions::new(&self.url)).unwrap();
        let store = Arc::new(MemoryStore::default());
        let auth = Auth::new(api, Box::new(move || Ok(store.clone())));
        let state = self.sign_in_by_mail(&auth, email).await;
        (auth, state.user.unwrap().id)
    }

    /// The page the emailed link opens, and the `atelier://` link on it.
    pub async fn app_link_on_page(&self, link: &str) -> String {
        let page = reqwest::get(link).await.unwrap().text().await.unwrap();
        let start = page.find("atelier://auth?token=").unwrap();
        page[start..]
            .chars()
            .take_while(|c| !matches!(c, '"' | '\'' | '<' | ' '))
            .collect::<String>()
            .replace("&amp;", "&")
    }
}
