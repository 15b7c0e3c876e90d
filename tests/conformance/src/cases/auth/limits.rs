//! Sends per address and per IP, and verifications per IP, are limited and recover.

use atelier_api::ErrorCode;

use crate::cases::auth_support::{start, verify};
use crate::{CaseResult, Ctx, ensure};

pub async fn sends_per_email_are_limited_and_recover(ctx: &Ctx) -> CaseResult {
    let email = ctx.email("limited");
    for i in 1..=5 {
        ensure!(
            start(ctx, &email, &ctx.ip()).await?.status() == 202,
            "send {i} was refused"
        );
    }
    let refused = start(ctx, &email, &ctx.ip()).await?;
    let retry_after: u64 = refused
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .ok_or("a 429 without a numeric Retry-After")?;
    refused.error(429, ErrorCode::RateLimited)?;
    ensure!(
        (1..=7_200).contains(&retry_after),
        "Retry-After {retry_after}"
    );
    ctx.advance_clock(retry_after as i64 * 1000).await?;
    let recovered = start(ctx, &email, &ctx.ip()).await?;
    ensure!(
        recovered.status() == 202,
        "still limited after Retry-After: {}",
        recovered.status()
    );
    Ok(())
}

pub async fn sends_per_ip_are_limited(ctx: &Ctx) -> CaseResult {
    let ip = ctx.ip();
    for i in 1..=20 {
        ensure!(
            start(ctx, &ctx.email("ip"), &ip).await?.status() == 202,
            "send {i} from one IP was refused"
        );
    }
    start(ctx, &ctx.email("ip"), &ip)
        .await?
        .error(429, ErrorCode::RateLimited)?;
    ensure!(
        start(ctx, &ctx.email("ip"), &ctx.ip()).await?.status() == 202,
        "another IP was limited too"
    );
    // Let this IP's window slide out for the cases after this one.
    ctx.advance_clock(2 * 3_600_000).await
}

pub async fn verifications_per_ip_are_limited(ctx: &Ctx) -> CaseResult {
    let ip = ctx.ip();
    for i in 1..=30 {
        let response = verify(
            ctx,
            serde_json::json!({ "email": ctx.email("v"), "code": "123456" }),
            &ip,
        )
        .await?;
        ensure!(
            response.status() == 400,
            "verification {i} answered {}",
            response.status()
        );
    }
    let refused = verify(
        ctx,
        serde_json::json!({ "email": ctx.email("v"), "code": "123456" }),
        &ip,
    )
    .await?;
    refused.error(429, ErrorCode::RateLimited)?;
    ctx.advance_clock(20 * 60_000).await
}
