//! Grouping: turning a stream of [`Fired`] alerts into few notifications, the way
//! Prometheus' Alertmanager does, plus per-recipient daily budgets ([`Budgets`]).
//!
//! Pure logic with an injected clock: every call takes `now`, nothing sleeps or reads the
//! wall clock, so the worker (wall time) and `vigia backtest` (the mentions' own time) run
//! the same code and tests need no sleeps. The caller asks [`Grouper::next_wake`] when to
//! call [`Grouper::due`] again.
//!
//! # Semantics (per group = rule + brand)
//!
//! * The **first alert** of a group starts it; its first notification goes out at
//!   `first alert + group_wait` (`group_wait = 0`: on the next `due(now)` call, i.e. at
//!   once). Every alert that arrives before then rides along.
//! * Alerts arriving **after a notification** are batched and go out at
//!   `last notification + group_interval` (or at once if that time has already passed).
//! * An alert is identified by [`Fired::key`]. Adding a key the group already holds is a
//!   **refresh** ("still firing"), not a new alert: it sends nothing by itself, but keeps
//!   the group alive. A group still alive `repeat_interval` after its last notification,
//!   with nothing new, sends a **repeat** (`repeat = true`) listing its live alerts.
//! * A group none of whose alerts was added or refreshed for `resolve_timeout` (default:
//!   `repeat_interval`) is **closed**; the next alert starts a new group (with a new
//!   `group_wait`). Hence an event-like rule (`instant`: each mention is a new key, never
//!   refreshed) never repeats: thirty negative mentions in two minutes with
//!   `group_wait = 2m` make exactly one notification (A08).
//! * Alerts of one group that have not been seen for `resolve_timeout` are forgotten when
//!   the group flushes, so memory follows the live alerts, not history.
//! * When `due(now)` is called with several events at the same instant, alerts added with
//!   that `now` before the call are included: "at time t, everything up to t is known".
//!
//! Notifications carry the alerts *new since the last notification* (a repeat carries all
//! live alerts). Budgets are applied per recipient after grouping: see [`budget`].
//!
//! # Persistence
//!
//! [`Grouper::snapshot`] / [`Grouper::restore`] and [`BudgetState`] are plain serde data:
//! the caller stores them (e.g. as JSON) to survive restarts.

pub mod budget;

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::notice::RuleKind;
use super::rules::{Fired, GroupTiming, RuleConfig};

pub use budget::{Admit, BudgetState, Budgets, KindCounts, RecipientDay};

/// A group's identity: (rule name, brand).
pub type GroupKey = (String, Option<String>);

/// One notification to send: a batch of one group's alerts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flush {
    /// The rule's name.
    pub rule: String,
    /// The rule's kind.
    pub kind: RuleKind,
    /// The brand (none for source failures).
    pub brand: Option<String>,
    /// The alerts: new ones since the last notification, or all live ones for a repeat.
    pub alerts: Vec<Fired>,
    /// A resend of a group still firing with nothing new.
    pub repeat: bool,
    /// When the group's first alert arrived.
    pub first_at: DateTime<Utc>,
    /// When this notification was decided (the `now` of [`Grouper::due`]).
    pub at: DateTime<Utc>,
}

impl Flush {
    /// Mentions behind the notification, without duplicates, in alert order.
    pub fn mention_ids(&self) -> Vec<i64> {
        let mut seen = std::collections::HashSet::new();
        self.alerts
            .iter()
            .flat_map(|a| a.mention_ids.iter().copied())
            .filter(|id| seen.insert(*id))
            .collect()
    }
}

/// One alert held by a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldAlert {
    /// The alert (its newest version).
    pub fired: Fired,
    /// When it was last added or refreshed.
    pub last_seen: DateTime<Utc>,
    /// Whether a notification has carried it.
    pub sent: bool,
}

/// One group's state (serializable, see [`Grouper::snapshot`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    /// The rule's name.
    pub rule: String,
    /// The rule's kind.
    pub kind: RuleKind,
    /// The brand.
    pub brand: Option<String>,
    /// When the first alert arrived.
    pub first_at: DateTime<Utc>,
    /// When any alert was last added or refreshed.
    pub last_seen: DateTime<Utc>,
    /// When the last notification went out.
    pub last_flush: Option<DateTime<Utc>>,
    /// When the pending alerts go out; `None` when nothing is pending.
    pub next_flush: Option<DateTime<Utc>>,
    /// Alerts by key.
    pub alerts: HashMap<String, HeldAlert>,
    /// Keys not yet notified, in arrival order.
    pub pending: Vec<String>,
}

