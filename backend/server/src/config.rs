//! Configuration and secrets, read once at start from the environment (native) or from the
//! Worker's vars and secrets. The names are the same in both runtimes; README.md lists them all.

use thiserror::Error;

/// A secret value: never printed, never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// Where an upstream lives and the key it wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// Base URL without a trailing slash.
    pub base_url: String,
    pub api_key: Option<Secret>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The address people and upstreams reach this service at (magic links, kie callbacks).
    pub public_url: String,
    pub kie: Upstream,
    /// kie's `webhookHmacKey`; when set, callbacks must carry a valid signature.
    pub kie_webhook_hmac_key: Option<Secret>,
    pub creem: Upstream,
    pub resend: Upstream,
    /// The `from` address of every email, e.g. `Atelier <login@mail.example.com>`.
    pub resend_from: String,
    pub posthog: Upstream,
    pub sentry_dsn: Option<Secret>,
    /// `SENTRY_ENVIRONMENT`: the `environment` of error reports (`production`, `staging`), if set.
    pub sentry_environment: Option<String>,
    /// `ATELIER_AUTH_SECRET`: keys the HMAC of sign-in codes and of rate-limit subjects. The
    /// native server makes one in its data folder when unset; the Worker requires it.
    pub auth_secret: Option<Secret>,
    /// `ATELIER_TEST_MODE=1`: enables `/__test/*` routes and the `X-Atelier-Test-Ip` header, in a
    /// build with the `test-hooks` feature only (elsewhere it is read as unset). The native server
    /// refuses it unless it listens on loopback; the Worker unless it is asked on loopback.
    pub test_mode: bool,
    /// Native only: how many reverse proxies in front of the server append to `X-Forwarded-For`
    /// (`ATELIER_TRUSTED_PROXY_HOPS=n`, or `ATELIER_TRUST_FORWARDED_FOR=1` for one). The client IP
    /// is the n-th entry from the right, the one our outermost proxy wrote; 0 = the socket's peer.
    pub trusted_proxy_hops: u8,
    /// `ATELIER_ALLOW_LOCAL_RESULTS=1`: kie's result URLs may be plain `http` on a loopback address
    /// (the simulators on 127.0.0.1). For tests and development only: otherwise a result URL must
    /// be `https` and reach a public address.
    pub allow_local_results: bool,
    /// `ATELIER_CREDIT_PACKS`: the credit packs on sale, each a Creem one-time product. Empty
    /// (unset) means this service sells no credits.
    pub credit_packs: Vec<PackConfig>,
    /// `CREEM_WEBHOOK_SECRET`: keys the `creem-signature` of Creem's webhooks. Unset: every
    /// webhook is refused (and nothing is ever credited).
    pub creem_webhook_secret: Option<Secret>,
}

/// One credit pack as `ATELIER_CREDIT_PACKS` lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackConfig {
    /// Ours, stable, what clients send (`small`, `large`).
    pub id: String,
    /// Creem's one-time product (`prod_…`) this pack is sold as.
    pub product_id: String,
    pub credits: i64,
    pub price_cents: i64,
    pub currency: String,
}

impl PackConfig {
    fn check(&self) -> Result<(), String> {
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 40
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !id_ok {
            return Err(format!(
                "pack id {:?} must be 1-40 of [A-Za-z0-9_-]",
                self.id
            ));
        }
        if self.product_id.trim().is_empty() {
            return Err(format!("pack {:?} has no product_id", self.id));
        }
        if !(1..=1_000_000).contains(&self.credits) {
            return Err(format!(
                "pack {:?}: credits must be 1 to 1,000,000",
                self.id
            ));
        }
        // Creem: a price is 0 or at least 100 minor units; a pack that costs nothing is a bug.
        if !(100..=100_000_000).contains(&self.price_cents) {
            return Err(format!(
                "pack {:?}: price_cents must be 100 to 100,000,000",
                self.id
            ));
        }
        if self.currency.len() != 3 || !self.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(format!(
                "pack {:?}: currency must be an upper-case ISO 4217 code",
                self.id
            ));
        }
        Ok(())
    }
}

