//! The outbound HTTP port on the Worker's `fetch`, with the request's own time-out: the whole
//! exchange (headers and body) races a timer, and losing the race aborts the fetch.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;

use atelier_server::platform::{Http, OutboundRequest, OutboundResponse, PlatformError};
use bytes::Bytes;
use worker::js_sys::Uint8Array;
use worker::send::SendFuture;
use worker::{AbortController, Delay, Fetch, Headers, Method, Request, RequestInit};

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
        SendFuture::new(async move {
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
                let body = response.bytes().await.map_err(|e| http_error(&e))?;
                Ok(OutboundResponse {
                    status,
                    headers,
                    body: Bytes::from(body),
                })
            };
            match race(exchange, Delay::from(request.timeout)).await {
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
