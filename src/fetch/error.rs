//! The one error type of the fetch step, and how errors are classified.
//!
//! Each way a fetch can fail has its own variant so the scheduler can store a
//! readable `last_error`, decide whether to back off (`is_transient`), show a
//! source as "blocked" (`is_blocked`) and move `next_check_at` past a server's
//! Retry-After (`retry_after`). The type is `Clone` and holds only plain data
//! (strings, durations, times) so it can also travel *through* reqwest: the
//! redirect policy and the DNS resolver return it as their error and
//! [`from_reqwest`] digs it back out of the error chain.

use std::error::Error as StdError;
use std::time::{Duration, SystemTime};

/// Everything that can go wrong while fetching one URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The text is not a URL at all.
    #[error("invalid URL {url:?}: {reason}; write a full http:// or https:// address")]
    InvalidUrl {
        /// The text as given (trimmed).
        url: String,
        /// What the parser objected to.
        reason: String,
    },
    /// Only http and https are fetched.
    #[error(
        "URL scheme {scheme:?} is not allowed; vigia only fetches http:// and https:// addresses"
    )]
    SchemeNotAllowed {
        /// The scheme that was refused, lower-cased.
        scheme: String,
    },
    /// The URL carries a user name, a password, or a `\` / `@` in its host part.
    #[error(
        "URL {url:?} has user info or a `@`/`\\` in its host part, which can hide the real host; remove it"
    )]
    UserInfoNotAllowed {
        /// The offending URL.
        url: String,
    },
    /// The address to be dialled is private, loopback, link-local or otherwise not public.
    #[error(
        "refused to connect to non-public address {addr}; set `[fetch] allow_private_networks = true` if this source is really on your own network"
    )]
    PrivateAddress {
        /// The host (and port or IP) that was refused.
        addr: String,
    },
    /// The connect or total deadline passed.
    #[error("the server did not answer in time; it may be down or overloaded, vigia will retry")]
    Timeout,
    /// The (decoded) body grew past the size cap.
    #[error(
        "response too large: more than {cap} bytes after decompression; is this really a feed?"
    )]
    TooLarge {
        /// The cap in bytes.
        cap: usize,
    },
    /// More redirects than allowed, or a redirect loop.
    #[error("too many redirects (or a redirect loop); check the source URL in a browser")]
    TooManyRedirects,
    /// A redirect response without a usable Location.
    #[error("the server answered {code} without a usable redirect location")]
    BadRedirect {
        /// The 3xx status code.
        code: u16,
    },
    /// The body could not be decompressed (bad gzip/deflate/brotli).
    #[error(
        "the response body could not be decoded ({detail}); the server sent broken compressed data"
    )]
    Decode {
        /// The decoder's message.
        detail: String,
    },
    /// The TLS handshake failed, usually a bad or self-signed certificate.
    #[error(
        "TLS error ({detail}); the site's certificate is not valid. vigia never retries without verification"
    )]
    Tls {
        /// The TLS library's message.
        detail: String,
    },
    /// The TCP connection could not be made (refused, unreachable, DNS failure).
    #[error("could not connect ({detail}); check the host name and that the site is up")]
    Connect {
        /// The underlying message.
        detail: String,
    },
    /// The connection broke while the response was being read.
    #[error("the connection failed during the transfer ({detail}); vigia will retry")]
    Transfer {
        /// The underlying message.
        detail: String,
    },
    /// The server answered with an error status.
    #[error("the server answered HTTP {code}; check the URL, vigia will retry with backoff")]
    Status {
        /// The HTTP status code.
        code: u16,
        /// The server's Retry-After, if it sent one (clamped).
        retry_after: Option<Duration>,
    },
    /// 429 or 503 with Retry-After: the host is now paused for `retry_after`.
    #[error("the server asked us to slow down for {}s; the host is paused until then", retry_after.as_secs())]
    RateLimited {
        /// How long the server asked us to wait (clamped).
        retry_after: Duration,
    },
    /// The host is paused after an earlier 429/503; no request was sent.
    #[error("the host is paused after it asked us to slow down; next attempt after the pause")]
    HostPaused {
        /// When the pause ends.
        until: SystemTime,
    },
    /// robots.txt disallows this path for vigia; nothing was fetched.
    #[error(
        "blocked by robots.txt: the site does not allow vigia to fetch {path}; remove the source or ask the site owner"
    )]
    RobotsDisallowed {
        /// The path (and query) that is disallowed.
        path: String,
    },
    /// robots.txt could not be read (5xx or unreachable), so per RFC 9309 nothing is fetched.
    #[error("robots.txt could not be read ({reason}); vigia waits and tries again later")]
    RobotsUnavailable {
        /// Why robots.txt was not available.
        reason: String,
    },
    /// The site answered with a login wall, 403, or a bot-wall / CAPTCHA page.
    #[error(
        "blocked by the site: {reason}; the page was not parsed. Try a feed or an official API instead"
    )]
    Blocked {
        /// What gave the block away.
        reason: String,
    },
    /// Building the HTTP client failed (bad settings).
    #[error("could not set up the HTTP client ({detail}); check the [fetch] settings")]
    Client {
        /// The underlying message.
        detail: String,
    },
    /// Any other request failure.
    #[error("request failed ({detail})")]
    Request {
        /// The underlying message.
        detail: String,
    },
}

