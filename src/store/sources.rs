//! Sources and their polling state: the database is the queue.
//!
//! A source row carries everything the scheduler needs to decide when to poll next
//! (`next_check_at`, `error_count`) and everything a person needs to judge its health
//! (state, last success, last error). Rows are synced from the config at start; a source
//! removed from the config is deactivated, never deleted, so its history survives.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, StoreError, now};
use crate::config::SourceConfig;
use crate::fetch::Validators;

/// The health of a source, as shown to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceState {
    /// Never polled yet.
    New,
    /// Last poll succeeded.
    Ok,
    /// Last poll failed; retrying with backoff.
    Failing,
    /// The site refused us (robots.txt, 403, CAPTCHA, bot wall).
    Blocked,
    /// A recipe's selectors stopped matching the page (the site changed its markup).
    Drifted,
    /// Polls succeed but nothing new has appeared for longer than expected (computed by
    /// [`SourceRow::health`], never stored).
    Stale,
}

impl SourceState {
    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceState::New => "new",
            SourceState::Ok => "ok",
            SourceState::Failing => "failing",
            SourceState::Blocked => "blocked",
            SourceState::Drifted => "drifted",
            SourceState::Stale => "stale",
        }
    }

    fn parse(s: &str) -> SourceState {
        match s {
            "ok" => SourceState::Ok,
            "failing" => SourceState::Failing,
            "blocked" => SourceState::Blocked,
            "drifted" => SourceState::Drifted,
            _ => SourceState::New,
        }
    }
}

/// A source with its polling state.
#[derive(Debug, Clone)]
pub struct SourceRow {
    /// Store id.
    pub id: i64,
    /// Config name.
    pub name: String,
    /// Config kind (`feed`, …).
    pub kind: String,
    /// The URL polled.
    pub url: String,
    /// Seconds between polls.
    pub interval_secs: i64,
    /// Health.
    pub state: SourceState,
    /// When the next poll is due (Unix seconds).
    pub next_check_at: i64,
    /// Conditional-GET validators from the last 200.
    pub validators: Validators,
    /// Consecutive failures (0 after a success).
    pub error_count: i64,
    /// Last error message.
    pub last_error: Option<String>,
    /// Last success (Unix seconds).
    pub last_success_at: Option<i64>,
    /// Last poll of any outcome (Unix seconds).
    pub last_checked_at: Option<i64>,
    /// Last poll that found new mentions (Unix seconds).
    pub last_new_at: Option<i64>,
    /// Items in the last document fetched.
    pub items_last_seen: i64,
    /// Polls so far.
    pub polls: i64,
    /// When the source was first configured (Unix seconds).
    pub created_at: i64,
}

impl SourceRow {
    /// The state shown to people: the stored state, except that a source whose polls
    /// succeed but which has found nothing new for `stale_after_secs` is "stale".
    pub fn health(&self, now: i64, stale_after_secs: i64) -> SourceState {
        let quiet_since = self.last_new_at.unwrap_or(self.created_at);
        if self.state == SourceState::Ok && now - quiet_since > stale_after_secs {
            SourceState::Stale
        } else {
            self.state
        }
    }
}

/// What one poll changed on a source.
#[derive(Debug, Clone)]
pub struct PollRecord {
    /// When the poll ran.
    pub checked_at: i64,
    /// When the next poll is due.
    pub next_check_at: i64,
    /// What happened.
    pub outcome: PollOutcome,
}

/// The result of one poll, as stored.
#[derive(Debug, Clone)]
pub enum PollOutcome {
    /// A document was fetched and processed.
    Fetched {
        /// Validators to send next time.
        validators: Validators,
        /// Items in the document.
        items_seen: i64,
        /// Mentions that were new.
        new_mentions: i64,
    },
    /// 304: nothing changed.
    NotModified,
    /// Not fetched (the host asked everyone to wait); only the next check moves.
    Deferred,
    /// The poll failed.
    Failed {
        /// Failing, blocked or drifted.
        state: SourceState,
        /// What went wrong, for people.
        error: String,
        /// The document that could not be parsed, kept for diagnosis (P02), with its
        /// content type; `None` when nothing was received.
        raw: Option<(Vec<u8>, Option<String>)>,
    },
}

const COLUMNS: &str = "id, name, kind, url, interval_secs, state, next_check_at, etag, \
     last_modified, error_count, last_error, last_success_at, last_checked_at, last_new_at, \
     items_last_seen, polls, created_at";

