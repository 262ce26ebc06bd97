//! The rule engine: every configured rule with its own detector, fed one mention at a time.
//!
//! The engine is clock-free: its clock is the mentions' published time (and the `now` the
//! caller passes for source states), so the worker and `vigia backtest` run the same code.
//! Each spike or spreading rule owns its detector (a detector keeps per-brand state inside),
//! so two rules with different sensitivities never share a baseline. [`Engine::warm`] feeds
//! history through the very same path and throws the alerts away, which also leaves each
//! detector "in episode" for a crisis already under way: a restart does not re-announce it.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::{NEGATIVE_COMPOUND, RuleConfig};
use crate::alerts::notice::{RuleKind, Sighting, Why};
use crate::alerts::spike::{MAX_WINDOW_MIN, Spike, SpikeDetector};
use crate::alerts::spreading::{
    self, SpreadingDetector, SpreadingParams, SpreadingParamsError, StoryMention,
};

/// Negative mention ids remembered per brand and spike rule (the newest are kept).
const SPIKE_IDS_KEPT: usize = 200;

/// One stored mention as the rules see it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MentionEvent {
    /// Store id (or line number in a backtest).
    pub id: i64,
    /// The brand mentioned (its `[[brand]]` name).
    pub brand: String,
    /// Source name.
    pub source: String,
    /// Host of the page (for spreading stories).
    pub host: String,
    /// Canonical URL.
    pub url: String,
    /// Title (may be empty).
    pub title: String,
    /// Plain text (may be empty).
    pub text: String,
    /// Detected language ("en", "es"), if known.
    pub lang: Option<String>,
    /// Compound sentiment score, −1..1.
    pub compound: f64,
    /// Review rating normalized to 0..1, if the source has one.
    pub rating: Option<f64>,
    /// Published time; build it with [`event_time`] (fetch time when unknown, never future).
    pub published_at: DateTime<Utc>,
}

/// The time a mention happened for the rules: published time, or fetch time when the source
/// gives none, and never later than the fetch (a future date would freeze the baseline).
pub fn event_time(published: Option<DateTime<Utc>>, fetched: DateTime<Utc>) -> DateTime<Utc> {
    published.map_or(fetched, |p| p.min(fetched))
}

/// One alert a rule raised; [`crate::alerts::grouping`] batches them into notifications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fired {
    /// The rule's name.
    pub rule: String,
    /// The rule's kind.
    pub kind: RuleKind,
    /// The brand (none for source failures).
    pub brand: Option<String>,
    /// When it fired, on the engine's clock (the mention's published time, or `now`).
    pub at: DateTime<Utc>,
    /// Identity of the alert within its group: the same key again is the same alert still
    /// firing, not a new one (`mention:<id>`, `spike:<brand>:<window start>`,
    /// `story:<origin url>`, `source:<name>:<failing since>`).
    pub key: String,
    /// The mentions behind it (spike: negatives of the firing window, newest last).
    pub mention_ids: Vec<i64>,
    /// Why, with the numbers.
    pub why: Why,
}

impl Fired {
    /// Count for a one-line summary: the spike count, else the number of mentions (≥ 1).
    pub fn count(&self) -> u64 {
        match &self.why {
            Why::Spike { count, .. } => *count,
            _ => self.mention_ids.len().max(1) as u64,
        }
    }

    /// The spike baseline, when this is a spike.
    pub fn baseline(&self) -> Option<f64> {
        match &self.why {
            Why::Spike { baseline, .. } => Some(*baseline),
            _ => None,
        }
    }
}

/// Why the engine refused the rules.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    /// An option is out of range (same checks as config validation).
    #[error("rule \"{rule}\": {key}: {message}")]
    Rule {
        /// The rule's name.
        rule: String,
        /// The option at fault.
        key: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The spreading detector refused its parameters.
    #[error("rule \"{rule}\": {source}")]
    Spreading {
        /// The rule's name.
        rule: String,
        /// The detector's reason.
        source: SpreadingParamsError,
    },
}

enum Detector {
    Instant,
    Spike {
        det: SpikeDetector,
        /// Recent negative (published secs, id) per brand, for the email's mention list.
        recent: HashMap<String, VecDeque<(i64, i64)>>,
    },
    Spreading(Box<SpreadingDetector>),
    SourceFailure {
        after: TimeDelta,
        /// Sources already announced, with the failing-since time announced.
        announced: HashMap<String, DateTime<Utc>>,
    },
    /// Time-driven from the store ([`crate::alerts::live::Live::unanswered`]), not by
    /// mentions as they arrive.
    Unanswered,
}

