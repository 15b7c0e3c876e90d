//! Sync and the edits a device makes to its images: one method per route.

use atelier_api::sync::{ImagePatch, SyncPage};
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
        let mut path = format!("v1/sync?limit={limit}");
        if let Some(cursor) = cursor {
            let encoded: String = url::form_urlencoded::byte_serialize(cursor.as_bytes()).collect();
            path.push_str(&format!("&cursor={encoded}"));
        }
        Ok(self.call(Request::get(&path).bearer(token)).await?.0)
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
