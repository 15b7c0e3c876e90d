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
    /// `ATELIER_TEST_MODE=1`: enables `/__test/*` routes (clock) and the `X-Atelier-Test-Ip`
    /// header. Never set in production.
    pub test_mode: bool,
    /// `ATELIER_TRUST_FORWARDED_FOR=1` (native only): take the client IP from `X-Forwarded-For`,
    /// for a server behind a reverse proxy.
    pub trust_forwarded_for: bool,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{name} must be an http(s) URL, got {value:?}")]
    NotAUrl { name: &'static str, value: String },
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
            test_mode: get("ATELIER_TEST_MODE").is_some_and(|v| v == "1" || v == "true"),
            trust_forwarded_for: get("ATELIER_TRUST_FORWARDED_FOR")
                .is_some_and(|v| v == "1" || v == "true"),
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
    fn secrets_do_not_print() {
        let c = Config::from_lookup(|k| (k == "RESEND_API_KEY").then(|| "re_live_value".into()))
            .unwrap();
        assert!(!format!("{c:?}").contains("re_live_value"));
    }
}
