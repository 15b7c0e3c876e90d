//! Where a session is kept between runs. The calls are blocking (the OS stores are); async code
//! runs them on a blocking thread.

use std::sync::Mutex;

use super::Session;
use crate::error::ClientError;

/// The store refused or does not exist (no Secret Service on the D-Bus session, a locked
/// keychain the person would not unlock, …). The reason is for logs and the "details" line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct StoreError {
    pub reason: String,
}

impl StoreError {
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }
}

impl From<StoreError> for ClientError {
    fn from(e: StoreError) -> Self {
        Self::CredentialStore(e.reason)
    }
}

/// Keeps at most one session: the desktop is signed in to one account at a time.
pub trait CredentialStore: Send + Sync + 'static {
    /// Whether what is saved here outlives the process.
    fn persistent(&self) -> bool;
    /// The saved session; `None` when there is none (or one this build cannot read).
    fn load(&self) -> Result<Option<Session>, StoreError>;
    fn save(&self, session: &Session) -> Result<(), StoreError>;
    /// Forgets the session; nothing to forget is not an error.
    fn delete(&self) -> Result<(), StoreError>;
}

/// "Keep me signed in only until I quit": the session lives and dies with the process.
#[derive(Debug, Default)]
pub struct MemoryStore {
    session: Mutex<Option<Session>>,
}

impl MemoryStore {
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Session>> {
        // A panic while holding this lock cannot leave a half-written Option behind.
        self.session
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl CredentialStore for MemoryStore {
    fn persistent(&self) -> bool {
        false
    }

    fn load(&self) -> Result<Option<Session>, StoreError> {
        Ok(self.slot().clone())
    }

    fn save(&self, session: &Session) -> Result<(), StoreError> {
        *self.slot() = Some(session.clone());
        Ok(())
    }

    fn delete(&self) -> Result<(), StoreError> {
        *self.slot() = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::tests::session;

    #[test]
    fn memory_keeps_one_session_until_deleted() {
        let store = MemoryStore::default();
        assert!(!store.persistent());
        assert_eq!(store.load(), Ok(None));
        store.save(&session("a@example.com")).ok();
        store.save(&session("b@example.com")).ok();
        let loaded = store.load().ok().flatten().map(|s| s.user.email);
        assert_eq!(loaded.as_deref(), Some("b@example.com"));
        assert_eq!(store.delete(), Ok(()));
        assert_eq!(store.delete(), Ok(()));
        assert_eq!(store.load(), Ok(None));
    }
}
