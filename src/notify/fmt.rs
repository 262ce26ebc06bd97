//! Formatting helpers for notifications: flattening outside text to one safe line,
//! splitting a snippet around its highlights, checking links, and writing numbers and
//! dates the way each language expects.
//!
//! They are pure functions, kept apart from the view so each can be tested on its own.

use chrono::{DateTime, Datelike, Timelike, Utc};

use super::view::{Segment, TITLE_MAX_CHARS};
use crate::alerts::notice::NoticeLang;

/// Longest snippet shown in a notification body, in characters.
pub const SNIPPET_MAX_CHARS: usize = 1000;

/// Splits a snippet into plain and highlighted pieces. Ranges out of bounds, not on
/// character boundaries or overlapping an earlier one are ignored.
pub(crate) fn segments(snippet: &str, highlight: &[(usize, usize)]) -> Vec<Segment> {
    let mut ranges: Vec<(usize, usize)> = highlight
        .iter()
        .copied()
        .filter(|&(a, b)| a < b && snippet.get(a..b).is_some())
        .collect();
    ranges.sort_unstable();
    let mut out = Vec::new();
    let mut pos = 0;
    let mut budget = SNIPPET_MAX_CHARS;
    let mut push = |text: &str, mark: bool, budget: &mut usize| {
        if *budget == 0 || text.is_empty() {
            return;
        }
        let n = text.chars().count();
        let text = if n > *budget {
            let cut: String = text.chars().take(*budget).collect();
            format!("{cut}…")
        } else {
            text.to_string()
        };
        *budget = budget.saturating_sub(n);
        out.push(Segment {
            text: replace_controls(&text),
            mark,
        });
    };
    for (a, b) in ranges {
        if a < pos {
            continue;
        }
        push(&snippet[pos..a], false, &mut budget);
        push(&snippet[a..b], true, &mut budget);
        pos = b;
    }
    push(&snippet[pos..], false, &mut budget);
    out
}

/// Returns `(clickable link, text)`: http(s) URLs are links, anything else is text.
pub(crate) fn split_link(url: &str) -> (Option<String>, Option<String>) {
    let url = url.trim();
    if let Some(link) = http_link(url) {
        (Some(link), None)
    } else if url.is_empty() {
        (None, None)
    } else {
        (None, Some(flatten(url, TITLE_MAX_CHARS)))
    }
}

/// The URL in normalized form when it is an absolute http(s) URL with a host; `None`
/// otherwise. Normalizing percent-encodes quotes, spaces and angle brackets.
pub(crate) fn http_link(url: &str) -> Option<String> {
    let u = url::Url::parse(url.trim()).ok()?;
    (matches!(u.scheme(), "http" | "https") && u.has_host()).then(|| u.to_string())
}

/// Replaces control characters, line and paragraph separators and bidi controls by spaces.
fn replace_controls(s: &str) -> String {
    s.chars()
        .map(|c| if is_unsafe_char(c) { ' ' } else { c })
        .collect()
}

fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// One clean line: unsafe characters become spaces, runs of whitespace collapse, and the
/// result is capped at `max` characters (ending in "…" when cut).
pub(crate) fn flatten(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max * 4));
    let mut count = 0;
    for word in replace_controls(s).split_whitespace() {
        let sep = usize::from(!out.is_empty());
        let n = word.chars().count();
        if count + sep + n > max {
            let room = max.saturating_sub(count + sep + 1);
            if room > 0 {
                if sep == 1 {
                    out.push(' ');
                }
                out.extend(word.chars().take(room));
            }
            out.push('…');
            return out;
        }
        if sep == 1 {
            out.push(' ');
        }
        out.push_str(word);
        count += sep + n;
    }
    out
}

/// A number with `decimals` decimals, decimal comma in Spanish.
pub(crate) fn num(x: f64, decimals: usize, lang: NoticeLang) -> String {
    let s = format!("{x:.decimals$}");
    if lang == NoticeLang::Es {
        s.replace('.', ",")
    } else {
        s
    }
}

