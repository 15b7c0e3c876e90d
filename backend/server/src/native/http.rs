//! The outbound HTTP port on reqwest (rustls).

use super::NativePlatform;
use crate::platform::{Http, OutboundRequest, OutboundResponse, PlatformError};

impl Http for NativePlatform {
    async fn send(&self, request: OutboundRequest) -> Result<OutboundResponse, PlatformError> {
        let mut builder = self
            .inner
            .http
            .request(request.method, &request.url)
            .timeout(request.timeout);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        let response = builder
            .send()
            .await
            .map_err(|e| PlatformError::Http(e.without_url().to_string()))?;
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
        let body = response
            .bytes()
            .await
            .map_err(|e| PlatformError::Http(e.without_url().to_string()))?;
        Ok(OutboundResponse {
            status,
            headers,
            body,
        })
    }
}
