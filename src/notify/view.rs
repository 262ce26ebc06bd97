//! View: one notice as localized, channel-neutral pieces (sentences, lines, checked links).
//!
//! Every channel (HTML email, plain-text email, JSON/Slack webhook) reads the same
//! [`View`], so they can never disagree about why an alert fired. Outside text is only
//! *flattened* here (control characters and line breaks become spaces, lengths are capped);
//! escaping is the job of each channel, because HTML, mrkdwn and plain text need
//! different escaping. Links are kept only when they are http(s): anything else
//! (`javascript:`, `data:`) is shown as text and never becomes clickable.

use serde::Serialize;

use super::fmt::{duration, flatten, http_link, num, segments, signed, span, split_link, when};

use crate::alerts::notice::{Notice, NoticeLang, NoticeMention, RuleKind, Sighting, Why};

/// Longest subject line, in characters (longer ones end in "…").
pub const SUBJECT_MAX_CHARS: usize = 140;
/// Longest title shown in a notification body, in characters.
pub const TITLE_MAX_CHARS: usize = 300;
/// Longest error text (source failures) shown, in characters.
pub const ERROR_MAX_CHARS: usize = 500;

/// Fixed wording of one language.
#[derive(Debug, Serialize)]
pub(crate) struct Labels {
    pub why: &'static str,
    pub mentions: &'static str,
    pub source: &'static str,
    pub published: &'static str,
    pub score: &'static str,
    pub rating: &'static str,
    pub terms: &'static str,
    pub original: &'static str,
    pub dashboard: &'static str,
    pub started: &'static str,
    pub picked_up: &'static str,
    pub mute: &'static str,
    pub mute_action: &'static str,
    pub fired: &'static str,
    pub footer: &'static str,
}

const EN: Labels = Labels {
    why: "Why you are getting this",
    mentions: "Mentions",
    source: "Source",
    published: "Published",
    score: "Score",
    rating: "Rating",
    terms: "Top terms",
    original: "Original",
    dashboard: "Open in vigia",
    started: "Started on",
    picked_up: "Picked up by",
    mute: "How to mute",
    mute_action: "Mute this rule",
    fired: "Fired at",
    footer: "Sent by vigia, your self-hosted reputation monitor.",
};

const ES: Labels = Labels {
    why: "Por qué recibes esto",
    mentions: "Menciones",
    source: "Fuente",
    published: "Publicada",
    score: "Puntuación",
    rating: "Valoración",
    terms: "Términos clave",
    original: "Original",
    dashboard: "Abrir en vigia",
    started: "Empezó en",
    picked_up: "Recogida por",
    mute: "Cómo silenciar",
    mute_action: "Silenciar esta regla",
    fired: "Disparada",
    footer: "Enviado por vigia, tu monitor de reputación autoalojado.",
};

/// A piece of a snippet; `mark` pieces are the brand, highlighted.
#[derive(Debug, Serialize, PartialEq)]
pub(crate) struct Segment {
    pub text: String,
    pub mark: bool,
}

/// A place where a spreading story was seen.
#[derive(Debug, Serialize)]
pub(crate) struct SightingView {
    pub host: String,
    pub at: String,
    /// Clickable link (http/https only).
    pub link: Option<String>,
    /// The URL as text when it is not http(s).
    pub url_text: Option<String>,
}

/// A mention as every channel shows it.
#[derive(Debug, Serialize)]
pub(crate) struct MentionView {
    pub title: String,
    pub source: String,
    pub published: String,
    pub score: String,
    pub label: String,
    pub rating: Option<String>,
    pub terms: String,
    pub snippet: Vec<Segment>,
    /// Clickable link to the original (http/https only).
    pub link: Option<String>,
    /// The original's URL as text when it is not http(s).
    pub url_text: Option<String>,
    /// The dashboard's mention page.
    pub dashboard: Option<String>,
}

/// Everything a notification says, ready for a channel to escape and lay out.
#[derive(Debug, Serialize)]
pub(crate) struct View {
    pub lang: &'static str,
    pub subject: String,
    pub heading: String,
    pub why: Vec<String>,
    /// Where a spreading story started.
    pub origin: Option<SightingView>,
    /// Where a spreading story was picked up, in time order.
    pub sightings: Vec<SightingView>,
    pub mentions: Vec<MentionView>,
    pub more: Option<String>,
    pub repeat: Option<String>,
    pub held: Option<String>,
    pub mute_text: String,
    pub mute_link: Option<String>,
    pub fired_at: String,
    pub t: &'static Labels,
}

