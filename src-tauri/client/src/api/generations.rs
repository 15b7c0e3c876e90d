//! Models, conversations, generations and image bytes: one method per route.
//!
//! Creating a generation is not idempotent by itself, so it carries an [`IdempotencyKey`] made
//! once per user action: the same key sent again (after a lost answer, or a retry the person
//! asks for) returns the same generation and charges nothing, so that POST is retried like a GET.

use atelier_api::conversations::{
    Conversation, ConversationPage, NewConversation, RenameConversation,
};
use atelier_api::generations::{Generation, GenerationPage, NewGeneration};
use atelier_api::models::ModelList;
use reqwest::Method;
use reqwest::header::CONTENT_TYPE;

use super::{ApiClient, Request, decode_error, transport_error};
use crate::error::ClientError;
use crate::session::SessionToken;

/// The `Idempotency-Key` of one user action: 128 random bits in hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// A fresh key for a new action.
    pub fn new() -> Self {
        let mut bytes = [0u8; 16];
        // getrandom only fails when the OS has no entropy source at all; fall back to the clock
        // and a counter, which still keeps keys of one process distinct.
        if getrandom::getrandom(&mut bytes).is_err() {
            use std::sync::atomic::{AtomicU64, Ordering};
            static COUNTER: AtomicU64 = AtomicU64::new(0);
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or_default();
            bytes[..8].copy_from_slice(&now.to_le_bytes());
            bytes[8..].copy_from_slice(&COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
        }
        Self(hex::encode(bytes))
    }

    /// A key the caller already holds (the UI keeps one per attempt); checked for the service's
    /// rule of 1–128 visible ASCII characters.
    pub fn parse(key: &str) -> Result<Self, ClientError> {
        let ok = !key.is_empty()
            && key.len() <= atelier_api::generations::MAX_IDEMPOTENCY_KEY_LEN
            && key.bytes().all(|b| b.is_ascii_graphic());
        if ok {
            Ok(Self(key.to_owned()))
        } else {
            Err(ClientError::api(
                atelier_api::ErrorCode::IdempotencyKeyRequired,
                "the idempotency key must be 1–128 visible characters",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for IdempotencyKey {
    fn default() -> Self {
        Self::new()
    }
}

/// Which file of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageVariant {
    Original,
    Thumbnail,
}

impl ImageVariant {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Original => "original",
            Self::Thumbnail => "thumbnail",
        }
    }
}

/// The bytes of an image and their type.
#[derive(Debug, Clone)]
pub struct ImageBytes {
    pub content_type: String,
    pub bytes: bytes::Bytes,
}

/// An image, generation or conversation id as the service takes them.
pub use atelier_api::is_record_id as is_valid_id;

pub(super) fn checked_id(id: &str) -> Result<&str, ClientError> {
    if is_valid_id(id) {
        Ok(id)
    } else {
        Err(ClientError::api(
            atelier_api::ErrorCode::NotFound,
            "no such item",
        ))
    }
}

pub(super) fn with_cursor(path: &str, cursor: Option<&str>) -> String {
    match cursor {
        Some(c) => {
            let encoded: String = url::form_urlencoded::byte_serialize(c.as_bytes()).collect();
            format!("{path}?cursor={encoded}")
        }
        None => path.to_owned(),
    }
}

impl ApiClient {
    /// `GET /v1/models`.
    pub async fn models(&self, token: &SessionToken) -> Result<ModelList, ClientError> {
        Ok(self.call(Request::get("v1/models").bearer(token)).await?.0)
    }

    /// `GET /v1/conversations`, one page, most recently updated first.
    pub async fn conversations(
        &self,
        token: &SessionToken,
        cursor: Option<&str>,
    ) -> Result<ConversationPage, ClientError> {
        let path = with_cursor("v1/conversations", cursor);
        Ok(self.call(Request::get(&path).bearer(token)).await?.0)
    }

    /// `POST /v1/conversations`. Not retried: a second POST would make a second conversation.
    pub async fn create_conversation(
        &self,
        token: &SessionToken,
        title: Option<&str>,
    ) -> Result<Conversation, ClientError> {
        let body = NewConversation {
            title: title.map(str::to_owned),
        };
        let request = Request::post("v1/conversations", false)
            .json(&body)?
            .bearer(token);
        Ok(self.call(request).await?.0)
    }

    /// `PATCH /v1/conversations/:id`.
    pub async fn rename_conversation(
        &self,
        token: &SessionToken,
        id: &str,
        title: &str,
    ) -> Result<Conversation, ClientError> {
        let path = format!("v1/conversations/{}", checked_id(id)?);
        let body = RenameConversation {
            title: title.to_owned(),
        };
        let request = Request::patch(&path).json(&body)?.bearer(token);
        Ok(self.call(request).await?.0)
    }

    /// `DELETE /v1/conversations/:id`, with its generations and images. Retried: deleting twice
    /// leaves it as deleted once (a repeat may meet `not_found`, which callers read as done).
    pub async fn delete_conversation(
        &self,
        token: &SessionToken,
        id: &str,
    ) -> Result<(), ClientError> {
        let path = format!("v1/conversations/{}", checked_id(id)?);
        let request = Request::new(Method::DELETE, &path, true).bearer(token);
        self.call::<serde_json::Value>(request).await.map(|_| ())
    }

    /// `POST /v1/generations` under `key`. Retried on transport failures and transient answers:
    /// the key makes a repeat return the same generation without a second charge.
    pub async fn create_generation(
        &self,
        token: &SessionToken,
        key: &IdempotencyKey,
        body: &NewGeneration,
    ) -> Result<Generation, ClientError> {
        let request = Request::post("v1/generations", true)
            .json(body)?
            .bearer(token)
            .idempotency_key(key.as_str());
        Ok(self.call(request).await?.0)
    }

    /// `GET /v1/generations/:id`.
    pub async fn generation(
        &self,
        token: &SessionToken,
        id: &str,
    ) -> Result<Generation, ClientError> {
        let path = format!("v1/generations/{}", checked_id(id)?);
        Ok(self.call(Request::get(&path).bearer(token)).await?.0)
    }

    /// `GET /v1/conversations/:id/generations?cursor=`: one page of a conversation's
    /// generations, newest first; `next_cursor` pages to older ones.
    pub async fn list_generations(
        &self,
        token: &SessionToken,
        conversation_id: &str,
        cursor: Option<&str>,
    ) -> Result<GenerationPage, ClientError> {
        let path = format!(
            "v1/conversations/{}/generations",
            checked_id(conversation_id)?
        );
        let path = with_cursor(&path, cursor);
        Ok(self.call(Request::get(&path).bearer(token)).await?.0)
    }

    /// `GET /v1/images/:id/original|thumbnail`: the bytes and their content type.
    pub async fn image(
        &self,
        token: &SessionToken,
        id: &str,
        variant: ImageVariant,
    ) -> Result<ImageBytes, ClientError> {
        let path = format!("v1/images/{}/{}", checked_id(id)?, variant.as_str());
        self.stored_bytes(token, path).await
    }

    /// Image bytes at `path` (an image's or an upload's variant), with their content type.
    pub(super) async fn stored_bytes(
        &self,
        token: &SessionToken,
        path: String,
    ) -> Result<ImageBytes, ClientError> {
        let url = self
            .base
            .join(&path)
            .map_err(|_| ClientError::BadUrl(path.clone()))?;
        let response = self
            .http
            .get(url.clone())
            .bearer_auth(token.expose())
            .send()
            .await
            .map_err(|e| transport_error(&url, &e))?;
        if !response.status().is_success() {
            return Err(decode_error(response).await);
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_owned();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ClientError::Protocol(format!("reading the image: {e}")))?;
        Ok(ImageBytes {
            content_type,
            bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_fresh_hex_and_parse_checks_the_rule() {
        let a = IdempotencyKey::new();
        let b = IdempotencyKey::new();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 32);
        assert!(IdempotencyKey::parse(a.as_str()).is_ok());
        assert!(IdempotencyKey::parse("").is_err());
        assert!(IdempotencyKey::parse("has space").is_err());
        assert!(IdempotencyKey::parse(&"x".repeat(129)).is_err());
    }

    #[test]
    fn ids_are_32_lowercase_hex() {
        assert!(is_valid_id("0123456789abcdef0123456789abcdef"));
        assert!(!is_valid_id("0123456789abcdef0123456789abcdeg"));
        assert!(!is_valid_id("../../etc/passwd"));
        assert!(!is_valid_id(""));
    }

    #[test]
    fn cursors_are_encoded() {
        assert_eq!(with_cursor("p", None), "p");
        assert_eq!(with_cursor("p", Some("a b&c")), "p?cursor=a+b%26c");
    }
}
