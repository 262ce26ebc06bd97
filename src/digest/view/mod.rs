//! The digest as localized, ready-to-lay-out pieces: every number written, every link
//! checked, every outside string flattened, for both the HTML and the plain-text template.
//!
//! Outside text (brand, source, rule and title strings, error messages, URLs) stays data
//! here: it is flattened to one line and capped, never turned into markup; escaping is the
//! HTML template's auto-escape. A link is only ever an absolute http(s) URL
//! ([`http_link`]), so a `javascript:` URL in a feed can never become clickable.

mod brand;
mod lists;
mod section;

use serde::Serialize;

use super::chart::{NEGATIVE, NEUTRAL, POSITIVE};
use super::data::DigestData;
use super::format;
use super::words::{self, Words};
use crate::alerts::notice::NoticeLang;
use crate::notify::fmt::{flatten, http_link};

pub use brand::{BrandDetail, BrandRow};
pub use lists::{AlertsView, CoverageItem};

use brand::{brand_detail, brand_row};
use lists::{alerts_view, coverage};
use section::{section, tiles};

/// Longest title shown, in characters.
const TITLE_MAX: usize = 200;
/// Longest name (brand, source, rule) shown, in characters.
const NAME_MAX: usize = 80;
/// Longest error shown, in characters.
const ERROR_MAX: usize = 160;
/// Alerts listed before "and N more".
pub const ALERTS_LISTED: usize = 12;

const TEXT_MUTED: &str = "#475569";
const BAD: &str = "#b91c1c";
const GOOD: &str = "#15803d";

/// A chart already rendered: where its image is and the top of its scale.
#[derive(Debug, Clone)]
pub struct ChartRef {
    /// `cid:…` in an email, a `data:` URI in a preview.
    pub src: String,
    /// The value at the top of the scale.
    pub scale_top: i64,
}

/// What the view needs besides the figures.
#[derive(Debug, Clone)]
pub struct ViewInput<'a> {
    /// Language.
    pub lang: NoticeLang,
    /// The dashboard's address, when configured.
    pub base_url: Option<&'a str>,
    /// One chart per section, in section order (summary first when there is one).
    pub charts: &'a [ChartRef],
    /// Alert emails held back by budgets, by kind.
    pub held: &'a [(String, i64)],
    /// True when `held` is one recipient's (the email), false when everyone's (a preview).
    pub held_is_personal: bool,
    /// The digest's name (the footer says how to change it).
    pub digest_name: &'a str,
}

/// The whole digest.
#[derive(Debug, Serialize)]
pub struct DigestView {
    pub lang: &'static str,
    pub subject: String,
    pub preheader: String,
    pub week: String,
    pub dates: String,
    pub timezone: String,
    pub brands_line: String,
    pub summary: Option<SectionView>,
    pub by_brand: Vec<BrandRow>,
    pub sections: Vec<SectionView>,
    pub alerts: AlertsView,
    pub coverage: Vec<CoverageItem>,
    pub dashboard: Option<String>,
    pub sources_link: Option<String>,
    pub why: String,
    pub w: &'static Words,
    pub colors: Colors,
}

/// The chart colours, for the legend.
#[derive(Debug, Serialize)]
pub struct Colors {
    pub positive: String,
    pub neutral: String,
    pub negative: String,
}

/// A summary or brand section.
#[derive(Debug, Serialize)]
pub struct SectionView {
    pub title: String,
    pub tiles: Vec<Tile>,
    pub split: Vec<SplitPart>,
    pub chart: ChartView,
    pub empty: bool,
    pub brand: Option<BrandDetail>,
}

/// A headline number.
#[derive(Debug, Serialize)]
pub struct Tile {
    pub label: &'static str,
    pub value: String,
    pub change: Option<String>,
    pub change_color: &'static str,
    pub note: String,
}

/// One label's share of the period.
#[derive(Debug, Serialize)]
pub struct SplitPart {
    pub label: &'static str,
    pub percent: String,
    pub width: u32,
    pub color: String,
    pub change: Option<String>,
    pub change_color: &'static str,
}

/// The daily chart and the HTML around it.
#[derive(Debug, Serialize)]
pub struct ChartView {
    pub src: String,
    pub alt: String,
    pub width: u32,
    pub height: u32,
    pub scale: String,
    pub days: Vec<DayCell>,
}

/// A day under the chart.
#[derive(Debug, Serialize)]
pub struct DayCell {
    pub name: String,
    pub total: String,
    pub negative: i64,
}

