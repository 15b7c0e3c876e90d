//! The `img` URI scheme: `img://localhost/thumbnail/<id>` and `/original/<id>` (on Windows,
//! `http://img.localhost/…`) serve an image's bytes to the webview from the local cache (the
//! service when the cache does not hold them yet), so no image crosses IPC as base64;
//! `/grid/<id>` is the thumbnail at a gallery tile's size, made from the cached thumbnail the
//! first time it is asked for (`atelier_client::cache::grid`). Single byte ranges are honoured;
//! images never change, so they are cached for good (a 512 px thumbnail standing in for a grid
//! one not made yet is not).

use atelier_api::ErrorCode;
use atelier_client::Code;
use atelier_client::api::{ImageVariant, is_valid_id};
use tauri::http::{Request, Response, StatusCode, header};
use tauri::{Manager, Runtime, UriSchemeContext, UriSchemeResponder};

use crate::state::AppState;

pub const SCHEME: &str = "img";

/// What a request may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// The thumbnail at a tile's size, for the gallery's grid.
    Grid,
    /// The bytes the service keeps: its 512 px thumbnail or the original.
    Stored(ImageVariant),
}

/// How long the webview may keep an answer.
const KEPT: &str = "private, max-age=31536000, immutable";
const NOT_KEPT: &str = "no-store";

/// What a request asks for: `/<variant>/<32 hex>`, nothing else.
pub fn parse_path(path: &str) -> Option<(Asked, &str)> {
    let rest = path.strip_prefix('/')?;
    let (variant, id) = rest.split_once('/')?;
    let asked = match variant {
        "grid" => Asked::Grid,
        "thumbnail" => Asked::Stored(ImageVariant::Thumbnail),
        "original" => Asked::Stored(ImageVariant::Original),
        _ => return None,
    };
    is_valid_id(id).then_some((asked, id))
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
    let range = request
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    tauri::async_runtime::spawn(async move {
        let response = if !method_ok {
            status(StatusCode::METHOD_NOT_ALLOWED)
        } else {
            match parse_path(&path) {
                None => status(StatusCode::NOT_FOUND),
                Some((Asked::Grid, id)) => {
                    grid(&app.state::<AppState>(), id, range.as_deref()).await
                }
                Some((Asked::Stored(variant), id)) => {
                    fetch(&app.state::<AppState>(), variant, id, range.as_deref()).await
                }
            }
        };
        crate::startup::mark_once(&FIRST_IMAGE, "first-image-served");
        responder.respond(response);
    });
}

static FIRST_IMAGE: std::sync::Once = std::sync::Once::new();

/// The grid thumbnail, or its stand-in (`Library::grid_image` says which may be kept).
async fn grid(state: &AppState, id: &str, range: Option<&str>) -> Response<Vec<u8>> {
    let (Ok(auth), Ok(library)) = (state.auth(), state.library().await) else {
        return status(StatusCode::SERVICE_UNAVAILABLE);
    };
    match library.grid_image(auth, id).await {
        Ok(image) => {
            let caching = if image.keep { KEPT } else { NOT_KEPT };
            respond(served_type(&image.bytes), image.bytes, range, caching)
        }
        Err(e) => refused(&e),
    }
}

/// The image from the library, or the HTTP status that says why not.
async fn fetch(
    state: &AppState,
    variant: ImageVariant,
    id: &str,
    range: Option<&str>,
) -> Response<Vec<u8>> {
    let (Ok(auth), Ok(library)) = (state.auth(), state.library().await) else {
        return status(StatusCode::SERVICE_UNAVAILABLE);
    };
    match library.image(auth, variant, id).await {
        Ok(image) => respond(served_type(&image.bytes), image.bytes.to_vec(), range, KEPT),
        Err(e) => refused(&e),
    }
}

/// The HTTP status that says why an image is not served.
fn refused(e: &atelier_client::ClientError) -> Response<Vec<u8>> {
    tracing::info!(error = %e, "image not served");
    let code = match e.code() {
        Code::Api(ErrorCode::NotFound) => StatusCode::NOT_FOUND,
        Code::Api(ErrorCode::Unauthenticated) => StatusCode::UNAUTHORIZED,
        Code::Api(ErrorCode::Offline | ErrorCode::Unavailable) => StatusCode::SERVICE_UNAVAILABLE,
        Code::Api(ErrorCode::RateLimited) => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::BAD_GATEWAY,
    };
    status(code)
}

/// `bytes=a-b`, `bytes=a-` or `bytes=-n` over `len` bytes: the inclusive range, `Err` when it
/// cannot be satisfied, `Ok(None)` for no (or a multi-part) range, which gets the whole body.
pub fn parse_range(header: Option<&str>, len: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let (start, end) = spec.split_once('-').ok_or(())?;
    let (start, end) = match (start.trim(), end.trim()) {
        ("", suffix) => {
            let n: u64 = suffix.parse().map_err(|_| ())?;
            if n == 0 {
                return Err(());
            }
            (len.saturating_sub(n), len.checked_sub(1).ok_or(())?)
        }
        (start, "") => (
            start.parse().map_err(|_| ())?,
            len.checked_sub(1).ok_or(())?,
        ),
        (start, end) => {
            let end: u64 = end.parse().map_err(|_| ())?;
            (
                start.parse().map_err(|_| ())?,
                end.min(len.saturating_sub(1)),
            )
        }
    };
    if start > end || start >= len {
        return Err(());
    }
    Ok(Some((start, end)))
}

