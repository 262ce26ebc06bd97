//! The private-network guard: which URLs and addresses vigia may reach.
//!
//! A feed URL comes from a config file or, worse, from a redirect chosen by a
//! remote server, so the guard must never trust URL *text*. It works in three
//! places, because each one sees something the others cannot:
//!
//! 1. [`check_url`] at config load: scheme allowlist and userinfo tricks.
//! 2. [`Guard::check_target`] before every request and on every redirect hop
//!    (called from the reqwest redirect policy): scheme, userinfo and
//!    IP-literal hosts, which never reach a resolver.
//! 3. [`GuardedResolver`], reqwest's DNS resolver: it drops non-public answers,
//!    so the address actually dialled is checked, not the name.
//!
//! `allowed_private` lists exact `host:port` pairs that are always allowed (a
//! test server, the demo, one internal host). A name listed there may resolve
//! to a private address, but only on the listed ports: the resolver cannot see
//! the port, so the URL check refuses other ports of such a name.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use super::FetchError;

/// Schemes vigia fetches.
pub const ALLOWED_SCHEMES: [&str; 2] = ["http", "https"];

/// Validates a source URL when the configuration is loaded: http/https only
/// (any case) and no userinfo or `\`/`@` tricks in the authority.
pub fn check_url(raw: &str) -> Result<Url, FetchError> {
    let text = raw.trim();
    if text.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(FetchError::InvalidUrl {
            url: text.to_owned(),
            reason: "it contains spaces or control characters".to_owned(),
        });
    }
    // Look at the scheme before parsing, so `javascript:` or `data:` get the
    // scheme error even when they would not parse as URLs.
    if let Some((scheme, _)) = text.split_once(':') {
        let scheme = scheme.to_ascii_lowercase();
        if scheme.contains('.') && !text.contains("://") {
            return Err(FetchError::InvalidUrl {
                url: text.to_owned(),
                reason: "it has no scheme".to_owned(),
            });
        }
        if !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            && !ALLOWED_SCHEMES.contains(&scheme.as_str())
        {
            return Err(FetchError::SchemeNotAllowed { scheme });
        }
    }
    // Parsers disagree about `\` and `@` in the authority (WHATWG reads
    // `http://127.0.0.1\@example.com/` as host 127.0.0.1, others as
    // example.com), so any of them there is refused outright.
    if let Some((_, rest)) = text.split_once("://") {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.contains(['@', '\\']) {
            return Err(FetchError::UserInfoNotAllowed {
                url: text.to_owned(),
            });
        }
    }
    let url = Url::parse(text).map_err(|e| FetchError::InvalidUrl {
        url: text.to_owned(),
        reason: e.to_string(),
    })?;
    check_shape(&url)?;
    Ok(url)
}

/// Scheme, userinfo and host presence of an already parsed URL.
fn check_shape(url: &Url) -> Result<(), FetchError> {
    if !ALLOWED_SCHEMES.contains(&url.scheme()) {
        return Err(FetchError::SchemeNotAllowed {
            scheme: url.scheme().to_owned(),
        });
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FetchError::UserInfoNotAllowed {
            url: url.to_string(),
        });
    }
    if url.host().is_none() {
        return Err(FetchError::InvalidUrl {
            url: url.to_string(),
            reason: "it has no host".to_owned(),
        });
    }
    Ok(())
}

/// True for any address that is not plainly public unicast: loopback,
/// private (RFC 1918), CGNAT, link-local (incl. cloud metadata), unique-local,
/// multicast, unspecified, broadcast, documentation and reserved ranges, and
/// IPv6 forms that embed such an IPv4 address.
pub fn is_non_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_non_public_v4(v4),
        IpAddr::V6(v6) => is_non_public_v6(v6),
    }
}

fn is_non_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking 198.18/15
        || a >= 240 // reserved 240/4
}