/// Builds the view of `data`.
pub fn build(data: &DigestData, input: &ViewInput<'_>) -> DigestView {
    let lang = input.lang;
    let es = lang == NoticeLang::Es;
    let w = words::words(lang);
    let base = input
        .base_url
        .and_then(http_link)
        .map(|b| b.trim_end_matches('/').to_string());
    let multi = data.brands.len() > 1;
    let mut charts = input.charts.iter();
    let mut next_chart = || {
        charts.next().cloned().unwrap_or(ChartRef {
            src: String::new(),
            scale_top: 0,
        })
    };
    let t = &data.total;
    let summary = multi.then(|| {
        let tiles = tiles(
            w,
            lang,
            (&t.counts, &t.previous),
            t.open_at_end,
            (t.within_sla, t.negatives),
            None,
        );
        section(
            w,
            lang,
            data,
            w.all_brands.to_string(),
            tiles,
            (&t.counts, &t.previous),
            &t.daily,
            next_chart(),
            None,
        )
    });
    let sections = data
        .brands
        .iter()
        .map(|b| {
            let tiles = tiles(
                w,
                lang,
                (&b.counts, &b.previous),
                b.kpis.open_at_end,
                (b.kpis.within_sla, b.kpis.negatives),
                Some(b.sla_secs),
            );
            let detail = brand_detail(w, lang, data, b, base.as_deref());
            section(
                w,
                lang,
                data,
                flatten(&b.brand, NAME_MAX),
                tiles,
                (&b.counts, &b.previous),
                &b.daily,
                next_chart(),
                Some(detail),
            )
        })
        .collect();
    let by_brand = if multi {
        data.brands.iter().map(|b| brand_row(lang, b)).collect()
    } else {
        Vec::new()
    };
    let week_no = data.period.week_number();
    let dates = data.period.dates();
    let date_text = format::date_range(dates[0], dates[6], lang);
    let total = t.counts.total();
    let volume = format::volume_change(total, t.previous.total(), lang);
    let neg_share = format::share(t.counts.negative, total);
    let who = match data.brands.as_slice() {
        [one] => flatten(&one.brand, NAME_MAX),
        _ => w.all_brands.to_string(),
    };
    let mentions_word = |n: i64| match (es, n) {
        (false, 1) => "mention",
        (false, _) => "mentions",
        (true, 1) => "mención",
        (true, _) => "menciones",
    };
    let change_part = volume
        .as_ref()
        .map(|(c, _)| format!(" ({c})"))
        .unwrap_or_default();
    let subject = if es {
        format!(
            "[vigia] {who}, semana {week_no}: {} {}{change_part}, {} negativas abiertas",
            format::int(total, lang),
            mentions_word(total),
            format::int(t.open_at_end, lang)
        )
    } else {
        format!(
            "[vigia] {who}, week {week_no}: {} {}{change_part}, {} open negatives",
            format::int(total, lang),
            mentions_word(total),
            format::int(t.open_at_end, lang)
        )
    };
    let preheader = match (es, neg_share) {
        (false, Some(s)) => format!(
            "{} {}{change_part}, {} negative, {} still open. {date_text}.",
            format::int(total, lang),
            mentions_word(total),
            format::percent(s, lang),
            format::int(t.open_at_end, lang)
        ),
        (true, Some(s)) => format!(
            "{} {}{change_part}, {} negativas, {} aún abiertas. {date_text}.",
            format::int(total, lang),
            mentions_word(total),
            format::percent(s, lang),
            format::int(t.open_at_end, lang)
        ),
        (_, None) => format!("{} {date_text}.", w.no_mentions),
    };
    let names: Vec<String> = data
        .brands
        .iter()
        .map(|b| flatten(&b.brand, NAME_MAX))
        .collect();
    let why = if es {
        format!(
            "Recibes este resumen por el [[digest]] «{}» de la configuración de vigia.",
            flatten(input.digest_name, NAME_MAX)
        )
    } else {
        format!(
            "You get this digest through the [[digest]] \"{}\" in vigia's config.",
            flatten(input.digest_name, NAME_MAX)
        )
    };
    DigestView {
        lang: if es { "es" } else { "en" },
        subject: flatten(&subject, crate::notify::email::SUBJECT_MAX_CHARS),
        preheader,
        week: format!("{} {week_no}", w.week),
        dates: date_text,
        timezone: data.period.tz.name().to_string(),
        brands_line: names.join(" · "),
        summary,
        by_brand,
        sections,
        alerts: alerts_view(w, lang, data, input, base.as_deref()),
        coverage: coverage(lang, data),
        sources_link: base.as_ref().map(|b| format!("{b}/sources")),
        dashboard: base,
        why,
        w,
        colors: Colors {
            positive: POSITIVE.hex(),
            neutral: NEUTRAL.hex(),
            negative: NEGATIVE.hex(),
        },
    }
}
