//! The Sentry event for one failure, and the envelope that carries it: a header line, then one
//! item (`{"type":"event","length":N}` and the event's N bytes).
//!
//! What goes in is chosen here, field by field: the error's code and internal detail, the matched
//! route template and method, the runtime. Never the request's path, body, headers or address, and
//! never a user; `scrub_envelope` then runs over the result as a second line.

use atelier_api::Runtime;
use serde_json::{Map, Value, json};

use super::dsn::Dsn;
use crate::error::InternalDetail;

/// The `server_name` of every report: never the machine's name.
pub const SERVER_NAME: &str = "atelier-server";

/// One failure to report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The error code as the API names it (`internal`).
    pub code: &'static str,
    pub detail: Option<InternalDetail>,
    /// Where it happened: a route (`POST /v1/images/{id}`) or background work.
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Request {
        method: String,
        /// The matched route template, with `{id}` placeholders rather than ids; `None` when no
        /// route matched.
        route: Option<String>,
    },
    /// The background tick (cron in the Worker, an interval natively).
    Background,
}

/// Facts about this process the event carries besides the failure.
#[derive(Debug, Clone)]
pub struct EventContext<'a> {
    /// 32 lowercase hex digits.
    pub event_id: &'a str,
    pub timestamp_ms: i64,
    pub runtime: Runtime,
    pub environment: Option<&'a str>,
}

fn runtime_name(runtime: Runtime) -> &'static str {
    match runtime {
        Runtime::Native => "native",
        Runtime::Worker => "worker",
    }
}

/// The event payload.
pub fn event(report: &Report, context: &EventContext<'_>) -> Value {
    let text = report
        .detail
        .as_ref()
        .map(|d| d.text.as_str())
        .filter(|t| !t.is_empty())
        .unwrap_or("an internal error without detail");
    let mut tags = Map::new();
    tags.insert("code".into(), report.code.into());
    tags.insert("runtime".into(), runtime_name(context.runtime).into());
    let transaction = match &report.origin {
        Origin::Request { method, route } => {
            let route = route.as_deref().unwrap_or("(no route)");
            tags.insert("source".into(), "request".into());
            tags.insert("method".into(), method.as_str().into());
            tags.insert("route".into(), route.into());
            format!("{method} {route}")
        }
        Origin::Background => {
            tags.insert("source".into(), "background".into());
            "background tick".to_owned()
        }
    };
    let mut event = json!({
        "event_id": context.event_id,
        // Seconds since the epoch: Sentry takes a number as well as RFC 3339 text.
        "timestamp": context.timestamp_ms as f64 / 1000.0,
        "level": "error",
        "platform": "other",
        "logger": SERVER_NAME,
        "server_name": SERVER_NAME,
        "release": crate::VERSION,
        "transaction": transaction,
        "message": { "formatted": format!("{}: {text}", report.code) },
        "exception": { "values": [{ "type": report.code, "value": text }] },
        "tags": tags,
        "sdk": { "name": SERVER_NAME, "version": crate::VERSION },
    });
    if let (Value::Object(fields), Some(environment)) = (&mut event, context.environment) {
        fields.insert("environment".into(), environment.into());
    }
    if let (Value::Object(fields), Some(extra)) = (
        &mut event,
        report.detail.as_ref().and_then(|d| d.extra.clone()),
    ) {
        fields.insert("extra".into(), extra);
    }
    event
}

