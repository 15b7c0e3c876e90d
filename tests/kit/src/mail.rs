//! The sign-in mail as the Resend simulator received it.

/// The six-digit code and the link of one sign-in mail.
pub struct Mail {
    pub code: String,
    pub link: String,
    pub subject: String,
}

impl Mail {
    /// Reads the code and the link out of the mail's text.
    pub fn read(subject: String, text: &str) -> Self {
        let code = text
            .lines()
            .map(str::trim)
            .find(|l| l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit()))
            .expect("a six-digit code in the mail")
            .to_owned();
        let link = text
            .split_whitespace()
            .find(|w| w.contains("/auth/link?token="))
            .expect("a sign-in link in the mail")
            .to_owned();
        Self {
            code,
            link,
            subject,
        }
    }
}