impl Store {
    /// Make the sources table match the config: add new sources (due now), update changed
    /// ones (a new URL forgets validators and errors; a new weight is copied onto the
    /// source's mentions), deactivate removed ones.
    pub async fn sync_sources(&self, sources: &[SourceConfig]) -> Result<(), StoreError> {
        const SELECT: &str = "SELECT url, kind, interval_secs FROM sources WHERE name = $1";
        const INSERT: &str = "INSERT INTO sources (name, kind, url, interval_secs, next_check_at, \
             created_at) VALUES ($1, $2, $3, $4, $5, $5)";
        const UPDATE_URL: &str = "UPDATE sources SET kind = $2, url = $3, interval_secs = $4, \
             active = 1, next_check_at = $5, etag = NULL, last_modified = NULL, \
             error_count = 0, state = 'new' WHERE name = $1";
        const UPDATE_INTERVAL: &str = "UPDATE sources SET interval_secs = $2, active = 1, \
             next_check_at = CASE WHEN next_check_at > $3 THEN $3 ELSE next_check_at END \
             WHERE name = $1";
        const DEACTIVATE_ALL: &str = "UPDATE sources SET active = 0";
        // A changed weight is copied onto the source's mentions, whose urgency it feeds.
        const SET_WEIGHT: &str = "UPDATE sources SET weight = $2 WHERE name = $1 AND weight <> $2";
        const SET_MENTION_WEIGHT: &str =
            "UPDATE mentions SET weight = $2 WHERE source = $1 AND weight <> $2";
        // Several workers starting at once sync the same config: one at a time.
        const PG_SYNC_LOCK: &str = "SELECT pg_advisory_xact_lock(7316912005)";
        let now = now();
        let mut tx = self.begin_write().await?;
        if self.backend == super::Backend::Postgres {
            sqlx::query(PG_SYNC_LOCK).execute(&mut *tx).await?;
        }
        sqlx::query(DEACTIVATE_ALL).execute(&mut *tx).await?;
        for s in sources {
            let url = s.poll_url().to_string();
            let interval = s.interval().as_secs() as i64;
            let existing = sqlx::query(SELECT)
                .bind(&s.name)
                .fetch_optional(&mut *tx)
                .await?;
            match existing {
                None => {
                    sqlx::query(INSERT)
                        .bind(&s.name)
                        .bind(s.kind_name())
                        .bind(&url)
                        .bind(interval)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                }
                Some(row) => {
                    let old_url: String = row.try_get("url")?;
                    let old_kind: String = row.try_get("kind")?;
                    if old_url != url || old_kind != s.kind_name() {
                        sqlx::query(UPDATE_URL)
                            .bind(&s.name)
                            .bind(s.kind_name())
                            .bind(&url)
                            .bind(interval)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                    } else {
                        sqlx::query(UPDATE_INTERVAL)
                            .bind(&s.name)
                            .bind(interval)
                            .bind(now + interval)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
            }
            let reweighted = sqlx::query(SET_WEIGHT)
                .bind(&s.name)
                .bind(s.weight())
                .execute(&mut *tx)
                .await?;
            if reweighted.rows_affected() > 0 {
                sqlx::query(SET_MENTION_WEIGHT)
                    .bind(&s.name)
                    .bind(s.weight())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Claim up to `limit` active sources due at `at` for `lease_secs`: no other worker
    /// gets them until their poll is recorded, the lease ends, or the holder stops being
    /// live (see [`super::workers`]; a crashed worker's sources come back then). On
    /// PostgreSQL concurrent claimers skip each other's rows.
    pub async fn claim_due_sources(
        &self,
        at: i64,
        lease_secs: i64,
        limit: i64,
    ) -> Result<Vec<SourceRow>, StoreError> {
        let lock = match self.backend {
            super::Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            super::Backend::Sqlite => "",
        };
        let free = super::workers::lease_free("sources");
        let sql = format!(
            "UPDATE sources SET lease_until = $1 + $2, lease_owner = $4 WHERE id IN \
             (SELECT id FROM sources WHERE active = 1 AND next_check_at <= $1 AND {free} \
             ORDER BY next_check_at, id LIMIT $3 {lock}) RETURNING {COLUMNS}"
        );
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(&sql)
            .bind(at)
            .bind(lease_secs)
            .bind(limit)
            .bind(self.worker.as_ref().map(|w| w.as_str().to_owned()))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        let mut out: Vec<SourceRow> = rows.iter().map(source_row).collect::<Result<_, _>>()?;
        out.sort_by_key(|s| (s.next_check_at, s.id));
        Ok(out)
    }

    /// Move the end of a lease this store took (ending at `lease_until`) to `until`, so the
    /// source comes back sooner; used when a poll's result could not be stored. Does
    /// nothing if the lease changed hands meanwhile. Returns whether it moved.
    pub async fn shorten_lease(
        &self,
        source_id: i64,
        lease_until: i64,
        until: i64,
    ) -> Result<bool, StoreError> {
        const SQL: &str = "UPDATE sources SET lease_until = $3 WHERE id = $1 \
             AND lease_until = $2 AND (lease_owner = $4 OR ($4 IS NULL AND lease_owner IS NULL))";
        let done = sqlx::query(SQL)
            .bind(source_id)
            .bind(lease_until)
            .bind(until)
            .bind(self.worker.as_ref().map(|w| w.as_str().to_owned()))
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Every active source, by name.
    pub async fn list_sources(&self) -> Result<Vec<SourceRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM sources WHERE active = 1 ORDER BY name");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(source_row).collect()
    }

    /// Store the outcome of one poll.
    pub async fn record_poll(&self, source_id: i64, rec: &PollRecord) -> Result<(), StoreError> {
        const FETCHED: &str = "UPDATE sources SET last_checked_at = $2, last_success_at = $2, \
             next_check_at = $3, state = 'ok', error_count = 0, polls = polls + 1, \
             etag = $4, last_modified = $5, items_last_seen = $6, \
             last_new_at = CASE WHEN $7 > 0 THEN $2 ELSE last_new_at END, lease_until = NULL \
             WHERE id = $1";
        const NOT_MODIFIED: &str = "UPDATE sources SET last_checked_at = $2, \
             last_success_at = $2, next_check_at = $3, state = 'ok', error_count = 0, \
             polls = polls + 1, lease_until = NULL WHERE id = $1";
        const FAILED: &str = "UPDATE sources SET last_checked_at = $2, next_check_at = $3, \
             state = $4, error_count = error_count + 1, last_error = $5, last_error_at = $2, \
             polls = polls + 1, last_failed_body = COALESCE($6, last_failed_body), \
             last_failed_content_type = CASE WHEN $6 IS NULL THEN last_failed_content_type \
             ELSE $7 END, lease_until = NULL WHERE id = $1";
        const DEFERRED: &str =
            "UPDATE sources SET next_check_at = $2, lease_until = NULL WHERE id = $1";
        let query = match &rec.outcome {
            PollOutcome::Fetched {
                validators,
                items_seen,
                new_mentions,
            } => sqlx::query(FETCHED)
                .bind(source_id)
                .bind(rec.checked_at)
                .bind(rec.next_check_at)
                .bind(validators.etag.clone())
                .bind(validators.last_modified.clone())
                .bind(*items_seen)
                .bind(*new_mentions),
            PollOutcome::NotModified => sqlx::query(NOT_MODIFIED)
                .bind(source_id)
                .bind(rec.checked_at)
                .bind(rec.next_check_at),
            PollOutcome::Deferred => sqlx::query(DEFERRED)
                .bind(source_id)
                .bind(rec.next_check_at),
            PollOutcome::Failed { state, error, raw } => sqlx::query(FAILED)
                .bind(source_id)
                .bind(rec.checked_at)
                .bind(rec.next_check_at)
                .bind(state.as_str())
                .bind(error.clone())
                .bind(raw.as_ref().map(|(body, _)| body.clone()))
                .bind(raw.as_ref().and_then(|(_, ct)| ct.clone())),
        };
        query.execute(&self.writer).await?;
        Ok(())
    }
}

impl Store {
    /// The raw bytes (and content type) of the last document of `name` that could not be
    /// parsed, if any.
    pub async fn failed_document(
        &self,
        name: &str,
    ) -> Result<Option<(Vec<u8>, Option<String>)>, StoreError> {
        const SQL: &str = "SELECT last_failed_body, last_failed_content_type FROM sources \
             WHERE name = $1 AND last_failed_body IS NOT NULL";
        let row = sqlx::query(SQL)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok((
                r.try_get("last_failed_body")?,
                r.try_get("last_failed_content_type")?,
            ))
        })
        .transpose()
    }
}

fn source_row(row: &AnyRow) -> Result<SourceRow, StoreError> {
    let state: String = row.try_get("state")?;
    Ok(SourceRow {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        kind: row.try_get("kind")?,
        url: row.try_get("url")?,
        interval_secs: row.try_get("interval_secs")?,
        state: SourceState::parse(&state),
        next_check_at: row.try_get("next_check_at")?,
        validators: Validators {
            etag: row.try_get("etag")?,
            last_modified: row.try_get("last_modified")?,
        },
        error_count: row.try_get("error_count")?,
        last_error: row.try_get("last_error")?,
        last_success_at: row.try_get("last_success_at")?,
        last_checked_at: row.try_get("last_checked_at")?,
        last_new_at: row.try_get("last_new_at")?,
        items_last_seen: row.try_get("items_last_seen")?,
        polls: row.try_get("polls")?,
        created_at: row.try_get("created_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(state: SourceState, last_new_at: Option<i64>) -> SourceRow {
        SourceRow {
            id: 1,
            name: "s".into(),
            kind: "feed".into(),
            url: "https://e.com/".into(),
            interval_secs: 60,
            state,
            next_check_at: 0,
            validators: Validators::default(),
            error_count: 0,
            last_error: None,
            last_success_at: Some(1000),
            last_checked_at: Some(1000),
            last_new_at,
            items_last_seen: 0,
            polls: 1,
            created_at: 0,
        }
    }

    #[test]
    fn a_quiet_ok_source_is_stale_others_keep_their_state() {
        assert_eq!(
            row(SourceState::Ok, Some(900)).health(1000, 200),
            SourceState::Ok
        );
        assert_eq!(
            row(SourceState::Ok, Some(100)).health(1000, 200),
            SourceState::Stale
        );
        assert_eq!(
            row(SourceState::Ok, None).health(1000, 200),
            SourceState::Stale
        );
        assert_eq!(
            row(SourceState::Failing, Some(0)).health(1000, 200),
            SourceState::Failing
        );
        assert_eq!(
            row(SourceState::Drifted, Some(0)).health(1000, 200),
            SourceState::Drifted
        );
    }
}