/// The envelope: header line (`event_id`, `dsn`, `sent_at`, `sdk`), one event item.
pub fn envelope(event_id: &str, dsn: &Dsn, sent_at_ms: i64, event: &Value) -> Vec<u8> {
    let header = json!({
        "event_id": event_id,
        "dsn": dsn.to_header_value(),
        "sent_at": rfc3339(sent_at_ms),
        "sdk": { "name": SERVER_NAME, "version": crate::VERSION },
    });
    let payload = event.to_string();
    let item = json!({ "type": "event", "length": payload.len() });
    let mut out = Vec::with_capacity(payload.len() + 256);
    for line in [header.to_string(), item.to_string(), payload] {
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    out
}

/// `2024-05-01T10:00:00.123Z` from milliseconds since the epoch (UTC; the civil-from-days
/// algorithm, so no date crate is needed on the Worker).
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        Report {
            code: "internal",
            detail: Some(InternalDetail {
                text: "disk full".into(),
                extra: Some(json!({ "table": "images" })),
            }),
            origin: Origin::Request {
                method: "PATCH".into(),
                route: Some("/v1/images/{id}".into()),
            },
        }
    }

    fn context() -> EventContext<'static> {
        EventContext {
            event_id: "0123456789abcdef0123456789abcdef",
            timestamp_ms: 1_714_557_600_123,
            runtime: Runtime::Worker,
            environment: None,
        }
    }

    /// Splits an envelope into its header and (item header, payload) pairs, by the lengths.
    fn frames(raw: &[u8]) -> (Value, Vec<(Value, Vec<u8>)>) {
        let newline = raw.iter().position(|b| *b == b'\n').unwrap();
        let header = serde_json::from_slice(&raw[..newline]).unwrap();
        let mut rest = &raw[newline + 1..];
        let mut items = Vec::new();
        while !rest.is_empty() {
            let newline = rest.iter().position(|b| *b == b'\n').unwrap();
            let item: Value = serde_json::from_slice(&rest[..newline]).unwrap();
            let length = usize::try_from(item["length"].as_u64().unwrap()).unwrap();
            let payload = rest[newline + 1..newline + 1 + length].to_vec();
            assert_eq!(
                rest[newline + 1 + length],
                b'\n',
                "the payload ends its line"
            );
            rest = &rest[newline + 2 + length..];
            items.push((item, payload));
        }
        (header, items)
    }

    #[test]
    fn the_envelope_frames_one_event_by_its_byte_length() {
        let dsn = Dsn::parse("http://key@127.0.0.1:9/sentry/1").unwrap();
        let mut report = report();
        // Multi-byte text: the length must count bytes, not characters.
        if let Some(detail) = report.detail.as_mut() {
            detail.text = "写入失败 — disk full".into();
        }
        let event = event(&report, &context());
        let raw = envelope("0123456789abcdef0123456789abcdef", &dsn, 0, &event);
        let (header, items) = frames(&raw);
        assert_eq!(header["event_id"], "0123456789abcdef0123456789abcdef");
        assert_eq!(header["dsn"], "http://key@127.0.0.1:9/sentry/1");
        assert_eq!(header["sent_at"], "1970-01-01T00:00:00.000Z");
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].0["type"], "event");
        let payload: Value = serde_json::from_slice(&items[0].1).unwrap();
        assert_eq!(payload, event);
    }

    #[test]
    fn the_event_names_the_failure_and_nothing_about_the_person() {
        let event = event(&report(), &context());
        assert_eq!(event["server_name"], SERVER_NAME);
        assert_eq!(event["level"], "error");
        assert_eq!(event["platform"], "other");
        assert_eq!(event["release"], crate::VERSION);
        assert_eq!(event["timestamp"], 1_714_557_600.123);
        assert_eq!(event["exception"]["values"][0]["value"], "disk full");
        assert_eq!(event["tags"]["route"], "/v1/images/{id}");
        assert_eq!(event["tags"]["method"], "PATCH");
        assert_eq!(event["tags"]["runtime"], "worker");
        assert_eq!(event["extra"]["table"], "images");
        for absent in ["user", "request", "environment", "contexts"] {
            assert!(event.get(absent).is_none(), "{absent} in {event}");
        }
    }

    #[test]
    fn background_failures_have_no_route() {
        let mut report = report();
        report.origin = Origin::Background;
        report.detail = None;
        let event = event(
            &report,
            &EventContext {
                environment: Some("production"),
                ..context()
            },
        );
        assert_eq!(event["tags"]["source"], "background");
        assert!(event["tags"].get("route").is_none());
        assert_eq!(event["environment"], "production");
        assert_eq!(
            event["message"]["formatted"],
            "internal: an internal error without detail"
        );
    }

    #[test]
    fn rfc3339_is_utc_with_milliseconds() {
        assert_eq!(rfc3339(1_714_557_600_123), "2024-05-01T10:00:00.123Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }
}
