//! Who may talk to serve: the Host a request names, and the origin of a publish.
//!
//! A mock server on a developer's machine can be reached by every web page the developer
//! opens, and two attacks follow; each has a check here:
//! - DNS rebinding: a page on `evil.example` makes its name resolve to 127.0.0.1, then reads
//!   and publishes as if it were serve's own page. Its requests say `Host: evil.example`, so a
//!   serve bound to a loopback address answers only loopback names (`localhost`, `127.x.x.x`,
//!   `[::1]`, any port) and the names `--allowed-host` adds; bound to another address it checks
//!   names only when `--allowed-host` is given (as Vite and webpack-dev-server do).
//! - Cross-site publishing: any page can POST `text/plain` to 127.0.0.1 with no preflight. A
//!   publish is refused (403) when the browser says it comes from another origin: a
//!   `Sec-Fetch-Site` other than `same-origin` or `none`, or else an `Origin` whose host is not
//!   the request's, unless `--cors-origin` names that origin (Go's
//!   `net/http.CrossOriginProtection`, the same rule). Requests with neither header (curl,
//!   scripts, other servers) are not from a browser page and pass.
//!
//! Subscribing stays open to any origin: `Access-Control-Allow-Origin: *` unless
//! `--cors-origin` narrows it.
//!
//! Before either check, RFC 9112's rule: an HTTP/1.1 request with no Host, two, or one that is
//! not a host and port gets 400.

use std::net::{Ipv4Addr, Ipv6Addr};

use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{StatusCode, Uri, Version};

/// Which Host names serve answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hosts {
    /// Any (bound to a non-loopback address with no `--allowed-host`, or `--allowed-host '*'`).
    Any,
    /// Loopback names, and these (lowercase; a leading dot: the domain and its subdomains).
    Loopback(Vec<String>),
}

impl Hosts {
    /// The rule for a server bound to `bind` with these `--allowed-host` values.
    pub fn new(bind: std::net::IpAddr, allowed: &[String]) -> Hosts {
        if allowed.iter().any(|a| a == "*") || (allowed.is_empty() && !bind.is_loopback()) {
            return Hosts::Any;
        }
        Hosts::Loopback(allowed.iter().map(|a| a.to_ascii_lowercase()).collect())
    }

    fn allows(&self, host: &str) -> bool {
        let Hosts::Loopback(extra) = self else {
            return true;
        };
        let host = host.to_ascii_lowercase();
        is_loopback(&host)
            || extra.iter().any(|a| match a.strip_prefix('.') {
                Some(domain) => host == domain || host.ends_with(a.as_str()),
                None => host == *a,
            })
    }
}

/// A refusal: the status and the message for the JSON error body.
pub type Refusal = (StatusCode, String);

