//! Turning the strings a page shows into typed values: CSS selectors, dates, numbers,
//! review links.
//!
//! Review pages print values for people ("Date of experience: 15 de diciembre de 2024",
//! "Rated 4 out of 5 stars", "4,5 estrellas"), so the readers here are deliberately
//! forgiving *about surroundings* (a date is looked for at every word start, a number is
//! the first one in the text) and strict *about the value itself* (a date must match one
//! of the recipe's formats, a rating must fall inside its scale). They use no regular
//! expressions: a recipe author configures formats, never patterns.
//!
//! Shared by the html, JSON-LD and JSON extractors.

use std::fmt;

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use scraper::Selector;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use url::Url;

/// The date formats tried when a recipe names none (`format = "auto"`).
pub const AUTO_DATE_FORMATS: [&str; 9] = [
    "%Y-%m-%dT%H:%M:%S%.f%:z",
    "%Y-%m-%dT%H:%M:%S%.fZ",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d",
    "%B %d, %Y",
    "%d %B %Y",
    "%d de %B de %Y",
    "%d %B, %Y",
];

/// Only this many characters of a date's text are searched (a selector that matched a
/// whole paragraph must not cost a parse attempt per word of it).
pub const MAX_DATE_TEXT_CHARS: usize = 200;

/// A CSS selector, compiled once when the recipe is loaded; keeps its source for messages.
#[derive(Clone)]
pub struct Css {
    selector: Selector,
    source: String,
}

impl Css {
    /// Compiles `source`, or says why it is not a CSS selector.
    pub fn parse(source: &str) -> Result<Css, String> {
        let selector = Selector::parse(source)
            .map_err(|e| format!("`{source}` is not a valid CSS selector ({e})"))?;
        Ok(Css {
            selector,
            source: source.to_owned(),
        })
    }

    /// The compiled selector.
    pub fn selector(&self) -> &Selector {
        &self.selector
    }

    /// The selector as the recipe wrote it.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

impl fmt::Debug for Css {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Css({:?})", self.source)
    }
}

impl fmt::Display for Css {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for Css {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let source = String::deserialize(deserializer)?;
        Css::parse(&source).map_err(de::Error::custom)
    }
}

/// One or more date formats: `"rfc3339"`, `"rfc2822"`, `"auto"` or chrono strftime
/// patterns such as `"%b %d, %Y"`; a recipe writes one string or a list.
#[derive(Debug, Clone, PartialEq)]
pub struct DateFormats(Vec<String>);

impl Default for DateFormats {
    fn default() -> Self {
        DateFormats(vec!["auto".to_owned()])
    }
}

impl DateFormats {
    /// Checks every pattern, or says which one is broken.
    pub fn new(formats: Vec<String>) -> Result<DateFormats, String> {
        if formats.is_empty() {
            return Err("give at least one date format, e.g. \"%b %d, %Y\" or \"auto\"".into());
        }
        for f in &formats {
            if matches!(f.as_str(), "auto" | "rfc3339" | "rfc2822") {
                continue;
            }
            if !f.contains('%') {
                return Err(format!(
                    "date format `{f}` has no % field; use chrono strftime fields (e.g. \"%d/%m/%Y\"), \"rfc3339\", \"rfc2822\" or \"auto\""
                ));
            }
            if StrftimeItems::new(f).any(|item| matches!(item, Item::Error)) {
                return Err(format!(
                    "date format `{f}` is not a valid strftime pattern (see chrono's format::strftime docs)"
                ));
            }
        }
        Ok(DateFormats(formats))
    }

    /// The formats, in the order they are tried.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

impl<'de> Deserialize<'de> for DateFormats {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneOrMany;
        impl<'de> Visitor<'de> for OneOrMany {
            type Value = Vec<String>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date format string or a list of them")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(vec![v.to_owned()])
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(out)
            }
        }
        let formats = deserializer.deserialize_any(OneOrMany)?;
        DateFormats::new(formats).map_err(de::Error::custom)
    }
}

