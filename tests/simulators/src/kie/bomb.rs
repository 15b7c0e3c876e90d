//! A decompression bomb: a valid PNG of `width × height` black 8-bit grey pixels whose file is
//! about a thousandth of its pixels (12,000 × 12,000 is 144 MB of pixels in under 1 MB). Written
//! by hand, deflate and all, so making a huge one costs no compression time: the pixel data of
//! such an image is nothing but zero bytes (each row is a filter byte 0 and its zero pixels),
//! which deflate encodes as one literal and then matches of 258 bytes at distance 1.

/// The PNG in 8-bit grey (one byte a pixel); `None` for a zero side.
pub fn zeros_png(width: u32, height: u32) -> Option<Vec<u8>> {
    zeros(width, height, Colour::Grey)
}

/// The PNG in 8-bit RGBA (four bytes a pixel: four times the memory once decoded).
pub fn zeros_png_rgba(width: u32, height: u32) -> Option<Vec<u8>> {
    zeros(width, height, Colour::Rgba)
}

#[derive(Clone, Copy)]
enum Colour {
    Grey,
    Rgba,
}

fn zeros(width: u32, height: u32, colour: Colour) -> Option<Vec<u8>> {
    if width == 0 || height == 0 {
        return None;
    }
    let (colour_type, bytes_per_pixel) = match colour {
        Colour::Grey => (0u8, 1u64),
        Colour::Rgba => (6u8, 4u64),
    };
    let raw_len = (u64::from(width) * bytes_per_pixel + 1) * u64::from(height);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    // 8 bits a sample, the colour type, deflate, adaptive filtering, no interlace.
    ihdr.extend_from_slice(&[8, colour_type, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &zlib_zeros(raw_len));
    chunk(&mut out, b"IEND", &[]);
    Some(out)
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut table = [0u32; 256];
    for (n, entry) in table.iter_mut().enumerate() {
        let mut c = n as u32;
        for _ in 0..8 {
            c = if c & 1 == 1 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
        *entry = c;
    }
    let mut crc = !0u32;
    for &b in bytes {
        crc = table[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

/// Bits written least significant first, as deflate packs them.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u64,
    len: u32,
}

impl Bits {
    fn put(&mut self, value: u64, count: u32) {
        self.acc |= value << self.len;
        self.len += count;
        while self.len >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.len -= 8;
        }
    }

    /// A Huffman code, which deflate writes from its most significant bit.
    fn code(&mut self, code: u32, count: u32) {
        let reversed = code.reverse_bits() >> (32 - count);
        self.put(u64::from(reversed), count);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.len > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// A zlib stream of `len` zero bytes in one fixed-Huffman deflate block.
fn zlib_zeros(len: u64) -> Vec<u8> {
    let mut bits = Bits::default();
    bits.put(1, 1); // the final block
    bits.put(1, 2); // fixed Huffman codes
    let literal_zero = |bits: &mut Bits| bits.code(0x30, 8);
    literal_zero(&mut bits);
    let mut left = len - 1;
    while left >= 258 {
        bits.code(0xC5, 8); // length 258 (symbol 285), no extra bits
        bits.code(0, 5); // distance 1 (code 0), no extra bits
        left -= 258;
    }
    for _ in 0..left {
        literal_zero(&mut bits);
    }
    bits.code(0, 7); // end of block (symbol 256)
    let mut out = vec![0x78, 0x01];
    out.extend(bits.finish());
    // Adler-32 of zeros: the first sum stays 1, the second adds 1 per byte.
    let adler = (((len % 65_521) as u32) << 16) | 1;
    out.extend_from_slice(&adler.to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bomb_is_a_png_of_black_pixels() {
        for (width, height) in [(1, 1), (7, 3), (300, 200), (1000, 1)] {
            let bytes = zeros_png(width, height).unwrap();
            let decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
            let mut reader = decoder.read_info().unwrap();
            let mut pixels = vec![1u8; reader.output_buffer_size()];
            let info = reader.next_frame(&mut pixels).unwrap();
            assert_eq!((info.width, info.height), (width, height));
            assert!(pixels[..info.buffer_size()].iter().all(|&p| p == 0));
        }
        assert!(zeros_png(0, 5).is_none());
        let rgba = zeros_png_rgba(5, 4).unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(&rgba))
            .read_info()
            .unwrap();
        let mut pixels = vec![1u8; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).unwrap();
        assert_eq!(info.color_type, png::ColorType::Rgba);
        assert!(pixels[..info.buffer_size()].iter().all(|&p| p == 0));
    }

    #[test]
    fn a_huge_bomb_is_small() {
        let bytes = zeros_png(12_000, 12_000).unwrap();
        assert!(bytes.len() < 1_000_000, "{} bytes", bytes.len());
    }
}
