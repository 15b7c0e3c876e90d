//! `cargo xtask bench latency`: the time from the kie simulator marking a task done to the image
//! being listed by atelier-client, p50 and p95 over 50 generations, by the callback path and by the
//! polling path (the server's real 2 s background interval and kie's recommended back-off); and by
//! the live path: kie's callback, then the desktop library's live watch (one waiting sync request)
//! until its change notification names the generation finished, nobody polling it. Everything runs
//! in this process on 127.0.0.1: the simulators, the native server, the client. Ends with one line,
//! `bench latency: callback_p50_ms=… … live_p95_ms=…`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark's setup failing should stop it loudly

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use atelier_api::generations::NewGeneration;
use atelier_client::api::IdempotencyKey;
use atelier_client::library::Library;
use atelier_client::session::{MemoryStore, SessionToken};
use atelier_client::{ApiClient, ApiClientOptions, Auth};
use atelier_simulators::{KieSettings, SimulatorOptions, Simulators};
use atelier_test_kit::{Service, ServiceOptions};

const GENERATIONS: usize = 50;
const AT_ONCE: usize = 10;

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

async fn sign_in(world: &Service, email: &str) -> (ApiClient, SessionToken) {
    let api = ApiClient::new(ApiClientOptions::new(&world.url)).unwrap();
    let store = Arc::new(MemoryStore::default());
    let auth = Auth::new(api, Box::new(move || Ok(store.clone())));
    world.sign_in_by_mail(&auth, email).await;
    (auth.api().clone(), auth.token().await.unwrap())
}

/// Creates one generation and returns its added latency in ms: seen listed with its image by the
/// client, minus the instant kie marked the task done.
async fn one(sims: &Simulators, api: &ApiClient, token: &SessionToken, prompt: String) -> i64 {
    let generation = create(api, token, &prompt).await;
    loop {
        let g = api.generation(token, &generation).await.unwrap();
        if !g.images.is_empty() {
            return now_ms() - kie_done(sims, &prompt);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Starts a generation of one image; its id.
async fn create(api: &ApiClient, token: &SessionToken, prompt: &str) -> String {
    let body = NewGeneration {
        conversation_id: None,
        prompt: prompt.to_owned(),
        model: "nano-banana".into(),
        aspect_ratio: "1:1".into(),
        count: 1,
        input_images: Vec::new(),
    };
    api.create_generation(token, &IdempotencyKey::new(), &body)
        .await
        .unwrap()
        .id
}

/// When the kie simulator marked the task of `prompt` done.
fn kie_done(sims: &Simulators, prompt: &str) -> i64 {
    sims.kie()
        .tasks()
        .into_iter()
        .find(|t| t.prompt == prompt)
        .and_then(|t| t.complete_time)
        .unwrap()
}

/// The live path for one batch: a device's library with its watch running; the generations are
/// only created, then each one's latency is the arrival of the notification naming it finished
/// (its rows are in the cache by then) minus kie's completion.
async fn live_batch(world: &Service, batch: usize) -> Vec<i64> {
    let api = ApiClient::new(ApiClientOptions::new(&world.url)).unwrap();
    let store = Arc::new(MemoryStore::default());
    let auth = Arc::new(Auth::new(api, Box::new(move || Ok(store.clone()))));
    world
        .sign_in_by_mail(&auth, &format!("live{batch}@example.com"))
        .await;
    let dir = tempfile::tempdir().unwrap();
    let library = Library::open(dir.path(), auth.api().clone()).await.unwrap();
    let mut changes = library.engine().subscribe_changes();
    let watch = tokio::spawn({
        let (library, auth) = (library.clone(), auth.clone());
        async move { library.live(&auth).await }
    });
    let token = auth.token().await.unwrap();
    let mut prompts = HashMap::new();
    for i in 0..AT_ONCE {
        let prompt = format!("live latency {batch}-{i}");
        prompts.insert(create(auth.api(), &token, &prompt).await, prompt);
    }
    let mut latencies = Vec::new();
    while latencies.len() < AT_ONCE {
        let change = tokio::time::timeout(Duration::from_secs(60), changes.recv())
            .await
            .expect("no notification within 60 s")
            .unwrap();
        let told = now_ms();
        for id in &change.finished_generations {
            if let Some(prompt) = prompts.remove(id) {
                latencies.push(told - kie_done(&world.sims, &prompt));
            }
        }
    }
    library.close().await;
    watch.await.unwrap();
    latencies
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// The latencies of one path, in ms, with its p50 and p95.
struct Figures {
    p50: i64,
    p95: i64,
}

async fn run(path: &str, callbacks: bool, live: bool) -> Figures {
    let mut options = SimulatorOptions::unlimited();
    options.kie.settings = KieSettings {
        callbacks,
        ..KieSettings::default()
    };
    let world = Service::start_with(ServiceOptions {
        simulators: options,
        test_mode: false,
    })
    .await;
    let platform = world.platform().clone();
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
        clock.advance(11_000);
        if live {
            latencies.extend(live_batch(&world, batch).await);
            continue;
        }
        let (api, token) = sign_in(&world, &format!("bench{batch}@example.com")).await;
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
    let figures = Figures {
        p50: percentile(&latencies, 0.5),
        p95: percentile(&latencies, 0.95),
    };
    println!(
        "latency, {path} path: p50 {} ms, p95 {} ms, max {} ms over {} generations",
        figures.p50,
        figures.p95,
        latencies.last().copied().unwrap_or_default(),
        latencies.len()
    );
    figures
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
    let callback = run("callback", true, false).await;
    let polling = run("polling", false, false).await;
    let live = run("live", true, true).await;
    println!(
        "bench latency: callback_p50_ms={} callback_p95_ms={} polling_p50_ms={} polling_p95_ms={} live_p50_ms={} live_p95_ms={}",
        callback.p50, callback.p95, polling.p50, polling.p95, live.p50, live.p95
    );
}
