//! What the Cloudflare account holds, read from wrangler's list commands, and the plan that
//! follows: which resources a deploy uses and which it creates. Pure: the commands run in
//! `deploy.rs`; here are their outputs' parsers and the decisions, tested with sample outputs.

use std::fmt;

use anyhow::{Context, Result, bail};

use super::config::{Ids, Resource, WranglerConfig, is_placeholder};

/// A named resource and its id, as a list command prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub name: String,
    pub id: String,
}

/// The account's D1 databases, R2 buckets and KV namespaces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Account {
    pub d1: Vec<Listed>,
    pub r2: Vec<String>,
    pub kv: Vec<Listed>,
}

/// The first JSON value in `output`: wrangler may print a banner or warnings before it.
fn first_json(output: &str) -> Result<serde_json::Value> {
    let mut offset = 0;
    for line in output.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') || trimmed.starts_with('{') {
            let mut values = serde_json::Deserializer::from_str(&output[offset..])
                .into_iter::<serde_json::Value>();
            if let Some(Ok(value)) = values.next() {
                return Ok(value);
            }
        }
        offset += line.len();
    }
    bail!("no JSON in wrangler's output: {}", output.trim())
}

/// `name_key` and `id_key` of each object of a JSON list.
fn listed(output: &str, name_key: &str, id_key: &str) -> Result<Vec<Listed>> {
    let value = first_json(output)?;
    let items = value.as_array().context("expected a JSON list")?;
    items
        .iter()
        .map(|item| {
            let field = |key: &str| {
                item[key]
                    .as_str()
                    .map(str::to_owned)
                    .with_context(|| format!("an entry has no string {key:?}: {item}"))
            };
            Ok(Listed {
                name: field(name_key)?,
                id: field(id_key)?,
            })
        })
        .collect()
}

/// `wrangler d1 list --json`: `[{"uuid", "name", "created_at", …}]`.
pub fn parse_d1_list(output: &str) -> Result<Vec<Listed>> {
    listed(output, "name", "uuid")
}

/// `wrangler kv namespace list` (always JSON): `[{"id", "title", "supports_url_encoding"}]`.
pub fn parse_kv_list(output: &str) -> Result<Vec<Listed>> {
    listed(output, "title", "id")
}

/// `wrangler r2 bucket list` (text only): blocks of `name: …` and `creation_date: …` lines.
pub fn parse_r2_list(output: &str) -> Vec<String> {
    output
        .lines()
        .map(strip_ansi)
        .filter_map(|line| {
            line.trim()
                .strip_prefix("name:")
                .map(|name| name.trim().to_owned())
        })
        .filter(|name| !name.is_empty())
        .collect()
}

/// `wrangler secret list` (JSON by default): `[{"name", "type": "secret_text"}]`.
pub fn parse_secret_list(output: &str) -> Result<Vec<String>> {
    let value = first_json(output)?;
    value
        .as_array()
        .context("expected a JSON list")?
        .iter()
        .map(|item| {
            item["name"]
                .as_str()
                .map(str::to_owned)
                .with_context(|| format!("a secret without a name: {item}"))
        })
        .collect()
}

/// Whether `wrangler secret list` failed because the Worker does not exist yet (a first deploy).
pub fn worker_not_found(output: &str) -> bool {
    output.contains("If this is a new Worker") || output.contains("not found.")
}

/// The names a `--secrets-file` sets, never their values: a JSON object, or `.env` lines
/// (`NAME=value`, `export NAME=value`, comments and blank lines).
pub fn secrets_file_names(text: &str) -> Result<Vec<String>> {
    if text.trim_start().starts_with('{') {
        let value: serde_json::Value =
            serde_json::from_str(text).context("the secrets file is not a JSON object")?;
        let object = value
            .as_object()
            .context("the secrets file is not a JSON object")?;
        return Ok(object.keys().cloned().collect());
    }
    let mut names = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((name, _)) = line.split_once('=') else {
            bail!("line {} of the secrets file is not NAME=value", n + 1);
        };
        names.push(name.trim().to_owned());
    }
    Ok(names)
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ … final byte in @..~
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// What a deploy does about one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// wrangler.toml carries a real id: used as it is.
    Committed(String),
    /// The account has it (by name): its id goes into the generated config.
    Existing(String),
    /// The account lacks it: created.
    Create,
    /// Dry-run (no account): created unless the account has one of that name.
    CreateIfMissing,
}