struct Compiled {
    rule: RuleConfig,
    detector: Detector,
}

/// All rules with their detectors.
pub struct Engine {
    rules: Vec<Compiled>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.rules.iter().map(|c| c.rule.name.as_str()).collect();
        f.debug_struct("Engine").field("rules", &names).finish()
    }
}

impl Engine {
    /// Build detectors for the rules (option ranges are checked again here).
    pub fn new(rules: &[RuleConfig]) -> Result<Engine, EngineError> {
        let mut out = Vec::with_capacity(rules.len());
        for rule in rules {
            rule.check_values()
                .map_err(|(key, message)| EngineError::Rule {
                    rule: rule.name.clone(),
                    key,
                    message,
                })?;
            let detector = match rule.kind {
                RuleKind::Instant => Detector::Instant,
                RuleKind::Spike => Detector::Spike {
                    det: SpikeDetector::new(rule.sensitivity()),
                    recent: HashMap::new(),
                },
                RuleKind::Spreading => {
                    let params = SpreadingParams {
                        min_hosts: rule.hosts(),
                        window_secs: i64::try_from(rule.within().as_secs()).unwrap_or(i64::MAX),
                        ..SpreadingParams::default()
                    };
                    let det = SpreadingDetector::try_new(params).map_err(|source| {
                        EngineError::Spreading {
                            rule: rule.name.clone(),
                            source,
                        }
                    })?;
                    Detector::Spreading(Box::new(det))
                }
                RuleKind::SourceFailure => Detector::SourceFailure {
                    after: TimeDelta::from_std(rule.after()).unwrap_or(TimeDelta::MAX),
                    announced: HashMap::new(),
                },
                RuleKind::Unanswered => Detector::Unanswered,
            };
            out.push(Compiled {
                rule: rule.clone(),
                detector,
            });
        }
        Ok(Engine { rules: out })
    }

    /// The rules, in config order.
    pub fn rules(&self) -> impl Iterator<Item = &RuleConfig> {
        self.rules.iter().map(|c| &c.rule)
    }

    /// Feed one mention (in published-time order per brand); returns what fired.
    pub fn observe(&mut self, m: &MentionEvent) -> Vec<Fired> {
        let mut out = Vec::new();
        for c in &mut self.rules {
            if let Some(f) = c.observe(m, true) {
                out.push(f);
            }
        }
        out
    }

    /// Feed one mention of history: detectors learn (and enter episodes) but nothing fires.
    pub fn warm(&mut self, m: &MentionEvent) {
        for c in &mut self.rules {
            let _ = c.observe(m, false);
        }
    }

    /// Report a source's health. `failing_since = None` (or state `ok`) means healthy.
    /// Each source-failure rule watching the source fires once per failure episode, when it
    /// has been failing for at least the rule's `after`.
    pub fn source_state(
        &mut self,
        name: &str,
        state: &str,
        failing_since: Option<DateTime<Utc>>,
        last_error: &str,
        now: DateTime<Utc>,
    ) -> Vec<Fired> {
        let mut out = Vec::new();
        for c in &mut self.rules {
            let Detector::SourceFailure { after, announced } = &mut c.detector else {
                continue;
            };
            if !c.rule.sources.is_empty() && !c.rule.sources.iter().any(|s| s == name) {
                continue;
            }
            let since = match failing_since {
                Some(since) if !state.eq_ignore_ascii_case("ok") => since,
                _ => {
                    announced.remove(name);
                    continue;
                }
            };
            if now - since < *after || announced.get(name) == Some(&since) {
                continue;
            }
            announced.insert(name.to_owned(), since);
            out.push(Fired {
                rule: c.rule.name.clone(),
                kind: RuleKind::SourceFailure,
                brand: None,
                at: now,
                key: format!("source:{name}:{}", since.timestamp()),
                mention_ids: Vec::new(),
                why: Why::SourceFailure {
                    source: name.to_owned(),
                    state: state.to_owned(),
                    since,
                    last_error: last_error.to_owned(),
                },
            });
        }
        out
    }
}