/// A score with its sign (`+0.42`, `-0.81`).
pub(crate) fn signed(x: f64, lang: NoticeLang) -> String {
    let s = num(x, 2, lang);
    if x > 0.0 { format!("+{s}") } else { s }
}

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTHS_ES: [&str; 12] = [
    "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic",
];

/// A date for people, in UTC: `3 May 2024, 14:05 UTC` / `3 may 2024, 14:05 UTC`.
pub(crate) fn when(t: DateTime<Utc>, lang: NoticeLang) -> String {
    let months = if lang == NoticeLang::Es {
        &MONTHS_ES
    } else {
        &MONTHS_EN
    };
    let month = months.get(t.month0() as usize).copied().unwrap_or("");
    format!(
        "{} {month} {}, {:02}:{:02} UTC",
        t.day(),
        t.year(),
        t.hour(),
        t.minute()
    )
}

/// A duration for people: `for 3 h 20 min` / `hace 3 h 20 min`.
pub(crate) fn duration(d: chrono::TimeDelta, lang: NoticeLang) -> String {
    let amount = amount(d);
    if lang == NoticeLang::Es {
        format!("hace {amount}")
    } else {
        format!("for {amount}")
    }
}

/// A length of time in either language: `3 h 20 min`, `8 h`, `2 d 4 h`, `45 min`.
pub(crate) fn span(d: chrono::TimeDelta) -> String {
    let a = amount(d);
    a.strip_suffix(" 0 min").map(str::to_string).unwrap_or(a)
}

fn amount(d: chrono::TimeDelta) -> String {
    let mins = d.num_minutes().max(0);
    let (days, hours, m) = (mins / 1440, (mins % 1440) / 60, mins % 60);
    if days > 0 {
        format!("{days} d {hours} h")
    } else if hours > 0 {
        format!("{hours} h {m} min")
    } else {
        format!("{m} min")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flatten_removes_line_breaks_and_caps() {
        assert_eq!(flatten("a\r\nBcc: x@y", 100), "a Bcc: x@y");
        assert_eq!(flatten("a\u{2028}b\u{202E}c", 100), "a b c");
        let long = "word ".repeat(100);
        let f = flatten(&long, 20);
        assert_eq!(f.chars().count(), 20);
        assert!(f.ends_with('…'));
        assert_eq!(flatten(&"x".repeat(50), 10).chars().count(), 10);
    }

    #[test]
    fn segments_mark_ranges_and_ignore_bad_ones() {
        let s = "I hate Acme and ACME";
        let segs = segments(s, &[(16, 20), (7, 11), (100, 200), (8, 9), (3, 2)]);
        let marked: Vec<&str> = segs
            .iter()
            .filter(|s| s.mark)
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(marked, ["Acme", "ACME"]);
        let all: String = segs.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(all, s);
        // a range inside a multi-byte character is ignored, not a panic
        assert!(segments("ñandú", &[(1, 2)]).iter().all(|s| !s.mark));
    }

    #[test]
    fn only_http_links_are_links() {
        assert!(http_link("https://example.com/a?b=1&c=2").is_some());
        assert_eq!(http_link("javascript:alert(1)"), None);
        assert_eq!(http_link("data:text/html,<b>"), None);
        assert_eq!(http_link("/relative"), None);
        assert_eq!(
            http_link("https://example.com/\"onmouseover=x").as_deref(),
            Some("https://example.com/%22onmouseover=x")
        );
    }

    #[test]
    fn numbers_and_dates_follow_the_language() {
        assert_eq!(num(2.14, 1, NoticeLang::Es), "2,1");
        assert_eq!(signed(0.5, NoticeLang::En), "+0.50");
        let t = DateTime::parse_from_rfc3339("2024-05-03T14:05:00Z").map(|t| t.with_timezone(&Utc));
        let t = t.expect("valid date");
        assert_eq!(when(t, NoticeLang::En), "3 May 2024, 14:05 UTC");
        assert_eq!(when(t, NoticeLang::Es), "3 may 2024, 14:05 UTC");
    }
}
