//! Starting each runtime of the service for the suite, with fresh state and upstreams pointed at
//! the simulators.

mod native;
mod worker;

use std::time::{Duration, Instant};

use atelier_api::Runtime;

pub use native::{start_native, start_native_without_test_hooks};
pub use worker::{WranglerTools, start_worker};

use crate::process::Guarded;

/// A backend serving on 127.0.0.1; stopped (and its state removed) when dropped.
pub struct RunningBackend {
    pub runtime: Runtime,
    pub base_url: String,
    /// Everything the backend stores (SQL, KV, blobs) lives under here.
    pub state_dir: std::path::PathBuf,
    // Field order matters: the process stops before its state folder is removed.
    _process: Guarded,
    _state: tempfile::TempDir,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Missing(String),
    #[error("cannot start {what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("{what} failed: {detail}")]
    Failed { what: String, detail: String },
}

/// What every backend in the suite runs with besides the upstreams: test mode (the clock hook and
/// the test IP header) and a server secret.
pub fn suite_env(upstream_env: &[(String, String)]) -> Vec<(String, String)> {
    let mut env = upstream_env.to_vec();
    env.push(("ATELIER_TEST_MODE".into(), "1".into()));
    env.push((
        "ATELIER_AUTH_SECRET".into(),
        format!("conformance-secret-{}-0123456789abcdef", std::process::id()),
    ));
    env
}

/// Polls `GET {base_url}/healthz` until it answers 200 or `timeout` passes.
pub(crate) fn wait_healthy(
    base_url: &str,
    process: &mut Guarded,
    timeout: Duration,
    log: &std::path::Path,
) -> Result<(), StartError> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Some(status) = process.exited() {
            return Err(StartError::Failed {
                what: "the backend".into(),
                detail: format!("exited with {status}: {}", tail(log)),
            });
        }
        if answers_ok(base_url, "/healthz") {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    Err(StartError::Failed {
        what: "the backend".into(),
        detail: format!("not healthy after {timeout:?}: {}", tail(log)),
    })
}

/// The last lines of a log file, for error messages.
pub(crate) fn tail(log: &std::path::Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// A port on 127.0.0.1 that was free a moment ago (for programs that cannot report the one they chose).
pub(crate) fn free_port() -> Result<u16, StartError> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|source| StartError::Io {
            what: "a free port".into(),
            source,
        })
}

/// A plain blocking `GET` over std's TCP: true on a 200. Used only while waiting for start-up.
fn answers_ok(base_url: &str, path: &str) -> bool {
    use std::io::{Read, Write};
    let Some(authority) = base_url.strip_prefix("http://") else {
        return false;
    };
    let Ok(mut stream) = std::net::TcpStream::connect(authority) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: atelier-conformance\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}
