//! Extraction: the bytes of one fetched document → [`RawItem`]s.
//!
//! This step owns everything between "the fetcher handed us a body and maybe a
//! `Content-Type`" and "here are the entries the document contains". It knows
//! nothing about brands, stores or scores, so it can be tested on bytes alone.
//!
//! It is shaped as a short, defensive pipeline because feed bodies are hostile
//! input from the open internet:
//!
//! 1. `guard` refuses absurd bodies *before* any parser sees them (size cap,
//!    nesting-depth cap — a 100k-deep document must be a clean error, never a
//!    stack overflow or a minute of CPU).
//! 2. `charset` decides the character encoding from the BOM, the HTTP header and
//!    the XML declaration. Bytes are handed to feed-rs *raw* whenever its own
//!    reading of the XML declaration is right; we transcode only when the header
//!    alone names a different charset, for UTF-16/32, or for the cp1252 fallback.
//!    (Decoding the body to text first is what garbles ISO-8859-1 feeds.)
//! 3. `repair` bends the few defects feed-rs refuses but real feeds ship
//!    (`<rss>` without version or channel, `&#0;`, Atom 0.3), with a warning each.
//! 4. feed-rs parses RSS 0.9x/1.0/2.0, Atom and JSON Feed. It never expands DTD
//!    entities and never resolves external entities, so billion-laughs and XXE
//!    documents stay inert (tests P03, P04 pin this).
//! 5. `convert` maps feed-rs's model onto [`RawItem`], keeping only what the
//!    rest of vigia reads, and never inventing ids (feed-rs would make random ones).

mod charset;
mod convert;
mod guard;
pub mod html;
pub mod json;
pub mod jsonld;
mod repair;
mod scan;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use guard::{MAX_BODY_BYTES, MAX_NESTING_DEPTH};

/// A review rating on the source's own scale (for example 4 on 1..=5).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rating {
    /// The given rating.
    pub value: f64,
    /// The worst rating possible on this scale.
    pub worst: f64,
    /// The best rating possible on this scale.
    pub best: f64,
}

impl Rating {
    /// A rating, or `None` when the numbers are not finite or the scale is empty.
    pub fn new(value: f64, worst: f64, best: f64) -> Option<Rating> {
        let ok = value.is_finite() && worst.is_finite() && best.is_finite() && best > worst;
        ok.then_some(Rating { value, worst, best })
    }

    /// The rating mapped onto 0..=1 (0 = worst, 1 = best); 0.5 for a degenerate scale.
    pub fn normalized(&self) -> f64 {
        let range = self.best - self.worst;
        if !range.is_finite() || range <= 0.0 || !self.value.is_finite() {
            return 0.5;
        }
        ((self.value - self.worst) / range).clamp(0.0, 1.0)
    }
}

/// One entry of a document, as the document states it (not yet cleaned up).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RawItem {
    /// The entry's own identifier (RSS `guid`, Atom `id`, JSON Feed `id`), if it has one.
    pub guid: Option<String>,
    /// The entry's link, resolved against the document's base when it was relative.
    pub link: Option<String>,
    /// The title; may hold markup and entities.
    pub title: String,
    /// The body: HTML or plain text.
    pub content: String,
    /// The first author's name.
    pub author: Option<String>,
    /// When the entry was published (or, failing that, last updated).
    pub published_at: Option<DateTime<Utc>>,
    /// A review rating, when the source gives one.
    pub rating: Option<Rating>,
}

/// What one document yielded.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Extracted {
    /// The entries, in document order.
    pub items: Vec<RawItem>,
    /// Things a person may want to know about (charset guessed, version missing, …).
    pub warnings: Vec<String>,
    /// The document's own title, if any (may hold markup).
    pub feed_title: Option<String>,
}

