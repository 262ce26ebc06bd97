//! Bytes of a web page (or JSON API answer) → text, with the encoding decided the way
//! browsers decide it (P07).
//!
//! The feed path ([`super::super::feed`]) hands raw bytes to an XML parser that reads the
//! XML declaration itself; pages are different: HTML has no declaration, so the order is
//! the WHATWG one: byte order mark, then the HTTP `charset`, then a `<meta charset>` (or
//! `http-equiv` Content-Type) in the first bytes, then UTF-8 when the bytes are valid
//! UTF-8, else windows-1252 with a warning. HTML is forgiving, so undecodable bytes become
//! U+FFFD with a warning instead of failing the page.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

use crate::extract::ExtractError;

/// How far into the page a `<meta charset>` is looked for (browsers look at 1024 bytes;
/// real pages sometimes put the tag a little later).
pub const META_SCAN_BYTES: usize = 4096;

/// What a page is: HTML (a `<meta charset>` may name the encoding) or JSON (never).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Markup {
    Html,
    Json,
}

/// Decodes `body` to text; size-checked first (empty and oversized bodies are errors).
pub(crate) fn decode(
    body: &[u8],
    content_type: Option<&str>,
    markup: Markup,
    warnings: &mut Vec<String>,
) -> Result<String, ExtractError> {
    crate::extract::guard::check_size(body)?;
    if let Some((encoding, bom_len)) = Encoding::for_bom(body) {
        return Ok(decode_with(encoding, &body[bom_len..], warnings));
    }
    if let Some(label) = content_type.and_then(header_charset) {
        match Encoding::for_label(label.trim().as_bytes()) {
            Some(encoding) => return Ok(decode_with(encoding, body, warnings)),
            None => warnings.push(format!(
                "the server names an unknown charset `{label}`; ignored"
            )),
        }
    }
    if markup == Markup::Html
        && let Some(label) = meta_charset(body)
    {
        match Encoding::for_label(label.as_bytes()) {
            // A page that can be scanned for ASCII `<meta` is not UTF-16, whatever it says.
            Some(enc) if enc == UTF_16LE || enc == UTF_16BE => {
                return Ok(decode_with(UTF_8, body, warnings));
            }
            Some(encoding) => return Ok(decode_with(encoding, body, warnings)),
            None => warnings.push(format!(
                "the page declares an unknown charset `{label}`; read as UTF-8"
            )),
        }
    }
    match std::str::from_utf8(body) {
        Ok(text) => Ok(text.to_owned()),
        Err(_) if markup == Markup::Json => Err(ExtractError::Encoding {
            detail: "the JSON body is not valid UTF-8 and names no charset".into(),
        }),
        Err(_) => {
            warnings
                .push("the page is not valid UTF-8 and names no charset; read as cp1252".into());
            Ok(decode_with(WINDOWS_1252, body, warnings))
        }
    }
}

/// Decodes with replacement characters, warning once when any were needed.
fn decode_with(encoding: &'static Encoding, bytes: &[u8], warnings: &mut Vec<String>) -> String {
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    if had_errors {
        warnings.push(format!(
            "some bytes are not valid {}; they were replaced by U+FFFD",
            encoding.name()
        ));
    }
    text.into_owned()
}

/// The `charset` parameter of a `Content-Type` value, unquoted.
fn header_charset(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        (!value.is_empty()).then(|| value.to_owned())
    })
}

/// The charset a `<meta>` tag in the first [`META_SCAN_BYTES`] names, if any.
fn meta_charset(body: &[u8]) -> Option<String> {
    let head = &body[..body.len().min(META_SCAN_BYTES)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(at) = find(&lower[from..], b"<meta") {
        let tag_start = from + at;
        let tag_end = find(&lower[tag_start..], b">").map_or(lower.len(), |e| tag_start + e);
        let tag = &lower[tag_start..tag_end];
        if let Some(c) = find(tag, b"charset") {
            let rest = &tag[c + b"charset".len()..];
            let rest = trim_start(rest);
            if let Some(rest) = rest.strip_prefix(b"=") {
                let rest = trim_start(rest);
                let rest = rest
                    .strip_prefix(b"\"")
                    .or_else(|| rest.strip_prefix(b"'"))
                    .unwrap_or(rest);
                let end = rest
                    .iter()
                    .position(|b| {
                        matches!(b, b'"' | b'\'' | b';' | b'/' | b'>') || b.is_ascii_whitespace()
                    })
                    .unwrap_or(rest.len());
                let label = String::from_utf8_lossy(&rest[..end]).into_owned();
                if !label.is_empty() {
                    return Some(label);
                }
            }
        }
        from = tag_end;
    }
    None
}

/// Position of `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `bytes` without leading ASCII whitespace.
fn trim_start(bytes: &[u8]) -> &[u8] {
    let n = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &bytes[n..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(body: &[u8], ct: Option<&str>) -> (String, Vec<String>) {
        let mut warnings = Vec::new();
        let text = decode(body, ct, Markup::Html, &mut warnings).expect("decoded");
        (text, warnings)
    }

    #[test]
    fn p07_meta_charset_is_honoured() {
        let body = b"<html><head><meta charset=\"iso-8859-1\"></head><body>Caf\xe9</body></html>";
        assert!(html(body, None).0.contains("Café"));
        let body = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\"><p>\x93hi\x94</p>";
        assert!(html(body, None).0.contains("\u{201c}hi\u{201d}"));
    }

    #[test]
    fn p07_header_beats_meta_and_bom_beats_header() {
        let body = b"<meta charset=\"utf-8\"><p>Caf\xe9</p>";
        assert!(
            html(body, Some("text/html; charset=ISO-8859-1"))
                .0
                .contains("Café")
        );
        let body = b"\xEF\xBB\xBF<p>Caf\xC3\xA9</p>";
        assert!(
            html(body, Some("text/html; charset=ISO-8859-1"))
                .0
                .contains("Café")
        );
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("<p>Ñandú</p>".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert!(html(&utf16, None).0.contains("Ñandú"));
    }

    #[test]
    fn p07_undeclared_legacy_bytes_fall_back_to_cp1252_with_a_warning() {
        let (text, warnings) = html(b"<p>Espa\xf1a</p>", None);
        assert!(text.contains("España"));
        assert_eq!(warnings.len(), 1);
    }

    #[test]
    fn json_must_be_utf8() {
        let mut warnings = Vec::new();
        let err = decode(b"{\"a\":\"\xff\"}", None, Markup::Json, &mut warnings);
        assert!(matches!(err, Err(ExtractError::Encoding { .. })));
    }
}
