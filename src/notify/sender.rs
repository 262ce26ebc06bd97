//! The sender: delivers due outbox rows, at least once.
//!
//! Rows are claimed with a lease (a crashed sender's rows come back when it ends), sent by
//! SMTP or webhook, then marked sent. A transient failure (4xx, timeout, refused
//! connection) is retried with exponential backoff and jitter; a permanent one (5xx, a
//! webhook's 4xx) becomes a dead letter that people see (`vigia outbox --status dead`) and
//! can requeue, never a retry storm. A crash after the server's 250 but before "sent" is
//! recorded re-sends the same message with the same Message-ID (A05).

use std::collections::HashMap;
use std::time::Duration;

use rand::Rng;

use super::email::Email;
use super::smtp::{DEFAULT_SMTP_TIMEOUT, InlinePart, Mailer, SmtpSettings};
use super::webhook::{self, WebhookSettings};
use super::{NotifyError, SendError};
use crate::config::Config;
use crate::store::{OutboxRow, Store, StoreError};

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
        })
    }

    /// Claim and deliver the due rows; returns what happened to them.
    pub async fn deliver_due(&self, store: &Store, now: i64) -> Result<Delivered, StoreError> {
        let mut done = Delivered::default();
        let rows = store
            .claim_outbox(now, LEASE.as_secs() as i64, BATCH)
            .await?;
        for row in rows {
            match self.deliver(&row).await {
                Ok(()) => {
                    store.outbox_sent(row.id, crate::store::now()).await?;
                    done.sent += 1;
                }
                Err(SendError::Transient(e)) => {
                    let next = crate::store::now() + retry_delay(row.attempts + 1).as_secs() as i64;
                    tracing::warn!(outbox = row.id, to = %row.message.recipient, error = %e, "delivery failed; will retry");
                    store.outbox_retry(row.id, &e, next).await?;
                    done.retried += 1;
                }
                Err(SendError::Permanent(e)) => {
                    tracing::warn!(outbox = row.id, to = %row.message.recipient, error = %e, "delivery failed for good: dead letter");
                    store.outbox_dead(row.id, &e).await?;
                    done.dead += 1;
                }
            }
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