/// Everything a [`Grouper`] needs to resume after a restart.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GrouperState {
    /// Open groups.
    pub groups: Vec<Group>,
}

/// Alertmanager-style grouping of alerts into notifications (see the module doc).
#[derive(Debug, Default)]
pub struct Grouper {
    timings: HashMap<String, GroupTiming>,
    groups: HashMap<GroupKey, Group>,
    /// (wake time, group) for every open group; one entry per group.
    schedule: BTreeSet<(DateTime<Utc>, GroupKey)>,
    /// The scheduled wake of each group, to find its schedule entry.
    wakes: HashMap<GroupKey, DateTime<Utc>>,
}

impl Grouper {
    /// A grouper using each rule's timings (rules not listed get their kind's defaults).
    pub fn new(rules: &[RuleConfig]) -> Grouper {
        Grouper {
            timings: rules.iter().map(|r| (r.name.clone(), r.timing())).collect(),
            ..Grouper::default()
        }
    }

    /// Resume from a [`Grouper::snapshot`].
    pub fn restore(rules: &[RuleConfig], state: GrouperState) -> Grouper {
        let mut g = Grouper::new(rules);
        for group in state.groups {
            let key = (group.rule.clone(), group.brand.clone());
            g.groups.insert(key.clone(), group);
            g.reschedule(&key);
        }
        g
    }

    /// The state to persist.
    pub fn snapshot(&self) -> GrouperState {
        let mut groups: Vec<Group> = self.groups.values().cloned().collect();
        groups.sort_by(|a, b| (&a.rule, &a.brand).cmp(&(&b.rule, &b.brand)));
        GrouperState { groups }
    }

    /// The timings in force for a rule.
    pub fn timing(&self, rule: &str, kind: RuleKind) -> GroupTiming {
        self.timings
            .get(rule)
            .copied()
            .unwrap_or_else(|| GroupTiming::default_for(kind))
    }

    /// Open groups.
    pub fn open_groups(&self) -> usize {
        self.groups.len()
    }

    /// Add an alert at `now`; returns `false` when it only refreshed a known alert.
    pub fn add(&mut self, fired: Fired, now: DateTime<Utc>) -> bool {
        let t = self.timing(&fired.rule, fired.kind);
        let key: GroupKey = (fired.rule.clone(), fired.brand.clone());
        let Some(group) = self.groups.get_mut(&key) else {
            let alert_key = fired.key.clone();
            let group = Group {
                rule: fired.rule.clone(),
                kind: fired.kind,
                brand: fired.brand.clone(),
                first_at: now,
                last_seen: now,
                last_flush: None,
                next_flush: Some(now + t.group_wait),
                alerts: HashMap::from([(
                    alert_key.clone(),
                    HeldAlert {
                        fired,
                        last_seen: now,
                        sent: false,
                    },
                )]),
                pending: vec![alert_key],
            };
            self.groups.insert(key.clone(), group);
            self.reschedule(&key);
            return true;
        };
        group.last_seen = group.last_seen.max(now);
        if let Some(held) = group.alerts.get_mut(&fired.key) {
            held.last_seen = held.last_seen.max(now);
            held.fired = fired;
            return false;
        }
        group.pending.push(fired.key.clone());
        group.alerts.insert(
            fired.key.clone(),
            HeldAlert {
                fired,
                last_seen: now,
                sent: false,
            },
        );
        if group.next_flush.is_none() {
            let after_interval = group.last_flush.map_or(now, |f| f + t.group_interval);
            group.next_flush = Some(after_interval.max(now));
            self.reschedule(&key);
        }
        true
    }

    /// When [`Grouper::due`] next has something to do; `None` when no group is open.
    pub fn next_wake(&self) -> Option<DateTime<Utc>> {
        self.schedule.first().map(|(t, _)| *t)
    }