/// The `Content-Type` the webview gets: read from the bytes (PNG, JPEG, WebP), never the one the
/// service sent, so no answer of the service can make the webview treat an image as a page or a
/// script; anything else is opaque bytes (and `nosniff` keeps it so).
pub fn served_type(bytes: &[u8]) -> String {
    atelier_client::image_bytes::content_type(bytes)
        .unwrap_or("application/octet-stream")
        .to_owned()
}

fn respond(
    content_type: String,
    bytes: Vec<u8>,
    range: Option<&str>,
    caching: &'static str,
) -> Response<Vec<u8>> {
    let len = bytes.len() as u64;
    let builder = Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, caching)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::ACCEPT_RANGES, "bytes");
    let response = match parse_range(range, len) {
        Ok(None) => builder
            .status(StatusCode::OK)
            .header(header::CONTENT_LENGTH, len)
            .body(bytes),
        Ok(Some((start, end))) => builder
            .status(StatusCode::PARTIAL_CONTENT)
            .header(header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}"))
            .header(header::CONTENT_LENGTH, end - start + 1)
            .body(bytes[start as usize..=end as usize].to_vec()),
        Err(()) => builder
            .status(StatusCode::RANGE_NOT_SATISFIABLE)
            .header(header::CONTENT_RANGE, format!("bytes */{len}"))
            .body(Vec::new()),
    };
    response.unwrap_or_else(|_| status(StatusCode::INTERNAL_SERVER_ERROR))
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
            Some((Asked::Stored(ImageVariant::Thumbnail), id))
        );
        assert_eq!(
            parse_path(&format!("/original/{id}")),
            Some((Asked::Stored(ImageVariant::Original), id))
        );
        assert_eq!(parse_path(&format!("/grid/{id}")), Some((Asked::Grid, id)));
        assert_eq!(parse_path("/grid/../../etc/passwd"), None);
        assert_eq!(parse_path(&format!("/other/{id}")), None);
        assert_eq!(parse_path("/thumbnail/../../etc/passwd"), None);
        assert_eq!(parse_path(&format!("/thumbnail/{id}/x")), None);
        assert_eq!(parse_path("/thumbnail/"), None);
        assert_eq!(parse_path(""), None);
    }

    #[test]
    fn the_content_type_comes_from_the_bytes_not_the_service() {
        assert_eq!(served_type(b"\x89PNG\r\n\x1a\n rest"), "image/png");
        assert_eq!(served_type(b"\xff\xd8\xff\xe0 rest"), "image/jpeg");
        assert_eq!(served_type(b"RIFF\0\0\0\0WEBPVP8 "), "image/webp");
        // Whatever the service called it, a page stays opaque bytes.
        for hostile in [
            &b"<html><script>alert(1)</script></html>"[..],
            b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
            b"",
        ] {
            assert_eq!(served_type(hostile), "application/octet-stream");
        }
    }

    #[test]
    fn byte_ranges_are_honoured_and_checked() {
        assert_eq!(parse_range(None, 10), Ok(None));
        assert_eq!(parse_range(Some("bytes=0-3"), 10), Ok(Some((0, 3))));
        assert_eq!(parse_range(Some("bytes=4-"), 10), Ok(Some((4, 9))));
        assert_eq!(parse_range(Some("bytes=-3"), 10), Ok(Some((7, 9))));
        assert_eq!(parse_range(Some("bytes=5-100"), 10), Ok(Some((5, 9))));
        assert_eq!(parse_range(Some("bytes=0-1,4-5"), 10), Ok(None));
        for bad in ["bytes=10-", "bytes=5-2", "bytes=x-1", "bytes=-0", "bytes=3"] {
            assert_eq!(parse_range(Some(bad), 10), Err(()), "{bad}");
        }
        let partial = respond(
            "image/png".into(),
            b"0123456789".to_vec(),
            Some("bytes=2-4"),
            KEPT,
        );
        assert_eq!(partial.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(partial.body(), b"234");
        assert_eq!(partial.headers()[header::CONTENT_RANGE], "bytes 2-4/10");
        let whole = respond("image/png".into(), b"01".to_vec(), None, KEPT);
        assert_eq!(whole.status(), StatusCode::OK);
        assert_eq!(
            whole.headers()[header::CACHE_CONTROL],
            "private, max-age=31536000, immutable"
        );
        let refused = respond("image/png".into(), b"01".to_vec(), Some("bytes=9-"), KEPT);
        assert_eq!(refused.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    }
}
