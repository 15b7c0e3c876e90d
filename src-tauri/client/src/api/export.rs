//! `GET /v1/me/export`: the JSON part of the person's data export.

use atelier_api::export::DataExport;

use super::{ApiClient, Request};
use crate::error::ClientError;
use crate::session::SessionToken;

impl ApiClient {
    /// Everything the service holds about the signed-in person.
    pub async fn data_export(&self, token: &SessionToken) -> Result<DataExport, ClientError> {
        Ok(self
            .call(Request::get("v1/me/export").bearer(token))
            .await?
            .0)
    }
}
