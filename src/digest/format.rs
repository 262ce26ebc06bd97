//! How the digest writes numbers, changes, dates and durations in English and Spanish.
//!
//! Pure functions, tested on their own: the figures a boss reads must be written the way
//! their language writes them (decimal comma and a space before % in Spanish), and the
//! edge cases are where digests usually embarrass themselves: a change from zero is
//! "new", not "+inf%", and a share of an empty week is "—", not "NaN%".

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use crate::alerts::notice::NoticeLang;

/// Which way a change points, for colouring it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trend {
    /// Went up.
    Up,
    /// Went down.
    Down,
    /// No change, or nothing to compare with.
    Flat,
}

/// The narrow no-break space Spanish puts before % and between thousands.
const NNBSP: char = '\u{202f}';
/// The real minus sign: the same width as the plus and never broken from its number.
const MINUS: char = '\u{2212}';

/// An integer: `12,345` in English, `12 345` (narrow no-break space, from five digits)
/// in Spanish.
pub fn int(n: i64, lang: NoticeLang) -> String {
    let digits = n.unsigned_abs().to_string();
    let (sep, from) = match lang {
        NoticeLang::En => (',', 4),
        NoticeLang::Es => (NNBSP, 5),
    };
    let mut out = String::new();
    if digits.len() >= from {
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(c);
        }
    } else {
        out = digits;
    }
    if n < 0 { format!("{MINUS}{out}") } else { out }
}

/// `x` with one decimal, decimal comma in Spanish.
fn one_decimal(x: f64, lang: NoticeLang) -> String {
    let s = format!("{:.1}", x.abs());
    if lang == NoticeLang::Es {
        s.replace('.', ",")
    } else {
        s
    }
}

/// A percentage of 0..1 rounded to a whole number: `18%` / `18 %`; `<1%` for a sliver.
pub fn percent(share: f64, lang: NoticeLang) -> String {
    let p = share * 100.0;
    let n = if p > 0.0 && p < 0.5 {
        "<1".to_string()
    } else {
        format!("{}", p.round() as i64)
    };
    match lang {
        NoticeLang::En => format!("{n}%"),
        NoticeLang::Es => format!("{n}{NNBSP}%"),
    }
}

/// The share of `part` in `whole`, `None` when the whole is zero.
pub fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Volume change from `before` to `now`: `+12%`, `−8%`, `no change`, `new` (nothing
/// before), or `None` when both are zero.
pub fn volume_change(now: i64, before: i64, lang: NoticeLang) -> Option<(String, Trend)> {
    let es = lang == NoticeLang::Es;
    match (before, now) {
        (0, 0) => None,
        (0, _) => Some((if es { "nuevo" } else { "new" }.to_string(), Trend::Up)),
        _ if now == before => Some((
            if es { "sin cambios" } else { "no change" }.to_string(),
            Trend::Flat,
        )),
        _ => {
            let pct = ((now - before) as f64 / before as f64 * 100.0).round() as i64;
            let trend = if now > before { Trend::Up } else { Trend::Down };
            let sign = if now > before { '+' } else { MINUS };
            let n = int(pct.abs(), lang);
            Some((
                match lang {
                    NoticeLang::En => format!("{sign}{n}%"),
                    NoticeLang::Es => format!("{sign}{n}{NNBSP}%"),
                },
                trend,
            ))
        }
    }
}

/// Change of a share in percentage points: `+3.1 pp` / `+3,1 p. p.`; `None` when either
/// side has no mentions to take a share of.
pub fn points_change(
    now: Option<f64>,
    before: Option<f64>,
    lang: NoticeLang,
) -> Option<(String, Trend)> {
    let diff = (now? - before?) * 100.0;
    let unit = match lang {
        NoticeLang::En => "pp",
        NoticeLang::Es => "p.\u{a0}p.",
    };
    let rounded = (diff * 10.0).round() / 10.0;
    let (sign, trend) = if rounded > 0.0 {
        ("+".to_string(), Trend::Up)
    } else if rounded < 0.0 {
        (MINUS.to_string(), Trend::Down)
    } else {
        ("±".to_string(), Trend::Flat)
    };
    Some((
        format!("{sign}{}\u{a0}{unit}", one_decimal(rounded, lang)),
        trend,
    ))
}

/// A score with its sign and two decimals: `−0.81` / `−0,81`.
pub fn score(x: f64, lang: NoticeLang) -> String {
    let s = format!("{:.2}", x.abs());
    let s = if lang == NoticeLang::Es {
        s.replace('.', ",")
    } else {
        s
    };
    if x < 0.0 && s.chars().any(|c| c != '0' && c != '.' && c != ',') {
        format!("{MINUS}{s}")
    } else if x > 0.0 {
        format!("+{s}")
    } else {
        s
    }
}

/// A span of time for people: `45 min`, `3 h 20 min`, `2 d 4 h`.
pub fn span(secs: i64) -> String {
    let mins = secs.max(0) / 60;
    let (days, hours, m) = (mins / 1440, (mins % 1440) / 60, mins % 60);
    match (days, hours, m) {
        (0, 0, m) => format!("{m}\u{a0}min"),
        (0, h, 0) => format!("{h}\u{a0}h"),
        (0, h, m) => format!("{h}\u{a0}h {m}\u{a0}min"),
        (d, 0, _) => format!("{d}\u{a0}d"),
        (d, h, _) => format!("{d}\u{a0}d {h}\u{a0}h"),
    }
}

/// An age: the largest unit only (`5 h`, `3 d`), which is what a list of waiting
/// complaints needs.
pub fn age(secs: i64) -> String {
    let secs = secs.max(0);
    if secs < 3600 {
        format!("{}\u{a0}min", secs / 60)
    } else if secs < 2 * 86_400 {
        format!("{}\u{a0}h", secs / 3600)
    } else {
        format!("{}\u{a0}d", secs / 86_400)
    }
}

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTHS_ES: [&str; 12] = [
    "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic",
];
const DAYS_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const DAYS_ES: [&str; 7] = ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"];

fn month(d: NaiveDate, lang: NoticeLang) -> &'static str {
    let months = match lang {
        NoticeLang::En => &MONTHS_EN,
        NoticeLang::Es => &MONTHS_ES,
    };
    months[d.month0() as usize]
}

