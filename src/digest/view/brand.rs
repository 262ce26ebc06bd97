//! What only a brand section has (unanswered negatives, response times, sources), and the
//! brand's row in the summary's table.

use serde::Serialize;

use super::{NAME_MAX, TITLE_MAX};
use crate::alerts::notice::NoticeLang;
use crate::digest::data::{BrandFigures, DigestData, OpenMention, SOURCES_LISTED, SourceVolume};
use crate::digest::format;
use crate::digest::words::{self, Words};
use crate::notify::fmt::{flatten, http_link};

/// What only a brand section has.
#[derive(Debug, Serialize)]
pub struct BrandDetail {
    pub unanswered: Vec<MentionItem>,
    pub unanswered_note: Option<String>,
    pub inbox_link: Option<String>,
    pub response: Vec<(&'static str, String)>,
    pub top_sources: Vec<SourceItem>,
    pub more_sources: Option<String>,
    pub new_sources: Vec<SourceItem>,
    pub alerts_line: Option<String>,
}

/// A negative mention waiting for an answer.
#[derive(Debug, Serialize)]
pub struct MentionItem {
    pub title: String,
    pub link: Option<String>,
    pub original: Option<String>,
    pub source: String,
    pub waiting: String,
    pub score: String,
    pub assignee: Option<String>,
}

/// A source and its volume.
#[derive(Debug, Serialize)]
pub struct SourceItem {
    pub name: String,
    pub mentions: String,
    pub negative: String,
    pub negative_text: String,
}

/// A row of the by-brand table.
#[derive(Debug, Serialize)]
pub struct BrandRow {
    pub brand: String,
    pub mentions: String,
    pub change: String,
    pub negative: String,
    pub median: String,
    pub within_sla: String,
    pub open: String,
}

pub(super) fn brand_detail(
    w: &'static Words,
    lang: NoticeLang,
    data: &DigestData,
    b: &BrandFigures,
    base: Option<&str>,
) -> BrandDetail {
    let es = lang == NoticeLang::Es;
    let unanswered: Vec<MentionItem> = b
        .unanswered
        .iter()
        .map(|m| mention_item(lang, data.generated_at, m, base))
        .collect();
    let shown = unanswered.len() as i64;
    let unanswered_note = (b.unanswered_total > shown).then(|| {
        if es {
            format!(
                "Las {shown} más negativas de {} en espera.",
                b.unanswered_total
            )
        } else {
            format!(
                "The {shown} most negative of {} waiting.",
                b.unanswered_total
            )
        }
    });
    let inbox_link = base.filter(|_| b.unanswered_total > shown).map(|base| {
        let brand: String = url::form_urlencoded::byte_serialize(b.brand.as_bytes()).collect();
        format!("{base}/inbox?brand={brand}&label=negative&status=open")
    });
    let response = response_rows(w, lang, b);
    let top_sources: Vec<SourceItem> = b
        .top_sources
        .iter()
        .take(SOURCES_LISTED)
        .map(|s| source_item(lang, s))
        .collect();
    let more_sources = (b.top_sources.len() > SOURCES_LISTED).then(|| {
        let n = b.top_sources.len() - SOURCES_LISTED;
        match es {
            false => format!("and {n} more"),
            true => format!("y {n} más"),
        }
    });
    let brand_alerts = data
        .alerts
        .iter()
        .filter(|a| a.brand.as_deref() == Some(b.brand.as_str()))
        .count();
    let alerts_line = (brand_alerts > 0).then(|| match (es, brand_alerts) {
        (false, 1) => "1 alert fired about this brand (listed below).".to_string(),
        (false, n) => format!("{n} alerts fired about this brand (listed below)."),
        (true, 1) => "Saltó 1 alerta sobre esta marca (en la lista de abajo).".to_string(),
        (true, n) => format!("Saltaron {n} alertas sobre esta marca (en la lista de abajo)."),
    });
    BrandDetail {
        unanswered,
        unanswered_note,
        inbox_link,
        response,
        top_sources,
        more_sources,
        new_sources: b
            .new_sources
            .iter()
            .take(SOURCES_LISTED)
            .map(|s| source_item(lang, s))
            .collect(),
        alerts_line,
    }
}

pub(super) fn mention_item(
    lang: NoticeLang,
    now: i64,
    m: &OpenMention,
    base: Option<&str>,
) -> MentionItem {
    let original = m.url.as_deref().and_then(http_link);
    let dashboard = base.map(|b| format!("{b}/mentions/{}", m.id));
    let waiting = format::age(now - m.fetched_at);
    MentionItem {
        title: flatten(&m.title, TITLE_MAX),
        // The dashboard when there is one (that is where the team answers), else the
        // original; the original stays reachable beside it.
        original: dashboard.as_ref().and(original.clone()),
        link: dashboard.or(original),
        source: flatten(&m.source, NAME_MAX),
        waiting: match lang {
            NoticeLang::En => format!("waiting {waiting}"),
            NoticeLang::Es => format!("esperando {waiting}"),
        },
        score: format::score(m.compound, lang),
        assignee: m.assignee.as_deref().map(|a| match lang {
            NoticeLang::En => format!("assigned to {}", flatten(a, NAME_MAX)),
            NoticeLang::Es => format!("asignada a {}", flatten(a, NAME_MAX)),
        }),
    }
}

pub(super) fn source_item(lang: NoticeLang, s: &SourceVolume) -> SourceItem {
    SourceItem {
        name: flatten(&s.source, NAME_MAX),
        mentions: format::int(s.mentions, lang),
        negative: format::int(s.negative, lang),
        negative_text: words::counted(s.negative, words::Counted::Negative, lang),
    }
}

pub(super) fn brand_row(lang: NoticeLang, b: &BrandFigures) -> BrandRow {
    let total = b.counts.total();
    BrandRow {
        brand: flatten(&b.brand, NAME_MAX),
        mentions: format::int(total, lang),
        change: format::volume_change(total, b.previous.total(), lang)
            .map_or("—".into(), |c| c.0),
        negative: format::share(b.counts.negative, total)
            .map_or("—".into(), |s| format::percent(s, lang)),
        median: b.kpis.median_secs.map_or("—".into(), format::span),
        within_sla: b
            .kpis
            .sla_share()
            .map_or("—".into(), |s| format::percent(s, lang)),
        open: format::int(b.kpis.open_at_end, lang),
    }
}

/// Response times as (label, value) rows: the answered share, the median and p90 once
/// something was answered, the SLA share and what is still open.
fn response_rows(
    w: &'static Words,
    lang: NoticeLang,
    b: &BrandFigures,
) -> Vec<(&'static str, String)> {
    let es = lang == NoticeLang::Es;
    let k = &b.kpis;
    let mut rows = Vec::new();
    if k.negatives > 0 {
        let answered = match es {
            false => format!("{} of {}", k.answered, k.negatives),
            true => format!("{} de {}", k.answered, k.negatives),
        };
        rows.push((w.answered, answered));
        match (k.median_secs, k.p90_secs) {
            (Some(median), Some(p90)) => {
                rows.push((w.median, format::span(median)));
                rows.push((w.p90, format::span(p90)));
            }
            _ => rows.push((w.median, w.not_answered.to_string())),
        }
        let share = k
            .sla_share()
            .map_or("—".into(), |s| format::percent(s, lang));
        let sla = format::span(b.sla_secs);
        rows.push(match es {
            false => (
                w.answered_in_sla,
                format!("{share} · {} of {} within {sla}", k.within_sla, k.negatives),
            ),
            true => (
                w.answered_in_sla,
                format!("{share} · {} de {} en {sla}", k.within_sla, k.negatives),
            ),
        });
    } else {
        rows.push((w.answered, w.no_negatives.to_string()));
    }
    rows.push((w.open_at_end, format::int(k.open_at_end, lang)));
    rows
}
