//! Alert rules: the `[[rule]]` and `[[recipient]]` tables of `vigia.toml`, their checks,
//! and the [`Engine`] that turns mentions and source states into [`Fired`] alerts.
//!
//! A rule says *what* deserves attention (its `kind` and options) and *who* hears about it
//! (`recipients`, `webhooks`); how alerts are batched and rationed is [`super::grouping`]'s
//! job, so a rule never sends anything itself. Options that belong to another kind are
//! refused (a `sensitivity` on an `instant` rule is a typo, not a wish).
//!
//! ```toml
//! [[rule]]
//! name = "negative-spike"
//! kind = "spike"            # instant | spike | spreading | source-failure
//! brand = "*"               # every brand (default), or one [[brand]] name
//! sensitivity = "balanced"  # sensitive | balanced | conservative
//! recipients = ["team@example.com"]
//! webhooks = ["slack"]      # names of [[webhook]] entries
//! group_wait = "0s"         # optional; defaults per kind below
//!
//! [[recipient]]
//! address = "team@example.com"
//! lang = "es"               # en (default) | es
//! budget = { instant = 5 }  # emails per kind per UTC day
//! ```
//!
//! # Options and defaults
//!
//! | kind | options (default) |
//! |---|---|
//! | `instant` | `threshold` compound at or below which a mention fires (−0.5); filters `sources`, `langs`, `max_rating` (0..1: the mention must carry a rating at or below it) |
//! | `spike` | `sensitivity` (balanced), see [`crate::alerts::spike`] |
//! | `spreading` | `hosts` distinct hosts (3) `within` a window ("6h"), see [`crate::alerts::spreading`] |
//! | `source-failure` | `after`: failing or blocked for this long ("1h"); `sources` limits the watched sources |
//!
//! Grouping (see [`super::grouping`]), per kind — `group_wait` / `group_interval` /
//! `repeat_interval`; `resolve_timeout` defaults to `repeat_interval`:
//!
//! | kind | wait | interval | repeat | why |
//! |---|---|---|---|---|
//! | `instant` | 2m | 10m | 4h | a burst of complaints is one email (A08); set `"0s"` for speed |
//! | `spike` | 0s | 30m | 4h | one alert per episode already; waiting only delays it |
//! | `spreading` | 0s | 30m | 12h | one alert per story |
//! | `source-failure` | 5m | 30m | 24h | sources often fail together (one host down) |
//!
//! A `[[recipient]]` entry is optional: an address used in a rule without one gets English
//! and the default budget ([`DEFAULT_INSTANT_BUDGET`] instant emails a day, other kinds
//! unlimited).

mod engine;
mod recipient;

use std::time::Duration;

use chrono::TimeDelta;
use serde::Deserialize;

use super::notice::RuleKind;
use super::spike::Sensitivity;

pub use engine::{Engine, EngineError, Fired, MentionEvent, event_time};
pub use recipient::{BudgetConfig, RecipientConfig, recipient_for};

use recipient::check_address;

/// The brand value that makes a rule apply to every brand.
pub const ALL_BRANDS: &str = "*";
/// Default compound threshold of an `instant` rule.
pub const DEFAULT_INSTANT_THRESHOLD: f64 = -0.5;
/// A mention with a compound at or below this counts as negative (spike and spreading).
pub const NEGATIVE_COMPOUND: f64 = -0.05;
/// Default distinct hosts of a `spreading` rule.
pub const DEFAULT_SPREADING_HOSTS: usize = 3;
/// Default window of a `spreading` rule.
pub const DEFAULT_SPREADING_WITHIN: Duration = Duration::from_secs(6 * 3600);
/// Default failing time before a `source-failure` rule fires.
pub const DEFAULT_SOURCE_FAILURE_AFTER: Duration = Duration::from_secs(3600);
/// Default instant emails per recipient per UTC day (others are unlimited).
pub const DEFAULT_INSTANT_BUDGET: u32 = 10;

