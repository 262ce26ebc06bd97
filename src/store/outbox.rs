//! Fired alerts and the outbox: the durable half of "never lose an alert".
//!
//! An alert row is written in the transaction of the mention that fired it; a notification
//! turns unnotified alerts into outbox rows (one per recipient or webhook) in one
//! transaction; the sender claims due outbox rows with a lease, so a crashed sender's rows
//! come back when the lease ends, and marks them sent, retried or dead. Every row has a
//! unique dedup key, so doing any step twice inserts nothing twice.

use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row, Transaction};

use super::{Backend, Store, StoreError};

/// An alert a rule fired.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlert {
    /// Unique per alert (rule + what fired), so re-evaluation never duplicates it.
    pub dedup_key: String,
    /// Rule name.
    pub rule: String,
    /// Rule kind (`instant`, `spike`, …).
    pub kind: String,
    /// Brand, if the rule is about one.
    pub brand: Option<String>,
    /// When it fired (Unix seconds).
    pub fired_at: i64,
    /// The mentions behind it.
    pub mention_ids: Vec<i64>,
    /// Why, as JSON (the notice's `Why`).
    pub why: String,
}

/// A stored alert.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRow {
    /// Store id.
    pub id: i64,
    /// The alert as fired.
    pub alert: NewAlert,
    /// When it went into a notification, if it has.
    pub notified_at: Option<i64>,
}

/// A message to deliver.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOutbox {
    /// Unique per (notification, recipient); the Message-ID derives from it.
    pub dedup_key: String,
    /// `email` or `webhook`.
    pub channel: String,
    /// Email address or webhook name.
    pub recipient: String,
    /// The rule that caused it.
    pub rule: String,
    /// The brand, if any.
    pub brand: Option<String>,
    /// Subject (email) or a one-line summary (webhook).
    pub subject: String,
    /// Plain-text body.
    pub body_text: String,
    /// HTML body (email).
    pub body_html: Option<String>,
    /// JSON payload (webhook).
    pub payload: Option<String>,
    /// SMTP Message-ID.
    pub message_id: String,
}

/// A stored outbox row.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    /// Store id.
    pub id: i64,
    /// The message.
    pub message: NewOutbox,
    /// `pending`, `sent` or `dead`.
    pub status: String,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// When the next attempt is due (Unix seconds).
    pub next_attempt_at: i64,
    /// The last delivery error.
    pub last_error: Option<String>,
    /// When it was queued (Unix seconds).
    pub created_at: i64,
    /// When it was delivered (Unix seconds).
    pub sent_at: Option<i64>,
    /// Parts the HTML shows by Content-ID, as JSON (`notify::smtp::InlinePart`s).
    pub inline_parts: Option<String>,
}

/// Insert alerts unless their dedup key exists; returns the ids of the new ones.
pub async fn insert_alerts(
    tx: &mut Transaction<'static, Any>,
    alerts: &[NewAlert],
) -> Result<Vec<i64>, StoreError> {
    const SQL: &str = "INSERT INTO alerts (dedup_key, rule, kind, brand, fired_at, mention_ids, \
         why) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (dedup_key) DO NOTHING RETURNING id";
    let conn: &mut AnyConnection = tx;
    let mut ids = Vec::new();
    for a in alerts {
        let id: Option<i64> = sqlx::query_scalar(SQL)
            .bind(&a.dedup_key)
            .bind(&a.rule)
            .bind(&a.kind)
            .bind(a.brand.clone())
            .bind(a.fired_at)
            .bind(serde_json::to_string(&a.mention_ids).unwrap_or_else(|_| "[]".into()))
            .bind(&a.why)
            .fetch_optional(&mut *conn)
            .await?;
        ids.extend(id);
    }
    Ok(ids)
}

/// Queue messages (a notification's rows) and mark its alerts notified, in the caller's
/// transaction; returns how many messages were new.
pub async fn queue_notification(
    tx: &mut Transaction<'static, Any>,
    messages: &[NewOutbox],
    alert_ids: &[i64],
    now: i64,
) -> Result<usize, StoreError> {
    const NOTIFIED: &str =
        "UPDATE alerts SET notified_at = $2 WHERE id = $1 AND notified_at IS NULL";
    let mut new = 0;
    for m in messages {
        new += usize::from(queue_message(tx, m, None, now).await?);
    }
    let conn: &mut AnyConnection = tx;
    for id in alert_ids {
        sqlx::query(NOTIFIED)
            .bind(*id)
            .bind(now)
            .execute(&mut *conn)
            .await?;
    }
    Ok(new)
}

