//! Volume, sentiment and response-time figures: one definition for the digest and the
//! dashboard's overview, so the Monday email and the screen never disagree.
//!
//! Definitions (also in the README):
//! - A mention belongs to the period in which vigia **fetched** it (`fetched_at`), the
//!   moment it reached the team's inbox: always set, never in the future, indexable. A
//!   new source's backlog therefore counts in the week it was found.
//! - Its label is the person's correction if any (`label_override`), else the computed one.
//! - Mentions dismissed as "not about us" are left out of every figure.
//! - **Time to first response** = `first_response_at − fetched_at` (never below zero), over
//!   the period's negative mentions that have a response. Median and p90 are nearest-rank
//!   (the ⌈q·n⌉-th smallest), so each is a real mention's time.
//! - **Within SLA** = answered no later than the brand's SLA after being fetched, as a share
//!   of all the period's negatives (unanswered ones count against it).
//! - **Open at a moment** = negative, fetched before it, and neither answered nor resolved
//!   by then.

use sqlx::Row;

use super::{Store, StoreError};

/// The effective label, as SQL.
const LABEL: &str = "COALESCE(label_override, label)";
/// Width of the buckets the database groups by; every timezone offset is a multiple of it,
/// so local days are whole numbers of buckets.
const BUCKET_SECS: i64 = 900;

/// Mentions counted by effective label.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LabelCounts {
    /// Positive mentions.
    pub positive: i64,
    /// Neutral mentions.
    pub neutral: i64,
    /// Negative mentions.
    pub negative: i64,
}

impl LabelCounts {
    /// All three together.
    pub fn total(&self) -> i64 {
        self.positive + self.neutral + self.negative
    }

    fn add(&mut self, label: &str, n: i64) {
        match label {
            "positive" => self.positive += n,
            "negative" => self.negative += n,
            _ => self.neutral += n,
        }
    }
}

/// How fast the team answered a period's negative mentions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResponseKpis {
    /// Negative mentions fetched in the period.
    pub negatives: i64,
    /// Of those, the ones with a first response.
    pub answered: i64,
    /// Of those, the ones answered within their brand's SLA.
    pub within_sla: i64,
    /// Median time to first response, seconds.
    pub median_secs: Option<i64>,
    /// 90th percentile time to first response, seconds.
    pub p90_secs: Option<i64>,
    /// Negatives (of any period) still open at the period's end.
    pub open_at_end: i64,
}

impl ResponseKpis {
    /// Share of the period's negatives answered within the SLA, 0..1; `None` without any.
    pub fn sla_share(&self) -> Option<f64> {
        (self.negatives > 0).then(|| self.within_sla as f64 / self.negatives as f64)
    }
}

