//! `atelier login [EMAIL]`: emails a code and a link (PKCE: both work only in this process, which
//! holds the verifier), then reads the code, or the pasted link, from stdin. A wrong code is
//! asked for again while the service allows tries. The session goes to the desktop's keychain
//! entry, so the desktop app is signed in too.

use atelier_api::ErrorCode;
use atelier_client::auth::{LinkError, LinkToken, parse_sign_in_link};
use atelier_client::{ClientError, Language};
use tokio::io::{AsyncBufReadExt, BufReader, Lines, Stdin};
use url::Url;

use crate::app::App;
use crate::cli::{LanguageArg, LoginArgs};
use crate::error::{CliError, codes};

pub async fn run(app: &App, args: &LoginArgs) -> Result<(), CliError> {
    let mut input = Input::new(app);
    let email = match &args.email {
        Some(email) => email.trim().to_owned(),
        None => input.ask("Email: ").await?,
    };
    let language = args.language.map_or_else(language_from_env, |l| match l {
        LanguageArg::English => Language::English,
        LanguageArg::SimplifiedChinese => Language::SimplifiedChinese,
    });
    let sent = app.auth.start(&email, language).await?;
    app.out.note(&format!(
        "Sent a code and a sign-in link to {email}; both work for {} minutes, on this computer only.",
        sent.expires_in_seconds / 60
    ));
    let state = loop {
        let answer = input
            .ask("Type the 6-digit code (or paste the link): ")
            .await?;
        let code: String = answer.chars().filter(|c| !c.is_whitespace()).collect();
        let result = if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
            app.auth.verify_code(&email, &code).await
        } else {
            match link_token(&answer) {
                Ok(token) => app.auth.verify_link(&token).await,
                Err(e) => {
                    app.out.note(&format!(
                        "That is neither the code nor the sign-in link ({e}). Try again."
                    ));
                    continue;
                }
            }
        };
        match result {
            Ok(state) => break state,
            Err(e) if e.code() == ErrorCode::InvalidCode && e.attempts_left() != Some(0) => {
                app.out.note(&CliError::from(e).render(&app.server));
            }
            Err(e) => return Err(e.into()),
        }
    };
    let user = state
        .user
        .ok_or_else(|| ClientError::api(ErrorCode::Unauthenticated, "the sign-in did not hold"))?;
    app.out.note(&format!("Signed in as {}.", user.email));
    if app.out.json() {
        app.out.document(&user);
    }
    Ok(())
}

/// The sign-in token of what was pasted: the email's `https://…/auth/link?token=…`, the app's
/// `atelier://auth?token=…`, or the bare token.
fn link_token(pasted: &str) -> Result<LinkToken, LinkError> {
    let pasted = pasted.trim();
    if pasted.starts_with("atelier:") {
        return parse_sign_in_link(pasted);
    }
    match Url::parse(pasted) {
        Ok(url)
            if matches!(url.scheme(), "http" | "https") && url.path().ends_with("/auth/link") =>
        {
            let token = url
                .query_pairs()
                .find(|(k, _)| k == "token")
                .map(|(_, v)| v.into_owned())
                .ok_or(LinkError::BadToken)?;
            LinkToken::parse(&token)
        }
        Ok(_) => Err(LinkError::NotASignInLink),
        Err(_) => LinkToken::parse(pasted),
    }
}

/// The email's language: Chinese when the locale says so, else English.
fn language_from_env() -> Language {
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .unwrap_or_default();
    if locale.to_ascii_lowercase().starts_with("zh") {
        Language::SimplifiedChinese
    } else {
        Language::English
    }
}

/// Answers read from stdin, a line each; the question goes to stderr.
struct Input<'a> {
    app: &'a App,
    lines: Lines<BufReader<Stdin>>,
}

impl<'a> Input<'a> {
    fn new(app: &'a App) -> Self {
        Self {
            app,
            lines: BufReader::new(tokio::io::stdin()).lines(),
        }
    }

    async fn ask(&mut self, question: &str) -> Result<String, CliError> {
        if self.app.out.interactive() {
            eprint!("{question}");
        } else {
            self.app.out.note(question.trim_end());
        }
        loop {
            match self.lines.next_line().await {
                Ok(Some(line)) if line.trim().is_empty() => {}
                Ok(Some(line)) => return Ok(line.trim().to_owned()),
                Ok(None) => {
                    return Err(CliError::usage(
                        codes::NO_INPUT,
                        "stdin ended before the sign-in was complete",
                    ));
                }
                Err(e) => {
                    return Err(CliError::usage(codes::NO_INPUT, "cannot read stdin")
                        .with_detail(e.to_string()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "abcdefghijklmnopqrstuvwxyz012345";

    #[test]
    fn pasted_links_in_every_form_give_their_token() {
        for pasted in [
            format!("https://atelier.example/auth/link?token={TOKEN}"),
            format!("http://127.0.0.1:8787/auth/link?token={TOKEN}"),
            format!("atelier://auth?token={TOKEN}"),
            format!("  {TOKEN}  "),
        ] {
            let token = link_token(&pasted).map(|t| t.expose().to_owned());
            assert_eq!(token.as_deref(), Ok(TOKEN), "{pasted}");
        }
        for not in [
            "https://atelier.example/elsewhere?token=abc",
            "https://atelier.example/auth/link",
            "atelier://billing/return",
            "short",
        ] {
            assert!(link_token(not).is_err(), "{not}");
        }
    }
}
