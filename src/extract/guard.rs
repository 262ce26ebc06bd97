//! Cheap checks on the bytes before any real parser runs.
//!
//! Feed bodies are hostile input. A linear scan (see [`super::scan`]) counts the
//! nesting depth, so a 100k-deep document is refused in O(n) with a clean error
//! instead of being handed to a parser; oversized and empty bodies are refused
//! before anything else looks at them.

use super::ExtractError;
use super::scan::{Markup, scan_markup};

/// The largest body [`super::feed`] parses (32 MiB; the fetcher's cap is usually lower).
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// The deepest element (or JSON container) nesting accepted; real feeds stay under 30.
pub const MAX_NESTING_DEPTH: usize = 256;

/// Refuses empty and oversized bodies.
pub(crate) fn check_size(body: &[u8]) -> Result<(), ExtractError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ExtractError::Empty);
    }
    if body.len() > MAX_BODY_BYTES {
        return Err(ExtractError::TooLarge {
            size: body.len(),
            limit: MAX_BODY_BYTES,
        });
    }
    Ok(())
}

/// Refuses documents nested deeper than [`MAX_NESTING_DEPTH`] (XML or JSON).
pub(crate) fn check_depth(bytes: &[u8]) -> Result<(), ExtractError> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    let deepest = match first {
        Some(b'{') | Some(b'[') => json_depth(bytes, MAX_NESTING_DEPTH),
        _ => xml_depth(bytes, MAX_NESTING_DEPTH),
    };
    if deepest > MAX_NESTING_DEPTH {
        return Err(ExtractError::TooDeep {
            limit: MAX_NESTING_DEPTH,
        });
    }
    Ok(())
}

/// The deepest element nesting in `bytes`, counting stops once past `limit`.
fn xml_depth(bytes: &[u8], limit: usize) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    scan_markup(bytes, |markup| {
        match markup {
            Markup::Start { empty: false, .. } => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            Markup::End => depth = depth.saturating_sub(1),
            _ => {}
        }
        deepest <= limit
    });
    deepest
}

/// The deepest `{`/`[` nesting outside strings, counting stops once past `limit`.
fn json_depth(bytes: &[u8], limit: usize) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
                if deepest > limit {
                    break;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_elements_not_text_or_comments() {
        let doc = b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a '>'>]><a><b/><c x='>'><!-- <d> --><![CDATA[<e><f>]]></c></a>";
        assert_eq!(xml_depth(doc, 100), 2);
        assert_eq!(json_depth(br#"{"a": [1, {"b": "[[["}]}"#, 100), 3);
    }

    #[test]
    fn depth_scan_stops_past_the_limit() {
        let deep = "<a>".repeat(10_000);
        assert_eq!(xml_depth(deep.as_bytes(), 5), 6);
        assert!(check_depth(deep.as_bytes()).is_err());
    }
}
