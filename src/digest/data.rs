//! Gathering a digest's figures from the store: numbers only, no wording.
//!
//! Volume, sentiment split, daily series and response times come from
//! [`crate::store::kpi`], the one definition the dashboard also uses, so the Monday email
//! and the screen never disagree. The cross-brand summary adds the brands' figures up
//! (every one of those counts is additive) instead of asking the store for "all brands",
//! so the summary is always the sum of the sections below it; medians do not add up, so
//! they stay per brand. What `kpi` does not cover lives here as read-only SQL beside the
//! function that runs it: the unanswered negatives, the sources, the alerts, the budget
//! holds and the sources' health.

use std::collections::{BTreeMap, HashMap};

use sqlx::Row;

use super::schedule::Period;
use crate::config::{BrandConfig, Config, DEFAULT_STALE_AFTER, DigestConfig};
use crate::store::kpi::{LabelCounts, ResponseKpis};
use crate::store::{SourceState, Store, StoreError};

/// Most negative unanswered mentions listed per brand.
pub const UNANSWERED_LISTED: i64 = 5;
/// Sources listed per brand (top by volume, and new ones).
pub const SOURCES_LISTED: usize = 5;

/// Everything a digest says, for one period.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestData {
    /// The week reported.
    pub period: Period,
    /// When the figures were read (Unix seconds): ages are counted to it.
    pub generated_at: i64,
    /// The brands, in config order.
    pub brands: Vec<BrandFigures>,
    /// The brands added up.
    pub total: Totals,
    /// Alerts fired in the period about the covered brands (or about no brand), in order.
    pub alerts: Vec<AlertLine>,
    /// Sources that are unhealthy now or had errors since the period began.
    pub coverage: Vec<CoverageLine>,
}

/// One brand's week.
#[derive(Debug, Clone, PartialEq)]
pub struct BrandFigures {
    /// The brand's name.
    pub brand: String,
    /// Mentions this period by label.
    pub counts: LabelCounts,
    /// The period before.
    pub previous: LabelCounts,
    /// Per local day.
    pub daily: Vec<LabelCounts>,
    /// Response figures.
    pub kpis: ResponseKpis,
    /// The brand's SLA, seconds.
    pub sla_secs: i64,
    /// Negatives still waiting for a first response, most negative first.
    pub unanswered: Vec<OpenMention>,
    /// How many negatives are waiting in all.
    pub unanswered_total: i64,
    /// Sources by volume this period.
    pub top_sources: Vec<SourceVolume>,
    /// Sources whose first mention of the brand came this period.
    pub new_sources: Vec<SourceVolume>,
}

/// The covered brands added up.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    /// Mentions this period by label.
    pub counts: LabelCounts,
    /// The period before.
    pub previous: LabelCounts,
    /// Per local day.
    pub daily: Vec<LabelCounts>,
    /// The period's negatives.
    pub negatives: i64,
    /// Of those, answered.
    pub answered: i64,
    /// Of those, answered within their brand's SLA.
    pub within_sla: i64,
    /// Negatives open at the period's end.
    pub open_at_end: i64,
}

/// A negative mention nobody has answered yet.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenMention {
    /// Store id (dashboard link).
    pub id: i64,
    /// Source name.
    pub source: String,
    /// The original's URL.
    pub url: Option<String>,
    /// Title as fetched.
    pub title: String,
    /// Sentiment score.
    pub compound: f64,
    /// When it reached vigia (Unix seconds).
    pub fetched_at: i64,
    /// Who is on it, if anyone.
    pub assignee: Option<String>,
}

/// A source's mentions in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceVolume {
    /// Source name.
    pub source: String,
    /// Mentions.
    pub mentions: i64,
    /// Of which negative.
    pub negative: i64,
}

/// An alert that fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertLine {
    /// Rule name.
    pub rule: String,
    /// Rule kind.
    pub kind: String,
    /// Brand, if the rule is about one.
    pub brand: Option<String>,
    /// When (Unix seconds).
    pub fired_at: i64,
    /// Mentions behind it.
    pub mentions: usize,
}

/// A source the team may have missed mentions from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageLine {
    /// Source name.
    pub source: String,
    /// Its health now.
    pub state: SourceState,
    /// The last error, if any.
    pub last_error: Option<String>,
    /// When it happened (Unix seconds).
    pub last_error_at: Option<i64>,
}

impl DigestData {
    /// Alert counts by kind, most frequent first.
    pub fn alerts_by_kind(&self) -> Vec<(String, usize)> {
        let mut by: BTreeMap<&str, usize> = BTreeMap::new();
        for a in &self.alerts {
            *by.entry(a.kind.as_str()).or_default() += 1;
        }
        let mut out: Vec<(String, usize)> =
            by.into_iter().map(|(k, n)| (k.to_owned(), n)).collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }
}

