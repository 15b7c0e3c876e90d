//! `creem_webhook`: bodies signed with the configured `CREEM_WEBHOOK_SECRET`, so they get past
//! the signature to the parser and the bookkeeping behind it. `@REQ@`, `@CHK@` and `@PROD@` in a
//! body become the open checkout's `request_id`, Creem's checkout id and the small pack's product,
//! so seeds can reach a real purchase, refund and dispute. The first byte says how to sign:
//! mostly right, sometimes wrong or not at all (then it must be 401).

use axum::body::Body;
use axum::http::Request;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::service::service;

fn replace(body: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    while !rest.is_empty() {
        if rest.starts_with(from) {
            out.extend_from_slice(to);
            rest = &rest[from.len()..];
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    out
}

pub fn run(data: &[u8]) {
    let Some((&how, body)) = data.split_first() else {
        return;
    };
    let s = service();
    let body = replace(body, b"@REQ@", s.checkout_request.as_bytes());
    let body = replace(&body, b"@CHK@", s.checkout_id.as_bytes());
    let body = replace(&body, b"@PROD@", b"prod_sim_credits_100");
    let mut mac = Hmac::<Sha256>::new_from_slice(s.webhook_secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(&body);
    let signature = hex::encode(mac.finalize().into_bytes());
    let signed = how % 8 != 0;
    let mut request = Request::builder()
        .method("POST")
        .uri("/v1/creem/webhook")
        .header("content-type", "application/json");
    request = match how % 8 {
        0 => request.header("creem-signature", &signature[..63]),
        _ => request.header("creem-signature", signature.as_str()),
    };
    let request = request.body(Body::from(body.clone())).expect("a request");
    let answer = s.send(request);
    let what = format!("webhook {}", String::from_utf8_lossy(&body));
    answer.assert_coded(&what);
    if signed {
        assert_ne!(answer.status, 401, "{what}: a signed webhook refused");
    } else {
        assert_eq!(
            answer.status, 401,
            "{what}: a badly signed webhook accepted"
        );
    }
}