/// Checks the request's Host against RFC 9112 and `hosts`. Returns the authority the request
/// was sent to (`host[:port]`: the target's in absolute form or HTTP/2, else the Host header's;
/// `None` for an HTTP/1.0 request without one).
pub fn check_host(
    hosts: &Hosts,
    version: Version,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Option<String>, Refusal> {
    let bad = |msg: &str| Err((StatusCode::BAD_REQUEST, msg.to_owned()));
    let mut values = headers.get_all(header::HOST).iter();
    let host = values.next();
    if values.next().is_some() {
        return bad("a request has at most one Host header");
    }
    if host.is_none() && version == Version::HTTP_11 {
        return bad("an HTTP/1.1 request needs a Host header");
    }
    let host = match host.map(|h| h.to_str().ok().filter(|h| host_name(h).is_some())) {
        Some(None) => return bad("the Host header is not a host name and port"),
        Some(Some(h)) => Some(h),
        None => None,
    };
    let authority = uri.authority().map(|a| a.as_str()).or(host);
    let Some(authority) = authority else {
        return Ok(None);
    };
    let name = host_name(authority).unwrap_or(authority);
    if !hosts.allows(name) {
        return Err((
            StatusCode::FORBIDDEN,
            format!(
                "Host {:?} is not allowed: a serve bound to a loopback address answers only localhost, 127.x.x.x and [::1] (a web page could reach it by DNS rebinding); to serve this name, add --allowed-host {}",
                super::log::clipped(authority),
                super::log::clipped(name)
            ),
        ));
    }
    Ok(Some(authority.to_owned()))
}

/// The host of `host[:port]` (an IPv6 address keeps its brackets), or `None` when it is not
/// one (RFC 3986's reg-name or IP literal, and digits for the port).
pub fn host_name(authority: &str) -> Option<&str> {
    let (host, port) = match authority.strip_prefix('[') {
        Some(rest) => {
            let (v6, after) = rest.split_once(']')?;
            v6.parse::<Ipv6Addr>().ok()?;
            (&authority[..v6.len() + 2], after.strip_prefix(':'))
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let after_v6 = authority.len() > host.len() && port.is_none();
    if after_v6 || !port.unwrap_or("").bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let reg_name = |b: u8| b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=".contains(&b);
    (host.starts_with('[') || host.bytes().all(reg_name)).then_some(host)
}

/// `localhost`, an IPv4 address in 127.0.0.0/8, or `[::1]` (lowercase).
fn is_loopback(host: &str) -> bool {
    if host == "localhost" {
        return true;
    }
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return v6.parse::<Ipv6Addr>().is_ok_and(|ip| {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        });
    }
    host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether `--cors-origin` lets every origin in (none given, or `*`).
pub fn any_origin(cors_origins: &[String]) -> bool {
    cors_origins.is_empty() || cors_origins.iter().any(|o| o == "*")
}

/// `origin` when `--cors-origin` names it (or is `*`).
pub fn listed_origin<'a>(
    cors_origins: &[String],
    origin: Option<&'a HeaderValue>,
) -> Option<&'a HeaderValue> {
    let origin = origin?;
    let text = origin.to_str().ok()?;
    cors_origins
        .iter()
        .any(|o| o == "*" || o.trim_end_matches('/').eq_ignore_ascii_case(text))
        .then_some(origin)
}

/// Refuses a publish that a browser sent from another origin, unless `--cors-origin` lists
/// it. `authority` is the one [`check_host`] returned.
pub fn check_publish(
    cors_origins: &[String],
    headers: &HeaderMap,
    authority: Option<&str>,
) -> Result<(), Refusal> {
    let origin = headers.get(header::ORIGIN);
    if listed_origin(cors_origins, origin).is_some() {
        return Ok(());
    }
    let same = match headers.get("sec-fetch-site").map(HeaderValue::as_bytes) {
        Some(b"same-origin" | b"none") => true,
        Some(_) => false,
        None => origin.is_none_or(|o| same_origin(o, authority)),
    };
    if same {
        return Ok(());
    }
    let from = origin
        .and_then(|o| o.to_str().ok())
        .unwrap_or("another site");
    Err((
        StatusCode::FORBIDDEN,
        format!(
            "a publish from another origin ({}) is refused: any web page could send it; allow that origin with --cors-origin",
            super::log::clipped(from)
        ),
    ))
}

/// Whether a preflight is for a publish from an origin that may not publish.
pub fn refuses_preflight(cors_origins: &[String], headers: &HeaderMap) -> bool {
    let for_publish = headers
        .get(header::ACCESS_CONTROL_REQUEST_METHOD)
        .is_some_and(|m| m.as_bytes().eq_ignore_ascii_case(b"POST"));
    for_publish && listed_origin(cors_origins, headers.get(header::ORIGIN)).is_none()
}

/// Whether the `Origin` header names the host and port the request was sent to.
fn same_origin(origin: &HeaderValue, authority: Option<&str>) -> bool {
    let Some(authority) = authority else {
        return false;
    };
    let origin = origin.to_str().unwrap_or_default();
    origin
        .split_once("://")
        .is_some_and(|(_, host)| host.eq_ignore_ascii_case(authority))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_are_split_from_ports_and_checked() {
        assert_eq!(host_name("a.example:80"), Some("a.example"));
        assert_eq!(host_name("a.example"), Some("a.example"));
        assert_eq!(host_name("[::1]:8080"), Some("[::1]"));
        assert_eq!(host_name("[::1]"), Some("[::1]"));
        assert_eq!(host_name(""), Some(""));
        for bad in ["a b", "a/b", "a:b", "[::1]x", "[zz]", "a@b", "a:1:2", "é"] {
            assert_eq!(host_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn loopback_names_and_allowed_hosts_are_answered() {
        let hosts = Hosts::new(
            "127.0.0.1".parse().unwrap(),
            &[".test".into(), "Dev.Example".into()],
        );
        for yes in [
            "localhost",
            "127.0.0.1",
            "127.255.0.9",
            "[::1]",
            "[::ffff:127.0.0.1]",
            "a.test",
            "test",
            "dev.example",
        ] {
            assert!(hosts.allows(yes), "{yes}");
        }
        for no in [
            "",
            "10.0.0.1",
            "localhost.evil",
            "atest",
            "dev.example.evil",
            "[::2]",
            "0.0.0.0",
        ] {
            assert!(!hosts.allows(no), "{no}");
        }
        assert_eq!(Hosts::new("0.0.0.0".parse().unwrap(), &[]), Hosts::Any);
        assert_eq!(
            Hosts::new("::1".parse().unwrap(), &["*".into()]),
            Hosts::Any
        );
    }
}
