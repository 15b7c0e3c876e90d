//! The real run of `cargo xtask deploy`: the account's part, after the checks every run does
//! (`super::check`). Never run in tests: it needs a Cloudflare account.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::account::{self, Account, Action};
use super::config::{self, WranglerConfig};
use super::{
    GENERATED, WRANGLER_TOML, capture, check, describe, load, report, secrets_file_names, stream,
    wrangler,
};
use crate::Ctx;
use crate::worker::{self, WorkerTools};

/// How long a real run waits for `/healthz` (a new custom domain needs its certificate first).
const HEALTH_WAIT: Duration = Duration::from_secs(180);

/// The real run.
pub(super) fn deploy(ctx: &Ctx, secrets_file: Option<&Path>) -> Result<()> {
    let loaded = load(ctx)?;
    let config = &loaded.config;
    let refusals = config::real_deploy_problems(&loaded.vars, &loaded.names);
    if !refusals.is_empty() {
        bail!("not deploying:\n  {}", refusals.join("\n  "));
    }
    if loaded
        .vars
        .iter()
        .any(|(k, v)| k == "RESEND_FROM" && v.contains("atelier.local"))
    {
        eprintln!(
            "deploy: warning: RESEND_FROM is the development default; Resend sends only from a domain verified in your account (set RESEND_FROM)"
        );
    }
    let file_secrets = secrets_file_names(secrets_file)?.unwrap_or_default();

    let tools = worker::ensure_tools(&ctx.root)?;
    let checked = check(ctx, &tools, &loaded)?;
    report(&checked);

    capture(wrangler(ctx, &tools, &["whoami", "--json"])).context(
        "wrangler is not signed in: run `wrangler login` once, or set CLOUDFLARE_API_TOKEN (and CLOUDFLARE_ACCOUNT_ID when the token sees several accounts)",
    )?;
    check_secrets(ctx, &tools, config, &file_secrets, secrets_file.is_some())?;

    let steps = account::plan(config, Some(&list_account(ctx, &tools)?));
    eprintln!("deploy: resources:");
    for step in &steps {
        eprintln!("  - {step}");
    }
    for step in steps.iter().filter(|s| s.action == Action::Create) {
        let args: Vec<&str> = match step.kind {
            account::Kind::D1 => vec!["d1", "create", &step.name],
            account::Kind::R2 => vec!["r2", "bucket", "create", &step.name],
            account::Kind::Kv => vec!["kv", "namespace", "create", &step.name],
        };
        capture(wrangler(ctx, &tools, &args))?;
    }
    let ids = account::resolve(config, &list_account(ctx, &tools)?)?;
    let generated = config.render(
        &ids,
        &loaded.vars,
        config::custom_domain(loaded.public_url()),
    )?;
    std::fs::write(ctx.path(GENERATED), generated)
        .with_context(|| format!("writing {GENERATED}"))?;
    eprintln!("deploy: wrote {GENERATED}");

    let generated_name = Path::new(GENERATED)
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    stream(wrangler(
        ctx,
        &tools,
        &[
            "d1",
            "migrations",
            "apply",
            &config.d1.binding,
            "--remote",
            "--config",
            &generated_name,
        ],
    ))?;
    let mut deploy = wrangler(ctx, &tools, &["deploy", "--config", &generated_name]);
    if let Some(path) = secrets_file {
        deploy.arg("--secrets-file").arg(path);
    }
    stream(deploy)?;
    wait_healthy(&tools, loaded.public_url())
}

fn list_account(ctx: &Ctx, tools: &WorkerTools) -> Result<Account> {
    Ok(Account {
        d1: account::parse_d1_list(&capture(wrangler(ctx, tools, &["d1", "list", "--json"]))?)?,
        r2: account::parse_r2_list(&capture(wrangler(ctx, tools, &["r2", "bucket", "list"]))?),
        kv: account::parse_kv_list(&capture(wrangler(
            ctx,
            tools,
            &["kv", "namespace", "list"],
        ))?)?,
    })
}

