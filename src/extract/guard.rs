//! Cheap checks and fix-ups on the bytes before any real parser runs.
//!
//! A linear scan that understands just enough XML (comments, CDATA, processing
//! instructions, DOCTYPE internal subsets, quoted attributes) to count nesting depth,
//! so that a hostile 100k-deep document is refused in O(n) with a clean error instead
//! of being handed to a parser. The same scanner finds the root element, which lets us
//! repair `<rss>` without a usable `version` attribute (feed-rs refuses those, but
//! real feeds ship them).

use std::borrow::Cow;

use super::ExtractError;

/// The largest body [`super::feed`] parses (32 MiB; the fetcher's cap is usually lower).
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// The deepest element (or JSON container) nesting accepted; real feeds stay under 30.
pub const MAX_NESTING_DEPTH: usize = 256;

/// The RSS versions feed-rs accepts on the root element.
const KNOWN_RSS_VERSIONS: [&str; 3] = ["2.0", "0.91", "0.92"];

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

/// Gives a root `<rss>` that lacks a version feed-rs knows `version="2.0"`.
///
/// RSS 0.9x and 2.0 share their item vocabulary, so reading an unversioned (or
/// oddly versioned) `<rss>` as 2.0 loses nothing.
pub(crate) fn add_missing_rss_version<'a>(
    bytes: Cow<'a, [u8]>,
    warnings: &mut Vec<String>,
) -> Cow<'a, [u8]> {
    let Some((start, end)) = root_start_tag(&bytes) else {
        return bytes;
    };
    let tag = &bytes[start..end];
    let is_rss = tag.starts_with(b"<rss")
        && tag
            .get(4)
            .is_some_and(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/');
    if !is_rss {
        return bytes;
    }
    let version = attribute_value(tag, b"version");
    if let Some((from, to)) = version {
        let value = String::from_utf8_lossy(&tag[from..to]);
        if KNOWN_RSS_VERSIONS.contains(&value.trim()) {
            return bytes;
        }
        warnings.push(format!("unknown RSS version `{value}`; read as RSS 2.0"));
        let mut out = bytes.to_vec();
        out.splice(start + from..start + to, b"2.0".iter().copied());
        return Cow::Owned(out);
    }
    warnings.push("the <rss> element has no version attribute; read as RSS 2.0".into());
    let mut out = bytes.to_vec();
    out.splice(start + 4..start + 4, b" version=\"2.0\"".iter().copied());
    Cow::Owned(out)
}

/// What the scanner found at a `<`.
enum Markup {
    /// A start tag spanning `start..end`; `empty` when it closes itself (`<x/>`).
    Start {
        start: usize,
        end: usize,
        empty: bool,
    },
    /// An end tag.
    End,
    /// A comment, CDATA section, processing instruction or DOCTYPE.
    Other,
}

/// Walks `bytes` markup by markup, calling `visit` until it returns `false`.
fn scan_markup(bytes: &[u8], mut visit: impl FnMut(Markup) -> bool) {
    let mut i = 0;
    while let Some(off) = bytes[i..].iter().position(|b| *b == b'<') {
        let at = i + off;
        let rest = &bytes[at..];
        let (markup, end) = if rest.starts_with(b"<!--") {
            (Markup::Other, find(bytes, at + 4, b"-->"))
        } else if rest.starts_with(b"<![CDATA[") {
            (Markup::Other, find(bytes, at + 9, b"]]>"))
        } else if rest.starts_with(b"<!") {
            (Markup::Other, doctype_end(bytes, at + 2))
        } else if rest.starts_with(b"<?") {
            (Markup::Other, find(bytes, at + 2, b"?>"))
        } else if rest.starts_with(b"</") {
            (Markup::End, find(bytes, at + 2, b">"))
        } else if rest
            .get(1)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_' || *b == b':' || *b >= 0x80)
        {
            let end = tag_end(bytes, at + 1);
            let empty = end.is_some_and(|e| e >= 2 && bytes[e - 2] == b'/');
            let markup = Markup::Start {
                start: at,
                end: end.unwrap_or(bytes.len()),
                empty,
            };
            (markup, end)
        } else {
            i = at + 1;
            continue;
        };
        if !visit(markup) {
            return;
        }
        match end {
            Some(end) => i = end,
            None => return,
        }
    }
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

/// The byte range of the root element's start tag.
fn root_start_tag(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut found = None;
    scan_markup(bytes, |markup| match markup {
        Markup::Start { start, end, .. } => {
            found = Some((start, end));
            false
        }
        Markup::End => false,
        Markup::Other => true,
    });
    found
}

/// The value range (relative to `tag`) of attribute `name` in a start tag.
fn attribute_value(tag: &[u8], name: &[u8]) -> Option<(usize, usize)> {
    let mut i = 0;
    while let Some(off) = find(tag, i, name) {
        let at = off - name.len();
        let before_ok = at > 0 && tag[at - 1].is_ascii_whitespace();
        let mut j = off;
        while tag.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        if before_ok && tag.get(j) == Some(&b'=') {
            j += 1;
            while tag.get(j).is_some_and(u8::is_ascii_whitespace) {
                j += 1;
            }
            let quote = *tag.get(j).filter(|q| **q == b'"' || **q == b'\'')?;
            let value_start = j + 1;
            let len = tag[value_start..].iter().position(|b| *b == quote)?;
            return Some((value_start, value_start + len));
        }
        i = off;
    }
    None
}

/// The index just past the first `needle` at or after `from`.
fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let hay = bytes.get(from..)?;
    hay.windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p + needle.len())
}

/// The index just past the `>` closing a start tag, skipping quoted attribute values.
fn tag_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut quote = None;
    for (k, &b) in bytes.get(from..)?.iter().enumerate() {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"') | (None, b'\'') => quote = Some(b),
            (None, b'>') => return Some(from + k + 1),
            _ => {}
        }
    }
    None
}

/// The index just past a `<!DOCTYPE …>` (its `[…]` internal subset may hold `>`).
fn doctype_end(bytes: &[u8], from: usize) -> Option<usize> {
    let (mut brackets, mut quote) = (0usize, None);
    for (k, &b) in bytes.get(from..)?.iter().enumerate() {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"') | (None, b'\'') => quote = Some(b),
            (None, b'[') => brackets += 1,
            (None, b']') => brackets = brackets.saturating_sub(1),
            (None, b'>') if brackets == 0 => return Some(from + k + 1),
            _ => {}
        }
    }
    None
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

    #[test]
    fn rss_without_version_gets_one() {
        let mut warnings = Vec::new();
        let doc = b"<?xml version='1.0'?><!-- c --><rss><channel/></rss>".as_slice();
        let fixed = add_missing_rss_version(Cow::Borrowed(doc), &mut warnings);
        assert_eq!(
            fixed.as_ref(),
            b"<?xml version='1.0'?><!-- c --><rss version=\"2.0\"><channel/></rss>"
        );
        let doc = b"<rss version='0.93' xmlns:x='y'><channel/></rss>".as_slice();
        let fixed = add_missing_rss_version(Cow::Borrowed(doc), &mut warnings);
        assert_eq!(
            fixed.as_ref(),
            b"<rss version='2.0' xmlns:x='y'><channel/></rss>"
        );
        let doc = b"<rss version=\"2.0\"><channel/></rss>".as_slice();
        assert!(matches!(
            add_missing_rss_version(Cow::Borrowed(doc), &mut warnings),
            Cow::Borrowed(_)
        ));
        assert_eq!(warnings.len(), 2);
    }
}
