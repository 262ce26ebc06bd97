//! Queueing digests into the outbox, once per (digest, recipient, week).
//!
//! The dedup key `digest:{name}:{recipient}:{YYYY-Www}` is the whole idempotency story
//! (A10): each recipient's message is inserted in its own transaction with `ON CONFLICT
//! DO NOTHING`, so a run killed between two recipients has queued the first ones for
//! good, and the next run (a minute later in the worker, or `vigia digest --send` again)
//! skips them and queues the rest. Keys already in the outbox are looked up *before*
//! anything is rendered, so the once-a-minute check costs one indexed query per
//! recipient when there is nothing to do. Two workers racing on PostgreSQL may both
//! render, but only one insert wins.

use chrono::{DateTime, Utc};

use super::schedule::{self, Period};
use super::{DigestError, Images, Prepared, language};
use crate::config::{Config, DigestConfig};
use crate::notify::smtp;
use crate::store::{self, NewOutbox, Store, StoreError};

/// One (recipient, week) of a digest and whether this run queued it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// The digest's name.
    pub digest: String,
    /// The address.
    pub recipient: String,
    /// The week, `2026-W44`.
    pub period: String,
    /// True when this run queued it, false when it was already in the outbox.
    pub new: bool,
}

/// The outbox dedup key of one digest for one recipient and week.
pub fn dedup_key(digest: &str, recipient: &str, period: &Period) -> String {
    format!(
        "digest:{digest}:{}:{}",
        recipient.trim().to_lowercase(),
        period.label()
    )
}

/// Queue every digest whose cron fired within [`schedule::CATCH_UP`] before `now`.
pub async fn queue_due(
    store: &Store,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Vec<Queued>, DigestError> {
    let mut out = Vec::new();
    for spec in &config.digests {
        if let Some((_fired, period)) = schedule::due(&spec.cron, spec.timezone, now) {
            out.extend(queue_period(store, config, spec, period, now).await?);
        }
    }
    Ok(out)
}

/// Queue `spec` for `period` to every recipient that does not have it yet.
pub async fn queue_period(
    store: &Store,
    config: &Config,
    spec: &DigestConfig,
    period: Period,
    now: DateTime<Utc>,
) -> Result<Vec<Queued>, DigestError> {
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for address in &spec.to {
        let key = dedup_key(&spec.name, address, &period);
        let queued = already_queued(store, &key).await?;
        if !queued {
            missing.push((address, key));
        }
        out.push(Queued {
            digest: spec.name.clone(),
            recipient: address.clone(),
            period: period.label(),
            new: false,
        });
    }
    if missing.is_empty() {
        return Ok(out);
    }
    let prepared = Prepared::new(store, config, spec, period, now.timestamp()).await?;
    let from_domain = smtp::sender_domain(config);
    for (address, key) in missing {
        let lang = language(config, spec, Some(address));
        let rendered = prepared
            .render(store, config, spec, Some(address), lang, Images::Inline)
            .await?;
        let parts = serde_json::to_string(&rendered.parts).map_err(|e| {
            DigestError::Store(StoreError::Corrupt {
                what: "outbox.inline_parts",
                detail: e.to_string(),
            })
        })?;
        let message = NewOutbox {
            message_id: smtp::message_id(&key, &from_domain),
            dedup_key: key,
            channel: "email".into(),
            recipient: address.clone(),
            rule: format!("digest:{}", spec.name),
            brand: None,
            subject: rendered.email.subject,
            body_text: rendered.email.text,
            body_html: Some(rendered.email.html),
            payload: None,
        };
        let mut tx = store.begin_write().await?;
        let new = store::queue_message(&mut tx, &message, Some(&parts), now.timestamp()).await?;
        tx.commit().await.map_err(StoreError::from)?;
        if let Some(q) = out.iter_mut().find(|q| &q.recipient == address) {
            q.new = new;
        }
        tracing::info!(digest = %spec.name, to = %address, period = %period.label(), new, "digest queued");
    }
    Ok(out)
}

/// Whether a message with this dedup key is in the outbox (in any state).
async fn already_queued(store: &Store, key: &str) -> Result<bool, StoreError> {
    const SQL: &str = "SELECT COUNT(*) FROM outbox WHERE dedup_key = $1";
    let n: i64 = sqlx::query_scalar(SQL)
        .bind(key)
        .fetch_one(store.pool())
        .await?;
    Ok(n > 0)
}
