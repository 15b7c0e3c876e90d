//! The kie harness of `upstream_kie*.rs`: fresh simulators with a native platform pointed at
//! them, stubs that answer what the simulator never does, and a bounded poll to the end.
#![allow(dead_code)] // each test file uses its own part

use std::future::Future;
use std::time::{Duration, Instant};

use atelier_server::config::Config;
use atelier_server::native::{Clock, NativePlatform};
use atelier_server::upstream::kie::{self, TaskRecord};
use atelier_simulators::{Faults, ForcedError, SimulatorOptions, Simulators};
use serde_json::{Value, json};
use tempfile::TempDir;

/// No test may run longer than this, whatever the simulators do.
pub const TEST_LIMIT: Duration = Duration::from_secs(60);
pub const MODEL: &str = "google/nano-banana";

pub async fn bounded<F: Future>(test: F) -> F::Output {
    tokio::time::timeout(TEST_LIMIT, test)
        .await
        .expect("the test finished in time")
}

pub struct Harness {
    pub sims: Simulators,
    pub platform: NativePlatform,
    _dir: TempDir,
}

/// The configuration the simulators' `env()` gives, with `overrides` applied (`None` unsets).
pub fn config(sims: &Simulators, overrides: &[(&str, Option<String>)]) -> Config {
    let env = sims.env();
    Config::from_lookup(|name| match overrides.iter().find(|(k, _)| *k == name) {
        Some((_, value)) => value.clone(),
        None => env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
    })
    .expect("config parses")
}

pub async fn open(config: Config) -> (TempDir, NativePlatform) {
    let dir = tempfile::tempdir().expect("tempdir");
    let platform = NativePlatform::open(dir.path(), config, Clock::default())
        .await
        .expect("platform opens");
    (dir, platform)
}

/// Fresh simulators (kie steps of `step_ms`) plus a native platform pointed at them.
pub async fn harness_with(step_ms: u64, overrides: &[(&str, Option<String>)]) -> Harness {
    let mut options = SimulatorOptions::unlimited();
    options.kie.settings.step_ms = step_ms;
    let sims = atelier_simulators::spawn(options)
        .await
        .expect("simulators start");
    let (dir, platform) = open(config(&sims, overrides)).await;
    Harness {
        sims,
        platform,
        _dir: dir,
    }
}

pub async fn harness() -> Harness {
    harness_with(50, &[]).await
}

pub fn input(prompt: &str) -> Value {
    json!({ "prompt": prompt, "output_format": "png", "image_size": "1:1" })
}

/// Forces `error` on the next kie API request only.
pub fn force_once(sims: &Simulators, error: ForcedError) {
    sims.kie()
        .set_faults(Faults {
            force: Some(error.times(1)),
            ..Faults::default()
        })
        .expect("faults set");
}

/// Polls every 20 ms until the task is terminal; returns every record seen, in order.
pub async fn poll_to_end(platform: &NativePlatform, task_id: &str) -> Vec<TaskRecord> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    loop {
        let record = kie::record_info(platform, task_id)
            .await
            .expect("recordInfo answers");
        assert_eq!(record.task_id, task_id);
        let done = record.state.is_terminal();
        seen.push(record);
        if done {
            return seen;
        }
        assert!(Instant::now() < deadline, "task {task_id} never finished");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Serves `body` with `status` for every request, on a free loopback port.
pub async fn stub(status: u16, body: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = axum::Router::new().fallback(move || async move {
        (
            axum::http::StatusCode::from_u16(status).expect("status"),
            body,
        )
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

/// A platform whose kie is a stub answering `status` and `body` to everything.
pub async fn stubbed(h: &Harness, status: u16, body: &'static str) -> (TempDir, NativePlatform) {
    let base = stub(status, body).await;
    open(config(&h.sims, &[("KIE_BASE_URL", Some(base))])).await
}
