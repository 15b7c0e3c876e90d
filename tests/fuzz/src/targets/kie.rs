//! `kie_record` and `kie_callback`: what kie.ai sends us, read as the service reads it.

use atelier_server::platform::OutboundResponse;
use atelier_server::upstream::kie::{self, TaskState};
use base64::Engine;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use serde_json::Value;

use crate::input::Input;

/// The task the `recordInfo` answers are about (seeds use it as their `taskId`).
pub const TASK: &str = "task_fuzz_0001";

/// `kie_record`: a `recordInfo` answer, two bytes of HTTP status then the body, through the
/// envelope reader and the record parser. A record that comes out is for the task asked about,
/// and has result URLs only when it succeeded; every error can be displayed.
pub fn record(data: &[u8]) {
    let mut input = Input::new(data);
    let status = 100 + input.u16() % 500;
    let response = OutboundResponse {
        status,
        headers: Vec::new(),
        body: bytes::Bytes::copy_from_slice(input.rest()),
    };
    match kie::interpret(&response) {
        Ok(data) => match kie::parse_record(TASK, &data) {
            Ok(record) => {
                assert_eq!(record.task_id, TASK);
                if record.state != TaskState::Success {
                    assert!(record.result_urls.is_empty(), "{record:?}");
                }
                let _ = (record.state.as_str(), record.state.is_terminal());
            }
            Err(e) => {
                let _ = (e.to_string(), e.is_retryable());
            }
        },
        Err(e) => {
            let _ = (e.to_string(), e.is_retryable());
        }
    }
}

/// `kie_callback`: a callback's body (after a first line holding the signature headers:
/// `timestamp signature`), through the task-id reader and the signature check. A signature
/// made with the right key over the task id and a current timestamp must pass; the fuzzed one
/// may pass only if it is that signature.
pub fn callback(data: &[u8]) {
    let (headers, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&data[..0], data),
    };
    let headers = String::from_utf8_lossy(headers);
    let (timestamp, signature) = headers.split_once(' ').unwrap_or((&headers, ""));
    let payload: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let Some(task_id) = kie::callback_task_id(&payload) else {
        return;
    };
    assert!(!task_id.is_empty() && task_id.trim() == task_id);
    const KEY: &str = "fuzz-hmac-key";
    let now_ms = 1_750_000_000_000;
    let valid = kie::verify_callback(KEY, &task_id, timestamp, signature, now_ms);
    let now_s = (now_ms / 1000).to_string();
    let good = atelier_server::crypto::hmac_sha256_base64(
        KEY.as_bytes(),
        format!("{task_id}.{now_s}").as_bytes(),
    );
    assert!(kie::verify_callback(KEY, &task_id, &now_s, &good, now_ms));
    if valid {
        let expected = atelier_server::crypto::hmac_sha256_base64(
            KEY.as_bytes(),
            format!("{task_id}.{}", timestamp.trim()).as_bytes(),
        );
        // Padding is optional; the decoded digest must be the one.
        let lenient = GeneralPurpose::new(
            &alphabet::STANDARD,
            GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
        );
        assert_eq!(
            lenient.decode(signature.trim()).ok(),
            STANDARD.decode(expected).ok(),
            "a forged signature passed: {signature:?}"
        );
    }
}
