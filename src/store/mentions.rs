//! Mentions: one row per (brand, item), inserted once, then triaged by people.
//!
//! Inserting takes a transaction from the caller because a new mention and whatever it
//! causes (triage history now, outbox rows later) must commit together. A mention the team
//! deleted leaves a tombstone, and the insert checks it, so it never comes back.

use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row, Transaction};

use super::{Store, StoreError};

/// A mention ready to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMention {
    /// Brand name as configured.
    pub brand: String,
    /// Stable item key (unique per brand).
    pub item_key: String,
    /// Source name.
    pub source: String,
    /// Canonical URL of the item.
    pub url: Option<String>,
    /// Plain-text title.
    pub title: String,
    /// Plain text around the brand mention.
    pub snippet: String,
    /// Whole plain text (title + body).
    pub body: String,
    /// Author, if known.
    pub author: Option<String>,
    /// Published time (Unix seconds), if the item said.
    pub published_at: Option<i64>,
    /// When vigia fetched it (Unix seconds).
    pub fetched_at: i64,
    /// Detected or forced language code.
    pub lang: String,
    /// Whether vigia has a language pack for `lang`.
    pub lang_reliable: bool,
    /// Brand-targeted compound score, −1..1.
    pub compound: f64,
    /// Positive share.
    pub pos: f64,
    /// Neutral share.
    pub neu: f64,
    /// Negative share.
    pub neg: f64,
    /// positive / neutral / negative.
    pub label: String,
    /// Whole-text compound score.
    pub whole_compound: f64,
    /// Contributing terms as JSON `[[term, weight], …]`.
    pub terms: String,
    /// Review rating normalised to 0..1.
    pub rating: Option<f64>,
    /// Review rating on its original scale.
    pub rating_value: Option<f64>,
    /// Best value of the original scale.
    pub rating_best: Option<f64>,
}

/// A stored mention as listed by `vigia mentions`.
#[derive(Debug, Clone, PartialEq)]
pub struct MentionRow {
    /// Store id.
    pub id: i64,
    /// Brand name.
    pub brand: String,
    /// Source name.
    pub source: String,
    /// Canonical URL.
    pub url: Option<String>,
    /// Title.
    pub title: String,
    /// Snippet around the brand.
    pub snippet: String,
    /// Published time (Unix seconds).
    pub published_at: Option<i64>,
    /// Fetch time (Unix seconds).
    pub fetched_at: i64,
    /// Language code.
    pub lang: String,
    /// Compound score.
    pub compound: f64,
    /// Label (a person's correction wins over the computed one).
    pub label: String,
    /// Triage status.
    pub status: String,
    /// Contributing terms, JSON.
    pub terms: String,
    /// Rating 0..1.
    pub rating: Option<f64>,
}

/// Which mentions to list.
#[derive(Debug, Clone, Default)]
pub struct MentionFilter {
    /// Only this brand.
    pub brand: Option<String>,
    /// Only this label.
    pub label: Option<String>,
    /// Only mentions published (or fetched, if undated) at or after this time.
    pub since: Option<i64>,
    /// At most this many.
    pub limit: Option<i64>,
}

/// Insert one mention unless it exists or was deleted; returns the new id.
pub async fn insert_mention(
    tx: &mut Transaction<'static, Any>,
    m: &NewMention,
) -> Result<Option<i64>, StoreError> {
    const INSERT: &str = "INSERT INTO mentions (brand, item_key, source, url, title, snippet, \
         body, author, published_at, fetched_at, lang, lang_reliable, compound, pos, neu, neg, \
         label, whole_compound, terms, rating, rating_value, rating_best, status) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
         $19, $20, $21, $22, 'new' \
         WHERE NOT EXISTS (SELECT 1 FROM tombstones t WHERE t.brand = $1 AND t.item_key = $2) \
         ON CONFLICT (brand, item_key) DO NOTHING RETURNING id";
    const EVENT: &str = "INSERT INTO mention_events (mention_id, at, actor, action, to_status) \
         VALUES ($1, $2, 'vigia', 'status', 'new')";
    let conn: &mut AnyConnection = tx;
    let id: Option<i64> = sqlx::query_scalar(INSERT)
        .bind(&m.brand)
        .bind(&m.item_key)
        .bind(&m.source)
        .bind(m.url.clone())
        .bind(&m.title)
        .bind(&m.snippet)
        .bind(&m.body)
        .bind(m.author.clone())
        .bind(m.published_at)
        .bind(m.fetched_at)
        .bind(&m.lang)
        .bind(i64::from(m.lang_reliable))
        .bind(m.compound)
        .bind(m.pos)
        .bind(m.neu)
        .bind(m.neg)
        .bind(&m.label)
        .bind(m.whole_compound)
        .bind(&m.terms)
        .bind(m.rating)
        .bind(m.rating_value)
        .bind(m.rating_best)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(id) = id {
        sqlx::query(EVENT)
            .bind(id)
            .bind(m.fetched_at)
            .execute(&mut *conn)
            .await?;
    }
    Ok(id)
}

impl Store {
    /// Mentions matching `filter`, newest first.
    pub async fn list_mentions(
        &self,
        filter: &MentionFilter,
    ) -> Result<Vec<MentionRow>, StoreError> {
        // Optional filters use "$n IS NULL OR …" so the SQL text is fixed and never built
        // from user input.
        const SELECT: &str = "SELECT id, brand, source, url, title, snippet, published_at, \
             fetched_at, lang, compound, COALESCE(label_override, label) AS label, status, \
             terms, rating FROM mentions \
             WHERE ($1 IS NULL OR brand = $1) \
               AND ($2 IS NULL OR COALESCE(label_override, label) = $2) \
               AND ($3 IS NULL OR COALESCE(published_at, fetched_at) >= $3) \
             ORDER BY COALESCE(published_at, fetched_at) DESC, id DESC LIMIT $4";
        let rows = sqlx::query(SELECT)
            .bind(filter.brand.clone())
            .bind(filter.label.clone())
            .bind(filter.since)
            .bind(filter.limit.unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(mention_row).collect()
    }

    /// Whether a mention of `brand` with `item_key` is stored (or was deleted).
    pub async fn mention_exists(&self, brand: &str, item_key: &str) -> Result<bool, StoreError> {
        const SQL: &str = "SELECT (SELECT COUNT(*) FROM mentions WHERE brand = $1 AND item_key = $2) \
             + (SELECT COUNT(*) FROM tombstones WHERE brand = $1 AND item_key = $2)";
        let n: i64 = sqlx::query_scalar(SQL)
            .bind(brand)
            .bind(item_key)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    /// How many mentions are stored.
    pub async fn count_mentions(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM mentions")
            .fetch_one(&self.pool)
            .await?)
    }
}

fn mention_row(row: &AnyRow) -> Result<MentionRow, StoreError> {
    Ok(MentionRow {
        id: row.try_get("id")?,
        brand: row.try_get("brand")?,
        source: row.try_get("source")?,
        url: row.try_get("url")?,
        title: row.try_get("title")?,
        snippet: row.try_get("snippet")?,
        published_at: row.try_get("published_at")?,
        fetched_at: row.try_get("fetched_at")?,
        lang: row.try_get("lang")?,
        compound: row.try_get("compound")?,
        label: row.try_get("label")?,
        status: row.try_get("status")?,
        terms: row.try_get("terms")?,
        rating: row.try_get("rating")?,
    })
}
