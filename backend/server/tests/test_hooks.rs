//! The test hooks only ever serve this machine: a server in test mode refuses to start on any
//! address but loopback. (That a build without the `test-hooks` feature has no hooks at all is
//! proved by the conformance suite, which runs such a build.)
#![cfg(feature = "native")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn server(listen: &str, data: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_atelier-server"));
    command
        .env("ATELIER_DATA_DIR", data)
        .env("ATELIER_LISTEN", listen)
        .env("ATELIER_TEST_MODE", "1")
        .env("ATELIER_AUTH_SECRET", "test-hooks-secret-0123456789abcdef")
        .env("RUST_LOG", "warn");
    command
}

#[test]
fn test_mode_refuses_to_listen_beyond_loopback() {
    let data = tempfile::tempdir().unwrap();
    for listen in ["0.0.0.0:0", "[::]:0"] {
        let mut child = server(listen, data.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // It must exit at once; one still running after this long is serving.
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut stdout = String::new();
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut stdout).unwrap();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        let status = status.unwrap_or_else(|| panic!("{listen}: it started and served: {stdout}"));
        assert!(!status.success(), "{listen}: it exited successfully");
        assert!(
            stderr.contains("loopback") && stderr.contains("ATELIER_TEST_MODE"),
            "{listen}: {stderr}"
        );
        assert!(
            stdout.is_empty(),
            "{listen}: it announced an address: {stdout}"
        );
    }
}

#[test]
fn test_mode_on_loopback_serves() {
    let data = tempfile::tempdir().unwrap();
    let mut child = server("127.0.0.1:0", data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let started = Instant::now();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        line.starts_with("atelier-server listening on http://127.0.0.1:"),
        "{line:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(60));
}
