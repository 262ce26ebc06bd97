//! Character encoding: which bytes feed-rs sees.
//!
//! feed-rs (through quick-xml) reads the BOM and the XML declaration itself, and it
//! gets ISO-8859-1, cp1252, Shift_JIS, … right when it reads the *raw bytes*. So the
//! default here is to hand the bytes over untouched. We transcode to UTF-8 (and drop
//! the then-wrong XML declaration) only where feed-rs cannot be right on its own:
//!
//! - UTF-32 (encoding_rs has no UTF-32 decoder) and UTF-16 (quick-xml scans bytes
//!   for `<`, which UTF-16 hides), with or without a BOM;
//! - an HTTP `charset` that names a different encoding than the document (the header
//!   wins, as RFC 3023 and feedparser's `http_*` cases say);
//! - a UTF-8 BOM in front of a declaration that names something else (the BOM wins);
//! - a declaration naming an encoding nobody knows.
//!
//! A document with no usable declaration that is not valid UTF-8 is retried once as
//! cp1252 (the "smart quotes" case), with a warning.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

use super::ExtractError;

/// The bytes to parse, and whether a cp1252 retry is allowed if they are not UTF-8.
pub(crate) struct Prepared<'a> {
    /// Bytes in an ASCII-compatible encoding that quick-xml can read.
    pub bytes: Cow<'a, [u8]>,
    /// True when the effective encoding is UTF-8 only by default or by claim.
    pub may_retry_as_cp1252: bool,
}

/// Decides the encoding of `body` and returns bytes feed-rs can read correctly.
pub(crate) fn prepare<'a>(
    body: &'a [u8],
    content_type: Option<&str>,
    warnings: &mut Vec<String>,
) -> Result<Prepared<'a>, ExtractError> {
    let header = content_type.map(parse_content_type).unwrap_or_default();
    if let Some(media) = &header.media_type
        && !is_feed_media_type(media)
    {
        warnings.push(format!(
            "served as `{media}`, not as a feed type; parsed anyway"
        ));
    }

    if let Some(wide) = detect_wide(body) {
        let text = decode_wide(body, wide)?;
        return Ok(transcoded(text));
    }
    if let Some(rest) = body.strip_prefix(b"\xEF\xBB\xBF".as_slice()) {
        // The BOM says UTF-8, whatever the declaration or header claims.
        let text = std::str::from_utf8(rest).map_err(|e| ExtractError::Encoding {
            detail: format!("a UTF-8 byte order mark is followed by invalid UTF-8 ({e})"),
        })?;
        return Ok(transcoded(text.to_owned()));
    }

    let declared_label = declared_encoding(body);
    let declared = match declared_label.as_deref() {
        Some(label) => match Encoding::for_label(label.as_bytes()) {
            // A declaration of UTF-16 on bytes that are not UTF-16 is a lie; read as UTF-8.
            Some(enc) if enc == UTF_16LE || enc == UTF_16BE => None,
            Some(enc) => Some(enc),
            None => {
                warnings.push(format!(
                    "the document declares an unknown encoding `{label}`; read as UTF-8"
                ));
                None
            }
        },
        None => None,
    };

    let from_header = match header.charset.as_deref() {
        Some(label) => match Encoding::for_label(label.as_bytes()) {
            Some(enc) if enc == UTF_16LE || enc == UTF_16BE => {
                warnings.push(format!(
                    "the server names charset `{label}` but the body is not UTF-16; ignored"
                ));
                None
            }
            Some(enc) => Some(enc),
            None => {
                warnings.push(format!(
                    "the server names an unknown charset `{label}`; ignored"
                ));
                None
            }
        },
        None => None,
    };

    let effective = declared.unwrap_or(UTF_8);
    if let Some(enc) = from_header
        && enc != effective
    {
        match enc.decode_without_bom_handling_and_without_replacement(body) {
            Some(text) => return Ok(transcoded(text.into_owned())),
            None => warnings.push(format!(
                "the server names charset `{}` but the body is not valid {}; used the document's own declaration",
                enc.name(),
                enc.name()
            )),
        }
    }

    if declared.is_none() && declared_label.is_some() {
        // quick-xml would refuse the unknown label: drop the declaration, read as UTF-8.
        let stripped = strip_declaration_bytes(body);
        return Ok(Prepared {
            bytes: Cow::Owned(stripped.to_vec()),
            may_retry_as_cp1252: true,
        });
    }
    Ok(Prepared {
        bytes: Cow::Borrowed(body),
        may_retry_as_cp1252: effective == UTF_8,
    })
}

