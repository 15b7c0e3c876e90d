//! Credits as the desktop shows them: the service's balance and ledger whenever it answers, the
//! copy sync keeps in the cache when it cannot be reached; and the link a finished checkout
//! sends the person back with.

use atelier_api::ErrorCode;
use atelier_api::credits::{LEDGER_PAGE_SIZE, LedgerPage};
use serde::Serialize;
use url::Url;

use crate::auth::Auth;
use crate::cache::Cache;
use crate::cache::credits::LedgerMark;
use crate::error::ClientError;

/// A checkout on its way: the browser shows the payment page (`opened`), or could not be
/// started, and the UI offers the address instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CheckoutStarted {
    pub checkout_id: String,
    pub checkout_url: String,
    pub opened: bool,
}

/// Starts a checkout of `pack` and hands its address to `open` (the system browser), which says
/// whether it opened. Paying there is not the end: the credits come with the service's webhook.
pub async fn buy(
    auth: &Auth,
    pack: &str,
    open: impl FnOnce(&str) -> bool,
) -> Result<CheckoutStarted, ClientError> {
    // The client checked the address: https, or http on this computer.
    let checkout = auth.api().checkout(&auth.token().await?, pack).await?;
    let opened = open(&checkout.checkout_url);
    Ok(CheckoutStarted {
        checkout_id: checkout.checkout_id,
        checkout_url: checkout.checkout_url,
        opened,
    })
}

/// Cursors of pages read from the cache start with this, so the next page is read there too.
const CACHED_CURSOR: &str = "cached:";

/// The balance: the service's; offline, the sum of the ledger this device last synced (the
/// offline error itself when nothing was synced yet).
pub async fn balance(auth: &Auth, cache: Option<&Cache>) -> Result<i64, ClientError> {
    let online = match auth.token().await {
        Ok(token) => auth.api().balance(&token).await.map(|b| b.balance),
        Err(e) => Err(e),
    };
    match (online, cache) {
        (Err(e), Some(cache)) if e.code() == ErrorCode::Offline => {
            cache.credit_balance().await?.ok_or(e)
        }
        (result, _) => result,
    }
}

/// One page of the ledger, newest first. The first page comes from the service, or offline
/// from the cache; later pages from wherever the first came from (the cursor says which).
pub async fn ledger(
    auth: &Auth,
    cache: Option<&Cache>,
    cursor: Option<&str>,
) -> Result<LedgerPage, ClientError> {
    if let Some(mark) = cursor.and_then(|c| c.strip_prefix(CACHED_CURSOR)) {
        let cache = cache.ok_or_else(invalid_cursor)?;
        return cached_page(cache, Some(&parse_mark(mark)?)).await;
    }
    let token = auth.token().await?;
    match auth.api().ledger(&token, cursor).await {
        Err(e) if e.code() == ErrorCode::Offline && cursor.is_none() => match cache {
            Some(cache) if cache.credit_balance().await?.is_some() => {
                cached_page(cache, None).await
            }
            _ => Err(e),
        },
        other => other,
    }
}

async fn cached_page(cache: &Cache, after: Option<&LedgerMark>) -> Result<LedgerPage, ClientError> {
    let (entries, next) = cache.credit_ledger(after, LEDGER_PAGE_SIZE).await?;
    Ok(LedgerPage {
        entries,
        next_cursor: next.map(|m| format!("{CACHED_CURSOR}{}:{}", m.created_at, m.id)),
    })
}

fn invalid_cursor() -> ClientError {
    ClientError::api(ErrorCode::InvalidCursor, "not a cursor of this ledger")
}

fn parse_mark(mark: &str) -> Result<LedgerMark, ClientError> {
    let (at, id) = mark.split_once(':').ok_or_else(invalid_cursor)?;
    Ok(LedgerMark {
        created_at: at.parse().map_err(|_| invalid_cursor())?,
        id: id.to_owned(),
    })
}

/// Whether `link` is `atelier://billing/return`, where the service's page after a checkout
/// sends the person. It proves nothing (anyone can open it): it only says "look again now".
/// Parameters are allowed and ignored; another host or path, credentials, a port or a fragment
/// are not this link.
pub fn is_checkout_return_link(link: &str) -> bool {
    if link.len() > 2048 {
        return false;
    }
    let Ok(url) = Url::parse(link) else {
        return false;
    };
    url.scheme() == crate::auth::SCHEME
        && url
            .host_str()
            .is_some_and(|h| h.eq_ignore_ascii_case("billing"))
        && matches!(url.path(), "/return" | "/return/")
        && url.username().is_empty()
        && url.password().is_none()
        && url.port().is_none()
        && url.fragment().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checkout_return_link_is_recognised_and_nothing_else() {
        for ok in [
            "atelier://billing/return",
            "atelier://billing/return/",
            "ATELIER://BILLING/return",
            "atelier://billing/return?checkout_id=ch_1&signature=abc",
        ] {
            assert!(is_checkout_return_link(ok), "{ok}");
        }
        for not in [
            "atelier://billing",
            "atelier://billing/",
            "atelier://billing/return/more",
            "atelier://billing/returns",
            "atelier://billing.evil/return",
            "atelier://user@billing/return",
            "atelier://billing:8080/return",
            "atelier://billing/return#x",
            "atelier://auth?token=abcdefabcdefabcdefabcdef",
            "https://billing/return",
            "not a link",
            "",
        ] {
            assert!(!is_checkout_return_link(not), "{not}");
        }
    }

    #[test]
    fn cached_cursors_round_trip_and_others_are_refused() {
        let mark = parse_mark("1700000000000:abc").ok();
        assert_eq!(
            mark,
            Some(LedgerMark {
                created_at: 1_700_000_000_000,
                id: "abc".into()
            })
        );
        assert!(parse_mark("nonsense").is_err());
        assert!(parse_mark("x:abc").is_err());
    }
}
