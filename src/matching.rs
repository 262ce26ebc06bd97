//! Match: which brands an item mentions, and where.
//!
//! Every brand name, alias and exclusion goes into one Aho-Corasick automaton over a
//! *folded* copy of the text (lowercase, accents removed, whitespace collapsed), so one
//! pass finds every brand however many are configured, "BANCO CÚMBRE" matches
//! "Banco Cumbre", and a line break inside a name does not hide it. The folded text keeps
//! a map back to original byte offsets, so spans and snippets point into the real text.
//! Hits must sit on word boundaries ("Cumbre Banking" is not "Cumbre Bank"), and a hit
//! inside an exclusion phrase of the same brand ("Cumbre Bank Arena") does not count.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::config::BrandConfig;

/// Characters of context kept on each side of the first hit in a snippet.
pub const SNIPPET_CONTEXT: usize = 120;

/// One brand found in one item.
#[derive(Debug, Clone, PartialEq)]
pub struct BrandMatch {
    /// Index of the brand in the config.
    pub brand: usize,
    /// Byte ranges of every counted hit in the searched text.
    pub spans: Vec<(usize, usize)>,
}

/// The compiled matcher for every configured brand.
#[derive(Debug, Clone)]
pub struct Matcher {
    automaton: Option<AhoCorasick>,
    /// For each pattern: (brand index, is it an exclusion).
    patterns: Vec<(usize, bool)>,
    brands: usize,
}

impl Matcher {
    /// Build one automaton for all brands' names, aliases and exclusions.
    pub fn new(brands: &[BrandConfig]) -> Matcher {
        let mut texts = Vec::new();
        let mut patterns = Vec::new();
        for (i, b) in brands.iter().enumerate() {
            for term in std::iter::once(&b.name).chain(&b.aliases) {
                push_pattern(&mut texts, &mut patterns, term, i, false);
            }
            for term in &b.exclude {
                push_pattern(&mut texts, &mut patterns, term, i, true);
            }
        }
        let automaton = (!texts.is_empty()).then(|| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .build(&texts)
                .expect("folded brand terms are short literal patterns")
        });
        Matcher {
            automaton,
            patterns,
            brands: brands.len(),
        }
    }

    /// Every brand `text` mentions, at most one entry per brand, in config order.
    pub fn find(&self, text: &str) -> Vec<BrandMatch> {
        let Some(ac) = &self.automaton else {
            return Vec::new();
        };
        let folded = Folded::new(text);
        let mut hits: Vec<Vec<(usize, usize)>> = vec![Vec::new(); self.brands];
        let mut excluded: Vec<Vec<(usize, usize)>> = vec![Vec::new(); self.brands];
        for m in ac.find_overlapping_iter(&folded.text) {
            if !folded.on_word_boundaries(m.start(), m.end()) {
                continue;
            }
            let (brand, exclusion) = self.patterns[m.pattern().as_usize()];
            let list = if exclusion { &mut excluded } else { &mut hits };
            list[brand].push((m.start(), m.end()));
        }
        let mut found = Vec::new();
        for (brand, brand_hits) in hits.into_iter().enumerate() {
            let mut spans: Vec<(usize, usize)> = brand_hits
                .into_iter()
                .filter(|&(s, e)| !excluded[brand].iter().any(|&(xs, xe)| xs <= s && e <= xe))
                .map(|(s, e)| folded.original_span(s, e))
                .collect();
            if spans.is_empty() {
                continue;
            }
            spans.sort_unstable();
            spans.dedup();
            found.push(BrandMatch { brand, spans });
        }
        found
    }
}

fn push_pattern(
    texts: &mut Vec<String>,
    patterns: &mut Vec<(usize, bool)>,
    term: &str,
    brand: usize,
    exclusion: bool,
) {
    let folded = Folded::new(term).text.trim().to_string();
    if !folded.is_empty() {
        texts.push(folded);
        patterns.push((brand, exclusion));
    }
}

/// Fold a string for comparison: lowercase, accents removed, whitespace runs → one space.
pub fn fold(text: &str) -> String {
    Folded::new(text).text
}

