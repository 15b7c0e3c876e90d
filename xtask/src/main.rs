//! `cargo xtask <command>`: everything a developer or CI does, in one place.
//!
//!   setup             install what is missing (Debian packages, Node 22, npm packages, wasm tools, tauri-driver)
//!   dev [--worker]    setup, then the simulators + the native server (or the Worker under wrangler)
//!                     + the desktop app pointed at it
//!   test [suite…]     setup, then every suite (or the named ones), ending with one summary line per suite
//!   deploy [--dry-run] [--secrets-file <file>]
//!                     the Worker to Cloudflare: D1, R2 and KV created if missing, migrations, secrets
//!                     checked, deploy, /healthz; --dry-run builds and checks everything that needs no
//!                     account (the `deploy` suite)
//!   bindings          regenerate ui/src/lib/backend/bindings.ts from the Rust commands
//!   icons             regenerate icons/ from icons/atelier.svg
//!   bench thumbnails  the server's thumbnailer against libvips' vipsthumbnail (release build)
//!   bench latency     kie task done → image listed by atelier-client, p50/p95, callback and polling paths
//!   bench gallery     a gallery window of 200 over 100,000 cached images, with and without search, p50/p99
//!   bench sync        first sync of 10,000 images (metadata + thumbnails) into an empty cache; a sync with no changes
//!   bench startup     app start to the gallery painted with 10,000 cached images; resident memory of its processes
//!   bench export      the data export of 200 images of 1024×1024: all downloaded, then all from the cache; time and zip size
//!   bench load        200 concurrent clients against the native server for 30 s: requests/s, p50/p99, errors
//!   fuzz [--long] [--minimize] [target…]
//!                     the fuzz targets (tests/fuzz) under libFuzzer with coverage feedback; --long for millions
//!                     of executions; --replay <target> <file> runs one input with a backtrace

mod bench;
mod deploy;
mod dev;
mod fuzz;
mod package;
mod process;
mod setup;
mod suites;
mod worker;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The repository root and the tools every command shares.
pub struct Ctx {
    pub root: PathBuf,
}

impl Ctx {
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }
}

const USAGE: &str = "usage: cargo xtask <setup | dev [--worker] | test [suite…] | deploy [--dry-run] [--secrets-file <file>] | package | bindings | icons | bench thumbnails|latency|gallery|sync|startup|export|purge|load | fuzz [--long] [target…]>\n\
suites: lint rust bindings ui-unit ui-browser conformance deploy package window policy";

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let ctx = Ctx { root };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::run(&ctx).map(|_| ()),
        Some("dev") => {
            let runtime = if args.iter().any(|a| a == "--worker") {
                dev::Runtime::Worker
            } else {
                dev::Runtime::Native
            };
            dev::run(&ctx, runtime)
        }
        Some("test") => return suites::run(&ctx, &args[1..]),
        Some("deploy") => deploy::run(&ctx, &args[1..]),
        Some("package") => package::run(&ctx),
        Some("bindings") => suites::write_bindings(&ctx),
        Some("icons") => setup::icons(&ctx),
        Some("bench") => bench::run(&ctx, &args[1..]),
        Some("fuzz") => fuzz::run(&ctx, &args[1..]),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}
