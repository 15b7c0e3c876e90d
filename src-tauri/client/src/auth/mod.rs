//! Signing in by email (a code or a magic link), the session between runs, and signing out.
//!
//! [`Auth`] holds the one current session and the store it is kept in. The store is the OS
//! credential store unless the person chose "keep me signed in only until I quit"; when the OS
//! store cannot be used, nothing is saved anywhere else: the state says so and waits for that
//! choice (or a retry).

mod email_change;
mod link;
mod pkce;

use std::sync::Arc;

use atelier_api::ErrorCode;
use atelier_api::auth::{MAX_CODE_ATTEMPTS, SignInStarted, User};
use tokio::sync::Mutex;

pub use link::{AUTH_HOST, LinkError, LinkToken, SCHEME, parse_sign_in_link};

use crate::ApiClient;
use crate::api::Language;
use crate::error::ClientError;
use crate::session::{
    CredentialStore, KeyringStore, MemoryStore, Session, SessionToken, StoreError,
};

/// Where the session is kept.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Storage {
    /// The OS credential store: the session survives a restart.
    Keychain,
    /// Memory, by the person's choice: quitting signs out.
    Memory,
    /// The OS credential store failed and no choice was made yet.
    Unavailable { reason: String },
}

/// What the interface needs to know about signing in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AuthState {
    /// The signed-in account, if any (`account` to the UI, which calls the person that).
    #[serde(rename = "account")]
    pub user: Option<User>,
    pub storage: Storage,
    /// A sign-in that succeeded but could not be saved to the OS store: it waits for the
    /// person to retry the store or keep it in memory. `user` stays `None` meanwhile.
    pub unsaved: Option<User>,
}

/// What a check of the session with the service found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refresh {
    /// Nothing to tell (also when the service could not be reached: the cached account stays).
    Unchanged,
    /// The account changed elsewhere (say, its display name).
    Updated(AuthState),
    /// The service no longer accepts the session (expired, or signed out everywhere).
    Ended(AuthState),
}

/// Opens the OS credential store; called at start and again when the person asks to retry.
pub type StoreOpener =
    Box<dyn Fn() -> Result<Arc<dyn CredentialStore>, StoreError> + Send + Sync + 'static>;

pub struct Auth {
    api: ApiClient,
    open_store: StoreOpener,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    restored: bool,
    /// `None` while the OS store is unavailable and no choice was made.
    store: Option<Arc<dyn CredentialStore>>,
    reason: String,
    session: Option<Session>,
    unsaved: Option<Session>,
    challenge: Option<Challenge>,
    /// A change of this account's email this device asked for (the new address and verifier).
    email_change: Option<Challenge>,
}

/// The sign-in this device asked for: which address, how many wrong codes so far, and the PKCE
/// verifier without which neither its code nor its link works (kept in memory only).
struct Challenge {
    email: String,
    wrong_codes: u32,
    verifier: pkce::Verifier,
}

fn normalized(email: &str) -> String {
    email.trim().to_lowercase()
}

impl Inner {
    fn storage(&self) -> Storage {
        match &self.store {
            Some(store) if store.persistent() => Storage::Keychain,
            Some(_) => Storage::Memory,
            None => Storage::Unavailable {
                reason: self.reason.clone(),
            },
        }
    }

    fn state(&self) -> AuthState {
        AuthState {
            user: self.session.as_ref().map(|s| s.user.clone()),
            storage: self.storage(),
            unsaved: self.unsaved.as_ref().map(|s| s.user.clone()),
        }
    }

    fn store_failed(&mut self, error: &StoreError) {
        tracing::warn!(%error, "the credential store is unavailable");
        self.store = None;
        self.reason = error.reason.clone();
    }

    fn current_token(&self) -> Option<SessionToken> {
        self.session.as_ref().map(|s| s.token.clone())
    }

    fn holds(&self, token: &SessionToken) -> bool {
        self.session.as_ref().is_some_and(|s| &s.token == token)
    }
}

/// Runs a blocking store call off the async threads.
async fn on_store<T: Send + 'static>(
    store: &Arc<dyn CredentialStore>,
    call: impl FnOnce(&dyn CredentialStore) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || call(store.as_ref()))
        .await
        .unwrap_or_else(|e| Err(StoreError::new(format!("the store call failed: {e}"))))
}

fn keychain() -> Result<Arc<dyn CredentialStore>, StoreError> {
    Ok(Arc::new(KeyringStore::new()?))
}

