//! `[[recipient]]` entries: per-address language and daily budget, and the address check
//! shared with rules' `recipients`.

use serde::Deserialize;

use super::DEFAULT_INSTANT_BUDGET;
use crate::alerts::notice::{NoticeLang, RuleKind};

/// Per-kind emails a day for one recipient (`budget = { instant = 5 }`); absent = default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BudgetConfig {
    /// instant emails a day (default [`DEFAULT_INSTANT_BUDGET`]).
    pub instant: Option<u32>,
    /// spike emails a day (default unlimited).
    pub spike: Option<u32>,
    /// spreading emails a day (default unlimited).
    pub spreading: Option<u32>,
    /// source-failure emails a day (default unlimited).
    pub source_failure: Option<u32>,
    /// unanswered-mention emails a day (default unlimited).
    pub unanswered: Option<u32>,
}

impl BudgetConfig {
    /// The daily limit for a kind; `None` = unlimited.
    pub fn limit(&self, kind: RuleKind) -> Option<u32> {
        match kind {
            RuleKind::Instant => Some(self.instant.unwrap_or(DEFAULT_INSTANT_BUDGET)),
            RuleKind::Spike => self.spike,
            RuleKind::Spreading => self.spreading,
            RuleKind::SourceFailure => self.source_failure,
            RuleKind::Unanswered => self.unanswered,
        }
    }
}

/// One `[[recipient]]` table: per-address language and budget.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecipientConfig {
    /// The email address (as used in rules' `recipients`).
    pub address: String,
    /// Language of the emails.
    #[serde(default)]
    pub lang: NoticeLang,
    /// Emails per kind per UTC day; over budget rolls into the next digest.
    #[serde(default)]
    pub budget: BudgetConfig,
}

impl RecipientConfig {
    /// A recipient with the defaults (English, default budget).
    pub fn new(address: &str) -> RecipientConfig {
        RecipientConfig {
            address: address.to_owned(),
            lang: NoticeLang::En,
            budget: BudgetConfig::default(),
        }
    }

    /// Check the entry; the error is (key, message), the key relative to the table.
    pub fn validate(&self) -> Result<(), (String, String)> {
        check_address(&self.address).map_err(|m| ("address".to_owned(), m))
    }
}

/// The entry for `address`, or the defaults when it has none.
pub fn recipient_for(recipients: &[RecipientConfig], address: &str) -> RecipientConfig {
    recipients
        .iter()
        .find(|r| r.address.eq_ignore_ascii_case(address))
        .cloned()
        .unwrap_or_else(|| RecipientConfig::new(address))
}

/// A plausible single email address: one `@`, no spaces, no header-breaking characters.
pub(super) fn check_address(a: &str) -> Result<(), String> {
    let ok = a.len() <= 254
        && a.split('@').count() == 2
        && a.split('@').all(|p| !p.is_empty())
        && !a.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, ',' | ';' | '<' | '>' | '"')
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "\"{}\" is not an email address; write one address like team@example.com",
            a.escape_debug()
        ))
    }
}
