//! Notice: everything one alert notification says, as plain data.
//!
//! Rules and grouping decide *that* the team must hear something; a [`Notice`] is *what*
//! it hears, independent of the channel: the email renderer, the webhook formatter and the
//! backtest printer all read the same value, so an email and a Slack message never
//! disagree about why an alert fired.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The kinds of rule (`kind = "…"` in a `[[rule]]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleKind {
    /// A mention at or below a compound threshold.
    Instant,
    /// A brand's negative volume far above its own baseline.
    Spike,
    /// One negative story picked up by several sites.
    Spreading,
    /// A source failing or blocked for too long.
    SourceFailure,
    /// A negative mention still unanswered as its brand's response target nears.
    Unanswered,
}

impl RuleKind {
    /// The name used in config and output.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Instant => "instant",
            RuleKind::Spike => "spike",
            RuleKind::Spreading => "spreading",
            RuleKind::SourceFailure => "source-failure",
            RuleKind::Unanswered => "unanswered",
        }
    }
}

/// Language of a notification (per recipient).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeLang {
    /// English.
    #[default]
    En,
    /// Spanish.
    Es,
}

/// One alert notification: a group of alerts of one rule for one brand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    /// The rule's name as configured.
    pub rule: String,
    /// The rule's kind.
    pub kind: RuleKind,
    /// The brand, when the rule is about one (source-failure notices have none).
    pub brand: Option<String>,
    /// When the notification was decided.
    pub fired_at: DateTime<Utc>,
    /// Why it fired, with the numbers.
    pub why: Why,
    /// The mentions behind it, most negative first (may be empty for source failures).
    pub mentions: Vec<NoticeMention>,
    /// How many more mentions the group holds than are listed.
    pub more_mentions: usize,
    /// This notification repeats an earlier one for a group still firing.
    pub repeat: bool,
    /// Notifications of this rule held back today by the recipient's budget, which will
    /// be in the next digest instead (A08); 0 when none.
    pub held_for_digest: usize,
    /// The dashboard's base URL (`[web] base_url`), for links; `None` when not configured.
    pub dashboard: Option<String>,
}

/// Why a notice fired, with the numbers that make it believable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Why {
    /// Mentions at or below the rule's threshold.
    Instant {
        /// The compound threshold of the rule (e.g. −0.6).
        threshold: f64,
    },
    /// Negative volume far above the brand's baseline.
    Spike {
        /// Negative mentions in the window.
        count: u64,
        /// What the baseline expected in that window.
        baseline: f64,
        /// The count that would have fired.
        threshold: f64,
        /// The window's length in minutes.
        window_minutes: u32,
    },
    /// One story on several hosts.
    Spreading {
        /// Where it appeared first.
        first: Sighting,
        /// Where it was picked up since, in time order.
        picked_up_by: Vec<Sighting>,
    },
    /// A source failing or blocked for too long.
    SourceFailure {
        /// The source's name.
        source: String,
        /// failing / blocked / drifted.
        state: String,
        /// Since when it has not succeeded.
        since: DateTime<Utc>,
        /// The last error.
        last_error: String,
    },
    /// A negative mention open and unanswered for too long.
    Unanswered {
        /// How long it had waited when the alert fired, in seconds.
        waited_secs: i64,
        /// The brand's response target (`sla`), in seconds.
        sla_secs: i64,
    },
}

/// Where a story was seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sighting {
    /// Host name.
    pub host: String,
    /// The item's URL.
    pub url: String,
    /// When it was published or seen.
    pub at: DateTime<Utc>,
}

/// A mention as a notice shows it. All text is untrusted outside text: renderers escape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoticeMention {
    /// Store id (links to the dashboard's mention page).
    pub id: i64,
    /// Title.
    pub title: String,
    /// Source name.
    pub source: String,
    /// Link to the original.
    pub url: Option<String>,
    /// Text around the brand.
    pub snippet: String,
    /// Byte ranges of the brand in `snippet`, to highlight.
    pub highlight: Vec<(usize, usize)>,
    /// Compound score.
    pub compound: f64,
    /// positive / neutral / negative.
    pub label: String,
    /// The terms that weighed most, with their weights.
    pub top_terms: Vec<(String, f64)>,
    /// Published (or fetched) time.
    pub published_at: DateTime<Utc>,
    /// Review rating 0..1, if any.
    pub rating: Option<f64>,
}

impl Notice {
    /// The dashboard page of a mention, when a base URL is configured.
    pub fn mention_link(&self, id: i64) -> Option<String> {
        self.dashboard
            .as_ref()
            .map(|base| format!("{}/mentions/{id}", base.trim_end_matches('/')))
    }

    /// The page where the rule can be muted, when a base URL is configured.
    pub fn mute_link(&self) -> Option<String> {
        self.dashboard.as_ref().map(|base| {
            format!(
                "{}/alerts?mute={}",
                base.trim_end_matches('/'),
                url_component(&self.rule)
            )
        })
    }
}

fn url_component(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
