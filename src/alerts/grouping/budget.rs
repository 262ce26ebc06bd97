//! Per-recipient daily budgets: at most N emails of a kind per recipient per UTC day.
//!
//! Grouping decides *when* a notification goes out; the budget decides whether each
//! recipient gets it by email now or finds it in the next digest instead (the email that
//! does go out says how many were held, A08). Limits come from `[[recipient]] budget`
//! ([`crate::alerts::rules::BudgetConfig`]: instant 10 a day by default, other kinds
//! unlimited). Days are UTC dates, so "a day" is the same for every worker and a backtest.
//! Counters live in [`BudgetState`], plain serde data the caller persists; a day is reset
//! lazily by the first admission of a later day. Webhooks have no budget (a chat channel
//! is not an inbox). Counting is per email: the caller asks once per (notification,
//! recipient).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::alerts::notice::RuleKind;
use crate::alerts::rules::{BudgetConfig, RecipientConfig};

/// The budget's answer for one email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    /// Within budget: send it now (it has been counted).
    Send,
    /// Over budget: roll it into the next digest.
    HeldForDigest {
        /// Notifications of this kind held for this recipient today, this one included.
        held_today: u32,
    },
}

/// A counter per rule kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindCounts {
    /// instant.
    pub instant: u32,
    /// spike.
    pub spike: u32,
    /// spreading.
    pub spreading: u32,
    /// source-failure.
    pub source_failure: u32,
    /// unanswered.
    #[serde(default)]
    pub unanswered: u32,
}

impl KindCounts {
    /// The counter of a kind.
    pub fn get(&self, kind: RuleKind) -> u32 {
        match kind {
            RuleKind::Instant => self.instant,
            RuleKind::Spike => self.spike,
            RuleKind::Spreading => self.spreading,
            RuleKind::SourceFailure => self.source_failure,
            RuleKind::Unanswered => self.unanswered,
        }
    }

    fn bump(&mut self, kind: RuleKind) -> u32 {
        let c = match kind {
            RuleKind::Instant => &mut self.instant,
            RuleKind::Spike => &mut self.spike,
            RuleKind::Spreading => &mut self.spreading,
            RuleKind::SourceFailure => &mut self.source_failure,
            RuleKind::Unanswered => &mut self.unanswered,
        };
        *c = c.saturating_add(1);
        *c
    }
}

/// One recipient's counters for one UTC day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientDay {
    /// The UTC day counted.
    pub day: NaiveDate,
    /// Emails sent that day, per kind.
    pub sent: KindCounts,
    /// Notifications held for the digest that day, per kind.
    pub held: KindCounts,
}

/// All counters, by lowercased address: what to persist.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetState {
    /// Counters per recipient (only the latest day is kept).
    pub recipients: BTreeMap<String, RecipientDay>,
}

/// Daily budgets for every recipient.
#[derive(Debug, Clone, Default)]
pub struct Budgets {
    limits: HashMap<String, BudgetConfig>,
    state: BudgetState,
}

impl Budgets {
    /// Budgets from the `[[recipient]]` entries (others get the defaults), counters empty.
    pub fn new(recipients: &[RecipientConfig]) -> Budgets {
        Budgets::with_state(recipients, BudgetState::default())
    }

    /// Budgets resuming persisted counters.
    pub fn with_state(recipients: &[RecipientConfig], state: BudgetState) -> Budgets {
        Budgets {
            limits: recipients
                .iter()
                .map(|r| (r.address.to_lowercase(), r.budget))
                .collect(),
            state,
        }
    }

    /// The counters to persist.
    pub fn state(&self) -> &BudgetState {
        &self.state
    }

    /// The daily limit of `kind` for `recipient`; `None` = unlimited.
    pub fn limit(&self, recipient: &str, kind: RuleKind) -> Option<u32> {
        self.limits
            .get(&recipient.to_lowercase())
            .copied()
            .unwrap_or_default()
            .limit(kind)
    }

    /// May `recipient` get one more `kind` email on `day` (UTC)? Counts the answer.
    pub fn admit(&mut self, recipient: &str, kind: RuleKind, day: NaiveDate) -> Admit {
        let limit = self.limit(recipient, kind);
        let fresh = RecipientDay {
            day,
            sent: KindCounts::default(),
            held: KindCounts::default(),
        };
        let entry = self
            .state
            .recipients
            .entry(recipient.to_lowercase())
            .or_insert(fresh);
        // A later day starts afresh; an earlier one (a late caller) counts against the
        // newer day rather than wiping it.
        if day > entry.day {
            *entry = fresh;
        }
        if limit.is_none_or(|l| entry.sent.get(kind) < l) {
            entry.sent.bump(kind);
            Admit::Send
        } else {
            Admit::HeldForDigest {
                held_today: entry.held.bump(kind),
            }
        }
    }

    /// Notifications of `kind` held for `recipient` on `day`.
    pub fn held_today(&self, recipient: &str, kind: RuleKind, day: NaiveDate) -> u32 {
        self.state
            .recipients
            .get(&recipient.to_lowercase())
            .filter(|d| d.day == day)
            .map_or(0, |d| d.held.get(kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, d).expect("valid date")
    }

    #[test]
    fn defaults_limit_instant_only() {
        let mut b = Budgets::new(&[]);
        for _ in 0..crate::alerts::rules::DEFAULT_INSTANT_BUDGET {
            assert_eq!(b.admit("a@x.io", RuleKind::Instant, day(1)), Admit::Send);
        }
        assert_eq!(
            b.admit("A@X.io", RuleKind::Instant, day(1)),
            Admit::HeldForDigest { held_today: 1 }
        );
        for _ in 0..100 {
            assert_eq!(b.admit("a@x.io", RuleKind::Spike, day(1)), Admit::Send);
        }
        assert_eq!(b.held_today("a@x.io", RuleKind::Instant, day(1)), 1);
        let json = serde_json::to_string(b.state()).expect("serialize");
        let state: BudgetState = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(&state, b.state());
    }
}
