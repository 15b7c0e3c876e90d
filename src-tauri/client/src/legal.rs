//! Where privacy questions and requests go: the address the policy names, unless the build or
//! the environment names another (`ATELIER_PRIVACY_CONTACT`). Settings → Legal shows it.

/// The privacy policy's own address.
pub const DEFAULT_PRIVACY_CONTACT: &str = "ljj231428@gmail.com";
pub const PRIVACY_CONTACT_ENV: &str = "ATELIER_PRIVACY_CONTACT";

/// The configured contact address from `lookup` (the environment, in the app), else the policy's.
pub fn privacy_contact(lookup: impl Fn(&str) -> Option<String>) -> String {
    lookup(PRIVACY_CONTACT_ENV)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| DEFAULT_PRIVACY_CONTACT.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configured_address_wins_and_blank_means_the_default() {
        assert_eq!(privacy_contact(|_| None), DEFAULT_PRIVACY_CONTACT);
        assert_eq!(
            privacy_contact(|_| Some("  ".into())),
            DEFAULT_PRIVACY_CONTACT
        );
        assert_eq!(
            privacy_contact(|_| Some(" dpo@example.org ".into())),
            "dpo@example.org"
        );
    }
}
