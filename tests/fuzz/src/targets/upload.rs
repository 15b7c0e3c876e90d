//! `upload`: bytes as `POST /v1/uploads` receives them, through the service's checks
//! (`uploads::inspect::declared_type`, then `inspect`). The first byte picks the declared `Content-Type` (the three accepted,
//! one refused, none), the rest is the body. What passes is within the upload limits with a
//! JPEG thumbnail of at most 512 px; what fails says why with one of the upload's codes.

use atelier_api::ErrorCode;
use atelier_api::limits::{LIMITS, MAX_DECODED_SIDE_PX};

const DECLARED: [Option<&str>; 5] = [
    Some("image/png"),
    Some("image/jpeg"),
    Some("image/webp"),
    Some("image/gif"),
    None,
];

pub fn run(data: &[u8]) {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let declared = DECLARED[usize::from(pick) % DECLARED.len()];
    use atelier_server::uploads::inspect::{declared_type, inspect};
    // As the route does: the header's type first, then the bytes against it.
    match declared_type(declared).and_then(|ty| inspect(ty, bytes)) {
        Ok(image) => {
            let (w, h) = (image.width, image.height);
            assert!(w >= 1 && h >= 1 && w <= MAX_DECODED_SIDE_PX && h <= MAX_DECODED_SIDE_PX);
            assert!(u64::from(w) * u64::from(h) <= u64::from(LIMITS.max_upload_pixels));
            assert_eq!(Some(image.content_type), declared, "passed as another type");
            let thumb =
                image::load_from_memory_with_format(&image.thumbnail, image::ImageFormat::Jpeg)
                    .expect("the thumbnail is a JPEG");
            assert!(thumb.width().max(thumb.height()) <= LIMITS.thumbnail_max_side_px);
        }
        Err(e) => assert!(
            matches!(
                e.code(),
                ErrorCode::UnsupportedMediaType
                    | ErrorCode::InvalidImage
                    | ErrorCode::ImageTooLarge
            ),
            "an upload refused with {:?}",
            e.code()
        ),
    }
}
