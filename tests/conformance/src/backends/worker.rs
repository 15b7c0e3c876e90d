//! The Worker: the built wasm under `wrangler dev` (workerd) with local D1, R2 and KV in a fresh
//! folder, migrations applied by wrangler, upstreams passed as `--var`s.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use atelier_api::Runtime;

use super::{RunningBackend, StartError, free_port, wait_healthy};
use crate::process::Guarded;

/// Where Node 22 and wrangler are; `cargo xtask test` sets both (it installs them in `tools/`).
pub struct WranglerTools {
    pub node: PathBuf,
    pub wrangler_js: PathBuf,
    /// `backend/`, holding wrangler.toml.
    pub backend_dir: PathBuf,
}

impl WranglerTools {
    /// From `ATELIER_NODE` and `ATELIER_WRANGLER_JS`.
    pub fn from_env() -> Result<Self, StartError> {
        let var = |name: &str| {
            std::env::var_os(name).map(PathBuf::from).ok_or_else(|| {
                StartError::Missing(format!(
                    "{name} is not set: run the suite through `cargo xtask test conformance`"
                ))
            })
        };
        Ok(Self {
            node: var("ATELIER_NODE")?,
            wrangler_js: var("ATELIER_WRANGLER_JS")?,
            backend_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../backend"),
        })
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.node);
        command
            .arg(&self.wrangler_js)
            .args(args)
            .current_dir(&self.backend_dir)
            .env("WRANGLER_SEND_METRICS", "false")
            .env("CI", "1")
            // wrangler dev would fetch a sample `request.cf` from the internet on every start.
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            .env("NO_COLOR", "1")
            // wrangler runs `build.sh` (its `[build]`): the suite's Worker has the test hooks,
            // which `cargo xtask test conformance` built in; without this it would rebuild
            // the bundle without them.
            .env("ATELIER_WORKER_TEST_HOOKS", "1")
            .stdin(Stdio::null());
        command
    }
}

pub fn start_worker(
    tools: &WranglerTools,
    upstream_env: &[(String, String)],
) -> Result<RunningBackend, StartError> {
    let state = tempfile::tempdir().map_err(|source| StartError::Io {
        what: "a state folder".into(),
        source,
    })?;
    let persist = state.path().join("wrangler");
    let persist_arg = persist.to_string_lossy().into_owned();
    let log = state.path().join("wrangler.log");
    let io = |what: &str| {
        let what = what.to_owned();
        move |source| StartError::Io { what, source }
    };
    let log_file = std::fs::File::create(&log).map_err(io("the log"))?;

    let migrate = tools
        .command(&[
            "d1",
            "migrations",
            "apply",
            "DB",
            "--local",
            "--persist-to",
            &persist_arg,
        ])
        .stdout(log_file.try_clone().map_err(io("the log"))?)
        .stderr(log_file.try_clone().map_err(io("the log"))?)
        .status()
        .map_err(|source| StartError::Io {
            what: "wrangler d1 migrations apply".into(),
            source,
        })?;
    if !migrate.success() {
        return Err(StartError::Failed {
            what: "wrangler d1 migrations apply".into(),
            detail: super::tail(&log),
        });
    }

    let port = free_port()?.to_string();
    let inspector = free_port()?.to_string();
    let mut vars: Vec<String> = upstream_env
        .iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect();
    // kie calls back to the service's public address.
    vars.push(format!("ATELIER_PUBLIC_URL:http://127.0.0.1:{port}"));
    let mut args = vec![
        "dev",
        "--ip",
        "127.0.0.1",
        "--port",
        &port,
        "--inspector-port",
        &inspector,
        "--persist-to",
        &persist_arg,
        "--show-interactive-dev-session=false",
        // `/__scheduled` runs the cron handler: the suite drives the background work through
        // the same entry point Cloudflare's cron uses.
        "--test-scheduled",
        "--log-level",
        "info",
    ];
    for var in &vars {
        args.extend(["--var", var]);
    }
    let mut command = tools.command(&args);
    command
        .stdout(log_file.try_clone().map_err(io("the log"))?)
        .stderr(log_file);
    let mut process = Guarded::spawn("wrangler dev", command).map_err(|source| StartError::Io {
        what: "wrangler dev".into(),
        source,
    })?;
    let base_url = format!("http://127.0.0.1:{port}");
    // The first start builds nothing (the wasm is built beforehand) but workerd takes seconds to boot.
    wait_healthy(&base_url, &mut process, Duration::from_secs(180), &log)?;
    Ok(RunningBackend {
        runtime: Runtime::Worker,
        base_url,
        state_dir: state.path().to_owned(),
        _process: process,
        _state: state,
    })
}
