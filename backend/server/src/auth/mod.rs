//! Sign-in by email and the account routes.
//!
//! `POST /v1/auth/start` mails a code and a link; `POST /v1/auth/verify` trades either for a
//! session; `GET /auth/link` is the link's landing page; `/v1/me` and the logouts need a session.

pub mod account;
pub mod challenge;
mod change_mail;
pub mod email;
pub mod email_change;
pub mod grant;
pub mod limits;
pub mod link_page;
pub mod mail;
pub mod pkce;
pub mod session;

use atelier_api::ErrorCode;
use atelier_api::auth::{
    CHALLENGE_TTL_SECONDS, CODE_CHALLENGE_METHOD, RESEND_AFTER_SECONDS, SessionGrant,
    SignInStarted, StartSignIn, UpdateMe, User, VerifySignIn,
};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};

use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::platform::Platform;
use crate::ratelimit;
use crate::request_meta::RequestMeta;
use crate::upstream::resend;
use session::Authenticated;

/// The server secret that keys code HMACs and rate-limit subjects.
pub(crate) fn secret<P: Platform>(platform: &P) -> ApiResult<&str> {
    platform
        .config()
        .auth_secret
        .as_ref()
        .map(|s| s.expose())
        .ok_or_else(|| {
            tracing::error!("ATELIER_AUTH_SECRET is not set");
            ApiError::new(ErrorCode::Internal, "the service is misconfigured")
        })
}

fn invalid_email() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidEmail,
        "that is not an email address we can send to",
    )
}

/// Who is asking, for the limits: the IP, or for IPv6 its /64 (one subscriber's addresses).
fn subject_ip(meta: &RequestMeta) -> String {
    crate::request_meta::client_key(meta.ip.as_deref())
}

/// `POST /v1/auth/start`: the same 202 whether or not an account exists for the address.
pub async fn start<P: Platform>(
    State(platform): State<P>,
    meta: RequestMeta,
    headers: HeaderMap,
    ApiJson(request): ApiJson<StartSignIn>,
) -> ApiResult<(StatusCode, Json<SignInStarted>)> {
    let email = email::normalize(&request.email).ok_or_else(invalid_email)?;
    if request.code_challenge_method != CODE_CHALLENGE_METHOD
        || !pkce::is_challenge_shaped(&request.code_challenge)
    {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "send code_challenge (base64url of a SHA-256, 43 characters) with code_challenge_method S256",
        ));
    }
    let secret = secret(&platform)?;
    let client = subject_ip(&meta);
    ratelimit::hit(&platform, &ratelimit::SENDS_PER_IP, secret, &client).await?;
    limits::take_send(&platform, secret, email.as_str(), &client).await?;

    let issued = challenge::issue(&platform, secret, &email, &request.code_challenge).await?;
    let link = format!(
        "{}/auth/link?token={}",
        platform.config().public_url,
        issued.token
    );
    let language = mail::Language::from_accept_language(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let message = mail::sign_in_email(
        &platform.config().resend_from,
        email.as_str(),
        &issued.code,
        &link,
        CHALLENGE_TTL_SECONDS / 60,
        language,
    );
    resend::send(&platform, &message, &format!("sign-in/{}", issued.id)).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(SignInStarted {
            expires_in_seconds: CHALLENGE_TTL_SECONDS,
            resend_after_seconds: RESEND_AFTER_SECONDS,
        }),
    ))
}

/// `POST /v1/auth/verify`: a code (with its email) or a link token, for a session.
pub async fn verify<P: Platform>(
    State(platform): State<P>,
    meta: RequestMeta,
    ApiJson(request): ApiJson<VerifySignIn>,
) -> ApiResult<Json<SessionGrant>> {
    let secret = secret(&platform)?;
    ratelimit::hit(
        &platform,
        &ratelimit::VERIFICATIONS_PER_IP,
        secret,
        &subject_ip(&meta),
    )
    .await?;
    let email = match request {
        VerifySignIn::Code {
            email,
            code,
            code_verifier,
        } => {
            let email = email::normalize(&email).ok_or_else(invalid_email)?;
            challenge::verify_code(&platform, secret, &email, code.trim(), &code_verifier).await?;
            email.as_str().to_owned()
        }
        VerifySignIn::Token {
            token,
            code_verifier,
        } => {
            if !crate::crypto::is_token_shaped(token.trim()) {
                return Err(ApiError::new(
                    ErrorCode::CodeExpired,
                    "this link is not valid; ask for a new email",
                ));
            }
            challenge::verify_token(&platform, token.trim(), &code_verifier).await?
        }
    };
    let account = account::sign_in(&platform, &email, &meta).await?;
    let (token, expires_at) = session::create(&platform, &account.id).await?;
    tracing::info!(account = %account.id, "signed in");
    Ok(Json(SessionGrant {
        token,
        expires_at,
        user: account.to_user(),
    }))
}

/// `GET /v1/me`.
pub async fn me(auth: Authenticated) -> Json<User> {
    Json(auth.account.to_user())
}

/// `PATCH /v1/me`: correct the display name.
pub async fn update_me<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
    ApiJson(request): ApiJson<UpdateMe>,
) -> ApiResult<Json<User>> {
    let name = account::clean_display_name(request.display_name.as_deref())?;
    account::set_display_name(&platform, &auth.account.id, name.clone()).await?;
    let mut account = auth.account;
    account.display_name = name;
    Ok(Json(account.to_user()))
}

/// `POST /v1/auth/logout`: ends this session.
pub async fn logout<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
) -> ApiResult<StatusCode> {
    session::delete(&platform, &auth.account.id, &auth.session_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/auth/logout-all`: ends every session of the account, this one included.
pub async fn logout_all<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
) -> ApiResult<StatusCode> {
    session::delete_all(&platform, &auth.account.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
