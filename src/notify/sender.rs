//! The sender: delivers due outbox rows, at least once.
//!
//! Rows are claimed with a lease (a crashed sender's rows come back when it ends), sent by
//! SMTP or webhook, then marked sent. A transient failure (4xx, timeout, refused
//! connection) is retried with exponential backoff and jitter; a permanent one (5xx, a
//! webhook's 4xx) becomes a dead letter that people see (`vigia outbox --status dead`) and
//! can requeue, never a retry storm. A crash after the server's 250 but before "sent" is
//! recorded re-sends the same message with the same Message-ID (A05).
//!
//! A database outage is not a crash: when the outcome of a delivery cannot be recorded, the
//! sender keeps it in memory and records it first thing in its next round, so a message the
//! server accepted is not sent again when the database comes back (unless the outage
//! outlasts the lease).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;

use super::email::Email;
use super::smtp::{DEFAULT_SMTP_TIMEOUT, InlinePart, Mailer, SmtpSettings};
use super::webhook::{self, WebhookSettings};
use super::{NotifyError, SendError};
use crate::config::Config;
use crate::store::{OutboxRow, Store, StoreError, WorkerCounters};

/// A claimed row belongs to this sender for this long.
pub const LEASE: Duration = Duration::from_secs(120);
/// First retry after a transient failure; doubles each time.
pub const FIRST_RETRY: Duration = Duration::from_secs(30);
/// Longest wait between two attempts.
pub const MAX_RETRY: Duration = Duration::from_secs(3600);
/// Rows claimed per round.
pub const BATCH: i64 = 20;

/// What one delivery round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Accepted by the server.
    pub sent: usize,
    /// Failed transiently; retried later.
    pub retried: usize,
    /// Failed permanently; now dead letters.
    pub dead: usize,
}

/// Delivers the outbox through the configured SMTP server and webhooks.
pub struct Sender {
    mailer: Option<Mailer>,
    http: reqwest::Client,
    webhooks: HashMap<String, WebhookSettings>,
    /// Outcomes of deliveries that could not be recorded yet (the database was away).
    unrecorded: Mutex<Vec<(i64, Outcome)>>,
    /// Where accepted deliveries are counted (the worker's heartbeat counters).
    counters: Option<Arc<WorkerCounters>>,
}

/// What became of one delivery, as recorded on its outbox row.
#[derive(Debug, Clone)]
enum Outcome {
    Sent { at: i64 },
    Retry { error: String, next: i64 },
    Dead { error: String },
}