/// Re-reads `bytes` as cp1252 (a superset of ISO-8859-1) and returns UTF-8.
pub(crate) fn as_cp1252(bytes: &[u8], warnings: &mut Vec<String>) -> Vec<u8> {
    warnings.push("the document is not valid UTF-8 and names no charset; read as cp1252".into());
    let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
    strip_declaration(&text).as_bytes().to_vec()
}

/// UTF-8 text ready for quick-xml: its declaration no longer names another encoding.
fn transcoded(text: String) -> Prepared<'static> {
    let text = match strip_declaration(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(s) => s,
    };
    Prepared {
        bytes: Cow::Owned(text.into_bytes()),
        may_retry_as_cp1252: false,
    }
}

/// The two header fields that matter here.
#[derive(Debug, Default, PartialEq)]
struct ContentType {
    media_type: Option<String>,
    charset: Option<String>,
}

/// Parses `type/subtype; charset="x"; other=y` leniently (odd spacing and quotes are common).
fn parse_content_type(value: &str) -> ContentType {
    let mut parts = value.split(';');
    let media_type = parts
        .next()
        .map(|m| m.trim().to_ascii_lowercase())
        .filter(|m| !m.is_empty());
    let charset = parts.find_map(|param| {
        let (key, val) = param.split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let val = val.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        (!val.is_empty()).then(|| val.to_owned())
    });
    ContentType {
        media_type,
        charset,
    }
}

/// True for the media types feeds are served with (XML, JSON, or unspecified binary).
fn is_feed_media_type(media: &str) -> bool {
    media.ends_with("xml")
        || media.ends_with("json")
        || media.contains("+xml")
        || media.contains("rss")
        || media.contains("atom")
        || media == "text/xml-external-parsed-entity"
        || media == "application/xml-external-parsed-entity"
        || media == "application/octet-stream"
}

/// A wide (non ASCII-compatible) Unicode encoding found by BOM or by the `<` pattern.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Wide {
    Utf16Le,
    Utf16Be,
    Utf32Le,
    Utf32Be,
}

/// Recognises UTF-16/32 by BOM or by how `<` (or `{`) is laid out (XML 1.0 appendix F).
fn detect_wide(body: &[u8]) -> Option<Wide> {
    match body {
        [0x00, 0x00, 0xFE, 0xFF, ..] => Some(Wide::Utf32Be),
        [0xFF, 0xFE, 0x00, 0x00, ..] => Some(Wide::Utf32Le),
        [0xFE, 0xFF, ..] => Some(Wide::Utf16Be),
        [0xFF, 0xFE, ..] => Some(Wide::Utf16Le),
        [0x00, 0x00, 0x00, b, ..] if is_start(*b) => Some(Wide::Utf32Be),
        [b, 0x00, 0x00, 0x00, ..] if is_start(*b) => Some(Wide::Utf32Le),
        [0x00, b, ..] if is_start(*b) => Some(Wide::Utf16Be),
        [b, 0x00, ..] if is_start(*b) => Some(Wide::Utf16Le),
        _ => None,
    }
}

/// A byte a feed document can start with: `<`, `{` or whitespace.
fn is_start(b: u8) -> bool {
    matches!(b, b'<' | b'{' | b' ' | b'\t' | b'\r' | b'\n')
}

/// Decodes UTF-16/32 strictly (a BOM, if present, is skipped).
fn decode_wide(body: &[u8], wide: Wide) -> Result<String, ExtractError> {
    let invalid = |what: &str| ExtractError::Encoding {
        detail: format!("the body looks like {what} but holds invalid sequences"),
    };
    match wide {
        Wide::Utf16Le | Wide::Utf16Be => {
            let enc = if wide == Wide::Utf16Le {
                UTF_16LE
            } else {
                UTF_16BE
            };
            let rest = match body {
                [0xFF, 0xFE, rest @ ..] | [0xFE, 0xFF, rest @ ..] => rest,
                _ => body,
            };
            enc.decode_without_bom_handling_and_without_replacement(rest)
                .map(Cow::into_owned)
                .ok_or_else(|| invalid(enc.name()))
        }
        Wide::Utf32Le | Wide::Utf32Be => {
            let name = if wide == Wide::Utf32Le {
                "UTF-32LE"
            } else {
                "UTF-32BE"
            };
            if !body.len().is_multiple_of(4) {
                return Err(invalid(name));
            }
            let mut out = String::with_capacity(body.len() / 4);
            for (i, chunk) in body.chunks_exact(4).enumerate() {
                let bytes = [chunk[0], chunk[1], chunk[2], chunk[3]];
                let code = if wide == Wide::Utf32Le {
                    u32::from_le_bytes(bytes)
                } else {
                    u32::from_be_bytes(bytes)
                };
                if i == 0 && code == 0xFEFF {
                    continue;
                }
                out.push(char::from_u32(code).ok_or_else(|| invalid(name))?);
            }
            Ok(out)
        }
    }
}

