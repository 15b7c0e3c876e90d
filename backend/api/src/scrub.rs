//! What an error report may carry: nothing personal. One scrubber for the desktop (its Sentry
//! `before_send` and its transport) and the service (its own envelope sender), so both follow the
//! same rules: no user, no request, no hostname, no IP address, no email address, no home-folder
//! path and no prompt, wherever in the event they hide.
//!
//! It works on JSON (`serde_json::Value`) so it runs unchanged on the Worker (wasm) and over the
//! Sentry crate's types (serialised and read back).

use serde_json::{Map, Value};

/// Replaces an email address in text.
pub const EMAIL: &str = "[email]";
/// Replaces an IPv4 or IPv6 address in text.
pub const IP: &str = "[ip]";
/// Replaces the value of a prompt field.
pub const PROMPT: &str = "[prompt]";
/// Replaces a string the caller knows is personal (the hostname, the user's login name).
pub const REDACTED: &str = "[redacted]";
/// Replaces credentials (cookies, tokens, passwords).
pub const FILTERED: &str = "[filtered]";

/// Keys removed wherever they appear: who the person is and where they are.
const DROPPED_KEYS: &[&str] = &[
    "user",
    "email",
    "e-mail",
    "ip",
    "ip_address",
    "$ip",
    "remote_addr",
    "client_ip",
    "x-forwarded-for",
    "x-real-ip",
    "cf-connecting-ip",
    "hostname",
    "host_name",
    "computer_name",
    "server_name",
    "username",
    "user_name",
    "login",
];

/// Keys whose values are credentials: kept as a marker so the report still shows they existed.
const FILTERED_KEY_PARTS: &[&str] = &[
    "password",
    "secret",
    "token",
    "cookie",
    "authorization",
    "api_key",
    "apikey",
    "session",
];

/// Strings the caller knows are personal on this machine, replaced wherever they appear (compared
/// without regard to ASCII case). Shorter ones are ignored: redacting "a" everywhere would
/// destroy the report and protect nothing.
#[derive(Debug, Clone, Default)]
pub struct Known {
    literals: Vec<String>,
    /// This computer's home folder (wherever it is, `/root` too), replaced by `~`.
    homes: Vec<String>,
}

impl Known {
    const MIN_LEN: usize = 3;

    pub fn new<I, S>(literals: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut known = Self::default();
        for literal in literals {
            known.add(literal);
        }
        known
    }

    /// A home folder path: replaced by `~` before anything else is looked for.
    pub fn add_home(&mut self, path: impl Into<String>) {
        let path = path.into();
        let path = path.trim_end_matches(['/', '\\']);
        if path.len() >= Self::MIN_LEN && !self.homes.iter().any(|h| h == path) {
            self.homes.push(path.to_owned());
            self.homes.sort_by_key(|h| std::cmp::Reverse(h.len()));
        }
    }

    pub fn add(&mut self, literal: impl Into<String>) {
        let literal = literal.into();
        let literal = literal.trim();
        if literal.chars().count() >= Self::MIN_LEN && !self.literals.iter().any(|l| l == literal) {
            self.literals.push(literal.to_owned());
            // Longest first, so a name inside a longer known string does not split it.
            self.literals.sort_by_key(|l| std::cmp::Reverse(l.len()));
        }
    }
}

/// Scrubs one Sentry event (or transaction) payload: drops `user` and `request`, sets
/// `server_name` to `server_name`, and scrubs every key and string inside.
pub fn scrub_event(event: &mut Value, server_name: &str, known: &Known) {
    if let Value::Object(fields) = event {
        fields.remove("request");
        fields.remove("user");
        // The device context's `name` is the computer's name.
        if let Some(Value::Object(device)) =
            fields.get_mut("contexts").and_then(|c| c.get_mut("device"))
        {
            device.remove("name");
        }
    }
    scrub_value(event, known);
    if let Value::Object(fields) = event {
        fields.insert("server_name".into(), Value::String(server_name.to_owned()));
    }
}

