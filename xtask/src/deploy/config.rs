//! `backend/wrangler.toml`: what it declares, checked against the names the server's
//! configuration reads (`backend/server/src/config.rs`), and the generated config a deploy uses
//! (the committed file with the account's ids and the operator's values filled in).

use anyhow::{Context, Result, bail};
use toml_edit::{Array, DocumentMut, InlineTable, Item, value};

/// Read by `config.rs` but never a Worker var.
const NOT_WORKER_VARS: &[(&str, &str)] = &[
    ("ATELIER_TRUST_FORWARDED_FOR", "native only"),
    ("ATELIER_TRUSTED_PROXY_HOPS", "native only"),
    (
        "ATELIER_TEST_MODE",
        "for tests only: a deployed bundle has no test hooks",
    ),
    (
        "ATELIER_ALLOW_LOCAL_RESULTS",
        "for tests and development only",
    ),
];

/// Vars a deploy may leave out (the server has a sensible default, usually "unset").
const OPTIONAL_VARS: &[&str] = &["SENTRY_ENVIRONMENT"];

/// The development default of `ATELIER_PUBLIC_URL`, which no deploy may keep.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8787";

/// The names `Config::from_lookup` reads, by kind.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ServerNames {
    /// `url("NAME", …)`: an http(s) URL.
    pub urls: Vec<String>,
    /// `get("NAME")`: any other plain value.
    pub plain: Vec<String>,
    /// `secret("NAME")`.
    pub secrets: Vec<String>,
}

impl ServerNames {
    /// Scans the body of `Config::from_lookup` for `url("…"`, `get("…")` and `secret("…")`.
    pub fn scan(config_rs: &str) -> Result<Self> {
        let start = config_rs
            .find("fn from_lookup")
            .context("config.rs has no `fn from_lookup`")?;
        let body = &config_rs[start..];
        let body = body.find("#[cfg(test)]").map_or(body, |end| &body[..end]);
        let names = Self {
            urls: literal_arguments(body, "url"),
            plain: literal_arguments(body, "get"),
            secrets: literal_arguments(body, "secret"),
        };
        if names.urls.is_empty() || names.secrets.is_empty() {
            bail!("found no url(\"…\") or secret(\"…\") names in config.rs's from_lookup");
        }
        Ok(names)
    }

    fn is_var(&self, name: &str) -> bool {
        self.urls.iter().chain(&self.plain).any(|n| n == name)
    }
}

/// The upper-case string literals passed as first argument to calls of the free function `call`.
fn literal_arguments(text: &str, call: &str) -> Vec<String> {
    let pattern = format!("{call}(\"");
    let mut found: Vec<String> = Vec::new();
    let mut offset = 0;
    while let Some(i) = text[offset..].find(&pattern) {
        let at = offset + i;
        offset = at + pattern.len();
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let rest = &text[offset..];
        let Some(end) = rest.find('"') else { break };
        let name = &rest[..end];
        let is_name = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
        if is_name && !found.iter().any(|n| n == name) {
            found.push(name.to_owned());
        }
    }
    found
}

/// One binding's resource as the config names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub binding: String,
    /// The D1 database's or R2 bucket's name; the KV namespace's title (`<worker>-<binding>`,
    /// lower case: KV namespaces have no name in the config, and `KV` alone says nothing in an
    /// account's list).
    pub name: String,
    /// The committed id (D1, KV), placeholder or not; `None` for R2, which is addressed by name.
    pub id: Option<String>,
}

/// What `backend/wrangler.toml` declares.
#[derive(Debug, Clone)]
pub struct WranglerConfig {
    doc: DocumentMut,
    pub worker_name: String,
    pub d1: Resource,
    pub migrations_dir: String,
    pub r2: Resource,
    pub kv: Resource,
    pub vars: Vec<(String, String)>,
    pub required_secrets: Vec<String>,
}

/// An all-zero id: what the committed file carries instead of an account's.
pub fn is_placeholder(id: &str) -> bool {
    !id.is_empty() && id.chars().all(|c| c == '0' || c == '-')
}

fn str_field(table: &toml_edit::Table, key: &str, what: &str) -> Result<String> {
    table
        .get(key)
        .and_then(Item::as_str)
        .map(str::to_owned)
        .with_context(|| format!("{what} has no string `{key}`"))
}

