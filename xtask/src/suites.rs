//! `cargo xtask test [suite…]`: set-up, then each suite in turn (a failure does not stop the
//! others), then one summary line per suite.

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::Ctx;
use crate::process;
use crate::setup::{self, Tools};
use crate::worker;

const SUITES: &[(&str, &str)] = &[
    ("lint", "rustfmt and clippy (warnings are errors)"),
    (
        "rust",
        "every crate's unit and integration tests (the policy suite apart)",
    ),
    (
        "bindings",
        "the committed TypeScript bindings match the Rust commands",
    ),
    ("ui-unit", "svelte-check and vitest"),
    (
        "ui-browser",
        "the UI in Chromium through Playwright, IPC mocked",
    ),
    (
        "conformance",
        "the HTTP suite against the native server and the Worker under wrangler",
    ),
    (
        "deploy",
        "`cargo xtask deploy --dry-run`: the production Worker (no test hooks, within the size budget), its config and migrations",
    ),
    (
        "package",
        "`cargo xtask package`: the release .deb (unpacked and checked), atelier-server and atelier",
    ),
    (
        "window",
        "the built app in a real window under Xvfb, through tauri-driver",
    ),
    (
        "policy",
        "the privacy policy, one named test per promise (tests/policy)",
    ),
];

const BINDINGS: &str = "ui/src/lib/backend/bindings.ts";

pub fn run(ctx: &Ctx, args: &[String]) -> ExitCode {
    let selected: Vec<&str> = if args.is_empty() {
        SUITES.iter().map(|(name, _)| *name).collect()
    } else {
        args.iter().map(String::as_str).collect()
    };
    if let Some(unknown) = selected
        .iter()
        .find(|s| !SUITES.iter().any(|(name, _)| name == *s))
    {
        eprintln!("unknown suite {unknown:?}; the suites are:");
        for (name, what) in SUITES {
            eprintln!("  {name:<12} {what}");
        }
        return ExitCode::from(2);
    }

    let started = Instant::now();
    let tools = match setup::run(ctx).and_then(|tools| {
        // ui/dist is embedded by the desktop crate, which lint, rust, bindings and window compile.
        setup::build_ui(ctx, &tools)?;
        Ok(tools)
    }) {
        Ok(tools) => tools,
        Err(e) => {
            eprintln!("set-up failed: {e:#}");
            println!(
                "summary: setup        FAILED after {:.1?}",
                started.elapsed()
            );
            return ExitCode::FAILURE;
        }
    };
    let setup_time = started.elapsed();

    let mut results: Vec<(&str, Result<()>, Duration)> = Vec::new();
    for suite in selected {
        eprintln!("\n===== suite {suite} =====");
        let t = Instant::now();
        let result = run_suite(ctx, &tools, suite);
        if let Err(e) = &result {
            eprintln!("suite {suite} failed: {e:#}");
        }
        results.push((suite, result, t.elapsed()));
    }

    println!();
    println!("summary: setup        passed in {}", secs(setup_time));
    for (suite, result, took) in &results {
        match result {
            Ok(()) => println!("summary: {suite:<12} passed in {}", secs(*took)),
            Err(e) => println!(
                "summary: {suite:<12} FAILED in {}: {}",
                secs(*took),
                first_line(e)
            ),
        }
    }
    let failed = results.iter().filter(|(_, r, _)| r.is_err()).count();
    println!(
        "summary: {} of {} suites passed in {}",
        results.len() - failed,
        results.len(),
        secs(started.elapsed())
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

fn first_line(e: &anyhow::Error) -> String {
    format!("{e:#}")
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

pub(crate) fn cargo(ctx: &Ctx) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(&ctx.root);
    command
}

pub(crate) fn target_dir(ctx: &Ctx) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| ctx.path("target"), PathBuf::from)
}

fn run_suite(ctx: &Ctx, tools: &Tools, suite: &str) -> Result<()> {
    match suite {
        "lint" => {
            process::run(cargo(ctx).args(["fmt", "--all", "--", "--check"]))?;
            process::run(cargo(ctx).args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]))?;
            // The Worker's code compiles only for wasm32: lint it there too (the target comes with the
            // Worker's tools).
            worker::ensure_tools(&ctx.root)?;
            process::run(cargo(ctx).args([
                "clippy",
                "-p",
                "atelier-worker",
                "--target",
                "wasm32-unknown-unknown",
                "--",
                "-D",
                "warnings",
            ]))
        }
        "rust" => process::run(cargo(ctx).args([
            "test",
            "--workspace",
            "--exclude",
            "atelier-conformance",
            "--exclude",
            "atelier-policy",
        ])),
        "bindings" => check_bindings(ctx),
        "ui-unit" => {
            let ui = ctx.path("ui");
            process::run(tools.npm(&ui).args(["run", "check"]))?;
            process::run(tools.npm(&ui).args(["test"]))
        }
        "ui-browser" => process::run(tools.npm(&ctx.path("ui")).args(["run", "test:browser"])),
        "conformance" => conformance(ctx, tools),
        "deploy" => crate::deploy::dry_run(ctx),
        "package" => crate::package::build_and_check(ctx, tools),
        "window" => window(ctx, tools),
        // Each promise prints as its own line (`s3_third_party_services::kie_receives_…`).
        "policy" => process::run(cargo(ctx).args(["test", "-p", "atelier-policy"])),
        other => bail!("no suite {other}"),
    }
}

