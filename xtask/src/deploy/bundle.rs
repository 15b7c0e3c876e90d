//! The production bundle `wrangler deploy --dry-run --outdir` writes: its size against the Workers
//! limits, proof that it has no test hooks, and the migrations it ships with.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Cloudflare's limit on a Worker's compressed (gzip) size on the Free plan; the Paid plan allows
/// 10 MiB. Staying within Free keeps the service deployable on any account.
pub const BUDGET_GZIP_BYTES: u64 = 3 * 1024 * 1024;
/// Cloudflare's limit on a Worker's uncompressed size (any plan).
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Strings only a build with the `test-hooks` feature carries: the routes' paths (`/__test/clock`,
/// …) and the test header's name. A release build still holds `__test:clock-offset` and
/// `__test:blob-failure-ppm` (KV key names the platform code names unconditionally) and the
/// refusal message naming `ATELIER_TEST_MODE`, so neither of those is a marker.
pub const TEST_HOOK_MARKERS: &[&str] = &["/__test/", "x-atelier-test-ip"];

/// The modules wrangler uploads, as it wrote them to its `--outdir`.
#[derive(Debug, PartialEq, Eq)]
pub struct Bundle {
    pub modules: Vec<PathBuf>,
    /// Their total size, uncompressed.
    pub bytes: u64,
    /// Their concatenation gzipped (level 6), as wrangler measures "Total Upload … / gzip"; the
    /// dry-run raises it to wrangler's own figure when that is larger (zlib implementations differ
    /// by a few KiB).
    pub gzip_bytes: u64,
}

/// Reads the modules in `outdir` (everything but wrangler's README.md and source maps).
pub fn measure(outdir: &Path) -> Result<Bundle> {
    let mut modules: Vec<PathBuf> = std::fs::read_dir(outdir)
        .with_context(|| format!("reading {}", outdir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_file() && is_module(path))
        .collect();
    modules.sort();
    if !modules.iter().any(|m| has_extension(m, "wasm")) {
        bail!(
            "{} holds no .wasm module: is this the Rust Worker's bundle?",
            outdir.display()
        );
    }
    let mut contents = Vec::new();
    for module in &modules {
        contents
            .push(std::fs::read(module).with_context(|| format!("reading {}", module.display()))?);
    }
    let bytes = contents.iter().map(|c| c.len() as u64).sum();
    let gzip_bytes = gzip_len(contents.iter().map(Vec::as_slice))?;
    Ok(Bundle {
        modules,
        bytes,
        gzip_bytes,
    })
}

fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension().is_some_and(|e| e == ext)
}

fn is_module(path: &Path) -> bool {
    let name = path.file_name().unwrap_or_default();
    name != "README.md" && !has_extension(path, "map")
}

/// The gzip size of the chunks' concatenation.
pub fn gzip_len<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> Result<u64> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    for chunk in chunks {
        encoder.write_all(chunk)?;
    }
    Ok(encoder.finish()?.len() as u64)
}

/// Fails when the bundle is over either limit.
pub fn check_size(bundle: &Bundle) -> Result<()> {
    if bundle.gzip_bytes > BUDGET_GZIP_BYTES {
        bail!(
            "the Worker is {} bytes gzipped, over the budget of {BUDGET_GZIP_BYTES} (the Free plan's 3 MiB; Paid allows 10 MiB)",
            bundle.gzip_bytes
        );
    }
    if bundle.bytes > MAX_BYTES {
        bail!(
            "the Worker is {} bytes uncompressed, over Cloudflare's {MAX_BYTES}",
            bundle.bytes
        );
    }
    Ok(())
}

/// The test-hook markers `content` holds.
pub fn test_hook_markers(content: &[u8]) -> Vec<&'static str> {
    TEST_HOOK_MARKERS
        .iter()
        .copied()
        .filter(|marker| {
            content
                .windows(marker.len())
                .any(|w| w.eq_ignore_ascii_case(marker.as_bytes()))
        })
        .collect()
}

/// Fails when any module carries a test hook.
pub fn check_no_test_hooks(bundle: &Bundle) -> Result<()> {
    for module in &bundle.modules {
        let content = std::fs::read(module)?;
        let found = test_hook_markers(&content);
        if !found.is_empty() {
            bail!(
                "{} carries test hooks ({found:?}): the production bundle was built with the `test-hooks` feature",
                module.display()
            );
        }
    }
    Ok(())
}

/// wrangler's own figures from `Total Upload: 2596.34 KiB / gzip: 930.95 KiB`, in KiB.
pub fn wrangler_total_upload(output: &str) -> Option<(f64, f64)> {
    let line = output
        .lines()
        .find_map(|l| l.split_once("Total Upload:").map(|(_, rest)| rest))?;
    let (size, gzip) = line.split_once("/ gzip:")?;
    let kib = |s: &str| s.trim().trim_end_matches("KiB").trim().parse::<f64>().ok();
    Some((kib(size)?, kib(gzip)?))
}