/// The only table of an array of tables `key`, with binding `binding`.
fn only_table<'a>(doc: &'a DocumentMut, key: &str, binding: &str) -> Result<&'a toml_edit::Table> {
    let tables = doc
        .get(key)
        .and_then(Item::as_array_of_tables)
        .with_context(|| format!("wrangler.toml has no [[{key}]]"))?;
    if tables.len() != 1 {
        bail!("wrangler.toml has {} [[{key}]], expected one", tables.len());
    }
    let table = tables.get(0).context("empty array of tables")?;
    let found = str_field(table, "binding", key)?;
    if found != binding {
        bail!("[[{key}]] binds {found:?}; the Worker expects {binding:?}");
    }
    Ok(table)
}

impl WranglerConfig {
    pub fn parse(text: &str) -> Result<Self> {
        let doc: DocumentMut = text.parse().context("wrangler.toml is not valid TOML")?;
        let worker_name = doc
            .get("name")
            .and_then(Item::as_str)
            .context("wrangler.toml has no `name`")?
            .to_owned();
        let d1 = only_table(&doc, "d1_databases", "DB")?;
        let r2 = only_table(&doc, "r2_buckets", "IMAGES")?;
        let kv = only_table(&doc, "kv_namespaces", "KV")?;
        let vars = match doc.get("vars").and_then(Item::as_table) {
            Some(table) => table
                .iter()
                .map(|(k, v)| {
                    v.as_str()
                        .map(|s| (k.to_owned(), s.to_owned()))
                        .with_context(|| format!("[vars] {k} is not a string"))
                })
                .collect::<Result<Vec<_>>>()?,
            None => bail!("wrangler.toml has no [vars]"),
        };
        let required_secrets = doc
            .get("secrets")
            .and_then(|s| s.get("required"))
            .and_then(Item::as_array)
            .context("wrangler.toml has no [secrets] required = [...]")?
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .context("[secrets] required holds a non-string")
            })
            .collect::<Result<Vec<_>>>()?;
        let config = Self {
            d1: Resource {
                binding: "DB".into(),
                name: str_field(d1, "database_name", "[[d1_databases]]")?,
                id: Some(str_field(d1, "database_id", "[[d1_databases]]")?),
            },
            migrations_dir: str_field(d1, "migrations_dir", "[[d1_databases]]")?,
            r2: Resource {
                binding: "IMAGES".into(),
                name: str_field(r2, "bucket_name", "[[r2_buckets]]")?,
                id: None,
            },
            kv: Resource {
                binding: "KV".into(),
                name: format!("{worker_name}-kv"),
                id: Some(str_field(kv, "id", "[[kv_namespaces]]")?),
            },
            worker_name,
            vars,
            required_secrets,
            doc,
        };
        Ok(config)
    }

    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Everything wrong with the config for the server that reads `names`; empty when fine.
    pub fn problems(&self, names: &ServerNames) -> Vec<String> {
        let mut problems = Vec::new();
        let not_worker = |name: &str| NOT_WORKER_VARS.iter().find(|(n, _)| *n == name);
        for name in names.urls.iter().chain(&names.plain) {
            let needed = not_worker(name).is_none() && !OPTIONAL_VARS.contains(&name.as_str());
            if needed && self.var(name).is_none() {
                problems.push(format!(
                    "[vars] lacks {name}, which backend/server/src/config.rs reads"
                ));
            }
        }
        for (name, value) in &self.vars {
            if let Some((_, why)) = not_worker(name) {
                problems.push(format!("[vars] sets {name}, which is {why}"));
            } else if names.secrets.contains(name) {
                problems.push(format!(
                    "[vars] sets {name}, a secret: list it under [secrets] required instead"
                ));
            } else if !names.is_var(name) {
                problems.push(format!(
                    "[vars] sets {name}, which backend/server/src/config.rs never reads"
                ));
            } else if names.urls.contains(name) && !is_http_url(value) {
                problems.push(format!("[vars] {name} = {value:?} is not an http(s) URL"));
            }
        }
        if let Some(packs) = self.var("ATELIER_CREDIT_PACKS")
            && !packs.trim().is_empty()
            && !serde_json::from_str::<serde_json::Value>(packs).is_ok_and(|v| v.is_array())
        {
            problems.push("[vars] ATELIER_CREDIT_PACKS is neither blank nor a JSON list".into());
        }
        for name in &names.secrets {
            if !self.required_secrets.contains(name) {
                problems.push(format!(
                    "[secrets] required lacks {name}, which backend/server/src/config.rs reads"
                ));
            }
        }
        for name in &self.required_secrets {
            if !names.secrets.contains(name) {
                problems.push(format!(
                    "[secrets] required lists {name}, which config.rs never reads as a secret"
                ));
            }
        }
        problems
    }

    /// The `[vars]` with each one the environment sets replacing the committed value, and the
    /// names so replaced.
    pub fn vars_with(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> (Vec<(String, String)>, Vec<String>) {
        let mut overridden = Vec::new();
        let vars = self
            .vars
            .iter()
            .map(|(name, committed)| match env(name) {
                Some(v) if &v != committed => {
                    overridden.push(name.clone());
                    (name.clone(), v)
                }
                _ => (name.clone(), committed.clone()),
            })
            .collect();
        (vars, overridden)
    }

    /// The generated config: the committed one with the D1 and KV ids, `vars` and, for an address
    /// outside workers.dev, a custom domain route for its host.
    pub fn render(
        &self,
        ids: &Ids,
        vars: &[(String, String)],
        custom_domain: Option<&str>,
    ) -> Result<String> {
        let mut doc = self.doc.clone();
        first_table(&mut doc, "d1_databases")?["database_id"] = value(&ids.d1);
        first_table(&mut doc, "kv_namespaces")?["id"] = value(&ids.kv);
        let table = doc
            .get_mut("vars")
            .and_then(Item::as_table_mut)
            .context("no [vars]")?;
        for (name, v) in vars {
            table[name.as_str()] = value(v.as_str());
        }
        if let Some(host) = custom_domain {
            let mut route = InlineTable::new();
            route.insert("pattern", host.into());
            route.insert("custom_domain", true.into());
            let mut routes = Array::new();
            routes.push(route);
            doc["routes"] = value(routes);
        }
        Ok(format!(
            "# Generated by `cargo xtask deploy` from wrangler.toml with this account's ids and the\n\
             # deploy's values. Regenerated by every deploy: do not edit, never commit (.gitignore).\n{doc}"
        ))
    }
}