/// The range of the leading `<?xml … ?>` declaration, if the document starts with one.
fn declaration_range(body: &[u8]) -> Option<(usize, usize)> {
    let start = body.iter().position(|b| !b.is_ascii_whitespace())?;
    if !body[start..].starts_with(b"<?xml") {
        return None;
    }
    let window = &body[start..body.len().min(start + 1024)];
    let end = window.windows(2).position(|w| w == b"?>")?;
    Some((start, start + end + 2))
}

/// The `encoding="…"` label of the XML declaration, if any.
fn declared_encoding(body: &[u8]) -> Option<String> {
    let (start, end) = declaration_range(body)?;
    let decl = std::str::from_utf8(&body[start..end]).ok()?;
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?;
    let rest = rest.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    let close = value.find(quote)?;
    Some(value[..close].trim().to_owned())
}

/// `body` without its XML declaration (which would name a now-wrong encoding).
fn strip_declaration_bytes(body: &[u8]) -> Cow<'_, [u8]> {
    match declaration_range(body) {
        Some((start, end)) => {
            let mut out = Vec::with_capacity(body.len());
            out.extend_from_slice(&body[..start]);
            out.extend_from_slice(&body[end..]);
            Cow::Owned(out)
        }
        None => Cow::Borrowed(body),
    }
}

/// `text` without its XML declaration.
fn strip_declaration(text: &str) -> Cow<'_, str> {
    match declaration_range(text.as_bytes()) {
        Some((start, end)) => Cow::Owned(format!("{}{}", &text[..start], &text[end..])),
        None => Cow::Borrowed(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_parsing_is_lenient() {
        let ct = parse_content_type("application/rss+xml;charset= 'us-ascii'");
        assert_eq!(ct.media_type.as_deref(), Some("application/rss+xml"));
        assert_eq!(ct.charset.as_deref(), Some("us-ascii"));
        let ct = parse_content_type("text/xml; qs=0.9");
        assert_eq!(ct.charset, None);
        let ct = parse_content_type("text/xml;charset = \"ISO-8859-1\"");
        assert_eq!(ct.charset.as_deref(), Some("ISO-8859-1"));
    }

    #[test]
    fn declaration_encoding_is_read() {
        let body = b"<?xml version=\"1.0\" encoding='iso-8859-1' ?><rss/>";
        assert_eq!(declared_encoding(body).as_deref(), Some("iso-8859-1"));
        assert_eq!(declared_encoding(b"<rss/>"), None);
        assert_eq!(strip_declaration_bytes(body).as_ref(), b"<rss/>");
    }

    #[test]
    fn wide_encodings_are_detected() {
        assert_eq!(detect_wide(b"\x00\x00\x00<"), Some(Wide::Utf32Be));
        assert_eq!(detect_wide(b"<\x00\x00\x00"), Some(Wide::Utf32Le));
        assert_eq!(detect_wide(b"\xFF\xFE<\x00"), Some(Wide::Utf16Le));
        assert_eq!(detect_wide(b"\x00<\x00?"), Some(Wide::Utf16Be));
        assert_eq!(detect_wide(b"<?xml"), None);
    }

    #[test]
    fn header_charset_overrides_declaration() {
        let body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>caf\u{e9}</title></channel></rss>";
        let latin1 = WINDOWS_1252.encode(body).0.into_owned();
        let mut warnings = Vec::new();
        let prepared = prepare(&latin1, Some("text/xml; charset=iso-8859-1"), &mut warnings)
            .expect("prepared");
        let text = std::str::from_utf8(&prepared.bytes).expect("utf-8");
        assert!(text.contains("caf\u{e9}"));
        assert!(!text.contains("encoding=\"utf-8\""));
    }
}