/// One `[[rule]]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// Unique name, shown in emails and used to mute the rule.
    pub name: String,
    /// What the rule watches.
    pub kind: RuleKind,
    /// `"*"` (every brand) or one `[[brand]]` name.
    #[serde(default = "default_brand")]
    pub brand: String,
    /// Email addresses to notify.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// Names of `[[webhook]]` entries to notify.
    #[serde(default)]
    pub webhooks: Vec<String>,
    /// instant: compound at or below which a mention fires (−1..1).
    #[serde(default)]
    pub threshold: Option<f64>,
    /// instant / source-failure: only these source names (empty = all).
    #[serde(default)]
    pub sources: Vec<String>,
    /// instant: only mentions in these languages (empty = all).
    #[serde(default)]
    pub langs: Vec<String>,
    /// instant: only mentions with a rating (0..1) at or below this.
    #[serde(default)]
    pub max_rating: Option<f64>,
    /// spike: the sensitivity preset.
    #[serde(default)]
    pub sensitivity: Option<Sensitivity>,
    /// spreading: distinct hosts a story must reach.
    #[serde(default)]
    pub hosts: Option<usize>,
    /// spreading: the window the hosts must be reached in.
    #[serde(default, with = "crate::config::optional_duration")]
    pub within: Option<Duration>,
    /// source-failure: how long a source must fail before the rule fires.
    #[serde(default, with = "crate::config::optional_duration")]
    pub after: Option<Duration>,
    /// Grouping: wait before the first notification of a new group.
    #[serde(default, with = "crate::config::optional_duration")]
    pub group_wait: Option<Duration>,
    /// Grouping: wait between notifications of new alerts in a group.
    #[serde(default, with = "crate::config::optional_duration")]
    pub group_interval: Option<Duration>,
    /// Grouping: resend a group still firing with nothing new after this long.
    #[serde(default, with = "crate::config::optional_duration")]
    pub repeat_interval: Option<Duration>,
    /// Grouping: close a group whose alerts were not seen again for this long.
    #[serde(default, with = "crate::config::optional_duration")]
    pub resolve_timeout: Option<Duration>,
}

/// The grouping timings of one rule (see [`super::grouping`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupTiming {
    /// Wait before the first notification of a new group (0 = at once).
    pub group_wait: TimeDelta,
    /// Minimum time between two notifications of one group.
    pub group_interval: TimeDelta,
    /// Resend a group still firing after this long with nothing new.
    pub repeat_interval: TimeDelta,
    /// Close a group none of whose alerts were seen for this long.
    pub resolve_timeout: TimeDelta,
}

impl GroupTiming {
    /// The documented defaults of a kind.
    pub fn default_for(kind: RuleKind) -> GroupTiming {
        let (wait, interval, repeat) = match kind {
            RuleKind::Instant => (120, 600, 4 * 3600),
            RuleKind::Spike => (0, 1800, 4 * 3600),
            RuleKind::Spreading => (0, 1800, 12 * 3600),
            RuleKind::SourceFailure => (300, 1800, 24 * 3600),
            RuleKind::Unanswered => (60, 1800, 24 * 3600),
        };
        GroupTiming {
            group_wait: TimeDelta::seconds(wait),
            group_interval: TimeDelta::seconds(interval),
            repeat_interval: TimeDelta::seconds(repeat),
            resolve_timeout: TimeDelta::seconds(repeat),
        }
    }
}

impl RuleConfig {
    /// A rule of `kind` with every option at its default (and no recipients yet).
    pub fn new(name: &str, kind: RuleKind) -> RuleConfig {
        RuleConfig {
            name: name.to_owned(),
            kind,
            brand: default_brand(),
            recipients: Vec::new(),
            webhooks: Vec::new(),
            threshold: None,
            sources: Vec::new(),
            langs: Vec::new(),
            max_rating: None,
            sensitivity: None,
            hosts: None,
            within: None,
            after: None,
            group_wait: None,
            group_interval: None,
            repeat_interval: None,
            resolve_timeout: None,
        }
    }

