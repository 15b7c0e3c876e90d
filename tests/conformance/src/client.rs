//! The suite's typed session client: `ctx.post(path).token(t).json(&body).send().await?` gives a
//! [`Reply`] whose body is already read, so a case states the contract it checks
//! (`.expect_status(201)?.json()?`, `.error(404, ErrorCode::NotFound)?`) and nothing else.
//! Transport failures become the case's error, naming the request.

use std::borrow::Cow;

use atelier_api::ErrorCode;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{CaseResult, Ctx, ensure};

/// Where the backend reads the client's IP from, in test mode only.
const TEST_IP_HEADER: &str = "x-atelier-test-ip";

impl Ctx {
    pub fn get(&self, path: &str) -> Request {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> Request {
        self.request(Method::POST, path)
    }

    pub fn patch(&self, path: &str) -> Request {
        self.request(Method::PATCH, path)
    }

    pub fn delete(&self, path: &str) -> Request {
        self.request(Method::DELETE, path)
    }

    /// `method` on `path` of the backend.
    pub fn request(&self, method: Method, path: &str) -> Request {
        Request {
            what: format!("{method} {path}"),
            builder: self.http.request(method, self.url(path)),
        }
    }

    /// `GET` of an absolute URL: a file the kie simulator serves, or a URL the service handed out.
    pub fn get_url(&self, url: &str) -> Request {
        self.request_url(Method::GET, url)
    }

    /// `POST` to an absolute URL the service handed out (a callback it gave kie).
    pub fn post_url(&self, url: &str) -> Request {
        self.request_url(Method::POST, url)
    }

    fn request_url(&self, method: Method, url: &str) -> Request {
        Request {
            what: format!("{method} {url}"),
            builder: self.http.request(method, url),
        }
    }
}

/// A request being built; nothing is sent until [`Request::send`]. It owns what it needs, so it
/// can be sent from a spawned task.
#[must_use = "a request does nothing until it is sent"]
pub struct Request {
    /// Method and path, for messages.
    what: String,
    builder: reqwest::RequestBuilder,
}

impl Request {
    /// Signs the request in with a bearer token.
    pub fn token(self, token: &str) -> Self {
        self.map(|b| b.bearer_auth(token))
    }

    /// Acts from client IP `ip` (`X-Atelier-Test-Ip`, honoured in test mode only).
    pub fn test_ip(self, ip: &str) -> Self {
        self.header(TEST_IP_HEADER, ip)
    }

    pub fn header(self, name: &str, value: &str) -> Self {
        self.map(|b| b.header(name, value))
    }

    /// A JSON body, with its content type.
    pub fn json<T: Serialize + ?Sized>(self, body: &T) -> Self {
        self.map(|b| b.json(body))
    }

    /// A raw body, with no content type unless one is set.
    pub fn body(self, body: impl Into<reqwest::Body>) -> Self {
        self.map(|b| b.body(body))
    }

    fn map(self, f: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder) -> Self {
        Self {
            what: self.what,
            builder: f(self.builder),
        }
    }

    /// Sends the request and reads the whole answer, whatever its status.
    pub async fn send(self) -> Result<Reply, String> {
        let what = self.what;
        let response = self
            .builder
            .send()
            .await
            .map_err(|e| format!("{what}: request failed: {e}"))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| format!("{what}: reading the answer failed: {e}"))?
            .to_vec();
        Ok(Reply {
            what,
            status,
            headers,
            body,
        })
    }
}

/// An answer, read whole.
#[derive(Debug)]
pub struct Reply {
    /// Method and path of the request, for messages.
    what: String,
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// A header's value, if it is there and readable as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    pub fn bytes(&self) -> &[u8] {
        &self.body
    }

    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The body as `T`, whatever the status.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, String> {
        serde_json::from_slice(&self.body)
            .map_err(|e| format!("{}: {e}: {}", self.what, self.text()))
    }

    /// The reply itself if it has `status`; otherwise a failure with the body.
    pub fn expect_status(self, status: u16) -> Result<Self, String> {
        ensure!(
            self.status == status,
            "{} answered {}: {}",
            self.what,
            self.status,
            self.text()
        );
        Ok(self)
    }

    /// Checks the reply is exactly the `{code, message}` envelope with `status` and `code`.
    pub fn error(&self, status: u16, code: ErrorCode) -> CaseResult {
        self.envelope(status, code)
            .map_err(|e| format!("{}: {e}", self.what))
    }

    fn envelope(&self, status: u16, code: ErrorCode) -> CaseResult {
        let body: serde_json::Value = serde_json::from_slice(&self.body)
            .map_err(|e| format!("error body is not JSON: {e}"))?;
        let got = self.status.as_u16();
        ensure!(
            got == status,
            "status {got}, expected {status}; body {body}"
        );
        let content_type = self.header("content-type").unwrap_or_default();
        ensure!(
            content_type.starts_with("application/json"),
            "content-type {content_type:?}"
        );
        let object = body
            .as_object()
            .ok_or_else(|| format!("error body is not an object: {body}"))?;
        ensure!(
            object.len() == 2,
            "envelope has other fields than code and message: {body}"
        );
        ensure!(
            object.get("code").and_then(|c| c.as_str()) == Some(code.as_str()),
            "code is not {:?}: {body}",
            code.as_str()
        );
        ensure!(
            object
                .get("message")
                .and_then(|m| m.as_str())
                .is_some_and(|m| !m.is_empty()),
            "message missing or empty: {body}"
        );
        Ok(())
    }
}
