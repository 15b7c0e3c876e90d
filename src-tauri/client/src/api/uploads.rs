//! Uploads: images people bring in, as input for generations.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use atelier_api::uploads::Upload;
use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use reqwest::Method;

use super::generations::{ImageBytes, ImageVariant, checked_id};
use super::{ApiClient, Request};
use crate::error::ClientError;
use crate::session::SessionToken;

impl ApiClient {
    /// `POST /v1/uploads`: the image's bytes with their content type. The same bytes again are
    /// the same upload, so a lost answer is retried like a GET.
    pub async fn upload(
        &self,
        token: &SessionToken,
        bytes: bytes::Bytes,
        content_type: &str,
    ) -> Result<Upload, ClientError> {
        let request = Request::post("v1/uploads", true)
            .bytes(bytes, content_type)
            .bearer(token);
        Ok(self.call(request).await?.0)
    }

    /// [`Self::upload`], telling `progress` how many of the bytes have gone as they go (a
    /// retry starts it again from zero).
    pub async fn upload_with_progress(
        &self,
        token: &SessionToken,
        bytes: Bytes,
        content_type: &str,
        progress: Progress,
    ) -> Result<Upload, ClientError> {
        let mut request = Request::post("v1/uploads", true)
            .bytes(bytes, content_type)
            .bearer(token);
        request.progress = Some(progress);
        Ok(self.call(request).await?.0)
    }

    /// `DELETE /v1/uploads/:id`: the upload's bytes and row go; other devices learn it by sync.
    pub async fn delete_upload(&self, token: &SessionToken, id: &str) -> Result<(), ClientError> {
        let path = format!("v1/uploads/{}", checked_id(id)?);
        let request = Request::new(Method::DELETE, &path, true).bearer(token);
        self.call::<serde_json::Value>(request).await.map(|_| ())
    }

    /// `GET /v1/uploads/:id/original|thumbnail`: the bytes and their content type.
    pub async fn upload_bytes(
        &self,
        token: &SessionToken,
        id: &str,
        variant: ImageVariant,
    ) -> Result<ImageBytes, ClientError> {
        let path = format!("v1/uploads/{}/{}", checked_id(id)?, variant.as_str());
        self.stored_bytes(token, path).await
    }
}

/// Called with (bytes sent, bytes in all) as a body goes out.
pub type Progress = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// How much of a body is handed to the connection at a time: small enough that a 10 MB upload
/// moves its bar some 160 times, large enough to cost nothing.
const CHUNK: usize = 64 * 1024;

/// `bytes` as a body that reports each chunk as it is taken.
pub(super) fn with_progress(bytes: Bytes, progress: Progress) -> reqwest::Body {
    reqwest::Body::wrap(ProgressBody {
        bytes,
        sent: 0,
        progress,
    })
}

struct ProgressBody {
    bytes: Bytes,
    sent: usize,
    progress: Progress,
}

impl Body for ProgressBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let total = self.bytes.len();
        if self.sent >= total {
            return Poll::Ready(None);
        }
        let end = (self.sent + CHUNK).min(total);
        let chunk = self.bytes.slice(self.sent..end);
        self.sent = end;
        (self.progress)(end as u64, total as u64);
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.sent >= self.bytes.len()
    }

    // Exact, so the request carries a Content-Length rather than being chunked.
    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact((self.bytes.len() - self.sent) as u64)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use http_body_util::BodyExt;

    use super::*;

    #[tokio::test]
    async fn a_body_reports_every_chunk_up_to_the_whole() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let body = ProgressBody {
            bytes: Bytes::from(vec![7u8; CHUNK * 2 + 10]),
            sent: 0,
            progress: Arc::new(move |sent, total| log.lock().unwrap().push((sent, total))),
        };
        let collected = body.collect().await.unwrap().to_bytes();
        assert_eq!(collected.len(), CHUNK * 2 + 10);
        let total = (CHUNK * 2 + 10) as u64;
        assert_eq!(
            *seen.lock().unwrap(),
            vec![
                (CHUNK as u64, total),
                (2 * CHUNK as u64, total),
                (total, total)
            ]
        );
    }
}