fn is_non_public_v6(ip: Ipv6Addr) -> bool {
    let seg = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_non_public_v4(v4);
    }
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (seg[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (seg[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (seg[0] & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated)
        || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation
        || (seg[0] == 0x0100 && seg[1..4] == [0, 0, 0]) // discard 100::/64
        // IPv4-compatible ::a.b.c.d (deprecated)
        || (seg[..6] == [0, 0, 0, 0, 0, 0])
        // NAT64 64:ff9b::/96 and 6to4 2002::/16 carry an IPv4 address
        || (seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] && is_non_public_v4(embedded(seg[6], seg[7])))
        || (seg[0] == 0x2002 && is_non_public_v4(embedded(seg[1], seg[2])))
}

/// What the settings allow beyond public addresses.
#[derive(Debug, Clone, Default)]
pub(crate) struct Guard {
    /// `allow_private_networks = true`: everything is allowed.
    all: bool,
    /// Exact `host:port` pairs always allowed (lower-case, IPv6 in brackets).
    exact: HashSet<String>,
    /// The host parts of `exact`, so the resolver may return private answers for them.
    hosts: HashSet<String>,
}

impl Guard {
    /// Builds the guard from the settings' switches; a malformed
    /// `allowed_private` entry is an error, not silently ignored.
    pub(crate) fn new(all: bool, allowed: &[String]) -> Result<Guard, FetchError> {
        let mut exact = HashSet::new();
        let mut hosts = HashSet::new();
        for entry in allowed {
            let text = entry.trim().to_ascii_lowercase();
            let bad = |reason: &str| FetchError::InvalidUrl {
                url: entry.clone(),
                reason: format!("{reason}; `allowed_private` entries are `host:port`"),
            };
            if text.is_empty() || text.contains(['/', '@', '\\', '?', '#']) {
                return Err(bad("not a plain host:port"));
            }
            // Normalise through the URL parser so `[::1]:80` and `LOCALHOST:80` match.
            let url = Url::parse(&format!("http://{text}/")).map_err(|e| bad(&e.to_string()))?;
            let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
                return Err(bad("no host"));
            };
            exact.insert(format!("{host}:{port}"));
            hosts.insert(
                host.trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_owned(),
            );
        }
        Ok(Guard { all, exact, hosts })
    }

    /// Whether `host:port` of this URL is listed in `allowed_private`.
    fn is_exact(&self, url: &Url) -> bool {
        match (url.host_str(), url.port_or_known_default()) {
            (Some(host), Some(port)) => self.exact.contains(&format!("{host}:{port}")),
            _ => false,
        }
    }

    /// Checks a URL about to be requested, or a redirect target.
    pub(crate) fn check_target(&self, url: &Url) -> Result<(), FetchError> {
        check_shape(url)?;
        if self.all || self.is_exact(url) {
            return Ok(());
        }
        let addr = || match (url.host_str(), url.port_or_known_default()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            _ => url.to_string(),
        };
        match url.host() {
            Some(Host::Ipv4(ip)) if is_non_public_v4(ip) => {
                Err(FetchError::PrivateAddress { addr: addr() })
            }
            Some(Host::Ipv6(ip)) if is_non_public_v6(ip) => {
                Err(FetchError::PrivateAddress { addr: addr() })
            }
            // A name allowed on some port is private-capable: other ports are refused.
            Some(Host::Domain(name)) if self.hosts.contains(&name.to_ascii_lowercase()) => {
                Err(FetchError::PrivateAddress { addr: addr() })
            }
            _ => Ok(()),
        }
    }

    /// Whether the resolver may hand out non-public answers for this name.
    fn allows_private_answers(&self, name: &str) -> bool {
        self.all
            || self
                .hosts
                .contains(name.trim_end_matches('.').to_ascii_lowercase().as_str())
    }
}

/// The reqwest redirect policy: hop cap, loop detection and the guard on every hop.
pub(crate) fn redirect_policy(
    guard: Arc<Guard>,
    max_redirects: usize,
) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        // `previous` starts with the original URL, so it holds one more than the hops taken.
        if attempt.previous().len() > max_redirects || attempt.previous().contains(attempt.url()) {
            return attempt.error(FetchError::TooManyRedirects);
        }
        match guard.check_target(attempt.url()) {
            Ok(()) => attempt.follow(),
            Err(e) => attempt.error(e),
        }
    })
}

