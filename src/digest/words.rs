//! The digest's fixed wording in English and Spanish.
//!
//! Sentences that carry numbers are built in [`super::view`] (their word order differs
//! between the languages); everything that is a plain label lives here, side by side, so
//! a missing translation is a compile error rather than an English word in a Spanish email.

use serde::Serialize;

use crate::alerts::notice::NoticeLang;

/// Fixed wording of one language.
#[derive(Debug, Serialize)]
pub struct Words {
    pub kicker: &'static str,
    pub week: &'static str,
    pub all_brands: &'static str,
    pub mentions: &'static str,
    pub negative_share: &'static str,
    pub open_negatives: &'static str,
    pub within_sla: &'static str,
    pub vs_previous: &'static str,
    pub at_week_end: &'static str,
    pub sentiment: &'static str,
    pub positive: &'static str,
    pub neutral: &'static str,
    pub negative: &'static str,
    pub per_day: &'static str,
    pub scale: &'static str,
    pub by_brand: &'static str,
    pub brand: &'static str,
    pub change: &'static str,
    pub median_response: &'static str,
    pub unanswered: &'static str,
    pub none_unanswered: &'static str,
    pub open_in_vigia: &'static str,
    pub original: &'static str,
    pub response_times: &'static str,
    pub median: &'static str,
    pub p90: &'static str,
    pub answered_in_sla: &'static str,
    pub open_at_end: &'static str,
    pub no_negatives: &'static str,
    pub top_sources: &'static str,
    pub source: &'static str,
    pub new_sources: &'static str,
    pub no_new_sources: &'static str,
    pub alerts: &'static str,
    pub no_alerts: &'static str,
    pub rule: &'static str,
    pub kind: &'static str,
    pub when: &'static str,
    pub coverage: &'static str,
    pub coverage_ok: &'static str,
    pub coverage_intro: &'static str,
    pub state: &'static str,
    pub last_error: &'static str,
    pub dashboard: &'static str,
    pub footer: &'static str,
    pub no_mentions: &'static str,
    pub not_answered: &'static str,
    pub answered: &'static str,
    pub none_before: &'static str,
    pub col_mentions: &'static str,
    pub col_change: &'static str,
    pub col_negative: &'static str,
    pub col_median: &'static str,
    pub col_sla: &'static str,
    pub col_open: &'static str,
    pub change_note: &'static str,
    pub sla_inline: &'static str,
}

const EN: Words = Words {
    kicker: "Weekly digest",
    week: "Week",
    all_brands: "All brands",
    mentions: "Mentions",
    negative_share: "Negative",
    open_negatives: "Open negatives",
    within_sla: "Within SLA",
    vs_previous: "vs previous week",
    at_week_end: "at the end of the week",
    sentiment: "Sentiment",
    positive: "Positive",
    neutral: "Neutral",
    negative: "Negative",
    per_day: "Mentions per day",
    scale: "scale",
    by_brand: "By brand",
    brand: "Brand",
    change: "Change",
    median_response: "Median response",
    unanswered: "Still unanswered",
    none_unanswered: "No negative mention is waiting for an answer.",
    open_in_vigia: "Open in vigia",
    original: "Original",
    response_times: "Response times",
    median: "Median time to first response",
    p90: "90th percentile",
    answered_in_sla: "Answered within the SLA",
    open_at_end: "Open negatives at the end of the week",
    no_negatives: "No negative mentions this week.",
    top_sources: "Top sources",
    source: "Source",
    new_sources: "New sources this week",
    no_new_sources: "None",
    alerts: "Alerts this week",
    no_alerts: "No alerts fired this week.",
    rule: "Rule",
    kind: "Kind",
    when: "When",
    coverage: "Coverage: what we may have missed",
    coverage_ok: "Every source was polled without trouble this week.",
    coverage_intro: "Mentions from these sources may be missing from the figures above.",
    state: "State",
    last_error: "Last error",
    dashboard: "Open the dashboard",
    footer: "Sent by vigia, your self-hosted reputation monitor.",
    no_mentions: "No mentions this week.",
    not_answered: "none answered yet",
    answered: "Answered",
    none_before: "none the week before",
    col_mentions: "Mentions",
    col_change: "Change",
    col_negative: "Negative",
    col_median: "Median reply",
    col_sla: "In SLA",
    col_open: "Open",
    change_note: "change vs previous week",
    sla_inline: "within SLA",
};

