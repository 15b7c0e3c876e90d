//! What every command works with, made as the desktop makes it (`src-tauri/src/state.rs`): the
//! service at `ATELIER_API_URL` (or `--server`), the session in the OS credential store under the
//! desktop's entry, and the signed-in account's library in the desktop's data folder.

use atelier_api::ErrorCode;
use atelier_api::auth::User;
use atelier_client::library::{Library, SignedInLibrary};
use atelier_client::session::SessionToken;
use atelier_client::{ApiClient, ApiClientOptions, Auth, ClientError, Storage};

use crate::cli::Global;
use crate::error::{CliError, Exit, codes};
use crate::output::Output;

pub struct App {
    pub server: String,
    pub auth: Auth,
    libraries: SignedInLibrary,
    pub out: Output,
}

impl App {
    pub fn new(global: &Global) -> Result<Self, CliError> {
        let server = global.server.trim().to_owned();
        let api = ApiClient::new(ApiClientOptions::new(server.clone())).map_err(|e| {
            CliError::new(
                codes::INVALID_SERVER_URL,
                format!("{server:?} is not a service address (http:// or https://)"),
                Exit::Usage,
            )
            .with_detail(e.message())
        })?;
        let dir = global.data_dir.clone();
        let data_dir: atelier_client::library::DataDir = Box::new(move || match &dir {
            Some(dir) => Ok(dir.clone()),
            None => atelier_client::cache::data_dir(),
        });
        Ok(Self {
            server,
            auth: Auth::with_keychain(api.clone()),
            libraries: SignedInLibrary::new(api, data_dir),
            out: Output::new(global.json),
        })
    }

    pub fn api(&self) -> &ApiClient {
        self.auth.api()
    }

    /// The account signed in on this computer (as last seen: no request is made), or why there
    /// is none: nobody signed in, or a keychain that cannot be read.
    pub async fn user(&self) -> Result<User, CliError> {
        let state = self.auth.state().await;
        if let Some(user) = state.user {
            return Ok(user);
        }
        if let Storage::Unavailable { reason } = state.storage {
            return Err(ClientError::CredentialStore(reason).into());
        }
        Err(ClientError::api(
            ErrorCode::Unauthenticated,
            "nobody is signed in on this computer: run `atelier login`",
        )
        .into())
    }

    /// The session's token, with the errors of [`Self::user`].
    pub async fn token(&self) -> Result<SessionToken, CliError> {
        self.user().await?;
        Ok(self.auth.token().await?)
    }

    /// The signed-in account's library: `unauthenticated` when nobody is signed in; bound to
    /// this account (another account's rows and files wiped) before its first read, as in the
    /// desktop app.
    pub async fn library(&self) -> Result<Library, CliError> {
        Ok(self.libraries.for_signed_in(&self.auth).await?.library)
    }

    /// Signed out: the library is closed.
    pub async fn close_library(&self) {
        self.libraries.close().await;
    }
}
