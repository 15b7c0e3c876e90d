//! `ApiPath<T>`: axum's `Path` with its rejections mapped onto the error envelope, so a path
//! segment that percent-decodes to invalid UTF-8 (`/v1/images/%FF%FE/thumbnail`) or does not parse
//! (`/v1/kie/callback/{generation}/x/{secret}`) gets the same `{code, message}` as everything else.
//!
//! Such a segment cannot name anything, and a well-formed id that names nothing (or someone
//! else's) is `not_found` in every route, so it is `not_found` too: a caller learns no more from a
//! mangled id than from a wrong one. What only a programming error causes (a handler asking for
//! more segments than its route has, or a type `Path` cannot fill) is `internal`.

use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use atelier_api::ErrorCode;

use crate::error::ApiError;

/// Whether `id` has the shape of the service's ids (`crypto::random_id` makes them).
pub use atelier_api::is_record_id as is_id;

pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Self(value)),
            Err(rejection) => Err(rejection_to_error(rejection)),
        }
    }
}

fn rejection_to_error(rejection: PathRejection) -> ApiError {
    let PathRejection::FailedToDeserializePathParams(failed) = rejection else {
        return ApiError::internal(format!("path parameters: {}", rejection.body_text()));
    };
    let detail = failed.body_text();
    match failed.into_kind() {
        ErrorKind::InvalidUtf8InPathParam { .. } => ApiError::new(
            ErrorCode::NotFound,
            "nothing here: a path segment is not valid UTF-8 once percent-decoded",
        ),
        ErrorKind::ParseError { expected_type, .. }
        | ErrorKind::ParseErrorAtIndex { expected_type, .. }
        | ErrorKind::ParseErrorAtKey { expected_type, .. } => ApiError::new(
            ErrorCode::NotFound,
            format!(
                "nothing here: a path segment is not {}",
                kind_of(expected_type)
            ),
        ),
        ErrorKind::DeserializeError { .. } | ErrorKind::Message(_) => ApiError::new(
            ErrorCode::NotFound,
            "nothing here: a path segment is not what this route takes",
        ),
        // `WrongNumberOfParameters`, `UnsupportedType` and whatever axum adds later: the route
        // and its handler disagree, which no request can cause or fix.
        _ => ApiError::internal(format!("path parameters: {detail}")),
    }
}

/// What a segment had to be, in words (never the value itself: it is the caller's to know).
fn kind_of(expected_type: &str) -> &'static str {
    match expected_type {
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64" | "u128"
        | "usize" => "a whole number in range",
        _ => "of the expected form",
    }
}

#[cfg(test)]
mod tests {
    use atelier_api::ErrorBody;
    use axum::Router;
    use axum::body::{Body, to_bytes};
    use axum::http::{Request, StatusCode};
    use axum::response::IntoResponse;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    async fn one(ApiPath(id): ApiPath<String>) -> String {
        id
    }

    async fn three(ApiPath((a, idx, c)): ApiPath<(String, i64, String)>) -> String {
        format!("{a}/{idx}/{c}")
    }

    /// A route whose handler wants more segments than the route has: a programming error.
    async fn mismatched(ApiPath((a, b)): ApiPath<(String, String)>) -> String {
        format!("{a}/{b}")
    }

    fn router() -> Router {
        Router::new()
            .route("/one/{id}", get(one))
            .route("/three/{a}/{idx}/{c}", get(three))
            .route("/mismatched/{a}", get(mismatched))
    }

    async fn call(uri: &str) -> (StatusCode, Vec<u8>) {
        let response = router()
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap()
            .into_response();
        let status = response.status();
        let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, body.to_vec())
    }

    async fn envelope(uri: &str) -> (StatusCode, ErrorBody) {
        let (status, body) = call(uri).await;
        let error = serde_json::from_slice(&body).unwrap_or_else(|e| {
            panic!(
                "GET {uri}: {status} without the envelope ({e}): {}",
                String::from_utf8_lossy(&body)
            )
        });
        (status, error)
    }

    #[tokio::test]
    async fn good_segments_are_decoded() {
        assert_eq!(call("/one/a%20b").await, (StatusCode::OK, b"a b".to_vec()));
        assert_eq!(
            call("/three/x/-7/%C3%A9").await,
            (StatusCode::OK, "x/-7/é".as_bytes().to_vec())
        );
    }

    #[tokio::test]
    async fn undecodable_or_unparsable_segments_are_not_found_envelopes() {
        for uri in [
            "/one/%FF%FE",
            "/one/%C3%28",
            "/three/%FF/0/x",
            "/three/x/0/%C3",
            "/three/x/not-a-number/y",
            "/three/x/99999999999999999999/y",
            "/three/x/1.5/y",
        ] {
            let (status, error) = envelope(uri).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "GET {uri}: {error:?}");
            assert_eq!(error.code, ErrorCode::NotFound, "GET {uri}");
            assert!(
                error.message.starts_with("nothing here"),
                "GET {uri}: {error:?}"
            );
        }
    }

    #[tokio::test]
    async fn the_message_never_echoes_the_segment() {
        let (_, error) = envelope("/three/x/secret-looking-123/y").await;
        assert!(!error.message.contains("secret-looking"), "{error:?}");
    }

    #[tokio::test]
    async fn a_route_and_handler_that_disagree_are_internal() {
        let (status, error) = envelope("/mismatched/a").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(error.code, ErrorCode::Internal);
        assert_eq!(error.message, crate::error::GENERIC_INTERNAL_MESSAGE);
    }
}