/// Checks the migrations folder: every `.sql` file is named `NNNN_name.sql`, numbered 1, 2, 3, …
/// without gaps or repeats, and holds a statement. Returns how many there are. (Whether they
/// apply is for D1 itself: the dry-run applies them to a local D1.)
pub fn check_migrations(dir: &Path) -> Result<usize> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".sql"))
        .collect();
    names.sort();
    let mut problems = migration_name_problems(&names);
    for name in &names {
        let text = std::fs::read_to_string(dir.join(name))?;
        if !has_statement(&text) {
            problems.push(format!("{name} holds no SQL statement"));
        }
    }
    if !problems.is_empty() {
        bail!("{}: {}", dir.display(), problems.join("; "));
    }
    Ok(names.len())
}

/// What is wrong with a sorted list of migration file names.
pub fn migration_name_problems(names: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    if names.is_empty() {
        problems.push("no migrations".to_owned());
    }
    let mut expected = 1u32;
    for name in names {
        let number = name
            .split_once('_')
            .filter(|(digits, rest)| {
                digits.len() == 4
                    && digits.bytes().all(|b| b.is_ascii_digit())
                    && rest.len() > ".sql".len()
            })
            .and_then(|(digits, _)| digits.parse::<u32>().ok());
        match number {
            None => problems.push(format!("{name} is not named NNNN_name.sql")),
            Some(n) if n == expected => expected += 1,
            Some(n) => {
                problems.push(format!("{name} is number {n}, expected {expected}"));
                expected = n + 1;
            }
        }
    }
    problems
}

/// Whether `sql` holds anything besides whitespace and comments.
fn has_statement(sql: &str) -> bool {
    let mut rest = sql;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r);
        } else {
            return !rest.is_empty();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn migrations_must_be_numbered_consecutively() {
        assert!(
            migration_name_problems(&names(&["0001_init.sql", "0002_accounts.sql"])).is_empty()
        );
        assert_eq!(
            migration_name_problems(&names(&["0001_init.sql", "0003_sync.sql"])),
            ["0003_sync.sql is number 3, expected 2"]
        );
        assert_eq!(
            migration_name_problems(&names(&["0001_a.sql", "0001_b.sql"])),
            ["0001_b.sql is number 1, expected 2"]
        );
        assert_eq!(
            migration_name_problems(&names(&["0001_init.sql", "2_x.sql"])),
            ["2_x.sql is not named NNNN_name.sql"]
        );
        assert_eq!(migration_name_problems(&[]), ["no migrations"]);
    }

    #[test]
    fn comments_alone_are_no_statement() {
        assert!(!has_statement("  \n-- nothing here\n/* nor\nhere */\n"));
        assert!(has_statement("-- a table\nCREATE TABLE t (x);"));
        assert!(has_statement("/* c */ SELECT 1;"));
    }

    #[test]
    fn the_real_migrations_pass() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../backend/migrations");
        assert!(check_migrations(&dir).unwrap() >= 9);
    }

    #[test]
    fn test_hook_markers_are_found_in_any_case() {
        assert_eq!(
            test_hook_markers(b"\0\x01/__test/clock\0/__test/tick"),
            ["/__test/"]
        );
        assert_eq!(
            test_hook_markers(b"X-Atelier-Test-Ip"),
            ["x-atelier-test-ip"]
        );
        // What a release build holds: KV key names and the refusal message.
        assert!(
            test_hook_markers(
                b"__test:clock-offset\0__test:blob-failure-ppm\0ATELIER_TEST_MODE=1 is refused"
            )
            .is_empty()
        );
    }

    #[test]
    fn wranglers_figures_parse() {
        let out = "[custom build] atelier-worker: build/ is up to date\n\
                   Total Upload: 2596.34 KiB / gzip: 930.95 KiB\n\
                   Your Worker has access to the following bindings:\n";
        assert_eq!(wrangler_total_upload(out), Some((2596.34, 930.95)));
        assert_eq!(wrangler_total_upload("nothing"), None);
    }

    #[test]
    fn size_limits() {
        let bundle = |bytes, gzip_bytes| Bundle {
            modules: Vec::new(),
            bytes,
            gzip_bytes,
        };
        assert!(check_size(&bundle(2_600_000, 950_000)).is_ok());
        assert!(check_size(&bundle(9_000_000, BUDGET_GZIP_BYTES + 1)).is_err());
        assert!(check_size(&bundle(MAX_BYTES + 1, 1_000_000)).is_err());
    }

    #[test]
    fn gzip_shrinks_repetition() {
        let data = vec![b'a'; 100_000];
        let len = gzip_len([data.as_slice(), data.as_slice()]).unwrap();
        assert!(len > 18 && len < 2_000, "{len}");
    }

    #[test]
    fn measure_counts_modules_only() {
        let dir = std::env::temp_dir().join(format!("xtask-bundle-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("README.md"), "x".repeat(1000)).unwrap();
        std::fs::write(dir.join("index.js"), "export default {};").unwrap();
        std::fs::write(dir.join("index.js.map"), "x".repeat(1000)).unwrap();
        std::fs::write(dir.join("abc-index_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
        let bundle = measure(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(bundle.modules.len(), 2);
        assert_eq!(bundle.bytes, 18 + 8);
        assert!(bundle.gzip_bytes > 0);
    }
}
