//! Fix-ups that let feed-rs read feeds it would refuse but that real publishers ship.
//!
//! Each repair is a small byte-level rewrite, applied only when its defect is
//! present, and each leaves a warning so a person can see that the feed was bent:
//! forbidden character references (`&#0;`), `<rss>` without a usable version or
//! without `<channel>`, and the obsolete Atom 0.3 / RSS 0.90 namespaces.

use std::borrow::Cow;

use super::scan::{Markup, attribute_value, find, root_start_tag, scan_markup};

/// The RSS versions feed-rs accepts on the root element.
const KNOWN_RSS_VERSIONS: [&str; 3] = ["2.0", "0.91", "0.92"];

/// Repairs the two `<rss>` root defects feed-rs refuses but real feeds ship: a missing
/// or unknown `version`, and items placed directly under `<rss>` with no `<channel>`.
pub(crate) fn repair_rss_root<'a>(
    bytes: Cow<'a, [u8]>,
    warnings: &mut Vec<String>,
) -> Cow<'a, [u8]> {
    let bytes = add_missing_rss_version(bytes, warnings);
    add_missing_channel(bytes, warnings)
}

/// Wraps the children of a channel-less `<rss>` root in `<channel>…</channel>`.
fn add_missing_channel<'a>(bytes: Cow<'a, [u8]>, warnings: &mut Vec<String>) -> Cow<'a, [u8]> {
    let Some((start, end)) = root_start_tag(&bytes) else {
        return bytes;
    };
    let tag = &bytes[start..end];
    let self_closing = tag.ends_with(b"/>");
    if !is_rss_tag(tag) || self_closing || find(&bytes, end, b"<channel").is_some() {
        return bytes;
    }
    let Some(close) = bytes.windows(6).rposition(|w| w == b"</rss>") else {
        return bytes;
    };
    if close < end {
        return bytes;
    }
    warnings.push("the <rss> element has no <channel>; its children were read as one".into());
    let mut out = Vec::with_capacity(bytes.len() + 19);
    out.extend_from_slice(&bytes[..end]);
    out.extend_from_slice(b"<channel>");
    out.extend_from_slice(&bytes[end..close]);
    out.extend_from_slice(b"</channel>");
    out.extend_from_slice(&bytes[close..]);
    Cow::Owned(out)
}

/// True when a start tag is `<rss …>`.
fn is_rss_tag(tag: &[u8]) -> bool {
    tag.starts_with(b"<rss")
        && tag
            .get(4)
            .is_some_and(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/')
}

/// Gives a root `<rss>` that lacks a version feed-rs knows `version="2.0"`.
///
/// RSS 0.9x and 2.0 share their item vocabulary, so reading an unversioned (or
/// oddly versioned) `<rss>` as 2.0 loses nothing.
fn add_missing_rss_version<'a>(bytes: Cow<'a, [u8]>, warnings: &mut Vec<String>) -> Cow<'a, [u8]> {
    let Some((start, end)) = root_start_tag(&bytes) else {
        return bytes;
    };
    let tag = &bytes[start..end];
    if !is_rss_tag(tag) {
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

/// Removes numeric character references XML forbids (`&#0;`, surrogates, beyond
/// U+10FFFF): quick-xml rejects them and feed-rs then silently drops the whole field.
pub(crate) fn drop_invalid_char_refs<'a>(
    bytes: Cow<'a, [u8]>,
    warnings: &mut Vec<String>,
) -> Cow<'a, [u8]> {
    let invalid_at = |at: usize| -> Option<usize> {
        let rest = bytes.get(at + 2..)?;
        let end = rest.iter().take(12).position(|b| *b == b';')?;
        let digits = std::str::from_utf8(&rest[..end]).ok()?;
        let code = match digits.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => digits.parse::<u32>().ok(),
        };
        // An unparsable number is left for the parser to report.
        let code = code?;
        (code == 0 || char::from_u32(code).is_none()).then_some(at + 2 + end + 1)
    };
    let refs: Vec<(usize, usize)> = bytes
        .windows(2)
        .enumerate()
        .filter(|(_, w)| *w == b"&#")
        .filter_map(|(at, _)| invalid_at(at).map(|end| (at, end)))
        .collect();
    if refs.is_empty() {
        return bytes;
    }
    warnings.push(format!(
        "removed {} character reference(s) to characters XML forbids",
        refs.len()
    ));
    let mut out = Vec::with_capacity(bytes.len());
    let mut from = 0;
    for (start, end) in refs {
        out.extend_from_slice(&bytes[from..start]);
        from = end;
    }
    out.extend_from_slice(&bytes[from..]);
    Cow::Owned(out)
}

/// Obsolete namespaces whose vocabulary feed-rs reads under their successor's name.
const LEGACY_NAMESPACES: [(&[u8], &[u8], &str); 2] = [
    (
        ATOM_03_NAMESPACE,
        b"http://www.w3.org/2005/Atom",
        "Atom 0.3 read as Atom 1.0",
    ),
    (
        b"http://my.netscape.com/rdf/simple/0.9/",
        b"http://purl.org/rss/1.0/",
        "RSS 0.90 read as RSS 1.0",
    ),
];

