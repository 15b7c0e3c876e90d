//! The person's analytics choice, kept in `privacy.json` in the data folder: `undecided` until
//! they answer the banner; the analytics id exists only while analytics is granted. Written
//! atomically (a `.partial` file renamed over the old one), so a crash leaves the old choice or
//! the new one, never half a file. Deleting the data folder deletes it with everything else.

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::ClientError;

/// The file's name in the data folder (listed in `device_data::OWNED_ENTRIES`, with its
/// `.partial`).
pub const CONSENT_FILE: &str = "privacy.json";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum AnalyticsConsent {
    /// Not asked yet (first launch, or after the choice was forgotten): nothing is sent.
    #[default]
    Undecided,
    Granted,
    Denied,
}

/// The file's content.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PrivacyFile {
    pub analytics: AnalyticsConsent,
    /// When the person last chose, in ms since the epoch.
    #[serde(default)]
    pub decided_at: Option<i64>,
    /// The random id events are sent under; only while `analytics` is `granted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analytics_id: Option<String>,
}

impl PrivacyFile {
    /// The id to send events under, if analytics is granted and there is one.
    pub fn granted_id(&self) -> Option<&str> {
        match self.analytics {
            AnalyticsConsent::Granted => self.analytics_id.as_deref(),
            _ => None,
        }
    }
}

/// `privacy.json` in one folder.
#[derive(Debug, Clone)]
pub struct ConsentStore {
    path: PathBuf,
}

impl ConsentStore {
    pub fn new(dir: &Path) -> Self {
        Self {
            path: dir.join(CONSENT_FILE),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The saved choice. A missing file is `undecided`; so is one that cannot be read or parsed
    /// (the banner asks again rather than guessing a yes).
    pub fn load(&self) -> PrivacyFile {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice::<PrivacyFile>(&bytes)
                .map(|mut file| {
                    if file.analytics != AnalyticsConsent::Granted {
                        file.analytics_id = None;
                    }
                    file
                })
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "privacy.json is unreadable; analytics stays off");
                    PrivacyFile::default()
                }),
            Err(e) if e.kind() == ErrorKind::NotFound => PrivacyFile::default(),
            Err(e) => {
                tracing::warn!(error = %e, "privacy.json cannot be read; analytics stays off");
                PrivacyFile::default()
            }
        }
    }

    /// Replaces the file atomically, creating the folder if needed.
    pub fn save(&self, file: &PrivacyFile) -> Result<(), ClientError> {
        let failed = |e: std::io::Error| ClientError::Cache(format!("saving privacy.json: {e}"));
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(failed)?;
        }
        let partial = self.path.with_extension("json.partial");
        let bytes = serde_json::to_vec_pretty(file)
            .map_err(|e| ClientError::Cache(format!("encoding privacy.json: {e}")))?;
        let mut out = std::fs::File::create(&partial).map_err(failed)?;
        out.write_all(&bytes).map_err(failed)?;
        out.sync_all().map_err(failed)?;
        drop(out);
        std::fs::rename(&partial, &self.path).map_err(failed)
    }

    /// Removes the file (and a leftover `.partial`): the choice and the id are forgotten.
    pub fn remove(&self) -> Result<(), ClientError> {
        for path in [self.path.clone(), self.path.with_extension("json.partial")] {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(ClientError::Cache(format!("removing privacy.json: {e}")));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_launch_is_undecided_and_choices_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = ConsentStore::new(&dir.path().join("Atelier"));
        assert_eq!(store.load(), PrivacyFile::default());
        let granted = PrivacyFile {
            analytics: AnalyticsConsent::Granted,
            decided_at: Some(1),
            analytics_id: Some("abc".into()),
        };
        store.save(&granted).unwrap();
        assert_eq!(store.load(), granted);
        assert_eq!(store.load().granted_id(), Some("abc"));
        assert!(!store.path().with_extension("json.partial").exists());
        store.remove().unwrap();
        assert_eq!(store.load(), PrivacyFile::default());
        store.remove().unwrap();
    }

    #[test]
    fn an_id_without_a_grant_or_a_broken_file_means_no_analytics() {
        let dir = tempfile::tempdir().unwrap();
        let store = ConsentStore::new(dir.path());
        std::fs::write(
            store.path(),
            br#"{"analytics":"denied","decided_at":5,"analytics_id":"stale"}"#,
        )
        .unwrap();
        let file = store.load();
        assert_eq!(file.analytics, AnalyticsConsent::Denied);
        assert_eq!(file.analytics_id, None);
        assert_eq!(file.granted_id(), None);
        std::fs::write(store.path(), b"{not json").unwrap();
        assert_eq!(store.load(), PrivacyFile::default());
    }
}
