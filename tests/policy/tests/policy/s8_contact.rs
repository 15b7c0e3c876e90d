//! Section 8, Contact.

use atelier_client::legal::{DEFAULT_PRIVACY_CONTACT, PRIVACY_CONTACT_ENV, privacy_contact};

/// "Privacy questions: ljj231428@gmail.com"
///
/// The app gives the policy's address unless the deployment configures its own
/// (`ATELIER_PRIVACY_CONTACT`), and the in-app policy ends with it in both languages.
#[test]
fn privacy_questions_go_to_the_configured_contact() {
    assert_eq!(privacy_contact(|_| None), DEFAULT_PRIVACY_CONTACT);
    let configured = privacy_contact(|name| {
        (name == PRIVACY_CONTACT_ENV).then(|| "privacy@studio.example".to_owned())
    });
    assert_eq!(configured, "privacy@studio.example");
    for (language, text) in crate::coverage::IN_APP_POLICIES {
        let last = text.rfind("heading:").unwrap();
        assert!(
            text[last..].contains("{contact}"),
            "the {language} policy's last section gives the contact"
        );
    }
}