impl View {
    /// Builds the view of `notice` in `lang`.
    pub fn new(notice: &Notice, lang: NoticeLang) -> View {
        let es = lang == NoticeLang::Es;
        let subject_of = notice
            .brand
            .as_deref()
            .map(|b| flatten(b, TITLE_MAX_CHARS))
            .unwrap_or_else(|| flatten(&notice.rule, TITLE_MAX_CHARS));
        let rule = flatten(&notice.rule, TITLE_MAX_CHARS);
        let heading = match (es, &notice.brand) {
            (false, Some(_)) => format!(
                "Alert \"{rule}\" ({}) for {subject_of}",
                kind_en(notice.kind)
            ),
            (false, None) => format!("Alert \"{rule}\" ({})", kind_en(notice.kind)),
            (true, Some(_)) => format!(
                "Alerta «{rule}» ({}) para {subject_of}",
                kind_es(notice.kind)
            ),
            (true, None) => format!("Alerta «{rule}» ({})", kind_es(notice.kind)),
        };
        let total = notice.mentions.len() + notice.more_mentions;
        let (why, origin, sightings) = why_lines(notice, lang, total);
        let mentions = notice
            .mentions
            .iter()
            .map(|m| mention_view(notice, m, lang))
            .collect();
        let more = (notice.more_mentions > 0).then(|| match (es, notice.more_mentions) {
            (false, 1) => "1 more mention is not listed here.".to_string(),
            (false, n) => format!("{n} more mentions are not listed here."),
            (true, 1) => "Hay 1 mención más que no aparece aquí.".to_string(),
            (true, n) => format!("Hay {n} menciones más que no aparecen aquí."),
        });
        let repeat = notice.repeat.then(|| {
            if es {
                "Esta alerta sigue activa: ya te avisamos antes y el problema continúa.".to_string()
            } else {
                "This alert is still firing: you were told before and it has not stopped."
                    .to_string()
            }
        });
        let held = (notice.held_for_digest > 0).then(|| match (es, notice.held_for_digest) {
            (false, 1) => {
                "1 more alert of this rule today will be in your next digest.".to_string()
            }
            (false, n) => {
                format!("{n} more alerts of this rule today will be in your next digest.")
            }
            (true, 1) => "1 alerta más de esta regla hoy irá en tu próximo resumen.".to_string(),
            (true, n) => format!("{n} alertas más de esta regla hoy irán en tu próximo resumen."),
        });
        let mute_link = notice.mute_link().and_then(|l| http_link(&l));
        let mute_text = match (es, mute_link.is_some()) {
            (false, true) => "Mute this rule from the dashboard:".to_string(),
            (true, true) => "Silencia esta regla desde el panel:".to_string(),
            (false, false) => format!(
                "To mute this rule, remove or comment out the [[rule]] named \"{rule}\" in vigia's config file and restart vigia."
            ),
            (true, false) => format!(
                "Para silenciar esta regla, borra o comenta el [[rule]] llamado «{rule}» en el archivo de configuración de vigia y reinicia vigia."
            ),
        };
        let mut subject = match notice.kind {
            RuleKind::Instant => {
                let title = first_title(notice);
                match (es, total) {
                    (false, 0 | 1) => format!("{subject_of}: negative mention: {title}"),
                    (false, n) => format!("{subject_of}: {n} negative mentions: {title}"),
                    (true, 0 | 1) => format!("{subject_of}: mención negativa: {title}"),
                    (true, n) => format!("{subject_of}: {n} menciones negativas: {title}"),
                }
            }
            RuleKind::Spike => match &notice.why {
                Why::Spike {
                    count,
                    baseline,
                    window_minutes,
                    ..
                } => {
                    let base = num(*baseline, 1, lang);
                    if es {
                        format!(
                            "{subject_of}: pico negativo, {count} menciones en {window_minutes} min (habitual {base})"
                        )
                    } else {
                        format!(
                            "{subject_of}: negative spike, {count} mentions in {window_minutes} min (usual {base})"
                        )
                    }
                }
                _ => {
                    if es {
                        format!("{subject_of}: pico negativo")
                    } else {
                        format!("{subject_of}: negative spike")
                    }
                }
            },
            RuleKind::Spreading => {
                let sites = match &notice.why {
                    Why::Spreading { picked_up_by, .. } => picked_up_by.len() + 1,
                    _ => total,
                };
                if es {
                    format!("{subject_of}: historia negativa propagándose en {sites} sitios")
                } else {
                    format!("{subject_of}: negative story spreading on {sites} sites")
                }
            }
            RuleKind::Unanswered => {
                let title = first_title(notice);
                match (es, total) {
                    (false, 0 | 1) => format!("{subject_of}: still unanswered: {title}"),
                    (false, n) => format!("{subject_of}: {n} negative mentions still unanswered"),
                    (true, 0 | 1) => format!("{subject_of}: sigue sin respuesta: {title}"),
                    (true, n) => {
                        format!("{subject_of}: {n} menciones negativas siguen sin respuesta")
                    }
                }
            }
            RuleKind::SourceFailure => match &notice.why {
                Why::SourceFailure { source, state, .. } => {
                    if es {
                        format!("fuente {}: {source}", state_es(state))
                    } else {
                        format!("source {state}: {source}")
                    }
                }
                _ => {
                    if es {
                        format!("fallo de fuente: {rule}")
                    } else {
                        format!("source failure: {rule}")
                    }
                }
            },
        };
        if notice.repeat {
            subject = format!(
                "{}{subject}",
                if es {
                    "sigue activa: "
                } else {
                    "still firing: "
                }
            );
        }
        View {
            lang: if es { "es" } else { "en" },
            subject: flatten(&format!("[vigia] {subject}"), SUBJECT_MAX_CHARS),
            heading,
            why,
            origin,
            sightings,
            mentions,
            more,
            repeat,
            held,
            mute_text,
            mute_link,
            fired_at: when(notice.fired_at, lang),
            t: if es { &ES } else { &EN },
        }
    }
}

