//! The signed-in session (bearer token and account) and where it is kept between runs: the OS
//! credential store, or memory when the person chose "only until I quit". Never a plain file.

mod keyring_store;
mod store;

use atelier_api::auth::{SessionGrant, User};
use serde::{Deserialize, Serialize};

pub use keyring_store::KeyringStore;
pub use store::{CredentialStore, MemoryStore, StoreError};

/// A bearer token. Its `Debug` hides it, so it cannot leak into logs by accident.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionToken(String);

impl SessionToken {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The token itself, for the `Authorization` header and the credential store only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(…)")
    }
}

/// What survives a restart: the token, when it lapses, and the account as last seen (so the app
/// opens signed in, offline too, before the service confirms it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub token: SessionToken,
    /// Milliseconds since the Unix epoch; the service extends it on use.
    pub expires_at: i64,
    pub user: User,
}

impl From<SessionGrant> for Session {
    fn from(grant: SessionGrant) -> Self {
        Self {
            token: SessionToken(grant.token),
            expires_at: grant.expires_at,
            user: grant.user,
        }
    }
}

/// The stored form: versioned JSON, so a later build can read (or knowingly drop) it.
#[derive(Serialize, Deserialize)]
struct Stored {
    v: u32,
    #[serde(flatten)]
    session: Session,
}

const STORED_VERSION: u32 = 1;

impl Session {
    pub(crate) fn to_secret(&self) -> String {
        // Serializing plain strings and integers cannot fail.
        serde_json::to_string(&Stored {
            v: STORED_VERSION,
            session: self.clone(),
        })
        .unwrap_or_default()
    }

    /// `None` for anything this build did not write: the entry is then treated as absent.
    pub(crate) fn from_secret(secret: &str) -> Option<Self> {
        let stored: Stored = serde_json::from_str(secret).ok()?;
        (stored.v == STORED_VERSION && !stored.session.token.expose().is_empty())
            .then_some(stored.session)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use atelier_api::auth::AuthProvider;

    pub(crate) fn session(email: &str) -> Session {
        Session {
            token: SessionToken::new("tok_abc"),
            expires_at: 1_800_000_000_000,
            user: User {
                id: "usr_1".into(),
                email: email.into(),
                display_name: Some("Ada".into()),
                auth_provider: AuthProvider::Email,
                created_at: 1_700_000_000_000,
            },
        }
    }

    #[test]
    fn a_session_round_trips_through_its_stored_form() {
        let s = session("ada@example.com");
        let secret = s.to_secret();
        assert!(secret.starts_with("{\"v\":1,"), "{secret}");
        assert_eq!(Session::from_secret(&secret), Some(s));
    }

    #[test]
    fn foreign_or_future_entries_are_ignored() {
        assert_eq!(Session::from_secret("plain-token"), None);
        assert_eq!(Session::from_secret("{\"v\":2,\"token\":\"x\"}"), None);
        let mut s = session("a@b.c");
        s.token = SessionToken::new("");
        assert_eq!(Session::from_secret(&s.to_secret()), None);
    }

    #[test]
    fn the_token_stays_out_of_debug_output() {
        let shown = format!("{:?}", session("a@b.c"));
        assert!(!shown.contains("tok_abc"), "{shown}");
    }
}
