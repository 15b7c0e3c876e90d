//! Writes the hand-made seeds of every target into `fuzz/corpus/<target>/seed-*` (the files
//! libFuzzer finds are added beside them by `cargo xtask fuzz --long --minimize`):
//! `cargo run -p atelier-fuzz --example seeds`. Each seed is a well-formed input a target's
//! parser accepts, so mutations start from inside the interesting code, not at its front door.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use serde_json::json;

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
}

fn prefixed(prefix: &[u8], body: &serde_json::Value) -> Vec<u8> {
    let mut out = prefix.to_vec();
    out.extend_from_slice(body.to_string().as_bytes());
    out
}

const ID: &str = "0123456789abcdef0123456789abcdef";
const ID2: &str = "00000000000000000000000000000001";
const HASH: &str = "0000000000000000000000000000000000000000000000000000000000000002";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn api_json() {
    let seeds = [
        (
            0,
            json!({"email": "a.b+tag@gmail.com", "code_challenge": CHALLENGE, "code_challenge_method": "S256"}),
        ),
        (
            1,
            json!({"email": "a@example.com", "code": "123456", "code_verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"}),
        ),
        (
            1,
            json!({"token": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ", "code_verifier": ""}),
        ),
        (2, json!({"display_name": "Ada 🦊"})),
        (3, json!({"title": null})),
        (4, json!({"title": "A lighthouse"})),
        (
            5,
            json!({"conversation_id": ID, "prompt": "  a lighthouse at dusk  ", "model": "nano-banana", "aspect_ratio": "16:9", "count": 4}),
        ),
        (6, json!({"favourite": true})),
        (7, json!({"pack": "small"})),
        (8, json!({"prompt": "你好", "count": 1})),
        (9, sync_page_json()),
        (
            10,
            json!({"entries": [{"id": ID, "amount": -4, "kind": "debit", "reference": "generation:x", "created_at": 1}, {"id": ID2, "amount": 100, "kind": "purchase", "reference": "purchase:ord", "paid": {"cents": 500, "currency": "USD"}, "created_at": 2}], "next_cursor": "2.abc"}),
        ),
        (
            11,
            json!({"id": ID, "conversation_id": ID2, "prompt": "p", "model": "nano-banana", "aspect_ratio": "1:1", "count": 1, "cost": 4, "status": "done", "failure_code": null, "images": [{"id": ID, "width": 1024, "height": 1024, "bytes": 10, "sha256": HASH, "content_type": "image/png"}], "created_at": 1, "updated_at": 2}),
        ),
        (
            14,
            json!({"token": "t", "expires_at": 1, "user": {"id": ID, "email": "a@example.com", "display_name": null, "auth_provider": "email", "created_at": 1}}),
        ),
        (16, json!({"balance": 100})),
        (19, json!({"code": "rate_limited", "message": "slow down"})),
        (19, json!({"code": "something_new", "message": ""})),
        (
            21,
            json!({"models": [{"id": "nano-banana", "display_name": "Nano Banana", "aspect_ratios": ["1:1", "16:9"], "cost_per_image": 4}]}),
        ),
        (
            23,
            json!({"status": "ok", "version": "0.1.0", "runtime": "native"}),
        ),
    ];
    for (i, (which, body)) in seeds.iter().enumerate() {
        write("api_json", &format!("{i:02}"), &prefixed(&[*which], body));
    }
}

fn sync_page_json() -> serde_json::Value {
    json!({
        "changes": [
            {"op": "upsert", "seq": 1, "record": {"kind": "conversation", "id": ID, "title": "Lighthouses", "created_at": 1, "updated_at": 1}},
            {"op": "upsert", "seq": 2, "record": {"kind": "generation", "id": ID2, "conversation_id": ID, "prompt": "a lighthouse", "model": "nano-banana", "aspect_ratio": "1:1", "count": 1, "cost": 4, "status": "done", "failure_code": null, "created_at": 1, "updated_at": 2}},
            {"op": "upsert", "seq": 3, "record": {"kind": "image", "id": "00000000000000000000000000000003", "generation_id": ID2, "conversation_id": ID, "idx": 0, "width": 1024, "height": 1024, "content_type": "image/png", "sha256": HASH, "bytes": 10, "thumbnail_sha256": HASH, "thumbnail_bytes": 5, "favourite": false, "created_at": 1, "updated_at": 2}},
            {"op": "upsert", "seq": 4, "record": {"kind": "credit", "entry": {"id": "00000000000000000000000000000004", "amount": 100, "kind": "purchase", "reference": "purchase:ord_1", "paid": {"cents": 500, "currency": "USD"}, "created_at": 3}}},
            {"op": "delete", "seq": 5, "kind": "image", "id": "00000000000000000000000000000003"},
            {"op": "delete", "seq": 6, "kind": "conversation", "id": ID}
        ],
        "next_cursor": "6.0",
        "has_more": false
    })
}

fn routes() {
    let seeds: [(u8, u8, serde_json::Value); 11] = [
        (0, 0, json!({"prompt": "a lighthouse", "count": 2})),
        (
            1,
            0,
            json!({"email": "someone@example.com", "code_challenge": CHALLENGE, "code_challenge_method": "S256"}),
        ),
        (
            2,
            0,
            json!({"email": "someone@example.com", "code": "000000", "code_verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"}),
        ),
        (3, 0, json!({"display_name": "Fuzzy"})),
        (4, 0, json!({"pack": "small"})),
        (5, 0, json!({"title": "A conversation"})),
        (6, 0, json!({"title": "Renamed"})),
        (
            7,
            16,
            json!({"prompt": "a lighthouse at dusk", "model": "nano-banana", "aspect_ratio": "1:1", "count": 1}),
        ),
        (8, 0, json!({"favourite": true})),
        (
            9,
            0,
            json!({"id": "evt_1", "eventType": "checkout.completed", "object": {}}),
        ),
        (10, 0, json!({"data": {"taskId": "t"}})),
    ];
    for (route, flags, body) in &seeds {
        write(
            "routes",
            &format!("{route:02}"),
            &prefixed(&[*route, *flags], body),
        );
    }
    let raw: [(u8, &str); 14] = [
        (11, "cursor=&limit=100"),
        (11, "cursor=3.0&limit=1000"),
        (12, "cursor=abc"),
        (13, "cursor="),
        (14, "cursor=x"),
        (15, "token=abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ"),
        (16, "0123456789abcdef0123456789abcdef/thumbnail"),
        (17, "0123456789abcdef0123456789abcdef"),
        (19, "0123456789abcdef0123456789abcdef/1/secret"),
        // Segments that are not UTF-8 once percent-decoded, and an index that is not a number:
        // the `{code, message}` envelope like any other miss, never axum's plain text.
        (16, "%FF%FE/thumbnail"),
        (17, "%C3%28"),
        (18, "%C3%28"),
        (19, "%FF/0/secret"),
        (19, "0123456789abcdef0123456789abcdef/one/secret"),
    ];
    for (route, text) in raw {
        let mut bytes = vec![route, 0];
        bytes.extend_from_slice(text.as_bytes());
        write("routes", &format!("{route:02}-{}", text.len()), &bytes);
    }
}

fn creem_webhook() {
    let order = json!({"id": "ord_fuzz_1", "product": "@PROD@", "amount": 500, "currency": "USD", "status": "paid", "transaction": "tran_1"});
    let seeds = [
        json!({"id": "evt_1", "eventType": "checkout.completed", "created_at": 1, "object": {"id": "@CHK@", "object": "checkout", "request_id": "@REQ@", "status": "completed", "order": order, "metadata": {"atelier_request": "@REQ@"}}}),
        json!({"id": "evt_2", "eventType": "checkout.completed", "created_at": 1, "object": {"id": "@CHK@", "metadata": {"atelier_request": "@REQ@"}, "order": {"id": {"id": "ord_fuzz_2"}, "product": {"id": "@PROD@"}, "amount": 499, "currency": "EUR"}}}),
        json!({"id": "evt_3", "eventType": "refund.created", "created_at": 2, "object": {"id": "ref_1", "refund_amount": 250, "refund_currency": "USD", "transaction": {"id": "tran_1"}, "checkout": {"id": "@CHK@"}, "order": {"id": "ord_fuzz_1"}}}),
        json!({"id": "evt_4", "eventType": "dispute.created", "created_at": 3, "object": {"id": "disp_1", "amount": 500, "currency": "USD", "checkout": "@CHK@", "order": "ord_fuzz_1"}}),
        json!({"id": "evt_5", "eventType": "refund.created", "created_at": 2, "object": {"id": "ref_2", "refund_amount": 500, "refund_currency": "USD", "checkout": {"id": "@CHK@"}, "order": {"id": "ord_unknown"}}}),
        json!({"id": "evt_6", "eventType": "subscription.active", "object": null}),
    ];
    for (i, body) in seeds.iter().enumerate() {
        write("creem_webhook", &format!("{i:02}"), &prefixed(&[1], body));
    }
    write("creem_webhook", "unsigned", &prefixed(&[0], &seeds[0]));
    write("creem_webhook", "not-json", b"\x01<html>hello</html>");
}

fn kie_record() {
    // Two bytes of status (100 + value), then the body.
    let status = |s: u16| (s - 100).to_le_bytes();
    let task = "task_fuzz_0001";
    let seeds = [
        (200, json!({"code": 200, "msg": "success", "data": {"taskId": task, "state": "success", "resultJson": "{\"resultUrls\":[\"http://127.0.0.1/a.png\"]}", "failCode": "", "failMsg": ""}}).to_string()),
        (200, json!({"code": 200, "message": "ok", "data": {"taskId": task, "state": "success", "resultJson": {"resultUrls": ["u1", "u2"]}}}).to_string()),
        (200, json!({"code": 200, "msg": "ok", "data": {"taskId": task, "state": "waiting"}}).to_string()),
        (200, json!({"code": 200, "msg": "ok", "data": {"state": "fail", "failCode": 422, "failMsg": "content policy"}}).to_string()),
        (200, json!({"code": 200, "msg": "ok", "data": {"taskId": "another", "state": "generating"}}).to_string()),
        (200, json!({"code": 422, "msg": "refused"}).to_string()),
        (500, json!({"code": 200, "msg": "claims success"}).to_string()),
        (429, "Too many requests".to_owned()),
        (403, "error code: 1010".to_owned()),
        (200, format!("<html>{}é</html>", "x".repeat(300))),
    ];
    for (i, (code, body)) in seeds.iter().enumerate() {
        let mut bytes = status(*code).to_vec();
        bytes.extend_from_slice(body.as_bytes());
        write("kie_record", &format!("{i:02}"), &bytes);
    }
}

fn kie_callback() {
    let seeds = [
        format!(
            "1750000000 c2lnbmF0dXJl\n{}",
            json!({"code": 200, "data": {"taskId": "task_1", "state": "success"}})
        ),
        format!(
            "1750000100 \n{}",
            json!({"code": 200, "data": {"task_id": " task_2 "}})
        ),
        format!("x y\n{}", json!({"data": {"taskId": ""}})),
        json!({"data": {"taskId": 5}}).to_string(),
    ];
    for (i, seed) in seeds.iter().enumerate() {
        write("kie_callback", &format!("{i:02}"), seed.as_bytes());
    }
}

fn sync_page() {
    write("sync_page", "json", &prefixed(&[0], &sync_page_json()));
    write(
        "sync_page",
        "json-empty",
        &prefixed(
            &[0],
            &json!({"changes": [], "next_cursor": "7.0", "has_more": true}),
        ),
    );
    // Built pages: bytes read by `targets::sync_page::built`.
    write(
        "sync_page",
        "built-1",
        &[1, 3, 6, 2, 5, 0, 5, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 4],
    );
    write(
        "sync_page",
        "built-2",
        &[
            1, 0, 11, 3, 1, 2, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
            23, 24, 25, 26, 27, 28, 29, 30,
        ],
    );
}

fn image_decode() {
    let rgb = image::RgbImage::from_fn(3, 2, |x, y| image::Rgb([x as u8 * 80, y as u8 * 120, 7]));
    let rgba = image::RgbaImage::from_fn(2, 2, |x, y| image::Rgba([x as u8, y as u8, 200, 128]));
    let wide = image::GrayImage::from_fn(600, 4, |x, _| image::Luma([x as u8]));
    let encode = |image: &image::DynamicImage, format: image::ImageFormat| {
        let mut out = std::io::Cursor::new(Vec::new());
        image.write_to(&mut out, format).unwrap();
        out.into_inner()
    };
    write(
        "image_decode",
        "png",
        &encode(&rgb.clone().into(), image::ImageFormat::Png),
    );
    write(
        "image_decode",
        "png-rgba",
        &encode(&rgba.clone().into(), image::ImageFormat::Png),
    );
    write(
        "image_decode",
        "png-wide",
        &encode(&wide.clone().into(), image::ImageFormat::Png),
    );
    write(
        "image_decode",
        "jpeg",
        &encode(&rgb.clone().into(), image::ImageFormat::Jpeg),
    );
    write(
        "image_decode",
        "jpeg-wide",
        &encode(&wide.into(), image::ImageFormat::Jpeg),
    );
    write(
        "image_decode",
        "webp",
        &encode(&rgba.into(), image::ImageFormat::WebP),
    );
}

fn main() {
    api_json();
    routes();
    creem_webhook();
    kie_record();
    kie_callback();
    sync_page();
    image_decode();
    println!("seeds written under fuzz/corpus/");
}
