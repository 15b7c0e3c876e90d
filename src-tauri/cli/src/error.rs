//! What a command can end in: a code (the app's, or one of the few only the command line has),
//! the app's words for it, and the exit status scripts switch on. Printed to stderr as
//! `error[<code>]: <message>`, with the service's own detail on a second line when it says more.

use std::process::ExitCode;

use atelier_api::ErrorCode;
use atelier_client::{ClientError, Code, LocalCode};

use crate::words;

/// The exit statuses, documented in `--help` and the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    /// Anything not below.
    Failure = 1,
    /// Arguments or an input file this command cannot use (clap's own errors too), or input
    /// images the service refuses (not an image, too large, too many for the model).
    Usage = 2,
    /// Nobody is signed in, or the session has ended: `atelier login`.
    Unauthenticated = 3,
    /// The balance does not cover the images; nothing was charged.
    InsufficientCredits = 4,
    /// The service could not be reached.
    Offline = 5,
    /// A batch ended with lines that failed (the others are done).
    BatchIncomplete = 6,
    /// The system keychain (Secret Service, Keychain, Credential Manager) cannot be used.
    CredentialStore = 7,
}

impl Exit {
    pub fn code(self) -> ExitCode {
        ExitCode::from(self as u8)
    }
}

/// `--help`'s list of exit statuses.
pub const EXIT_STATUSES: &str = "\
Exit status:
  0  success
  1  failure (the message says which)
  2  usage: arguments or an input file that cannot be used (or an input image the service refuses)
  3  unauthenticated: not signed in, or the session has ended (atelier login)
  4  insufficient_credits: nothing was charged
  5  offline: the service could not be reached
  6  batch_incomplete: some lines of a batch failed; re-run it to retry them
  7  credential_store_unavailable: the system keychain cannot be used";

/// Codes only the command line produces.
pub mod codes {
    /// `--input`: the service takes no input images yet.
    /// An `--input` that is neither a readable file nor an image id.
    pub const INVALID_INPUT: &str = "invalid_input";
    /// A batch file line that is neither a prompt nor a JSON object of options.
    pub const INVALID_BATCH_FILE: &str = "invalid_batch_file";
    /// Some lines of a batch failed.
    pub const BATCH_INCOMPLETE: &str = "batch_incomplete";
    /// A batch's state file that this version cannot read (it is left as it is).
    pub const BATCH_STATE_UNREADABLE: &str = "batch_state_unreadable";
    /// The same batch file is being made by another process.
    pub const BATCH_RUNNING: &str = "batch_running";
    /// Standard input ended before the sign-in did.
    pub const NO_INPUT: &str = "no_input";
    /// Images or a state file could not be written where asked.
    pub const OUTPUT_UNWRITABLE: &str = "output_unwritable";
    /// A service address that is not a URL.
    pub const INVALID_SERVER_URL: &str = "invalid_server_url";
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    pub code: String,
    /// The app's words, or the command line's own.
    pub message: String,
    /// The service's (or the system's) own words, when they say more than `message`.
    pub detail: Option<String>,
    pub exit: Exit,
}

impl CliError {
    pub fn new(code: &str, message: impl Into<String>, exit: Exit) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
            detail: None,
            exit,
        }
    }

    pub fn usage(code: &str, message: impl Into<String>) -> Self {
        Self::new(code, message, Exit::Usage)
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        if !detail.is_empty() && detail != self.message {
            self.detail = Some(detail);
        }
        self
    }

    /// A file or folder that could not be written.
    pub fn unwritable(what: &std::path::Path, e: &std::io::Error) -> Self {
        Self::new(
            codes::OUTPUT_UNWRITABLE,
            format!("cannot write {}", what.display()),
            Exit::Failure,
        )
        .with_detail(e.to_string())
    }

    /// A generation the service accepted that ended `failed` (refunded).
    pub fn generation_failed(failure_code: Option<&str>) -> Self {
        Self::new(
            failure_code.unwrap_or("generation_failed"),
            words::failure(failure_code),
            Exit::Failure,
        )
    }

    /// The error as printed: `error[code]: message`, then the detail indented. `{url}` in the
    /// app's words is the service's address.
    pub fn render(&self, server: &str) -> String {
        let mut out = format!(
            "error[{}]: {}",
            self.code,
            self.message.replace("{url}", server)
        );
        if let Some(detail) = &self.detail {
            out.push_str("\n  ");
            out.push_str(detail);
        }
        out
    }
}

