//! What a call to the service (or to the OS credential store) can end in, reduced to the
//! `{code, message}` the UI switches on.

use std::time::Duration;

use atelier_api::{ErrorBody, ErrorCode};
use serde::Serialize;

/// Codes only the desktop produces. They belong in `atelier_api::ErrorCode` once the contract
/// carries them; until then they sit beside it so the UI can switch on them the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum LocalCode {
    /// The OS credential store (Keychain, Credential Manager, Secret Service) cannot be used, so
    /// the session cannot be kept across restarts. Nothing falls back to a plain file: the person
    /// chooses between trying again and staying signed in only until they quit.
    CredentialStoreUnavailable,
    /// The local cache (its database or its folder) cannot be read or written: a full disk,
    /// missing permissions. The cloud copy is untouched.
    CacheUnavailable,
    /// The service sent sync data this device refuses (a path-like id, an oversized field, a
    /// file that does not match its hash). Nothing of it was applied.
    InvalidSyncData,
    /// The data export cannot be written where the person chose: the folder is missing, read
    /// only, or the disk is full. Nothing is left there.
    ExportTargetUnwritable,
    /// The person stopped the data export; its unfinished file is gone.
    ExportCancelled,
    /// An export of chosen images needs originals this device does not hold, and the service
    /// cannot be reached to fetch them. Nothing was written; `missing` says how many.
    OriginalsUnavailable,
    /// A sign-in link (or code) reached this app, but this app did not ask for one: a sign-in is
    /// bound to the device that asked. Open the link on the computer where you asked, or type
    /// the code there.
    SignInNotPending,
}

impl LocalCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CredentialStoreUnavailable => "credential_store_unavailable",
            Self::CacheUnavailable => "cache_unavailable",
            Self::InvalidSyncData => "invalid_sync_data",
            Self::ExportTargetUnwritable => "export_target_unwritable",
            Self::ExportCancelled => "export_cancelled",
            Self::OriginalsUnavailable => "originals_unavailable",
            Self::SignInNotPending => "sign_in_not_pending",
        }
    }
}

/// Any code the desktop hands to its UI: the service's, or one of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Code {
    Api(ErrorCode),
    Local(LocalCode),
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api(code) => code.as_str(),
            Self::Local(code) => code.as_str(),
        }
    }
}

impl From<ErrorCode> for Code {
    fn from(code: ErrorCode) -> Self {
        Self::Api(code)
    }
}

impl PartialEq<ErrorCode> for Code {
    fn eq(&self, other: &ErrorCode) -> bool {
        *self == Self::Api(*other)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The service answered with its error envelope. `retry_after` is its `Retry-After` header
    /// (sent with `rate_limited`), so the UI can say how long to wait; `attempts_left` is set on
    /// `invalid_code`, counted against the challenge's limit since the email was sent.
    #[error("{body}")]
    Api {
        body: ErrorBody,
        retry_after: Option<Duration>,
        attempts_left: Option<u32>,
    },
    /// The service could not be reached: no route, refused, timed out.
    #[error("cannot reach {url}: {reason}")]
    Offline { url: String, reason: String },
    /// The service answered something that is not its protocol (a proxy page, a truncated body).
    #[error("unexpected answer from the service: {0}")]
    Protocol(String),
    /// The configured address is not a usable URL.
    #[error("{0:?} is not a valid service URL")]
    BadUrl(String),
    /// The OS credential store refused or is missing.
    #[error("the system credential store is unavailable: {0}")]
    CredentialStore(String),
    /// The local cache failed (database or files).
    #[error("the local cache failed: {0}")]
    Cache(String),
    /// Sync data that breaks the contract; nothing of it was applied.
    #[error("refused sync data: {0}")]
    InvalidSyncData(String),
    /// The export file could not be written (folder, permissions, disk).
    #[error("cannot write the export: {0}")]
    ExportTarget(String),
    /// The export was cancelled.
    #[error("the export was cancelled")]
    ExportCancelled,
    /// `missing` of the `total` chosen images have no original here and the service is out of
    /// reach.
    #[error(
        "{missing} of the {total} chosen images are not on this computer, and the service cannot be reached to fetch them"
    )]
    OriginalsUnavailable { missing: u32, total: u32 },
    /// A sign-in link or code this app did not ask for.
    #[error(
        "this app has no sign-in waiting: open the link on the computer where you asked, or type the code there"
    )]
    SignInNotPending,
}

impl From<sqlx::Error> for ClientError {
    fn from(e: sqlx::Error) -> Self {
        Self::Cache(e.to_string())
    }
}

