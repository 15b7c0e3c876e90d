//! `cargo xtask bench load`: many desktop clients against the native server at once, for a fixed
//! time, over the mix of requests a running app makes, reporting requests/s, p50/p99 latency and
//! errors, overall and per kind of request, and where the CPU went.
//!
//! The server is the release `atelier-server` binary (`ATELIER_SERVER_BIN`, built by the xtask),
//! in its own process, as deployed: its own data folder, `ATELIER_TRUST_FORWARDED_FOR=1` (behind a
//! proxy, so each sign-in comes from its own address), the upstream simulators in this process.
//! Accounts sign in by their emailed code; their libraries are seeded straight into the server's
//! database by `atelier_server::seeding`. Each client is its own HTTP client
//! (its own keep-alive connection) that sends one request after another, as an app does:
//!
//! | share | request |
//! | --- | --- |
//! | 40 % | `GET /v1/sync?cursor=…&limit=500`: 80 % at the head (nothing new, the periodic sync), 18 % 10–20 changes behind (another device generated), 2 % from the start (a new device: a full page) |
//! | 15 % | `GET /v1/credits/ledger` |
//! | 20 % | `GET /v1/generations/{id}` (a generation's status) |
//! | 20 % | `GET /v1/images/{id}/thumbnail` (image bytes, about 20 KB) |
//! | 5 % | `POST /v1/auth/start` (a sign-in email, through the Resend simulator) |
//!
//! Then the same clients send only the sync requests, for a third of the time: the sync route's own
//! capacity. `ATELIER_LOAD_CLIENTS` (200) and `ATELIER_LOAD_SECONDS` (30) change the load; 3 s of
//! warm-up before each phase are not counted. CPU time is read from `/proc` over the measured window: the server's process
//! (its tokio workers and its SQLite threads apart) and this one's client and simulator threads.
//! Everything listens on 127.0.0.1 and stops by itself. The last line is
//! `bench load: clients=… seconds=… rps=… p50_ms=… p99_ms=… errors=… sync_rps=… sync_only_rps=… …`
//! (`rps`, the percentiles and `sync_rps` are the mix's; `errors` counts both phases).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark's set-up failing should stop it loudly

use std::collections::{BTreeMap, HashMap};
use std::process::Child;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use atelier_server::config::Config;
use atelier_server::native::{Clock, NativePlatform};
use atelier_server::seeding;
use atelier_simulators::{SimulatorOptions, Simulators};

mod accounts;
mod cpu;

use accounts::*;
use cpu::*;

const ACCOUNTS: usize = 20;
const IMAGES_PER_ACCOUNT: u64 = 200;
const WARM_UP: Duration = Duration::from_secs(3);
const SYNC_LIMIT: u32 = 500;
const AUTH_SECRET: &str = "load-bench-secret-0123456789abcdef0123";

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Op {
    /// At the head: nothing new.
    SyncHead,
    /// 10–20 changes behind.
    SyncRecent,
    /// From the start: a full page.
    SyncFull,
    Ledger,
    GenerationStatus,
    ImageBytes,
    SignInStart,
}

impl Op {
    const ALL: [Op; 7] = [
        Op::SyncHead,
        Op::SyncRecent,
        Op::SyncFull,
        Op::Ledger,
        Op::GenerationStatus,
        Op::ImageBytes,
        Op::SignInStart,
    ];

    fn name(self) -> &'static str {
        match self {
            Op::SyncHead => "sync_head",
            Op::SyncRecent => "sync_recent",
            Op::SyncFull => "sync_full",
            Op::Ledger => "ledger",
            Op::GenerationStatus => "generation",
            Op::ImageBytes => "thumbnail",
            Op::SignInStart => "sign_in_start",
        }
    }

    fn is_sync(self) -> bool {
        matches!(self, Op::SyncHead | Op::SyncRecent | Op::SyncFull)
    }

    /// A sync request: 80 % at the head, 18 % 10–20 changes behind, 2 % from the start.
    fn sync(roll: u64) -> Op {
        match roll % 100 {
            0..80 => Op::SyncHead,
            80..98 => Op::SyncRecent,
            _ => Op::SyncFull,
        }
    }

    /// The mix, in percent.
    fn pick(roll: u64, sync_roll: u64) -> Op {
        match roll % 100 {
            0..40 => Op::sync(sync_roll),
            40..55 => Op::Ledger,
            55..75 => Op::GenerationStatus,
            75..95 => Op::ImageBytes,
            _ => Op::SignInStart,
        }
    }
}

