//! The OS credential store through `keyring`: Keychain on macOS, Credential Manager on Windows,
//! the Secret Service (GNOME Keyring, KWallet) over D-Bus on Linux. One entry, service
//! `app.atelier.desktop`, user `session`, holding the session as versioned JSON.

use super::Session;
use super::store::{CredentialStore, StoreError};

pub struct KeyringStore {
    entry: keyring::Entry,
}

impl KeyringStore {
    /// The app's identifier, so the entry is easy to find (and remove) in the OS's own tools.
    pub const SERVICE: &'static str = "app.atelier.desktop";
    pub const ENTRY: &'static str = "session";

    /// The app's entry in the platform's default store. Creating it touches nothing yet: a
    /// missing or locked store shows up at the first load or save.
    pub fn new() -> Result<Self, StoreError> {
        keyring::Entry::new(Self::SERVICE, Self::ENTRY)
            .map(Self::with_entry)
            .map_err(|e| unavailable(&e))
    }

    /// Over a given entry (tests use `keyring::mock`).
    pub fn with_entry(entry: keyring::Entry) -> Self {
        Self { entry }
    }
}

fn unavailable(e: &keyring::Error) -> StoreError {
    StoreError::new(e.to_string())
}

impl CredentialStore for KeyringStore {
    fn persistent(&self) -> bool {
        true
    }

    fn load(&self) -> Result<Option<Session>, StoreError> {
        match self.entry.get_password() {
            Ok(secret) => {
                let session = Session::from_secret(&secret);
                if session.is_none() {
                    tracing::warn!("ignoring a credential-store entry this build cannot read");
                }
                Ok(session)
            }
            Err(keyring::Error::NoEntry | keyring::Error::BadEncoding(_)) => Ok(None),
            Err(e) => Err(unavailable(&e)),
        }
    }

    fn save(&self, session: &Session) -> Result<(), StoreError> {
        self.entry
            .set_password(&session.to_secret())
            .map_err(|e| unavailable(&e))
    }

    fn delete(&self) -> Result<(), StoreError> {
        match self.entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(unavailable(&e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use keyring::mock::MockCredential;

    use super::*;
    use crate::session::tests::session;

    fn mock_store() -> KeyringStore {
        KeyringStore::with_entry(keyring::Entry::new_with_credential(Box::new(
            MockCredential::default(),
        )))
    }

    fn fail_next(store: &KeyringStore, error: keyring::Error) {
        let mock = store
            .entry
            .get_credential()
            .downcast_ref::<MockCredential>();
        mock.map(|m| m.set_error(error))
            .unwrap_or_else(|| panic!("not a mock"));
    }

    #[test]
    fn saves_loads_and_deletes_the_session() {
        let store = mock_store();
        assert!(store.persistent());
        assert_eq!(store.load(), Ok(None));
        let s = session("ada@example.com");
        assert_eq!(store.save(&s), Ok(()));
        assert_eq!(store.load(), Ok(Some(s)));
        assert_eq!(store.delete(), Ok(()));
        assert_eq!(store.load(), Ok(None));
        assert_eq!(store.delete(), Ok(()), "deleting nothing is fine");
    }

    #[test]
    fn a_locked_or_missing_store_is_an_error_not_an_empty_one() {
        let store = mock_store();
        fail_next(
            &store,
            keyring::Error::NoStorageAccess("the collection is locked".into()),
        );
        let e = store.load().err().map(|e| e.reason);
        assert!(e.is_some_and(|r| r.contains("locked")));

        fail_next(
            &store,
            keyring::Error::PlatformFailure("no D-Bus session".into()),
        );
        assert!(store.save(&session("a@b.c")).is_err());
        fail_next(
            &store,
            keyring::Error::PlatformFailure("no D-Bus session".into()),
        );
        assert!(store.delete().is_err());
    }

    #[test]
    fn an_unreadable_entry_counts_as_none() {
        let store = mock_store();
        store.entry.set_password("not json").ok();
        assert_eq!(store.load(), Ok(None));
    }
}
