//! The magic link as it reaches the app: `atelier://auth?token=…`. Anything else that arrives
//! through the `atelier` scheme (another host, a path, extra parameters, a fragment, a token of
//! the wrong shape) is refused before any request is made.

use url::Url;

/// A sign-in token from a magic link, checked for shape (not yet for validity: only the service
/// knows that). Its `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct LinkToken(String);

/// The scheme the app registers with the OS.
pub const SCHEME: &str = "atelier";
/// The only host the app acts on: `atelier://auth?token=…`.
pub const AUTH_HOST: &str = "auth";

/// Tokens are URL-safe base64 or hex of at least 128 random bits.
const MIN_TOKEN_CHARS: usize = 22;
const MAX_TOKEN_CHARS: usize = 256;
/// Far longer than any real link; bounds the work done on hostile input.
const MAX_LINK_CHARS: usize = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("not an atelier://auth link")]
    NotASignInLink,
    #[error("the link has no valid sign-in token")]
    BadToken,
}

impl LinkToken {
    /// A bare token, as pasted or as found in a link.
    pub fn parse(token: &str) -> Result<Self, LinkError> {
        let shaped = (MIN_TOKEN_CHARS..=MAX_TOKEN_CHARS).contains(&token.len())
            && token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if shaped {
            Ok(Self(token.to_owned()))
        } else {
            Err(LinkError::BadToken)
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for LinkToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkToken(…)")
    }
}

/// Reads `atelier://auth?token=…` strictly: that scheme and host, no credentials, port, path or
/// fragment, and exactly one parameter, `token`, of the expected shape.
pub fn parse_sign_in_link(link: &str) -> Result<LinkToken, LinkError> {
    if link.len() > MAX_LINK_CHARS {
        return Err(LinkError::NotASignInLink);
    }
    let url = Url::parse(link).map_err(|_| LinkError::NotASignInLink)?;
    let plain = url.scheme() == SCHEME
        && url
            .host_str()
            .is_some_and(|h| h.eq_ignore_ascii_case(AUTH_HOST))
        && url.username().is_empty()
        && url.password().is_none()
        && url.port().is_none()
        && matches!(url.path(), "" | "/")
        && url.fragment().is_none();
    if !plain {
        return Err(LinkError::NotASignInLink);
    }
    let mut pairs = url.query_pairs();
    match (pairs.next(), pairs.next()) {
        (Some((key, value)), None) if key == "token" => LinkToken::parse(&value),
        _ => Err(LinkError::BadToken),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "q8Jd3kL0pZx_Vb7-Ww2NcYt5HsRa9eUf";

    #[test]
    fn accepts_the_link_the_service_sends() {
        for link in [
            format!("atelier://auth?token={TOKEN}"),
            format!("atelier://auth/?token={TOKEN}"),
            format!("ATELIER://AUTH?token={TOKEN}"),
        ] {
            assert_eq!(
                parse_sign_in_link(&link).map(|t| t.expose().to_owned()),
                Ok(TOKEN.to_owned()),
                "{link}"
            );
        }
        let hex = "0123456789abcdef0123456789abcdef";
        assert!(parse_sign_in_link(&format!("atelier://auth?token={hex}")).is_ok());
    }

    #[test]
    fn refuses_other_places_and_shapes() {
        let not_links = [
            format!("https://auth?token={TOKEN}"),
            format!("atelierx://auth?token={TOKEN}"),
            format!("atelier://evil?token={TOKEN}"),
            format!("atelier://auth.evil.com?token={TOKEN}"),
            format!("atelier://user@auth?token={TOKEN}"),
            format!("atelier://user:pw@auth?token={TOKEN}"),
            format!("atelier://auth:8080?token={TOKEN}"),
            format!("atelier://auth/settings?token={TOKEN}"),
            format!("atelier://auth?token={TOKEN}#frag"),
            format!("atelier:auth?token={TOKEN}"),
            "not a url".to_owned(),
            String::new(),
            format!("atelier://auth?token={}", "a".repeat(MAX_LINK_CHARS)),
        ];
        for link in &not_links {
            assert_eq!(
                parse_sign_in_link(link),
                Err(LinkError::NotASignInLink),
                "{link}"
            );
        }
        let bad_tokens = [
            "atelier://auth".to_owned(),
            "atelier://auth?".to_owned(),
            "atelier://auth?token=".to_owned(),
            "atelier://auth?token=short".to_owned(),
            format!("atelier://auth?token={TOKEN}&token={TOKEN}"),
            format!("atelier://auth?token={TOKEN}&next=/settings"),
            format!("atelier://auth?code=123456&token={TOKEN}"),
            format!("atelier://auth?tok={TOKEN}"),
            format!("atelier://auth?token={TOKEN}%00"),
            format!("atelier://auth?token={TOKEN}%20"),
            format!("atelier://auth?token={TOKEN}.x"),
            format!("atelier://auth?token={}", "a".repeat(MAX_TOKEN_CHARS + 1)),
        ];
        for link in &bad_tokens {
            assert_eq!(parse_sign_in_link(link), Err(LinkError::BadToken), "{link}");
        }
    }

    #[test]
    fn the_token_stays_out_of_debug_output() {
        let token = LinkToken::parse(TOKEN).ok();
        assert!(!format!("{token:?}").contains(TOKEN));
    }
}
