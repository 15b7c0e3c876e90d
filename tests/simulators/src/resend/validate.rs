//! Checks a send-email body the way Resend does and turns it into an email. Statuses and names
//! follow the error table in the reference: a missing field is `422 missing_required_field`, a
//! bad `from` is `403 invalid_from_address`, bad recipients or fields are `422 invalid_parameter`.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::{ResendError, Tag};

/// The most recipients Resend takes in one of `to`, `cc`, `bcc`.
pub(crate) const MAX_RECIPIENTS: usize = 50;

/// A valid email, before it gets an id.
#[derive(Debug)]
pub(crate) struct Draft {
    pub(crate) from: String,
    pub(crate) to: Vec<String>,
    pub(crate) cc: Vec<String>,
    pub(crate) bcc: Vec<String>,
    pub(crate) reply_to: Vec<String>,
    pub(crate) subject: String,
    pub(crate) html: Option<String>,
    pub(crate) text: Option<String>,
    pub(crate) headers: BTreeMap<String, String>,
    pub(crate) tags: Vec<Tag>,
    pub(crate) attachments: Vec<Value>,
    pub(crate) scheduled_at: Option<String>,
}

const ADDRESS_FORMAT: &str = "The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.";

fn missing(field: &str) -> ResendError {
    ResendError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "missing_required_field",
        format!("Missing `{field}` field."),
    )
}

fn invalid(message: impl Into<String>) -> ResendError {
    ResendError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_parameter",
        message,
    )
}

/// The bare address inside `Name <addr>` or `addr`, if the whole string is well formed.
pub(crate) fn address_of(mailbox: &str) -> Option<&str> {
    let mailbox = mailbox.trim();
    let addr = match mailbox.rfind('<') {
        Some(start) => {
            let inner = mailbox.get(start + 1..)?.strip_suffix('>')?;
            let name = mailbox.get(..start)?;
            if name.contains(['<', '>']) {
                return None;
            }
            inner.trim()
        }
        None => mailbox,
    };
    let (local, domain) = addr.split_once('@')?;
    let well_formed = !local.is_empty()
        && !domain.contains('@')
        && !addr
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty());
    well_formed.then_some(addr)
}

/// `to`, `cc`, `bcc`, `reply_to`: a string or an array of strings.
fn recipients(
    fields: &Map<String, Value>,
    field: &str,
    required: bool,
) -> Result<Vec<String>, ResendError> {
    let list = match fields.get(field) {
        None | Some(Value::Null) if required => return Err(missing(field)),
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::String(one)) => vec![one.clone()],
        Some(Value::Array(many)) => many
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                invalid(format!(
                    "Invalid `{field}` field. It must be a string or an array of strings."
                ))
            })?,
        Some(_) => {
            return Err(invalid(format!(
                "Invalid `{field}` field. It must be a string or an array of strings."
            )));
        }
    };
    if list.is_empty() && required {
        return Err(missing(field));
    }
    if list.len() > MAX_RECIPIENTS {
        return Err(invalid(format!(
            "Too many recipients in `{field}`: the maximum is {MAX_RECIPIENTS}."
        )));
    }
    if list.iter().any(|a| address_of(a).is_none()) {
        return Err(invalid(format!(
            "Invalid `{field}` field. {ADDRESS_FORMAT}"
        )));
    }
    Ok(list)
}

fn optional_string(
    fields: &Map<String, Value>,
    field: &str,
) -> Result<Option<String>, ResendError> {
    match fields.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(format!(
            "Invalid `{field}` field. It must be a string."
        ))),
    }
}

fn tag_part_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 256
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Validates one email object. `batch` refuses what `/emails/batch` does not support.
pub(crate) fn draft(value: &Value, batch: bool) -> Result<Draft, ResendError> {
    let Some(fields) = value.as_object() else {
        return Err(ResendError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
            "The email must be a JSON object.",
        ));
    };
    let from = match fields.get("from") {
        None | Some(Value::Null) => return Err(missing("from")),
        Some(Value::String(from)) if address_of(from).is_some() => from.clone(),
        Some(_) => {
            return Err(ResendError::new(
                StatusCode::FORBIDDEN,
                "invalid_from_address",
                format!("Invalid `from` field. {ADDRESS_FORMAT}"),
            ));
        }
    };
    let to = recipients(fields, "to", true)?;
    let subject = optional_string(fields, "subject")?.ok_or_else(|| missing("subject"))?;
    let html = optional_string(fields, "html")?;
    let text = optional_string(fields, "text")?;
    if html.is_none() && text.is_none() {
        return Err(missing("html` or `text"));
    }
    let cc = recipients(fields, "cc", false)?;
    let bcc = recipients(fields, "bcc", false)?;
    let reply_to = recipients(fields, "reply_to", false)?;

    let headers = match fields.get("headers") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
            .collect::<Option<BTreeMap<_, _>>>()
            .ok_or_else(|| invalid("Invalid `headers` field. Header values must be strings."))?,
        Some(_) => return Err(invalid("Invalid `headers` field. It must be an object.")),
    };

    let tags = match fields.get("tags") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let mut tags = Vec::with_capacity(items.len());
            for item in items {
                let name = item.get("name").and_then(Value::as_str).unwrap_or_default();
                let value = item
                    .get("value")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if !tag_part_ok(name) || !(value.is_empty() || tag_part_ok(value)) {
                    return Err(invalid(
                        "Invalid `tags` field. Tag names and values may only contain ASCII letters, numbers, underscores, or dashes.",
                    ));
                }
                tags.push(Tag {
                    name: name.to_owned(),
                    value: value.to_owned(),
                });
            }
            tags
        }
        Some(_) => return Err(invalid("Invalid `tags` field. It must be an array.")),
    };

    let attachments = match fields.get("attachments") {
        None | Some(Value::Null) => Vec::new(),
        Some(_) if batch => return Err(invalid("Attachments are not supported in batch sending.")),
        Some(Value::Array(items)) => {
            let ok = items.iter().all(|a| {
                a.get("content").is_some_and(Value::is_string)
                    || a.get("path").is_some_and(Value::is_string)
            });
            if !ok {
                return Err(ResendError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_attachment",
                    "Attachment must have either a `content` or `path`.",
                ));
            }
            items.clone()
        }
        Some(_) => return Err(invalid("Invalid `attachments` field. It must be an array.")),
    };

    let scheduled_at = optional_string(fields, "scheduled_at")?;
    if batch && scheduled_at.is_some() {
        return Err(invalid("Scheduling is not supported in batch sending."));
    }

    Ok(Draft {
        from,
        to,
        cc,
        bcc,
        reply_to,
        subject,
        html,
        text,
        headers,
        tags,
        attachments,
        scheduled_at,
    })
}

#[cfg(test)]
mod tests {
    use super::address_of;

    #[test]
    fn addresses() {
        assert_eq!(address_of("a@b.co"), Some("a@b.co"));
        assert_eq!(
            address_of("Atelier <login@mail.example.com>"),
            Some("login@mail.example.com")
        );
        assert_eq!(address_of("\"A, B\" <x@y.io>"), Some("x@y.io"));
        assert_eq!(address_of("nope"), None);
        assert_eq!(address_of("a@b"), None);
        assert_eq!(address_of("a b@c.d"), None);
        assert_eq!(address_of("Name <a@b.co"), None);
        assert_eq!(address_of("a@@b.co"), None);
    }
}
