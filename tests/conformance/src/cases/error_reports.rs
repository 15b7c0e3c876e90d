//! Error reports: an internal failure answers the generic `internal` envelope and reaches Sentry
//! (the simulator) once, from `atelier-server`, with nothing personal in it — no email address,
//! IP address, home folder or prompt, no `user`, no `request` — though the failure's own detail
//! held all of them (`POST /__test/fail`, test mode).

use std::time::{Duration, Instant};

use atelier_simulators::Envelope;
use serde_json::json;

use crate::{CaseResult, Ctx, ensure};

/// What `/__test/fail` puts in the failure's detail (backend/server/src/routes/test_mode.rs).
const PERSONAL: [&str; 5] = [
    "fail.reporter@example.com",
    "203.0.113.77",
    "/home/margarethe",
    "margarethe",
    "a lighthouse painted by a child at dusk",
];

/// The report is sent after the answer: wait for it at most this long.
const REPORT_WAIT: Duration = Duration::from_secs(20);

fn reports_with(ctx: &Ctx, marker: &str) -> Vec<Envelope> {
    ctx.sims
        .sentry()
        .envelopes()
        .into_iter()
        .filter(|e| e.raw.contains("atelier-server") && e.raw.contains(marker))
        .collect()
}

pub async fn an_internal_error_is_reported_once_and_scrubbed(ctx: &Ctx) -> CaseResult {
    let marker = format!("conformance-{}-{}", std::process::id(), ctx.unique());
    let reply = ctx
        .post("/__test/fail")
        .json(&json!({ "marker": marker }))
        .send()
        .await?
        .expect_status(500)?;
    // Exactly the generic envelope: the caller learns nothing of the detail.
    let body: serde_json::Value = reply.json()?;
    ensure!(
        body == json!({ "code": "internal", "message": "something went wrong on our side" }),
        "not the generic internal envelope: {}",
        reply.text()
    );

    let deadline = Instant::now() + REPORT_WAIT;
    let envelopes = loop {
        let found = reports_with(ctx, &marker);
        if !found.is_empty() {
            break found;
        }
        ensure!(
            Instant::now() < deadline,
            "no report from atelier-server with {marker} within {REPORT_WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    ensure!(envelopes.len() == 1, "{} reports, not one", envelopes.len());
    let envelope = &envelopes[0];
    for personal in PERSONAL {
        ensure!(
            !envelope.raw.contains(personal),
            "the report holds {personal:?}: {}",
            envelope.raw
        );
    }
    let events = envelope.events();
    ensure!(events.len() == 1, "{} events in the envelope", events.len());
    let event = events[0];
    ensure!(event.get("user").is_none(), "a user: {event}");
    ensure!(event.get("request").is_none(), "a request: {event}");
    ensure!(
        event["server_name"] == "atelier-server",
        "server_name: {event}"
    );
    ensure!(
        event["tags"]["route"] == "/__test/fail" && event["tags"]["method"] == "POST",
        "the route template and method: {event}"
    );
    let runtime = serde_json::to_value(ctx.runtime).map_err(|e| e.to_string())?;
    ensure!(event["tags"]["runtime"] == runtime, "runtime: {event}");
    // Scrubbed where they were, rather than never there: the detail did reach the scrubber.
    for placeholder in ["[email]", "[ip]", "[prompt]", "~/.config"] {
        ensure!(
            envelope.raw.contains(placeholder),
            "{placeholder} missing: {}",
            envelope.raw
        );
    }
    Ok(())
}
