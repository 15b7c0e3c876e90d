//! The library of whoever is signed in, and of nobody else. Every use of the cache (the gallery,
//! search, `img://` bytes, sync) asks for it here, and gets it only for the account signed in at
//! that moment: after a sign-out nothing is readable, and when another account signs in the
//! cache is bound to it (the other account's rows and files wiped) before its first read, and
//! the caller is told so it can sync at once.

use std::path::PathBuf;

use atelier_api::ErrorCode;
use tokio::sync::Mutex;

use super::Library;
use crate::ApiClient;
use crate::auth::Auth;
use crate::error::ClientError;

/// Where the library lives; asked each time one is opened (it may be unusable now, not later).
pub type DataDir = Box<dyn Fn() -> Result<PathBuf, ClientError> + Send + Sync>;

pub struct SignedInLibrary {
    api: ApiClient,
    dir: DataDir,
    open: Mutex<Option<Open>>,
}

struct Open {
    account_id: String,
    library: Library,
}

/// The library for this read, and whether it has just been given to a new account.
pub struct ForAccount {
    pub library: Library,
    /// The cache was bound to this account just now (first use, or after another account): the
    /// caller should sync at once.
    pub switched: bool,
}

impl SignedInLibrary {
    pub fn new(api: ApiClient, dir: DataDir) -> Self {
        Self {
            api,
            dir,
            open: Mutex::new(None),
        }
    }

    /// The library of the account signed in now; `unauthenticated` when nobody is.
    pub async fn for_signed_in(&self, auth: &Auth) -> Result<ForAccount, ClientError> {
        let user = auth
            .state()
            .await
            .user
            .ok_or_else(|| ClientError::api(ErrorCode::Unauthenticated, "sign in first"))?;
        let mut open = self.open.lock().await;
        if let Some(current) = open.as_ref()
            && current.account_id == user.id
        {
            return Ok(ForAccount {
                library: current.library.clone(),
                switched: false,
            });
        }
        let library = match open.take() {
            Some(previous) => {
                // Its watch follows the previous account: stopped before the cache changes hands.
                previous.library.stop_live().await;
                previous.library
            }
            None => Library::open(&(self.dir)()?, self.api.clone()).await?,
        };
        let switched = library.cache().meta("account_id").await?.as_deref() != Some(&user.id);
        library.cache().bind_account(&user.id).await?;
        *open = Some(Open {
            account_id: user.id,
            library: library.clone(),
        });
        Ok(ForAccount { library, switched })
    }

    /// Signed out: the library is closed; nothing in it is readable until an account signs in
    /// (the same one finds its cache as it was).
    pub async fn close(&self) {
        if let Some(open) = self.open.lock().await.take() {
            open.library.close().await;
        }
    }

    /// The account was deleted: closes the library and removes everything the app keeps in its
    /// data folder. The next use opens an empty one.
    pub async fn close_and_remove(&self) -> Result<(), ClientError> {
        match self.open.lock().await.take() {
            Some(open) => open.library.close_and_remove().await,
            None => crate::device_data::remove(&(self.dir)()?),
        }
    }
}
