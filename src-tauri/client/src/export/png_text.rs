//! Text chunks in a PNG: the prompt, model, generation and time travel inside each exported image.
//!
//! The chunks are spliced in right after `IHDR`, leaving every other byte of the original as it
//! was: no decoding, no recompression, the pixels exactly as generated. (The `image` crate cannot
//! write text chunks; the `png` crate encodes them.) Originals in another format are decoded and
//! written as PNG first.

use std::io::Cursor;

use png::text_metadata::{EncodableTextChunk, ITXtChunk, TEXtChunk};

const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// Why an image could not be given its text.
#[derive(Debug, thiserror::Error)]
pub enum PngTextError {
    #[error("not a well-formed PNG: {0}")]
    Malformed(&'static str),
    #[error("cannot decode the image: {0}")]
    Decode(String),
    #[error("cannot encode the text: {0}")]
    Encode(String),
}

/// One text entry: a Latin-1 keyword (1–79 bytes) and any text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextEntry {
    pub keyword: &'static str,
    pub text: String,
    /// iTXt (UTF-8) rather than tEXt (Latin-1): always for prompts, whatever language they are in.
    pub utf8: bool,
}

impl TextEntry {
    /// UTF-8 text in an iTXt chunk.
    pub fn utf8(keyword: &'static str, text: impl Into<String>) -> Self {
        Self {
            keyword,
            text: text.into(),
            utf8: true,
        }
    }

    /// A plain tEXt chunk when the text is ASCII, iTXt otherwise (tEXt is Latin-1 only).
    pub fn plain(keyword: &'static str, text: impl Into<String>) -> Self {
        let text = text.into();
        let utf8 = !text.is_ascii();
        Self {
            keyword,
            text,
            utf8,
        }
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), PngTextError> {
        let written = if self.utf8 {
            ITXtChunk::new(self.keyword, self.text.as_str()).encode(out)
        } else {
            TEXtChunk::new(self.keyword, self.text.as_str()).encode(out)
        };
        written.map_err(|e| PngTextError::Encode(e.to_string()))
    }
}

/// Whether the bytes start like a PNG.
pub fn is_png(bytes: &[u8]) -> bool {
    bytes.starts_with(SIGNATURE)
}

/// Checks the chunk structure from the signature to `IEND`; answers where `IHDR` ends.
fn ihdr_end(png: &[u8]) -> Result<usize, PngTextError> {
    if !is_png(png) {
        return Err(PngTextError::Malformed("no PNG signature"));
    }
    let mut at = SIGNATURE.len();
    let mut ihdr_end = None;
    loop {
        let header = png
            .get(at..at + 8)
            .ok_or(PngTextError::Malformed("truncated chunk header"))?;
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind = &header[4..8];
        let end = at
            .checked_add(12)
            .and_then(|n| n.checked_add(length))
            .filter(|end| *end <= png.len())
            .ok_or(PngTextError::Malformed("a chunk runs past the end"))?;
        if ihdr_end.is_none() {
            if kind != b"IHDR" {
                return Err(PngTextError::Malformed("the first chunk is not IHDR"));
            }
            ihdr_end = Some(end);
        }
        if kind == b"IEND" {
            return ihdr_end.ok_or(PngTextError::Malformed("no IHDR"));
        }
        at = end;
    }
}

/// The PNG with `entries` as text chunks after its header.
pub fn with_text(png: &[u8], entries: &[TextEntry]) -> Result<Vec<u8>, PngTextError> {
    let split = ihdr_end(png)?;
    let mut text = Vec::new();
    for entry in entries {
        entry.encode(&mut text)?;
    }
    let mut out = Vec::with_capacity(png.len() + text.len());
    out.extend_from_slice(&png[..split]);
    out.extend_from_slice(&text);
    out.extend_from_slice(&png[split..]);
    Ok(out)
}