/// Fails, saying how to set them, unless every required secret is set on the Worker or in the
/// secrets file.
fn check_secrets(
    ctx: &Ctx,
    tools: &WorkerTools,
    config: &WranglerConfig,
    in_file: &[String],
    have_file: bool,
) -> Result<()> {
    let mut command = wrangler(ctx, tools, &["secret", "list", "--format", "json"]);
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
    let (set, worker_exists) = if out.status.success() {
        (account::parse_secret_list(&text)?, true)
    } else if account::worker_not_found(&text) {
        (Vec::new(), false)
    } else {
        bail!("`{line}` failed: {}", text.trim());
    };
    let missing: Vec<&String> = config
        .required_secrets
        .iter()
        .filter(|name| !set.contains(name) && !in_file.contains(name))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let names = missing
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let file_hint = "write them to a file outside the repository, one NAME=value a line (a blank value for an optional one you do not use: KIE_WEBHOOK_HMAC_KEY, POSTHOG_KEY, SENTRY_DSN), and run `cargo xtask deploy --secrets-file <file>`";
    if worker_exists {
        bail!(
            "these secrets are not set on Worker {:?}: {names}\nset each with\n  {} {} secret put NAME --config {}\n(it asks for the value), or {file_hint}",
            config.worker_name,
            tools.node().display(),
            tools.wrangler_js().display(),
            ctx.path(WRANGLER_TOML).display(),
        );
    }
    let given = if have_file {
        " or the secrets file"
    } else {
        ""
    };
    bail!(
        "Worker {:?} does not exist yet, so its secrets must come with its first deploy; missing from the account{given}: {names}\n{file_hint}",
        config.worker_name
    )
}

/// Whether `/healthz` answered as the deployed Worker does.
fn check_health(status: u16, body: &str) -> Result<()> {
    if status != 200 {
        bail!(
            "answered {status}: {}",
            body.chars().take(200).collect::<String>()
        );
    }
    let health: serde_json::Value =
        serde_json::from_str(body).with_context(|| format!("answered {body:?}, not JSON"))?;
    if health["status"] != "ok" || health["runtime"] != "worker" {
        bail!("answered {health}, not the Worker's {{\"status\":\"ok\",\"runtime\":\"worker\"}}");
    }
    Ok(())
}

/// `GET <url>/healthz` until it answers ok (Node's fetch: xtask has no HTTP client).
fn wait_healthy(tools: &WorkerTools, public_url: &str) -> Result<()> {
    const FETCH: &str = "fetch(process.argv[1], {redirect: 'manual', signal: AbortSignal.timeout(10000)})\
        .then(async r => console.log(r.status + '\\n' + await r.text()))\
        .catch(e => console.log('0\\n' + String(e.cause ?? e)))";
    let url = format!("{}/healthz", public_url.trim_end_matches('/'));
    let deadline = Instant::now() + HEALTH_WAIT;
    loop {
        let out = Command::new(tools.node())
            .args(["-e", FETCH, &url])
            .output()
            .context("running node for the health check")?;
        let text = String::from_utf8_lossy(&out.stdout);
        let (status, body) = text.split_once('\n').unwrap_or((&text, ""));
        let result = check_health(status.trim().parse().unwrap_or(0), body.trim());
        match result {
            Ok(()) => {
                println!("deploy: {url} answers ok: the service is running");
                return Ok(());
            }
            Err(e) if Instant::now() >= deadline => bail!(
                "{url} {e:#} after {}s (a new custom domain may need a few more minutes for its certificate)",
                HEALTH_WAIT.as_secs()
            ),
            Err(e) => {
                eprintln!("deploy: {url} {e:#}; trying again in 5 s");
                std::thread::sleep(Duration::from_secs(5));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_must_be_the_workers() {
        assert!(
            check_health(
                200,
                r#"{"status":"ok","version":"0.1.0","runtime":"worker"}"#
            )
            .is_ok()
        );
        assert!(
            check_health(
                200,
                r#"{"status":"ok","version":"0.1.0","runtime":"native"}"#
            )
            .is_err()
        );
        assert!(check_health(522, "origin unreachable").is_err());
        assert!(check_health(200, "<html>").is_err());
        assert!(check_health(0, "TypeError: fetch failed").is_err());
    }
}
