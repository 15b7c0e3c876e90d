//! `cargo xtask bench latency`: the time from the kie simulator marking a task done to the image
//! being listed by atelier-client, p50 and p95 over 50 generations, by the callback path and by the
//! polling path (the server's real 2 s background interval and kie's recommended back-off).
//! Everything runs in this process on 127.0.0.1: the simulators, the native server, the client.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark's setup failing should stop it loudly

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use atelier_api::generations::NewGeneration;
use atelier_client::api::IdempotencyKey;
use atelier_client::session::{MemoryStore, SessionToken};
use atelier_client::{ApiClient, ApiClientOptions, Auth};
use atelier_simulators::{KieSettings, SimulatorOptions, Simulators};

#[path = "common/world.rs"]
mod world;

const GENERATIONS: usize = 50;
const AT_ONCE: usize = 10;

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

async fn sign_in(world: &world::World, email: &str) -> (ApiClient, SessionToken) {
    let api = ApiClient::new(ApiClientOptions::new(&world.url)).unwrap();
    let store = Arc::new(MemoryStore::default());
    let auth = Auth::new(api, Box::new(move || Ok(store.clone())));
    world::sign_in(world, &auth, email).await;
    (auth.api().clone(), auth.token().await.unwrap())
}

/// Creates one generation and returns its added latency in ms: seen listed with its image by the
/// client, minus the instant kie marked the task done.
async fn one(sims: &Simulators, api: &ApiClient, token: &SessionToken, prompt: String) -> i64 {
    let body = NewGeneration {
        conversation_id: None,
        prompt: prompt.clone(),
        model: "nano-banana".into(),
        aspect_ratio: "1:1".into(),
        count: 1,
        input_images: Vec::new(),
    };
    let generation = api
        .create_generation(token, &IdempotencyKey::new(), &body)
        .await
        .unwrap();
    loop {
        let g = api.generation(token, &generation.id).await.unwrap();
        if !g.images.is_empty() {
            let seen = now_ms();
            let done = sims
                .kie()
                .tasks()
                .into_iter()
                .find(|t| t.prompt == prompt)
                .and_then(|t| t.complete_time)
                .unwrap();
            return seen - done;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn run(path: &str, callbacks: bool) {
    let mut options = SimulatorOptions::unlimited();
    options.kie.settings = KieSettings {
        callbacks,
        ..KieSettings::default()
    };
    let world = world::start(options).await;
    let platform = world.platform.clone();
    // The native server's background interval, as `atelier-server` runs it.
    let background = platform.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(2));
        loop {
            tick.tick().await;
            let _ = atelier_server::background::tick(&background).await;
        }
    });
    let clock = platform.clock().clone();

    let mut latencies = Vec::new();
    for batch in 0..GENERATIONS / AT_ONCE {
        // A fresh account (100 credits) and a fresh kie submission window per batch.
        let (api, token) = sign_in(&world, &format!("bench{batch}@example.com")).await;
        clock.advance(11_000);
        let runs = (0..AT_ONCE).map(|i| {
            one(
                &world.sims,
                &api,
                &token,
                format!("{path} latency {batch}-{i}"),
            )
        });
        latencies.extend(join_all(runs).await);
    }
    latencies.sort_unstable();
    println!(
        "latency, {path} path: p50 {} ms, p95 {} ms, max {} ms over {} generations",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.95),
        latencies.last().copied().unwrap_or_default(),
        latencies.len()
    );
}

/// Runs futures concurrently on this task and collects their outputs in order.
async fn join_all<F: std::future::Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut pending: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut done: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut waiting = false;
        for (i, f) in pending.iter_mut().enumerate() {
            if done[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => done[i] = Some(v),
                    std::task::Poll::Pending => waiting = true,
                }
            }
        }
        if waiting {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    done.into_iter().flatten().collect()
}

#[tokio::main]
async fn main() {
    run("callback", true).await;
    run("polling", false).await;
}
