//! Blob storage with R2's shape: objects under keys, written whole, listed by prefix.

use std::future::Future;

use bytes::Bytes;

use super::PlatformError;

/// A validated object key: `/`-separated segments of `[A-Za-z0-9._-]`, no empty, `.` or `..`
/// segment, at most 512 bytes. The native platform maps keys to paths, so this is what stops a
/// hostile id from escaping the blob folder.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobKey(String);

impl BlobKey {
    pub const MAX_LEN: usize = 512;

    pub fn new(key: impl Into<String>) -> Result<Self, PlatformError> {
        let key = key.into();
        let valid_segment = |s: &str| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        };
        if key.len() > Self::MAX_LEN || !key.split('/').all(valid_segment) {
            return Err(PlatformError::Invalid(format!("invalid blob key {key:?}")));
        }
        Ok(Self(key))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for BlobKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An object read back from the store.
#[derive(Debug, Clone)]
pub struct Blob {
    pub bytes: Bytes,
    pub content_type: String,
}

/// One page of a listing.
#[derive(Debug, Clone, Default)]
pub struct BlobPage {
    pub keys: Vec<BlobKey>,
    /// Pass back to continue; `None` when the listing is complete.
    pub cursor: Option<String>,
}

pub trait Blobs {
    /// Stores `bytes` under `key`, replacing any object there. Readers see the old or the new
    /// object, never a part of one.
    fn blob_put(
        &self,
        key: &BlobKey,
        bytes: Bytes,
        content_type: &str,
    ) -> impl Future<Output = Result<(), PlatformError>> + Send;

    fn blob_get(
        &self,
        key: &BlobKey,
    ) -> impl Future<Output = Result<Option<Blob>, PlatformError>> + Send;

    /// Deletes up to 1,000 keys (R2's limit per call); missing keys are not an error.
    fn blob_delete(
        &self,
        keys: &[BlobKey],
    ) -> impl Future<Output = Result<(), PlatformError>> + Send;

    /// Lists keys under `prefix` in lexicographic order, at most `limit` (≤ 1,000) per page.
    fn blob_list(
        &self,
        prefix: &str,
        cursor: Option<String>,
        limit: u32,
    ) -> impl Future<Output = Result<BlobPage, PlatformError>> + Send;
}

/// R2 deletes at most this many keys per call.
pub const MAX_DELETE_KEYS: usize = 1_000;

/// Test mode's injected blob-store failures (`/__test/blob-faults`): fails when `roll` (a random
/// number) falls in the share `failure_ppm` (parts per million) of its range.
pub fn injected_fault(failure_ppm: u32, roll: u32) -> Result<(), PlatformError> {
    if failure_ppm > 0 && roll % 1_000_000 < failure_ppm {
        return Err(PlatformError::Blob("injected failure (test mode)".into()));
    }
    Ok(())
}

/// A failure rate in `0.0..=1.0` as parts per million, or `None` outside that range.
pub fn failure_ppm(rate: f64) -> Option<u32> {
    (0.0..=1.0)
        .contains(&rate)
        .then(|| (rate * 1_000_000.0).round() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_could_escape_a_folder_are_refused() {
        for bad in [
            "", "/a", "a/", "a//b", "../x", "a/../b", "./a", "a\\b", "a b", "a\0b", "ä",
        ] {
            assert!(BlobKey::new(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(BlobKey::new("x".repeat(BlobKey::MAX_LEN + 1)).is_err());
    }

    #[test]
    fn ordinary_keys_are_accepted() {
        for good in ["u/01HZ/original.png", "probe", "a.b_c-d/e"] {
            assert_eq!(BlobKey::new(good).unwrap().as_str(), good);
        }
    }
}
