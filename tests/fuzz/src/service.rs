//! One service in this process for the route targets, started on first use and kept for the
//! process's life: the upstream simulators, the native platform in a temporary folder (listening
//! on 127.0.0.1 for kie's callbacks), an account signed in by its emailed code, a seeded
//! conversation with images, and an open Creem checkout. Targets call the router directly
//! (`oneshot`), without a socket.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use atelier_api::ErrorBody;
use atelier_server::config::Config;
use atelier_server::native::{Clock, NativePlatform};
use atelier_server::platform::{Sql, Statement};
use atelier_simulators::{SimulatorOptions, Simulators};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use tower::ServiceExt;

pub struct Service {
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
    pub platform: NativePlatform,
    pub sims: Simulators,
    /// The signed-in account's bearer token and id.
    pub token: String,
    pub account: String,
    /// A conversation, a generation and an image of the account (seeded).
    pub conversation: String,
    pub generation: String,
    pub image: String,
    /// The open checkout: our `request_id` and Creem's id.
    pub checkout_request: String,
    pub checkout_id: String,
    pub webhook_secret: String,
    next_ip: AtomicU32,
    _dir: tempfile::TempDir,
}

/// The one service, started on first use.
pub fn service() -> &'static Service {
    static SERVICE: OnceLock<Service> = OnceLock::new();
    SERVICE.get_or_init(Service::start)
}

/// What an answer was: its status and its whole body.
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Answer {
    /// The service's contract for any input at all: never a 500, and every error the
    /// `{code, message}` envelope with the status its code stands for.
    pub fn assert_coded(&self, what: &str) {
        let text = String::from_utf8_lossy(&self.body);
        assert_ne!(self.status, 500, "{what}: answered 500: {text}");
        if self.status >= 400 {
            let error: ErrorBody = serde_json::from_slice(&self.body).unwrap_or_else(|e| {
                panic!("{what}: {} without the envelope ({e}): {text}", self.status)
            });
            assert_eq!(
                error.code.http_status(),
                self.status,
                "{what}: code {} with status {}",
                error.code,
                self.status
            );
        }
    }
}

impl Service {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let dir = tempfile::tempdir().expect("a temporary folder");
        let (sims, platform, router) = runtime.block_on(async {
            let sims = atelier_simulators::spawn(SimulatorOptions::unlimited())
                .await
                .expect("the simulators");
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("a loopback port");
            let url = format!("http://{}", listener.local_addr().expect("its address"));
            let env: HashMap<String, String> = sims.env().into_iter().collect();
            let config = Config::from_lookup(|name| match name {
                "ATELIER_AUTH_SECRET" => Some("fuzz-secret-0123456789abcdef0123456".into()),
                "ATELIER_PUBLIC_URL" => Some(url.clone()),
                // Error reports would go to the Sentry simulator; a 500 fails the target anyway.
                "SENTRY_DSN" => None,
                other => env.get(other).cloned(),
            })
            .expect("the configuration");
            let platform = NativePlatform::open(dir.path(), config, Clock::default())
                .await
                .expect("the native platform");
            let router = atelier_server::router(platform.clone());
            let served = router
                .clone()
                .into_make_service_with_connect_info::<SocketAddr>();
            tokio::spawn(async move { axum::serve(listener, served).await });
            (sims, platform, router)
        });
        let webhook_secret = sims.creem().webhook_secret();
        let mut service = Self {
            runtime,
            router,
            platform,
            sims,
            token: String::new(),
            account: String::new(),
            conversation: String::new(),
            generation: String::new(),
            image: String::new(),
            checkout_request: String::new(),
            checkout_id: String::new(),
            webhook_secret,
            next_ip: AtomicU32::new(1),
            _dir: dir,
        };
        service.sign_in("fuzz@example.com");
        service.seed();
        service.open_checkout();
        service
    }

    /// Runs `future` on the service's runtime.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Sends `request` through the router, from a new loopback address each time (so the
    /// per-address limits stay out of the way), and reads the whole answer.
    pub fn send(&self, mut request: Request<Body>) -> Answer {
        let n = self.next_ip.fetch_add(1, Ordering::Relaxed);
        let ip = Ipv4Addr::from(0x7f00_0000 | (n & 0x00ff_ffff));
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((ip, 40_000))));
        let router = self.router.clone();
        self.block_on(async move {
            let response: Response<Body> = router.oneshot(request).await.expect("infallible");
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("an answer's body");
            Answer {
                status,
                content_type,
                body: body.to_vec(),
            }
        })
    }

    fn json(&self, method: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {}", self.token))
            .body(Body::from(body.to_string()))
            .expect("a request");
        let answer = self.send(request);
        assert!(
            answer.status < 300,
            "{method} {path}: {} {}",
            answer.status,
            String::from_utf8_lossy(&answer.body)
        );
        serde_json::from_slice(&answer.body).expect("a JSON answer")
    }

    fn sign_in(&mut self, email: &str) {
        let verifier = "fuzz-verifier-0123456789abcdefghijklmnopqrstuvwxyz";
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        self.json(
            "POST",
            "/v1/auth/start",
            serde_json::json!({"email": email, "code_challenge": challenge, "code_challenge_method": "S256"}),
        );
        let text = self
            .sims
            .resend()
            .last_email_to(email)
            .and_then(|m| m.text)
            .expect("the sign-in email");
        let code = text
            .lines()
            .map(str::trim)
            .find(|l| l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit()))
            .expect("a code in the email")
            .to_owned();
        let grant = self.json(
            "POST",
            "/v1/auth/verify",
            serde_json::json!({"email": email, "code": code, "code_verifier": verifier}),
        );
        self.token = grant["token"].as_str().expect("a token").to_owned();
        self.account = grant["user"]["id"].as_str().expect("an id").to_owned();
    }

    fn seed(&mut self) {
        self.block_on(atelier_test_kit::seed::seed(
            &self.platform,
            &self.account,
            2,
        ));
        let ids = self.block_on(async {
            self.platform
                .query(
                    Statement::new(
                        "SELECT id, generation_id, (SELECT conversation_id FROM generations g WHERE g.id = generation_id) AS conversation_id
                         FROM images WHERE account_id = ? LIMIT 1",
                    )
                    .bind(self.account.as_str()),
                )
                .await
                .expect("the seeded image")
        });
        let row = &ids[0];
        let text = |name: &str| {
            row.get(name)
                .and_then(|v| v.as_str())
                .expect(name)
                .to_owned()
        };
        self.image = text("id");
        self.generation = text("generation_id");
        self.conversation = text("conversation_id");
    }

    fn open_checkout(&mut self) {
        let checkout = self.json(
            "POST",
            "/v1/credits/checkout",
            serde_json::json!({"pack": "small"}),
        );
        self.checkout_id = checkout["checkout_id"]
            .as_str()
            .expect("a checkout id")
            .to_owned();
        let rows = self.block_on(async {
            self.platform
                .query(
                    Statement::new("SELECT request_id FROM checkouts WHERE creem_checkout_id = ?")
                        .bind(self.checkout_id.as_str()),
                )
                .await
                .expect("the checkout row")
        });
        self.checkout_request = rows[0]
            .get("request_id")
            .and_then(|v| v.as_str())
            .expect("a request id")
            .to_owned();
    }
}
