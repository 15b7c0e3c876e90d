//! Sign-in by email, the account and sign-out: one method per route of `atelier_api::auth`.
//! Sending an email and checking a code are not idempotent (a second email, a spent attempt),
//! so they are never retried; reading and setting the account and signing out are.

use atelier_api::auth::{
    AccountDeletion, CODE_CHALLENGE_METHOD, SessionGrant, SignInStarted, StartEmailChange,
    StartSignIn, UpdateMe, User, VerifyEmailChange, VerifySignIn,
};

use reqwest::Method;

use super::{ApiClient, Request};
use crate::error::ClientError;
use crate::session::SessionToken;

/// The language of the sign-in email, sent as `Accept-Language`: the UI's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Language {
    #[default]
    #[serde(rename = "en")]
    English,
    #[serde(rename = "zh-CN")]
    SimplifiedChinese,
}

impl Language {
    /// The BCP 47 tag the service reads.
    pub fn tag(self) -> &'static str {
        match self {
            Self::English => "en",
            Self::SimplifiedChinese => "zh-CN",
        }
    }
}

impl ApiClient {
    /// `POST /v1/auth/start`: emails a code and a link to `email`. The answer is the same whether
    /// or not an account exists.
    pub async fn start_sign_in(
        &self,
        email: &str,
        language: Language,
        code_challenge: &str,
    ) -> Result<SignInStarted, ClientError> {
        let body = StartSignIn {
            email: email.to_owned(),
            code_challenge: code_challenge.to_owned(),
            code_challenge_method: CODE_CHALLENGE_METHOD.to_owned(),
        };
        let request = Request::post("v1/auth/start", false)
            .json(&body)?
            .language(language.tag());
        Ok(self.call(request).await?.0)
    }

    /// `POST /v1/auth/verify` with the code typed by the person and this device's verifier.
    pub async fn verify_code(
        &self,
        email: &str,
        code: &str,
        code_verifier: &str,
    ) -> Result<SessionGrant, ClientError> {
        self.verify(&VerifySignIn::Code {
            email: email.to_owned(),
            code: code.to_owned(),
            code_verifier: code_verifier.to_owned(),
        })
        .await
    }

    /// `POST /v1/auth/verify` with the token of the magic link and this device's verifier.
    pub async fn verify_link_token(
        &self,
        token: &str,
        code_verifier: &str,
    ) -> Result<SessionGrant, ClientError> {
        self.verify(&VerifySignIn::Token {
            token: token.to_owned(),
            code_verifier: code_verifier.to_owned(),
        })
        .await
    }

    async fn verify(&self, body: &VerifySignIn) -> Result<SessionGrant, ClientError> {
        let request = Request::post("v1/auth/verify", false).json(body)?;
        Ok(self.call(request).await?.0)
    }

    /// `GET /v1/me`.
    pub async fn me(&self, token: &SessionToken) -> Result<User, ClientError> {
        Ok(self.call(Request::get("v1/me").bearer(token)).await?.0)
    }

    /// `PATCH /v1/me`: `None` (or blank) clears the display name.
    pub async fn update_me(
        &self,
        token: &SessionToken,
        display_name: Option<&str>,
    ) -> Result<User, ClientError> {
        let body = UpdateMe {
            display_name: display_name.map(str::to_owned),
        };
        let request = Request::patch("v1/me").json(&body)?.bearer(token);
        Ok(self.call(request).await?.0)
    }

    /// `POST /v1/me/email`: mails a code to `email` that moves the account there, with this
    /// device's verifier. Not retried (a second email).
    pub async fn start_email_change(
        &self,
        token: &SessionToken,
        email: &str,
        language: Language,
        code_challenge: &str,
    ) -> Result<SignInStarted, ClientError> {
        let body = StartEmailChange {
            email: email.to_owned(),
            code_challenge: code_challenge.to_owned(),
            code_challenge_method: CODE_CHALLENGE_METHOD.to_owned(),
        };
        let request = Request::post("v1/me/email", false)
            .json(&body)?
            .bearer(token)
            .language(language.tag());
        Ok(self.call(request).await?.0)
    }

    /// `POST /v1/me/email/verify`: the code from the new address. Not retried (an attempt).
    pub async fn verify_email_change(
        &self,
        token: &SessionToken,
        code: &str,
        code_verifier: &str,
    ) -> Result<User, ClientError> {
        let body = VerifyEmailChange {
            code: code.to_owned(),
            code_verifier: code_verifier.to_owned(),
        };
        let request = Request::post("v1/me/email/verify", false)
            .json(&body)?
            .bearer(token);
        Ok(self.call(request).await?.0)
    }

    /// `DELETE /v1/me`: deletes the account and everything it holds on the service. Not retried
    /// on its own: a repeat after a lost answer meets `unauthenticated`, which callers read as
    /// "already deleted" only when they sent the first request.
    pub async fn delete_me(&self, token: &SessionToken) -> Result<AccountDeletion, ClientError> {
        Ok(self
            .call(Request::new(Method::DELETE, "v1/me", false).bearer(token))
            .await?
            .0)
    }

    /// `POST /v1/auth/logout`: ends this session. Retried: a repeat after a lost answer only
    /// meets `unauthenticated`, which callers read as "already signed out".
    pub async fn logout(&self, token: &SessionToken) -> Result<(), ClientError> {
        let request = Request::post("v1/auth/logout", true).bearer(token);
        self.call::<()>(request).await.map(|_| ())
    }

    /// `POST /v1/auth/logout-all`: ends every session of the account, this one included.
    pub async fn logout_all(&self, token: &SessionToken) -> Result<(), ClientError> {
        let request = Request::post("v1/auth/logout-all", true).bearer(token);
        self.call::<()>(request).await.map(|_| ())
    }
}
