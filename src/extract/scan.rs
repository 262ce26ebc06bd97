//! A minimal XML scanner over raw bytes, shared by the guards and the repairs.
//!
//! It understands just enough XML (comments, CDATA, processing instructions,
//! DOCTYPE internal subsets, quoted attribute values) to find element boundaries in
//! one linear pass without building anything, which is what a pre-parse check on
//! untrusted input needs. It works on any ASCII-compatible encoding.

/// What the scanner found at a `<`.
pub(crate) enum Markup {
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
pub(crate) fn scan_markup(bytes: &[u8], mut visit: impl FnMut(Markup) -> bool) {
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

/// The byte range of the root element's start tag.
pub(crate) fn root_start_tag(bytes: &[u8]) -> Option<(usize, usize)> {
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
pub(crate) fn attribute_value(tag: &[u8], name: &[u8]) -> Option<(usize, usize)> {
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
pub(crate) fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
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
