//! `cargo xtask bench <name>`: benchmarks, in release builds, each printing its figures.

use crate::suites::{cargo, target_dir, window_script};
use crate::{Ctx, process, setup};

/// `cargo xtask bench <name>`: benchmarks, in release builds, each printing its figures.
pub fn run(ctx: &Ctx, args: &[String]) -> anyhow::Result<()> {
    match args.first().map(String::as_str) {
        Some("thumbnails") => process::run(
            std::process::Command::new("cargo")
                .current_dir(&ctx.root)
                .args([
                    "run",
                    "--release",
                    "-p",
                    "atelier-server",
                    "--example",
                    "thumbnail_bench",
                    "--",
                ])
                .arg(ctx.path("target/bench-thumbnails"))
                .arg("200"),
        ),
        Some("latency") => process::run(
            std::process::Command::new("cargo")
                .current_dir(&ctx.root)
                .args([
                    "run",
                    "--release",
                    "-p",
                    "atelier-client",
                    "--example",
                    "generation_latency",
                ]),
        ),
        Some(name @ ("gallery" | "sync" | "export" | "purge")) => process::run(
            std::process::Command::new("cargo")
                .current_dir(&ctx.root)
                .args(["run", "--release", "-p", "atelier-client", "--example"])
                .arg(format!("{name}_bench")),
        ),
        Some("startup") => window_bench(ctx, "tests/window/startup-bench.mjs"),
        Some("scroll") => window_bench(ctx, "tests/window/scroll-bench.mjs"),
        Some("load") => load(ctx),
        _ => {
            anyhow::bail!(
                "benchmarks: thumbnails, latency, gallery, sync, startup, scroll, export, purge, load"
            )
        }
    }
}

/// The desktop app in a real window over a library the fixture synced (release builds, under Xvfb
/// and a D-Bus session with GNOME Keyring, as the window test runs): `startup`, the app's start
/// to the gallery painted over 10,000 cached images and its memory; `scroll`, frame times while
/// flinging through 100,000.
fn window_bench(ctx: &Ctx, script: &str) -> anyhow::Result<()> {
    let tools = setup::run(ctx)?;
    setup::build_ui(ctx, &tools)?;
    let driver = setup::tauri_driver()?;
    process::run(cargo(ctx).args([
        "build",
        "--release",
        "-p",
        "atelier-desktop",
        "--bin",
        "atelier-desktop",
        "-p",
        "atelier-client",
        "--example",
        "startup_fixture",
    ]))?;
    let release = target_dir(ctx).join("release");
    process::run(
        window_script(ctx, &tools, script)
            .env("ATELIER_DESKTOP_BIN", release.join("atelier-desktop"))
            .env(
                "ATELIER_STARTUP_FIXTURE_BIN",
                release.join("examples").join("startup_fixture"),
            )
            .env("TAURI_DRIVER_BIN", driver)
            .env("ATELIER_SCREENSHOTS", target_dir(ctx).join("screenshots")),
    )
}

/// Many clients against the release server binary in its own process (as deployed, without test
/// hooks), for a fixed time (`ATELIER_LOAD_CLIENTS`, `ATELIER_LOAD_SECONDS`).
fn load(ctx: &Ctx) -> anyhow::Result<()> {
    // Built alone: the example's dev-dependencies would add the test hooks to the binary.
    process::run(cargo(ctx).args([
        "build",
        "--release",
        "-p",
        "atelier-server",
        "--bin",
        "atelier-server",
    ]))?;
    let server = target_dir(ctx).join("release").join("atelier-server");
    let copy = target_dir(ctx)
        .join("release")
        .join("atelier-server-load-bench");
    std::fs::copy(&server, &copy)?;
    process::run(
        cargo(ctx)
            .args([
                "run",
                "--release",
                "-p",
                "atelier-server",
                "--example",
                "load_bench",
            ])
            .env("ATELIER_SERVER_BIN", copy),
    )
}