/// One signed-in account and what its requests name.
struct Account {
    token: String,
    /// Sync cursors every 10 changes, oldest first; the last is the head.
    cursors: Vec<String>,
    generations: Vec<String>,
    images: Vec<String>,
}

/// The server process, killed when dropped (also when the benchmark fails).
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// xorshift64*: each client's own choices, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

fn main() {
    let clients = env_number("ATELIER_LOAD_CLIENTS", 200) as usize;
    let seconds = env_number("ATELIER_LOAD_SECONDS", 30);
    let server_bin = std::env::var("ATELIER_SERVER_BIN")
        .expect("ATELIER_SERVER_BIN: the release atelier-server (cargo xtask bench load sets it)");

    // The simulators on a runtime of their own (one thread), so their CPU is told apart.
    let sims_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("sims")
        .enable_all()
        .build()
        .unwrap();
    let sims = sims_runtime
        .block_on(atelier_simulators::spawn(SimulatorOptions::unlimited()))
        .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_name("load-client")
        .enable_all()
        .build()
        .unwrap();
    let line = runtime.block_on(run(&sims, &server_bin, clients, seconds));
    println!("{line}");
}

async fn run(sims: &Simulators, server_bin: &str, clients: usize, seconds: u64) -> String {
    let dir = tempfile::tempdir().unwrap();
    let env: Vec<(String, String)> = sims.env();
    let server = start_server(server_bin, dir.path(), &env);
    println!("server {} (pid {})", server.url, server.child.id());

    // Accounts, signed in by their codes, then their libraries written into the server's database.
    let http = reqwest::Client::new();
    let mut tokens = Vec::new();
    for n in 0..ACCOUNTS {
        tokens.push(sign_in(&http, &server.url, sims, &format!("load{n}@example.com"), n).await);
    }
    let started = Instant::now();
    {
        let lookup: HashMap<String, String> = env.iter().cloned().collect();
        let config = Config::from_lookup(|name| match name {
            "ATELIER_AUTH_SECRET" => Some(AUTH_SECRET.into()),
            other => lookup.get(other).cloned(),
        })
        .unwrap();
        let platform = NativePlatform::open(dir.path(), config, Clock::default())
            .await
            .unwrap();
        for (a, (_, account)) in tokens.iter().enumerate() {
            seed_account(&platform, account, a as u64).await;
        }
    }
    println!(
        "{ACCOUNTS} accounts of {IMAGES_PER_ACCOUNT} images seeded in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let mut accounts = Vec::new();
    for (token, _) in tokens {
        accounts.push(walk(&http, &server.url, token).await);
    }
    let accounts = Arc::new(accounts);

    let accounts = Arc::new(accounts);
    let sign_ins = Arc::new(AtomicU64::new(0));

    let mixed = phase(&server, &accounts, &sign_ins, Mix::App, clients, seconds).await;
    mixed.print("the app's mix");
    let sync_seconds = seconds.div_ceil(3);
    let sync_only = phase(
        &server,
        &accounts,
        &sign_ins,
        Mix::SyncOnly,
        clients,
        sync_seconds,
    )
    .await;
    sync_only.print("the sync route alone");
    drop(server);
    // What the server logged while loaded: SQLite busy time-outs and failures would show here.
    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
    let warnings = log.lines().filter(|l| l.contains("WARN")).count();
    let errors = log.lines().filter(|l| l.contains("ERROR")).count();
    let busy = log
        .lines()
        .filter(|l| l.contains("database is locked") || l.contains("busy"))
        .count();
    println!("server log: {warnings} warnings, {errors} errors, {busy} SQLite busy/locked");

    let (sync_only_rps, _, sync_only_p99) = sync_only.figures(Op::is_sync);
    let (rps, p50, p99) = mixed.figures(|_| true);
    let (sync_rps, _, _) = mixed.figures(Op::is_sync);
    format!(
        "bench load: clients={clients} seconds={seconds} rps={rps:.0} p50_ms={p50:.2} p99_ms={p99:.2} errors={} sync_rps={sync_rps:.0} sync_only_rps={sync_only_rps:.0} sync_only_p99_ms={sync_only_p99:.2} server_cpu_cores={:.2} client_cpu_cores={:.2} other_cpu_cores={:.2}",
        mixed.errors() + sync_only.errors(),
        mixed.cores(&mixed.server_cpu, None),
        mixed.cores(&mixed.own_cpu, Some("clients")),
        mixed.others_cores(),
    )
}

/// Which requests the clients send.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mix {
    /// The app's mix (the table at the top).
    App,
    /// Only `GET /v1/sync`, with the mix's cursors.
    SyncOnly,
}