/// A folded copy of a text with a map from folded byte offsets to original ones.
struct Folded {
    text: String,
    /// `origin[i]` = byte offset in the original of the char that produced folded byte `i`;
    /// one extra entry at the end = original length.
    origin: Vec<usize>,
    /// Original byte offset just past the char that produced folded byte `i`.
    origin_end: Vec<usize>,
}

impl Folded {
    fn new(original: &str) -> Folded {
        let mut text = String::with_capacity(original.len());
        let mut origin = Vec::with_capacity(original.len() + 1);
        let mut origin_end = Vec::with_capacity(original.len() + 1);
        let mut last_space = true;
        for (at, ch) in original.char_indices() {
            let end = at + ch.len_utf8();
            if ch.is_whitespace() {
                if !last_space {
                    text.push(' ');
                    origin.push(at);
                    origin_end.push(end);
                    last_space = true;
                }
                continue;
            }
            last_space = false;
            if ch.is_ascii() {
                // The common case: no decomposition, one byte in, one byte out.
                text.push(ch.to_ascii_lowercase());
                origin.push(at);
                origin_end.push(end);
                continue;
            }
            for c in ch.to_lowercase().nfd().filter(|c| !is_combining_mark(*c)) {
                let before = text.len();
                text.push(c);
                for _ in before..text.len() {
                    origin.push(at);
                    origin_end.push(end);
                }
            }
        }
        origin.push(original.len());
        origin_end.push(original.len());
        Folded {
            text,
            origin,
            origin_end,
        }
    }

    /// A hit counts only between non-alphanumeric characters (or the text's ends).
    fn on_word_boundaries(&self, start: usize, end: usize) -> bool {
        let before = self.text[..start].chars().next_back();
        let after = self.text[end..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    }

    fn original_span(&self, start: usize, end: usize) -> (usize, usize) {
        (self.origin[start], self.origin_end[end - 1])
    }
}

/// The snippet shown for a mention of an item whose searched text is `title`, a newline,
/// then `body` (as `poll` builds it): text around the first hit in the body, or, when only
/// the title names the brand, the title and the start of the body.
pub fn mention_snippet(title: &str, body: &str, spans: &[(usize, usize)]) -> String {
    let offset = title.len() + 1;
    if let Some(&(s, e)) = spans.iter().find(|(s, _)| *s >= offset) {
        return snippet(body, (s - offset, e - offset), SNIPPET_CONTEXT);
    }
    let lead = snippet(body, (0, 0), 2 * SNIPPET_CONTEXT);
    match (title.trim().is_empty(), lead.is_empty()) {
        (_, true) => title.trim().to_string(),
        (true, false) => lead,
        (false, false) => format!("{} — {lead}", title.trim()),
    }
}

/// About `context` characters either side of `span`, cut at word boundaries, with "…"
/// where text was cut.
pub fn snippet(text: &str, span: (usize, usize), context: usize) -> String {
    let (start, end) = span;
    let mut from = text[..start]
        .char_indices()
        .rev()
        .nth(context.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    let mut to = text[end..]
        .char_indices()
        .nth(context)
        .map_or(text.len(), |(i, _)| end + i);
    if from > 0 {
        // Start after the next space so the snippet does not open mid-word.
        if let Some(i) = text[from..start].find(char::is_whitespace) {
            from += i + 1;
        }
    }
    if to < text.len()
        && let Some(i) = text[end..to].rfind(char::is_whitespace)
    {
        to = end + i;
    }
    let body = text[from..to]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut out = String::with_capacity(body.len() + 6);
    if from > 0 {
        out.push('…');
    }
    out.push_str(&body);
    if to < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brand(name: &str, aliases: &[&str], exclude: &[&str]) -> BrandConfig {
        BrandConfig {
            name: name.into(),
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
            exclude: exclude.iter().map(|s| s.to_string()).collect(),
            lang: None,
            sla: None,
        }
    }

    fn cumbre() -> Matcher {
        Matcher::new(&[brand(
            "Cumbre Bank",
            &["Banco Cumbre"],
            &["Cumbre Bank Arena"],
        )])
    }

    #[test]
    fn alias_matches() {
        let m = cumbre().find("Muy mal servicio en Banco Cumbre hoy");
        assert_eq!(m.len(), 1);
        let (s, e) = m[0].spans[0];
        assert_eq!(
            &"Muy mal servicio en Banco Cumbre hoy"[s..e],
            "Banco Cumbre"
        );
    }

    #[test]
    fn whole_words_only() {
        assert!(cumbre().find("Cumbre Banking launches today").is_empty());
        assert!(cumbre().find("xCumbre Bank").is_empty());
        assert_eq!(cumbre().find("(Cumbre Bank)").len(), 1);
        assert_eq!(cumbre().find("Cumbre Bank's app").len(), 1);
    }

    #[test]
    fn case_and_accent_insensitive_with_original_spans() {
        let text = "¡Qué desastre el BANCO CÚMBRE!";
        let m = cumbre().find(text);
        assert_eq!(m.len(), 1);
        let (s, e) = m[0].spans[0];
        assert_eq!(&text[s..e], "BANCO CÚMBRE");
    }

    #[test]
    fn accented_pattern_matches_unaccented_text() {
        let m = Matcher::new(&[brand("Café Olé", &[], &[])]);
        assert_eq!(m.find("I love cafe ole").len(), 1);
        assert_eq!(m.find("I love CAFÉ OLÉ").len(), 1);
    }

    #[test]
    fn whitespace_inside_name_is_folded() {
        assert_eq!(cumbre().find("Cumbre\n   Bank is down").len(), 1);
    }

    #[test]
    fn exclusion_only_is_not_a_mention() {
        assert!(
            cumbre()
                .find("Concert tonight at Cumbre Bank Arena")
                .is_empty()
        );
    }

    #[test]
    fn exclusion_plus_real_mention_counts_once() {
        let text = "After the Cumbre Bank Arena show, Cumbre Bank charged me twice";
        let m = cumbre().find(text);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].spans.len(), 1);
        assert_eq!(&text[m[0].spans[0].0..m[0].spans[0].1], "Cumbre Bank");
    }