/// Scrubs any JSON: personal keys go, prompt fields are replaced, credentials are filtered, and
/// every string (keys included) is passed through [`scrub_text`].
pub fn scrub_value(value: &mut Value, known: &Known) {
    match value {
        Value::String(text) => {
            let scrubbed = scrub_text(text, known);
            if scrubbed != *text {
                *text = scrubbed;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| scrub_value(v, known)),
        Value::Object(fields) => scrub_object(fields, known),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn scrub_object(fields: &mut Map<String, Value>, known: &Known) {
    let old = std::mem::take(fields);
    for (key, mut value) in old {
        let lower = key.to_ascii_lowercase();
        if DROPPED_KEYS.contains(&lower.as_str()) {
            continue;
        }
        if lower.contains("prompt") {
            fields.insert(key, Value::String(PROMPT.into()));
            continue;
        }
        if FILTERED_KEY_PARTS.iter().any(|part| lower.contains(part)) && !value.is_null() {
            fields.insert(key, Value::String(FILTERED.into()));
            continue;
        }
        scrub_value(&mut value, known);
        fields.insert(scrub_text(&key, known), value);
    }
}

/// Scrubs free text: email addresses, IP addresses, home folders (`/home/<name>`,
/// `/Users/<name>`, `C:\Users\<name>` become `~`) and the known personal strings.
pub fn scrub_text(text: &str, known: &Known) -> String {
    let text = replace_known(text, known);
    let text = replace_emails(&text);
    let text = replace_home_folders(&text);
    // IPv6 first: an IPv4-mapped address (`::ffff:1.2.3.4`) goes whole.
    let text = replace_ipv6(&text);
    replace_ipv4(&text)
}

fn replace_known(text: &str, known: &Known) -> String {
    let mut out = text.to_owned();
    for home in &known.homes {
        out = out.replace(home.as_str(), "~");
    }
    for literal in &known.literals {
        out = replace_ignoring_ascii_case(&out, literal, REDACTED);
    }
    out
}

fn replace_ignoring_ascii_case(text: &str, needle: &str, with: &str) -> String {
    let lower_text = text.to_ascii_lowercase();
    let lower_needle = needle.to_ascii_lowercase();
    // ASCII lowering keeps byte offsets, so positions found in the lowered text hold in `text`.
    let mut out = String::with_capacity(text.len());
    let mut start = 0;
    while let Some(found) = lower_text[start..].find(&lower_needle) {
        let at = start + found;
        out.push_str(&text[start..at]);
        out.push_str(with);
        start = at + needle.len();
    }
    out.push_str(&text[start..]);
    out
}

/// Rewrites `text`: wherever `find(bytes, i)` recognises a span starting at byte `i`, the span
/// `i..end` is replaced by `with`.
fn replace_spans(text: &str, with: &str, find: impl Fn(&[u8], usize) -> Option<usize>) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if text.is_char_boundary(i)
            && let Some(end) = find(bytes, i)
        {
            out.push_str(&text[copied..i]);
            out.push_str(with);
            copied = end;
            i = end;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}

fn is_local_part(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-' | b'\'')
}

fn is_domain_part(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')
}

fn replace_emails(text: &str) -> String {
    if !text.contains('@') {
        return text.to_owned();
    }
    // An address starts where a run of local-part characters starts, runs to an `@`, then a
    // domain with a dot and something after it.
    replace_spans(text, EMAIL, |bytes, i| {
        if !is_local_part(bytes[i]) || (i > 0 && is_local_part(bytes[i - 1])) {
            return None;
        }
        let mut at = i;
        while at < bytes.len() && is_local_part(bytes[at]) {
            at += 1;
        }
        if at == i || bytes.get(at) != Some(&b'@') {
            return None;
        }
        let mut end = at + 1;
        while end < bytes.len() && is_domain_part(bytes[end]) {
            end += 1;
        }
        let domain = &bytes[at + 1..end];
        let domain = domain.strip_suffix(b".").unwrap_or(domain);
        let dot = domain.iter().rposition(|b| *b == b'.')?;
        (dot > 0 && dot + 1 < domain.len()).then_some(at + 1 + domain.len())
    })
}

fn is_name_char(b: u8) -> bool {
    !matches!(
        b,
        b'/' | b'\\' | b'"' | b'\'' | b' ' | b'\t' | b'\n' | b'\r' | b':' | b'`' | b')' | b']'
    )
}

fn replace_home_folders(text: &str) -> String {
    // `<prefix><name>` → `~`, where the name runs to the next separator.
    fn after_prefix(bytes: &[u8], i: usize, prefix: &[u8]) -> Option<usize> {
        let end = i.checked_add(prefix.len())?;
        let candidate = bytes.get(i..end)?;
        if !candidate.eq_ignore_ascii_case(prefix) {
            return None;
        }
        let mut name_end = end;
        while name_end < bytes.len() && is_name_char(bytes[name_end]) {
            name_end += 1;
        }
        (name_end > end).then_some(name_end)
    }
    replace_spans(text, "~", |bytes, i| {
        match bytes[i] {
            b'/' => {
                after_prefix(bytes, i, b"/home/").or_else(|| after_prefix(bytes, i, b"/Users/"))
            }
            // `C:\Users\name`, `c:/users/name`, and `C:\\Users\\name` as it looks inside JSON text.
            b if b.is_ascii_alphabetic() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) => {
                [&b":\\Users\\"[..], &b":/Users/"[..], &b":\\\\Users\\\\"[..]]
                    .iter()
                    .find_map(|prefix| after_prefix(bytes, i + 1, prefix))
            }
            _ => None,
        }
    })
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn replace_ipv4(text: &str) -> String {
    replace_spans(text, IP, |bytes, i| {
        if !bytes[i].is_ascii_digit() || (i > 0 && (is_word(bytes[i - 1]) || bytes[i - 1] == b'.'))
        {
            return None;
        }
        let mut pos = i;
        for part in 0..4 {
            let start = pos;
            while pos < bytes.len() && bytes[pos].is_ascii_digit() && pos - start < 3 {
                pos += 1;
            }
            let octet = std::str::from_utf8(&bytes[start..pos]).ok()?;
            if octet.is_empty() || octet.parse::<u16>().ok()? > 255 {
                return None;
            }
            if part < 3 {
                if bytes.get(pos) != Some(&b'.') {
                    return None;
                }
                pos += 1;
            }
        }
        // `1.2.3.4.5` or `1.2.3.45678` is not an address.
        match bytes.get(pos) {
            Some(b) if is_word(*b) => None,
            Some(b'.') if bytes.get(pos + 1).is_some_and(u8::is_ascii_digit) => None,
            _ => Some(pos),
        }
    })
}

fn replace_ipv6(text: &str) -> String {
    if !text.contains(':') {
        return text.to_owned();
    }
    replace_spans(text, IP, |bytes, i| {
        let b = bytes[i];
        if !(b.is_ascii_hexdigit() || b == b':')
            || (i > 0 && (is_word(bytes[i - 1]) || bytes[i - 1] == b':'))
        {
            return None;
        }
        let mut end = i;
        while end < bytes.len()
            && (bytes[end].is_ascii_hexdigit() || bytes[end] == b':' || bytes[end] == b'.')
        {
            end += 1;
        }
        // An IPv4 tail (`::ffff:1.2.3.4`) stays inside; a sentence's full stop does not.
        while end > i && bytes[end - 1] == b'.' {
            end -= 1;
        }
        if bytes.get(end).is_some_and(|b| is_word(*b)) {
            return None;
        }
        let span = &bytes[i..end];
        let colons = span.iter().filter(|b| **b == b':').count();
        let compressed = span.windows(2).any(|w| w == b"::");
        let has_digit = span.iter().any(u8::is_ascii_digit);
        let groups_ok = span
            .split(|b| *b == b':')
            .all(|group| group.len() <= 4 || group.contains(&b'.'));
        // Times (`10:00:00`) have two colons and no `::`; Rust paths (`std::io`) fail the word
        // boundary. What is left looks like an address.
        (colons >= 2 && (compressed || colons == 7) && has_digit && groups_ok).then_some(end)
    })
}

/// Scrubs a whole Sentry envelope (header line, then items of a header line and a payload). Every
/// JSON item is scrubbed (events and transactions with [`scrub_event`]); items that are not JSON
/// (attachments, minidumps, replays) cannot be checked and are dropped. The envelope header keeps
/// only what routing needs.
pub fn scrub_envelope(raw: &[u8], server_name: &str, known: &Known) -> Vec<u8> {
    fn line(rest: &[u8]) -> (&[u8], &[u8]) {
        match rest.iter().position(|b| *b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &[]),
        }
    }
    let (first, mut rest) = line(raw);
    let mut header = serde_json::from_slice::<Value>(first).unwrap_or(Value::Null);
    if let Value::Object(fields) = &mut header {
        fields.retain(|k, _| matches!(k.as_str(), "event_id" | "sent_at" | "dsn" | "sdk"));
        // The DSN is our own configuration, not the person's: kept as is.
        let dsn = fields.remove("dsn");
        scrub_value(&mut header, known);
        if let (Value::Object(fields), Some(dsn)) = (&mut header, dsn) {
            fields.insert("dsn".into(), dsn);
        }
    } else {
        header = Value::Object(Map::new());
    }
    let mut out = header.to_string().into_bytes();
    out.push(b'\n');
    while !rest.iter().all(u8::is_ascii_whitespace) {
        let (item_line, after) = line(rest);
        let item_header: Value = serde_json::from_slice(item_line).unwrap_or(Value::Null);
        let length = item_header
            .get("length")
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok());
        let (payload, next) = match length {
            Some(n) if n <= after.len() => {
                let (payload, tail) = after.split_at(n);
                (payload, tail.strip_prefix(b"\n").unwrap_or(tail))
            }
            _ => line(after),
        };
        rest = next;
        let kind = item_header
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Ok(mut payload) = serde_json::from_slice::<Value>(payload) else {
            continue;
        };
        if matches!(
            kind,
            "attachment" | "minidump" | "replay_recording" | "replay_video"
        ) {
            continue;
        }
        if matches!(kind, "event" | "transaction") {
            scrub_event(&mut payload, server_name, known);
        } else {
            scrub_value(&mut payload, known);
        }
        let payload = payload.to_string();
        let item_header = serde_json::json!({ "type": kind, "length": payload.len() });
        out.extend_from_slice(item_header.to_string().as_bytes());
        out.push(b'\n');
        out.extend_from_slice(payload.as_bytes());
        out.push(b'\n');
    }
    out
}

#[cfg(test)]
#[path = "scrub_tests.rs"]
mod tests;