impl Sender {
    /// A sender for the config's `[smtp]` and `[[webhook]]` entries.
    pub fn new(config: &Config) -> Result<Sender, NotifyError> {
        let mailer = match &config.smtp {
            Some(s) => Some(Mailer::new(&SmtpSettings {
                host: s.host.clone(),
                port: s.port(),
                tls: s.tls,
                username: s.username.clone(),
                password: s.password(),
                from: s.from.clone(),
                timeout: s.timeout.unwrap_or(DEFAULT_SMTP_TIMEOUT),
            })?),
            None => None,
        };
        let mut webhooks = HashMap::new();
        for w in &config.webhooks {
            if let Ok(url) = url::Url::parse(&w.url) {
                webhooks.insert(
                    w.name.clone(),
                    WebhookSettings {
                        url,
                        format: w.format,
                        secret: w.secret(),
                    },
                );
            }
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(crate::fetch::user_agent(None))
            .build()
            .map_err(|e| NotifyError::SmtpSetup {
                host: "(webhooks)".into(),
                message: e.to_string(),
            })?;
        Ok(Sender {
            mailer,
            http,
            webhooks,
            unrecorded: Mutex::new(Vec::new()),
            counters: None,
        })
    }

    /// Count every message a server accepts in `counters.notifications_sent`.
    pub fn count_into(mut self, counters: Arc<WorkerCounters>) -> Sender {
        self.counters = Some(counters);
        self
    }

    /// Record what earlier rounds could not, then claim and deliver the due rows; returns
    /// what happened to them (delivered messages count once, when they are recorded).
    ///
    /// An error means the database failed; outcomes not recorded are kept for next time.
    pub async fn deliver_due(&self, store: &Store, now: i64) -> Result<Delivered, StoreError> {
        let mut done = self.record_backlog(store).await?;
        let rows = store
            .claim_outbox(now, LEASE.as_secs() as i64, BATCH)
            .await?;
        let mut failed: Option<StoreError> = None;
        for row in rows {
            let outcome = match self.deliver(&row).await {
                Ok(()) => {
                    if let Some(c) = &self.counters {
                        WorkerCounters::add(&c.notifications_sent, 1);
                    }
                    Outcome::Sent {
                        at: crate::store::now(),
                    }
                }
                Err(SendError::Transient(error)) => {
                    let next = crate::store::now() + retry_delay(row.attempts + 1).as_secs() as i64;
                    tracing::warn!(outbox = row.id, to = %row.message.recipient, %error, "delivery failed; will retry");
                    Outcome::Retry { error, next }
                }
                Err(SendError::Permanent(error)) => {
                    tracing::warn!(outbox = row.id, to = %row.message.recipient, %error, "delivery failed for good: dead letter");
                    Outcome::Dead { error }
                }
            };
            // Once one write failed the database is away: keep the rest for later rather
            // than wait for each write to time out.
            if failed.is_none() {
                match record(store, row.id, &outcome).await {
                    Ok(()) => {
                        count(&mut done, &outcome);
                        continue;
                    }
                    Err(e) => failed = Some(e),
                }
            }
            lock(&self.unrecorded).push((row.id, outcome));
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(done),
        }
    }

    /// Record the outcomes kept from rounds where the database failed.
    async fn record_backlog(&self, store: &Store) -> Result<Delivered, StoreError> {
        let mut done = Delivered::default();
        let backlog = std::mem::take(&mut *lock(&self.unrecorded));
        let mut rest = backlog.into_iter();
        while let Some((id, outcome)) = rest.next() {
            if let Err(e) = record(store, id, &outcome).await {
                let mut kept = lock(&self.unrecorded);
                kept.push((id, outcome));
                kept.extend(rest);
                return Err(e);
            }
            count(&mut done, &outcome);
        }
        Ok(done)
    }

    async fn deliver(&self, row: &OutboxRow) -> Result<(), SendError> {
        let m = &row.message;
        match m.channel.as_str() {
            "email" => {
                let Some(mailer) = &self.mailer else {
                    return Err(SendError::Transient("no [smtp] is configured".into()));
                };
                let email = Email {
                    subject: m.subject.clone(),
                    text: m.body_text.clone(),
                    html: m.body_html.clone().unwrap_or_default(),
                };
                let parts: Vec<InlinePart> = match &row.inline_parts {
                    Some(json) => serde_json::from_str(json).map_err(|e| {
                        SendError::Permanent(format!("stored inline parts do not parse: {e}"))
                    })?,
                    None => Vec::new(),
                };
                mailer
                    .send_with_parts(&m.recipient, &email, &parts, &m.message_id)
                    .await
            }
            "webhook" => {
                let Some(settings) = self.webhooks.get(&m.recipient) else {
                    return Err(SendError::Permanent(format!(
                        "no [[webhook]] named \"{}\" any more",
                        m.recipient
                    )));
                };
                let body = m.payload.clone().unwrap_or_default();
                webhook::post(&self.http, settings, body.as_bytes()).await
            }
            other => Err(SendError::Permanent(format!("unknown channel {other}"))),
        }
    }
}

/// Write one delivery's outcome on its outbox row.
async fn record(store: &Store, id: i64, outcome: &Outcome) -> Result<(), StoreError> {
    match outcome {
        Outcome::Sent { at } => store.outbox_sent(id, *at).await,
        Outcome::Retry { error, next } => store.outbox_retry(id, error, *next).await,
        Outcome::Dead { error } => store.outbox_dead(id, error).await,
    }
}

fn count(done: &mut Delivered, outcome: &Outcome) {
    match outcome {
        Outcome::Sent { .. } => done.sent += 1,
        Outcome::Retry { .. } => done.retried += 1,
        Outcome::Dead { .. } => done.dead += 1,
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Wait before attempt `n + 1` after `n` failures: 30 s × 2^(n−1), capped at an hour,
/// ±20 % jitter so a recovering server is not hit by every row at once.
pub fn retry_delay(failures: i64) -> Duration {
    let base = crate::scheduler::backoff(FIRST_RETRY, failures, MAX_RETRY);
    base.mul_f64(1.0 + rand::rng().random_range(-0.2..=0.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a06_retries_back_off_and_are_capped() {
        let first = retry_delay(1);
        assert!(first >= Duration::from_secs(24) && first <= Duration::from_secs(36));
        let third = retry_delay(3);
        assert!(third >= Duration::from_secs(96) && third <= Duration::from_secs(144));
        assert!(retry_delay(50) <= MAX_RETRY.mul_f64(1.2));
    }
}
