//! Sign-in by email (a one-time code and a magic link in one message), sessions, and the account.
//! Times are milliseconds since the Unix epoch.

use serde::{Deserialize, Serialize};

/// `POST /v1/auth/start`. The sign-in is bound to the device that asks (PKCE, RFC 7636): it keeps
/// a random `code_verifier` and sends only its challenge; the code and the link work only with
/// that verifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartSignIn {
    pub email: String,
    /// base64url (no padding) of the SHA-256 of the verifier: 43 characters.
    pub code_challenge: String,
    /// Only `S256`.
    pub code_challenge_method: String,
}

/// `202` answer of `POST /v1/auth/start`: byte-identical whether or not the account exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SignInStarted {
    /// The code and the link stop working after this many seconds.
    pub expires_in_seconds: u32,
    /// Wait at least this long before asking for another email.
    pub resend_after_seconds: u32,
}

/// `POST /v1/auth/verify`: the code typed by the person, or the token from the magic link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum VerifySignIn {
    Code {
        email: String,
        code: String,
        /// The verifier whose challenge started this sign-in; missing or wrong is answered like a
        /// wrong code.
        #[serde(default)]
        code_verifier: String,
    },
    Token {
        token: String,
        #[serde(default)]
        code_verifier: String,
    },
}

/// The only `code_challenge_method`.
pub const CODE_CHALLENGE_METHOD: &str = "S256";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum AuthProvider {
    Email,
}

/// The signed-in person as the service knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: Option<String>,
    pub auth_provider: AuthProvider,
    /// Sign-up time.
    pub created_at: i64,
}

/// `200` answer of `DELETE /v1/me`. Every session is refused from the moment it is sent; the
/// rest of the account's data is purged in resumable batches, finished by the background work
/// when the request's own budget did not reach the end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDeletion {
    /// Whether nothing of the account is left anywhere already.
    pub purge_complete: bool,
}

/// `200` answer of `POST /v1/auth/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionGrant {
    /// The bearer token: 256 random bits, base64url. The service keeps only its SHA-256.
    pub token: String,
    pub expires_at: i64,
    pub user: User,
}

/// `PATCH /v1/me`: `null` or blank clears the display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateMe {
    pub display_name: Option<String>,
}

/// `POST /v1/me/email`: move the account to another address. A code goes to the new address and
/// works only with the verifier of `code_challenge` (as in sign-in); the answer is
/// [`SignInStarted`], the same whether or not the address already has an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartEmailChange {
    pub email: String,
    pub code_challenge: String,
    /// Only `S256`.
    pub code_challenge_method: String,
}

/// `POST /v1/me/email/verify`: the code mailed to the new address, from the device that asked.
/// The answer is the [`User`] with its new email; every session stays signed in, and the old
/// address is told of the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyEmailChange {
    pub code: String,
    #[serde(default)]
    pub code_verifier: String,
}

/// Sign-in challenges die after this many wrong codes.
pub const MAX_CODE_ATTEMPTS: u32 = 5;
/// A code and its link live this long.
pub const CHALLENGE_TTL_SECONDS: u32 = 10 * 60;
/// The desktop waits this long before offering to send another email.
pub const RESEND_AFTER_SECONDS: u32 = 30;
/// Sessions last this long, extended on use.
pub const SESSION_TTL_SECONDS: u32 = 30 * 24 * 60 * 60;
/// However often it is used, a session ends this long after sign-in.
pub const SESSION_MAX_AGE_SECONDS: u32 = 90 * 24 * 60 * 60;
/// Wrong codes per address in a day, whatever the number of emails asked for; then codes are
/// refused for that address (the link still works).
pub const MAX_FAILED_CODES_PER_DAY: u32 = 10;
/// Sign-in emails per address in an hour, and per address from one client (IP, or IPv6 /64).
pub const SENDS_PER_EMAIL_PER_HOUR: u32 = 5;
pub const SENDS_PER_EMAIL_AND_CLIENT_PER_HOUR: u32 = 3;