/// The title of a notice's first mention (for subjects), empty when it lists none.
fn first_title(notice: &Notice) -> &str {
    notice
        .mentions
        .first()
        .map(|m| m.title.as_str())
        .unwrap_or("")
}

fn kind_en(kind: RuleKind) -> &'static str {
    kind.as_str()
}

fn kind_es(kind: RuleKind) -> &'static str {
    match kind {
        RuleKind::Instant => "instantánea",
        RuleKind::Spike => "pico",
        RuleKind::Spreading => "propagación",
        RuleKind::SourceFailure => "fallo de fuente",
        RuleKind::Unanswered => "sin respuesta",
    }
}

fn state_es(state: &str) -> String {
    match state {
        "failing" => "fallando".to_string(),
        "blocked" => "bloqueada".to_string(),
        "drifted" => "con formato cambiado".to_string(),
        other => other.to_string(),
    }
}

/// Where a story was seen, for people.
fn sighting(s: &Sighting, lang: NoticeLang) -> SightingView {
    let (link, url_text) = split_link(&s.url);
    SightingView {
        host: flatten(&s.host, TITLE_MAX_CHARS),
        at: when(s.at, lang),
        link,
        url_text,
    }
}

type WhyParts = (Vec<String>, Option<SightingView>, Vec<SightingView>);