impl From<sqlx::migrate::MigrateError> for ClientError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Self::Cache(e.to_string())
    }
}

impl ClientError {
    /// An error the service could have sent, made locally (for checks done before a request).
    pub fn api(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Api {
            body: ErrorBody::new(code, message),
            retry_after: None,
            attempts_left: None,
        }
    }

    pub fn code(&self) -> Code {
        match self {
            Self::Api { body, .. } => Code::Api(body.code),
            Self::Offline { .. } => Code::Api(ErrorCode::Offline),
            Self::Protocol(_) | Self::BadUrl(_) => Code::Api(ErrorCode::Internal),
            Self::CredentialStore(_) => Code::Local(LocalCode::CredentialStoreUnavailable),
            Self::Cache(_) => Code::Local(LocalCode::CacheUnavailable),
            Self::InvalidSyncData(_) => Code::Local(LocalCode::InvalidSyncData),
            Self::ExportTarget(_) => Code::Local(LocalCode::ExportTargetUnwritable),
            Self::ExportCancelled => Code::Local(LocalCode::ExportCancelled),
            Self::OriginalsUnavailable { .. } => Code::Local(LocalCode::OriginalsUnavailable),
            Self::SignInNotPending => Code::Local(LocalCode::SignInNotPending),
        }
    }

    /// The service could not be reached at all.
    pub fn is_offline(&self) -> bool {
        matches!(self, Self::Offline { .. })
    }

    /// Worth trying again later: no network, a session to renew, the service busy or failing,
    /// an answer we could not read, or a cache that failed this once.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Offline { .. } | Self::Protocol(_) | Self::BadUrl(_) | Self::Cache(_) => true,
            Self::Api { body, .. } => matches!(
                body.code,
                ErrorCode::Unavailable
                    | ErrorCode::Internal
                    | ErrorCode::RateLimited
                    | ErrorCode::Unauthenticated
                    | ErrorCode::Unknown
            ),
            _ => false,
        }
    }

    /// The message for people (and logs): the service's own words for its errors.
    pub fn message(&self) -> String {
        match self {
            Self::Api { body, .. } => body.message.clone(),
            other => other.to_string(),
        }
    }

    /// How long the service asked us to wait, in whole seconds (rounded up).
    pub fn retry_after_seconds(&self) -> Option<u32> {
        match self {
            Self::Api {
                retry_after: Some(wait),
                ..
            } => {
                let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                Some(u32::try_from(secs).unwrap_or(u32::MAX))
            }
            _ => None,
        }
    }

    /// How many more codes may be tried before the emailed code stops working.
    pub fn attempts_left(&self) -> Option<u32> {
        match self {
            Self::Api { attempts_left, .. } => *attempts_left,
            _ => None,
        }
    }

    /// With `originals_unavailable`: how many of the chosen originals are neither here nor
    /// reachable.
    pub fn missing_originals(&self) -> Option<u32> {
        match self {
            Self::OriginalsUnavailable { missing, .. } => Some(*missing),
            _ => None,
        }
    }

    /// The envelope for errors the contract knows; desktop-only codes become `unknown` there.
    pub fn to_body(&self) -> ErrorBody {
        match self.code() {
            Code::Api(code) => ErrorBody::new(code, self.message()),
            Code::Local(_) => ErrorBody::new(ErrorCode::Unknown, self.message()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_flat() {
        let api = serde_json::to_string(&Code::Api(ErrorCode::InvalidCode)).ok();
        let local = serde_json::to_string(&Code::Local(LocalCode::CredentialStoreUnavailable)).ok();
        assert_eq!(api.as_deref(), Some("\"invalid_code\""));
        assert_eq!(local.as_deref(), Some("\"credential_store_unavailable\""));
    }

    #[test]
    fn retry_after_rounds_up() {
        let e = ClientError::Api {
            body: ErrorBody::new(ErrorCode::RateLimited, "slow down"),
            retry_after: Some(Duration::from_millis(1500)),
            attempts_left: None,
        };
        assert_eq!(e.retry_after_seconds(), Some(2));
        assert_eq!(e.code(), ErrorCode::RateLimited);
        assert_eq!(e.message(), "slow down");
        let store = ClientError::CredentialStore("no D-Bus".into());
        assert_eq!(
            store.code(),
            Code::Local(LocalCode::CredentialStoreUnavailable)
        );
        assert_eq!(store.to_body().code, ErrorCode::Unknown);
    }
}
