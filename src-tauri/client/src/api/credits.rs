//! Credits: the balance, the ledger, the packs on sale and the checkout that sells one.
//!
//! A checkout only opens a payment page: credits arrive when Creem's signed webhook reaches the
//! service, and this device hears of them through the ledger and sync, never from the browser.

use atelier_api::credits::{Balance, Checkout, CheckoutRequest, CreditPacks, LedgerPage};
use url::{Host, Url};

use super::generations::with_cursor;
use super::{ApiClient, Request};
use crate::error::ClientError;
use crate::session::SessionToken;

/// The longest checkout address accepted (Creem's are far shorter).
const MAX_CHECKOUT_URL_CHARS: usize = 2048;

impl ApiClient {
    /// `GET /v1/credits`.
    pub async fn balance(&self, token: &SessionToken) -> Result<Balance, ClientError> {
        Ok(self.call(Request::get("v1/credits").bearer(token)).await?.0)
    }

    /// `GET /v1/credits/ledger?cursor=`, newest first.
    pub async fn ledger(
        &self,
        token: &SessionToken,
        cursor: Option<&str>,
    ) -> Result<LedgerPage, ClientError> {
        let path = with_cursor("v1/credits/ledger", cursor);
        Ok(self.call(Request::get(&path).bearer(token)).await?.0)
    }

    /// `GET /v1/credits/packs`: what is on sale; empty when this service sells no credits.
    pub async fn credit_packs(&self) -> Result<CreditPacks, ClientError> {
        Ok(self.call(Request::get("v1/credits/packs")).await?.0)
    }

    /// `POST /v1/credits/checkout`: a Creem checkout for `pack`, its address checked to be a web
    /// page ([`checked_checkout_url`]) so it is safe to hand to the system browser. Not retried:
    /// a repeat would open a second checkout.
    pub async fn checkout(
        &self,
        token: &SessionToken,
        pack: &str,
    ) -> Result<Checkout, ClientError> {
        let body = CheckoutRequest {
            pack: pack.to_owned(),
        };
        let request = Request::post("v1/credits/checkout", false)
            .json(&body)?
            .bearer(token);
        let checkout: Checkout = self.call(request).await?.0;
        checked_checkout_url(&checkout.checkout_url)?;
        Ok(checkout)
    }
}

/// The checkout address as the system browser may be given it: `https`, or `http` on this
/// computer only (the simulated Creem of development and tests); no credentials, nothing else.
/// Whatever the service sends goes to the OS opener, which would as happily start a local
/// program for a `file:` address or another app for its own scheme.
pub fn checked_checkout_url(raw: &str) -> Result<Url, ClientError> {
    let refuse = || {
        ClientError::Protocol(format!(
            "the checkout address is not a web page: {:.80?}",
            raw
        ))
    };
    if raw.len() > MAX_CHECKOUT_URL_CHARS {
        return Err(refuse());
    }
    let url = Url::parse(raw).map_err(|_| refuse())?;
    let loopback = match url.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    let allowed = match url.scheme() {
        "https" => url.host().is_some(),
        "http" => loopback,
        _ => false,
    };
    if !allowed || !url.username().is_empty() || url.password().is_some() {
        return Err(refuse());
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkout_pages_on_the_web_or_this_computer_are_accepted() {
        for ok in [
            "https://checkout.creem.io/ch_123?x=1",
            "https://creem.io/test/checkout/prod_1/ch_1",
            "http://127.0.0.1:40123/checkout/ch_1",
            "http://localhost:8080/checkout/ch_1",
            "http://[::1]:8080/checkout",
        ] {
            assert!(checked_checkout_url(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn anything_the_os_would_open_otherwise_is_refused() {
        for bad in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "atelier://auth?token=abcdefabcdefabcdefabcdef",
            "http://checkout.creem.io/ch_1",
            "http://192.168.1.4/checkout",
            "https://user:pw@checkout.creem.io/ch_1",
            "https://user@checkout.creem.io/ch_1",
            "smb://server/share",
            "/relative/path",
            "",
        ] {
            let code = checked_checkout_url(bad).err().map(|e| e.code().as_str());
            assert_eq!(code, Some("internal"), "{bad}");
        }
        let long = format!("https://checkout.creem.io/{}", "a".repeat(3000));
        assert!(checked_checkout_url(&long).is_err());
    }
}