/// Reads a date from `text` with the first of `formats` that fits, looking at every word
/// start so that labels around the date ("Reviewed on …") do not matter. Dates without a
/// time are midnight UTC; times without an offset are taken as UTC.
pub fn parse_date(text: &str, formats: &DateFormats) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let cut = text
        .char_indices()
        .nth(MAX_DATE_TEXT_CHARS)
        .map_or(text.len(), |(i, _)| i);
    let text = english_months(&text[..cut]);
    if text.is_empty() {
        return None;
    }
    for format in formats.as_slice() {
        let found = match format.as_str() {
            "rfc3339" => rfc3339(&text),
            "rfc2822" => DateTime::parse_from_rfc2822(&text)
                .ok()
                .map(|d| d.with_timezone(&Utc)),
            "auto" => rfc3339(&text)
                .or_else(|| {
                    DateTime::parse_from_rfc2822(&text)
                        .ok()
                        .map(|d| d.with_timezone(&Utc))
                })
                .or_else(|| AUTO_DATE_FORMATS.iter().find_map(|f| scan(&text, f))),
            pattern => scan(&text, pattern),
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// RFC 3339 / ISO 8601 with an offset, also inside longer text.
fn rfc3339(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|d| d.with_timezone(&Utc))
        .or_else(|| scan(text, "%+"))
}

/// Tries `format` at every word start of `text`.
fn scan(text: &str, format: &str) -> Option<DateTime<Utc>> {
    word_starts(text).find_map(|start| {
        let rest = &text[start..];
        if let Ok((d, _)) = DateTime::parse_and_remainder(rest, format) {
            return Some(d.with_timezone(&Utc));
        }
        if let Ok((d, _)) = NaiveDateTime::parse_and_remainder(rest, format) {
            return Some(d.and_utc());
        }
        NaiveDate::parse_and_remainder(rest, format)
            .ok()
            .and_then(|(d, _)| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc())
    })
}

/// Byte offsets where a word (letter or digit run) starts.
fn word_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    let mut prev_alnum = false;
    text.char_indices().filter_map(move |(i, c)| {
        let alnum = c.is_alphanumeric();
        let start = alnum && !prev_alnum;
        prev_alnum = alnum;
        start.then_some(i)
    })
}