    #[test]
    fn one_mention_per_brand_with_all_spans() {
        let m = cumbre().find("Cumbre Bank, Cumbre Bank and Banco Cumbre");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].spans.len(), 3);
    }

    #[test]
    fn several_brands_in_one_pass() {
        let m = Matcher::new(&[brand("Acme", &[], &[]), brand("Globex", &["GBX"], &[])]);
        let found = m.find("Acme beat Globex; gbx shares fell");
        assert_eq!(
            found.iter().map(|b| b.brand).collect::<Vec<_>>(),
            vec![0, 1]
        );
        assert_eq!(found[1].spans.len(), 2);
    }

    #[test]
    fn snippet_is_cut_at_words_with_ellipses() {
        let text = format!(
            "{} Cumbre Bank lost my money {}",
            "word ".repeat(100),
            "tail ".repeat(100)
        );
        let m = cumbre().find(&text);
        let s = &snippet(&text, m[0].spans[0], SNIPPET_CONTEXT);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("Cumbre Bank lost my money"));
        assert!(!s.contains("wor …") && s.chars().count() < 2 * SNIPPET_CONTEXT + 40);
    }

    #[test]
    fn mention_snippet_prefers_the_body_hit() {
        let title = "Cumbre Bank outage";
        let body = "Customers of Cumbre Bank were charged twice.";
        let text = format!("{title}\n{body}");
        let m = cumbre().find(&text);
        assert_eq!(m[0].spans.len(), 2);
        assert_eq!(mention_snippet(title, body, &m[0].spans), body);
        let body = "They were charged twice.";
        let text = format!("{title}\n{body}");
        let m = cumbre().find(&text);
        assert_eq!(
            mention_snippet(title, body, &m[0].spans),
            "Cumbre Bank outage — They were charged twice."
        );
    }

    #[test]
    fn no_brands_no_matches() {
        assert!(Matcher::new(&[]).find("anything").is_empty());
    }
}
