//! Sign-in steps the auth cases share: asking for a code, reading the mail the service sent
//! through the Resend simulator, trading the code for a session.

use atelier_api::auth::SessionGrant;

use crate::{Ctx, Reply, ensure};

/// The PKCE verifier the suite's device keeps; cases about binding use others of their own.
pub const VERIFIER: &str = "conformance-device-verifier-0123456789-abcdefghij";

/// `base64url(SHA-256(verifier))`: what `/v1/auth/start` is sent.
pub fn challenge_of(verifier: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()))
}

/// The body of `/v1/auth/start` for `email` from the device holding `verifier`.
pub fn start_body(email: &str, verifier: &str) -> serde_json::Value {
    serde_json::json!({
        "email": email,
        "code_challenge": challenge_of(verifier),
        "code_challenge_method": "S256",
    })
}

/// `POST /v1/auth/start` for `email`, acting from `ip`, from the suite's device.
pub async fn start(ctx: &Ctx, email: &str, ip: &str) -> Result<Reply, String> {
    ctx.post("/v1/auth/start")
        .test_ip(ip)
        .json(&start_body(email, VERIFIER))
        .send()
        .await
}

/// `POST /v1/auth/verify` with `body`; the suite's verifier is added unless the body names one
/// (`"code_verifier": null` sends none at all).
pub async fn verify(ctx: &Ctx, mut body: serde_json::Value, ip: &str) -> Result<Reply, String> {
    if let Some(fields) = body.as_object_mut() {
        match fields.get("code_verifier") {
            None => {
                fields.insert("code_verifier".into(), VERIFIER.into());
            }
            Some(serde_json::Value::Null) => {
                fields.remove("code_verifier");
            }
            Some(_) => {}
        }
    }
    ctx.post("/v1/auth/verify")
        .test_ip(ip)
        .json(&body)
        .send()
        .await
}

/// The code and link token of the newest mail to `email`.
pub struct Mail {
    pub code: String,
    pub token: String,
    pub subject: String,
    pub text: String,
}

pub fn latest_mail(ctx: &Ctx, email: &str) -> Result<Mail, String> {
    let mail = ctx
        .sims
        .resend()
        .last_email_to(email)
        .ok_or_else(|| format!("no mail reached {email}"))?;
    let text = mail.text.clone().ok_or("the mail has no text part")?;
    let code = text
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 6 && l.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| format!("no 6-digit code in the mail: {text}"))?
        .to_owned();
    let after = text
        .split("token=")
        .nth(1)
        .ok_or("no link token in the mail")?;
    let token: String = after
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    ensure!(
        token.len() >= 22,
        "link token too short to hold 128 bits: {token:?}"
    );
    Ok(Mail {
        code,
        token,
        subject: mail.subject,
        text,
    })
}

/// Signs `email` in by code from `ip`; returns the grant.
pub async fn sign_in(ctx: &Ctx, email: &str, ip: &str) -> Result<SessionGrant, String> {
    start(ctx, email, ip).await?.expect_status(202)?;
    let mail = latest_mail(ctx, email)?;
    verify(
        ctx,
        serde_json::json!({ "email": email, "code": mail.code }),
        ip,
    )
    .await?
    .expect_status(200)?
    .json()
}

/// `GET /v1/me` with `token`; the status.
pub async fn me_status(ctx: &Ctx, token: &str) -> Result<u16, String> {
    Ok(ctx
        .get("/v1/me")
        .token(token)
        .send()
        .await?
        .status()
        .as_u16())
}