const ES: Words = Words {
    kicker: "Resumen semanal",
    week: "Semana",
    all_brands: "Todas las marcas",
    mentions: "Menciones",
    negative_share: "Negativas",
    open_negatives: "Abiertas",
    within_sla: "Dentro del SLA",
    vs_previous: "frente a la semana anterior",
    at_week_end: "negativas al cierre de la semana",
    sentiment: "Sentimiento",
    positive: "Positivas",
    neutral: "Neutras",
    negative: "Negativas",
    per_day: "Menciones por día",
    scale: "escala",
    by_brand: "Por marca",
    brand: "Marca",
    change: "Cambio",
    median_response: "Respuesta mediana",
    unanswered: "Aún sin respuesta",
    none_unanswered: "Ninguna mención negativa espera respuesta.",
    open_in_vigia: "Abrir en vigia",
    original: "Original",
    response_times: "Tiempos de respuesta",
    median: "Mediana hasta la primera respuesta",
    p90: "Percentil 90",
    answered_in_sla: "Respondidas dentro del SLA",
    open_at_end: "Negativas abiertas al cierre de la semana",
    no_negatives: "Ninguna mención negativa esta semana.",
    top_sources: "Fuentes principales",
    source: "Fuente",
    new_sources: "Fuentes nuevas esta semana",
    no_new_sources: "Ninguna",
    alerts: "Alertas de la semana",
    no_alerts: "No saltó ninguna alerta esta semana.",
    rule: "Regla",
    kind: "Tipo",
    when: "Cuándo",
    coverage: "Cobertura: lo que quizá no vimos",
    coverage_ok: "Todas las fuentes se consultaron sin problemas esta semana.",
    coverage_intro: "Puede que falten menciones de estas fuentes en las cifras anteriores.",
    state: "Estado",
    last_error: "Último error",
    dashboard: "Abrir el panel",
    footer: "Enviado por vigia, tu monitor de reputación autoalojado.",
    no_mentions: "Ninguna mención esta semana.",
    not_answered: "ninguna respondida aún",
    answered: "Respondidas",
    none_before: "ninguna la semana anterior",
    col_mentions: "Menciones",
    col_change: "Cambio",
    col_negative: "Neg.",
    col_median: "Mediana",
    col_sla: "En SLA",
    col_open: "Abiertas",
    change_note: "cambio frente a la semana anterior",
    sla_inline: "dentro del SLA",
};

/// The wording of `lang`.
pub fn words(lang: NoticeLang) -> &'static Words {
    match lang {
        NoticeLang::En => &EN,
        NoticeLang::Es => &ES,
    }
}

/// An alert kind as a noun.
pub fn kind(kind: &str, lang: NoticeLang) -> String {
    let es = lang == NoticeLang::Es;
    match (kind, es) {
        ("instant", false) => "instant".into(),
        ("instant", true) => "instantánea".into(),
        ("spike", false) => "spike".into(),
        ("spike", true) => "pico".into(),
        ("spreading", false) => "spreading story".into(),
        ("spreading", true) => "historia propagándose".into(),
        ("source-failure", false) => "source failure".into(),
        ("source-failure", true) => "fallo de fuente".into(),
        ("unanswered", false) => "unanswered mention".into(),
        ("unanswered", true) => "mención sin respuesta".into(),
        (other, _) => crate::notify::fmt::flatten(other, 40),
    }
}

/// `n` alerts of a kind: `2 instant`, `2 instantáneas`, `1 fallo de fuente`.
pub fn kind_count(kind_name: &str, n: i64, lang: NoticeLang) -> String {
    let count = super::format::int(n, lang);
    let plural = n != 1 && lang == NoticeLang::Es;
    let es = |one: &str, many: &str| {
        if plural {
            many.to_string()
        } else {
            one.to_string()
        }
    };
    let word = match (kind_name, lang) {
        ("instant", NoticeLang::Es) => es("instantánea", "instantáneas"),
        ("spike", NoticeLang::Es) => es("pico", "picos"),
        ("spreading", NoticeLang::Es) => es("historia propagándose", "historias propagándose"),
        ("source-failure", NoticeLang::Es) => es("fallo de fuente", "fallos de fuente"),
        ("unanswered", NoticeLang::Es) => es("mención sin respuesta", "menciones sin respuesta"),
        ("unanswered", NoticeLang::En) if n != 1 => "unanswered mentions".into(),
        (other, _) => kind(other, lang),
    };
    format!("{count} {word}")
}

/// `n` mentions, or negatives, as a phrase: `1 mention`, `3 menciones`, `1 negativa`.
pub fn counted(n: i64, what: Counted, lang: NoticeLang) -> String {
    let one = n == 1;
    let word = match (what, lang, one) {
        (Counted::Mentions, NoticeLang::En, true) => "mention",
        (Counted::Mentions, NoticeLang::En, false) => "mentions",
        (Counted::Mentions, NoticeLang::Es, true) => "mención",
        (Counted::Mentions, NoticeLang::Es, false) => "menciones",
        (Counted::Negative, NoticeLang::En, _) => "negative",
        (Counted::Negative, NoticeLang::Es, true) => "negativa",
        (Counted::Negative, NoticeLang::Es, false) => "negativas",
    };
    format!("{} {word}", super::format::int(n, lang))
}

/// What [`counted`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// Mentions.
    Mentions,
    /// Negative mentions.
    Negative,
}

/// A source's health as people say it.
pub fn state(state: crate::store::SourceState, lang: NoticeLang) -> &'static str {
    use crate::store::SourceState as S;
    match (state, lang) {
        (S::Blocked, NoticeLang::En) => "blocked",
        (S::Blocked, NoticeLang::Es) => "bloqueada",
        (S::Failing, NoticeLang::En) => "failing",
        (S::Failing, NoticeLang::Es) => "fallando",
        (S::Stale, NoticeLang::En) => "stale: nothing new",
        (S::Stale, NoticeLang::Es) => "sin novedades",
        (S::Drifted, NoticeLang::En) => "page changed",
        (S::Drifted, NoticeLang::Es) => "página cambiada",
        (S::Ok, NoticeLang::En) => "recovered",
        (S::Ok, NoticeLang::Es) => "recuperada",
        (S::New, NoticeLang::En) => "not polled yet",
        (S::New, NoticeLang::Es) => "sin consultar",
    }
}