impl Auth {
    pub fn new(api: ApiClient, open_store: StoreOpener) -> Self {
        Self {
            api,
            open_store,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Sessions kept in the OS credential store (`keyring`).
    pub fn with_keychain(api: ApiClient) -> Self {
        Self::new(api, Box::new(keychain))
    }

    pub fn api(&self) -> &ApiClient {
        &self.api
    }

    /// The current state; the first call reads the saved session from the store.
    pub async fn state(&self) -> AuthState {
        let mut inner = self.inner.lock().await;
        self.restore(&mut inner).await;
        inner.state()
    }

    async fn restore(&self, inner: &mut Inner) {
        if inner.restored {
            return;
        }
        inner.restored = true;
        let loaded = match (self.open_store)() {
            Ok(store) => on_store(&store, |s| s.load()).await.map(|s| (store, s)),
            Err(e) => Err(e),
        };
        match loaded {
            Ok((store, session)) => {
                inner.store = Some(store);
                inner.session = session;
            }
            Err(e) => inner.store_failed(&e),
        }
    }

    /// Sends the sign-in email. The answer says when another may be asked for.
    pub async fn start(
        &self,
        email: &str,
        language: Language,
    ) -> Result<SignInStarted, ClientError> {
        let email = email.trim();
        if email.is_empty() || email.len() > 254 || !email.contains('@') {
            return Err(ClientError::api(
                ErrorCode::InvalidEmail,
                "enter an email address like name@example.com",
            ));
        }
        let verifier = pkce::Verifier::new()
            .map_err(|e| ClientError::Protocol(format!("no randomness for the sign-in: {e}")))?;
        let started = self
            .api
            .start_sign_in(email, language, &verifier.challenge())
            .await?;
        self.inner.lock().await.challenge = Some(Challenge {
            email: normalized(email),
            wrong_codes: 0,
            verifier,
        });
        Ok(started)
    }

    /// Signs in with the emailed code. A wrong code answers `invalid_code` with how many
    /// tries are left before the code stops working.
    pub async fn verify_code(&self, email: &str, code: &str) -> Result<AuthState, ClientError> {
        let code = code.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ClientError::api(
                ErrorCode::InvalidCode,
                "the code is the six digits from the email",
            ));
        }
        let verifier = {
            let inner = self.inner.lock().await;
            match inner
                .challenge
                .as_ref()
                .filter(|c| c.email == normalized(email))
            {
                Some(challenge) => challenge.verifier.expose().to_owned(),
                None => return Err(ClientError::SignInNotPending),
            }
        };
        let result = self.api.verify_code(email.trim(), code, &verifier).await;
        let mut inner = self.inner.lock().await;
        self.restore(&mut inner).await;
        match result {
            Ok(grant) => self.install(inner, grant.into()).await,
            Err(ClientError::Api {
                body,
                retry_after,
                attempts_left: _,
            }) if body.code == ErrorCode::InvalidCode => {
                let attempts_left = inner
                    .challenge
                    .as_mut()
                    .filter(|c| c.email == normalized(email))
                    .map(|c| {
                        c.wrong_codes += 1;
                        MAX_CODE_ATTEMPTS.saturating_sub(c.wrong_codes)
                    });
                Err(ClientError::Api {
                    body,
                    retry_after,
                    attempts_left,
                })
            }
            Err(e) => Err(e),
        }
    }

    /// Signs in with the token of a magic link, only if this app asked for a sign-in: a link
    /// this device did not ask for (one planted by someone else, or opened on another computer)
    /// is refused before anything is sent, and never replaces the current session.
    pub async fn verify_link(&self, token: &LinkToken) -> Result<AuthState, ClientError> {
        let verifier = match self.inner.lock().await.challenge.as_ref() {
            Some(challenge) => challenge.verifier.expose().to_owned(),
            None => return Err(ClientError::SignInNotPending),
        };
        let grant = self
            .api
            .verify_link_token(token.expose(), &verifier)
            .await?;
        let mut inner = self.inner.lock().await;
        self.restore(&mut inner).await;
        self.install(inner, grant.into()).await
    }

    /// Signs in with what the person pasted: the whole `atelier://auth?token=…` link or the
    /// token alone. Anything else is `bad_request`, and nothing is sent.
    pub async fn verify_pasted(&self, pasted: &str) -> Result<AuthState, ClientError> {
        let pasted = pasted.trim();
        let token = if pasted.contains(':') {
            parse_sign_in_link(pasted)
        } else {
            LinkToken::parse(pasted)
        };
        let token = token.map_err(|e| ClientError::api(ErrorCode::BadRequest, e.to_string()))?;
        self.verify_link(&token).await
    }

