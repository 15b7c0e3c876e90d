//! Sentry's DSN, `<scheme>://<public_key>@<host>[:<port>][/<prefix>]/<project_id>`, and the envelope
//! endpoint it names: `<scheme>://<host>[:<port>][/<prefix>]/api/<project_id>/envelope/`.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dsn {
    /// `<scheme>://<host>[:<port>][/<prefix>]`, without a trailing slash.
    base: String,
    public_key: String,
    project_id: String,
}

/// Why a DSN cannot be used; reports stay off.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DsnError {
    #[error("the DSN is not a URL")]
    NotAUrl,
    #[error("the DSN's scheme must be http or https")]
    Scheme,
    #[error("the DSN names no host")]
    MissingHost,
    #[error("the DSN has no public key (the part before @)")]
    MissingKey,
    #[error("the DSN has no project id (its last path segment)")]
    MissingProject,
}

impl Dsn {
    pub fn parse(text: &str) -> Result<Self, DsnError> {
        let url = url::Url::parse(text.trim()).map_err(|_| DsnError::NotAUrl)?;
        let scheme = url.scheme();
        if !matches!(scheme, "http" | "https") {
            return Err(DsnError::Scheme);
        }
        // Bracketed when it is an IPv6 address, as a URL needs it.
        let host = url.host_str().ok_or(DsnError::MissingHost)?;
        let public_key = url.username();
        if public_key.is_empty() {
            return Err(DsnError::MissingKey);
        }
        let path = url.path().trim_end_matches('/');
        let (prefix, project_id) = path.rsplit_once('/').unwrap_or(("", path));
        let project_ok = !project_id.is_empty()
            && project_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
        if !project_ok {
            return Err(DsnError::MissingProject);
        }
        let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
        Ok(Self {
            base: format!("{scheme}://{host}{port}{prefix}"),
            public_key: public_key.to_owned(),
            project_id: project_id.to_owned(),
        })
    }

    /// Where envelopes are POSTed.
    pub fn envelope_url(&self) -> String {
        format!("{}/api/{}/envelope/", self.base, self.project_id)
    }

    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// The DSN as the envelope header carries it: the public key only, never a legacy secret key.
    pub fn to_header_value(&self) -> String {
        let (scheme, rest) = self.base.split_once("://").unwrap_or(("https", &self.base));
        format!("{scheme}://{}@{rest}/{}", self.public_key, self.project_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_dsn_names_its_endpoint_and_key() {
        let dsn = Dsn::parse("https://abc123@o1.ingest.sentry.io/4505").unwrap();
        assert_eq!(
            dsn.envelope_url(),
            "https://o1.ingest.sentry.io/api/4505/envelope/"
        );
        assert_eq!(dsn.public_key(), "abc123");
        assert_eq!(
            dsn.to_header_value(),
            "https://abc123@o1.ingest.sentry.io/4505"
        );
    }

    #[test]
    fn a_path_prefix_and_port_are_kept_and_a_secret_key_dropped() {
        let dsn = Dsn::parse(" http://key:oldsecret@127.0.0.1:9000/sentry/1/ ").unwrap();
        assert_eq!(
            dsn.envelope_url(),
            "http://127.0.0.1:9000/sentry/api/1/envelope/"
        );
        assert_eq!(dsn.to_header_value(), "http://key@127.0.0.1:9000/sentry/1");
    }

    #[test]
    fn bad_dsns_say_what_is_missing() {
        assert_eq!(
            Dsn::parse("https://o1.ingest.sentry.io/1"),
            Err(DsnError::MissingKey)
        );
        assert_eq!(
            Dsn::parse("https://key@o1.ingest.sentry.io/"),
            Err(DsnError::MissingProject)
        );
        assert_eq!(
            Dsn::parse("https://key@o1.ingest.sentry.io"),
            Err(DsnError::MissingProject)
        );
        assert_eq!(
            Dsn::parse("ftp://key@o1.ingest.sentry.io/1"),
            Err(DsnError::Scheme)
        );
        assert_eq!(Dsn::parse("not a dsn"), Err(DsnError::NotAUrl));
    }
}
