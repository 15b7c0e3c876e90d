//! One sign-up grant per person. Apart from any account, the service keeps a keyed hash
//! (`ATELIER_AUTH_SECRET`) of each address that received a grant, for [`RETENTION_MS`]: deleting
//! an account and signing up again, or using a `+tag` variant of the same mailbox, starts with
//! no grant. The hash holds no address, no account id, nothing else (fraud prevention, the
//! legitimate interest the privacy policy names).

use crate::crypto::hmac_hex;

/// How long "this address had its grant" is remembered: a year.
pub const RETENTION_MS: i64 = 365 * 24 * 60 * 60 * 1000;

/// The mailbox an address reaches: lower case, `+tag` removed, and for Gmail (which ignores
/// dots and answers to both domains) dots removed and one domain. Takes an address that already
/// passed `email::normalize`.
pub fn mailbox(email: &str) -> String {
    let email = email.to_lowercase();
    let Some((local, domain)) = email.rsplit_once('@') else {
        return email;
    };
    let local = local.split('+').next().unwrap_or(local);
    match domain {
        "gmail.com" | "googlemail.com" => format!("{}@gmail.com", local.replace('.', "")),
        _ => format!("{local}@{domain}"),
    }
}

/// The keyed hash kept in `sign_up_grants.address_hash`.
pub fn address_hash(secret: &str, email: &str) -> String {
    hmac_hex(secret, &["sign-up-grant", &mailbox(email)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_mailbox_has_one_name() {
        let same = [
            "ada@example.com",
            "Ada+atelier@Example.com",
            "ada+a+b@example.com",
        ];
        for email in same {
            assert_eq!(mailbox(email), "ada@example.com", "{email}");
        }
        for email in [
            "a.d.a@gmail.com",
            "ADA+x@googlemail.com",
            "a.da@googlemail.com",
        ] {
            assert_eq!(mailbox(email), "ada@gmail.com", "{email}");
        }
        // Dots matter outside Gmail.
        assert_ne!(mailbox("a.da@example.com"), mailbox("ada@example.com"));
    }

    #[test]
    fn the_hash_is_keyed_and_holds_no_address() {
        let a = address_hash("secret-one", "ada+x@example.com");
        assert_eq!(a, address_hash("secret-one", "ada@example.com"));
        assert_ne!(a, address_hash("secret-two", "ada@example.com"));
        assert!(!a.contains("ada"));
        assert_eq!(a.len(), 64);
    }
}
