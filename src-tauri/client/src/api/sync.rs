//! Sync and the edits a device makes to its images: one method per route.

use std::time::Duration;

use atelier_api::sync::{ImagePatch, SYNC_WAIT_MAX_SECONDS, SyncPage};
use reqwest::Method;

use super::generations::checked_id;
use super::{ApiClient, Request};
use crate::error::ClientError;
use crate::session::SessionToken;

impl ApiClient {
    /// `GET /v1/sync?cursor=&limit=`: the changes after `cursor` (from the beginning when `None`).
    pub async fn sync_page(
        &self,
        token: &SessionToken,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<SyncPage, ClientError> {
        let path = sync_path(cursor, limit);
        Ok(self.call(Request::get(&path).bearer(token)).await?.0)
    }

    /// `GET /v1/sync?cursor=&limit=&wait=`: the same page, but the service holds the request
    /// until the account's changes move past `cursor` or `wait` (whole seconds, at most
    /// [`MAX_SYNC_WAIT`]) passes, then answers an empty page. An older service ignores `wait`
    /// and answers at once. Sent once: the live watch that asks has its own back-off.
    pub async fn sync_wait(
        &self,
        token: &SessionToken,
        cursor: Option<&str>,
        limit: u32,
        wait: Duration,
    ) -> Result<SyncPage, ClientError> {
        let wait = wait.min(MAX_SYNC_WAIT);
        let path = format!("{}&wait={}", sync_path(cursor, limit), wait.as_secs());
        let mut request = Request::new(Method::GET, &path, false).bearer(token);
        request.timeout = Some(self.request_timeout + wait);
        Ok(self.call(request).await?.0)
    }

    /// `PATCH /v1/images/:id`: marks or unmarks a favourite. Setting it twice is setting it once.
    pub async fn set_favourite(
        &self,
        token: &SessionToken,
        id: &str,
        favourite: bool,
    ) -> Result<(), ClientError> {
        let path = format!("v1/images/{}", checked_id(id)?);
        let request = Request::patch(&path)
            .json(&ImagePatch { favourite })?
            .bearer(token);
        self.call::<serde_json::Value>(request).await.map(|_| ())
    }

    /// `DELETE /v1/images/:id`, retried: a repeat meets `not_found`, which callers read as done.
    pub async fn delete_image(&self, token: &SessionToken, id: &str) -> Result<(), ClientError> {
        let path = format!("v1/images/{}", checked_id(id)?);
        let request = Request::new(Method::DELETE, &path, true).bearer(token);
        self.call::<serde_json::Value>(request).await.map(|_| ())
    }
}

/// The longest the service holds a sync request.
pub const MAX_SYNC_WAIT: Duration = Duration::from_secs(SYNC_WAIT_MAX_SECONDS as u64);

fn sync_path(cursor: Option<&str>, limit: u32) -> String {
    let mut path = format!("v1/sync?limit={limit}");
    if let Some(cursor) = cursor {
        let encoded: String = url::form_urlencoded::byte_serialize(cursor.as_bytes()).collect();
        path.push_str(&format!("&cursor={encoded}"));
    }
    path
}
