//! Crash safety: `atelier-sync` is killed (SIGKILL, no chance to clean up) at random points of a
//! sync, again and again. After each kill the integrity check finds nothing it cannot repair;
//! at the end a pass completes and the cache agrees with the service on every row and file.
//! `ATELIER_CRASH_KILLS` sets how many passes are cut short (20 here; more for a soak).
#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failing test with its location

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use atelier_client::cache::Cache;
use atelier_test_kit::{Service, assert_agree, generate};

fn sync_command(service: &Service, dir: &std::path::Path, token: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_atelier-sync"));
    command
        .env("ATELIER_API_URL", &service.url)
        .env("ATELIER_DATA_DIR", dir)
        .env("ATELIER_SESSION_TOKEN", token)
        // Small pages: many transactions to be killed between (and inside).
        .env("ATELIER_SYNC_PAGE_SIZE", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

fn random_below(limit: u64) -> u64 {
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).unwrap();
    u64::from_le_bytes(bytes) % limit.max(1)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_killed_at_random_points_always_recovers() {
    let kills: u32 = std::env::var("ATELIER_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let service = Service::start().await;
    let (api, token) = service.signed_in("crash@example.com").await;
    for n in 0..6 {
        generate(&api, &token, &format!("crash test picture number {n}"), 2).await;
    }

    // How long a whole pass takes from empty: kills land anywhere within it.
    let timing = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let status = sync_command(&service, timing.path(), token.expose())
        .status()
        .unwrap();
    assert!(status.success());
    let whole = started.elapsed().as_millis() as u64;

    // Kill until `kills` passes were cut short. A kill that comes after its pass finished does not
    // count (a resumed pass is shorter than a whole one); the next starts from an empty cache. The
    // attempts are bounded, so a sync that never lasts long enough to be killed fails the test.
    let dir = tempfile::tempdir().unwrap();
    let (mut interrupted, mut attempts) = (0, 0);
    while interrupted < kills {
        attempts += 1;
        assert!(
            attempts <= kills * 10,
            "only {interrupted} of {attempts} kills landed during a pass (a pass takes {whole} ms)"
        );
        let mut child = sync_command(&service, dir.path(), token.expose())
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(random_below(whole))).await;
        let finished = child.try_wait().unwrap().is_some();
        if !finished {
            interrupted += 1;
        }
        let _ = child.kill();
        child.wait().unwrap();
        let cache = Cache::open(dir.path()).await.unwrap();
        let report = cache.check_integrity().await.unwrap();
        assert!(report.problems.is_empty(), "attempt {attempts}: {report:?}");
        cache.close().await;
        if finished {
            std::fs::remove_dir_all(dir.path()).unwrap();
        }
    }
    eprintln!("{interrupted} passes of {whole} ms cut short in {attempts} kills");

    let status = sync_command(&service, dir.path(), token.expose())
        .status()
        .unwrap();
    assert!(status.success());
    let cache = Cache::open(dir.path()).await.unwrap();
    assert_agree(&cache, &api, &token).await;
}