impl FetchError {
    /// How long the server asked us to wait, if it said so (or how long the host stays paused).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::RateLimited { retry_after } => Some(*retry_after),
            FetchError::Status { retry_after, .. } => *retry_after,
            FetchError::HostPaused { until } => Some(
                until
                    .duration_since(SystemTime::now())
                    .unwrap_or(Duration::ZERO),
            ),
            _ => None,
        }
    }

    /// True when the site refuses us on purpose (bot wall, 401/403, robots.txt).
    pub fn is_blocked(&self) -> bool {
        matches!(
            self,
            FetchError::Blocked { .. } | FetchError::RobotsDisallowed { .. }
        )
    }

    /// True when the same request may well succeed later without any change on our side.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Timeout
            | FetchError::Decode { .. }
            | FetchError::Connect { .. }
            | FetchError::Transfer { .. }
            | FetchError::RateLimited { .. }
            | FetchError::HostPaused { .. }
            | FetchError::RobotsUnavailable { .. }
            | FetchError::Request { .. } => true,
            FetchError::Status { code, .. } => *code >= 500 || matches!(*code, 408 | 425 | 429),
            _ => false,
        }
    }
}

/// Turns a reqwest error into our error, recovering a [`FetchError`] raised by
/// our own redirect policy or resolver from deep inside the chain.
pub(crate) fn from_reqwest(err: &reqwest::Error) -> FetchError {
    if let Some(ours) = find_in_chain::<FetchError>(err) {
        return ours.clone();
    }
    if err.is_timeout() {
        return FetchError::Timeout;
    }
    if err.is_redirect() {
        return FetchError::TooManyRedirects;
    }
    if let Some(tls) = find_in_chain::<rustls::Error>(err) {
        return FetchError::Tls {
            detail: tls.to_string(),
        };
    }
    let detail = chain_text(err);
    if err.is_decode() {
        FetchError::Decode { detail }
    } else if err.is_connect() {
        FetchError::Connect { detail }
    } else if err.is_body() {
        // A broken compressed stream surfaces as a body error whose cause is
        // an io::Error of kind InvalidData (or an unexpected EOF inside the
        // decoder); plain connection resets are transfer errors.
        if looks_like_decode(err) {
            FetchError::Decode { detail }
        } else {
            FetchError::Transfer { detail }
        }
    } else {
        FetchError::Request { detail }
    }
}

/// Whether a body error came from the decompressor rather than the socket:
/// decoders report broken data as an `io::Error` of kind InvalidData, or
/// UnexpectedEof for a stream cut short.
fn looks_like_decode(err: &reqwest::Error) -> bool {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof
            )
        {
            return true;
        }
        cur = e.source();
    }
    false
}

/// Finds the first error of type `T` in a source chain, looking inside
/// `io::Error` wrappers too (their `source()` skips the wrapped error).
fn find_in_chain<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut cur: Option<&'a (dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && let Some(found) = find_in_chain::<T>(inner)
        {
            return Some(found);
        }
        cur = e.source();
    }
    None
}

/// The messages of an error and its causes, joined by ": ".
fn chain_text(err: &(dyn StdError + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut cur = err.source();
    while let Some(e) = cur {
        let text = e.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        cur = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        assert!(FetchError::Timeout.is_transient());
        assert!(!FetchError::TooLarge { cap: 1 }.is_transient());
        let s = FetchError::Status {
            code: 503,
            retry_after: Some(Duration::from_secs(5)),
        };
        assert!(s.is_transient());
        assert_eq!(s.retry_after(), Some(Duration::from_secs(5)));
        assert!(
            !FetchError::Status {
                code: 404,
                retry_after: None
            }
            .is_transient()
        );
        assert!(FetchError::Blocked { reason: "x".into() }.is_blocked());
        assert!(FetchError::RobotsDisallowed { path: "/".into() }.is_blocked());
        assert!(!FetchError::Timeout.is_blocked());
        let paused = FetchError::HostPaused {
            until: SystemTime::now() + Duration::from_secs(100),
        };
        let left = paused.retry_after().unwrap_or_default();
        assert!(left > Duration::from_secs(90) && left <= Duration::from_secs(100));
    }
}