/// The brands a digest covers, in config order.
pub fn covered_brands<'c>(config: &'c Config, spec: &DigestConfig) -> Vec<&'c BrandConfig> {
    config
        .brands
        .iter()
        .filter(|b| spec.brands.is_empty() || spec.brands.contains(&b.name))
        .collect()
}

/// Read everything the digest `spec` says about `period`; ages and health are as of `now`.
pub async fn gather(
    store: &Store,
    config: &Config,
    spec: &DigestConfig,
    period: Period,
    now: i64,
) -> Result<DigestData, StoreError> {
    let (start, end) = (period.start(), period.end());
    let previous = period.previous();
    let day_starts = period.day_starts();
    let mut brands = Vec::new();
    let mut total = Totals {
        daily: vec![LabelCounts::default(); day_starts.len()],
        ..Totals::default()
    };
    for brand in covered_brands(config, spec) {
        let name = Some(brand.name.as_str());
        let sla = brand.sla_secs();
        let counts = store.label_counts(name, start, end).await?;
        let before = store
            .label_counts(name, previous.start(), previous.end())
            .await?;
        let daily = store.daily_counts(name, &day_starts, end).await?;
        let kpis = store.response_kpis(name, start, end, &|_| sla).await?;
        let (unanswered, unanswered_total) = unanswered(store, &brand.name, end).await?;
        add(&mut total.counts, &counts);
        add(&mut total.previous, &before);
        for (sum, day) in total.daily.iter_mut().zip(&daily) {
            add(sum, day);
        }
        total.negatives += kpis.negatives;
        total.answered += kpis.answered;
        total.within_sla += kpis.within_sla;
        total.open_at_end += kpis.open_at_end;
        brands.push(BrandFigures {
            brand: brand.name.clone(),
            counts,
            previous: before,
            daily,
            kpis,
            sla_secs: sla,
            unanswered,
            unanswered_total,
            top_sources: top_sources(store, &brand.name, start, end).await?,
            new_sources: new_sources(store, &brand.name, start, end).await?,
        });
    }
    let names: Vec<&str> = brands.iter().map(|b| b.brand.as_str()).collect();
    let alerts = alerts(store, start, end)
        .await?
        .into_iter()
        .filter(|a| a.brand.as_deref().is_none_or(|b| names.contains(&b)))
        .collect();
    Ok(DigestData {
        period,
        generated_at: now,
        brands,
        total,
        alerts,
        coverage: coverage(store, config, start, now).await?,
    })
}

fn add(sum: &mut LabelCounts, more: &LabelCounts) {
    sum.positive += more.positive;
    sum.neutral += more.neutral;
    sum.negative += more.negative;
}

