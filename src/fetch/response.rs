//! Reading a response: the capped body stream and the headers we act on.
//!
//! The body is read chunk by chunk from reqwest's *decoded* stream and counted
//! as it arrives, so the cap holds for a gzip bomb as much as for a huge plain
//! body, and nothing past the cap is ever buffered. Header parsing is kept
//! here as small pure functions so it can be tested without a server.

use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use reqwest::header::{CACHE_CONTROL, ETAG, HeaderMap, LAST_MODIFIED, RETRY_AFTER};

use super::error::from_reqwest;
use super::{FetchError, Validators};

/// What to do when the body passes the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Overflow {
    /// Fail with [`FetchError::TooLarge`] (pages and feeds).
    Fail,
    /// Keep the first `cap` bytes (robots.txt, per RFC 9309).
    Truncate,
}

/// Reads the decoded body, never holding more than `cap` bytes.
pub(crate) async fn read_capped(
    response: reqwest::Response,
    cap: usize,
    overflow: Overflow,
) -> Result<Bytes, FetchError> {
    // A declared length says "too large" before a byte is read. (reqwest
    // hides the length of compressed bodies, so this only catches plain ones.)
    let declared = response.content_length();
    if overflow == Overflow::Fail && declared.is_some_and(|n| n > cap as u64) {
        return Err(FetchError::TooLarge { cap });
    }
    // A declared length is a hint, not a promise: reserve at most 1 MiB up front.
    let initial = declared
        .map_or(16 * 1024, |n| n.min(1 << 20) as usize)
        .min(cap);
    let mut body = BytesMut::with_capacity(initial);
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| from_reqwest(&e))?;
        let room = cap - body.len();
        if chunk.len() > room {
            match overflow {
                Overflow::Fail => return Err(FetchError::TooLarge { cap }),
                Overflow::Truncate => {
                    body.extend_from_slice(&chunk[..room]);
                    break;
                }
            }
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// A header's value as text, if it is valid visible ASCII.
pub(crate) fn header_text(
    headers: &HeaderMap,
    name: reqwest::header::HeaderName,
) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// The validators a response hands out for the next conditional GET.
pub(crate) fn validators_of(headers: &HeaderMap) -> Validators {
    Validators {
        etag: header_text(headers, ETAG),
        last_modified: header_text(headers, LAST_MODIFIED),
    }
}

/// `Cache-Control: max-age=N`, if present.
pub(crate) fn max_age_of(headers: &HeaderMap) -> Option<Duration> {
    let value = header_text(headers, CACHE_CONTROL)?;
    value.split(',').find_map(|directive| {
        let (key, val) = directive.trim().split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("max-age")
            .then(|| val.trim().trim_matches('"').parse::<u64>().ok())
            .flatten()
            .map(Duration::from_secs)
    })
}

/// `Retry-After` as delay-seconds or an HTTP-date, clamped to `max`.
pub(crate) fn retry_after_of(headers: &HeaderMap, max: Duration) -> Option<Duration> {
    parse_retry_after(&header_text(headers, RETRY_AFTER)?, SystemTime::now()).map(|d| d.min(max))
}

/// Parses a Retry-After value relative to `now`; a date in the past is zero.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(3600));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(3600))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(10));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn retry_after_is_clamped() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("999999999"));
        assert_eq!(
            retry_after_of(&h, Duration::from_secs(60)),
            Some(Duration::from_secs(60))
        );
    }

    #[test]
    fn cache_control_max_age() {
        let mut h = HeaderMap::new();
        h.insert(
            CACHE_CONTROL,
            HeaderValue::from_static("public, Max-Age=\"300\", must-revalidate"),
        );
        assert_eq!(max_age_of(&h), Some(Duration::from_secs(300)));
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        assert_eq!(max_age_of(&h), None);
        h.insert(CACHE_CONTROL, HeaderValue::from_static("s-maxage=5"));
        assert_eq!(max_age_of(&h), None);
    }

    #[test]
    fn validators_from_headers() {
        let mut h = HeaderMap::new();
        h.insert(ETAG, HeaderValue::from_static("W/\"abc\""));
        let v = validators_of(&h);
        assert_eq!(v.etag.as_deref(), Some("W/\"abc\""));
        assert_eq!(v.last_modified, None);
    }
}
