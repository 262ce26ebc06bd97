//! Markup → plain text.
//!
//! Titles and bodies arrive as HTML, as text, or as HTML escaped once too often
//! (`&lt;b&gt;Cumbre&lt;/b&gt;` shown literally by naive readers). We parse with
//! html5ever (through scraper) rather than with regexes, because only a real HTML
//! parser agrees with browsers on where a tag or an entity ends. The tree is walked
//! iteratively (open/close edges), so deeply nested markup cannot exhaust the stack.

use ego_tree::iter::Edge;
use scraper::{Html, Node};

/// Input beyond this many bytes is cut before parsing (a mention needs far less).
pub const MAX_TEXT_INPUT_BYTES: usize = 1024 * 1024;

/// Markup nested deeper than this skips the HTML parser (whose cost grows with the
/// square of the depth) and goes through a linear tag stripper instead.
pub const MAX_MARKUP_DEPTH: usize = 512;

/// How many extra decoding passes a double-escaped string gets.
const EXTRA_PASSES: usize = 2;

/// Elements whose content is never text a reader sees.
const DROPPED: [&str; 6] = ["script", "style", "noscript", "template", "head", "title"];

/// Elements that separate words (a space is put around them).
const BLOCKS: [&str; 34] = [
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Elements that never have content, so never deepen the tree.
const VOID: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// Tag names that, seen literally in already-decoded text, mean it was escaped twice.
const TELLTALE_TAGS: [&str; 30] = [
    "a",
    "b",
    "i",
    "u",
    "s",
    "em",
    "strong",
    "p",
    "br",
    "div",
    "span",
    "img",
    "font",
    "script",
    "style",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "blockquote",
    "table",
    "td",
    "tr",
    "iframe",
    "small",
    "sup",
    "sub",
    "code",
];

/// Markup stripped (script/style dropped), entities decoded (also when escaped twice),
/// NUL and other control characters removed, whitespace collapsed to single spaces.
pub fn plain_text(html_or_text: &str) -> String {
    let input = truncate(html_or_text, MAX_TEXT_INPUT_BYTES);
    let input = strip_controls(input);
    let mut text = markup_to_text(&input);
    for _ in 0..EXTRA_PASSES {
        if !looks_escaped(&text) {
            break;
        }
        let again = markup_to_text(&text);
        if again == text {
            break;
        }
        text = again;
    }
    collapse_whitespace(&strip_controls(&text))
}

/// The longest prefix of `s` of at most `max` bytes that ends on a char boundary.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `s` without control characters; tabs and line breaks become spaces.
///
/// C1 controls (U+0080–U+009F) are what cp1252 punctuation becomes when a publisher
/// mislabels cp1252 as ISO-8859-1 ("don\u{92}t"); they are mapped to the character
/// cp1252 meant (U+2019) rather than dropped.
fn strip_controls(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' => Some(' '),
            '\u{80}'..='\u{9f}' => cp1252_char(c as u8).filter(|m| !m.is_control()),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// The character cp1252 assigns to `byte`.
fn cp1252_char(byte: u8) -> Option<char> {
    let (text, _) =
        encoding_rs::WINDOWS_1252.decode_without_bom_handling(std::slice::from_ref(&byte));
    text.chars().next()
}

/// Single spaces between words, none at the ends.
fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text a reader would see in an HTML fragment.
fn markup_to_text(s: &str) -> String {
    if !s.contains(['<', '&']) {
        return s.to_owned();
    }
    if markup_depth_exceeds(s, MAX_MARKUP_DEPTH) {
        return strip_tags_linear(s);
    }
    let fragment = Html::parse_fragment(s);
    let mut out = String::with_capacity(s.len());
    let mut dropped_depth = 0usize;
    for edge in fragment.tree.root().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(el) if DROPPED.contains(&el.name()) => dropped_depth += 1,
                Node::Element(el) if BLOCKS.contains(&el.name()) => out.push(' '),
                Node::Text(text) if dropped_depth == 0 => out.push_str(text),
                _ => {}
            },
            Edge::Close(node) => match node.value() {
                Node::Element(el) if DROPPED.contains(&el.name()) => {
                    dropped_depth = dropped_depth.saturating_sub(1);
                }
                Node::Element(el) if BLOCKS.contains(&el.name()) => out.push(' '),
                _ => {}
            },
        }
    }
    out
}