/// The exit status of an error code the app knows.
fn exit_for(code: Code) -> Exit {
    match code {
        Code::Api(ErrorCode::Unauthenticated) => Exit::Unauthenticated,
        Code::Api(ErrorCode::InsufficientCredits) => Exit::InsufficientCredits,
        Code::Api(ErrorCode::Offline) => Exit::Offline,
        Code::Api(
            ErrorCode::PromptEmpty
            | ErrorCode::PromptTooLong
            | ErrorCode::InvalidCount
            | ErrorCode::InvalidEmail
            | ErrorCode::UnknownModel
            | ErrorCode::InvalidAspectRatio
            | ErrorCode::UnsupportedMediaType
            | ErrorCode::InvalidImage
            | ErrorCode::ImageTooLarge
            | ErrorCode::PayloadTooLarge
            | ErrorCode::InputImagesRequired
            | ErrorCode::TooManyInputImages,
        ) => Exit::Usage,
        Code::Local(LocalCode::CredentialStoreUnavailable) => Exit::CredentialStore,
        _ => Exit::Failure,
    }
}

impl From<ClientError> for CliError {
    fn from(e: ClientError) -> Self {
        let code = e.code();
        let mut message = words::error(code.as_str()).map_or_else(|| e.message(), str::to_owned);
        if let Some(left) = e.attempts_left() {
            message.push_str(&format!(" ({left} left)"));
        }
        if let Some(wait) = e.retry_after_seconds() {
            message.push_str(&format!(" (try again in {wait} s)"));
        }
        Self {
            code: code.as_str().to_owned(),
            message,
            detail: None,
            exit: exit_for(code),
        }
        .with_detail(e.message())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use atelier_api::ErrorBody;

    use super::*;

    #[test]
    fn client_errors_keep_their_code_and_get_the_app_words() {
        let e = CliError::from(ClientError::api(
            ErrorCode::InsufficientCredits,
            "this costs 16 credits; the balance is 4",
        ));
        assert_eq!(e.exit, Exit::InsufficientCredits);
        assert_eq!(
            e.render("http://x"),
            "error[insufficient_credits]: You don't have enough credits for this. Nothing was charged.\n  this costs 16 credits; the balance is 4"
        );
        let offline = CliError::from(ClientError::Offline {
            url: "http://127.0.0.1:1".into(),
            reason: "connection refused or unreachable".into(),
        });
        assert_eq!(offline.exit, Exit::Offline);
        assert!(
            offline
                .render("u")
                .starts_with("error[offline]: You're offline.\n  cannot reach")
        );
        let store = CliError::from(ClientError::CredentialStore("no D-Bus".into()));
        assert_eq!(store.exit, Exit::CredentialStore);
        assert_eq!(store.code, "credential_store_unavailable");
    }

    #[test]
    fn details_of_the_app_words_are_kept() {
        let limited = CliError::from(ClientError::Api {
            body: ErrorBody::new(ErrorCode::RateLimited, "slow down"),
            retry_after: Some(Duration::from_secs(30)),
            attempts_left: None,
        });
        assert!(
            limited.message.ends_with("(try again in 30 s)"),
            "{limited:?}"
        );
        let wrong = CliError::from(ClientError::Api {
            body: ErrorBody::new(ErrorCode::InvalidCode, "wrong code"),
            retry_after: None,
            attempts_left: Some(3),
        });
        assert_eq!(wrong.message, "That code isn't right. (3 left)");
        let not_found = CliError::from(ClientError::api(ErrorCode::NotFound, "no route"));
        assert!(
            not_found
                .render("http://h")
                .contains("The service at http://h ")
        );
    }

    #[test]
    fn a_failed_generation_names_its_failure() {
        let e = CliError::generation_failed(Some("timed_out"));
        assert_eq!(e.code, "timed_out");
        assert!(e.message.contains("refunded"), "{}", e.message);
        assert_eq!(CliError::generation_failed(None).code, "generation_failed");
    }
}
