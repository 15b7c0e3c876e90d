//! The outbound HTTP port on reqwest (rustls). Configured upstreams go through a plain client;
//! foreign URLs (kie's results) through one that follows no redirect, uses no proxy and resolves
//! names only to addresses `foreign::allowed_address` accepts, with the URL itself checked first
//! (an address written in the URL is never looked up).

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};

use super::NativePlatform;
use crate::platform::foreign::{allowed_address, check_url};
use crate::platform::{Destination, Http, OutboundRequest, OutboundResponse, PlatformError};

/// The client for foreign URLs.
pub(super) fn foreign_client(allow_local: bool) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        // Through a proxy, the resolver below would vet the proxy, not the destination.
        .no_proxy()
        .dns_resolver(Arc::new(AllowedOnly { allow_local }))
        .build()
}

/// Resolves a name to the addresses a foreign URL may reach, dropping the others; a name with
/// none left fails to resolve (`NotAllowed`).
struct AllowedOnly {
    allow_local: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("{0} resolves to no address a foreign URL may reach")]
struct NotAllowed(String);

impl reqwest::dns::Resolve for AllowedOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_local = self.allow_local;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|addr| allowed_address(addr.ip(), allow_local))
                .collect();
            if found.is_empty() {
                return Err(Box::new(NotAllowed(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// A transport failure, or `HttpRefused` when it was our resolver that refused the destination.
fn transport_error(e: reqwest::Error) -> PlatformError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = source {
        if let Some(refused) = err.downcast_ref::<NotAllowed>() {
            return PlatformError::HttpRefused(refused.to_string());
        }
        source = err.source();
    }
    PlatformError::Http(e.without_url().to_string())
}

/// The body, or `HttpRefused` as soon as it is known to be longer than `max`.
async fn limited_body(mut response: reqwest::Response, max: u64) -> Result<Bytes, PlatformError> {
    let over = || PlatformError::HttpRefused(format!("the answer is over {max} bytes"));
    if response.content_length().is_some_and(|length| length > max) {
        return Err(over());
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if (body.len() + chunk.len()) as u64 > max {
            // Dropping the response closes the connection: the rest is never read.
            return Err(over());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

impl Http for NativePlatform {
    async fn send(&self, request: OutboundRequest) -> Result<OutboundResponse, PlatformError> {
        let client = match request.destination {
            Destination::Configured => &self.inner.http,
            Destination::Foreign => {
                check_url(&request.url, self.inner.config.allow_local_results)
                    .map_err(PlatformError::HttpRefused)?;
                &self.inner.foreign_http
            }
        };
        let mut builder = client
            .request(request.method, &request.url)
            .timeout(request.timeout);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        let response = builder.send().await.map_err(transport_error)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = match request.max_body_bytes {
            Some(max) => limited_body(response, max).await?,
            None => response.bytes().await.map_err(transport_error)?,
        };
        Ok(OutboundResponse {
            status,
            headers,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use reqwest::dns::Resolve;

    use super::*;

    #[tokio::test]
    async fn names_resolve_only_to_addresses_a_foreign_url_may_reach() {
        let name = |n: &str| reqwest::dns::Name::from_str(n).unwrap();
        // `localhost` resolves (from the hosts file) to loopback only.
        let refused = AllowedOnly { allow_local: false }
            .resolve(name("localhost"))
            .await;
        let Err(e) = refused else {
            panic!("localhost resolved to an address a result may reach")
        };
        assert!(e.to_string().contains("no address"), "{e}");
        let allowed: Vec<SocketAddr> = AllowedOnly { allow_local: true }
            .resolve(name("localhost"))
            .await
            .unwrap()
            .collect();
        assert!(!allowed.is_empty() && allowed.iter().all(|a| a.ip().is_loopback()));
    }

    #[tokio::test]
    async fn a_foreign_url_is_checked_before_connecting() {
        let client = foreign_client(false).unwrap();
        // An address written in the URL is never looked up, so the port checks it itself; here,
        // through the resolver, a refusal comes back as `HttpRefused`.
        let e = client
            .get("http://localhost:9/x.png")
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(transport_error(e), PlatformError::HttpRefused(_)),
            "not refused"
        );
    }
}