    /// Makes `session` the current one and saves it; a session it replaces is ended.
    async fn install(
        &self,
        mut inner: tokio::sync::MutexGuard<'_, Inner>,
        session: Session,
    ) -> Result<AuthState, ClientError> {
        inner.challenge = None;
        inner.email_change = None;
        let replaced = inner
            .session
            .take()
            .filter(|old| old.token != session.token);
        let saved = match inner.store.clone() {
            Some(store) => {
                let copy = session.clone();
                on_store(&store, move |s| s.save(&copy)).await
            }
            None => Err(StoreError::new(inner.reason.clone())),
        };
        let result = match saved {
            Ok(()) => {
                inner.unsaved = None;
                inner.session = Some(session);
                Ok(inner.state())
            }
            Err(e) => {
                inner.store_failed(&e);
                inner.unsaved = Some(session);
                Err(e.into())
            }
        };
        drop(inner);
        if let Some(old) = replaced
            && let Err(e) = self.api.logout(&old.token).await
        {
            tracing::info!(error = %e, "could not end the replaced session");
        }
        result
    }

    /// Asks the service whether the session still holds, and for the account as it is now.
    pub async fn refresh(&self) -> Refresh {
        let token = {
            let mut inner = self.inner.lock().await;
            self.restore(&mut inner).await;
            inner.current_token()
        };
        let Some(token) = token else {
            return Refresh::Unchanged;
        };
        let answer = self.api.me(&token).await;
        let mut inner = self.inner.lock().await;
        if !inner.holds(&token) {
            return Refresh::Unchanged; // signed out or in again meanwhile
        }
        match answer {
            Ok(user) => {
                if inner.session.as_ref().is_some_and(|s| s.user == user) {
                    return Refresh::Unchanged;
                }
                self.update_user(&mut inner, user).await;
                Refresh::Updated(inner.state())
            }
            Err(e) if e.code() == ErrorCode::Unauthenticated => {
                let _ = self.forget(&mut inner).await; // logged; the session is gone here either way
                Refresh::Ended(inner.state())
            }
            Err(e) => {
                tracing::info!(error = %e, "could not check the session; keeping it");
                Refresh::Unchanged
            }
        }
    }

    /// Sets (or with `None` or blank, clears) the display name.
    pub async fn update_display_name(
        &self,
        display_name: Option<&str>,
    ) -> Result<AuthState, ClientError> {
        let token = self.signed_in_token().await?;
        let display_name = display_name.map(str::trim).filter(|n| !n.is_empty());
        let answer = self.api.update_me(&token, display_name).await;
        let mut inner = self.inner.lock().await;
        match answer {
            Ok(user) => {
                if inner.holds(&token) {
                    self.update_user(&mut inner, user).await;
                }
                Ok(inner.state())
            }
            Err(e) => {
                if e.code() == ErrorCode::Unauthenticated && inner.holds(&token) {
                    let _ = self.forget(&mut inner).await;
                }
                Err(e)
            }
        }
    }

    /// Signs this device out: the service ends the session and the store forgets it. Offline,
    /// the store still forgets it (the token then lapses by itself on the service).
    pub async fn sign_out(&self) -> Result<AuthState, ClientError> {
        let Some(token) = self.inner.lock().await.current_token() else {
            return Ok(self.state().await);
        };
        let ended = match self.api.logout(&token).await {
            Ok(()) => true,
            Err(e) if e.code() == ErrorCode::Unauthenticated => true,
            Err(e) => {
                tracing::warn!(error = %e, "the service did not confirm the sign-out");
                false
            }
        };
        let mut inner = self.inner.lock().await;
        if !inner.holds(&token) {
            return Ok(inner.state());
        }
        let forgotten = self.forget(&mut inner).await;
        match forgotten {
            Err(e) if !ended => Err(e.into()),
            _ => Ok(inner.state()),
        }
    }

    /// Ends every session of the account, on every device, then forgets this one. Needs the
    /// service: offline, nothing changes and the error says so.
    pub async fn sign_out_everywhere(&self) -> Result<AuthState, ClientError> {
        let token = self.signed_in_token().await?;
        match self.api.logout_all(&token).await {
            Ok(()) => {}
            Err(e) if e.code() == ErrorCode::Unauthenticated => {}
            Err(e) => return Err(e),
        }
        let mut inner = self.inner.lock().await;
        if inner.holds(&token) {
            // The token is dead on the service whatever the store says.
            let _ = self.forget(&mut inner).await;
        }
        Ok(inner.state())
    }