/// Parses and checks `ATELIER_CREDIT_PACKS`: ids unique, every field in range.
fn parse_packs(raw: Option<String>) -> Result<Vec<PackConfig>, ConfigError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let bad = |reason: String| ConfigError::BadPacks { reason };
    let packs: Vec<PackConfig> = serde_json::from_str(&raw).map_err(|e| bad(e.to_string()))?;
    for (i, pack) in packs.iter().enumerate() {
        pack.check().map_err(bad)?;
        if packs[..i].iter().any(|p| p.id == pack.id) {
            return Err(bad(format!("pack id {:?} appears twice", pack.id)));
        }
    }
    Ok(packs)
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{name} must be an http(s) URL, got {value:?}")]
    NotAUrl { name: &'static str, value: String },
    #[error("ATELIER_CREDIT_PACKS is not a valid list of packs: {reason}")]
    BadPacks { reason: String },
    #[error(
        "ATELIER_TRUSTED_PROXY_HOPS must be a number from 0 to {MAX_PROXY_HOPS}, got {value:?}"
    )]
    BadProxyHops { value: String },
}

/// More proxies than this in front of one service is a configuration mistake.
pub const MAX_PROXY_HOPS: u8 = 10;

/// `ATELIER_TRUSTED_PROXY_HOPS`, else 1 when `ATELIER_TRUST_FORWARDED_FOR` is set, else 0.
fn proxy_hops(hops: Option<String>, trust: bool) -> Result<u8, ConfigError> {
    match hops {
        Some(value) => match value.parse::<u8>() {
            Ok(n) if n <= MAX_PROXY_HOPS => Ok(n),
            _ => Err(ConfigError::BadProxyHops { value }),
        },
        None => Ok(u8::from(trust)),
    }
}

/// A yes/no variable: `1` or `true`.
fn flag(value: Option<String>) -> bool {
    value.is_some_and(|v| v == "1" || v == "true")
}

/// Each variable with its default; base URLs default to the real services.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8787";
pub const DEFAULT_KIE_BASE_URL: &str = "https://api.kie.ai";
pub const DEFAULT_CREEM_BASE_URL: &str = "https://api.creem.io";
pub const DEFAULT_RESEND_BASE_URL: &str = "https://api.resend.com";
pub const DEFAULT_RESEND_FROM: &str = "Atelier <login@atelier.local>";
pub const DEFAULT_POSTHOG_HOST: &str = "https://eu.i.posthog.com";

