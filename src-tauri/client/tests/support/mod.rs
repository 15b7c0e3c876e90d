//! A service for client tests: the real native server on a loopback port, with the upstream
//! simulators behind it. It can be stopped and started again on the same port and data, as a
//! network that goes away and comes back.
#![allow(dead_code)] // each test file uses its own part

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use atelier_api::generations::{Generation, GenerationStatus, NewGeneration};
use atelier_api::sync::{ImageRecord, SyncChange, SyncKind, SyncRecord};
use atelier_client::api::IdempotencyKey;
use atelier_client::cache::Cache;

use atelier_client::api::RetryPolicy;
use atelier_client::session::{MemoryStore, SessionToken};
use atelier_client::{ApiClient, ApiClientOptions, Auth, Language};
use atelier_server::config::Config;
use atelier_server::native::{Clock, NativePlatform};
use atelier_simulators::{SimulatorOptions, Simulators};
use tokio::sync::oneshot;

pub struct Service {
    pub sims: Simulators,
    pub url: String,
    addr: std::net::SocketAddr,
    dir: tempfile::TempDir,
    clock: Clock,
    stop: Option<(oneshot::Sender<()>, tokio::task::JoinHandle<()>)>,
}

impl Service {
    pub async fn start() -> Self {
        let sims = atelier_simulators::spawn(SimulatorOptions::unlimited())
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut service = Self {
            sims,
            url: format!("http://{addr}"),
            addr,
            dir: tempfile::tempdir().unwrap(),
            clock: Clock::default(),
            stop: None,
        };
        service.serve(listener).await;
        service
    }

    async fn serve(&mut self, listener: tokio::net::TcpListener) {
        let env: HashMap<String, String> = self.sims.env().into_iter().collect();
        let url = self.url.clone();
        let config = Config::from_lookup(|name| match name {
            "ATELIER_AUTH_SECRET" => Some("client-tests-secret-0123456789abcdef".into()),
            "ATELIER_TEST_MODE" => Some("1".into()),
            // kie calls back here.
            "ATELIER_PUBLIC_URL" => Some(url.clone()),
            other => env.get(other).cloned(),
        })
        .unwrap();
        let platform = NativePlatform::open(self.dir.path(), config, self.clock.clone())
            .await
            .unwrap();
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
        let response = reqwest::Client::new()
            .post(format!("{}/__test/tick", self.url))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
    }

    /// Moves the service's clock forward.
    pub async fn advance_clock(&self, ms: i64) {
        let response = reqwest::Client::new()
            .post(format!("{}/__test/clock", self.url))
            .json(&serde_json::json!({ "advance_ms": ms }))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
    }

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

    /// Signs `email` in (a new account has 100 credits): the client and its session.
    pub async fn signed_in(&self, email: &str) -> (ApiClient, SessionToken) {
        let auth = self.sign_in(email, Arc::new(MemoryStore::default())).await;
        let token = auth.token().await.unwrap();
        (auth.api().clone(), token)
    }

    /// Signs `email` in by the emailed code, keeping the session in `store`, as a device does.
    pub async fn sign_in(&self, email: &str, store: Arc<MemoryStore>) -> Auth {
        let auth = Auth::new(self.client(), Box::new(move || Ok(store.clone())));
        auth.start(email, Language::English).await.unwrap();
        let text = self
            .sims
            .resend()
            .last_email_to(email)
            .unwrap()
            .text
            .unwrap();
        let code = text
            .lines()
            .map(str::trim)
            .find(|l| l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit()))
            .unwrap()
            .to_owned();
        auth.verify_code(email, &code).await.unwrap();
        auth
    }
}

pub async fn generate(
    api: &ApiClient,
    token: &SessionToken,
    prompt: &str,
    count: u32,
) -> Generation {
    let body = NewGeneration {
        conversation_id: None,
        prompt: prompt.to_owned(),
        model: "nano-banana".to_owned(),
        aspect_ratio: "1:1".to_owned(),
        count,
        input_images: Vec::new(),
    };
    let created = api
        .create_generation(token, &IdempotencyKey::new(), &body)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let g = api.generation(token, &created.id).await.unwrap();
        if g.status == GenerationStatus::Done {
            return g;
        }
        assert!(Instant::now() < deadline, "still {:?}", g.status);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The service's images for this account, read through sync from zero.
pub async fn server_images(api: &ApiClient, token: &SessionToken) -> BTreeMap<String, ImageRecord> {
    let mut state = BTreeMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = api.sync_page(token, cursor.as_deref(), 1000).await.unwrap();
        for change in page.changes {
            match change {
                SyncChange::Upsert {
                    record: SyncRecord::Image(i),
                    ..
                } => {
                    state.insert(i.id.clone(), i);
                }
                SyncChange::Delete {
                    kind: SyncKind::Image,
                    id,
                    ..
                } => {
                    state.remove(&id);
                }
                _ => {}
            }
        }
        cursor = Some(page.next_cursor);
        if !page.has_more {
            return state;
        }
    }
}

/// The cache's images: id → (sha256, favourite), and whether each thumbnail file verifies.
pub async fn cached_images(cache: &Cache) -> BTreeMap<String, (String, bool)> {
    let rows: Vec<(String, String, bool, String, bool)> = sqlx::query_as(
        "SELECT id, sha256, favourite, thumbnail_sha256, thumbnail_cached FROM images",
    )
    .fetch_all(cache.pool())
    .await
    .unwrap();
    rows.into_iter()
        .map(|(id, sha, favourite, thumb, cached)| {
            assert!(cached, "thumbnail of {id} not cached");
            assert!(
                cache.files().read_verified(&thumb).is_some(),
                "thumbnail file of {id} missing or corrupt"
            );
            (id, (sha, favourite))
        })
        .collect()
}

/// Cache and service agree on every image row, and every thumbnail file is there and intact.
pub async fn assert_agree(cache: &Cache, api: &ApiClient, token: &SessionToken) {
    let server: BTreeMap<String, (String, bool)> = server_images(api, token)
        .await
        .into_iter()
        .map(|(id, i)| (id, (i.sha256, i.favourite)))
        .collect();
    assert_eq!(cached_images(cache).await, server);
    let report = cache.check_integrity().await.unwrap();
    assert!(report.is_clean(), "{report:?}");
}
