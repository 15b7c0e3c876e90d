//! The world of a benchmark, in its own process on 127.0.0.1: the upstream simulators and the
//! native server pointed at them, and signing an account in by the code the Resend simulator
//! received.
#![allow(dead_code)] // each benchmark uses its own part

use std::collections::HashMap;

use std::sync::Arc;

use atelier_client::session::MemoryStore;
use atelier_client::{ApiClient, ApiClientOptions, Auth, AuthState, Language};
use atelier_server::config::Config;
use atelier_server::native::{Clock, NativePlatform};
use atelier_simulators::{SimulatorOptions, Simulators};

pub struct World {
    pub sims: Simulators,
    pub url: String,
    /// The server's platform: seed it, move its clock, run its background work.
    pub platform: NativePlatform,
    _dir: tempfile::TempDir,
}

pub async fn start(options: SimulatorOptions) -> World {
    let sims = atelier_simulators::spawn(options).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let env: HashMap<String, String> = sims.env().into_iter().collect();
    let config = Config::from_lookup(|name| match name {
        "ATELIER_AUTH_SECRET" => Some("bench-secret-0123456789abcdef0123".into()),
        "ATELIER_PUBLIC_URL" => Some(url.clone()),
        other => env.get(other).cloned(),
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let platform = NativePlatform::open(dir.path(), config, Clock::default())
        .await
        .unwrap();
    let app = atelier_server::router(platform.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    World {
        sims,
        url,
        platform,
        _dir: dir,
    }
}

/// Signs `email` in through `auth` with the emailed code (a new account has 100 credits).
pub async fn sign_in(world: &World, auth: &Auth, email: &str) -> AuthState {
    auth.start(email, Language::English).await.unwrap();
    let text = world
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
    auth.verify_code(email, &code).await.unwrap()
}

/// A new account signed in as `email`, its session in memory: the session keeper and the id.
pub async fn signed_in(world: &World, email: &str) -> (Auth, String) {
    let api = ApiClient::new(ApiClientOptions::new(&world.url)).unwrap();
    let store = Arc::new(MemoryStore::default());
    let auth = Auth::new(api, Box::new(move || Ok(store.clone())));
    let state = sign_in(world, &auth, email).await;
    (auth, state.user.unwrap().id)
}
