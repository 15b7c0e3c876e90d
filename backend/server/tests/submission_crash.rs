//! Crash safety of the paid kie submission: the native server is killed (SIGKILL) at random
//! moments while kie's `createTask` takes seconds, then started again on the same files. However
//! the kill lands, no image is ever sent to kie twice, every image ends stored or refunded, and
//! the balance is the ledger's sum. `ATELIER_CRASH_KILLS` sets the rounds (6 here; more to soak).
#![cfg(feature = "native")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use atelier_simulators::{Faults, SimulatorOptions, Simulators};
use serde_json::{Value, json};

/// kie's createTask (every kie call) takes this long: kills land inside it.
const KIE_LATENCY_MS: u64 = 1_500;

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

fn start(data: &Path, sims: &Simulators) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_atelier-server"))
        .env("ATELIER_DATA_DIR", data)
        .env("ATELIER_LISTEN", "127.0.0.1:0")
        .env("ATELIER_TEST_MODE", "1")
        .env("ATELIER_AUTH_SECRET", "crash-test-secret-0123456789abcdef")
        .env("RUST_LOG", "warn")
        .envs(sims.env())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("atelier-server listening on ")
        .expect("the server announces its address")
        .to_owned();
    Server { child, url }
}

fn random_below(limit: u64) -> u64 {
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).unwrap();
    u64::from_le_bytes(bytes) % limit.max(1)
}

/// The RFC 7636 example pair: this test is one device.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

async fn sign_in(http: &reqwest::Client, url: &str, sims: &Simulators, email: &str) -> String {
    let started = http
        .post(format!("{url}/v1/auth/start"))
        .json(&json!({ "email": email, "code_challenge": CHALLENGE, "code_challenge_method": "S256" }))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 202);
    let mail = sims.resend().last_email_to(email).expect("a sign-in mail");
    let text = mail.text.unwrap();
    let code = text
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .expect("a 6-digit code")
        .to_owned();
    let grant: Value = http
        .post(format!("{url}/v1/auth/verify"))
        .json(&json!({ "email": email, "code": code, "code_verifier": VERIFIER }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    grant["token"].as_str().unwrap().to_owned()
}

async fn get(http: &reqwest::Client, url: &str, token: &str) -> Value {
    http.get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_killed_mid_submission_never_sends_an_image_twice() {
    let rounds: u32 = std::env::var("ATELIER_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    let sims = atelier_simulators::spawn(SimulatorOptions::unlimited())
        .await
        .unwrap();
    sims.kie()
        .set_faults(Faults {
            latency_ms: KIE_LATENCY_MS,
            ..Faults::default()
        })
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let mut server = start(data.path(), &sims);
    let token = sign_in(&http, &server.url, &sims, "crash@example.com").await;

    let mut generations = Vec::new();
    for round in 0..rounds {
        let created: Value = http
            .post(format!("{}/v1/generations", server.url))
            .bearer_auth(&token)
            .header("idempotency-key", format!("crash-{round}"))
            .json(&json!({"prompt": format!("crash round {round}"), "model": "nano-banana", "aspect_ratio": "1:1", "count": 3}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        generations.push(created["id"].as_str().unwrap().to_owned());
        // Somewhere inside the three seconds-long createTask calls that follow the answer.
        tokio::time::sleep(Duration::from_millis(random_below(3 * KIE_LATENCY_MS))).await;
        drop(server);
        server = start(data.path(), &sims);
    }

    // Whatever was claimed and never answered is settled once its claim is stale; the rest
    // finishes through kie's callbacks and the background work.
    let clock = http
        .post(format!("{}/__test/clock", server.url))
        .json(&json!({ "advance_ms": 6 * 60 * 1000 }))
        .send()
        .await
        .unwrap();
    assert_eq!(clock.status(), 204);
    let deadline = Instant::now() + Duration::from_secs(120);
    for id in &generations {
        loop {
            let tick = http
                .post(format!("{}/__test/tick", server.url))
                .send()
                .await
                .unwrap();
            assert_eq!(tick.status(), 204);
            let generation = get(
                &http,
                &format!("{}/v1/generations/{id}", server.url),
                &token,
            )
            .await;
            let status = generation["status"].as_str().unwrap().to_owned();
            if status == "done" || status == "failed" {
                break;
            }
            assert!(Instant::now() < deadline, "{id} is still {status}");
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    // At most one kie task per image: the callback URL names the generation and the image.
    let mut per_image: HashMap<String, usize> = HashMap::new();
    for task in sims.kie().tasks() {
        let url = task.callback_url.unwrap_or_default();
        let parts: Vec<&str> = url.rsplit('/').collect();
        // …/v1/kie/callback/{generation}/{idx}/{secret}
        *per_image
            .entry(format!("{}/{}", parts[2], parts[1]))
            .or_default() += 1;
    }
    for (image, tasks) in &per_image {
        assert_eq!(*tasks, 1, "image {image} reached kie {tasks} times");
    }

    // Each image is stored or refunded, and the balance is the ledger's sum.
    let mut stored = 0;
    for id in &generations {
        let generation = get(
            &http,
            &format!("{}/v1/generations/{id}", server.url),
            &token,
        )
        .await;
        stored += generation["images"].as_array().unwrap().len() as i64;
    }
    let ledger = get(&http, &format!("{}/v1/credits/ledger", server.url), &token).await;
    let entries = ledger["entries"].as_array().unwrap();
    let sum: i64 = entries.iter().map(|e| e["amount"].as_i64().unwrap()).sum();
    let refunds = entries.iter().filter(|e| e["kind"] == "refund").count() as i64;
    let balance = get(&http, &format!("{}/v1/credits", server.url), &token).await;
    assert_eq!(balance["balance"].as_i64().unwrap(), sum);
    assert_eq!(
        stored + refunds,
        i64::from(rounds) * 3,
        "every image is either stored or refunded, once"
    );
    assert_eq!(
        sum,
        100 - 4 * stored,
        "the balance pays for exactly the stored images"
    );
}
