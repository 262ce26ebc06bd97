//! `vigia digest`: write a preview file, or queue and send the digests that are due.
//!
//! The preview is the email's HTML with the charts as `data:` URIs, so one file opens in
//! any browser with nothing beside it. Without any `[[digest]]` in the config it previews
//! [`super::default_digest`], so a new user (and the demo) sees a digest before writing
//! any schedule.

use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::schedule::PeriodChoice;
use super::{DigestError, Images, Prepared, default_digest, language, queue_due};
use crate::alerts::notice::NoticeLang;
use crate::config::{Config, DigestConfig};
use crate::notify::sender::{Delivered, Sender};
use crate::store::Store;

/// Delivery rounds `--send` runs at most (each claims a batch of due outbox rows).
pub const SEND_ROUNDS: usize = 50;

/// What to preview.
#[derive(Debug, Clone)]
pub struct PreviewOptions {
    /// Where to write the HTML.
    pub file: PathBuf,
    /// Which week.
    pub period: PeriodChoice,
    /// Render as this recipient gets it (language and budget holds).
    pub recipient: Option<String>,
    /// Which `[[digest]]` (default: the first, or the built-in default without any).
    pub name: Option<String>,
    /// Force a language.
    pub lang: Option<NoticeLang>,
}

/// What a preview wrote.
#[derive(Debug, Clone)]
pub struct PreviewReport {
    /// The file.
    pub file: PathBuf,
    /// The email's subject.
    pub subject: String,
    /// The week, `2026-W44`.
    pub period: String,
}

/// The `[[digest]]` named `name`, the first one, or the default when there is none.
pub fn pick(config: &Config, name: Option<&str>) -> Result<DigestConfig, DigestError> {
    match name {
        Some(name) => config
            .digests
            .iter()
            .find(|d| d.name == name)
            .cloned()
            .ok_or_else(|| DigestError::UnknownDigest {
                name: name.to_owned(),
                known: if config.digests.is_empty() {
                    "none".to_owned()
                } else {
                    config
                        .digests
                        .iter()
                        .map(|d| d.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            }),
        None => Ok(config
            .digests
            .first()
            .cloned()
            .unwrap_or_else(default_digest)),
    }
}

/// Write a preview of a digest as of `now`.
pub async fn preview(
    store: &Store,
    config: &Config,
    opts: &PreviewOptions,
    now: DateTime<Utc>,
) -> Result<PreviewReport, DigestError> {
    let spec = pick(config, opts.name.as_deref())?;
    let period = opts.period.resolve(spec.timezone, now);
    let lang = opts
        .lang
        .unwrap_or_else(|| language(config, &spec, opts.recipient.as_deref()));
    let prepared = Prepared::new(store, config, &spec, period, now.timestamp()).await?;
    let rendered = prepared
        .render(
            store,
            config,
            &spec,
            opts.recipient.as_deref(),
            lang,
            Images::DataUri,
        )
        .await?;
    std::fs::write(&opts.file, rendered.email.html.as_bytes()).map_err(|source| {
        DigestError::Write {
            path: opts.file.clone(),
            source,
        }
    })?;
    Ok(PreviewReport {
        file: opts.file.clone(),
        subject: rendered.email.subject,
        period: period.label(),
    })
}

/// Queue the digests due at `now`, then deliver what is due in the outbox; the returned
/// text says what happened, one line per (digest, recipient).
pub async fn send(
    store: &Store,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<String, DigestError> {
    let mut out = String::new();
    if config.digests.is_empty() {
        out.push_str("no [[digest]] in the config: nothing to send (try `vigia digest --preview digest.html`)\n");
        return Ok(out);
    }
    let queued = queue_due(store, config, now).await?;
    if queued.is_empty() {
        let _ = writeln!(
            out,
            "no digest is due now (a digest is due for {} after its cron fires)",
            crate::config::format_duration(super::schedule::CATCH_UP.to_std().unwrap_or_default())
        );
    }
    for q in &queued {
        let _ = writeln!(
            out,
            "{:<8} {} {} to {}",
            if q.new { "queued" } else { "already" },
            q.digest,
            q.period,
            q.recipient
        );
    }
    let sender = Sender::new(config)?;
    let mut total = Delivered::default();
    for _ in 0..SEND_ROUNDS {
        let round = sender.deliver_due(store, crate::store::now()).await?;
        total.sent += round.sent;
        total.retried += round.retried;
        total.dead += round.dead;
        if round == Delivered::default() {
            break;
        }
    }
    let _ = writeln!(
        out,
        "outbox: {} sent, {} to retry, {} dead (see `vigia outbox`)",
        total.sent, total.retried, total.dead
    );
    Ok(out)
}
