//! `cargo xtask fuzz [--long] [--minimize] [--asan] [target…]`: the targets of `tests/fuzz` under
//! libFuzzer, with coverage feedback (`fuzz/`, cargo-fuzz's layout).
//!
//! cargo-fuzz itself wants a nightly toolchain, but the instrumentation it asks rustc for is
//! stable (`-C passes=sancov-module` and LLVM's sanitizer-coverage options), so this builds the
//! driver with those flags on the stable toolchain, for the host triple (the build scripts stay
//! uninstrumented), into `target/fuzz`. `--asan` adds AddressSanitizer, which only nightly
//! accepts: it sets `RUSTC_BOOTSTRAP=1` for that build. Our code forbids `unsafe`, so the
//! findings that matter are panics (overflow included: the driver's release profile keeps
//! overflow checks), 500s, time-outs and memory blow-ups, which need no sanitizer.
//!
//! Each target runs a fixed number of executions (`--runs N` overrides), starting from the
//! committed corpus `fuzz/corpus/<target>/` and writing what it finds to
//! `target/fuzz/corpus/<target>/`; a crash stops that target and lands in
//! `target/fuzz/artifacts/<target>/`. `--minimize` merges both into the smallest set with the
//! same coverage and writes it back to `fuzz/corpus/<target>/` (the `seed-*` and `crash-*`
//! files always stay). `--replay <target> <file>` runs one input through the debug build with a
//! full backtrace; `--runs 0 --minimize` only minimizes. One line per target, then `fuzz: …`
//! totals.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::suites::{cargo, target_dir};
use crate::{Ctx, process};

/// Every target, with its executions in a quick run and in a `--long` one (the cheap parsers get
/// millions; the ones that go through the router and SQLite, fewer).
const TARGETS: &[(&str, u64, u64)] = &[
    ("api_json", 20_000, 20_000_000),
    ("kie_record", 20_000, 20_000_000),
    ("kie_callback", 20_000, 20_000_000),
    ("image_decode", 5_000, 1_000_000),
    ("upload", 5_000, 1_000_000),
    ("sync_page", 5_000, 1_000_000),
    ("creem_webhook", 2_000, 300_000),
    ("routes", 2_000, 300_000),
];

/// Coverage instrumentation as cargo-fuzz asks for it, all stable rustc options.
const COVERAGE_FLAGS: &str = "-Cpasses=sancov-module \
    -Cllvm-args=-sanitizer-coverage-level=4 \
    -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
    -Cllvm-args=-sanitizer-coverage-pc-table \
    -Cllvm-args=-sanitizer-coverage-trace-compares \
    -Cforce-frame-pointers \
    --cfg fuzzing";

struct Options {
    long: bool,
    minimize: bool,
    asan: bool,
    runs: Option<u64>,
    targets: Vec<&'static str>,
}

pub fn run(ctx: &Ctx, args: &[String]) -> Result<()> {
    if args.first().map(String::as_str) == Some("--replay") {
        let [_, target, file] = args else {
            bail!("usage: cargo xtask fuzz --replay <target> <file>");
        };
        return replay(ctx, target, file);
    }
    let options = parse(args)?;
    let binaries = build(ctx, options.asan)?;
    let work = target_dir(ctx).join("fuzz");
    let started = Instant::now();
    let mut total_runs = 0;
    let mut failed = Vec::new();
    for name in &options.targets {
        let (_, quick, long) = TARGETS
            .iter()
            .find(|(n, _, _)| n == name)
            .copied()
            .context("a known target")?;
        let runs = options
            .runs
            .unwrap_or(if options.long { long } else { quick });
        // `--runs 0 --minimize`: only fold the last run's finds into the committed corpus.
        if runs > 0 {
            match run_target(ctx, &binaries, &work, name, runs) {
                Ok(done) => total_runs += done,
                Err(e) => {
                    eprintln!("fuzz {name}: {e:#}");
                    failed.push(*name);
                }
            }
        }
        if options.minimize {
            minimize(ctx, &binaries, &work, name)?;
        }
    }
    println!(
        "fuzz: targets={} runs={total_runs} crashes={} seconds={:.0}",
        options.targets.len(),
        failed.len(),
        started.elapsed().as_secs_f64()
    );
    if !failed.is_empty() {
        bail!("crashes in {}", failed.join(", "));
    }
    Ok(())
}

fn parse(args: &[String]) -> Result<Options> {
    let mut options = Options {
        long: false,
        minimize: false,
        asan: false,
        runs: None,
        targets: Vec::new(),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--long" => options.long = true,
            "--minimize" => options.minimize = true,
            "--asan" => options.asan = true,
            "--runs" => {
                let n = args.next().context("--runs takes a number")?;
                options.runs = Some(
                    n.replace('_', "")
                        .parse()
                        .context("--runs takes a number")?,
                );
            }
            name => {
                let Some((known, _, _)) = TARGETS.iter().find(|(n, _, _)| *n == name) else {
                    let names: Vec<&str> = TARGETS.iter().map(|(n, _, _)| *n).collect();
                    bail!("no fuzz target {name:?}; the targets: {}", names.join(" "));
                };
                options.targets.push(known);
            }
        }
    }
    if options.targets.is_empty() {
        options.targets = TARGETS.iter().map(|(n, _, _)| *n).collect();
    }
    Ok(options)
}

fn host_triple() -> Result<String> {
    let out = process::output(Command::new("rustc").arg("-vV"))?;
    out.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_owned)
        .context("rustc -vV names no host")
}