    /// The notifications due at `now` (flushes and repeats), closing expired groups.
    pub fn due(&mut self, now: DateTime<Utc>) -> Vec<Flush> {
        let mut out = Vec::new();
        while let Some((wake, key)) = self.schedule.first().cloned() {
            if wake > now {
                break;
            }
            self.schedule.remove(&(wake, key.clone()));
            self.wakes.remove(&key);
            let Some(group) = self.groups.get_mut(&key) else {
                continue;
            };
            let t = self
                .timings
                .get(&group.rule)
                .copied()
                .unwrap_or_else(|| GroupTiming::default_for(group.kind));
            if group.next_flush.is_some_and(|f| f <= now) {
                out.push(flush_pending(group, t, now));
            } else if group.next_flush.is_none() {
                let close_at = group.last_seen + t.resolve_timeout;
                let repeat_at = group.last_flush.unwrap_or(group.first_at) + t.repeat_interval;
                if repeat_at <= now && repeat_at < close_at {
                    out.push(flush_repeat(group, t, now));
                } else if close_at <= now {
                    self.groups.remove(&key);
                    continue;
                }
            }
            self.reschedule(&key);
        }
        out
    }

    /// Give back a flush that could not be delivered into the outbox (the database failed):
    /// its alerts are pending again and go out on the next `due(now)`. A repeat is not
    /// given back: its alerts were notified before, and the next repeat comes on schedule.
    pub fn requeue(&mut self, flush: Flush, now: DateTime<Utc>) {
        if flush.repeat {
            return;
        }
        let key: GroupKey = (flush.rule.clone(), flush.brand.clone());
        for fired in flush.alerts {
            let Some(group) = self.groups.get_mut(&key) else {
                self.add(fired, now);
                continue;
            };
            if !group.pending.contains(&fired.key) {
                group.pending.push(fired.key.clone());
            }
            let held = group
                .alerts
                .entry(fired.key.clone())
                .or_insert_with(|| HeldAlert {
                    fired,
                    last_seen: now,
                    sent: false,
                });
            held.sent = false;
        }
        if let Some(group) = self.groups.get_mut(&key) {
            group.next_flush = Some(now);
            self.reschedule(&key);
        }
    }

    /// Drop alerts another worker notified: this grouper must not repeat them. A group
    /// left with no alerts is closed.
    pub fn forget(&mut self, rule: &str, brand: Option<&str>, keys: &[String]) {
        let key: GroupKey = (rule.to_string(), brand.map(str::to_string));
        let Some(group) = self.groups.get_mut(&key) else {
            return;
        };
        group.alerts.retain(|k, _| !keys.contains(k));
        group.pending.retain(|k| !keys.contains(k));
        if group.alerts.is_empty() {
            self.groups.remove(&key);
            if let Some(old) = self.wakes.remove(&key) {
                self.schedule.remove(&(old, key));
            }
        }
    }

    /// Put a group's wake time in the schedule (replacing its old entry).
    fn reschedule(&mut self, key: &GroupKey) {
        if let Some(old) = self.wakes.remove(key) {
            self.schedule.remove(&(old, key.clone()));
        }
        let Some(group) = self.groups.get(key) else {
            return;
        };
        let t = self.timing(&group.rule, group.kind);
        let wake = match group.next_flush {
            Some(f) => f,
            None => {
                let last = group.last_flush.unwrap_or(group.first_at);
                (last + t.repeat_interval).min(group.last_seen + t.resolve_timeout)
            }
        };
        self.schedule.insert((wake, key.clone()));
        self.wakes.insert(key.clone(), wake);
    }
}

/// Send the pending alerts; forget sent alerts not seen for `resolve_timeout`.
fn flush_pending(group: &mut Group, t: GroupTiming, now: DateTime<Utc>) -> Flush {
    let mut alerts = Vec::with_capacity(group.pending.len());
    for k in std::mem::take(&mut group.pending) {
        if let Some(held) = group.alerts.get_mut(&k) {
            held.sent = true;
            alerts.push(held.fired.clone());
        }
    }
    group
        .alerts
        .retain(|_, h| !h.sent || h.last_seen + t.resolve_timeout > now);
    group.next_flush = None;
    group.last_flush = Some(now);
    Flush {
        rule: group.rule.clone(),
        kind: group.kind,
        brand: group.brand.clone(),
        alerts,
        repeat: false,
        first_at: group.first_at,
        at: now,
    }
}