/// DNS resolver for reqwest that resolves with tokio and drops non-public
/// answers (unless allowed), so the dialled address is what gets checked.
pub(crate) struct GuardedResolver {
    guard: Arc<Guard>,
}

impl GuardedResolver {
    /// A resolver enforcing `guard`.
    pub(crate) fn new(guard: Arc<Guard>) -> GuardedResolver {
        GuardedResolver { guard }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let guard = Arc::clone(&self.guard);
        Box::pin(async move {
            let answers: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if guard.allows_private_answers(&host) {
                let addrs: Addrs = Box::new(answers.into_iter());
                return Ok(addrs);
            }
            let public: Vec<SocketAddr> = answers
                .iter()
                .copied()
                .filter(|a| !is_non_public(a.ip()))
                .collect();
            if public.is_empty() {
                let shown = answers
                    .first()
                    .map(|a| a.ip().to_string())
                    .unwrap_or_else(|| "no address".to_owned());
                let err: Box<dyn std::error::Error + Send + Sync> =
                    Box::new(FetchError::PrivateAddress {
                        addr: format!("{host} ({shown})"),
                    });
                return Err(err);
            }
            let addrs: Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn non_public_ranges() {
        for s in [
            "127.0.0.1",
            "127.5.5.5",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "198.18.0.1",
            "192.0.0.8",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "2001:db8::1",
        ] {
            assert!(is_non_public(ip(s)), "{s} should be non-public");
        }
        for s in [
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.1",
            "172.32.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(!is_non_public(ip(s)), "{s} should be public");
        }
    }

    #[test]
    fn check_url_schemes_and_userinfo() {
        assert!(check_url("https://example.com/feed").is_ok());
        assert!(check_url("HTTP://Example.com/feed").is_ok());
        for bad in [
            "file:///etc/passwd",
            "FILE:///etc/passwd",
            "gopher://example.com/",
            "data:text/html,hi",
            "javascript:alert(1)",
            "ftp://example.com/",
        ] {
            assert!(
                matches!(check_url(bad), Err(FetchError::SchemeNotAllowed { .. })),
                "{bad}"
            );
        }
        for bad in [
            "http://127.0.0.1\\@example.com/",
            "http://example.com@10.0.0.1/",
            "http://user:pw@example.com/",
            "http://a\\b/",
        ] {
            assert!(
                matches!(check_url(bad), Err(FetchError::UserInfoNotAllowed { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            check_url("not a url"),
            Err(FetchError::InvalidUrl { .. })
        ));
        // An @ in the path is fine.
        assert!(check_url("https://example.com/@brand/feed").is_ok());
    }

    #[test]
    fn guard_targets() {
        let g = Guard::new(
            false,
            &["127.0.0.1:8080".to_owned(), "intranet:9000".to_owned()],
        )
        .unwrap();
        assert!(Guard::new(false, &["http://x:1/".to_owned()]).is_err());
        assert!(Guard::new(false, &["[::1]:8080".to_owned()]).is_ok());
        let ok = |s: &str| g.check_target(&Url::parse(s).unwrap()).is_ok();
        assert!(ok("http://127.0.0.1:8080/x"));
        assert!(!ok("http://127.0.0.1:8081/x"));
        assert!(!ok("http://[::1]/"));
        assert!(!ok("http://[::ffff:127.0.0.1]/"));
        assert!(!ok("http://2130706433/")); // 127.0.0.1 as a number
        assert!(!ok("http://0x7f.1/"));
        assert!(!ok("http://127.0.0.1./"));
        assert!(!ok("http://0/"));
        assert!(!ok("http://[::]/"));
        assert!(!ok("http://169.254.169.254/latest/meta-data/"));
        assert!(ok("http://intranet:9000/"));
        assert!(!ok("http://intranet:22/"));
        assert!(ok("https://example.com/"));
        assert!(g.allows_private_answers("INTRANET."));
        assert!(!g.allows_private_answers("localhost"));
        let all = Guard::new(true, &[]).unwrap();
        assert!(
            all.check_target(&Url::parse("http://10.0.0.1/").unwrap())
                .is_ok()
        );
    }
}