impl Config {
    /// Builds the configuration from a lookup (an environment, the Worker's `Env`). Empty values
    /// count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let secret = |name: &str| get(name).map(Secret);
        let url = |name: &'static str, default: &str| -> Result<String, ConfigError> {
            let value = get(name).unwrap_or_else(|| default.to_owned());
            match url::Url::parse(&value) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
                    Ok(value.trim_end_matches('/').to_owned())
                }
                _ => Err(ConfigError::NotAUrl { name, value }),
            }
        };
        Ok(Self {
            public_url: url("ATELIER_PUBLIC_URL", DEFAULT_PUBLIC_URL)?,
            kie: Upstream {
                base_url: url("KIE_BASE_URL", DEFAULT_KIE_BASE_URL)?,
                api_key: secret("KIE_API_KEY"),
            },
            kie_webhook_hmac_key: secret("KIE_WEBHOOK_HMAC_KEY"),
            creem: Upstream {
                base_url: url("CREEM_BASE_URL", DEFAULT_CREEM_BASE_URL)?,
                api_key: secret("CREEM_API_KEY"),
            },
            resend: Upstream {
                base_url: url("RESEND_BASE_URL", DEFAULT_RESEND_BASE_URL)?,
                api_key: secret("RESEND_API_KEY"),
            },
            resend_from: get("RESEND_FROM").unwrap_or_else(|| DEFAULT_RESEND_FROM.to_owned()),
            posthog: Upstream {
                base_url: url("POSTHOG_HOST", DEFAULT_POSTHOG_HOST)?,
                api_key: secret("POSTHOG_KEY"),
            },
            sentry_dsn: secret("SENTRY_DSN"),
            sentry_environment: get("SENTRY_ENVIRONMENT"),
            auth_secret: secret("ATELIER_AUTH_SECRET"),
            // Without the feature the hooks are not compiled in, and the variable means nothing.
            test_mode: cfg!(feature = "test-hooks") && flag(get("ATELIER_TEST_MODE")),
            trusted_proxy_hops: proxy_hops(
                get("ATELIER_TRUSTED_PROXY_HOPS"),
                flag(get("ATELIER_TRUST_FORWARDED_FOR")),
            )?,
            allow_local_results: flag(get("ATELIER_ALLOW_LOCAL_RESULTS")),
            credit_packs: parse_packs(get("ATELIER_CREDIT_PACKS"))?,
            creem_webhook_secret: secret("CREEM_WEBHOOK_SECRET"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_point_at_the_real_services() {
        let c = Config::from_lookup(|_| None).unwrap();
        assert_eq!(c.kie.base_url, "https://api.kie.ai");
        assert_eq!(c.resend.base_url, "https://api.resend.com");
        assert!(c.kie.api_key.is_none());
    }

    #[test]
    fn trailing_slashes_are_dropped_and_blank_means_unset() {
        let c = Config::from_lookup(|k| match k {
            "KIE_BASE_URL" => Some("http://127.0.0.1:9/kie/".into()),
            "KIE_API_KEY" => Some("  ".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.kie.base_url, "http://127.0.0.1:9/kie");
        assert!(c.kie.api_key.is_none());
    }

    #[test]
    fn a_bad_url_names_its_variable() {
        let err =
            Config::from_lookup(|k| (k == "CREEM_BASE_URL").then(|| "ftp://x".into())).unwrap_err();
        assert_eq!(
            err,
            ConfigError::NotAUrl {
                name: "CREEM_BASE_URL",
                value: "ftp://x".into()
            }
        );
    }

    #[test]
    fn packs_are_parsed_and_checked() {
        let with = |packs: &str| {
            let packs = packs.to_owned();
            Config::from_lookup(move |k| (k == "ATELIER_CREDIT_PACKS").then(|| packs.clone()))
        };
        let c = with(
            r#"[{"id":"small","product_id":"prod_1","credits":100,"price_cents":500,"currency":"USD"}]"#,
        )
        .unwrap();
        assert_eq!(c.credit_packs.len(), 1);
        assert_eq!(c.credit_packs[0].credits, 100);
        assert!(
            Config::from_lookup(|_| None)
                .unwrap()
                .credit_packs
                .is_empty()
        );
        for bad in [
            "not json",
            r#"[{"id":"a b","product_id":"p","credits":1,"price_cents":500,"currency":"USD"}]"#,
            r#"[{"id":"a","product_id":"p","credits":0,"price_cents":500,"currency":"USD"}]"#,
            r#"[{"id":"a","product_id":"p","credits":1,"price_cents":50,"currency":"USD"}]"#,
            r#"[{"id":"a","product_id":"p","credits":1,"price_cents":500,"currency":"usd"}]"#,
            r#"[{"id":"a","product_id":"p","credits":1,"price_cents":500,"currency":"USD","x":1}]"#,
            r#"[{"id":"a","product_id":"p","credits":1,"price_cents":500,"currency":"USD"},
                {"id":"a","product_id":"q","credits":2,"price_cents":900,"currency":"USD"}]"#,
        ] {
            assert!(
                matches!(with(bad), Err(ConfigError::BadPacks { .. })),
                "{bad} was accepted"
            );
        }
    }

    #[test]
    fn proxy_hops_come_from_either_variable() {
        let hops = |vars: &[(&str, &str)]| {
            let vars: Vec<(String, String)> = vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            Config::from_lookup(move |k| {
                vars.iter()
                    .find(|(name, _)| name == k)
                    .map(|(_, v)| v.clone())
            })
            .map(|c| c.trusted_proxy_hops)
        };
        assert_eq!(hops(&[]), Ok(0));
        assert_eq!(hops(&[("ATELIER_TRUST_FORWARDED_FOR", "1")]), Ok(1));
        assert_eq!(
            hops(&[
                ("ATELIER_TRUST_FORWARDED_FOR", "1"),
                ("ATELIER_TRUSTED_PROXY_HOPS", "2")
            ]),
            Ok(2)
        );
        for bad in ["-1", "eleven", "11"] {
            assert!(
                matches!(
                    hops(&[("ATELIER_TRUSTED_PROXY_HOPS", bad)]),
                    Err(ConfigError::BadProxyHops { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn test_mode_needs_the_test_hooks_feature() {
        let c = Config::from_lookup(|k| (k == "ATELIER_TEST_MODE").then(|| "1".into())).unwrap();
        assert_eq!(c.test_mode, cfg!(feature = "test-hooks"));
    }

    #[test]
    fn secrets_do_not_print() {
        let c = Config::from_lookup(|k| (k == "RESEND_API_KEY").then(|| "re_live_value".into()))
            .unwrap();
        assert!(!format!("{c:?}").contains("re_live_value"));
    }
}