/// Renames the Atom 0.3 and RSS 0.90 namespaces to Atom 1.0 and RSS 1.0: the entry
/// vocabulary (title, link, id, content) is the same, and feed-rs would otherwise
/// skip every element of those documents.
pub(crate) fn upgrade_legacy_namespaces<'a>(
    bytes: Cow<'a, [u8]>,
    warnings: &mut Vec<String>,
) -> Cow<'a, [u8]> {
    let mut bytes = bytes;
    for (old, new, note) in LEGACY_NAMESPACES {
        if find(&bytes, 0, old).is_none() {
            continue;
        }
        warnings.push(note.to_owned());
        let mut out = Vec::with_capacity(bytes.len());
        let mut from = 0;
        while let Some(end) = find(&bytes, from, old) {
            out.extend_from_slice(&bytes[from..end - old.len()]);
            out.extend_from_slice(new);
            from = end;
        }
        out.extend_from_slice(&bytes[from..]);
        bytes = Cow::Owned(out);
        if old == ATOM_03_NAMESPACE {
            bytes = Cow::Owned(atom03_types(&bytes));
        }
    }
    bytes
}

/// The Atom 0.3 namespace (its `type` attributes are MIME types, not Atom 1.0 names).
const ATOM_03_NAMESPACE: &[u8] = b"http://purl.org/atom/ns#";

/// Atom 0.3 `type` MIME values and the Atom 1.0 names feed-rs understands.
const ATOM_03_TYPES: [(&[u8], &[u8]); 3] = [
    (b"text/plain", b"text"),
    (b"text/html", b"html"),
    (b"application/xhtml+xml", b"xhtml"),
];

/// Rewrites the `type="text/html"`-style attributes of an Atom 0.3 document.
fn atom03_types(bytes: &[u8]) -> Vec<u8> {
    let mut edits = Vec::new();
    scan_markup(bytes, |markup| {
        if let Markup::Start { start, end, .. } = markup
            && let Some((from, to)) = attribute_value(&bytes[start..end], b"type")
            && let Some((_, new)) = ATOM_03_TYPES
                .iter()
                .find(|(old, _)| bytes[start + from..start + to].eq_ignore_ascii_case(old))
        {
            edits.push((start + from, start + to, *new));
        }
        true
    });
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    for (from, to, new) in edits {
        out.extend_from_slice(&bytes[at..from]);
        out.extend_from_slice(new);
        at = to;
    }
    out.extend_from_slice(&bytes[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_char_refs_are_removed() {
        let mut warnings = Vec::new();
        let doc = b"<t>a&#0;b&#xD800;c&#x110000;d&#65;&#x42;&#;&#12345678901234;</t>".as_slice();
        let fixed = drop_invalid_char_refs(Cow::Borrowed(doc), &mut warnings);
        assert_eq!(
            fixed.as_ref(),
            b"<t>abcd&#65;&#x42;&#;&#12345678901234;</t>"
        );
        assert_eq!(warnings.len(), 1);
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

    #[test]
    fn legacy_namespaces_are_upgraded() {
        let mut warnings = Vec::new();
        let doc =
            b"<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><entry/></feed>".as_slice();
        let fixed = upgrade_legacy_namespaces(Cow::Borrowed(doc), &mut warnings);
        assert_eq!(
            fixed.as_ref(),
            b"<feed version=\"0.3\" xmlns=\"http://www.w3.org/2005/Atom\"><entry/></feed>"
        );
        assert_eq!(warnings, ["Atom 0.3 read as Atom 1.0"]);
        let doc = b"<feed xmlns=\"http://purl.org/atom/ns#\"><title type=\"text/plain\">x</title><content type='application/xhtml+xml' mode='xml'/></feed>".as_slice();
        let fixed = upgrade_legacy_namespaces(Cow::Borrowed(doc), &mut warnings);
        assert_eq!(
            fixed.as_ref(),
            b"<feed xmlns=\"http://www.w3.org/2005/Atom\"><title type=\"text\">x</title><content type='xhtml' mode='xml'/></feed>"
        );
    }

    #[test]
    fn rss_without_channel_gets_one() {
        let mut warnings = Vec::new();
        let doc = b"<rss version=\"2.0\">\n<item><title>t</title></item>\n</rss>".as_slice();
        let fixed = repair_rss_root(Cow::Borrowed(doc), &mut warnings);
        assert_eq!(
            fixed.as_ref(),
            b"<rss version=\"2.0\"><channel>\n<item><title>t</title></item>\n</channel></rss>"
        );
        let doc = b"<rss version=\"2.0\"><channel><item/></channel></rss>".as_slice();
        assert!(matches!(
            repair_rss_root(Cow::Borrowed(doc), &mut warnings),
            Cow::Borrowed(_)
        ));
        assert_eq!(warnings.len(), 1);
    }
}
