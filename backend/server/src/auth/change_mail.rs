//! The three emails of an email change, in English or Chinese with a text part: the code to the
//! new address, the note to a taken address that someone tried (instead of a code), and the
//! notice to the old address once the change is made.

use super::mail::{Language, escape};
use crate::upstream::resend::{OutgoingEmail, Tag};

/// One message: paragraphs, and the code large when there is one.
fn message(
    from: &str,
    to: &str,
    subject: String,
    paragraphs: &[&str],
    code: Option<&str>,
) -> OutgoingEmail {
    let mut text = String::new();
    let mut html = String::from(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;color:#1d1b3a;max-width:32rem;margin:auto;padding:1.5rem\">",
    );
    for (i, paragraph) in paragraphs.iter().enumerate() {
        text.push_str(paragraph);
        text.push_str("\n\n");
        html.push_str(&format!("<p>{}</p>", escape(paragraph)));
        if let (0, Some(code)) = (i, code) {
            text.push_str(&format!("    {code}\n\n"));
            html.push_str(&format!(
                "<p style=\"font-size:2rem;letter-spacing:.4rem;font-weight:700;font-family:ui-monospace,monospace\">{}</p>",
                escape(code)
            ));
        }
    }
    html.push_str("</body></html>");
    OutgoingEmail {
        from: from.to_owned(),
        to: vec![to.to_owned()],
        subject,
        html,
        text,
        tags: vec![Tag {
            name: "category",
            value: "email_change",
        }],
    }
}

pub fn confirmation_code(
    from: &str,
    to: &str,
    code: &str,
    minutes: u32,
    language: Language,
) -> OutgoingEmail {
    match language {
        Language::English => message(
            from,
            to,
            format!("{code} confirms your new Atelier email"),
            &[
                "Type this code in Atelier to make this address your account's email:",
                &format!(
                    "The code works once, for {minutes} minutes, on the computer where you asked."
                ),
                "If you did not ask for this, ignore this email: nothing changes without the code.",
            ],
            Some(code),
        ),
        Language::Chinese => message(
            from,
            to,
            format!("{code} 是确认你的 Atelier 新邮箱的验证码"),
            &[
                "在 Atelier 中输入此验证码，将此地址设为你账户的邮箱：",
                &format!(
                    "验证码只能使用一次，{minutes} 分钟内有效，且只能在你发起请求的电脑上使用。"
                ),
                "如果不是你发起的请求，请忽略此邮件：没有验证码，什么都不会改变。",
            ],
            Some(code),
        ),
    }
}

pub fn address_taken(from: &str, to: &str, language: Language) -> OutgoingEmail {
    match language {
        Language::English => message(
            from,
            to,
            "Someone tried to move an Atelier account to this address".to_owned(),
            &[
                "Someone asked to make this address the email of an Atelier account.",
                "This address already belongs to an Atelier account, so nothing changed and nothing will.",
                "You need not do anything.",
            ],
            None,
        ),
        Language::Chinese => message(
            from,
            to,
            "有人尝试将 Atelier 账户改用此邮箱".to_owned(),
            &[
                "有人请求将此地址设为某个 Atelier 账户的邮箱。",
                "此地址已属于一个 Atelier 账户，因此没有任何改变，也不会改变。",
                "你无需做任何事。",
            ],
            None,
        ),
    }
}

pub fn changed_notice(from: &str, to: &str, new_email: &str, language: Language) -> OutgoingEmail {
    match language {
        Language::English => message(
            from,
            to,
            "Your Atelier email was changed".to_owned(),
            &[
                &format!(
                    "Your Atelier account's email is now {new_email}; sign in with that address from now on."
                ),
                "This address is no longer connected to the account.",
                "If you did not make this change, reply to this email or write to the contact in Atelier's privacy policy, and we will help you get the account back.",
            ],
            None,
        ),
        Language::Chinese => message(
            from,
            to,
            "你的 Atelier 邮箱已更改".to_owned(),
            &[
                &format!("你的 Atelier 账户邮箱现在是 {new_email}，今后请用该地址登录。"),
                "此地址已不再与该账户关联。",
                "如果这不是你本人的操作，请回复此邮件或联系 Atelier 隐私政策中的联系人，我们会帮你找回账户。",
            ],
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_is_in_both_parts_and_the_subject() {
        let m = confirmation_code("A <a@x.io>", "new@y.io", "012345", 10, Language::English);
        assert!(m.subject.contains("012345"));
        assert!(m.text.contains("012345") && m.html.contains("012345"));
        assert_eq!(m.to, vec!["new@y.io".to_owned()]);
    }

    #[test]
    fn neither_notice_carries_a_code_and_addresses_are_escaped_in_html() {
        let taken = address_taken("A <a@x.io>", "b@y.io", Language::Chinese);
        assert!(!taken.text.chars().any(|c| c.is_ascii_digit()));
        let notice = changed_notice("A <a@x.io>", "old@y.io", "<new>@y.io", Language::English);
        assert!(notice.text.contains("<new>@y.io"));
        assert!(notice.html.contains("&lt;new&gt;@y.io") && !notice.html.contains("<new>"));
    }
}
