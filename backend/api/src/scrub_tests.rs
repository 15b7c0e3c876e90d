use serde_json::json;

use super::*;

fn text(s: &str) -> String {
    scrub_text(s, &Known::default())
}

#[test]
fn emails_go_wherever_they_are() {
    assert_eq!(
        text("no user ana.lima+x@example.co.uk here"),
        "no user [email] here"
    );
    assert_eq!(text("<bo@mail.example.com>,"), "<[email]>,");
    assert_eq!(text("a@b.io and c_d@e.org."), "[email] and [email].");
    // Not addresses: no dot in the domain, nothing after the dot, a lone at sign.
    assert_eq!(text("user@localhost"), "user@localhost");
    assert_eq!(text("x @ y"), "x @ y");
    assert_eq!(text("@scope/pkg"), "@scope/pkg");
    // Credentials in a URL look like an address, and go as one.
    assert_eq!(text("http://key@127.0.0.1:9/1"), "http://[email]:9/1");
}

#[test]
fn ipv4_addresses_go_and_versions_stay() {
    assert_eq!(text("from 203.0.113.7:443"), "from [ip]:443");
    assert_eq!(text("ip=10.0.0.1,"), "ip=[ip],");
    assert_eq!(text("version 1.91.0"), "version 1.91.0");
    assert_eq!(text("1.2.3.4.5"), "1.2.3.4.5");
    assert_eq!(text("999.1.1.1"), "999.1.1.1");
    assert_eq!(text("v1.2.3.4"), "v1.2.3.4");
}

#[test]
fn ipv6_addresses_go_and_times_and_paths_stay() {
    assert_eq!(text("peer [2001:db8::1]:80"), "peer [[ip]]:80");
    assert_eq!(text("loopback ::1 ok"), "loopback [ip] ok");
    assert_eq!(text("fe80::1ff:fe23:4567:890a%eth0"), "[ip]%eth0");
    assert_eq!(text("::ffff:192.0.2.1."), "[ip].");
    assert_eq!(text("2001:0db8:0000:0000:0000:ff00:0042:8329"), "[ip]");
    assert_eq!(text("at 10:00:00 UTC"), "at 10:00:00 UTC");
    assert_eq!(
        text("atelier_client::cache::Cache::open failed"),
        "atelier_client::cache::Cache::open failed"
    );
    assert_eq!(text("std::io::Error"), "std::io::Error");
}

