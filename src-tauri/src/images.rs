//! The `img` URI scheme: `img://localhost/thumbnail/<id>` and `/original/<id>` (on Windows,
//! `http://img.localhost/…`) serve an image's bytes to the webview, fetched with the session
//! through `atelier-client`, so no image crosses IPC as base64. The fetch is one function
//! ([`fetch`]) so a local cache can take its place.

use atelier_client::api::{ImageVariant, is_valid_id};
use tauri::http::{Request, Response, StatusCode, header};
use tauri::{Manager, Runtime, UriSchemeContext, UriSchemeResponder};

use crate::state::AppState;

pub const SCHEME: &str = "img";

/// What a request asks for: `/<variant>/<32 hex>`, nothing else.
pub fn parse_path(path: &str) -> Option<(ImageVariant, &str)> {
    let rest = path.strip_prefix('/')?;
    let (variant, id) = rest.split_once('/')?;
    let variant = match variant {
        "thumbnail" => ImageVariant::Thumbnail,
        "original" => ImageVariant::Original,
        _ => return None,
    };
    is_valid_id(id).then_some((variant, id))
}

/// The protocol handler: answers off the main thread.
pub fn handle<R: Runtime>(
    ctx: UriSchemeContext<'_, R>,
    request: Request<Vec<u8>>,
    responder: UriSchemeResponder,
) {
    let app = ctx.app_handle().clone();
    let path = request.uri().path().to_owned();
    let method_ok = request.method() == tauri::http::Method::GET;
    tauri::async_runtime::spawn(async move {
        let response = if !method_ok {
            status(StatusCode::METHOD_NOT_ALLOWED)
        } else {
            match parse_path(&path) {
                None => status(StatusCode::NOT_FOUND),
                Some((variant, id)) => fetch(&app.state::<AppState>(), variant, id).await,
            }
        };
        responder.respond(response);
    });
}

/// The image from the service, or the HTTP status that says why not.
async fn fetch(state: &AppState, variant: ImageVariant, id: &str) -> Response<Vec<u8>> {
    let Ok(auth) = state.auth() else {
        return status(StatusCode::SERVICE_UNAVAILABLE);
    };
    let Ok(token) = auth.token().await else {
        return status(StatusCode::UNAUTHORIZED);
    };
    match auth.api().image(&token, id, variant).await {
        Ok(image) => Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, image.content_type)
            .header(
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable",
            )
            .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
            .body(image.bytes.to_vec())
            .unwrap_or_else(|_| status(StatusCode::INTERNAL_SERVER_ERROR)),
        Err(e) => {
            tracing::info!(error = %e, "image not served");
            let code = match e.code().as_str() {
                "not_found" => StatusCode::NOT_FOUND,
                "unauthenticated" => StatusCode::UNAUTHORIZED,
                "offline" | "unavailable" => StatusCode::SERVICE_UNAVAILABLE,
                "rate_limited" => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::BAD_GATEWAY,
            };
            status(code)
        }
    }
}

fn status(code: StatusCode) -> Response<Vec<u8>> {
    let mut response = Response::new(Vec::new());
    *response.status_mut() = code;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_variant_and_a_32_hex_id_are_served() {
        let id = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            parse_path(&format!("/thumbnail/{id}")),
            Some((ImageVariant::Thumbnail, id))
        );
        assert_eq!(
            parse_path(&format!("/original/{id}")),
            Some((ImageVariant::Original, id))
        );
        assert_eq!(parse_path(&format!("/other/{id}")), None);
        assert_eq!(parse_path("/thumbnail/../../etc/passwd"), None);
        assert_eq!(parse_path(&format!("/thumbnail/{id}/x")), None);
        assert_eq!(parse_path("/thumbnail/"), None);
        assert_eq!(parse_path(""), None);
    }
}