/// One line of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub kind: Kind,
    pub name: String,
    pub binding: String,
    pub action: Action,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    D1,
    R2,
    Kv,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::D1 => "D1 database",
            Kind::R2 => "R2 bucket",
            Kind::Kv => "KV namespace",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Step {
            kind,
            name,
            binding,
            action,
        } = self;
        let what = format!("{} {name:?} (binding {binding})", kind.label());
        match action {
            Action::Committed(id) => write!(f, "{what}: uses the id in wrangler.toml, {id}"),
            Action::Existing(id) if id.is_empty() => write!(f, "{what}: exists, used as it is"),
            Action::Existing(id) => write!(f, "{what}: exists ({id}), used as it is"),
            Action::Create => write!(f, "{what}: created"),
            Action::CreateIfMissing => write!(
                f,
                "{what}: would be created unless the account has one of that name"
            ),
        }
    }
}

fn decide(resource: &Resource, listed: Option<&[Listed]>) -> Action {
    if let Some(id) = resource.id.as_deref().filter(|id| !is_placeholder(id)) {
        return Action::Committed(id.to_owned());
    }
    match listed {
        None => Action::CreateIfMissing,
        Some(list) => list
            .iter()
            .find(|l| l.name == resource.name)
            .map_or(Action::Create, |l| Action::Existing(l.id.clone())),
    }
}

/// What a deploy does with each resource; `account` is `None` in a dry-run.
pub fn plan(config: &WranglerConfig, account: Option<&Account>) -> Vec<Step> {
    let step = |kind, resource: &Resource, action| Step {
        kind,
        name: resource.name.clone(),
        binding: resource.binding.clone(),
        action,
    };
    let r2 = match account {
        None => Action::CreateIfMissing,
        Some(a) if a.r2.contains(&config.r2.name) => Action::Existing(String::new()),
        Some(_) => Action::Create,
    };
    vec![
        step(
            Kind::D1,
            &config.d1,
            decide(&config.d1, account.map(|a| a.d1.as_slice())),
        ),
        step(Kind::R2, &config.r2, r2),
        step(
            Kind::Kv,
            &config.kv,
            decide(&config.kv, account.map(|a| a.kv.as_slice())),
        ),
    ]
}

