//! `image_decode`: bytes as a downloaded result, through the service's thumbnailer
//! (`generations::thumbnail::decode`, PNG, JPEG or WebP within the decoder limits) and the
//! desktop's decoder (`atelier_client::image_bytes::decode`). What decodes has sides within the
//! limits, and its thumbnail is a JPEG whose longest side is at most 512 px.

use atelier_api::limits::MAX_DECODED_SIDE_PX;

/// The thumbnail's longest side, as the service makes them.
const MAX_SIDE: u32 = 512;

pub fn run(data: &[u8]) {
    if let Some(decoded) = atelier_server::generations::thumbnail::decode(data, MAX_SIDE) {
        let (w, h) = (decoded.width, decoded.height);
        assert!(w >= 1 && h >= 1 && w <= MAX_DECODED_SIDE_PX && h <= MAX_DECODED_SIDE_PX);
        let thumb =
            image::load_from_memory_with_format(&decoded.thumbnail, image::ImageFormat::Jpeg)
                .expect("the thumbnail is a JPEG");
        let (tw, th) = (thumb.width(), thumb.height());
        assert!(tw >= 1 && th >= 1, "an empty thumbnail of {w}×{h}");
        assert!(
            tw.max(th) <= MAX_SIDE.min(w.max(h)),
            "thumbnail {tw}×{th} of {w}×{h}"
        );
    }
    if let Ok(image) = atelier_client::image_bytes::decode(data) {
        let (w, h) = (image.width(), image.height());
        assert!(
            w <= MAX_DECODED_SIDE_PX && h <= MAX_DECODED_SIDE_PX,
            "{w}×{h}"
        );
    }
}
