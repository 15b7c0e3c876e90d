//! The load's accounts: the server started as deployed, each account signed in by its emailed
//! code from an address of its own, and its sync log walked for the ids its requests name.

use atelier_simulators::Simulators;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use super::*;

pub(crate) fn start_server(bin: &str, data: &std::path::Path, env: &[(String, String)]) -> Server {
    std::fs::create_dir_all(data).unwrap();
    let log = std::fs::File::create(data.join("server.log")).unwrap();
    let mut child = Command::new(bin)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("ATELIER_LISTEN", "127.0.0.1:0")
        .env("ATELIER_DATA_DIR", data)
        .env("ATELIER_AUTH_SECRET", AUTH_SECRET)
        .env("ATELIER_TRUST_FORWARDED_FOR", "1")
        .env_remove("ATELIER_TEST_MODE")
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("starting {bin}: {e}"));
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("the server stopped before listening")
            .unwrap();
        if let Some(url) = line.strip_prefix("atelier-server listening on ") {
            break url.trim().to_owned();
        }
    };
    // Keep draining its stdout so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, url }
}

/// A made-up client address per request (a header only, behind the "proxy").
pub(crate) fn forwarded_for(n: u64) -> String {
    format!("198.18.{}.{}", (n >> 8) & 0xff, n & 0xff)
}

pub(crate) fn challenge() -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(
        b"load-bench-verifier-0123456789abcdefghijklmnop",
    ))
}

pub(crate) async fn sign_in(
    http: &reqwest::Client,
    url: &str,
    sims: &Simulators,
    email: &str,
    n: usize,
) -> (String, String) {
    let verifier = "load-bench-verifier-0123456789abcdefghijklmnop";
    let started = http
        .post(format!("{url}/v1/auth/start"))
        .header("x-forwarded-for", forwarded_for(60_000 + n as u64))
        .json(&serde_json::json!({"email": email, "code_challenge": challenge(), "code_challenge_method": "S256"}))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 202, "{}", started.text().await.unwrap());
    let text = sims.resend().last_email_to(email).unwrap().text.unwrap();
    let code = text
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit()))
        .unwrap()
        .to_owned();
    let grant: serde_json::Value = http
        .post(format!("{url}/v1/auth/verify"))
        .header("x-forwarded-for", forwarded_for(60_000 + n as u64))
        .json(&serde_json::json!({"email": email, "code": code, "code_verifier": verifier}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        grant["token"].as_str().unwrap().to_owned(),
        grant["user"]["id"].as_str().unwrap().to_owned(),
    )
}

/// Walks the account's sync log 10 changes at a time: the cursors, generation and image ids.
pub(crate) async fn walk(http: &reqwest::Client, url: &str, token: String) -> Account {
    let mut account = Account {
        token,
        cursors: Vec::new(),
        generations: Vec::new(),
        images: Vec::new(),
    };
    let mut cursor = String::new();
    loop {
        let page: serde_json::Value = http
            .get(format!("{url}/v1/sync?cursor={cursor}&limit=10"))
            .bearer_auth(&account.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for change in page["changes"].as_array().unwrap() {
            let record = &change["record"];
            match record["kind"].as_str() {
                Some("generation") => account
                    .generations
                    .push(record["id"].as_str().unwrap().into()),
                Some("image") => account.images.push(record["id"].as_str().unwrap().into()),
                _ => {}
            }
        }
        cursor = page["next_cursor"].as_str().unwrap().to_owned();
        account.cursors.push(cursor.clone());
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    assert_eq!(account.images.len() as u64, IMAGES_PER_ACCOUNT);
    account
}

pub(crate) type Latencies = BTreeMap<Op, Vec<u32>>;
