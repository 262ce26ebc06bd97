//! Reads only the dashboard needs: alert history, readiness and the counters behind
//! `/metrics`.
//!
//! They sit in the store, beside their SQL, like every other query; the web layer turns
//! them into pages and text. Every query here is a grouped count or a bounded list, so a
//! scrape or a page load stays cheap however many mentions there are.

use sqlx::Row;

use super::{AlertRow, Store, StoreError};

/// What `/metrics` reports, read in one go.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoreCounters {
    /// Per source: (name, state, polls so far, consecutive failures).
    pub sources: Vec<(String, String, i64, i64)>,
    /// Mentions per (effective label, status).
    pub mentions: Vec<(String, String, i64)>,
    /// Alerts per (rule, kind).
    pub alerts: Vec<(String, String, i64)>,
    /// Outbox messages per status.
    pub outbox: Vec<(String, i64)>,
}

impl Store {
    /// The newest alerts (optionally of one rule), newest first.
    pub async fn list_alerts(
        &self,
        rule: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AlertRow>, StoreError> {
        const SQL: &str = "SELECT id, dedup_key, rule, kind, brand, fired_at, mention_ids, why, \
             notified_at FROM alerts WHERE ($1 IS NULL OR rule = $1) \
             ORDER BY fired_at DESC, id DESC LIMIT $2";
        let rows = sqlx::query(SQL)
            .bind(rule.map(str::to_owned))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(super::outbox::alert_row).collect()
    }

    /// The applied schema version (readiness: the database answers and is migrated).
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        const SQL: &str = "SELECT COALESCE(MAX(version), 0) FROM vigia_migrations";
        Ok(sqlx::query_scalar(SQL).fetch_one(self.pool()).await?)
    }

    /// Counters for `/metrics`.
    pub async fn counters(&self) -> Result<StoreCounters, StoreError> {
        const SOURCES: &str =
            "SELECT name, state, polls, error_count FROM sources WHERE active = 1 ORDER BY name";
        const MENTIONS: &str = "SELECT COALESCE(label_override, label) AS l, status, COUNT(*) AS n \
             FROM mentions GROUP BY COALESCE(label_override, label), status";
        const ALERTS: &str =
            "SELECT rule, kind, COUNT(*) AS n FROM alerts GROUP BY rule, kind ORDER BY rule, kind";
        const OUTBOX: &str = "SELECT status, COUNT(*) AS n FROM outbox GROUP BY status";
        let pool = self.pool();
        let mut c = StoreCounters::default();
        for r in sqlx::query(SOURCES).fetch_all(pool).await? {
            c.sources.push((
                r.try_get("name")?,
                r.try_get("state")?,
                r.try_get("polls")?,
                r.try_get("error_count")?,
            ));
        }
        for r in sqlx::query(MENTIONS).fetch_all(pool).await? {
            c.mentions
                .push((r.try_get("l")?, r.try_get("status")?, r.try_get("n")?));
        }
        c.mentions.sort();
        for r in sqlx::query(ALERTS).fetch_all(pool).await? {
            c.alerts
                .push((r.try_get("rule")?, r.try_get("kind")?, r.try_get("n")?));
        }
        for r in sqlx::query(OUTBOX).fetch_all(pool).await? {
            c.outbox.push((r.try_get("status")?, r.try_get("n")?));
        }
        c.outbox.sort();
        Ok(c)
    }
}
