//! `cargo xtask package`: the release artefacts this machine can build (the desktop's `.deb`, the
//! `atelier-server` and `atelier` binaries, all in the `dist` profile), each checked for what it
//! must hold, then one line of sizes. The test command runs it (suite `package`).
//!
//! macOS and Windows bundles, signing and the updater need their own runners: their configuration
//! is in `src-tauri/tauri.{macos,windows}.conf.json` and README § Release packages.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail, ensure};

use crate::Ctx;
use crate::process::{self, output};
use crate::setup::{self, Tools};
use crate::suites::{cargo, target_dir};

/// The desktop's executable, as the deb installs it.
const DESKTOP_BIN: &str = "usr/bin/atelier-desktop";
/// The deb's desktop entry (named after the product).
const DESKTOP_ENTRY: &str = "usr/share/applications/Atelier.desktop";
/// Icon sizes a desktop environment picks from (Tauri installs one per PNG in the config).
const ICONS: [&str; 3] = ["32x32", "128x128", "256x256@2"];
/// Shared libraries the desktop loads: the package must depend on them.
const DEPENDS_ON: [&str; 2] = ["libwebkit2gtk-4.1-0", "libgtk-3-0"];
/// Strings only a build with test hooks contains (the routes and the header of `test-hooks`).
const TEST_HOOK_MARKERS: [&str; 2] = ["/__test/storage", "x-atelier-test-ip"];

pub fn run(ctx: &Ctx) -> Result<()> {
    let tools = setup::run(ctx)?;
    setup::build_ui(ctx, &tools)?;
    build_and_check(ctx, &tools)
}

/// What suite `package` runs once set-up and the UI are done.
pub fn build_and_check(ctx: &Ctx, tools: &Tools) -> Result<()> {
    let started = Instant::now();
    build_deb(ctx, tools)?;
    process::run(cargo(ctx).args([
        "build",
        "--profile",
        "dist",
        "-p",
        "atelier-server",
        "--bin",
        "atelier-server",
        "-p",
        "atelier-cli",
        "--bin",
        "atelier",
    ]))?;
    let built_in = started.elapsed();

    let dist = target_dir(ctx).join("dist");
    let deb = the_deb(&dist.join("bundle/deb"))?;
    // A scratch root, emptied first: what a previous package left must not pass for this one.
    let root = dist.join("deb-root");
    if root.exists() {
        std::fs::remove_dir_all(&root).with_context(|| format!("emptying {}", root.display()))?;
    }
    check_deb(&deb, &root)?;
    let server = dist.join("atelier-server");
    let cli = dist.join("atelier");
    check_no_test_hooks(&server)?;
    check_cli(&cli)?;

    println!(
        "package: deb_bytes={} desktop_bytes={} server_bytes={} cli_bytes={} build_s={:.0}",
        size(&deb)?,
        size(&root.join(DESKTOP_BIN))?,
        size(&server)?,
        size(&cli)?,
        built_in.as_secs_f64()
    );
    println!("package: {}", deb.display());
    Ok(())
}

/// The Tauri CLI from tools/ (npm), on Node 22: AppImage needs downloads, so only the deb here.
fn build_deb(ctx: &Ctx, tools: &Tools) -> Result<()> {
    let cli = ctx.path("tools/node_modules/@tauri-apps/cli/tauri.js");
    process::run(
        tools
            .command(&tools.node)
            .current_dir(ctx.path("src-tauri"))
            .arg(cli)
            .args([
                "build",
                "--ci",
                "--bundles",
                "deb",
                "--",
                "--profile",
                "dist",
            ]),
    )
}

fn the_deb(dir: &Path) -> Result<PathBuf> {
    let mut debs: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "deb"))
        .collect();
    // An older version's package may still lie there: the newest is this build's.
    debs.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    debs.pop()
        .with_context(|| format!("no .deb in {}", dir.display()))
}