/// Any image the `image` crate reads (JPEG, WebP, PNG) as a PNG with `entries`; PNGs keep their
/// bytes. Others are decoded within `image_bytes::decoder_limits`.
pub fn to_png_with_text(bytes: &[u8], entries: &[TextEntry]) -> Result<Vec<u8>, PngTextError> {
    if is_png(bytes) {
        return with_text(bytes, entries);
    }
    // Within the decoder limits: the bytes came from the service.
    let decoded =
        crate::image_bytes::decode(bytes).map_err(|e| PngTextError::Decode(e.to_string()))?;
    let mut png = Cursor::new(Vec::new());
    decoded
        .write_to(&mut png, image::ImageFormat::Png)
        .map_err(|e| PngTextError::Decode(e.to_string()))?;
    with_text(png.get_ref(), entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_of(width: u32, height: u32) -> Vec<u8> {
        let pixels = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([x as u8, y as u8, (x ^ y) as u8])
        });
        let mut out = Cursor::new(Vec::new());
        pixels
            .write_to(&mut out, image::ImageFormat::Png)
            .expect("encoding a PNG in memory");
        out.into_inner()
    }

    /// The text chunks a PNG decoder finds, keyword → text, and the decoded pixels.
    fn read(png: &[u8]) -> (Vec<(String, String)>, Vec<u8>) {
        let mut reader = png::Decoder::new(Cursor::new(png))
            .read_info()
            .expect("a readable PNG");
        let mut pixels = vec![0; reader.output_buffer_size()];
        reader.next_frame(&mut pixels).expect("its pixels");
        let info = reader.info();
        let mut text: Vec<(String, String)> = info
            .uncompressed_latin1_text
            .iter()
            .map(|t| (t.keyword.clone(), t.text.clone()))
            .collect();
        for t in &info.utf8_text {
            text.push((t.keyword.clone(), t.get_text().expect("UTF-8 text")));
        }
        (text, pixels)
    }

    #[test]
    fn prompts_in_any_script_survive_and_the_pixels_do_not_change() {
        let original = png_of(7, 5);
        let prompt = "雨中的京都，一只猫 — «crème brûlée» 🐈";
        let entries = [
            TextEntry::utf8("Prompt", prompt),
            TextEntry::plain("Model", "nano-banana"),
            TextEntry::plain("Generation", "0123456789abcdef0123456789abcdef"),
        ];
        let tagged = with_text(&original, &entries).expect("tagged");
        let (text, pixels) = read(&tagged);
        let (none, before) = read(&original);
        assert!(none.is_empty());
        assert_eq!(pixels, before);
        assert!(text.contains(&("Prompt".into(), prompt.into())), "{text:?}");
        assert!(text.contains(&("Model".into(), "nano-banana".into())));
        assert!(text.contains(&(
            "Generation".into(),
            "0123456789abcdef0123456789abcdef".into()
        )));
        // Everything of the original is still there, in order, around the new chunks.
        assert_eq!(tagged[..33], original[..33]);
        assert!(tagged.ends_with(&original[33..]));
    }

    #[test]
    fn jpegs_become_pngs_with_their_text() {
        let mut jpeg = Cursor::new(Vec::new());
        image::RgbImage::from_pixel(16, 8, image::Rgb([200, 30, 30]))
            .write_to(&mut jpeg, image::ImageFormat::Jpeg)
            .expect("a JPEG");
        let png = to_png_with_text(jpeg.get_ref(), &[TextEntry::utf8("Prompt", "赤い")])
            .expect("converted");
        assert!(is_png(&png));
        let (text, pixels) = read(&png);
        assert_eq!(text, [("Prompt".to_owned(), "赤い".to_owned())]);
        assert_eq!(pixels.len(), 16 * 8 * 3);
    }

    #[test]
    fn an_oversized_jpeg_is_refused_before_it_is_decoded() {
        let side = atelier_api::limits::MAX_DECODED_SIDE_PX + 1;
        let mut jpeg = Cursor::new(Vec::new());
        image::GrayImage::new(side, 1)
            .write_to(&mut jpeg, image::ImageFormat::Jpeg)
            .expect("a JPEG");
        let refused = to_png_with_text(jpeg.get_ref(), &[TextEntry::utf8("Prompt", "wide")]);
        assert!(
            matches!(refused, Err(PngTextError::Decode(_))),
            "{refused:?}"
        );
    }

    #[test]
    fn broken_files_are_refused_not_mangled() {
        let good = png_of(2, 2);
        for bad in [
            &b"not an image"[..],
            &good[..good.len() - 6],
            &good[..20],
            SIGNATURE,
        ] {
            assert!(with_text(bad, &[]).is_err());
        }
        assert!(to_png_with_text(b"\x89PNG\r\n\x1a\ngarbage", &[]).is_err());
        assert!(to_png_with_text(b"GIF89a nonsense", &[]).is_err());
    }
}
