//! Shared helpers for the integration tests: clients with and without a User-Agent, and
//! simulators with settings suited to fast tests.

#![allow(dead_code)]

pub mod creem;
pub mod inputs;
pub mod kie;

use std::time::{Duration, Instant};

use atelier_simulators::{SimulatorOptions, Simulators, spawn};
use serde_json::Value;

/// Every request gives up after this long, so no test can hang.
pub const TIMEOUT: Duration = Duration::from_secs(15);

/// A client that behaves like Atelier's (it sends a User-Agent).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent("atelier-simulator-tests/1")
        .timeout(TIMEOUT)
        .build()
        .expect("client builds")
}

/// A client that sends no User-Agent (reqwest's default), as a careless integration would.
pub fn client_without_user_agent() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .build()
        .expect("client builds")
}

pub async fn start(options: SimulatorOptions) -> Simulators {
    spawn(options).await.expect("simulators start")
}

/// Default options with a short kie step so task lifecycles finish quickly.
pub async fn start_default() -> Simulators {
    let mut options = SimulatorOptions::default();
    options.kie.settings.step_ms = 60;
    start(options).await
}

pub async fn json(response: reqwest::Response) -> Value {
    response.json().await.expect("JSON body")
}

/// Polls `check` every 20 ms until it yields a value or `limit` passes.
pub async fn eventually<T, F, Fut>(limit: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