fn first_table<'a>(doc: &'a mut DocumentMut, key: &str) -> Result<&'a mut toml_edit::Table> {
    doc.get_mut(key)
        .and_then(Item::as_array_of_tables_mut)
        .and_then(|t| t.get_mut(0))
        .with_context(|| format!("no [[{key}]]"))
}

/// The ids a generated config carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ids {
    pub d1: String,
    pub kv: String,
}

fn is_http_url(value: &str) -> bool {
    url_host(value).is_some_and(|h| !h.is_empty())
}

/// The host of an `http(s)://host[:port][/path]` URL (without brackets for IPv6).
pub fn url_host(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split_once(']').map(|(h, _)| h);
    }
    Some(authority.split(':').next().unwrap_or_default())
}

fn is_loopback_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "::1"
        || host == "0.0.0.0"
        || host.starts_with("127.")
}

/// What a real deploy refuses in its final `[vars]`: a public address that is not one (the
/// development default, loopback, plain http, a path) and upstreams on loopback.
pub fn real_deploy_problems(vars: &[(String, String)], names: &ServerNames) -> Vec<String> {
    let mut problems = Vec::new();
    let get = |name: &str| {
        vars.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    match get("ATELIER_PUBLIC_URL") {
        None | Some(DEFAULT_PUBLIC_URL) => problems.push(format!(
            "ATELIER_PUBLIC_URL is the development default {DEFAULT_PUBLIC_URL}: set it to the service's real address, e.g. ATELIER_PUBLIC_URL=https://atelier.example.com cargo xtask deploy"
        )),
        Some(url) => {
            let rest = url.strip_prefix("https://");
            match (rest, url_host(url)) {
                (None, _) => problems.push(format!("ATELIER_PUBLIC_URL={url:?} must be https://")),
                (_, Some(host)) if is_loopback_host(host) || host.is_empty() => problems
                    .push(format!("ATELIER_PUBLIC_URL={url:?} is not a public address")),
                (Some(rest), _) if rest.trim_end_matches('/').contains(['/', '?', '#']) => {
                    problems.push(format!(
                        "ATELIER_PUBLIC_URL={url:?} has a path: the Worker serves a whole host"
                    ));
                }
                _ => {}
            }
        }
    }
    for name in &names.urls {
        if name == "ATELIER_PUBLIC_URL" {
            continue;
        }
        if let Some(url) = get(name)
            && url_host(url).is_some_and(is_loopback_host)
        {
            problems.push(format!(
                "{name}={url:?} points at this machine (a simulator?)"
            ));
        }
    }
    problems
}

/// The host to serve as a custom domain: `None` for a `*.workers.dev` address (the account's own
/// subdomain serves it) and for anything a real deploy refuses (plain http, loopback).
pub fn custom_domain(public_url: &str) -> Option<&str> {
    if !public_url.starts_with("https://") {
        return None;
    }
    let host = url_host(public_url)?;
    let served_elsewhere =
        host.is_empty() || is_loopback_host(host) || host.ends_with(".workers.dev");
    (!served_elsewhere).then_some(host)
}

#[cfg(test)]
mod tests;