/// The open negatives fetched before `end`: still `new` or `acknowledged`, with no
/// response and not resolved; the most negative first.
async fn unanswered(
    store: &Store,
    brand: &str,
    end: i64,
) -> Result<(Vec<OpenMention>, i64), StoreError> {
    const WHERE: &str = "FROM mentions WHERE brand = $1 AND fetched_at < $2 \
         AND COALESCE(label_override, label) = 'negative' \
         AND status IN ('new', 'acknowledged') \
         AND first_response_at IS NULL AND resolved_at IS NULL";
    let list = format!(
        "SELECT id, source, url, title, compound, fetched_at, assignee {WHERE} \
         ORDER BY compound ASC, fetched_at ASC, id ASC LIMIT {UNANSWERED_LISTED}"
    );
    let rows = sqlx::query(&list)
        .bind(brand)
        .bind(end)
        .fetch_all(store.pool())
        .await?;
    let mentions = rows
        .iter()
        .map(|r| {
            Ok(OpenMention {
                id: r.try_get("id")?,
                source: r.try_get("source")?,
                url: r.try_get("url")?,
                title: r.try_get("title")?,
                compound: r.try_get("compound")?,
                fetched_at: r.try_get("fetched_at")?,
                assignee: r.try_get("assignee")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let count: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {WHERE}"))
        .bind(brand)
        .bind(end)
        .fetch_one(store.pool())
        .await?;
    Ok((mentions, count))
}

/// The brand's sources by volume in `[start, end)`.
async fn top_sources(
    store: &Store,
    brand: &str,
    start: i64,
    end: i64,
) -> Result<Vec<SourceVolume>, StoreError> {
    const SQL: &str = "SELECT source, COUNT(*) AS n, SUM(CASE WHEN \
         COALESCE(label_override, label) = 'negative' THEN 1 ELSE 0 END) AS neg \
         FROM mentions WHERE brand = $1 AND fetched_at >= $2 AND fetched_at < $3 \
         AND status <> 'dismissed' GROUP BY source ORDER BY COUNT(*) DESC, source";
    let rows = sqlx::query(SQL)
        .bind(brand)
        .bind(start)
        .bind(end)
        .fetch_all(store.pool())
        .await?;
    volumes(&rows)
}

/// The brand's sources whose first (not dismissed) mention of it came in `[start, end)`.
async fn new_sources(
    store: &Store,
    brand: &str,
    start: i64,
    end: i64,
) -> Result<Vec<SourceVolume>, StoreError> {
    const SQL: &str = "SELECT source, COUNT(*) AS n, SUM(CASE WHEN \
         COALESCE(label_override, label) = 'negative' THEN 1 ELSE 0 END) AS neg \
         FROM mentions WHERE brand = $1 AND fetched_at < $3 AND status <> 'dismissed' \
         GROUP BY source HAVING MIN(fetched_at) >= $2 ORDER BY COUNT(*) DESC, source";
    let rows = sqlx::query(SQL)
        .bind(brand)
        .bind(start)
        .bind(end)
        .fetch_all(store.pool())
        .await?;
    volumes(&rows)
}

fn volumes(rows: &[sqlx::any::AnyRow]) -> Result<Vec<SourceVolume>, StoreError> {
    Ok(rows
        .iter()
        .map(|r| {
            Ok(SourceVolume {
                source: r.try_get("source")?,
                mentions: r.try_get("n")?,
                negative: r.try_get("neg")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?)
}

/// Alerts fired in `[start, end)`, in time order.
async fn alerts(store: &Store, start: i64, end: i64) -> Result<Vec<AlertLine>, StoreError> {
    const SQL: &str = "SELECT rule, kind, brand, fired_at, mention_ids FROM alerts \
         WHERE fired_at >= $1 AND fired_at < $2 ORDER BY fired_at, id";
    let rows = sqlx::query(SQL)
        .bind(start)
        .bind(end)
        .fetch_all(store.pool())
        .await?;
    rows.iter()
        .map(|r| {
            let ids: String = r.try_get("mention_ids")?;
            Ok(AlertLine {
                rule: r.try_get("rule")?,
                kind: r.try_get("kind")?,
                brand: r.try_get("brand")?,
                fired_at: r.try_get("fired_at")?,
                mentions: serde_json::from_str::<Vec<i64>>(&ids).map_or(0, |v| v.len()),
            })
        })
        .collect()
}

/// Notifications held back by `recipient`'s daily budgets in the period (all recipients
/// when `None`), by kind. Budget days are UTC dates; the period's seven local dates are
/// used as they are, which for any offset under 12 hours picks the UTC days whose noon
/// falls in the period.
pub async fn held(
    store: &Store,
    period: &Period,
    recipient: Option<&str>,
) -> Result<Vec<(String, i64)>, StoreError> {
    const SQL: &str = "SELECT kind, CAST(SUM(held) AS BIGINT) AS n FROM alert_budget \
         WHERE day >= $1 AND day <= $2 AND held > 0 \
         AND ($3 IS NULL OR LOWER(recipient) = $3) GROUP BY kind ORDER BY kind";
    let dates = period.dates();
    let (first, last) = (dates[0].to_string(), dates[dates.len() - 1].to_string());
    let rows = sqlx::query(SQL)
        .bind(first)
        .bind(last)
        .bind(recipient.map(str::to_lowercase))
        .fetch_all(store.pool())
        .await?;
    Ok(rows
        .iter()
        .map(|r| Ok((r.try_get("kind")?, r.try_get("n")?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?)
}

/// Sources that are blocked, failing, stale or drifted now, or that failed at some point
/// since `start` (only a source's latest error is kept, so an error before a later one is
/// not seen).
async fn coverage(
    store: &Store,
    config: &Config,
    start: i64,
    now: i64,
) -> Result<Vec<CoverageLine>, StoreError> {
    const ERRORS: &str = "SELECT name, last_error_at FROM sources WHERE active = 1";
    let error_at: HashMap<String, Option<i64>> = sqlx::query(ERRORS)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| Ok((r.try_get("name")?, r.try_get("last_error_at")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    let mut out = Vec::new();
    for s in store.list_sources().await? {
        let stale_after = config
            .sources
            .iter()
            .find(|c| c.name == s.name)
            .map_or(DEFAULT_STALE_AFTER, |c| c.stale_after());
        let state = s.health(now, stale_after.as_secs() as i64);
        let last_error_at = error_at.get(&s.name).copied().flatten();
        let unhealthy = matches!(
            state,
            SourceState::Blocked | SourceState::Failing | SourceState::Stale | SourceState::Drifted
        );
        if unhealthy || last_error_at.is_some_and(|t| t >= start) {
            out.push(CoverageLine {
                source: s.name,
                state,
                last_error: s.last_error.filter(|_| last_error_at.is_some()),
                last_error_at,
            });
        }
    }
    Ok(out)
}
