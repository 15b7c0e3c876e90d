//! `cargo xtask deploy [--dry-run] [--secrets-file <file>]`: from a Cloudflare account to a
//! running service.
//!
//! Both modes first do everything that needs no account: check `backend/wrangler.toml` against the
//! names the server reads, check the migrations' numbering and apply them to a local D1, build the
//! production bundle (`wrangler deploy --dry-run`, whose `[build]` runs `build.sh` without the
//! test hooks), prove it has no test hooks and measure it against the Workers limits. `--dry-run`
//! stops there and lists what a real run would do; `cargo xtask test deploy` runs it.
//!
//! A real run then signs in (`wrangler whoami`), checks that every `[secrets] required` is set or
//! in the `--secrets-file`, creates the D1 database, R2 bucket and KV namespace the account lacks,
//! writes `backend/wrangler.deploy.toml` (git-ignored: the committed file keeps its placeholders)
//! with their ids and the values of `[vars]` the environment sets, applies the migrations remotely,
//! deploys and waits for `ATELIER_PUBLIC_URL/healthz`.

mod account;
mod bundle;
mod config;
mod real;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::Ctx;
use crate::worker::{self, WorkerTools};
use config::{Ids, ServerNames, WranglerConfig};

const WRANGLER_TOML: &str = "backend/wrangler.toml";
/// The generated config of a real run (git-ignored), beside the committed one so that its
/// relative paths (`main`, `[build]`, `migrations_dir`) hold.
const GENERATED: &str = "backend/wrangler.deploy.toml";
const CONFIG_RS: &str = "backend/server/src/config.rs";
/// `build.sh`'s stamp: `features=` for a build without test hooks.
const BUILD_STAMP: &str = "backend/worker/build/.sources-stamp";

const USAGE: &str = "usage: cargo xtask deploy [--dry-run] [--secrets-file <file>]";

pub fn run(ctx: &Ctx, args: &[String]) -> Result<()> {
    let mut dry_run_only = false;
    let mut secrets_file: Option<PathBuf> = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--dry-run" => dry_run_only = true,
            "--secrets-file" => {
                let path = args.next().context(USAGE)?;
                secrets_file = Some(std::path::absolute(path)?);
            }
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    if dry_run_only {
        dry_run_with(ctx, secrets_file.as_deref())
    } else {
        real::deploy(ctx, secrets_file.as_deref())
    }
}

/// The config as a deploy would use it, checked.
struct Loaded {
    config: WranglerConfig,
    names: ServerNames,
    /// `[vars]` with the environment's values.
    vars: Vec<(String, String)>,
}

impl Loaded {
    fn public_url(&self) -> &str {
        self.vars
            .iter()
            .find(|(k, _)| k == "ATELIER_PUBLIC_URL")
            .map_or(config::DEFAULT_PUBLIC_URL, |(_, v)| v.as_str())
    }
}

fn load(ctx: &Ctx) -> Result<Loaded> {
    let read = |rel: &str| {
        std::fs::read_to_string(ctx.path(rel)).with_context(|| format!("reading {rel}"))
    };
    let config = WranglerConfig::parse(&read(WRANGLER_TOML)?)?;
    let names = ServerNames::scan(&read(CONFIG_RS)?)?;
    let problems = config.problems(&names);
    if !problems.is_empty() {
        bail!("{WRANGLER_TOML}:\n  {}", problems.join("\n  "));
    }
    let (vars, overridden) = config.vars_with(|name| std::env::var(name).ok());
    for name in &overridden {
        let value = vars
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str());
        eprintln!(
            "deploy: [vars] {name} from the environment: {:?}",
            value.unwrap_or_default()
        );
    }
    Ok(Loaded {
        config,
        names,
        vars,
    })
}

/// What the checks that need no account found.
struct Checked {
    bundle: bundle::Bundle,
    migrations: usize,
    wrangler_kib: Option<(f64, f64)>,
}