/// Unpacks the deb into `root` (as `dpkg -i` would place it) and checks what a user gets.
fn check_deb(deb: &Path, root: &Path) -> Result<()> {
    let depends = output(
        std::process::Command::new("dpkg-deb")
            .arg("--field")
            .arg(deb)
            .arg("Depends"),
    )?;
    for library in DEPENDS_ON {
        ensure!(
            depends.contains(library),
            "the package does not depend on {library}: Depends: {}",
            depends.trim()
        );
    }
    process::run(
        std::process::Command::new("dpkg-deb")
            .arg("-x")
            .arg(deb)
            .arg(root),
    )?;

    let bin = root.join(DESKTOP_BIN);
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&bin)
            .with_context(|| format!("the package has no {DESKTOP_BIN}"))?
            .permissions(),
    );
    ensure!(mode & 0o111 != 0, "{DESKTOP_BIN} is not executable");

    let entry_path = root.join(DESKTOP_ENTRY);
    let entry = std::fs::read_to_string(&entry_path)
        .with_context(|| format!("the package has no {DESKTOP_ENTRY}"))?;
    check_desktop_entry(&entry)?;
    process::run(std::process::Command::new("desktop-file-validate").arg(&entry_path))?;

    for size in ICONS {
        let icon = root.join(format!(
            "usr/share/icons/hicolor/{size}/apps/atelier-desktop.png"
        ));
        ensure!(icon.is_file(), "the package has no {size} icon");
    }
    Ok(())
}

/// The entry starts the app and hands it `atelier://` links (the sign-in links of the emails).
fn check_desktop_entry(entry: &str) -> Result<()> {
    let field = |name: &str| {
        entry
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
            .map(str::trim)
    };
    let exec = field("Exec").context("the desktop entry has no Exec")?;
    ensure!(
        exec.starts_with("atelier-desktop"),
        "the desktop entry starts {exec:?}, not atelier-desktop"
    );
    ensure!(
        exec.contains("%u") || exec.contains("%U"),
        "the desktop entry's Exec={exec} does not pass the link it opens (%u)"
    );
    let mime = field("MimeType").unwrap_or_default();
    ensure!(
        mime.split(';').any(|m| m == "x-scheme-handler/atelier"),
        "the desktop entry does not handle atelier:// links (MimeType={mime})"
    );
    ensure!(field("Icon").is_some(), "the desktop entry has no Icon");
    Ok(())
}

/// The shipped server answers 404 on the test routes because they are not in it at all.
fn check_no_test_hooks(binary: &Path) -> Result<()> {
    let bytes = std::fs::read(binary).with_context(|| format!("reading {}", binary.display()))?;
    for marker in TEST_HOOK_MARKERS {
        if bytes.windows(marker.len()).any(|w| w == marker.as_bytes()) {
            bail!("{} contains the test hooks ({marker})", binary.display());
        }
    }
    Ok(())
}

fn check_cli(binary: &Path) -> Result<()> {
    let version = output(std::process::Command::new(binary).arg("--version"))?;
    let expected = format!("atelier {}", env!("CARGO_PKG_VERSION"));
    ensure!(
        version.trim() == expected,
        "`atelier --version` printed {:?}, not {expected:?}",
        version.trim()
    );
    Ok(())
}

fn size(path: &Path) -> Result<u64> {
    Ok(std::fs::metadata(path)
        .with_context(|| format!("{} is missing", path.display()))?
        .len())
}

#[cfg(test)]
mod tests {
    use super::check_desktop_entry;

    const ENTRY: &str = "[Desktop Entry]\nName=Atelier\nExec=atelier-desktop %u\nIcon=atelier-desktop\nMimeType=x-scheme-handler/atelier;\n";

    #[test]
    fn a_desktop_entry_that_opens_atelier_links_passes() {
        assert!(check_desktop_entry(ENTRY).is_ok());
    }

    #[test]
    fn an_entry_without_the_scheme_handler_is_refused() {
        let without = ENTRY.replace("MimeType=x-scheme-handler/atelier;\n", "");
        let err = check_desktop_entry(&without).unwrap_err().to_string();
        assert!(err.contains("atelier:// links"), "{err}");
    }

    #[test]
    fn an_entry_that_drops_the_link_is_refused() {
        let without = ENTRY.replace(" %u", "");
        assert!(check_desktop_entry(&without).is_err());
    }
}
