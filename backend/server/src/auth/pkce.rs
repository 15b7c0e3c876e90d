//! PKCE (RFC 7636, `S256`): a sign-in is bound to the device that started it. The device keeps a
//! random verifier and sends `base64url(SHA-256(verifier))`; the code and the link are accepted
//! only with that verifier, so a link that reaches another device (or a stranger guessing codes)
//! gets nowhere.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// A verifier as RFC 7636 §4.1 allows it: 43–128 unreserved characters.
fn is_verifier_shaped(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// A challenge is the base64url (unpadded) of a SHA-256: 43 characters of that alphabet.
pub fn is_challenge_shaped(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The challenge of a verifier, or `None` for something that is not a verifier (which then
/// matches no challenge).
pub fn challenge_of(verifier: &str) -> Option<String> {
    is_verifier_shaped(verifier)
        .then(|| URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            challenge_of(verifier).as_deref(),
            Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        );
        assert!(is_challenge_shaped(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
    }

    #[test]
    fn only_verifiers_have_challenges() {
        assert_eq!(challenge_of(""), None);
        assert_eq!(challenge_of(&"a".repeat(42)), None);
        assert_eq!(challenge_of(&"a".repeat(129)), None);
        assert_eq!(challenge_of(&format!("{} ", "a".repeat(43))), None);
        assert!(challenge_of(&"a".repeat(43)).is_some());
        assert!(!is_challenge_shaped(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c="
        ));
    }
}
