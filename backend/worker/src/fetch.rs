//! The outbound HTTP port on the Worker's `fetch`, with the request's own time-out: the whole
//! exchange (headers and body) races a timer, and losing the race aborts the fetch. A foreign URL
//! (kie's results) is fetched with `redirect: "manual"`, so a redirect comes back to the caller,
//! which checks where it leads; a body limit is enforced while the body streams in.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;

use atelier_server::platform::foreign::check_url;
use atelier_server::platform::{
    Destination, Http, OutboundRequest, OutboundResponse, Platform, PlatformError,
};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use worker::js_sys::Uint8Array;
use worker::send::SendFuture;
use worker::{
    AbortController, Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Response,
};

use crate::platform::{WorkerPlatform, worker_error_text};

fn http_error(err: &worker::Error) -> PlatformError {
    PlatformError::Http(worker_error_text(err))
}

/// The method as `fetch` takes it; workers-rs would quietly turn an unknown method into GET.
fn method(method: &http::Method) -> Result<Method, PlatformError> {
    let converted = Method::from(method.as_str().to_owned());
    if converted.as_ref() == method.as_str() {
        Ok(converted)
    } else {
        Err(PlatformError::Invalid(format!(
            "the Worker cannot send a {method} request"
        )))
    }
}

fn build(request: &OutboundRequest) -> Result<Request, PlatformError> {
    let headers = Headers::new();
    for (name, value) in &request.headers {
        headers.append(name, value).map_err(|e| {
            PlatformError::Invalid(format!("header {name}: {}", worker_error_text(&e)))
        })?;
    }
    let mut init = RequestInit::new();
    if request.destination == Destination::Foreign {
        init.with_redirect(RequestRedirect::Manual);
    }
    init.with_method(method(&request.method)?)
        .with_headers(headers)
        .with_body(
            request
                .body
                .as_ref()
                .map(|body| Uint8Array::from(body.as_ref()).into()),
        );
    Request::new_with_init(&request.url, &init).map_err(|e| http_error(&e))
}

/// The body, or `HttpRefused` as soon as it is known to be longer than `max` (by its
/// `Content-Length`, or while it streams in: the rest is never read, the fetch is aborted).
async fn limited_body(response: &mut Response, max: u64) -> Result<Bytes, PlatformError> {
    let over = || PlatformError::HttpRefused(format!("the answer is over {max} bytes"));
    let declared = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > max) {
        return Err(over());
    }
    // A response without a body (a redirect, say) has no stream.
    let Ok(mut stream) = response.stream() else {
        return Ok(Bytes::new());
    };
    let mut body = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| http_error(&e))?;
        if (body.len() + chunk.len()) as u64 > max {
            return Err(over());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Runs `work` unless `timer` finishes first; `None` means the timer won.
async fn race<T>(work: impl Future<Output = T>, timer: impl Future<Output = ()>) -> Option<T> {
    let mut work = pin!(work);
    let mut timer = pin!(timer);
    poll_fn(|cx| {
        if let Poll::Ready(value) = work.as_mut().poll(cx) {
            return Poll::Ready(Some(value));
        }
        if timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}

impl Http for WorkerPlatform {
    fn send(
        &self,
        request: OutboundRequest,
    ) -> impl Future<Output = Result<OutboundResponse, PlatformError>> + Send {
        let allow_local = self.config().allow_local_results;
        SendFuture::new(async move {
            if request.destination == Destination::Foreign {
                check_url(&request.url, allow_local).map_err(PlatformError::HttpRefused)?;
            }
            let outbound = build(&request)?;
            let controller = AbortController::default();
            let signal = controller.signal();
            let exchange = async {
                let mut response = Fetch::Request(outbound)
                    .send_with_signal(&signal)
                    .await
                    .map_err(|e| http_error(&e))?;
                let status = response.status_code();
                let headers = response.headers().entries().collect();
                let body = match request.max_body_bytes {
                    Some(max) => limited_body(&mut response, max).await?,
                    None => Bytes::from(response.bytes().await.map_err(|e| http_error(&e))?),
                };
                Ok(OutboundResponse {
                    status,
                    headers,
                    body,
                })
            };
            match race(exchange, Delay::from(request.timeout)).await {
                Some(Err(PlatformError::HttpRefused(why))) => {
                    // Stop the body that was left unread.
                    controller.abort();
                    Err(PlatformError::HttpRefused(why))
                }
                Some(result) => result,
                None => {
                    controller.abort();
                    Err(PlatformError::Http(format!(
                        "timed out after {} ms",
                        request.timeout.as_millis()
                    )))
                }
            }
        })
    }
}
