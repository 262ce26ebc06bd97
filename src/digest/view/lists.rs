//! The lists after the sections: the period's alerts (and what budgets held back) and the
//! sources that may have cost us mentions.

use serde::Serialize;

use super::{ALERTS_LISTED, BAD, ERROR_MAX, GOOD, NAME_MAX, ViewInput};
use crate::alerts::notice::NoticeLang;
use crate::digest::data::DigestData;
use crate::digest::format;
use crate::digest::words::{self, Words};
use crate::notify::fmt::flatten;

/// Alerts of the period and what budgets held back.
#[derive(Debug, Serialize)]
pub struct AlertsView {
    pub summary: Option<String>,
    pub list: Vec<AlertItem>,
    pub more: Option<String>,
    pub held: Option<String>,
    pub link: Option<String>,
}

/// One alert.
#[derive(Debug, Serialize)]
pub struct AlertItem {
    pub when: String,
    pub rule: String,
    pub kind: String,
    pub brand: String,
    pub mentions: String,
    pub mentions_text: String,
}

/// A source that may have cost us mentions.
#[derive(Debug, Serialize)]
pub struct CoverageItem {
    pub source: String,
    pub state: &'static str,
    pub state_color: &'static str,
    pub error: Option<String>,
    pub when: Option<String>,
}

pub(super) fn alerts_view(
    w: &'static Words,
    lang: NoticeLang,
    data: &DigestData,
    input: &ViewInput<'_>,
    base: Option<&str>,
) -> AlertsView {
    let es = lang == NoticeLang::Es;
    let kinds = |pairs: Vec<(String, i64)>| {
        pairs
            .iter()
            .map(|(k, n)| words::kind_count(k, *n, lang))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let by_kind: Vec<(String, i64)> = data
        .alerts_by_kind()
        .into_iter()
        .map(|(k, n)| (k, n as i64))
        .collect();
    let total = data.alerts.len();
    let summary = (total > 0).then(|| match (es, total) {
        (false, 1) => format!("1 alert fired: {}.", kinds(by_kind.clone())),
        (false, n) => format!("{n} alerts fired: {}.", kinds(by_kind.clone())),
        (true, 1) => format!("Saltó 1 alerta: {}.", kinds(by_kind.clone())),
        (true, n) => format!("Saltaron {n} alertas: {}.", kinds(by_kind.clone())),
    });
    let list = data
        .alerts
        .iter()
        .take(ALERTS_LISTED)
        .map(|a| AlertItem {
            when: format::moment(a.fired_at, data.period.tz, lang),
            rule: flatten(&a.rule, NAME_MAX),
            kind: words::kind(&a.kind, lang),
            brand: a
                .brand
                .as_deref()
                .map_or("—".into(), |b| flatten(b, NAME_MAX)),
            mentions_text: words::counted(a.mentions as i64, words::Counted::Mentions, lang),
            mentions: if a.mentions == 0 {
                "—".into()
            } else {
                format::int(a.mentions as i64, lang)
            },
        })
        .collect();
    let more = (total > ALERTS_LISTED).then(|| {
        let n = total - ALERTS_LISTED;
        match es {
            false => format!("and {n} more"),
            true => format!("y {n} más"),
        }
    });
    let held_total: i64 = input.held.iter().map(|(_, n)| n).sum();
    let held = (held_total > 0).then(|| {
        let list = kinds(input.held.to_vec());
        match (es, input.held_is_personal) {
            (false, true) => format!(
                "Your daily email budget held back {held_total} alert emails this week ({list}): those alerts are counted here instead."
            ),
            (false, false) => format!(
                "Daily email budgets held back {held_total} alert emails this week ({list}): those alerts are counted here instead."
            ),
            (true, true) => format!(
                "Tu límite diario de correos retuvo {held_total} avisos esta semana ({list}): esas alertas se cuentan aquí."
            ),
            (true, false) => format!(
                "Los límites diarios de correos retuvieron {held_total} avisos esta semana ({list}): esas alertas se cuentan aquí."
            ),
        }
    });
    AlertsView {
        summary: summary.or_else(|| Some(w.no_alerts.to_string())),
        list,
        more,
        held,
        link: base.map(|b| format!("{b}/alerts")),
    }
}

pub(super) fn coverage(lang: NoticeLang, data: &DigestData) -> Vec<CoverageItem> {
    use crate::store::SourceState as S;
    data.coverage
        .iter()
        .map(|c| CoverageItem {
            source: flatten(&c.source, NAME_MAX),
            state: words::state(c.state, lang),
            state_color: match c.state {
                S::Ok => GOOD,
                S::Stale => "#a16207",
                _ => BAD,
            },
            error: c.last_error.as_deref().map(|e| flatten(e, ERROR_MAX)),
            when: c
                .last_error_at
                .map(|t| format::moment(t, data.period.tz, lang)),
        })
        .collect()
}