/// Builds the instrumented driver; returns the folder of its binaries.
fn build(ctx: &Ctx, asan: bool) -> Result<PathBuf> {
    let triple = host_triple()?;
    let mut flags = COVERAGE_FLAGS.to_owned();
    let mut command = cargo(ctx);
    if asan {
        flags.push_str(" -Zsanitizer=address");
        command.env("RUSTC_BOOTSTRAP", "1");
    }
    let dir = target_dir(ctx).join(if asan { "fuzz-asan" } else { "fuzz" });
    process::run(
        command
            .args([
                "build",
                "--release",
                "--bins",
                "--manifest-path",
                "fuzz/Cargo.toml",
            ])
            .args(["--target", &triple])
            .env("RUSTFLAGS", flags)
            .env("CARGO_TARGET_DIR", &dir),
    )?;
    Ok(dir.join(triple).join("release"))
}

/// Runs one target; returns its executions.
fn run_target(ctx: &Ctx, binaries: &Path, work: &Path, name: &str, runs: u64) -> Result<u64> {
    let found = work.join("corpus").join(name);
    let artifacts = work.join("artifacts").join(name);
    let logs = work.join("logs");
    for dir in [&found, &artifacts, &logs] {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let log = logs.join(format!("{name}.log"));
    let mut command = Command::new(binaries.join(name));
    command
        .arg(format!("-runs={runs}"))
        .args([
            "-max_len=65536",
            "-timeout=30",
            "-rss_limit_mb=3072",
            "-print_final_stats=1",
            // One hour at most, whatever the count: a long run still ends.
            "-max_total_time=3600",
        ])
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .arg(format!("-dict={}", ctx.path("fuzz/json.dict").display()))
        .arg(&found)
        .arg(ctx.path("fuzz/corpus").join(name))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log)?);
    eprintln!("$ {} (log: {})", process::describe(&command), log.display());
    let started = Instant::now();
    let status = command
        .status()
        .with_context(|| format!("starting {name}"))?;
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let done = text.lines().rev().find_map(|l| {
        l.strip_prefix("Done ")?
            .split(' ')
            .next()?
            .parse::<u64>()
            .ok()
    });
    let corpus = std::fs::read_dir(&found).map_or(0, Iterator::count);
    let Some(done) = done.filter(|_| status.success()) else {
        let tail: Vec<&str> = text.lines().rev().take(30).collect();
        for line in tail.iter().rev() {
            eprintln!("  {line}");
        }
        bail!(
            "crashed or stopped ({status}) after {:.0} s; the input is in {} (replay: cargo xtask fuzz --replay {name} <file>)",
            started.elapsed().as_secs_f64(),
            artifacts.display()
        );
    };
    println!(
        "fuzz {name}: runs={done} seconds={:.0} crashes=0 found={corpus}",
        started.elapsed().as_secs_f64()
    );
    Ok(done)
}

/// Merges the committed corpus and what this run found into the smallest set with the same
/// coverage, and writes the smallest 150 of it back to `fuzz/corpus/<name>/` beside the `seed-*`
/// and `crash-*` files.
fn minimize(ctx: &Ctx, binaries: &Path, work: &Path, name: &str) -> Result<()> {
    let merged = work.join("merged").join(name);
    let _ = std::fs::remove_dir_all(&merged);
    std::fs::create_dir_all(&merged)?;
    let committed = ctx.path("fuzz/corpus").join(name);
    let log = work.join("logs").join(format!("{name}-merge.log"));
    let status = Command::new(binaries.join(name))
        // The smallest set of inputs that covers the same features (not just one per feature).
        .args(["-set_cover_merge=1", "-max_len=65536", "-timeout=30"])
        .arg(&merged)
        .arg(&committed)
        .arg(work.join("corpus").join(name))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log)?)
        .status()?;
    if !status.success() {
        bail!("merging {name} failed; see {}", log.display());
    }
    let kept = |file: &Path| {
        file.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("seed-") || n.starts_with("crash-"))
    };
    let mut pinned = Vec::new();
    for entry in std::fs::read_dir(&committed)? {
        let path = entry?.path();
        if kept(&path) {
            pinned.push(std::fs::read(&path)?);
        } else {
            std::fs::remove_file(&path)?;
        }
    }
    // The committed corpus stays small: at most this many found inputs, the smallest first (a long
    // run gets the rest of the coverage back in seconds from them).
    const MAX_FOUND: usize = 150;
    let mut found: Vec<PathBuf> = std::fs::read_dir(&merged)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    found.sort_by_key(|path| {
        (
            std::fs::metadata(path).map_or(u64::MAX, |m| m.len()),
            path.clone(),
        )
    });
    let mut added = 0;
    for path in found {
        if added == MAX_FOUND {
            break;
        }
        let bytes = std::fs::read(&path)?;
        if !pinned.contains(&bytes) {
            std::fs::copy(
                &path,
                committed.join(path.file_name().context("a file name")?),
            )?;
            added += 1;
        }
    }
    println!(
        "fuzz {name}: corpus minimized to {} seeds and crashes + {added} found",
        pinned.len()
    );
    Ok(())
}

fn replay(ctx: &Ctx, target: &str, file: &str) -> Result<()> {
    let file = std::fs::canonicalize(file).with_context(|| format!("no file {file}"))?;
    process::run(
        cargo(ctx)
            .args([
                "test",
                "-p",
                "atelier-fuzz",
                "--test",
                "smoke",
                "replay",
                "--",
                "--nocapture",
            ])
            .env(
                "ATELIER_FUZZ_REPLAY",
                format!("{target}:{}", file.display()),
            )
            .env("RUST_BACKTRACE", "1"),
    )
}
