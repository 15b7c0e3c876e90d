use atelier_api::{Health, Limits};

use crate::{CaseResult, Ctx, ensure};

pub async fn healthz_reports_status_version_and_runtime(ctx: &Ctx) -> CaseResult {
    let health: Health = ctx
        .get("/healthz")
        .send()
        .await?
        .expect_status(200)?
        .json()?;
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
        let reply = ctx.get("/readyz").send().await?.expect_status(200)?;
        let body: serde_json::Value = reply.json()?;
        ensure!(
            body == serde_json::json!({"sql": true, "kv": true, "blobs": true}),
            "body {body}"
        );
    }
    Ok(())
}

pub async fn limits_are_the_contracts(ctx: &Ctx) -> CaseResult {
    let limits: Limits = ctx
        .get("/v1/limits")
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    ensure!(limits == atelier_api::limits::LIMITS, "limits {limits:?}");
    Ok(())
}
