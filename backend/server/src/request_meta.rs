//! Who is asking: the client IP and user agent, as the runtime reports them.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::platform::Platform;

/// The technical data of a request that rate limits and the sign-in record use.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Longest user agent kept; longer ones are cut (they are for people reading the export).
const MAX_USER_AGENT: usize = 512;

pub(crate) fn header<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The client's address in `X-Forwarded-For` (every value of the header, in order) behind `hops`
/// proxies of ours. Each proxy appends the address it was connected from, so the `hops`-th entry
/// from the right is the one our outermost proxy wrote; anything left of it is whatever the client
/// chose to send. With fewer entries than hops, nothing was prepended and the left-most is ours
/// too. `None` when there is no header, `hops` is 0, or that entry is not an IP address (a
/// port, as some proxies add, is dropped).
pub fn forwarded_client_ip<'a>(
    values: impl IntoIterator<Item = &'a str>,
    hops: u8,
) -> Option<std::net::IpAddr> {
    let entries: Vec<&str> = values
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    if hops == 0 || entries.iter().all(|e| e.is_empty()) {
        return None;
    }
    let entry = entries[entries.len() - entries.len().min(usize::from(hops))];
    entry
        .parse::<std::net::IpAddr>()
        .or_else(|_| entry.parse::<std::net::SocketAddr>().map(|a| a.ip()))
        .ok()
}

impl<P: Platform> FromRequestParts<P> for RequestMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, platform: &P) -> Result<Self, Self::Rejection> {
        // Tests run every client from one address; in test mode they name the IP they act from.
        // Only a build with the `test-hooks` feature reads the header at all.
        #[cfg(feature = "test-hooks")]
        let test_ip = platform
            .config()
            .test_mode
            .then(|| header(parts, "x-atelier-test-ip"))
            .flatten();
        #[cfg(not(feature = "test-hooks"))]
        let test_ip: Option<&str> = None;
        let ip = test_ip
            .map(str::to_owned)
            .or_else(|| platform.client_ip(parts));
        let user_agent =
            header(parts, "user-agent").map(|ua| ua.chars().take(MAX_USER_AGENT).collect());
        Ok(Self { ip, user_agent })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(values: &[&str], hops: u8) -> Option<String> {
        forwarded_client_ip(values.iter().copied(), hops).map(|ip| ip.to_string())
    }

    #[test]
    fn the_entry_our_proxy_wrote_wins_over_what_the_client_sent() {
        // The client sent "6.6.6.6"; our one proxy appended the address it saw.
        assert_eq!(
            ip(&["6.6.6.6, 203.0.113.9"], 1).as_deref(),
            Some("203.0.113.9")
        );
        assert_eq!(
            ip(&["6.6.6.6", "203.0.113.9"], 1).as_deref(),
            Some("203.0.113.9")
        );
        // Two proxies: the outer one wrote the client, the inner one the outer proxy.
        assert_eq!(
            ip(&["6.6.6.6, 203.0.113.9, 10.0.0.2"], 2).as_deref(),
            Some("203.0.113.9")
        );
        // Fewer entries than hops: nothing was prepended, the left-most is a proxy's.
        assert_eq!(ip(&["203.0.113.9"], 2).as_deref(), Some("203.0.113.9"));
    }

    #[test]
    fn ports_are_dropped_and_junk_is_no_address() {
        assert_eq!(ip(&["203.0.113.9:4711"], 1).as_deref(), Some("203.0.113.9"));
        assert_eq!(
            ip(&["[2001:db8::7]:443"], 1).as_deref(),
            Some("2001:db8::7")
        );
        assert_eq!(ip(&["2001:db8::7"], 1).as_deref(), Some("2001:db8::7"));
        assert_eq!(ip(&["1.2.3.4, unknown"], 1), None);
        assert_eq!(ip(&[""], 1), None);
        assert_eq!(ip(&[], 1), None);
        assert_eq!(ip(&["203.0.113.9"], 0), None);
    }
}

/// The key a client is limited by: its IP, or for IPv6 the /64 it belongs to (one subscriber is
/// handed a whole /64, and could otherwise take a fresh address per request).
pub fn client_key(ip: Option<&str>) -> String {
    match ip.map(str::parse::<std::net::IpAddr>) {
        Some(Ok(std::net::IpAddr::V6(v6))) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Some(Ok(ip)) => ip.to_string(),
        Some(Err(_)) => ip.unwrap_or_default().to_owned(),
        None => "unknown".to_owned(),
    }
}

#[cfg(test)]
mod client_key_tests {
    use super::client_key;

    #[test]
    fn ipv6_clients_are_their_64() {
        assert_eq!(
            client_key(Some("2001:db8:1:2:aaaa::1")),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            client_key(Some("2001:db8:1:2:ffff:ffff:ffff:ffff")),
            client_key(Some("2001:db8:1:2::7"))
        );
        assert_ne!(
            client_key(Some("2001:db8:1:3::1")),
            client_key(Some("2001:db8:1:2::1"))
        );
        assert_eq!(client_key(Some("203.0.113.9")), "203.0.113.9");
        assert_eq!(client_key(Some("::ffff:203.0.113.9")), "203.0.113.9");
        assert_eq!(client_key(None), "unknown");
    }
}
