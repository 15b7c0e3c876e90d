//! Random identifiers and coin flips. Randomness comes from the OS; if that ever fails the
//! simulator must keep answering, so it falls back to hashing the clock and a counter.

use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

static FALLBACK_COUNTER: AtomicU64 = AtomicU64::new(0);

/// `N` random bytes (N ≤ 32).
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    if getrandom::getrandom(&mut out).is_err() {
        let counter = FALLBACK_COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let digest = Sha256::new()
            .chain_update(nanos.to_le_bytes())
            .chain_update(counter.to_le_bytes())
            .finalize();
        for (slot, byte) in out.iter_mut().zip(digest.iter()) {
            *slot = *byte;
        }
    }
    out
}

/// 32 lowercase hex characters (128 random bits).
pub(crate) fn hex_id() -> String {
    hex::encode(random_bytes::<16>())
}

/// A version-4 UUID in its usual textual form, as Resend ids and Creem trace ids look.
pub(crate) fn uuid_v4() -> String {
    let mut b = random_bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A uniform number in `[0, 1)`.
pub(crate) fn unit_interval() -> f64 {
    let v = u64::from_le_bytes(random_bytes::<8>()) >> 11;
    // 53 random bits map exactly onto the f64 mantissa.
    v as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    #[test]
    fn uuid_shape() {
        let id = super::uuid_v4();
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'4');
        assert_ne!(id, super::uuid_v4());
    }

    #[test]
    fn unit_interval_in_range() {
        for _ in 0..100 {
            let v = super::unit_interval();
            assert!((0.0..1.0).contains(&v));
        }
    }
}
