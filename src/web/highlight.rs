//! The brand highlighted in a mention's text, safely.
//!
//! The brand's hits are found with the same matcher the pipeline uses (folded case and
//! accents, whole words, exclusions respected), on the raw text; then every piece of text
//! is HTML-escaped on its own and only the hits are wrapped in `<mark>`. No outside
//! character ever reaches the page unescaped, and the only markup is ours.

use crate::config::BrandConfig;
use crate::matching::Matcher;

/// `text` escaped for HTML, with the brand's name and aliases in `<mark>`.
pub fn highlight(text: &str, brand: &BrandConfig) -> String {
    let matcher = Matcher::new(std::slice::from_ref(brand));
    let mut spans: Vec<(usize, usize)> = matcher
        .find(text)
        .into_iter()
        .flat_map(|m| m.spans)
        .collect();
    spans.sort_unstable();
    // "Acme" and "Acme Corp" both hit at the same place: mark their union once.
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    let mut out = String::with_capacity(text.len() + 32);
    let mut at = 0;
    for (start, end) in merged {
        let inside =
            end <= text.len() && text.is_char_boundary(start) && text.is_char_boundary(end);
        if start < at || !inside {
            continue;
        }
        out.push_str(&escape(&text[at..start]));
        out.push_str("<mark>");
        out.push_str(&escape(&text[start..end]));
        out.push_str("</mark>");
        at = end;
    }
    out.push_str(&escape(&text[at..]));
    out
}

/// A brand known only by name (no longer in the config): its name is still highlighted.
pub fn bare_brand(name: &str) -> BrandConfig {
    BrandConfig {
        name: name.to_string(),
        aliases: Vec::new(),
        exclude: Vec::new(),
        lang: None,
        sla: None,
    }
}

/// HTML-escape text for element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn w06_brand_is_marked_and_everything_else_escaped() {
        let brand = BrandConfig {
            aliases: vec!["Banco Cumbre".into()],
            ..bare_brand("Cumbre Bank")
        };
        let html = highlight(
            "<script>x</script> CUMBRE BANK & banco cúmbre <b>hi</b>",
            &brand,
        );
        assert_eq!(
            html,
            "&lt;script&gt;x&lt;/script&gt; <mark>CUMBRE BANK</mark> &amp; <mark>banco cúmbre</mark> &lt;b&gt;hi&lt;/b&gt;"
        );
        let brand = BrandConfig {
            aliases: vec!["Acme Corp".into()],
            ..bare_brand("Acme")
        };
        assert_eq!(
            highlight("Acme Corp rocks", &brand),
            "<mark>Acme Corp</mark> rocks"
        );
        let brand = bare_brand("<b>");
        assert!(!highlight("a <b> c", &brand).contains("<b>"));
    }
}
