//! The parts every section has: the headline tiles, the sentiment split and the chart.

use super::{
    BAD, BrandDetail, ChartRef, ChartView, DayCell, GOOD, SectionView, SplitPart, TEXT_MUTED, Tile,
};
use crate::alerts::notice::NoticeLang;
use crate::digest::chart::{DISPLAY_HEIGHT, DISPLAY_WIDTH};
use crate::digest::chart::{NEGATIVE, NEUTRAL, POSITIVE};
use crate::digest::data::DigestData;
use crate::digest::format::{self, Trend};
use crate::digest::words::Words;
use crate::store::kpi::LabelCounts;

/// The four headline numbers.
pub(super) fn tiles(
    w: &'static Words,
    lang: NoticeLang,
    (now, before): (&LabelCounts, &LabelCounts),
    open_at_end: i64,
    (within, negatives): (i64, i64),
    sla_secs: Option<i64>,
) -> Vec<Tile> {
    let es = lang == NoticeLang::Es;
    let volume = format::volume_change(now.total(), before.total(), lang);
    let share_now = format::share(now.negative, now.total());
    let share_before = format::share(before.negative, before.total());
    let points = format::points_change(share_now, share_before, lang);
    let sla_note = match (es, negatives, sla_secs) {
        (false, 0, _) => "no negatives this week".to_string(),
        (true, 0, _) => "sin negativas esta semana".to_string(),
        (false, n, Some(s)) => format!("{within} of {n} in {}", format::span(s)),
        (true, n, Some(s)) => format!("{within} de {n} en {}", format::span(s)),
        (false, n, None) => format!("{within} of {n} negatives"),
        (true, n, None) => format!("{within} de {n} negativas"),
    };
    vec![
        Tile {
            label: w.mentions,
            value: format::int(now.total(), lang),
            // "new" says less than "none the week before".
            change: volume.filter(|_| before.total() > 0).map(|(c, _)| c),
            change_color: TEXT_MUTED,
            note: if before.total() > 0 {
                w.vs_previous.to_string()
            } else {
                w.none_before.to_string()
            },
        },
        Tile {
            label: w.negative_share,
            value: share_now.map_or("—".into(), |s| format::percent(s, lang)),
            change_color: trend_color(points.as_ref().map(|p| p.1), true),
            note: if points.is_some() {
                w.vs_previous.to_string()
            } else {
                String::new()
            },
            change: points.map(|(c, _)| c),
        },
        Tile {
            label: w.open_negatives,
            value: format::int(open_at_end, lang),
            change: None,
            change_color: TEXT_MUTED,
            note: w.at_week_end.to_string(),
        },
        Tile {
            label: w.within_sla,
            value: format::share(within, negatives)
                .map_or("—".into(), |s| format::percent(s, lang)),
            change: None,
            change_color: TEXT_MUTED,
            note: sla_note,
        },
    ]
}

/// Red when a bad thing went up (or a good thing down), green the other way.
pub(super) fn trend_color(trend: Option<Trend>, up_is_bad: bool) -> &'static str {
    match (trend, up_is_bad) {
        (Some(Trend::Up), true) | (Some(Trend::Down), false) => BAD,
        (Some(Trend::Down), true) | (Some(Trend::Up), false) => GOOD,
        _ => TEXT_MUTED,
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn section(
    w: &'static Words,
    lang: NoticeLang,
    data: &DigestData,
    title: String,
    tiles: Vec<Tile>,
    (now, before): (&LabelCounts, &LabelCounts),
    daily: &[LabelCounts],
    chart: ChartRef,
    brand: Option<BrandDetail>,
) -> SectionView {
    SectionView {
        split: split(w, lang, now, before),
        chart: chart_view(w, lang, data, &title, daily, chart),
        empty: now.total() == 0,
        title,
        tiles,
        brand,
    }
}

/// Positive, neutral and negative shares; widths add up to 100 (largest remainder).
pub(super) fn split(
    w: &'static Words,
    lang: NoticeLang,
    now: &LabelCounts,
    before: &LabelCounts,
) -> Vec<SplitPart> {
    let total = now.total();
    let parts = [
        (w.positive, now.positive, before.positive, POSITIVE, false),
        (w.neutral, now.neutral, before.neutral, NEUTRAL, false),
        (w.negative, now.negative, before.negative, NEGATIVE, true),
    ];
    let exact: Vec<f64> = parts
        .iter()
        .map(|p| format::share(p.1, total).unwrap_or(0.0) * 100.0)
        .collect();
    let mut widths: Vec<u32> = exact.iter().map(|x| x.floor() as u32).collect();
    if total > 0 {
        let mut order: Vec<usize> = (0..3).collect();
        order.sort_by(|&a, &b| {
            (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor()))
        });
        let missing = 100 - widths.iter().sum::<u32>();
        for &i in order.iter().take(missing as usize) {
            widths[i] += 1;
        }
    }
    parts
        .iter()
        .zip(widths)
        .map(|(&(label, n, b, colour, up_is_bad), width)| {
            let change = format::points_change(
                format::share(n, total),
                format::share(b, before.total()),
                lang,
            );
            SplitPart {
                label,
                percent: format::share(n, total).map_or("—".into(), |s| format::percent(s, lang)),
                width,
                color: colour.hex(),
                change_color: match label {
                    _ if colour == NEUTRAL => TEXT_MUTED,
                    _ => trend_color(change.as_ref().map(|c| c.1), up_is_bad),
                },
                change: change.map(|c| c.0),
            }
        })
        .collect()
}

pub(super) fn chart_view(
    w: &'static Words,
    lang: NoticeLang,
    data: &DigestData,
    title: &str,
    daily: &[LabelCounts],
    chart: ChartRef,
) -> ChartView {
    let es = lang == NoticeLang::Es;
    let dates = data.period.dates();
    let days: Vec<DayCell> = dates
        .iter()
        .zip(daily)
        .map(|(d, c)| DayCell {
            name: format!("{} {}", format::weekday(*d, lang), chrono::Datelike::day(d)),
            total: format::int(c.total(), lang),
            negative: c.negative,
        })
        .collect();
    let described: Vec<String> = dates
        .iter()
        .zip(daily)
        .map(|(d, c)| {
            let day = format::weekday(*d, lang);
            match es {
                false => format!("{day} {} ({} negative)", c.total(), c.negative),
                true => format!("{day} {} ({} negativas)", c.total(), c.negative),
            }
        })
        .collect();
    let alt = format!("{}, {title}: {}.", w.per_day, described.join(", "));
    ChartView {
        src: chart.src,
        alt,
        width: DISPLAY_WIDTH,
        height: DISPLAY_HEIGHT,
        scale: format!("{} 0–{}", w.scale, format::int(chart.scale_top, lang)),
        days,
    }
}
