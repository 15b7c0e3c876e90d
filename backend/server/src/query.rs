//! `ApiQuery<T>`: axum's `Query` with its rejection mapped onto the error envelope, so a query
//! string that does not deserialize (a repeated field, a number that is not one) gets the same
//! `{code, message}` as a malformed body.

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use atelier_api::ErrorCode;

use crate::error::ApiError;

pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Self(value)),
            // The only rejection: the query string does not fit the route's parameters.
            Err(rejection) => Err(ApiError::new(ErrorCode::BadRequest, rejection.body_text())),
        }
    }
}
