//! Uploads: images people bring in, as input for generations.

use atelier_api::uploads::Upload;
use reqwest::Method;

use super::generations::{ImageBytes, ImageVariant, checked_id};
use super::{ApiClient, Request};
use crate::error::ClientError;
use crate::session::SessionToken;

impl ApiClient {
    /// `POST /v1/uploads`: the image's bytes with their content type. The same bytes again are
    /// the same upload, so a lost answer is retried like a GET.
    pub async fn upload(
        &self,
        token: &SessionToken,
        bytes: bytes::Bytes,
        content_type: &str,
    ) -> Result<Upload, ClientError> {
        let request = Request::post("v1/uploads", true)
            .bytes(bytes, content_type)
            .bearer(token);
        Ok(self.call(request).await?.0)
    }

    /// `DELETE /v1/uploads/:id`: the upload's bytes and row go; other devices learn it by sync.
    pub async fn delete_upload(&self, token: &SessionToken, id: &str) -> Result<(), ClientError> {
        let path = format!("v1/uploads/{}", checked_id(id)?);
        let request = Request::new(Method::DELETE, &path, true).bearer(token);
        self.call::<serde_json::Value>(request).await.map(|_| ())
    }

    /// `GET /v1/uploads/:id/original|thumbnail`: the bytes and their content type.
    pub async fn upload_bytes(
        &self,
        token: &SessionToken,
        id: &str,
        variant: ImageVariant,
    ) -> Result<ImageBytes, ClientError> {
        let path = format!("v1/uploads/{}/{}", checked_id(id)?, variant.as_str());
        self.stored_bytes(token, path).await
    }
}