/// The ⌈q·n⌉-th smallest of sorted values (nearest rank).
pub fn nearest_rank(sorted: &[i64], q: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

impl Store {
    /// Mentions fetched in `[from, to)` by label, for one brand or all.
    pub async fn label_counts(
        &self,
        brand: Option<&str>,
        from: i64,
        to: i64,
    ) -> Result<LabelCounts, StoreError> {
        let sql = format!(
            "SELECT {LABEL} AS l, COUNT(*) AS n FROM mentions \
             WHERE fetched_at >= $1 AND fetched_at < $2 AND status <> 'dismissed' \
             AND ($3 IS NULL OR brand = $3) GROUP BY {LABEL}"
        );
        let rows = sqlx::query(&sql)
            .bind(from)
            .bind(to)
            .bind(brand)
            .fetch_all(self.pool())
            .await?;
        let mut counts = LabelCounts::default();
        for row in rows {
            counts.add(&row.try_get::<String, _>("l")?, row.try_get("n")?);
        }
        Ok(counts)
    }

    /// Counts per day: `day_starts` are the days' first seconds in the caller's timezone,
    /// ascending, and the last day ends at `to`. Element *i* counts `[day_starts[i],
    /// day_starts[i+1])`.
    pub async fn daily_counts(
        &self,
        brand: Option<&str>,
        day_starts: &[i64],
        to: i64,
    ) -> Result<Vec<LabelCounts>, StoreError> {
        let mut days = vec![LabelCounts::default(); day_starts.len()];
        let Some(&from) = day_starts.first() else {
            return Ok(days);
        };
        let sql = format!(
            "SELECT fetched_at / {BUCKET_SECS} AS b, {LABEL} AS l, COUNT(*) AS n FROM mentions \
             WHERE fetched_at >= $1 AND fetched_at < $2 AND status <> 'dismissed' \
             AND ($3 IS NULL OR brand = $3) GROUP BY fetched_at / {BUCKET_SECS}, {LABEL}"
        );
        let rows = sqlx::query(&sql)
            .bind(from)
            .bind(to)
            .bind(brand)
            .fetch_all(self.pool())
            .await?;
        for row in rows {
            let start = row.try_get::<i64, _>("b")? * BUCKET_SECS;
            // A bucket lies wholly inside one local day because offsets are multiples of
            // the bucket; `from` itself may cut a bucket, hence the clamp.
            let at = start.max(from);
            let day = day_starts.partition_point(|&d| d <= at) - 1;
            days[day].add(&row.try_get::<String, _>("l")?, row.try_get("n")?);
        }
        Ok(days)
    }

    /// Response figures for the negatives fetched in `[from, to)`; `sla_secs` gives each
    /// brand's SLA (brands differ, the cross-brand summary mixes them).
    pub async fn response_kpis(
        &self,
        brand: Option<&str>,
        from: i64,
        to: i64,
        sla_secs: &(dyn Fn(&str) -> i64 + Sync),
    ) -> Result<ResponseKpis, StoreError> {
        let sql = format!(
            "SELECT brand, fetched_at, first_response_at FROM mentions \
             WHERE fetched_at >= $1 AND fetched_at < $2 AND {LABEL} = 'negative' \
             AND status <> 'dismissed' AND ($3 IS NULL OR brand = $3)"
        );
        let rows = sqlx::query(&sql)
            .bind(from)
            .bind(to)
            .bind(brand)
            .fetch_all(self.pool())
            .await?;
        let mut kpis = ResponseKpis {
            negatives: rows.len() as i64,
            ..ResponseKpis::default()
        };
        let mut times = Vec::new();
        for row in rows {
            let Some(answered) = row.try_get::<Option<i64>, _>("first_response_at")? else {
                continue;
            };
            let took = (answered - row.try_get::<i64, _>("fetched_at")?).max(0);
            if took <= sla_secs(&row.try_get::<String, _>("brand")?) {
                kpis.within_sla += 1;
            }
            times.push(took);
        }
        times.sort_unstable();
        kpis.answered = times.len() as i64;
        kpis.median_secs = nearest_rank(&times, 0.5);
        kpis.p90_secs = nearest_rank(&times, 0.9);
        kpis.open_at_end = self.open_negatives(brand, to).await?;
        Ok(kpis)
    }

    /// Negatives fetched before `at` and neither answered nor resolved by then.
    pub async fn open_negatives(&self, brand: Option<&str>, at: i64) -> Result<i64, StoreError> {
        let sql = format!(
            "SELECT COUNT(*) FROM mentions WHERE fetched_at < $1 AND {LABEL} = 'negative' \
             AND status <> 'dismissed' \
             AND (first_response_at IS NULL OR first_response_at > $1) \
             AND (resolved_at IS NULL OR resolved_at > $1) AND ($2 IS NULL OR brand = $2)"
        );
        Ok(sqlx::query_scalar(&sql)
            .bind(at)
            .bind(brand)
            .fetch_one(self.pool())
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::nearest_rank;

    #[test]
    fn nearest_rank_picks_a_real_value() {
        assert_eq!(nearest_rank(&[], 0.5), None);
        assert_eq!(nearest_rank(&[7], 0.9), Some(7));
        let v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(nearest_rank(&v, 0.5), Some(5));
        assert_eq!(nearest_rank(&v, 0.9), Some(9));
        assert_eq!(nearest_rank(&v[..9], 0.9), Some(9));
    }
}

/// A negative mention still waiting for its first response.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiting {
    /// Store id.
    pub id: i64,
    /// Brand name.
    pub brand: String,
    /// When vigia fetched it (Unix seconds): its response clock started then.
    pub fetched_at: i64,
}

impl Store {
    /// Open negative mentions with no response, fetched in `[from, to)`, oldest first (at
    /// most 500: a reminder about more would not be read).
    pub async fn unanswered_negatives(
        &self,
        from: i64,
        to: i64,
    ) -> Result<Vec<Waiting>, StoreError> {
        let sql = format!(
            "SELECT id, brand, fetched_at FROM mentions \
             WHERE fetched_at >= $1 AND fetched_at < $2 AND {LABEL} = 'negative' \
             AND status IN ('new', 'acknowledged') AND first_response_at IS NULL \
             ORDER BY fetched_at, id LIMIT 500"
        );
        let rows = sqlx::query(&sql)
            .bind(from)
            .bind(to)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Waiting {
                    id: r.try_get("id")?,
                    brand: r.try_get("brand")?,
                    fetched_at: r.try_get("fetched_at")?,
                })
            })
            .collect()
    }

    /// Which of `ids` are still open and unanswered (for reminders about to go out).
    pub async fn still_unanswered(
        &self,
        ids: &[i64],
    ) -> Result<std::collections::HashSet<i64>, StoreError> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let sql = format!(
            "SELECT id FROM mentions WHERE id IN ({}) AND status IN ('new', 'acknowledged') \
             AND first_response_at IS NULL",
            numbered(ids.len())
        );
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for id in ids {
            q = q.bind(*id);
        }
        Ok(q.fetch_all(self.pool()).await?.into_iter().collect())
    }

    /// The people any of `ids` is assigned to, sorted, with their dashboard language if
    /// they have an account that set one.
    pub async fn assignees_of(
        &self,
        ids: &[i64],
    ) -> Result<Vec<(String, Option<String>)>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT DISTINCT m.assignee AS who, u.lang AS lang FROM mentions m \
             LEFT JOIN users u ON u.email = m.assignee \
             WHERE m.id IN ({}) AND m.assignee IS NOT NULL ORDER BY m.assignee",
            numbered(ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| Ok((r.try_get("who")?, r.try_get("lang")?)))
            .collect()
    }
}

/// `$1, $2, …, $n`: the placeholders of an `IN (…)` list of `n` bound values.
fn numbered(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}