#[test]
fn home_folders_become_a_tilde() {
    assert_eq!(
        text("open /home/ana/.local/share/Atelier/cache.sqlite"),
        "open ~/.local/share/Atelier/cache.sqlite"
    );
    assert_eq!(text("/Users/Ana Lima"), "~ Lima");
    assert_eq!(text("/Users/bob/Library"), "~/Library");
    assert_eq!(
        text(r"C:\Users\carol\AppData\Atelier"),
        r"~\AppData\Atelier"
    );
    assert_eq!(text("d:/users/dan/x"), "~/x");
    assert_eq!(text(r#""C:\\Users\\eve\\x""#), r#""~\\x""#);
    assert_eq!(text("/var/home/fay/x"), "/var~/x");
    // Not a home folder of anyone.
    assert_eq!(text("/home/"), "/home/");
    assert_eq!(text("/usr/lib/x"), "/usr/lib/x");
}

#[test]
fn known_strings_go_regardless_of_case() {
    let known = Known::new(["Anas-Laptop", "ana", "x"]);
    assert_eq!(
        scrub_text("on anas-laptop as ANA", &known),
        "on [redacted] as [redacted]"
    );
    let mut home = Known::new(["root"]);
    home.add_home("/root/");
    assert_eq!(
        scrub_text("open /root/.local/share, as root", &home),
        "open ~/.local/share, as [redacted]"
    );
    // Too short to redact safely: kept.
    assert_eq!(scrub_text("x marks", &known), "x marks");
}

#[test]
fn an_event_loses_user_request_hostname_ips_emails_paths_and_prompts() {
    let known = Known::new(["build-host-42"]);
    let mut event = json!({
        "event_id": "abc",
        "message": "generation for ana@example.com from 203.0.113.7 failed",
        "server_name": "build-host-42",
        "user": {"email": "ana@example.com", "ip_address": "203.0.113.7", "id": "acct_1"},
        "request": {"url": "http://x", "headers": {"Cookie": "s=1"}},
        "contexts": {
            "device": {"name": "build-host-42", "arch": "x86_64"},
            "os": {"name": "Linux"},
            "app": {"prompt": "a cat wearing a hat", "host": "build-host-42"}
        },
        "exception": {"values": [{
            "type": "Error",
            "value": "open /home/ana/x: denied (owner bo@example.org)",
            "stacktrace": {"frames": [{"abs_path": "/Users/ana/src/main.rs", "function": "main"}]}
        }]},
        "breadcrumbs": {"values": [
            {"message": "POST with prompt", "data": {"prompt": "secret plan", "ip": "10.1.1.1", "Authorization": "Bearer x"}},
            {"message": "connected to 2001:db8::7"}
        ]},
        "extra": {"user_prompt": "the prompt", "note": "mail ana@example.com", "hostname": "build-host-42"},
        "tags": {"a": "build-host-42"}
    });
    scrub_event(&mut event, "atelier-desktop", &known);
    assert_eq!(event["server_name"], "atelier-desktop");
    assert!(event.get("user").is_none());
    assert!(event.get("request").is_none());
    assert_eq!(event["message"], "generation for [email] from [ip] failed");
    assert!(event["contexts"]["device"].get("name").is_none());
    assert_eq!(event["contexts"]["device"]["arch"], "x86_64");
    assert_eq!(event["contexts"]["app"]["prompt"], PROMPT);
    assert_eq!(event["contexts"]["app"]["host"], REDACTED);
    let exception = &event["exception"]["values"][0];
    assert_eq!(exception["value"], "open ~/x: denied (owner [email])");
    assert_eq!(
        exception["stacktrace"]["frames"][0]["abs_path"],
        "~/src/main.rs"
    );
    assert_eq!(event["breadcrumbs"]["values"][0]["data"]["prompt"], PROMPT);
    assert!(
        event["breadcrumbs"]["values"][0]["data"]
            .get("ip")
            .is_none()
    );
    assert_eq!(
        event["breadcrumbs"]["values"][0]["data"]["Authorization"],
        FILTERED
    );
    assert_eq!(
        event["breadcrumbs"]["values"][1]["message"],
        "connected to [ip]"
    );
    assert_eq!(event["extra"]["user_prompt"], PROMPT);
    assert_eq!(event["extra"]["note"], "mail [email]");
    assert!(event["extra"].get("hostname").is_none());
    assert_eq!(event["tags"]["a"], REDACTED);
    let all = event.to_string();
    for secret in [
        "ana@example.com",
        "bo@example.org",
        "203.0.113.7",
        "10.1.1.1",
        "2001:db8::7",
        "build-host-42",
        "/home/ana",
        "/Users/ana",
        "a cat wearing a hat",
        "secret plan",
    ] {
        assert!(!all.contains(secret), "{secret} left in {all}");
    }
}

#[test]
fn keys_are_scrubbed_too() {
    let mut value = json!({"ana@example.com": 1, "/home/ana/x": 2});
    scrub_value(&mut value, &Known::default());
    assert_eq!(value, json!({"[email]": 1, "~/x": 2}));
}

#[test]
fn an_envelope_is_scrubbed_item_by_item_and_opaque_items_are_dropped() {
    let event = json!({"event_id": "e1", "message": "for ana@example.com", "user": {"id": "1"}})
        .to_string();
    let session =
        json!({"sid": "s", "attrs": {"ip_address": "203.0.113.7", "release": "1"}}).to_string();
    let attachment = "raw bytes of ana@example.com";
    let raw = format!(
        "{header}\n{{\"type\":\"event\",\"length\":{}}}\n{event}\n{{\"type\":\"session\"}}\n{session}\n{{\"type\":\"attachment\",\"length\":{}}}\n{attachment}\n",
        event.len(),
        attachment.len(),
        header = json!({"event_id": "e1", "dsn": "http://k@127.0.0.1:9/1", "trace": {"user_id": "ana@example.com"}}),
    );
    let out = String::from_utf8(scrub_envelope(
        raw.as_bytes(),
        "atelier-server",
        &Known::default(),
    ))
    .unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    let header: Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(
        header,
        json!({"event_id": "e1", "dsn": "http://k@127.0.0.1:9/1"})
    );
    let item: Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(item["type"], "event");
    assert_eq!(item["length"].as_u64(), Some(lines[2].len() as u64));
    let event: Value = serde_json::from_str(lines[2]).unwrap();
    assert_eq!(event["message"], "for [email]");
    assert_eq!(event["server_name"], "atelier-server");
    assert!(event.get("user").is_none());
    let session: Value = serde_json::from_str(lines[4]).unwrap();
    assert!(session["attrs"].get("ip_address").is_none());
    assert!(!out.contains("ana@example.com"));
    assert!(!out.contains("203.0.113.7"));
}

#[test]
fn garbage_in_gives_an_empty_envelope_not_a_panic() {
    let out = scrub_envelope(b"\xff\xfe not json\nnor this\n", "s", &Known::default());
    assert_eq!(out, b"{}\n");
    let out = scrub_envelope(b"", "s", &Known::default());
    assert_eq!(out, b"{}\n");
}