/// The sentences saying why the notice fired, and where a spreading story was seen.
fn why_lines(notice: &Notice, lang: NoticeLang, total: usize) -> WhyParts {
    let es = lang == NoticeLang::Es;
    match &notice.why {
        Why::Instant { threshold } => {
            let th = signed(*threshold, lang);
            let line = match (es, total) {
                (false, 0 | 1) => {
                    format!("A mention scored at or below this rule's threshold of {th}.")
                }
                (false, n) => {
                    format!("{n} mentions scored at or below this rule's threshold of {th}.")
                }
                (true, 0 | 1) => format!(
                    "Una mención puntuó igual o por debajo del umbral de esta regla ({th})."
                ),
                (true, n) => format!(
                    "{n} menciones puntuaron igual o por debajo del umbral de esta regla ({th})."
                ),
            };
            (vec![line], None, Vec::new())
        }
        Why::Spike {
            count,
            baseline,
            threshold,
            window_minutes,
        } => {
            let (base, th) = (num(*baseline, 1, lang), num(*threshold, 1, lang));
            let line = if es {
                format!(
                    "{count} menciones negativas en los últimos {window_minutes} min frente a {base} habituales (se avisa a partir de {th})."
                )
            } else {
                format!(
                    "{count} negative mentions in the last {window_minutes} min vs a usual {base} (the alert fires at {th})."
                )
            };
            (vec![line], None, Vec::new())
        }
        Why::Spreading {
            first,
            picked_up_by,
        } => {
            let sites = picked_up_by.len() + 1;
            let (more, host) = (picked_up_by.len(), flatten(&first.host, TITLE_MAX_CHARS));
            let line = match es {
                false => format!(
                    "The same negative story has appeared on {sites} sites: it started on {host} and {more} more picked it up."
                ),
                true => format!(
                    "La misma historia negativa ha aparecido en {sites} sitios: empezó en {host} y la han recogido {more} más."
                ),
            };
            let picked = picked_up_by.iter().map(|s| sighting(s, lang)).collect();
            (vec![line], Some(sighting(first, lang)), picked)
        }
        Why::SourceFailure {
            source,
            state,
            since,
            last_error,
        } => {
            let source = flatten(source, TITLE_MAX_CHARS);
            let error = flatten(last_error, ERROR_MAX_CHARS);
            let (since_s, dur) = (when(*since, lang), duration(notice.fired_at - *since, lang));
            let lines = if es {
                vec![
                    format!(
                        "La fuente «{source}» está {} desde {since_s} ({dur}).",
                        state_es(state)
                    ),
                    format!("Último error: {error}"),
                ]
            } else {
                vec![
                    format!(
                        "Source \"{source}\" has been {} since {since_s} ({dur}).",
                        flatten(state, 40)
                    ),
                    format!("Last error: {error}"),
                ]
            };
            (lines, None, Vec::new())
        }
        Why::Unanswered {
            waited_secs,
            sla_secs,
        } => {
            let waited = span(chrono::TimeDelta::seconds(*waited_secs));
            let sla = span(chrono::TimeDelta::seconds(*sla_secs));
            let line = match (es, total) {
                (false, 0 | 1) => format!(
                    "This negative mention has waited {waited} without a response; the response target is {sla}."
                ),
                (false, n) => format!(
                    "{n} negative mentions have waited {waited} or more without a response; the response target is {sla}."
                ),
                (true, 0 | 1) => format!(
                    "Esta mención negativa lleva {waited} sin respuesta; el objetivo de respuesta es {sla}."
                ),
                (true, n) => format!(
                    "{n} menciones negativas llevan {waited} o más sin respuesta; el objetivo de respuesta es {sla}."
                ),
            };
            (vec![line], None, Vec::new())
        }
    }
}

fn mention_view(notice: &Notice, m: &NoticeMention, lang: NoticeLang) -> MentionView {
    let (link, url_text) = m.url.as_deref().map(split_link).unwrap_or((None, None));
    let terms = m
        .top_terms
        .iter()
        .map(|(term, w)| format!("{} ({})", flatten(term, 60), signed(*w, lang)))
        .collect::<Vec<_>>()
        .join(", ");
    let label = match (lang, m.label.as_str()) {
        (NoticeLang::Es, "negative") => "negativa".to_string(),
        (NoticeLang::Es, "positive") => "positiva".to_string(),
        (NoticeLang::Es, "neutral") => "neutra".to_string(),
        (_, other) => flatten(other, 20),
    };
    MentionView {
        title: flatten(&m.title, TITLE_MAX_CHARS),
        source: flatten(&m.source, TITLE_MAX_CHARS),
        published: when(m.published_at, lang),
        score: signed(m.compound, lang),
        label,
        rating: m.rating.map(|r| format!("{}/5", num(r * 5.0, 1, lang))),
        terms,
        snippet: segments(&m.snippet, &m.highlight),
        link,
        url_text,
        dashboard: notice.mention_link(m.id).and_then(|l| http_link(&l)),
    }
}