/// A file or folder removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `node wrangler.js <args>` in backend/, stdin closed (wrangler then asks nothing).
fn wrangler(ctx: &Ctx, tools: &WorkerTools, args: &[&str]) -> Command {
    let mut command = tools.wrangler(&ctx.root);
    command.args(args).stdin(Stdio::null());
    command
}

fn describe(command: &Command) -> String {
    let args: Vec<String> = command
        .get_args()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    format!("wrangler {}", args.join(" "))
}

/// Runs a wrangler command, returning its stdout and stderr together; on failure, their end.
fn capture(mut command: Command) -> Result<String> {
    let line = describe(&command);
    eprintln!("$ {line}");
    let out = command
        .output()
        .with_context(|| format!("cannot start `{line}`"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(60)..].join("\n");
        bail!("`{line}` failed with {}:\n{tail}", out.status);
    }
    Ok(text)
}

/// Runs a wrangler command with its output on the terminal.
fn stream(mut command: Command) -> Result<()> {
    let line = describe(&command);
    eprintln!("$ {line}");
    let status = command
        .status()
        .with_context(|| format!("cannot start `{line}`"))?;
    if !status.success() {
        bail!("`{line}` failed with {status}");
    }
    Ok(())
}

/// Everything that needs no account: the migrations, the production bundle and its size.
fn check(ctx: &Ctx, tools: &WorkerTools, loaded: &Loaded) -> Result<Checked> {
    let backend = ctx.path("backend");
    let migrations = bundle::check_migrations(&backend.join(&loaded.config.migrations_dir))?;

    let pid = std::process::id();
    let scratch = Scratch(std::env::temp_dir().join(format!("atelier-deploy-{pid}")));
    std::fs::create_dir_all(&scratch.0)?;
    // The config a real run would write, with the committed (placeholder) ids; beside the
    // committed one for its relative paths.
    let dry_config_name = format!("wrangler.dry-run-{pid}.toml");
    let dry_config = Scratch(backend.join(&dry_config_name));
    let committed_ids = Ids {
        d1: loaded.config.d1.id.clone().unwrap_or_default(),
        kv: loaded.config.kv.id.clone().unwrap_or_default(),
    };
    let domain = config::custom_domain(loaded.public_url());
    std::fs::write(
        &dry_config.0,
        loaded.config.render(&committed_ids, &loaded.vars, domain)?,
    )?;

    eprintln!("deploy: building the production bundle (a cold build takes minutes)");
    let started = Instant::now();
    let outdir = scratch.0.join("bundle");
    let outdir_arg = outdir.to_string_lossy();
    let output = capture(wrangler(
        ctx,
        tools,
        &[
            "deploy",
            "--dry-run",
            "--outdir",
            &outdir_arg,
            "--config",
            &dry_config_name,
        ],
    ))?;
    let fresh = output.contains("build/ is up to date");
    eprintln!(
        "deploy: bundle {} in {:.1}s",
        if fresh { "already built" } else { "built" },
        started.elapsed().as_secs_f64()
    );
    let stamp = std::fs::read_to_string(ctx.path(BUILD_STAMP)).unwrap_or_default();
    if stamp.trim() != "features=" {
        bail!(
            "{BUILD_STAMP} says {:?} after the build: the bundle is not a production build",
            stamp.trim()
        );
    }
    let mut built = bundle::measure(&outdir)?;
    bundle::check_no_test_hooks(&built)?;
    // Node's zlib and ours differ by a few KiB at the same level: the budget holds for both.
    let wrangler_kib = bundle::wrangler_total_upload(&output);
    if let Some((_, gzip_kib)) = wrangler_kib {
        built.gzip_bytes = built.gzip_bytes.max((gzip_kib * 1024.0).ceil() as u64);
    }
    bundle::check_size(&built)?;

    // D1's own engine decides whether the migrations apply: a local D1 in the scratch folder.
    let started = Instant::now();
    let d1_dir = scratch.0.join("d1");
    let d1_arg = d1_dir.to_string_lossy();
    capture(wrangler(
        ctx,
        tools,
        &[
            "d1",
            "migrations",
            "apply",
            &loaded.config.d1.binding,
            "--local",
            "--persist-to",
            &d1_arg,
            "--config",
            &dry_config_name,
        ],
    ))
    .context("applying the migrations to a local D1")?;
    eprintln!(
        "deploy: {migrations} migrations applied to a local D1 in {:.1}s",
        started.elapsed().as_secs_f64()
    );

    Ok(Checked {
        bundle: built,
        migrations,
        wrangler_kib,
    })
}

