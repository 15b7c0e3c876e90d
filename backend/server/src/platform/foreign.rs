//! What a URL someone else chose may reach (kie's result URLs and where they redirect): `https` to
//! a public address. Plain `http` and loopback addresses only when the service is told to allow
//! local results (`ATELIER_ALLOW_LOCAL_RESULTS=1`, for the simulators on 127.0.0.1); private,
//! link-local, shared, multicast and other special-purpose addresses never.
//!
//! Both runtimes check every hop's URL with [`check_url`]; the native platform also checks every
//! address a host name resolves to with [`allowed_address`], since a name can point anywhere.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

/// Whether `ip` is an ordinary address on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || a >= 240 // reserved
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier-grade NAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19))) // benchmarking
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    // An IPv4 address written as IPv6 (`::ffff:a.b.c.d`) or through NAT64 (`64:ff9b::a.b.c.d`)
    // is that IPv4 address.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let segments = ip.segments();
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [_, _, _, _, _, _, hi, lo] = segments;
        return is_public_v4(Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo)));
    }
    let first = segments[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || segments[..6] == [0; 6] // IPv4-compatible (deprecated)
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || (first & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (first == 0x2001 && segments[1] == 0x0db8)) // documentation
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Whether a foreign URL may lead to `ip`: a public address, or loopback when local results are
/// allowed.
pub fn allowed_address(ip: IpAddr, allow_local: bool) -> bool {
    is_public(ip) || (allow_local && is_loopback(ip))
}

/// Checks a URL someone else chose before anything connects to it; the parsed URL, or why not.
pub fn check_url(raw: &str, allow_local: bool) -> Result<Url, String> {
    let url = Url::parse(raw).map_err(|e| format!("not a URL ({e})"))?;
    let loopback = match url.host() {
        None => return Err("a URL without a host".into()),
        Some(Host::Ipv4(ip)) => check_ip(IpAddr::V4(ip), allow_local)?,
        Some(Host::Ipv6(ip)) => check_ip(IpAddr::V6(ip), allow_local)?,
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            let local = name == "localhost" || name.ends_with(".localhost");
            if local && !allow_local {
                return Err(format!("{name} is this machine"));
            }
            local
        }
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if allow_local && loopback => Ok(url),
        "http" => Err("plain http (only https is accepted)".into()),
        other => Err(format!("the scheme {other:?} (only https is accepted)")),
    }
}

/// `Ok(true)` for an allowed loopback address, `Ok(false)` for a public one.
fn check_ip(ip: IpAddr, allow_local: bool) -> Result<bool, String> {
    if allowed_address(ip, allow_local) {
        Ok(is_loopback(ip))
    } else {
        Err(format!("{ip} is not a public address"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn only_public_addresses_are_public() {
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
        ] {
            assert!(is_public(ip(public)), "{public}");
        }
        for special in [
            "0.0.0.0",
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "192.0.0.170",
            "198.18.0.1",
            "203.0.113.5",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fe80::1",
            "fd00::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "::a9fe:a9fe",
        ] {
            assert!(!is_public(ip(special)), "{special}");
        }
        assert!(is_public(ip("::ffff:8.8.8.8")));
        assert!(allowed_address(ip("127.0.0.1"), true));
        assert!(allowed_address(ip("::1"), true));
        assert!(!allowed_address(ip("127.0.0.1"), false));
        assert!(!allowed_address(ip("10.0.0.1"), true));
    }

    #[test]
    fn https_to_a_public_host_is_the_rule() {
        assert!(check_url("https://tempfile.aiquickdraw.com/x/1.png", false).is_ok());
        assert!(check_url("https://8.8.8.8/x.png", false).is_ok());
        for refused in [
            "http://tempfile.aiquickdraw.com/x/1.png",
            "ftp://example.com/x.png",
            "file:///etc/passwd",
            "https://169.254.169.254/latest/meta-data/",
            "https://[fe80::1]/x.png",
            "https://10.0.0.8/x.png",
            "https://127.0.0.1:8787/x.png",
            // The URL parser reads these as 127.0.0.1, as an HTTP client would.
            "https://0x7f000001/x.png",
            "https://2130706433/x.png",
            "https://localhost/x.png",
            "https://api.localhost./x.png",
            "not a url",
        ] {
            assert!(check_url(refused, false).is_err(), "{refused}");
        }
    }

    #[test]
    fn local_results_allow_http_on_loopback_only() {
        assert!(check_url("http://127.0.0.1:9000/kie/files/t/0.png", true).is_ok());
        assert!(check_url("http://localhost:9000/x.png", true).is_ok());
        assert!(check_url("http://[::1]:9000/x.png", true).is_ok());
        for refused in [
            "http://example.com/x.png",
            "http://169.254.169.254/latest/meta-data/",
            "https://192.168.0.1/x.png",
        ] {
            assert!(check_url(refused, true).is_err(), "{refused}");
        }
    }
}
