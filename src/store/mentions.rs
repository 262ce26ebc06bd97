//! Mentions: one row per (brand, item), inserted once, then triaged by people.
//!
//! Inserting takes a transaction from the caller because a new mention and whatever it
//! causes (triage history now, outbox rows later) must commit together. A mention the team
//! deleted leaves a tombstone, and the insert checks it, so it never comes back.

use std::collections::HashSet;

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

/// Rows per multi-row INSERT (22 parameters each stays far under SQLite's limit).
const INSERT_CHUNK: usize = 200;

/// Insert mentions unless they exist or were deleted, with their first triage event;
/// returns the ids of the new ones with their index in `batch`.
///
/// One statement per chunk instead of one per mention: on SQLite every statement is a
/// round trip to the connection's thread, and that, not the insert, was the cost.
pub async fn insert_mentions(
    tx: &mut Transaction<'static, Any>,
    batch: &[NewMention],
) -> Result<Vec<(usize, i64)>, StoreError> {
    const COLUMNS: &str = "brand, item_key, source, url, title, snippet, body, author, \
         published_at, fetched_at, lang, lang_reliable, compound, pos, neu, neg, label, \
         whole_compound, terms, rating, rating_value, rating_best, status";
    let conn: &mut AnyConnection = tx;
    let arg = Placeholders::for_connection(conn);
    let mut created = Vec::new();
    for (chunk_no, chunk) in batch.chunks(INSERT_CHUNK).enumerate() {
        let deleted = tombstoned(conn, arg, chunk).await?;
        let live: Vec<(usize, &NewMention)> = chunk
            .iter()
            .enumerate()
            .map(|(i, m)| (chunk_no * INSERT_CHUNK + i, m))
            .filter(|(_, m)| !deleted.contains(&(m.brand.clone(), m.item_key.clone())))
            .collect();
        if live.is_empty() {
            continue;
        }
        let rows: Vec<String> = (0..live.len())
            .map(|r| {
                let p: Vec<String> = (1..=22).map(|c| arg.nth(r * 22 + c)).collect();
                format!("({}, 'new')", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO mentions ({COLUMNS}) VALUES {} \
             ON CONFLICT (brand, item_key) DO NOTHING RETURNING id, brand, item_key",
            rows.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (_, m) in &live {
            q = q
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
                .bind(m.rating_best);
        }
        let mut returned = q.fetch_all(&mut *conn).await?;
        if arg.numbered && !returned.is_empty() {
            returned = drop_resurrected(conn, arg, returned).await?;
        }
        let mut new = Vec::with_capacity(returned.len());
        for row in &returned {
            let (id, brand, key): (i64, String, String) = (
                row.try_get("id")?,
                row.try_get("brand")?,
                row.try_get("item_key")?,
            );
            if let Some((index, m)) = live
                .iter()
                .find(|(_, m)| m.brand == brand && m.item_key == key)
            {
                new.push((*index, id, m.fetched_at));
            }
        }
        if !new.is_empty() {
            let values: Vec<String> = (0..new.len())
                .map(|r| {
                    format!(
                        "({}, {}, 'vigia', 'status', 'new')",
                        arg.nth(2 * r + 1),
                        arg.nth(2 * r + 2)
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO mention_events (mention_id, at, actor, action, to_status) VALUES {}",
                values.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for (_, id, at) in &new {
                q = q.bind(*id).bind(*at);
            }
            q.execute(&mut *conn).await?;
        }
        created.extend(new.into_iter().map(|(index, id, _)| (index, id)));
    }
    created.sort_unstable();
    Ok(created)
}

/// Placeholder style for generated multi-row statements. SQLite gets anonymous `?`:
/// sqlx resolves a named `$N` through SQLite's linear parameter-name lookup, which turns
/// quadratic on statements with a thousand parameters. PostgreSQL only knows `$N`.
#[derive(Clone, Copy)]
struct Placeholders {
    numbered: bool,
}

impl Placeholders {
    fn for_connection(conn: &AnyConnection) -> Placeholders {
        Placeholders {
            numbered: conn.backend_name() != "SQLite",
        }
    }

    /// The placeholder of the `n`-th (1-based) argument; arguments must be bound in order.
    fn nth(self, n: usize) -> String {
        if self.numbered {
            format!("${n}")
        } else {
            "?".to_string()
        }
    }
}

/// PostgreSQL only: take back rows just inserted whose item was deleted while the insert
/// ran. Under READ COMMITTED the tombstone check above and the INSERT see different
/// snapshots, so a delete committed in between (the INSERT then no longer conflicts with
/// the old row) would bring the mention back. This statement takes a fresh snapshot after
/// the INSERT, which waited for any delete of the same key to commit, so it sees that
/// tombstone. SQLite needs none of this: its single writer cannot interleave.
async fn drop_resurrected(
    conn: &mut AnyConnection,
    arg: Placeholders,
    inserted: Vec<AnyRow>,
) -> Result<Vec<AnyRow>, StoreError> {
    let ids: Vec<i64> = inserted
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
    let params: Vec<String> = (1..=ids.len()).map(|i| arg.nth(i)).collect();
    let sql = format!(
        "DELETE FROM mentions WHERE id IN ({}) AND EXISTS (SELECT 1 FROM tombstones t \
         WHERE t.brand = mentions.brand AND t.item_key = mentions.item_key) RETURNING id",
        params.join(", ")
    );
    let mut q = sqlx::query_scalar::<_, i64>(&sql);
    for id in &ids {
        q = q.bind(*id);
    }
    let dropped: HashSet<i64> = q.fetch_all(&mut *conn).await?.into_iter().collect();
    if !dropped.is_empty() {
        tracing::info!(
            count = dropped.len(),
            "mentions deleted during their insert stay deleted"
        );
    }
    Ok(inserted
        .into_iter()
        .filter(|r| {
            r.try_get::<i64, _>("id")
                .is_ok_and(|id| !dropped.contains(&id))
        })
        .collect())
}

/// Which of `chunk`'s (brand, item_key) pairs the team deleted.
async fn tombstoned(
    conn: &mut AnyConnection,
    arg: Placeholders,
    chunk: &[NewMention],
) -> Result<HashSet<(String, String)>, StoreError> {
    let params: Vec<String> = (1..=chunk.len()).map(|i| arg.nth(i)).collect();
    let sql = format!(
        "SELECT brand, item_key FROM tombstones WHERE item_key IN ({})",
        params.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for m in chunk {
        q = q.bind(&m.item_key);
    }
    let rows = q.fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("brand")?, r.try_get("item_key")?)))
        .collect()
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

    /// The mentions with these ids (for notifications), most negative first.
    pub async fn mentions_by_ids(&self, ids: &[i64]) -> Result<Vec<MentionRow>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let params: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT id, brand, source, url, title, snippet, published_at, fetched_at, lang, \
                 compound, COALESCE(label_override, label) AS label, status, terms, rating \
                 FROM mentions WHERE id IN ({})",
                params.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for row in q.fetch_all(&self.pool).await? {
                out.push(mention_row(&row)?);
            }
        }
        out.sort_by(|a, b| a.compound.total_cmp(&b.compound).then(a.id.cmp(&b.id)));
        Ok(out)
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