fn report(checked: &Checked) {
    let modules: Vec<String> = checked
        .bundle
        .modules
        .iter()
        .map(|m| {
            m.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    eprintln!(
        "deploy: modules {}; no test hooks ({:?} absent)",
        modules.join(", "),
        bundle::TEST_HOOK_MARKERS
    );
    if let Some((size, gzip)) = checked.wrangler_kib {
        eprintln!("deploy: wrangler's figures: {size:.2} KiB / gzip {gzip:.2} KiB");
    }
    println!(
        "deploy dry-run: bundle_bytes={} gzip_bytes={} budget_gzip_bytes={} migrations={}",
        checked.bundle.bytes,
        checked.bundle.gzip_bytes,
        bundle::BUDGET_GZIP_BYTES,
        checked.migrations
    );
}

/// The names a `--secrets-file` sets (never its values).
fn secrets_file_names(path: Option<&Path>) -> Result<Option<Vec<String>>> {
    let Some(path) = path else { return Ok(None) };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    account::secrets_file_names(&text).map(Some)
}

/// The `deploy` test suite: `cargo xtask deploy --dry-run`.
pub fn dry_run(ctx: &Ctx) -> Result<()> {
    dry_run_with(ctx, None)
}

/// `cargo xtask deploy --dry-run [--secrets-file <file>]`.
fn dry_run_with(ctx: &Ctx, secrets_file: Option<&Path>) -> Result<()> {
    let started = Instant::now();
    let loaded = load(ctx)?;
    let in_file = secrets_file_names(secrets_file)?;
    let tools = worker::ensure_tools(&ctx.root)?;
    let checked = check(ctx, &tools, &loaded)?;

    let config = &loaded.config;
    println!("a real run (`cargo xtask deploy`) would, on the account wrangler signs in to:");
    let refusals = config::real_deploy_problems(&loaded.vars, &loaded.names);
    for problem in &refusals {
        println!("  - refuse to start: {problem}");
    }
    for step in account::plan(config, None) {
        println!("  - {step}");
    }
    println!(
        "  - write {GENERATED} with their ids (the committed wrangler.toml keeps its placeholders)"
    );
    println!(
        "  - apply to the remote D1 those of the {} migrations it has not applied yet",
        checked.migrations
    );
    println!(
        "  - check that these {} secrets are set or in --secrets-file: {}",
        config.required_secrets.len(),
        config.required_secrets.join(", ")
    );
    if let Some(in_file) = in_file {
        let absent: Vec<&str> = config
            .required_secrets
            .iter()
            .filter(|name| !in_file.contains(name))
            .map(String::as_str)
            .collect();
        if absent.is_empty() {
            println!("    (the secrets file names all of them)");
        } else {
            println!(
                "    (the secrets file lacks {}: they must already be set on the Worker)",
                absent.join(", ")
            );
        }
    }
    if let Some(domain) = config::custom_domain(loaded.public_url()) {
        println!("  - serve the custom domain {domain}");
    }
    println!(
        "  - deploy Worker {:?}, then wait for {}/healthz",
        config.worker_name,
        loaded.public_url()
    );
    eprintln!(
        "deploy: dry-run took {:.1}s",
        started.elapsed().as_secs_f64()
    );
    report(&checked);
    Ok(())
}