/// True when open (non-void, unclosed) tags nest deeper than `limit` somewhere in `s`.
fn markup_depth_exceeds(s: &str, limit: usize) -> bool {
    let mut depth = 0usize;
    for (at, _) in s.match_indices('<') {
        let rest = &s[at + 1..];
        let (closing, rest) = match rest.strip_prefix('/') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let name_len = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        if name_len == 0 {
            continue;
        }
        let name = rest[..name_len].to_ascii_lowercase();
        if closing {
            depth = depth.saturating_sub(1);
        } else if !VOID.contains(&name.as_str()) {
            depth += 1;
            if depth > limit {
                return true;
            }
        }
    }
    false
}

/// Drops everything between `<` and `>` and decodes the XML entities: the fallback for
/// markup too deep for the HTML parser. Crude, linear, and only for hostile input.
fn strip_tags_linear(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match (in_tag, c) {
            (false, '<') => in_tag = true,
            (true, '>') => {
                in_tag = false;
                out.push(' ');
            }
            (false, c) => out.push(c),
            (true, _) => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// True when decoded text still holds an entity (`&amp;`, `&#39;`) or an HTML tag.
fn looks_escaped(s: &str) -> bool {
    has_entity(s) || has_tag(s)
}

/// Finds `&name;`, `&#123;` or `&#x1F;`.
fn has_entity(s: &str) -> bool {
    s.match_indices('&').any(|(at, _)| {
        let rest = &s[at + 1..];
        let Some(end) = rest.find(';') else {
            return false;
        };
        let body = &rest[..end];
        if body.is_empty() || body.len() > 32 {
            return false;
        }
        match body.strip_prefix('#') {
            Some(num) => match num.strip_prefix(['x', 'X']) {
                Some(hex) => !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()),
                None => !num.is_empty() && num.chars().all(|c| c.is_ascii_digit()),
            },
            None => body.chars().all(|c| c.is_ascii_alphanumeric()),
        }
    })
}

/// Finds `<tag …>` or `</tag>` for a tag in [`TELLTALE_TAGS`].
fn has_tag(s: &str) -> bool {
    s.match_indices('<').any(|(at, _)| {
        let rest = &s[at + 1..];
        let rest = rest.strip_prefix('/').unwrap_or(rest);
        let name_len = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        let name = rest[..name_len].to_ascii_lowercase();
        let after = rest[name_len..].chars().next();
        TELLTALE_TAGS.contains(&name.as_str())
            && matches!(after, Some('>' | '/' | ' ' | '\t' | '\n'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_stripped_and_entities_decoded() {
        assert_eq!(
            plain_text("<b>Cumbre</b> Bank &amp; Co"),
            "Cumbre Bank & Co"
        );
        assert_eq!(
            plain_text("caf&eacute; &#8220;ok&#x201D;"),
            "caf\u{e9} \u{201c}ok\u{201d}"
        );
        assert_eq!(plain_text("<p>one</p><p>two</p>"), "one two");
        assert_eq!(plain_text("line<br>break"), "line break");
    }

    #[test]
    fn script_and_style_are_dropped() {
        let html = "<style>p{color:red}</style><p>Nice <script>alert('x')</script>service</p>";
        assert_eq!(plain_text(html), "Nice service");
    }

    #[test]
    fn double_escaped_markup_is_decoded() {
        assert_eq!(plain_text("&lt;b&gt;Cumbre&lt;/b&gt; Bank"), "Cumbre Bank");
        assert_eq!(plain_text("AT&amp;amp;T"), "AT&T");
        assert_eq!(plain_text("&lt;script&gt;alert(1)&lt;/script&gt;Hi"), "Hi");
    }

    #[test]
    fn plain_text_is_left_alone() {
        assert_eq!(
            plain_text("  I <3 Cumbre,\n\t a < b > c  "),
            "I <3 Cumbre, a < b > c"
        );
        assert_eq!(plain_text("AT&T rocks"), "AT&T rocks");
        assert_eq!(plain_text(""), "");
    }

    #[test]
    fn p08_control_characters_are_removed() {
        assert_eq!(
            plain_text("Cum\u{0}bre\u{7} Bank\u{1b}\u{9d}"),
            "Cumbre Bank"
        );
        assert_eq!(plain_text("don\u{92}t"), "don\u{2019}t");
        assert_eq!(plain_text("a&#1;b"), "ab");
    }

    #[test]
    fn deep_markup_does_not_overflow() {
        let deep = "<div>".repeat(100_000) + "deep &amp; dark";
        assert_eq!(plain_text(&deep), "deep & dark");
        let shallow = "<div>".repeat(MAX_MARKUP_DEPTH) + "<b>x</b>";
        assert_eq!(plain_text(&shallow), "x");
    }

    #[test]
    fn nbsp_counts_as_whitespace() {
        assert_eq!(plain_text("Cumbre&nbsp;&nbsp;Bank"), "Cumbre Bank");
    }
}