/// The ids for the generated config once nothing is left to create.
pub fn resolve(config: &WranglerConfig, account: &Account) -> Result<Ids> {
    let mut ids = Ids {
        d1: String::new(),
        kv: String::new(),
    };
    for step in plan(config, Some(account)) {
        match (step.kind, step.action) {
            (Kind::D1, Action::Committed(id) | Action::Existing(id)) => ids.d1 = id,
            (Kind::Kv, Action::Committed(id) | Action::Existing(id)) => ids.kv = id,
            (Kind::R2, Action::Existing(_)) => {}
            (kind, _) => bail!(
                "the account still has no {} {:?} after creating it",
                kind.label(),
                step.name
            ),
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Shapes as the Cloudflare API documents them and wrangler 4.164 prints them.
    const D1_LIST: &str = r#"[
  {
    "uuid": "c0ffee00-1111-2222-3333-444455556666",
    "name": "atelier",
    "created_at": "2026-11-30T10:00:00.000Z",
    "version": "production",
    "num_tables": 14,
    "file_size": 245760
  },
  {
    "uuid": "0260c04d-38ee-4f94-a109-804b25a50041",
    "name": "other",
    "created_at": "2026-01-02T03:04:05.000Z",
    "version": "production",
    "num_tables": 1,
    "file_size": 8192
  }
]"#;

    const KV_LIST: &str = r#"[
  {
    "id": "0f2ac74b498b48028cb68387c421e279",
    "title": "atelier-kv",
    "supports_url_encoding": true
  }
]"#;

    const R2_LIST: &str = "\n \u{26c5}\u{fe0f} wrangler 4.164.0\n\u{2500}\u{2500}\u{2500}\nListing buckets...\nname:           atelier-images\ncreation_date:  2026-11-30T10:00:00.000Z\n\nname:           \u{1b}[37mbackups\u{1b}[39m\ncreation_date:  2025-01-01T00:00:00.000Z\n";

    const SECRET_LIST: &str = r#"[
  {
    "name": "ATELIER_AUTH_SECRET",
    "type": "secret_text"
  },
  {
    "name": "KIE_API_KEY",
    "type": "secret_text"
  }
]"#;

    fn config() -> WranglerConfig {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../backend/wrangler.toml"),
        )
        .unwrap();
        WranglerConfig::parse(&text).unwrap()
    }

    fn account() -> Account {
        Account {
            d1: parse_d1_list(D1_LIST).unwrap(),
            r2: parse_r2_list(R2_LIST),
            kv: parse_kv_list(KV_LIST).unwrap(),
        }
    }

    #[test]
    fn list_outputs_parse() {
        let account = account();
        assert_eq!(account.d1.len(), 2);
        assert_eq!(account.d1[0].name, "atelier");
        assert_eq!(account.d1[0].id, "c0ffee00-1111-2222-3333-444455556666");
        assert_eq!(account.r2, ["atelier-images", "backups"]);
        assert_eq!(account.kv[0].name, "atelier-kv");
        assert_eq!(
            parse_secret_list(SECRET_LIST).unwrap(),
            ["ATELIER_AUTH_SECRET", "KIE_API_KEY"]
        );
        assert!(parse_d1_list("[]").unwrap().is_empty());
        assert!(parse_r2_list("Listing buckets...\n").is_empty());
    }

    #[test]
    fn json_after_a_banner_or_warning_is_found() {
        let noisy = format!(
            "\n \u{26c5}\u{fe0f} wrangler 4.164.0\n\u{25b2} [WARNING] something\n{KV_LIST}\n"
        );
        assert_eq!(parse_kv_list(&noisy).unwrap().len(), 1);
        assert!(parse_kv_list("not signed in").is_err());
        assert!(parse_d1_list(r#"[{"name": "x"}]"#).is_err());
    }

    #[test]
    fn a_missing_worker_is_recognised() {
        let out = "\u{2718} [ERROR] Worker \"atelier\" not found.\n\nIf this is a new Worker, run `wrangler deploy` first to create it.";
        assert!(worker_not_found(out));
        assert!(!worker_not_found("Authentication error [code: 10000]"));
    }

    #[test]
    fn secrets_files_give_names_only() {
        let env =
            "# production\nATELIER_AUTH_SECRET=abc=def\nexport KIE_API_KEY = k\n\nPOSTHOG_KEY=\n";
        assert_eq!(
            secrets_file_names(env).unwrap(),
            ["ATELIER_AUTH_SECRET", "KIE_API_KEY", "POSTHOG_KEY"]
        );
        let mut from_json =
            secrets_file_names(r#"{"SENTRY_DSN": "", "RESEND_API_KEY": "re_x"}"#).unwrap();
        from_json.sort();
        assert_eq!(from_json, ["RESEND_API_KEY", "SENTRY_DSN"]);
        let err = secrets_file_names("A=1\nthe value\n").unwrap_err();
        assert!(!format!("{err}").contains("the value"), "{err}");
    }

    #[test]
    fn a_dry_run_plans_to_create_what_wrangler_toml_leaves_as_placeholders() {
        let steps = plan(&config(), None);
        assert!(steps.iter().all(|s| s.action == Action::CreateIfMissing));
        assert_eq!(
            steps[2].to_string(),
            "KV namespace \"atelier-kv\" (binding KV): would be created unless the account has one of that name"
        );
    }

    #[test]
    fn an_account_with_everything_creates_nothing() {
        let config = config();
        let account = account();
        let steps = plan(&config, Some(&account));
        assert_eq!(
            steps.iter().map(|s| s.action.clone()).collect::<Vec<_>>(),
            [
                Action::Existing("c0ffee00-1111-2222-3333-444455556666".into()),
                Action::Existing(String::new()),
                Action::Existing("0f2ac74b498b48028cb68387c421e279".into()),
            ]
        );
        let ids = resolve(&config, &account).unwrap();
        assert_eq!(ids.d1, "c0ffee00-1111-2222-3333-444455556666");
        assert_eq!(ids.kv, "0f2ac74b498b48028cb68387c421e279");
    }

    #[test]
    fn an_empty_account_creates_all_three() {
        let config = config();
        let empty = Account::default();
        let steps = plan(&config, Some(&empty));
        assert!(steps.iter().all(|s| s.action == Action::Create));
        assert!(resolve(&config, &empty).is_err());
    }

    #[test]
    fn a_real_id_in_wrangler_toml_is_kept() {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../backend/wrangler.toml"),
        )
        .unwrap()
        .replace(
            "00000000000000000000000000000000",
            "11111111111111111111111111111111",
        );
        let config = WranglerConfig::parse(&text).unwrap();
        let steps = plan(&config, Some(&Account::default()));
        assert_eq!(
            steps[2].action,
            Action::Committed("11111111111111111111111111111111".into())
        );
    }
}
