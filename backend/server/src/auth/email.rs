//! Email addresses: normalised (trimmed, lower-cased) and checked for a shape mail can reach.
//! Deliberately stricter than RFC 5322: no quoted local parts, no IP-literal domains.

/// An address that passed [`normalize`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

const MAX_LEN: usize = 254;
const MAX_LOCAL: usize = 64;

/// Trims, lower-cases and validates; `None` when it is not a usable address.
pub fn normalize(raw: &str) -> Option<EmailAddress> {
    let email = raw.trim().to_lowercase();
    if email.len() > MAX_LEN || email.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    let (local, domain) = email.rsplit_once('@')?;
    let local_ok = !local.is_empty()
        && local.len() <= MAX_LOCAL
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().all(char::is_alphabetic) || tld.starts_with("xn--"));
    (local_ok && domain_ok).then_some(EmailAddress(email))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_space() {
        assert_eq!(
            normalize("  Ada.Lovelace+art@Example.COM ")
                .unwrap()
                .as_str(),
            "ada.lovelace+art@example.com"
        );
        assert_eq!(normalize("李@例子.中国").unwrap().as_str(), "李@例子.中国");
    }

    #[test]
    fn refuses_what_mail_cannot_reach() {
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@localhost",
            "a@@example.com",
            "a b@example.com",
            ".a@example.com",
            "a..b@example.com",
            "a@-example.com",
            "a@example..com",
            "a@example.c0m",
            "a\n@example.com",
            "\"quoted\"@example.com",
            "a@[127.0.0.1]",
        ] {
            assert!(normalize(bad).is_none(), "{bad:?} should be refused");
        }
        assert!(normalize(&format!("{}@example.com", "a".repeat(65))).is_none());
        assert!(normalize(&format!("a@{}.com", "b".repeat(250))).is_none());
    }
}
