//! The weekly digest: what happened to each brand last week, what is still unanswered,
//! and what vigia may have missed, as an HTML + text email with charts.
//!
//! One direction, one file per step:
//! - [`schedule`] decides *which week* (cron + IANA timezone, local ISO weeks) and whether
//!   a digest is due;
//! - `data` reads the figures (the KPIs from [`crate::store::kpi`], shared with the
//!   dashboard, plus lists: unanswered negatives, sources, alerts, budget holds, health);
//! - [`chart`] draws the daily bars as PNG;
//! - `view` turns figures into localized, link-checked pieces (English or Spanish), and
//!   `render` lays them out with minijinja (auto-escaped HTML, plain text);
//! - `queue` puts one message per (digest, recipient, week) into the outbox, whose dedup
//!   key makes a restarted run harmless (A10); the existing sender delivers it, charts as
//!   inline parts referenced by Content-ID;
//! - [`cli`] is `vigia digest --preview / --send`.
//!
//! Figures are gathered once per digest and rendered per recipient (language, and the
//! alert emails that recipient's budget held back).

pub mod chart;
pub mod cli;
mod data;
mod format;
mod queue;
mod render;
pub mod schedule;
mod view;
mod words;

pub use data::{
    AlertLine, BrandFigures, CoverageLine, DigestData, OpenMention, SourceVolume, Totals,
};
pub use queue::{Queued, dedup_key, queue_due, queue_period};
pub use render::{Images, Rendered};
pub use schedule::{Period, PeriodChoice};

use crate::alerts::notice::NoticeLang;
use crate::alerts::rules::recipient_for;
use crate::config::{Config, CronSchedule, DigestConfig, DigestPeriod};
use crate::notify::NotifyError;
use crate::store::{Store, StoreError};

/// Why a digest could not be built or queued.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A template failed (a bug in vigia).
    #[error(transparent)]
    Notify(#[from] NotifyError),
    /// A chart could not be encoded (a bug in vigia).
    #[error(transparent)]
    Chart(#[from] chart::ChartError),
    /// `--name` names no `[[digest]]`.
    #[error("no [[digest]] is named \"{name}\"; the config has: {known}")]
    UnknownDigest {
        /// The name asked for.
        name: String,
        /// The names configured.
        known: String,
    },
    /// The preview file could not be written.
    #[error("cannot write the preview {path}: {source}")]
    Write {
        /// Where.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The digest previewed when the config has no `[[digest]]`: every brand, English, UTC,
/// Mondays at 08:00.
pub fn default_digest() -> DigestConfig {
    DigestConfig {
        name: "weekly".into(),
        cron: CronSchedule::parse("0 8 * * MON")
            .unwrap_or_else(|e| unreachable!("the default cron expression is valid: {e}")),
        timezone: chrono_tz::Tz::UTC,
        to: Vec::new(),
        lang: None,
        brands: Vec::new(),
        period: DigestPeriod::Week,
    }
}

/// The language `recipient` reads `spec` in: the digest's `lang`, else the recipient's
/// `[[recipient]]` entry, else English.
pub fn language(config: &Config, spec: &DigestConfig, recipient: Option<&str>) -> NoticeLang {
    spec.lang.unwrap_or_else(|| {
        recipient.map_or(NoticeLang::En, |r| {
            recipient_for(&config.recipients, r).lang
        })
    })
}

/// A digest's figures and charts for one week, ready to render for each reader.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The figures.
    pub data: DigestData,
    charts: Vec<chart::Chart>,
}

impl Prepared {
    /// Read the figures of `period` (ages and source health as of `now`) and draw the charts.
    pub async fn new(
        store: &Store,
        config: &Config,
        spec: &DigestConfig,
        period: Period,
        now: i64,
    ) -> Result<Prepared, DigestError> {
        let data = data::gather(store, config, spec, period, now).await?;
        let charts = render::charts(&data)?;
        Ok(Prepared { data, charts })
    }

    /// Render for `recipient` (its language and its budget holds), or for everyone when
    /// `None` (a preview without `--recipient`).
    pub async fn render(
        &self,
        store: &Store,
        config: &Config,
        spec: &DigestConfig,
        recipient: Option<&str>,
        lang: NoticeLang,
        images: Images,
    ) -> Result<Rendered, DigestError> {
        let held = data::held(store, &self.data.period, recipient).await?;
        let input = view::ViewInput {
            lang,
            base_url: config.web.base_url.as_deref(),
            charts: &[],
            held: &held,
            held_is_personal: recipient.is_some(),
            digest_name: &spec.name,
        };
        Ok(render::render(&self.data, &self.charts, input, images)?)
    }
}