/// Spanish month names (full and abbreviated) replaced by English ones, so that one
/// `%B` / `%b` pattern reads dates on both language versions of a site.
fn english_months(text: &str) -> String {
    const MONTHS: [(&str, &str); 24] = [
        ("enero", "January"),
        ("ene", "Jan"),
        ("febrero", "February"),
        ("marzo", "March"),
        ("abril", "April"),
        ("abr", "Apr"),
        ("mayo", "May"),
        ("junio", "June"),
        ("julio", "July"),
        ("agosto", "August"),
        ("ago", "Aug"),
        ("septiembre", "September"),
        ("setiembre", "September"),
        ("sept", "Sep"),
        ("set", "Sep"),
        ("octubre", "October"),
        ("noviembre", "November"),
        ("diciembre", "December"),
        ("dic", "Dec"),
        ("feb", "Feb"),
        ("mar", "Mar"),
        ("jun", "Jun"),
        ("jul", "Jul"),
        ("oct", "Oct"),
    ];
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let lower = word.to_lowercase();
        match MONTHS.iter().find(|(es, _)| *es == lower) {
            Some((_, en)) => out.push_str(en),
            None => out.push_str(word),
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphabetic() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The first number in `text` ("4", "4.5", "4,5"), read without regular expressions.
pub fn parse_number(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let start = bytes.iter().position(u8::is_ascii_digit)?;
    let mut end = start;
    while end < bytes.len() && bytes[end].is_ascii_digit() {
        end += 1;
    }
    let mut number = text[start..end].to_owned();
    if end + 1 < bytes.len() && matches!(bytes[end], b'.' | b',') && bytes[end + 1].is_ascii_digit()
    {
        let mut frac_end = end + 1;
        while frac_end < bytes.len() && bytes[frac_end].is_ascii_digit() {
            frac_end += 1;
        }
        number.push('.');
        number.push_str(&text[end + 1..frac_end]);
    }
    number.parse().ok()
}

/// A number given as a JSON number or as text (`"4"`, `"4.5"`).
pub fn json_number(value: &serde_json::Value) -> Option<f64> {
    match value {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => parse_number(s),
        _ => None,
    }
}

/// `&`, `<` and `>` escaped, so plain text survives the markup stripping downstream.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Where a review lives, split into what may serve as its link and what as its id.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReviewUrl {
    /// An http(s) URL of the review's own page (no `#fragment`).
    pub link: Option<String>,
    /// The URL as an identifier, when it only points *into* a page (`…#review-3`).
    pub guid: Option<String>,
}

/// Resolves `candidate` against `base` and decides whether it can be the review's link.
///
/// A URL with a `#fragment` is kept as an id only: vigia's canonical URLs drop fragments,
/// so every review linked as `page#review-N` would collapse into one mention.
pub fn review_url(candidate: &str, base: &Url) -> ReviewUrl {
    let Ok(url) = base.join(candidate.trim()) else {
        return ReviewUrl::default();
    };
    if !matches!(url.scheme(), "http" | "https") {
        return ReviewUrl::default();
    }
    match url.fragment() {
        Some(f) if !f.is_empty() => ReviewUrl {
            link: None,
            guid: Some(url.to_string()),
        },
        _ => ReviewUrl {
            link: Some(url.to_string()),
            guid: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn formats(list: &[&str]) -> DateFormats {
        DateFormats::new(list.iter().map(|s| s.to_string()).collect()).expect("valid")
    }

    #[test]
    fn numbers_are_read_from_labels() {
        assert_eq!(parse_number("5 star rating"), Some(5.0));
        assert_eq!(parse_number("Rated 4 out of 5 stars"), Some(4.0));
        assert_eq!(parse_number("Valoración: 4,5 estrellas"), Some(4.5));
        assert_eq!(parse_number("3.5"), Some(3.5));
        assert_eq!(parse_number("4."), Some(4.0));
        assert_eq!(parse_number("no stars"), None);
    }

    #[test]
    fn dates_are_found_inside_labels() {
        let f = formats(&["%B %d, %Y"]);
        let d = parse_date("Date of experience: December 15, 2024", &f).expect("date");
        assert_eq!(d.to_rfc3339(), "2024-12-15T00:00:00+00:00");
        let f = formats(&["%d de %B de %Y"]);
        let d = parse_date("Fecha de la experiencia: 3 de septiembre de 2024", &f).expect("date");
        assert_eq!(d.to_rfc3339(), "2024-09-03T00:00:00+00:00");
        let f = formats(&["%b %d, %Y", "%d/%m/%Y"]);
        assert!(parse_date("Nov 5, 2024", &f).is_some());
        let d = parse_date("05/11/2024", &f).expect("date");
        assert_eq!(d.to_rfc3339(), "2024-11-05T00:00:00+00:00");
        assert_eq!(parse_date("yesterday", &f), None);
    }

    #[test]
    fn auto_reads_iso_and_offsets() {
        let f = DateFormats::default();
        let d = parse_date("2024-12-15T10:30:00.000Z", &f).expect("date");
        assert_eq!(d.to_rfc3339(), "2024-12-15T10:30:00+00:00");
        let d = parse_date("2024-11-15T10:31:12-07:00", &f).expect("date");
        assert_eq!(d.to_rfc3339(), "2024-11-15T17:31:12+00:00");
        assert!(parse_date("2024-03-01", &f).is_some());
    }

    #[test]
    fn bad_formats_are_refused() {
        assert!(DateFormats::new(vec!["%Q".into()]).is_err());
        assert!(DateFormats::new(vec!["dd/mm/yyyy".into()]).is_err());
        assert!(DateFormats::new(vec![]).is_err());
    }

    #[test]
    fn fragment_urls_become_ids() {
        let base = Url::parse("https://example.com/biz/acme").expect("url");
        let r = review_url("/reviews/abc", &base);
        assert_eq!(r.link.as_deref(), Some("https://example.com/reviews/abc"));
        let r = review_url("#review-3", &base);
        assert_eq!(r.link, None);
        assert_eq!(
            r.guid.as_deref(),
            Some("https://example.com/biz/acme#review-3")
        );
        assert_eq!(
            review_url("javascript:alert(1)", &base),
            ReviewUrl::default()
        );
    }
}
