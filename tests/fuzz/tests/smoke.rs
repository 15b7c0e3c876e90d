//! The fuzz smoke run, part of `cargo test`: each target gets every file of its committed corpus
//! (`fuzz/corpus/<target>/`), then a fixed number of inputs mutated from them, from a fixed seed
//! (`ATELIER_FUZZ_SEED` changes it, `ATELIER_FUZZ_CASES` multiplies the counts). A failing input
//! is written under the test's target folder and named in the failure, to replay with
//! `cargo xtask fuzz --replay <target> <file>`. The long, coverage-guided runs are
//! `cargo xtask fuzz --long` (libFuzzer).
#![allow(clippy::unwrap_used)] // a test's helpers, failing loudly

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::Instant;

use atelier_fuzz::mutate::{Rng, mutate};

const MAX_LEN: usize = 64 * 1024;

fn corpus(name: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(name);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

fn smoke(name: &str, cases: u64) {
    let target = atelier_fuzz::target(name).unwrap();
    let seeds = corpus(name);
    assert!(!seeds.is_empty(), "fuzz/corpus/{name} is empty");
    let cases = cases * env_number("ATELIER_FUZZ_CASES").unwrap_or(1);
    let seed = env_number("ATELIER_FUZZ_SEED").unwrap_or(0x5eed);
    let mut rng = Rng::new(
        seed ^ name
            .bytes()
            .fold(0, |h: u64, b| h.wrapping_mul(31) ^ u64::from(b)),
    );
    let run = |input: &[u8], what: &str| {
        if catch_unwind(AssertUnwindSafe(|| target(input))).is_err() {
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-smoke");
            std::fs::create_dir_all(&dir).unwrap();
            let file = dir.join(format!(
                "{name}-{}",
                atelier_server::crypto::sha256_hex(input)
            ));
            std::fs::write(&file, input).unwrap();
            panic!(
                "target {name} panicked on {what}, saved as {} (replay: cargo xtask fuzz --replay {name} {})",
                file.display(),
                file.display()
            );
        }
    };
    let started = Instant::now();
    for (i, input) in seeds.iter().enumerate() {
        run(input, &format!("corpus file {i}"));
    }
    let mut input = Vec::new();
    for case in 0..cases {
        input.clear();
        if rng.below(16) != 0 {
            input.extend_from_slice(&seeds[rng.below(seeds.len())]);
        }
        mutate(&mut rng, &mut input, &seeds, MAX_LEN);
        run(&input, &format!("mutated case {case} (seed {seed})"));
    }
    println!(
        "fuzz smoke {name}: {} corpus files + {cases} mutated inputs in {:.1} s, 0 panics",
        seeds.len(),
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn api_json() {
    smoke("api_json", 100_000);
}

#[test]
fn routes() {
    smoke("routes", 6_000);
}

#[test]
fn creem_webhook() {
    smoke("creem_webhook", 5_000);
}

#[test]
fn kie_record() {
    smoke("kie_record", 100_000);
}

#[test]
fn kie_callback() {
    smoke("kie_callback", 100_000);
}

#[test]
fn sync_page() {
    smoke("sync_page", 15_000);
}

#[test]
fn image_decode() {
    smoke("image_decode", 5_000);
}

#[test]
fn upload() {
    smoke("upload", 5_000);
}

/// `ATELIER_FUZZ_REPLAY=<target>:<file>`: runs the target on that one input (a crash that
/// libFuzzer or the smoke run saved), outside `catch_unwind`, so the panic shows in full.
/// Without the variable it does nothing.
#[test]
fn replay() {
    let Ok(spec) = std::env::var("ATELIER_FUZZ_REPLAY") else {
        return;
    };
    let (name, file) = spec
        .split_once(':')
        .expect("ATELIER_FUZZ_REPLAY=<target>:<file>");
    let target = atelier_fuzz::target(name).unwrap_or_else(|| panic!("no target {name}"));
    let input = std::fs::read(file).unwrap_or_else(|e| panic!("reading {file}: {e}"));
    target(&input);
    println!("replayed {file} on {name}: no panic");
}
