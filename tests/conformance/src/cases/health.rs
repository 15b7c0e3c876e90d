use atelier_api::{Health, Limits};

use crate::cases::transport;
use crate::{CaseResult, Ctx, ensure};

pub async fn healthz_reports_status_version_and_runtime(ctx: &Ctx) -> CaseResult {
    let response = ctx
        .http
        .get(ctx.url("/healthz"))
        .send()
        .await
        .map_err(transport)?;
    ensure!(response.status() == 200, "status {}", response.status());
    let health: Health = response.json().await.map_err(transport)?;
    ensure!(health.status == "ok", "status field {:?}", health.status);
    ensure!(
        health.runtime == ctx.runtime,
        "runtime {:?}, expected {:?}",
        health.runtime,
        ctx.runtime
    );
    ensure!(
        health.version == env!("CARGO_PKG_VERSION"),
        "version {:?}",
        health.version
    );
    Ok(())
}

pub async fn readyz_round_trips_sql_kv_and_blobs(ctx: &Ctx) -> CaseResult {
    // Twice: the second run overwrites what the first wrote (upsert, KV replace, blob replace).
    for _ in 0..2 {
        let response = ctx
            .http
            .get(ctx.url("/readyz"))
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        let body: serde_json::Value = response.json().await.map_err(transport)?;
        ensure!(status == 200, "status {status}: {body}");
        ensure!(
            body == serde_json::json!({"sql": true, "kv": true, "blobs": true}),
            "body {body}"
        );
    }
    Ok(())
}

pub async fn limits_are_the_contracts(ctx: &Ctx) -> CaseResult {
    let response = ctx
        .http
        .get(ctx.url("/v1/limits"))
        .send()
        .await
        .map_err(transport)?;
    ensure!(response.status() == 200, "status {}", response.status());
    let limits: Limits = response.json().await.map_err(transport)?;
    ensure!(limits == atelier_api::limits::LIMITS, "limits {limits:?}");
    Ok(())
}