    /// Deletes the account on the service, then forgets the session here (the OS credential
    /// store's entry included). Needs the service: offline or refused, nothing changes here and
    /// the error says why. The caller removes the device's copy of the data afterwards.
    pub async fn delete_account(&self) -> Result<AuthState, ClientError> {
        let token = self.signed_in_token().await?;
        self.api.delete_me(&token).await?;
        let mut inner = self.inner.lock().await;
        if inner.holds(&token)
            && let Err(e) = self.forget(&mut inner).await
        {
            // The account is gone and its token dead on the service; a store that cannot delete
            // the entry now is asked again at the next start, when the token is refused.
            return Err(ClientError::CredentialStore(e.to_string()));
        }
        Ok(inner.state())
    }

    /// The person's choice: keep the session in memory only, signed out when the app quits.
    /// A sign-in waiting for that choice completes; a session in the OS store moves out of it.
    pub async fn keep_until_quit(&self) -> AuthState {
        let mut inner = self.inner.lock().await;
        self.restore(&mut inner).await;
        if let Some(old) = inner.store.take().filter(|s| s.persistent())
            && let Err(e) = on_store(&old, |s| s.delete()).await
        {
            tracing::info!(error = %e, "could not clear the credential store");
        }
        let memory: Arc<dyn CredentialStore> = Arc::new(MemoryStore::default());
        if let Some(session) = inner.unsaved.take() {
            inner.session = Some(session);
        }
        if let Some(session) = &inner.session {
            let _ = memory.save(session);
        }
        inner.store = Some(memory);
        inner.state()
    }

    /// Tries the OS credential store again (the person unlocked it, or started its service). A
    /// sign-in waiting for a choice, or a session kept in memory, is saved there.
    pub async fn retry_store(&self) -> Result<AuthState, ClientError> {
        let mut inner = self.inner.lock().await;
        inner.restored = true;
        let opened = match (self.open_store)() {
            Ok(store) => on_store(&store, |s| s.load())
                .await
                .map(|saved| (store, saved)),
            Err(e) => Err(e),
        };
        let (store, saved) = match opened {
            Ok(found) => found,
            Err(e) => {
                if inner.store.as_ref().is_none_or(|s| s.persistent()) {
                    inner.store_failed(&e);
                }
                return Err(e.into());
            }
        };
        let keep = inner.unsaved.clone().or_else(|| inner.session.clone());
        if let Some(session) = keep {
            let copy = session.clone();
            if let Err(e) = on_store(&store, move |s| s.save(&copy)).await {
                if inner.store.as_ref().is_none_or(|s| s.persistent()) {
                    inner.store_failed(&e);
                }
                return Err(e.into());
            }
            inner.unsaved = None;
            inner.session = Some(session);
        } else {
            inner.session = saved;
        }
        inner.store = Some(store);
        Ok(inner.state())
    }

    /// The token of the signed-in session, for calls beyond signing in (generations, credits,
    /// images); `unauthenticated` when nobody is signed in on this device.
    pub async fn token(&self) -> Result<SessionToken, ClientError> {
        self.signed_in_token().await
    }

    async fn signed_in_token(&self) -> Result<SessionToken, ClientError> {
        let mut inner = self.inner.lock().await;
        self.restore(&mut inner).await;
        inner.current_token().ok_or_else(|| {
            ClientError::api(ErrorCode::Unauthenticated, "not signed in on this device")
        })
    }

    async fn update_user(&self, inner: &mut Inner, user: User) {
        let Some(session) = inner.session.as_mut() else {
            return;
        };
        session.user = user;
        let copy = session.clone();
        if let Some(store) = &inner.store
            && let Err(e) = on_store(store, move |s| s.save(&copy)).await
        {
            // The token is what matters and it is saved; the account is refreshed next start.
            tracing::info!(error = %e, "could not save the updated account");
        }
    }

    /// Drops the session here and from the store.
    async fn forget(&self, inner: &mut Inner) -> Result<(), StoreError> {
        inner.session = None;
        inner.email_change = None;
        inner.unsaved = None;
        match &inner.store {
            Some(store) => {
                let result = on_store(store, |s| s.delete()).await;
                if let Err(e) = &result {
                    tracing::warn!(error = %e, "could not remove the session from the store");
                }
                result
            }
            None => Ok(()),
        }
    }
}
