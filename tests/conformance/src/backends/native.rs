//! The native server: the `atelier-server` binary with a fresh data folder on a free port.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use atelier_api::Runtime;

use super::{RunningBackend, StartError, wait_healthy};
use crate::process::Guarded;

/// `ATELIER_SERVER_BIN`, or the workspace's debug build with the test hooks (built now if needed).
fn server_binary() -> Result<PathBuf, StartError> {
    if let Some(path) = std::env::var_os("ATELIER_SERVER_BIN") {
        return Ok(PathBuf::from(path));
    }
    build_server(&["--features", "test-hooks"])
}

/// `ATELIER_SERVER_BIN_WITHOUT_TEST_HOOKS`: the server built as `cargo build --release` builds it,
/// without the `test-hooks` feature. Else built now and copied aside (the next build with the
/// hooks replaces `target/debug/atelier-server`).
fn server_binary_without_test_hooks() -> Result<PathBuf, StartError> {
    if let Some(path) = std::env::var_os("ATELIER_SERVER_BIN_WITHOUT_TEST_HOOKS") {
        return Ok(PathBuf::from(path));
    }
    let built = build_server(&[])?;
    let aside = built.with_file_name("atelier-server-without-test-hooks");
    std::fs::copy(&built, &aside).map_err(|source| StartError::Io {
        what: format!("copying the server to {}", aside.display()),
        source,
    })?;
    Ok(aside)
}

/// `cargo build -p atelier-server --bin atelier-server` with `extra` arguments; the binary's path.
fn build_server(extra: &[&str]) -> Result<PathBuf, StartError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "-p",
            "atelier-server",
            "--bin",
            "atelier-server",
        ])
        .args(extra)
        .status()
        .map_err(|source| StartError::Io {
            what: "cargo build".into(),
            source,
        })?;
    if !status.success() {
        return Err(StartError::Failed {
            what: "cargo build -p atelier-server".into(),
            detail: status.to_string(),
        });
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    Ok(target.join("debug/atelier-server"))
}

pub fn start_native(upstream_env: &[(String, String)]) -> Result<RunningBackend, StartError> {
    start_binary(&server_binary()?, upstream_env)
}

/// The server built without the `test-hooks` feature, with the same environment (test mode on).
pub fn start_native_without_test_hooks(
    upstream_env: &[(String, String)],
) -> Result<RunningBackend, StartError> {
    start_binary(&server_binary_without_test_hooks()?, upstream_env)
}

fn start_binary(
    binary: &std::path::Path,
    upstream_env: &[(String, String)],
) -> Result<RunningBackend, StartError> {
    if !binary.exists() {
        return Err(StartError::Missing(format!(
            "{} does not exist",
            binary.display()
        )));
    }
    let state = tempfile::tempdir().map_err(|source| StartError::Io {
        what: "a state folder".into(),
        source,
    })?;
    let log = state.path().join("server.log");
    let port = super::free_port()?;
    let log_file = std::fs::File::create(&log).map_err(|source| StartError::Io {
        what: "the log".into(),
        source,
    })?;

    let mut command = Command::new(binary);
    command
        .env("ATELIER_LISTEN", format!("127.0.0.1:{port}"))
        .env("ATELIER_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .env("ATELIER_DATA_DIR", state.path().join("data"))
        .env("RUST_LOG", "info,sqlx=warn")
        .envs(upstream_env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped())
        .stderr(log_file);
    let mut process =
        Guarded::spawn("atelier-server", command).map_err(|source| StartError::Io {
            what: binary.display().to_string(),
            source,
        })?;

    // The server prints its address as its first line on stdout.
    let stdout = process
        .child_mut()
        .stdout
        .take()
        .ok_or_else(|| StartError::Missing("server stdout".into()))?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok);
        let _ = tx.send(first);
        for _ in lines {} // keep draining so the server never blocks on a full pipe
    });
    let line = rx
        .recv_timeout(Duration::from_secs(60))
        .ok()
        .flatten()
        .ok_or_else(|| StartError::Failed {
            what: "atelier-server".into(),
            detail: format!("printed no address: {}", super::tail(&log)),
        })?;
    let base_url = line
        .strip_prefix("atelier-server listening on ")
        .ok_or_else(|| StartError::Failed {
            what: "atelier-server".into(),
            detail: format!("unexpected first line {line:?}"),
        })?
        .to_owned();
    wait_healthy(&base_url, &mut process, Duration::from_secs(30), &log)?;
    Ok(RunningBackend {
        runtime: Runtime::Native,
        base_url,
        state_dir: state.path().to_owned(),
        _process: process,
        _state: state,
    })
}