fn export_bindings(ctx: &Ctx, to: &std::path::Path) -> Result<()> {
    process::run(
        cargo(ctx)
            .args([
                "run",
                "--quiet",
                "-p",
                "atelier-desktop",
                "--example",
                "export-bindings",
                "--",
            ])
            .arg(to),
    )
}

/// `cargo xtask bindings`: rewrites the committed bindings.
pub fn write_bindings(ctx: &Ctx) -> Result<()> {
    let tools = setup::node(ctx)?;
    setup::ui_packages(ctx, &tools)?;
    if !ctx.path("ui/dist/index.html").exists() {
        setup::build_ui(ctx, &tools)?;
    }
    export_bindings(ctx, &ctx.path(BINDINGS))
}

fn check_bindings(ctx: &Ctx) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("atelier-bindings-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let fresh = dir.join("bindings.ts");
    export_bindings(ctx, &fresh)?;
    let generated = std::fs::read_to_string(&fresh)?;
    let _ = std::fs::remove_dir_all(&dir);
    let committed = std::fs::read_to_string(ctx.path(BINDINGS))
        .with_context(|| format!("reading {BINDINGS}"))?;
    if generated != committed {
        bail!("{BINDINGS} is stale: run `cargo xtask bindings` and commit the result");
    }
    Ok(())
}

/// The conformance suite drives the service through its test hooks, so it builds both runtimes
/// with the `test-hooks` feature. It also runs a server built without it (the features of
/// `cargo build --release`), copied aside first, to prove such a build has no test hooks at all.
fn conformance(ctx: &Ctx, _tools: &Tools) -> Result<()> {
    let worker_tools = worker::ensure_tools(&ctx.root)?;
    worker::build_with_test_hooks(&ctx.root, &worker_tools)?;
    let debug = target_dir(ctx).join("debug");
    let server = ["build", "-p", "atelier-server", "--bin", "atelier-server"];
    process::run(cargo(ctx).args(server))?;
    let without_hooks = debug.join("atelier-server-without-test-hooks");
    std::fs::copy(debug.join("atelier-server"), &without_hooks)
        .with_context(|| format!("copying the server to {}", without_hooks.display()))?;
    process::run(cargo(ctx).args(server).args(["--features", "test-hooks"]))?;
    process::run(
        cargo(ctx)
            .args(["test", "-p", "atelier-conformance", "--test", "conformance"])
            .env("ATELIER_SERVER_BIN", debug.join("atelier-server"))
            .env("ATELIER_SERVER_BIN_WITHOUT_TEST_HOOKS", without_hooks)
            .env("ATELIER_NODE", worker_tools.node())
            .env("ATELIER_WRANGLER_JS", worker_tools.wrangler_js()),
    )
}

fn window(ctx: &Ctx, tools: &Tools) -> Result<()> {
    let driver = setup::tauri_driver()?;
    process::run(cargo(ctx).args([
        "build",
        "-p",
        "atelier-desktop",
        "--bin",
        "atelier-desktop",
        "-p",
        "atelier-server",
        "--bin",
        "atelier-server",
        "-p",
        "atelier-simulators",
        "--bin",
        "atelier-simulators",
    ]))?;
    let target = target_dir(ctx).join("debug");
    process::run(
        window_script(ctx, tools, "tests/window/run.mjs")
            .env("ATELIER_DESKTOP_BIN", target.join("atelier-desktop"))
            .env("ATELIER_SERVER_BIN", target.join("atelier-server"))
            .env("ATELIER_SIMULATORS_BIN", target.join("atelier-simulators"))
            .env("TAURI_DRIVER_BIN", driver)
            .env("ATELIER_SCREENSHOTS", target_dir(ctx).join("screenshots")),
    )
}

/// Node running `script` in a virtual display (Xvfb) and a D-Bus session of its own, as the
/// real-window scripts need (the app, WebKit and GNOME Keyring all want both).
pub(crate) fn window_script(ctx: &Ctx, tools: &Tools, script: &str) -> Command {
    let mut command = tools.command("xvfb-run");
    command
        .current_dir(&ctx.root)
        .args([
            "--auto-servernum",
            "--server-args=-screen 0 1440x960x24",
            "dbus-run-session",
            "--",
        ])
        .arg(&tools.node)
        .arg(script);
    command
}