/// Why a document yielded nothing.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// The body was empty.
    #[error("the response body is empty: check that the source URL points at a feed")]
    Empty,
    /// The body is larger than we are willing to parse.
    #[error(
        "the document is {size} bytes, more than the {limit}-byte limit: point the source at a smaller feed (fewer items per page)"
    )]
    TooLarge {
        /// Size of the body in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// Elements are nested deeper than any real feed nests them.
    #[error(
        "the document nests elements more than {limit} levels deep; this is not a real feed (possibly hostile), so it was not parsed"
    )]
    TooDeep {
        /// The depth limit.
        limit: usize,
    },
    /// The bytes cannot be decoded in the encoding the document or server names.
    #[error(
        "the document cannot be decoded: {detail}; ask the publisher to serve UTF-8 or to declare the right charset"
    )]
    Encoding {
        /// What went wrong.
        detail: String,
    },
    /// The document is not RSS, Atom or JSON Feed (an HTML page, an error page, …).
    #[error(
        "this is not an RSS, Atom or JSON feed ({detail}); check the source URL, or use an html recipe source for web pages"
    )]
    NotAFeed {
        /// What was found instead.
        detail: String,
    },
    /// The document looks like a feed but is broken.
    #[error(
        "the feed is malformed: {detail}; the publisher needs to fix it (vigia retries on the next poll)"
    )]
    Malformed {
        /// The parser's complaint.
        detail: String,
    },
}

/// Extracts the entries of one feed document (RSS 0.9x/1.0/2.0, Atom, JSON Feed).
///
/// `content_type` is the HTTP `Content-Type` header, if any; its `charset` takes
/// precedence over the XML declaration.
pub fn feed(body: &[u8], content_type: Option<&str>) -> Result<Extracted, ExtractError> {
    feed_with_base(body, content_type, None)
}

/// Like [`feed`], with the document's URL to resolve relative links against.
pub fn feed_with_base(
    body: &[u8],
    content_type: Option<&str>,
    base_url: Option<&str>,
) -> Result<Extracted, ExtractError> {
    guard::check_size(body)?;
    let mut warnings = Vec::new();
    let prepared = charset::prepare(body, content_type, &mut warnings)?;
    guard::check_depth(&prepared.bytes)?;
    let bytes = repair::drop_invalid_char_refs(prepared.bytes, &mut warnings);
    let bytes = repair::repair_rss_root(bytes, &mut warnings);
    let bytes = repair::upgrade_legacy_namespaces(bytes, &mut warnings);

    let parsed = match convert::parse(&bytes, base_url) {
        Ok(feed) => feed,
        // Undeclared non-UTF-8 bytes: almost always cp1252 ("smart quotes"). Retry once.
        Err(ExtractError::Encoding { detail }) if prepared.may_retry_as_cp1252 => {
            let retried = charset::as_cp1252(&bytes, &mut warnings);
            convert::parse(&retried, base_url).map_err(|_| ExtractError::Encoding { detail })?
        }
        Err(e) => return Err(e),
    };
    Ok(convert::extracted(parsed, base_url, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rating_normalizes_onto_zero_to_one() {
        let r = Rating::new(4.0, 1.0, 5.0).expect("valid");
        assert!((r.normalized() - 0.75).abs() < 1e-9);
        assert_eq!(Rating::new(1.0, 1.0, 1.0), None);
        assert_eq!(Rating::new(f64::NAN, 1.0, 5.0), None);
        let out_of_scale = Rating {
            value: 9.0,
            worst: 0.0,
            best: 5.0,
        };
        assert_eq!(out_of_scale.normalized(), 1.0);
        let degenerate = Rating {
            value: 3.0,
            worst: 5.0,
            best: 1.0,
        };
        assert_eq!(degenerate.normalized(), 0.5);
    }

    #[test]
    fn errors_tell_the_user_what_to_do() {
        let err = ExtractError::TooLarge { size: 10, limit: 5 };
        assert!(err.to_string().contains("smaller feed"));
        let err = ExtractError::Encoding { detail: "x".into() };
        assert!(err.to_string().contains("declare the right charset"));
    }
}