/// Queue one message with optional inline parts (JSON, see [`OutboxRow::inline_parts`]),
/// due at once, unless its dedup key is already queued; true when it was new.
pub async fn queue_message(
    tx: &mut Transaction<'static, Any>,
    m: &NewOutbox,
    inline_parts: Option<&str>,
    now: i64,
) -> Result<bool, StoreError> {
    const INSERT: &str = "INSERT INTO outbox (dedup_key, channel, recipient, rule, brand, subject, \
         body_text, body_html, payload, message_id, status, attempts, next_attempt_at, created_at, \
         inline_parts) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', 0, $11, $11, $12) \
         ON CONFLICT (dedup_key) DO NOTHING";
    let conn: &mut AnyConnection = tx;
    let done = sqlx::query(INSERT)
        .bind(&m.dedup_key)
        .bind(&m.channel)
        .bind(&m.recipient)
        .bind(&m.rule)
        .bind(m.brand.clone())
        .bind(&m.subject)
        .bind(&m.body_text)
        .bind(m.body_html.clone())
        .bind(m.payload.clone())
        .bind(&m.message_id)
        .bind(now)
        .bind(inline_parts.map(str::to_owned))
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Mark these alerts notified at `now`, in the caller's transaction, unless they already
/// are; returns the ids this call marked. Two workers holding the same alert both try, and
/// one wins: the row lock (PostgreSQL) or the write lock (SQLite) orders them, and the
/// second sees the first's mark.
pub async fn claim_alerts(
    tx: &mut Transaction<'static, Any>,
    alert_ids: &[i64],
    now: i64,
) -> Result<Vec<i64>, StoreError> {
    const SQL: &str = "UPDATE alerts SET notified_at = $2 WHERE id = $1 AND notified_at IS NULL";
    let conn: &mut AnyConnection = tx;
    let mut claimed = Vec::with_capacity(alert_ids.len());
    for id in alert_ids {
        let done = sqlx::query(SQL)
            .bind(*id)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        if done.rows_affected() == 1 {
            claimed.push(*id);
        }
    }
    Ok(claimed)
}

/// Count one notification against a recipient's daily budget for a kind: it is sent while
/// fewer than `limit` went out that day (no limit: always), otherwise held for the digest
/// (A08). Returns whether to send, and how many were held that day so far.
pub async fn admit_budget(
    tx: &mut Transaction<'static, Any>,
    recipient: &str,
    kind: &str,
    day: &str,
    limit: Option<i64>,
) -> Result<(bool, i64), StoreError> {
    const SENT: &str =
        "SELECT sent FROM alert_budget WHERE recipient = $1 AND kind = $2 AND day = $3";
    const UPSERT: &str = "INSERT INTO alert_budget (recipient, kind, day, sent, held) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (recipient, kind, day) DO UPDATE SET \
         sent = alert_budget.sent + $4, held = alert_budget.held + $5 RETURNING held";
    let conn: &mut AnyConnection = tx;
    let sent_today: Option<i64> = sqlx::query_scalar(SENT)
        .bind(recipient)
        .bind(kind)
        .bind(day)
        .fetch_optional(&mut *conn)
        .await?;
    let send = limit.is_none_or(|l| sent_today.unwrap_or(0) < l);
    let held: i64 = sqlx::query_scalar(UPSERT)
        .bind(recipient)
        .bind(kind)
        .bind(day)
        .bind(i64::from(send))
        .bind(i64::from(!send))
        .fetch_one(&mut *conn)
        .await?;
    Ok((send, held))
}

const OUTBOX_COLUMNS: &str = "id, dedup_key, channel, recipient, rule, brand, subject, \
     body_text, body_html, payload, message_id, status, attempts, next_attempt_at, last_error, \
     created_at, sent_at, inline_parts";

impl Store {
    /// Alerts not yet in a notification, oldest first (to rebuild groups at start).
    pub async fn pending_alerts(&self) -> Result<Vec<AlertRow>, StoreError> {
        const SQL: &str = "SELECT id, dedup_key, rule, kind, brand, fired_at, mention_ids, why, \
             notified_at FROM alerts WHERE notified_at IS NULL ORDER BY fired_at, id";
        let rows = sqlx::query(SQL).fetch_all(&self.pool).await?;
        rows.iter().map(alert_row).collect()
    }

    /// Claim up to `limit` due pending messages for `lease_secs`: another sender skips
    /// them until the lease ends or the holder stops being live (a crashed sender's rows
    /// come back then).
    pub async fn claim_outbox(
        &self,
        now: i64,
        lease_secs: i64,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let lock = match self.backend {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let free = super::workers::lease_free("outbox");
        let sql = format!(
            "UPDATE outbox SET lease_until = $1 + $2, lease_owner = $4 WHERE id IN \
             (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 \
             AND {free} ORDER BY id LIMIT $3 {lock}) RETURNING {OUTBOX_COLUMNS}"
        );
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(&sql)
            .bind(now)
            .bind(lease_secs)
            .bind(limit)
            .bind(self.worker.as_ref().map(|w| w.as_str().to_owned()))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        let mut out: Vec<OutboxRow> = rows.iter().map(outbox_row).collect::<Result<_, _>>()?;
        out.sort_by_key(|r| r.id);
        Ok(out)
    }

    /// Delivered.
    pub async fn outbox_sent(&self, id: i64, now: i64) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE outbox SET status = 'sent', sent_at = $2, \
             attempts = attempts + 1, lease_until = NULL, last_error = NULL WHERE id = $1";
        sqlx::query(SQL)
            .bind(id)
            .bind(now)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// A transient failure: try again at `next_attempt_at`.
    pub async fn outbox_retry(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: i64,
    ) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE outbox SET attempts = attempts + 1, last_error = $2, \
             next_attempt_at = $3, lease_until = NULL WHERE id = $1";
        sqlx::query(SQL)
            .bind(id)
            .bind(error)
            .bind(next_attempt_at)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// A permanent failure: a dead letter, shown to people, never retried on its own.
    pub async fn outbox_dead(&self, id: i64, error: &str) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE outbox SET status = 'dead', attempts = attempts + 1, \
             last_error = $2, lease_until = NULL WHERE id = $1";
        sqlx::query(SQL)
            .bind(id)
            .bind(error)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Put a dead letter back in the queue (`vigia outbox --retry ID`); false if `id` is not
    /// a dead letter.
    pub async fn retry_dead(&self, id: i64, now: i64) -> Result<bool, StoreError> {
        const SQL: &str = "UPDATE outbox SET status = 'pending', next_attempt_at = $2, \
             lease_until = NULL WHERE id = $1 AND status = 'dead'";
        let done = sqlx::query(SQL)
            .bind(id)
            .bind(now)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Outbox rows, newest first, optionally of one status.
    pub async fn list_outbox(
        &self,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE ($1 IS NULL OR status = $1) \
             ORDER BY id DESC LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(status.map(str::to_owned))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(outbox_row).collect()
    }
}

pub(super) fn alert_row(r: &AnyRow) -> Result<AlertRow, StoreError> {
    let ids: String = r.try_get("mention_ids")?;
    Ok(AlertRow {
        id: r.try_get("id")?,
        alert: NewAlert {
            dedup_key: r.try_get("dedup_key")?,
            rule: r.try_get("rule")?,
            kind: r.try_get("kind")?,
            brand: r.try_get("brand")?,
            fired_at: r.try_get("fired_at")?,
            mention_ids: serde_json::from_str(&ids).map_err(|e| StoreError::Corrupt {
                what: "alerts.mention_ids",
                detail: e.to_string(),
            })?,
            why: r.try_get("why")?,
        },
        notified_at: r.try_get("notified_at")?,
    })
}

fn outbox_row(r: &AnyRow) -> Result<OutboxRow, StoreError> {
    Ok(OutboxRow {
        id: r.try_get("id")?,
        message: NewOutbox {
            dedup_key: r.try_get("dedup_key")?,
            channel: r.try_get("channel")?,
            recipient: r.try_get("recipient")?,
            rule: r.try_get("rule")?,
            brand: r.try_get("brand")?,
            subject: r.try_get("subject")?,
            body_text: r.try_get("body_text")?,
            body_html: r.try_get("body_html")?,
            payload: r.try_get("payload")?,
            message_id: r.try_get("message_id")?,
        },
        status: r.try_get("status")?,
        attempts: r.try_get("attempts")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        last_error: r.try_get("last_error")?,
        created_at: r.try_get("created_at")?,
        sent_at: r.try_get("sent_at")?,
        inline_parts: r.try_get("inline_parts")?,
    })
}