/// What one phase measured.
struct Phase {
    clients: usize,
    elapsed: f64,
    /// The share of all the machine's CPU time that was busy (any process).
    machine_busy: f64,
    records: Latencies,
    failures: BTreeMap<String, u64>,
    server_cpu: BTreeMap<String, f64>,
    own_cpu: BTreeMap<String, f64>,
}

/// `clients` clients for `seconds` (after the warm-up), each its own connection, one request
/// after another until the deadline.
async fn phase(
    server: &Server,
    accounts: &Arc<Vec<Account>>,
    sign_ins: &Arc<AtomicU64>,
    mix: Mix,
    clients: usize,
    seconds: u64,
) -> Phase {
    let warm_until = Instant::now() + WARM_UP;
    let deadline = warm_until + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let accounts = accounts.clone();
        let url = server.url.clone();
        let sign_ins = sign_ins.clone();
        tasks.push(tokio::spawn(async move {
            client(c, &url, &accounts, &sign_ins, mix, warm_until, deadline).await
        }));
    }
    tokio::time::sleep_until(warm_until.into()).await;
    let server_cpu_before = cpu_by_thread(server.child.id());
    let own_cpu_before = cpu_by_thread(std::process::id());
    let machine_before = machine_ticks();
    let measured = Instant::now();
    let mut records: Latencies = BTreeMap::new();
    let mut failures: BTreeMap<String, u64> = BTreeMap::new();
    for task in tasks {
        let (done, failed) = task.await.unwrap();
        for (op, mut latencies) in done {
            records.entry(op).or_default().append(&mut latencies);
        }
        for (what, n) in failed {
            *failures.entry(what).or_default() += n;
        }
    }
    let elapsed = measured.elapsed().as_secs_f64();
    for latencies in records.values_mut() {
        latencies.sort_unstable();
    }
    let (busy_before, all_before) = machine_before;
    let (busy_after, all_after) = machine_ticks();
    let machine_busy = if all_after > all_before {
        (busy_after - busy_before) as f64 / (all_after - all_before) as f64
    } else {
        0.0
    };
    Phase {
        clients,
        elapsed,
        machine_busy,
        records,
        failures,
        server_cpu: cpu_delta(&server_cpu_before, &cpu_by_thread(server.child.id())),
        own_cpu: cpu_delta(&own_cpu_before, &cpu_by_thread(std::process::id())),
    }
}

/// Account `a`'s library, with ids of its own: two images per generation, a hundred per
/// conversation, real JPEG thumbnails.
async fn seed_account(platform: &NativePlatform, account: &str, a: u64) {
    let library = seeding::Library {
        prefix: u32::try_from(a).expect("fewer accounts than 2^32"),
        images: IMAGES_PER_ACCOUNT,
        thumbnail: |n| seeding::thumbnail(a * IMAGES_PER_ACCOUNT + n),
        original: |_| bytes::Bytes::from_static(b"\x89PNG original stand-in"),
    };
    seeding::seed(platform, account, library)
        .await
        .expect("seeding the library");
}

async fn client(
    c: usize,
    url: &str,
    accounts: &[Account],
    sign_ins: &AtomicU64,
    mix: Mix,
    warm_until: Instant,
    deadline: Instant,
) -> (Latencies, BTreeMap<String, u64>) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let account = &accounts[c % accounts.len()];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (c as u64 + 1).wrapping_mul(0x2545_f491));
    let mut done: Latencies = BTreeMap::new();
    let mut failed: BTreeMap<String, u64> = BTreeMap::new();
    let challenge = challenge();
    loop {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        let op = match mix {
            Mix::App => Op::pick(rng.next(), rng.next()),
            Mix::SyncOnly => Op::sync(rng.next()),
        };
        let request = match op {
            Op::SyncHead | Op::SyncRecent | Op::SyncFull => {
                let head = account.cursors.len() - 1;
                let cursor = match op {
                    Op::SyncHead => account.cursors[head].as_str(),
                    Op::SyncRecent => account.cursors[head.saturating_sub(2)].as_str(),
                    _ => "",
                };
                http.get(format!("{url}/v1/sync?cursor={cursor}&limit={SYNC_LIMIT}"))
                    .bearer_auth(&account.token)
            }
            Op::Ledger => http
                .get(format!("{url}/v1/credits/ledger"))
                .bearer_auth(&account.token),
            Op::GenerationStatus => http
                .get(format!(
                    "{url}/v1/generations/{}",
                    rng.pick(&account.generations)
                ))
                .bearer_auth(&account.token),
            Op::ImageBytes => http
                .get(format!(
                    "{url}/v1/images/{}/thumbnail",
                    rng.pick(&account.images)
                ))
                .bearer_auth(&account.token),
            Op::SignInStart => {
                let n = sign_ins.fetch_add(1, Ordering::Relaxed);
                http.post(format!("{url}/v1/auth/start"))
                    .header("x-forwarded-for", forwarded_for(n))
                    .json(&serde_json::json!({
                        "email": format!("visitor{n}@example.com"),
                        "code_challenge": challenge,
                        "code_challenge_method": "S256",
                    }))
            }
        };
        let started = Instant::now();
        let outcome = match request.send().await {
            Ok(response) => {
                let status = response.status();
                match response.bytes().await {
                    Ok(_) if status.is_success() => Ok(()),
                    Ok(_) => Err(format!("{} {}", op.name(), status.as_u16())),
                    Err(e) => Err(format!("{} body: {e}", op.name())),
                }
            }
            Err(e) => Err(format!("{} transport: {e}", op.name())),
        };
        let took = started.elapsed();
        if started < warm_until {
            continue;
        }
        match outcome {
            Ok(()) => done
                .entry(op)
                .or_default()
                .push(took.as_micros().min(u128::from(u32::MAX)) as u32),
            Err(what) => *failed.entry(what).or_default() += 1,
        }
    }
    (done, failed)
}

