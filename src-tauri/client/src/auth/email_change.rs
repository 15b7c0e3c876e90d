//! Correcting the account's email from this device: a code goes to the new address and only this
//! device (its PKCE verifier, kept in memory) can confirm it. The session stays signed in; the
//! state then shows the new address.

use atelier_api::ErrorCode;
use atelier_api::auth::{MAX_CODE_ATTEMPTS, SignInStarted};

use super::{Auth, AuthState, Challenge, normalized, pkce};
use crate::api::Language;
use crate::error::ClientError;

impl Auth {
    /// Mails a code to `email` that moves the signed-in account there. The answer is the same
    /// whether or not the address is free; a taken address never gets a code.
    pub async fn start_email_change(
        &self,
        email: &str,
        language: Language,
    ) -> Result<SignInStarted, ClientError> {
        let email = email.trim();
        if email.is_empty() || email.len() > 254 || !email.contains('@') {
            return Err(ClientError::api(
                ErrorCode::InvalidEmail,
                "enter an email address like name@example.com",
            ));
        }
        let token = self.signed_in_token().await?;
        let verifier = pkce::Verifier::new()
            .map_err(|e| ClientError::Protocol(format!("no randomness for the change: {e}")))?;
        let started = self
            .api
            .start_email_change(&token, email, language, &verifier.challenge())
            .await;
        let mut inner = self.inner.lock().await;
        match started {
            Ok(started) => {
                if inner.holds(&token) {
                    inner.email_change = Some(Challenge {
                        email: normalized(email),
                        wrong_codes: 0,
                        verifier,
                    });
                }
                Ok(started)
            }
            Err(e) => {
                if e.code() == ErrorCode::Unauthenticated && inner.holds(&token) {
                    let _ = self.forget(&mut inner).await;
                }
                Err(e)
            }
        }
    }

    /// The address this device asked to move the account to, while the change waits for its code.
    pub async fn pending_email_change(&self) -> Option<String> {
        self.inner
            .lock()
            .await
            .email_change
            .as_ref()
            .map(|c| c.email.clone())
    }

    /// Confirms the change with the code from the new address. A wrong code answers
    /// `invalid_code` with the tries left; after five the change is over.
    pub async fn confirm_email_change(&self, code: &str) -> Result<AuthState, ClientError> {
        let code = code.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ClientError::api(
                ErrorCode::InvalidCode,
                "the code is the six digits from the email",
            ));
        }
        let token = self.signed_in_token().await?;
        let verifier = match self.inner.lock().await.email_change.as_ref() {
            Some(change) => change.verifier.expose().to_owned(),
            None => {
                return Err(ClientError::api(
                    ErrorCode::CodeExpired,
                    "no change of email is waiting on this computer; ask for a new code",
                ));
            }
        };
        let answer = self.api.verify_email_change(&token, code, &verifier).await;
        let mut inner = self.inner.lock().await;
        match answer {
            Ok(user) => {
                inner.email_change = None;
                if inner.holds(&token) {
                    self.update_user(&mut inner, user).await;
                }
                Ok(inner.state())
            }
            Err(ClientError::Api {
                body,
                retry_after,
                attempts_left: _,
            }) if body.code == ErrorCode::InvalidCode => {
                let attempts_left = inner.email_change.as_mut().map(|c| {
                    c.wrong_codes += 1;
                    MAX_CODE_ATTEMPTS.saturating_sub(c.wrong_codes)
                });
                Err(ClientError::Api {
                    body,
                    retry_after,
                    attempts_left,
                })
            }
            Err(e) => {
                let code = e.code();
                if code == ErrorCode::Unauthenticated && inner.holds(&token) {
                    let _ = self.forget(&mut inner).await;
                }
                // The change is over on the service: nothing to type a code for any more.
                let over = [
                    ErrorCode::CodeExpired,
                    ErrorCode::TooManyAttempts,
                    ErrorCode::EmailInUse,
                ];
                if over.into_iter().any(|c| code == c) {
                    inner.email_change = None;
                }
                Err(e)
            }
        }
    }

    /// Gives up a change this device asked for (the code, if it comes, is then useless here).
    pub async fn cancel_email_change(&self) {
        self.inner.lock().await.email_change = None;
    }
}
