//! The sign-in email: the code and the link in one message, in English or Chinese, with a text part.

use crate::upstream::resend::{OutgoingEmail, Tag};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    English,
    Chinese,
}

impl Language {
    /// The first language in `Accept-Language` (by weight) that we speak; English otherwise.
    pub fn from_accept_language(header: Option<&str>) -> Self {
        let mut ranked: Vec<(f32, &str)> = header
            .unwrap_or_default()
            .split(',')
            .filter_map(|item| {
                let mut parts = item.trim().split(';');
                let tag = parts.next()?.trim();
                let q = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                (!tag.is_empty() && q > 0.0).then_some((q, tag))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (_, tag) in ranked {
            let tag = tag.to_ascii_lowercase();
            if tag.starts_with("zh") {
                return Self::Chinese;
            }
            if tag.starts_with("en") {
                return Self::English;
            }
        }
        Self::English
    }
}

pub(super) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn sign_in_email(
    from: &str,
    to: &str,
    code: &str,
    link: &str,
    minutes: u32,
    language: Language,
) -> OutgoingEmail {
    let (subject, intro, code_label, link_label, button, expiry, ignore) = match language {
        Language::English => (
            format!("{code} is your Atelier sign-in code"),
            "Use this code to sign in to Atelier:",
            "Your code",
            "Or open this link on the computer where Atelier is installed:",
            "Sign in to Atelier",
            format!("The code and the link work once, for {minutes} minutes."),
            "If you did not ask to sign in, ignore this email: nothing happens without the code.",
        ),
        Language::Chinese => (
            format!("{code} 是你的 Atelier 登录验证码"),
            "使用此验证码登录 Atelier：",
            "验证码",
            "或在安装了 Atelier 的电脑上打开此链接：",
            "登录 Atelier",
            format!("验证码和链接只能使用一次，{minutes} 分钟内有效。"),
            "如果你没有请求登录，请忽略此邮件：没有验证码，什么也不会发生。",
        ),
    };
    let text = format!("{intro}\n\n    {code}\n\n{link_label}\n{link}\n\n{expiry}\n\n{ignore}\n");
    let html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;color:#1d1b3a;max-width:32rem;margin:auto;padding:1.5rem\">\
<p>{intro}</p>\
<p aria-label=\"{code_label}\" style=\"font-size:2rem;letter-spacing:.4rem;font-weight:700;font-family:ui-monospace,monospace\">{code}</p>\
<p>{link_label}</p>\
<p><a href=\"{link_attr}\" style=\"display:inline-block;background:#3a3fb0;color:#fff;padding:.6rem 1rem;border-radius:.5rem;text-decoration:none\">{button}</a></p>\
<p style=\"color:#555\">{expiry}</p><p style=\"color:#555\">{ignore}</p></body></html>",
        intro = escape(intro),
        code_label = escape(code_label),
        code = escape(code),
        link_label = escape(link_label),
        link_attr = escape(link),
        button = escape(button),
        expiry = escape(&expiry),
        ignore = escape(ignore),
    );
    OutgoingEmail {
        from: from.to_owned(),
        to: vec![to.to_owned()],
        subject,
        html,
        text,
        tags: vec![Tag {
            name: "category",
            value: "sign_in",
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_first_language_we_speak() {
        assert_eq!(
            Language::from_accept_language(Some("zh-CN,zh;q=0.9,en;q=0.8")),
            Language::Chinese
        );
        assert_eq!(
            Language::from_accept_language(Some("fr-FR, en;q=0.5, zh;q=0.4")),
            Language::English
        );
        assert_eq!(
            Language::from_accept_language(Some("en;q=0.2, zh-TW;q=0.9")),
            Language::Chinese
        );
        assert_eq!(
            Language::from_accept_language(Some("de")),
            Language::English
        );
        assert_eq!(Language::from_accept_language(None), Language::English);
    }

    #[test]
    fn both_parts_carry_the_code_and_the_link() {
        let m = sign_in_email(
            "A <a@x.io>",
            "b@y.io",
            "012345",
            "https://x.io/auth/link?token=t",
            10,
            Language::Chinese,
        );
        assert!(m.text.contains("012345") && m.text.contains("https://x.io/auth/link?token=t"));
        assert!(m.html.contains("012345") && m.html.contains("登录 Atelier"));
        assert!(m.subject.contains("012345"));
    }
}