impl Phase {
    /// Cores kept busy by processes other than the server and this one (a busy machine skews
    /// the figures: this says by how much).
    fn others_cores(&self) -> f64 {
        (self.machine_busy * machine_cores()
            - self.cores(&self.server_cpu, None)
            - self.cores(&self.own_cpu, None))
        .max(0.0)
    }

    fn errors(&self) -> u64 {
        self.failures.values().sum()
    }

    /// Requests/s, p50 and p99 in ms, of the kinds of request `keep` keeps.
    fn figures(&self, keep: impl Fn(Op) -> bool) -> (f64, f64, f64) {
        let mut latencies: Vec<u32> = self
            .records
            .iter()
            .filter(|(op, _)| keep(**op))
            .flat_map(|(_, l)| l.iter().copied())
            .collect();
        latencies.sort_unstable();
        let latencies = &latencies;
        (
            latencies.len() as f64 / self.elapsed,
            percentile(latencies, 0.50),
            percentile(latencies, 0.99),
        )
    }

    /// CPU cores used by a process, or by one group of its threads.
    fn cores(&self, groups: &BTreeMap<String, f64>, group: Option<&str>) -> f64 {
        let seconds = match group {
            Some(name) => groups.get(name).copied().unwrap_or(0.0),
            None => groups.values().sum(),
        };
        seconds / self.elapsed
    }

    fn print(&self, what: &str) {
        println!(
            "\n{what}: {} clients for {:.1} s",
            self.clients, self.elapsed
        );
        println!(
            "{:<14} {:>9} {:>9} {:>9} {:>9}",
            "request", "count", "req/s", "p50 ms", "p99 ms"
        );
        let row = |name: &str, keep: &dyn Fn(Op) -> bool| {
            let (rps, p50, p99) = self.figures(keep);
            let count = (rps * self.elapsed).round();
            if count > 0.0 {
                println!("{name:<14} {count:>9} {rps:>9.0} {p50:>9.2} {p99:>9.2}");
            }
        };
        for op in Op::ALL {
            row(op.name(), &|o| o == op);
        }
        row("sync (all)", &Op::is_sync);
        row("all", &|_| true);
        for (what, n) in &self.failures {
            println!("error: {n} × {what}");
        }
        let (server, own) = (&self.server_cpu, &self.own_cpu);
        println!(
            "cpu (cores of 2): server {:.2} (tokio workers {:.2}, main thread {:.2}, sqlite threads {:.2}, other {:.2}); \
             this process {:.2} (clients {:.2}, simulators {:.2}, other {:.2})",
            self.cores(server, None),
            self.cores(server, Some("tokio")),
            self.cores(server, Some("main")),
            self.cores(server, Some("sqlite")),
            self.cores(server, Some("other")),
            self.cores(own, None),
            self.cores(own, Some("clients")),
            self.cores(own, Some("simulators")),
            self.cores(own, Some("other")),
        );
        println!(
            "machine: {:.2} of {:.0} cores busy, {:.2} of them by other processes",
            self.machine_busy * machine_cores(),
            machine_cores(),
            self.others_cores()
        );
    }
}