/// A weekday's short name.
pub fn weekday(d: NaiveDate, lang: NoticeLang) -> &'static str {
    let days = match lang {
        NoticeLang::En => &DAYS_EN,
        NoticeLang::Es => &DAYS_ES,
    };
    days[d.weekday().num_days_from_monday() as usize]
}

/// The days `first..=last`: `19–25 Oct 2026`, `26 Oct – 1 Nov 2026`,
/// `29 Dec 2025 – 4 Jan 2026`.
pub fn date_range(first: NaiveDate, last: NaiveDate, lang: NoticeLang) -> String {
    let (m1, m2) = (month(first, lang), month(last, lang));
    if first.year() != last.year() {
        format!(
            "{} {m1} {} – {} {m2} {}",
            first.day(),
            first.year(),
            last.day(),
            last.year()
        )
    } else if first.month() != last.month() {
        format!("{} {m1} – {} {m2} {}", first.day(), last.day(), last.year())
    } else {
        format!("{}–{} {m2} {}", first.day(), last.day(), last.year())
    }
}

/// A moment in the digest's timezone: `Tue 27 Oct, 14:05` / `mar 27 oct, 14:05`.
pub fn moment(t: i64, tz: Tz, lang: NoticeLang) -> String {
    let Some(at) = Utc.timestamp_opt(t, 0).single() else {
        return String::new();
    };
    let local: DateTime<Tz> = at.with_timezone(&tz);
    let d = local.date_naive();
    format!(
        "{} {} {}, {:02}:{:02}",
        weekday(d, lang),
        d.day(),
        month(d, lang),
        local.hour(),
        local.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use NoticeLang::{En, Es};

    #[test]
    fn numbers_follow_the_language() {
        assert_eq!(int(1234, En), "1,234");
        assert_eq!(int(1234, Es), "1234");
        assert_eq!(int(12345, Es), "12\u{202f}345");
        assert_eq!(int(-1234567, En), "\u{2212}1,234,567");
        assert_eq!(percent(0.184, En), "18%");
        assert_eq!(percent(0.184, Es), "18\u{202f}%");
        assert_eq!(percent(0.001, En), "<1%");
        assert_eq!(percent(0.0, En), "0%");
        assert_eq!(score(-0.814, Es), "\u{2212}0,81");
        assert_eq!(score(0.5, En), "+0.50");
        assert_eq!(score(-0.001, En), "0.00");
    }

    #[test]
    fn changes_handle_zero_and_sign() {
        assert_eq!(
            volume_change(12, 8, En).unwrap(),
            ("+50%".into(), Trend::Up)
        );
        assert_eq!(
            volume_change(6, 8, En).unwrap(),
            ("\u{2212}25%".into(), Trend::Down)
        );
        assert_eq!(
            volume_change(3, 0, Es).unwrap(),
            ("nuevo".into(), Trend::Up)
        );
        assert_eq!(volume_change(0, 0, En), None);
        assert_eq!(volume_change(5, 5, En).unwrap().0, "no change");
        assert_eq!(
            points_change(Some(0.25), Some(0.1), En).unwrap(),
            ("+15.0\u{a0}pp".into(), Trend::Up)
        );
        assert_eq!(
            points_change(Some(0.1), Some(0.25), Es).unwrap().0,
            "\u{2212}15,0\u{a0}p.\u{a0}p."
        );
        assert_eq!(points_change(Some(0.1), None, En), None);
        assert_eq!(
            points_change(Some(0.1), Some(0.1), En).unwrap().1,
            Trend::Flat
        );
    }

    #[test]
    fn dates_and_spans() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            date_range(d("2026-10-19"), d("2026-10-25"), En),
            "19–25 Oct 2026"
        );
        assert_eq!(
            date_range(d("2026-10-26"), d("2026-11-01"), Es),
            "26 oct – 1 nov 2026"
        );
        assert_eq!(
            date_range(d("2025-12-29"), d("2026-01-04"), En),
            "29 Dec 2025 – 4 Jan 2026"
        );
        assert_eq!(span(3 * 3600 + 20 * 60), "3\u{a0}h 20\u{a0}min");
        assert_eq!(span(30 * 3600), "1\u{a0}d 6\u{a0}h");
        assert_eq!(span(45 * 60), "45\u{a0}min");
        assert_eq!(age(5 * 3600 + 100), "5\u{a0}h");
        assert_eq!(age(3 * 86_400 + 7200), "3\u{a0}d");
        let tz: Tz = "Europe/Madrid".parse().unwrap();
        // 27 Oct 2026 13:05 UTC = 14:05 CET.
        assert_eq!(moment(1_793_106_300, tz, Es), "mar 27 oct, 14:05");
    }
}
