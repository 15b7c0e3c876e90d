//! Hashes, keyed hashes and random tokens. Nothing secret is ever stored in usable form: codes as
//! an HMAC keyed with the server secret, link and session tokens as SHA-256.

use base64::Engine;
use base64::alphabet;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::platform::{Platform, PlatformError};

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// HMAC-SHA256 of the parts joined with NUL bytes (so `("ab","c")` and `("a","bc")` differ), hex.
pub fn hmac_hex(key: &str, parts: &[&str]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else {
        unreachable!("HMAC takes keys of any length")
    };
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            mac.update(&[0]);
        }
        mac.update(part.as_bytes());
    }
    hex::encode(mac.finalize().into_bytes())
}

/// HMAC-SHA256 of `message`, standard base64 with padding: how webhook signatures are written
/// (kie.ai's `X-Webhook-Signature`).
pub fn hmac_sha256_base64(key: &[u8], message: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        unreachable!("HMAC takes keys of any length")
    };
    mac.update(message);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `signature` (standard base64, padding optional) is the HMAC-SHA256 of `message` under
/// `key`. The digests are compared in constant time; anything that is not base64 of the right
/// length is simply not a match. An empty key never verifies (it would mean a missing secret).
pub fn verify_hmac_sha256_base64(key: &[u8], message: &[u8], signature: &str) -> bool {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    if key.is_empty() {
        return false;
    }
    let Ok(claimed) = LENIENT.decode(signature.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        unreachable!("HMAC takes keys of any length")
    };
    mac.update(message);
    mac.verify_slice(&claimed).is_ok()
}

/// Whether `signature` (hex, either case) is the HMAC-SHA256 of `message` under `key`: Creem's
/// `creem-signature`. Compared in constant time (`verify_slice`); an empty key never verifies.
pub fn verify_hmac_sha256_hex(key: &[u8], message: &[u8], signature: &str) -> bool {
    if key.is_empty() {
        return false;
    }
    let Ok(claimed) = hex::decode(signature.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        unreachable!("HMAC takes keys of any length")
    };
    mac.update(message);
    mac.verify_slice(&claimed).is_ok()
}

/// Equality that takes the same time wherever the inputs differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// `bytes` random bytes, base64url without padding (32 bytes → 43 characters).
pub fn random_token<P: Platform>(platform: &P, bytes: usize) -> Result<String, PlatformError> {
    let mut buf = vec![0u8; bytes];
    platform.fill_random(&mut buf)?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

/// A random id: 16 bytes, hex (128 bits; text, as D1 wants ids).
pub fn random_id<P: Platform>(platform: &P) -> Result<String, PlatformError> {
    let mut buf = [0u8; 16];
    platform.fill_random(&mut buf)?;
    Ok(hex::encode(buf))
}

/// A uniformly distributed 6-digit code, by rejection sampling (no modulo bias).
pub fn random_code<P: Platform>(platform: &P) -> Result<String, PlatformError> {
    const LIMIT: u32 = u32::MAX - (u32::MAX % 1_000_000);
    loop {
        let mut buf = [0u8; 4];
        platform.fill_random(&mut buf)?;
        let n = u32::from_le_bytes(buf);
        if n < LIMIT {
            return Ok(format!("{:06}", n % 1_000_000));
        }
    }
}

/// Whether `token` has the shape of one of our 32-byte base64url tokens.
pub fn is_token_shaped(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_separates_its_parts() {
        assert_ne!(hmac_hex("k", &["ab", "c"]), hmac_hex("k", &["a", "bc"]));
        assert_ne!(hmac_hex("k1", &["a"]), hmac_hex("k2", &["a"]));
        assert_eq!(hmac_hex("k", &["a"]).len(), 64);
    }

    #[test]
    fn constant_time_eq_is_equality() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }

    #[test]
    fn token_shape() {
        assert!(is_token_shaped(&"A".repeat(43)));
        assert!(!is_token_shaped(&"A".repeat(42)));
        assert!(!is_token_shaped(&format!("{}=", "A".repeat(42))));
    }
}