impl Compiled {
    fn observe(&mut self, m: &MentionEvent, fire: bool) -> Option<Fired> {
        let rule = &self.rule;
        if !rule.applies_to(&m.brand) {
            return None;
        }
        let negative = m.compound <= NEGATIVE_COMPOUND;
        let (key, ids, why) = match &mut self.detector {
            Detector::Instant => {
                if !fire || !instant_matches(rule, m) {
                    return None;
                }
                let why = Why::Instant {
                    threshold: rule.threshold(),
                };
                (format!("mention:{}", m.id), vec![m.id], why)
            }
            Detector::Spike { det, recent } => {
                let secs = m.published_at.timestamp();
                let ring = match recent.get_mut(&m.brand) {
                    Some(r) => r,
                    None => recent.entry(m.brand.clone()).or_default(),
                };
                if negative {
                    ring.push_back((secs, m.id));
                }
                let horizon = secs - i64::from(MAX_WINDOW_MIN) * 60;
                while ring.len() > SPIKE_IDS_KEPT || ring.front().is_some_and(|&(t, _)| t < horizon)
                {
                    ring.pop_front();
                }
                let spike = det.observe_and_check(&m.brand, m.published_at, negative)?;
                if !fire {
                    return None;
                }
                let start = spike.window_start.timestamp();
                let ids = ring
                    .iter()
                    .filter(|&&(t, _)| t >= start)
                    .map(|&(_, id)| id)
                    .collect();
                let window_minutes = window_minutes(&spike);
                let why = Why::Spike {
                    count: u64::from(spike.count),
                    baseline: spike.baseline,
                    threshold: spike.threshold,
                    window_minutes,
                };
                (format!("spike:{}:{start}", m.brand), ids, why)
            }
            Detector::Spreading(det) => {
                let story = det.observe(&StoryMention {
                    brand: &m.brand,
                    ts: m.published_at,
                    host: &m.host,
                    url: &m.url,
                    title: &m.title,
                    text: &m.text,
                    is_negative: negative,
                })?;
                if !fire {
                    return None;
                }
                let sighting = |s: &spreading::Sighting| Sighting {
                    host: s.host.clone(),
                    url: s.url.clone(),
                    at: s.ts,
                };
                let why = Why::Spreading {
                    first: sighting(&story.first_seen),
                    picked_up_by: story.picked_up_by.iter().map(sighting).collect(),
                };
                (format!("story:{}", story.first_seen.url), vec![m.id], why)
            }
            Detector::SourceFailure { .. } | Detector::Unanswered => return None,
        };
        Some(Fired {
            rule: rule.name.clone(),
            kind: rule.kind,
            brand: Some(m.brand.clone()),
            at: m.published_at,
            key,
            mention_ids: ids,
            why,
        })
    }
}

/// The firing window's length in minutes (from the detector's own report).
fn window_minutes(spike: &Spike) -> u32 {
    let secs = (spike.fired_at - spike.window_start).num_seconds().max(0);
    u32::try_from((secs + 59) / 60).unwrap_or(u32::MAX)
}

/// Does a mention qualify for an instant rule (threshold and filters)?
fn instant_matches(rule: &RuleConfig, m: &MentionEvent) -> bool {
    if m.compound > rule.threshold() {
        return false;
    }
    if !rule.sources.is_empty()
        && !rule
            .sources
            .iter()
            .any(|s| s.eq_ignore_ascii_case(&m.source))
    {
        return false;
    }
    if !rule.langs.is_empty()
        && !m
            .lang
            .as_deref()
            .is_some_and(|l| rule.langs.iter().any(|r| r.eq_ignore_ascii_case(l)))
    {
        return false;
    }
    match rule.max_rating {
        Some(max) => m.rating.is_some_and(|r| r <= max),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_704_067_200 + secs, 0).expect("valid")
    }

    fn mention(id: i64, compound: f64) -> MentionEvent {
        MentionEvent {
            id,
            brand: "acme".into(),
            source: "reviews".into(),
            compound,
            lang: Some("es".into()),
            published_at: t(id),
            ..MentionEvent::default()
        }
    }

    #[test]
    fn event_time_clamps_the_future() {
        assert_eq!(event_time(Some(t(100)), t(50)), t(50));
        assert_eq!(event_time(Some(t(10)), t(50)), t(10));
        assert_eq!(event_time(None, t(50)), t(50));
    }

    #[test]
    fn warm_never_fires_but_observe_does() {
        let mut e = Engine::new(&[RuleConfig::new("neg", RuleKind::Instant)]).expect("rules");
        e.warm(&mention(1, -0.9));
        let fired = e.observe(&mention(2, -0.9));
        assert_eq!(fired.len(), 1);
        assert_eq!(fired[0].key, "mention:2");
        assert_eq!(fired[0].count(), 1);
        assert_eq!(fired[0].baseline(), None);
    }

    #[test]
    fn other_brands_are_ignored() {
        let mut r = RuleConfig::new("neg", RuleKind::Instant);
        r.brand = "other".into();
        let mut e = Engine::new(&[r]).expect("rules");
        assert!(e.observe(&mention(1, -0.9)).is_empty());
    }
}