/// Resend the live alerts of a group with nothing new.
fn flush_repeat(group: &mut Group, t: GroupTiming, now: DateTime<Utc>) -> Flush {
    group
        .alerts
        .retain(|_, h| h.last_seen + t.resolve_timeout > now);
    let mut alerts: Vec<&HeldAlert> = group.alerts.values().collect();
    alerts.sort_by(|a, b| (a.fired.at, &a.fired.key).cmp(&(b.fired.at, &b.fired.key)));
    let alerts = alerts.into_iter().map(|h| h.fired.clone()).collect();
    group.last_flush = Some(now);
    Flush {
        rule: group.rule.clone(),
        kind: group.kind,
        brand: group.brand.clone(),
        alerts,
        repeat: true,
        first_at: group.first_at,
        at: now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::notice::Why;
    use std::time::Duration;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_704_067_200 + secs, 0).expect("valid")
    }

    fn fired(key: &str, at: i64) -> Fired {
        Fired {
            rule: "src".into(),
            kind: RuleKind::SourceFailure,
            brand: None,
            at: t(at),
            key: key.into(),
            mention_ids: Vec::new(),
            why: Why::Instant { threshold: -0.5 },
        }
    }

    #[test]
    fn s02_a_flush_given_back_goes_out_again() {
        let mut g = Grouper::new(&[]);
        g.add(fired("a", 0), t(0));
        g.add(fired("b", 0), t(0));
        let first = g.due(t(300));
        assert_eq!(first.len(), 1);
        assert!(g.due(t(301)).is_empty(), "sent: nothing pending");
        g.requeue(first[0].clone(), t(302));
        let again = g.due(t(302));
        assert_eq!(again.len(), 1, "the failed flush goes out on the next call");
        let mut keys: Vec<_> = again[0].alerts.iter().map(|a| a.key.clone()).collect();
        keys.sort();
        assert_eq!(keys, ["a", "b"]);
        assert!(!again[0].repeat);
        assert!(g.due(t(303)).is_empty(), "and only once");
    }

    /// Add each (key, time) in order, flushing everything due before each add and at the
    /// end; returns (flush time, repeat, keys).
    fn replay(g: &mut Grouper, adds: &[(&str, i64)]) -> Vec<(i64, bool, Vec<String>)> {
        let mut out = Vec::new();
        let collect = |fl: Vec<Flush>, out: &mut Vec<_>| {
            for f in fl {
                let keys = f.alerts.iter().map(|a| a.key.clone()).collect();
                out.push((f.at.timestamp() - 1_704_067_200, f.repeat, keys));
            }
        };
        for &(key, at) in adds {
            while let Some(w) = g.next_wake().filter(|w| *w < t(at)) {
                collect(g.due(w), &mut out);
            }
            g.add(fired(key, at), t(at));
        }
        while let Some(w) = g.next_wake() {
            collect(g.due(w), &mut out);
        }
        out
    }

    #[test]
    fn refreshed_group_repeats_then_closes() {
        let mut rule = RuleConfig::new("src", RuleKind::SourceFailure);
        rule.group_wait = Some(Duration::ZERO);
        rule.repeat_interval = Some(Duration::from_secs(3600));
        let mut g = Grouper::new(std::slice::from_ref(&rule));
        // Still firing: refreshed every 10 minutes for 90 minutes, then silent. It is
        // live until 1 h after the last refresh (2h30): repeats at 1h and 2h, then closes.
        let adds: Vec<(&str, i64)> = (0..=9).map(|m| ("a", m * 600)).collect();
        let out = replay(&mut g, &adds);
        let a = || vec!["a".to_owned()];
        assert_eq!(
            out,
            vec![(0, false, a()), (3600, true, a()), (7200, true, a())]
        );
        assert_eq!(g.open_groups(), 0);
    }

    #[test]
    fn snapshot_round_trips_through_json() {
        let rule = RuleConfig::new("src", RuleKind::SourceFailure);
        let mut g = Grouper::new(std::slice::from_ref(&rule));
        g.add(fired("a", 0), t(0));
        let json = serde_json::to_string(&g.snapshot()).expect("serialize");
        let state: GrouperState = serde_json::from_str(&json).expect("deserialize");
        let mut g2 = Grouper::restore(&[rule], state);
        assert_eq!(g2.next_wake(), Some(t(300)));
        assert_eq!(g2.due(t(300)).len(), 1);
    }
}
