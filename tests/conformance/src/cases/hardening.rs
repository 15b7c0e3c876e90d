//! The edges of the service (issue 11, items 6–8): `/readyz` writes nothing; error reports are
//! limited per route and minute; a kie result is downloaded only from where a result may come,
//! only up to its size limit, and decoded only within the decoder's limits — otherwise its image
//! fails and is refunded. And, native only with its own server, a build without the `test-hooks`
//! feature has no test hooks whatever its environment says.

use std::time::{Duration, Instant};

use atelier_api::generations::{FailureCode, GenerationStatus};
use atelier_api::test_hooks::StorageDump;
use atelier_api::{ErrorCode, Runtime};
use atelier_simulators::ResultFile;
use reqwest::Method;
use serde_json::json;

use super::generations::{account, balance, create, finished};
use crate::{CaseResult, Ctx, ensure};

/// Two dumps in a row that agree: whatever earlier cases set going has settled.
pub(super) async fn settled_storage(ctx: &Ctx) -> Result<StorageDump, String> {
    let mut last = ctx.storage().await?;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let next = ctx.storage().await?;
        if differences(&last, &next).is_empty() {
            return Ok(next);
        }
        last = next;
    }
    Err("storage never stopped changing before the case began".into())
}

/// What differs between two dumps (the clock aside), one line each.
pub(super) fn differences(before: &StorageDump, after: &StorageDump) -> Vec<String> {
    let mut out = Vec::new();
    let tables = before.tables.keys().chain(after.tables.keys());
    for table in tables.collect::<std::collections::BTreeSet<_>>() {
        if before.tables.get(table) != after.tables.get(table) {
            out.push(format!(
                "table {table}: {:?} → {:?}",
                before.tables.get(table),
                after.tables.get(table)
            ));
        }
    }
    if before.blobs != after.blobs {
        out.push(format!("blobs {:?} → {:?}", before.blobs, after.blobs));
    }
    if before.kv != after.kv {
        let gone: Vec<_> = before.kv.iter().filter(|e| !after.kv.contains(e)).collect();
        let new: Vec<_> = after.kv.iter().filter(|e| !before.kv.contains(e)).collect();
        out.push(format!("KV {gone:?} → {new:?}"));
    }
    out
}

/// Item 6: a readiness probe may be called by anyone, as often as they like: it reads, never
/// writes (no SQL row, KV key or blob appears or changes).
pub async fn readyz_writes_nothing(ctx: &Ctx) -> CaseResult {
    let before = settled_storage(ctx).await?;
    for _ in 0..3 {
        let reply = ctx.get("/readyz").send().await?.expect_status(200)?;
        let body: serde_json::Value = reply.json()?;
        ensure!(
            body == json!({"sql": true, "kv": true, "blobs": true}),
            "body {body}"
        );
    }
    let after = ctx.storage().await?;
    let changed = differences(&before, &after);
    ensure!(changed.is_empty(), "/readyz wrote: {}", changed.join("; "));
    Ok(())
}

/// What `atelier_server::error_reports::throttle` lets through per route, code and minute.
const REPORTS_PER_MINUTE: usize = 5;