    /// The instant threshold in force.
    pub fn threshold(&self) -> f64 {
        self.threshold.unwrap_or(DEFAULT_INSTANT_THRESHOLD)
    }

    /// The spike sensitivity in force.
    pub fn sensitivity(&self) -> Sensitivity {
        self.sensitivity.unwrap_or_default()
    }

    /// The spreading host count in force.
    pub fn hosts(&self) -> usize {
        self.hosts.unwrap_or(DEFAULT_SPREADING_HOSTS)
    }

    /// The spreading window in force.
    pub fn within(&self) -> Duration {
        self.within.unwrap_or(DEFAULT_SPREADING_WITHIN)
    }

    /// The source-failure delay in force.
    pub fn after(&self) -> Duration {
        self.after.unwrap_or(DEFAULT_SOURCE_FAILURE_AFTER)
    }

    /// The grouping timings in force (configured values over the kind's defaults).
    pub fn timing(&self) -> GroupTiming {
        let d = GroupTiming::default_for(self.kind);
        let delta = |v: Option<Duration>, default: TimeDelta| {
            v.and_then(|v| TimeDelta::from_std(v).ok())
                .unwrap_or(default)
        };
        let repeat_interval = delta(self.repeat_interval, d.repeat_interval);
        GroupTiming {
            group_wait: delta(self.group_wait, d.group_wait),
            group_interval: delta(self.group_interval, d.group_interval),
            repeat_interval,
            resolve_timeout: delta(self.resolve_timeout, repeat_interval),
        }
    }

    /// Does the rule apply to `brand`?
    pub fn applies_to(&self, brand: &str) -> bool {
        self.brand == ALL_BRANDS || self.brand.eq_ignore_ascii_case(brand)
    }

    /// Full check against the configured brand names; the error is (key, message) with
    /// the key relative to the `[[rule]]` table (the caller prefixes `rule[i].`).
    pub fn validate(&self, brands: &[String]) -> Result<(), (String, String)> {
        self.check_values()?;
        if self.brand != ALL_BRANDS && !brands.iter().any(|b| b.eq_ignore_ascii_case(&self.brand)) {
            return Err(err(
                "brand",
                format!(
                    "no [[brand]] is named \"{}\"; use a brand's name or \"*\"",
                    self.brand
                ),
            ));
        }
        if self.recipients.is_empty() && self.webhooks.is_empty() {
            return Err(err(
                "recipients",
                "the rule notifies nobody: add `recipients` or `webhooks`".into(),
            ));
        }
        Ok(())
    }

    /// Everything but the brand and recipient checks (what a backtest needs).
    pub fn check_values(&self) -> Result<(), (String, String)> {
        if self.name.trim().is_empty() {
            return Err(err("name", "a rule needs a name".into()));
        }
        if self.brand.trim().is_empty() {
            return Err(err("brand", "use a brand's name or \"*\"".into()));
        }
        for (i, a) in self.recipients.iter().enumerate() {
            check_address(a).map_err(|m| (format!("recipients[{i}]"), m))?;
        }
        if let Some(i) = self.webhooks.iter().position(|w| w.trim().is_empty()) {
            return Err(err(&format!("webhooks[{i}]"), "empty webhook name".into()));
        }
        self.check_kind_options()?;
        if let Some(t) = self.threshold
            && !(t.is_finite() && (-1.0..=1.0).contains(&t))
        {
            return Err(err(
                "threshold",
                format!("{t} is outside -1..1 (compound scores); -0.5 is the default"),
            ));
        }
        if let Some(r) = self.max_rating
            && !(r.is_finite() && (0.0..=1.0).contains(&r))
        {
            return Err(err(
                "max_rating",
                format!("{r} is outside 0..1 (ratings are normalized: 2 of 5 stars = 0.4)"),
            ));
        }
        if let Some(i) = self.sources.iter().position(|s| s.trim().is_empty()) {
            return Err(err(&format!("sources[{i}]"), "empty source name".into()));
        }
        if let Some(i) = self
            .langs
            .iter()
            .position(|l| !(2..=3).contains(&l.len()) || !l.bytes().all(|b| b.is_ascii_lowercase()))
        {
            return Err(err(
                &format!("langs[{i}]"),
                format!(
                    "\"{}\" is not a language code; use e.g. \"en\", \"es\"",
                    self.langs[i]
                ),
            ));
        }
        if let Some(h) = self.hosts
            && h < 2
        {
            return Err(err(
                "hosts",
                format!("a story must reach at least 2 hosts (got {h})"),
            ));
        }
        for (key, v) in [
            ("within", self.within),
            ("group_interval", self.group_interval),
        ]
        .into_iter()
        .chain([
            ("repeat_interval", self.repeat_interval),
            ("resolve_timeout", self.resolve_timeout),
        ]) {
            if v.is_some_and(|d| d.is_zero()) {
                return Err(err(key, "must be longer than 0s".into()));
            }
        }
        Ok(())
    }

    /// Refuse options that belong to another kind.
    fn check_kind_options(&self) -> Result<(), (String, String)> {
        let used: [(&str, bool, &[RuleKind]); 7] = [
            ("threshold", self.threshold.is_some(), &[RuleKind::Instant]),
            ("langs", !self.langs.is_empty(), &[RuleKind::Instant]),
            (
                "max_rating",
                self.max_rating.is_some(),
                &[RuleKind::Instant],
            ),
            (
                "sources",
                !self.sources.is_empty(),
                &[RuleKind::Instant, RuleKind::SourceFailure],
            ),
            (
                "sensitivity",
                self.sensitivity.is_some(),
                &[RuleKind::Spike],
            ),
            (
                "hosts",
                self.hosts.is_some() || self.within.is_some(),
                &[RuleKind::Spreading],
            ),
            (
                "after",
                self.after.is_some(),
                &[RuleKind::SourceFailure, RuleKind::Unanswered],
            ),
        ];
        for (key, set, kinds) in used {
            if set && !kinds.contains(&self.kind) {
                let key = if key == "hosts" && self.hosts.is_none() {
                    "within"
                } else {
                    key
                };
                let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
                return Err(err(
                    key,
                    format!(
                        "`{key}` is an option of {} rules, not of `{}` rules; remove it",
                        names.join(" / "),
                        self.kind.as_str()
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Check rules and recipients together: each entry, unique rule names and addresses.
/// Keys are absolute (`rule[2].brand`, `recipient[0].address`).
pub fn validate_all(
    rules: &[RuleConfig],
    recipients: &[RecipientConfig],
    brands: &[String],
) -> Result<(), (String, String)> {
    for (i, rule) in rules.iter().enumerate() {
        rule.validate(brands)
            .map_err(|(k, m)| (format!("rule[{i}].{k}"), m))?;
        if rules[..i].iter().any(|r| r.name == rule.name) {
            return Err((
                format!("rule[{i}].name"),
                format!("rule \"{}\" is defined twice", rule.name),
            ));
        }
    }
    for (i, r) in recipients.iter().enumerate() {
        r.validate()
            .map_err(|(k, m)| (format!("recipient[{i}].{k}"), m))?;
        if recipients[..i]
            .iter()
            .any(|o| o.address.eq_ignore_ascii_case(&r.address))
        {
            return Err((
                format!("recipient[{i}].address"),
                format!("recipient \"{}\" is defined twice", r.address),
            ));
        }
    }
    Ok(())
}

fn err(key: &str, message: String) -> (String, String) {
    (key.to_owned(), message)
}

fn default_brand() -> String {
    ALL_BRANDS.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::notice::NoticeLang;
    use crate::config::from_toml;

    #[derive(Deserialize)]
    struct Doc {
        #[serde(default)]
        rule: Vec<RuleConfig>,
        #[serde(default)]
        recipient: Vec<RecipientConfig>,
    }

    fn parse(text: &str) -> Doc {
        from_toml(text).expect("valid toml")
    }

    #[test]
    fn parses_a_rule_with_defaults() {
        let doc = parse(
            r#"
            [[rule]]
            name = "neg"
            kind = "instant"
            recipients = ["team@example.com"]
            group_wait = "0s"
            "#,
        );
        let r = &doc.rule[0];
        assert_eq!(r.brand, "*");
        assert_eq!(r.threshold(), DEFAULT_INSTANT_THRESHOLD);
        let t = r.timing();
        assert_eq!(t.group_wait, TimeDelta::zero());
        assert_eq!(t.group_interval, TimeDelta::minutes(10));
        assert_eq!(t.resolve_timeout, t.repeat_interval);
        assert!(r.validate(&[]).is_ok());
    }

    #[test]
    fn unknown_keys_and_bad_durations_name_the_key() {
        let e = from_toml::<Doc>("[[rule]]\nname = \"x\"\nkind = \"spike\"\nsensitive = 1\n")
            .err()
            .expect("refused");
        assert!(e.message.contains("sensitive"), "{e:?}");
        let e = from_toml::<Doc>("[[rule]]\nname = \"x\"\nkind = \"spike\"\ngroup_wait = \"5\"\n")
            .err()
            .expect("refused");
        assert!(e.key.contains("group_wait"), "{e:?}");
        assert_eq!(e.line, 4);
    }

    #[test]
    fn validation_names_the_key() {
        let mut r = RuleConfig::new("x", RuleKind::Instant);
        assert_eq!(r.validate(&[]).unwrap_err().0, "recipients");
        r.recipients = vec!["a@example.com".into()];
        r.brand = "acme".into();
        assert_eq!(r.validate(&[]).unwrap_err().0, "brand");
        assert!(r.validate(&["Acme".into()]).is_ok());
        r.threshold = Some(-1.5);
        assert_eq!(r.validate(&["acme".into()]).unwrap_err().0, "threshold");
        r.threshold = None;
        r.sensitivity = Some(Sensitivity::Sensitive);
        let (key, msg) = r.validate(&["acme".into()]).unwrap_err();
        assert_eq!(key, "sensitivity");
        assert!(msg.contains("spike"), "{msg}");
        r.sensitivity = None;
        r.recipients = vec!["a@x.com\r\nBcc: b@y".into()];
        assert_eq!(r.validate(&["acme".into()]).unwrap_err().0, "recipients[0]");
        r.recipients.clear();
        r.webhooks = vec!["slack".into()];
        r.max_rating = Some(2.0);
        assert_eq!(r.validate(&["acme".into()]).unwrap_err().0, "max_rating");
    }

    #[test]
    fn recipients_and_budgets() {
        let doc = parse(
            r#"
            [[recipient]]
            address = "es@example.com"
            lang = "es"
            budget = { instant = 5, source-failure = 2 }
            "#,
        );
        let r = recipient_for(&doc.recipient, "ES@example.com");
        assert_eq!(r.lang, NoticeLang::Es);
        assert_eq!(r.budget.limit(RuleKind::Instant), Some(5));
        assert_eq!(r.budget.limit(RuleKind::SourceFailure), Some(2));
        assert_eq!(r.budget.limit(RuleKind::Spike), None);
        let d = recipient_for(&doc.recipient, "other@example.com");
        assert_eq!(d.lang, NoticeLang::En);
        assert_eq!(
            d.budget.limit(RuleKind::Instant),
            Some(DEFAULT_INSTANT_BUDGET)
        );
        let twice = vec![RecipientConfig::new("a@b.c"), RecipientConfig::new("A@b.c")];
        assert_eq!(
            validate_all(&[], &twice, &[]).unwrap_err().0,
            "recipient[1].address"
        );
    }
}