/// Item 6: a failure hit over and over is reported a handful of times a minute, not once per
/// request; every answer is still the generic 500. (Last among the cases that make reports: it
/// spends this minute's budget of `POST /__test/fail`.)
pub async fn error_reports_are_limited_per_route_and_minute(ctx: &Ctx) -> CaseResult {
    let prefix = format!("burst-{}-{}", std::process::id(), ctx.unique());
    for i in 0..(REPORTS_PER_MINUTE * 3) {
        let response = ctx
            .post("/__test/fail")
            .json(&json!({ "marker": format!("{prefix}-{i}") }))
            .send()
            .await?;
        ensure!(
            response.status() == 500,
            "failure {i} answered {}",
            response.status()
        );
    }
    let count = || {
        ctx.sims
            .sentry()
            .envelopes()
            .into_iter()
            .filter(|e| e.raw.contains("atelier-server") && e.raw.contains(&prefix))
            .count()
    };
    // Reports go after the answers: wait for the first, then long enough for any others.
    let deadline = Instant::now() + Duration::from_secs(20);
    while count() == 0 {
        ensure!(Instant::now() < deadline, "no report of the burst arrived");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let reports = count();
    ensure!(
        reports <= REPORTS_PER_MINUTE,
        "{reports} reports for {} identical failures within a minute",
        REPORTS_PER_MINUTE * 3
    );
    Ok(())
}

/// Runs one generation of one image while kie's file host answers `file`, and checks that the
/// image failed with `result_unavailable` and was refunded.
async fn a_result_that_fails(ctx: &Ctx, file: ResultFile, what: &str) -> CaseResult {
    let kie = ctx.sims.kie();
    let saved = kie.settings();
    kie.set_settings(atelier_simulators::KieSettings {
        result_file: file,
        ..saved.clone()
    });
    let outcome = async {
        let who = account(ctx).await?;
        let before = balance(ctx, &who).await?;
        let generation = create(ctx, &who, &format!("{what} {}", ctx.unique()), 1).await?;
        let done = finished(ctx, &who, &generation.id, true).await?;
        ensure!(
            done.status == GenerationStatus::Failed,
            "{what}: the generation is {:?} with {} images",
            done.status,
            done.images.len()
        );
        ensure!(
            done.failure_code == Some(FailureCode::ResultUnavailable),
            "{what}: failure code {:?}",
            done.failure_code
        );
        ensure!(done.images.is_empty(), "{what}: an image was stored");
        ensure!(balance(ctx, &who).await? == before, "{what}: not refunded");
        Ok(())
    }
    .await;
    kie.set_settings(saved);
    outcome
}

/// Item 8: a result URL that redirects to an address no result may come from (the cloud metadata
/// service, a private network) or to plain http is not followed: the image fails and is refunded.
pub async fn a_result_redirected_to_a_private_or_plain_http_address_is_refused(
    ctx: &Ctx,
) -> CaseResult {
    for (location, what) in [
        (
            "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
            "redirected to the metadata service",
        ),
        (
            "https://10.0.0.1/result.png",
            "redirected to a private address",
        ),
        ("http://example.com/result.png", "redirected to plain http"),
    ] {
        a_result_that_fails(
            ctx,
            ResultFile::Redirect {
                location: location.into(),
            },
            what,
        )
        .await?;
    }
    Ok(())
}

/// Item 8: a result larger than the service accepts (32 MiB), sent without a `Content-Length`,
/// is cut off at the limit: the image fails and is refunded.
pub async fn a_result_over_the_size_limit_is_refused(ctx: &Ctx) -> CaseResult {
    a_result_that_fails(
        ctx,
        ResultFile::Oversized {
            bytes: 33 * 1024 * 1024,
        },
        "oversized",
    )
    .await
}

/// Item 8: a decompression bomb (a valid PNG of 144 million pixels in under a megabyte) is
/// refused by the decoder's limits from its header: the image fails and is refunded.
pub async fn a_decompression_bomb_is_refused(ctx: &Ctx) -> CaseResult {
    a_result_that_fails(
        ctx,
        ResultFile::Bomb {
            width: 12_000,
            height: 12_000,
        },
        "bomb",
    )
    .await
}

/// Item 7: test mode serves this machine and nothing else. The Worker refuses every request
/// addressed to another host than loopback; the native server listens on loopback only (it refuses
/// to start in test mode on any other address, `backend/server/tests/test_hooks.rs`), so another
/// interface of this machine does not reach it.
pub async fn test_mode_serves_only_this_machine(ctx: &Ctx) -> CaseResult {
    match ctx.runtime {
        Runtime::Worker => {
            for path in ["/healthz", "/__test/storage"] {
                ctx.get(path)
                    .header("host", "atelier.example.com")
                    .send()
                    .await?
                    .error(500, ErrorCode::Internal)
                    .map_err(|e| format!("for atelier.example.com: {e}"))?;
            }
            Ok(())
        }
        Runtime::Native => {
            let port = reqwest::Url::parse(&ctx.base_url)
                .ok()
                .and_then(|u| u.port())
                .ok_or("no port in the base URL")?;
            // The address this machine would reach the world from (a UDP "connect" sends nothing).
            let outward = std::net::UdpSocket::bind("0.0.0.0:0")
                .and_then(|s| s.connect("192.0.2.1:9").map(|()| s))
                .and_then(|s| s.local_addr())
                .map(|a| a.ip())
                .ok()
                .filter(|ip| !ip.is_loopback() && !ip.is_unspecified());
            let Some(ip) = outward else {
                return Ok(()); // no other interface to try
            };
            let reached = std::net::TcpStream::connect_timeout(
                &std::net::SocketAddr::new(ip, port),
                Duration::from_secs(2),
            );
            ensure!(
                reached.is_err(),
                "the server in test mode answers on {ip}:{port}"
            );
            Ok(())
        }
    }
}

/// Item 7, native only, against the server built without the `test-hooks` feature (the features
/// of `cargo build --release`) and started with `ATELIER_TEST_MODE=1` like every backend of the
/// suite: no `/__test/*` route exists, and `X-Atelier-Test-Ip` names no one.
pub async fn a_build_without_the_test_hooks_feature_has_none(ctx: &Ctx) -> CaseResult {
    let health = ctx.get("/healthz").send().await?;
    ensure!(
        health.status() == 200,
        "healthz answered {}",
        health.status()
    );
    for (method, path, body) in [
        (Method::GET, "/__test/storage", None),
        (
            Method::POST,
            "/__test/clock",
            Some(json!({ "advance_ms": 1_000 })),
        ),
        (Method::POST, "/__test/tick", None),
        (
            Method::POST,
            "/__test/blob-faults",
            Some(json!({ "failure_rate": 1.0 })),
        ),
        (
            Method::POST,
            "/__test/seed-images",
            Some(json!({ "count": 1 })),
        ),
        (
            Method::POST,
            "/__test/fail",
            Some(json!({ "marker": "no-hooks" })),
        ),
    ] {
        let mut request = ctx.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await?.error(404, ErrorCode::NotFound)?;
    }
    // Every verification below names another test IP; without the hooks they all come from
    // 127.0.0.1, whose per-IP limit soon answers 429.
    let token = "A".repeat(43);
    for attempt in 1..=200 {
        let response = ctx
            .post("/v1/auth/verify")
            .test_ip(&ctx.ip())
            .json(&json!({ "token": token }))
            .send()
            .await?;
        if response.status() == 429 {
            return Ok(());
        }
        ensure!(
            response.status().is_client_error(),
            "verification {attempt} answered {}",
            response.status()
        );
    }
    Err(
        "200 verifications from as many test IPs were never limited: the header was honoured"
            .into(),
    )
}
