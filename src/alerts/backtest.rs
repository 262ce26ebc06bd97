//! Backtest: replay mentions through the rules, grouping and budgets, send nothing, and
//! print every notification that would have gone out (`vigia backtest --input FILE.jsonl`).
//!
//! It is the live pipeline with a different clock: the [`Engine`] and [`Grouper`] are the
//! ones the worker runs, and the clock is the mentions' own `published_at`, so a week of
//! history replays in seconds and says exactly what the rules would have done.
//!
//! # Input (one JSON object per line)
//!
//! Required: `"brand"` (string), `"published_at"` (RFC 3339, any offset), `"compound"`
//! (number, −1..1). Optional: `"url"`, `"title"`, `"source"`, `"text"`, `"lang"`,
//! `"rating"` (0..1; other values are ignored and counted), `"id"` (integer; otherwise the
//! line number is the id). Unknown fields are ignored; blank lines are skipped; a UTF-8 BOM
//! is accepted. A line that is not such an object stops the run with an error naming the
//! line ([`BacktestError::Line`]): a replay silently run on part of the data would give
//! misleading figures. The whole input is read and checked before the replay.
//!
//! **Order**: mentions are replayed in published-time order. Input out of order is sorted
//! (stable, so equal times keep file order); it is held in memory as ~48-byte rows, plus
//! url/title/text only when a spreading rule needs them (a few million lines fit easily).
//!
//! # Clock
//!
//! Before a mention at time t is fed, every grouping wake-up strictly before t is run; a
//! wake-up at exactly t runs after all mentions at t. After the last mention, the
//! remaining wake-ups run to the end (pending groups flush, open groups close), so the
//! output is complete. Source-failure rules never fire (the input has no source health).
//!
//! # Output (one JSON object per line, one per notification, in time order)
//!
//! `{"rule", "kind", "brand", "fired_at", "count", "baseline", "threshold",
//! "window_minutes", "alerts", "repeat", "first_at", "detected_at", "mention_ids",
//! "recipients", "held_for_digest", "why"}`:
//! `fired_at` is when the notification goes out (RFC 3339, UTC, `Z`); `detected_at` when
//! its first alert fired; `count` is the spike count for a spike (the largest if a
//! notification holds several), otherwise the number of distinct mentions (at least the
//! number of alerts); `baseline` / `threshold` / `window_minutes` are the spike's numbers
//! (`null` for other kinds); `recipients` are the addresses that would get the email now
//! and `held_for_digest` those whose daily budget was spent (the copy rolls into the
//! digest); `why` is the first alert's [`crate::alerts::notice::Why`].

mod input;

use std::io::{BufRead, BufWriter, Write};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::grouping::{Admit, Budgets, Flush, Grouper};
use super::notice::{RuleKind, Why};
use super::rules::{Engine, EngineError, MentionEvent, RecipientConfig, RuleConfig};

/// What a replay did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BacktestSummary {
    /// Mentions replayed.
    pub mentions: u64,
    /// Alerts the rules raised.
    pub alerts: u64,
    /// Notifications printed.
    pub notifications: u64,
    /// Recipient copies held for the digest by budgets.
    pub held_for_digest: u64,
    /// The input was out of time order and was sorted.
    pub reordered: bool,
    /// Ratings outside 0..1 that were ignored.
    pub ignored_ratings: u64,
    /// Published time of the first mention replayed.
    pub first: Option<DateTime<Utc>>,
    /// Published time of the last mention replayed.
    pub last: Option<DateTime<Utc>>,
}

/// Why a backtest stopped.
#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    /// The input could not be read.
    #[error("input line {line}: cannot read: {source}")]
    Read {
        /// 1-based line being read.
        line: u64,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line is not a mention object.
    #[error(
        "input line {line}: {message}; each line must be one JSON object like {{\"brand\":\"acme\",\"published_at\":\"2024-05-01T10:00:00Z\",\"compound\":-0.6,\"url\":\"https://…\",\"title\":\"…\",\"source\":\"…\"}}"
    )]
    Line {
        /// 1-based line number.
        line: u64,
        /// What is wrong with it.
        message: String,
    },
    /// The rules were refused.
    #[error("{0}; fix the [[rule]] in the config")]
    Rules(#[from] EngineError),
    /// The output could not be written.
    #[error("cannot write the backtest output: {0}")]
    Write(#[source] std::io::Error),
}

/// A spike rule on every brand at the default sensitivity: what to replay when the config
/// has no rules yet (the CLI decides whether to use it).
pub fn default_rules() -> Vec<RuleConfig> {
    vec![RuleConfig::new("negative-spike", RuleKind::Spike)]
}

/// Replay `input` (JSONL mentions) through `rules`, writing one JSON line per notification.
pub fn run(
    input: impl BufRead,
    rules: &[RuleConfig],
    recipients: &[RecipientConfig],
    out: impl Write,
) -> Result<BacktestSummary, BacktestError> {
    let mut engine = Engine::new(rules)?;
    let keep_texts = rules.iter().any(|r| r.kind == RuleKind::Spreading);
    let data = input::read(input, keep_texts)?;
    let mut replay = Replay {
        grouper: Grouper::new(rules),
        budgets: Budgets::new(recipients),
        rules,
        out: BufWriter::with_capacity(1 << 16, out),
        summary: BacktestSummary {
            reordered: data.reordered,
            ignored_ratings: data.ignored_ratings,
            ..BacktestSummary::default()
        },
    };
    let mut ev = MentionEvent::default();
    for row in &data.rows {
        let ts = DateTime::from_timestamp_nanos(row.ts);
        while let Some(wake) = replay.grouper.next_wake().filter(|w| *w < ts) {
            replay.flush(wake)?;
        }
        fill(&mut ev, row, &data, ts);
        let fired = engine.observe(&ev);
        replay.summary.alerts += fired.len() as u64;
        for f in fired {
            replay.grouper.add(f, ts);
        }
        replay.summary.mentions += 1;
        replay.summary.first.get_or_insert(ts);
        replay.summary.last = Some(ts);
    }
    while let Some(wake) = replay.grouper.next_wake() {
        replay.flush(wake)?;
    }
    replay.out.flush().map_err(BacktestError::Write)?;
    Ok(replay.summary)
}

/// Load one row into the reused event (no allocation once the buffers have grown).
fn fill(ev: &mut MentionEvent, row: &input::Row, data: &input::Input, ts: DateTime<Utc>) {
    let s = |i: u32| data.strings.get(i as usize).map_or("", |s| s);
    ev.id = row.id;
    set(&mut ev.brand, s(row.brand));
    set(&mut ev.source, s(row.source));
    ev.lang = match (ev.lang.take(), s(row.lang)) {
        (_, "") => None,
        (Some(mut buf), l) => {
            set(&mut buf, l);
            Some(buf)
        }
        (None, l) => Some(l.to_owned()),
    };
    ev.compound = row.compound;
    ev.rating = (!row.rating.is_nan()).then_some(row.rating);
    ev.published_at = ts;
    match data.texts.get(row.text as usize) {
        Some(t) => {
            set(&mut ev.url, &t.url);
            set(&mut ev.title, &t.title);
            set(&mut ev.text, &t.text);
            let host = url::Url::parse(&t.url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned));
            set(&mut ev.host, host.as_deref().unwrap_or(""));
        }
        None => {
            ev.url.clear();
            ev.title.clear();
            ev.text.clear();
            ev.host.clear();
        }
    }
}

fn set(buf: &mut String, s: &str) {
    buf.clear();
    buf.push_str(s);
}

struct Replay<'r, W: Write> {
    grouper: Grouper,
    budgets: Budgets,
    rules: &'r [RuleConfig],
    out: BufWriter<W>,
    summary: BacktestSummary,
}

/// One output line (the CLI contract: see the module doc).
#[derive(Serialize)]
struct OutLine<'a> {
    rule: &'a str,
    kind: RuleKind,
    brand: Option<&'a str>,
    fired_at: String,
    count: u64,
    baseline: Option<f64>,
    threshold: Option<f64>,
    window_minutes: Option<u32>,
    alerts: usize,
    repeat: bool,
    first_at: String,
    detected_at: String,
    mention_ids: Vec<i64>,
    recipients: Vec<&'a str>,
    held_for_digest: Vec<&'a str>,
    why: Option<&'a Why>,
}

impl<W: Write> Replay<'_, W> {
    fn flush(&mut self, now: DateTime<Utc>) -> Result<(), BacktestError> {
        for flush in self.grouper.due(now) {
            self.write(&flush)?;
        }
        Ok(())
    }

    fn write(&mut self, flush: &Flush) -> Result<(), BacktestError> {
        let rule = self.rules.iter().find(|r| r.name == flush.rule);
        let day = flush.at.date_naive();
        let mut recipients = Vec::new();
        let mut held = Vec::new();
        for addr in rule.map_or(&[][..], |r| &r.recipients) {
            match self.budgets.admit(addr, flush.kind, day) {
                Admit::Send => recipients.push(addr.as_str()),
                Admit::HeldForDigest { .. } => held.push(addr.as_str()),
            }
        }
        self.summary.held_for_digest += held.len() as u64;
        self.summary.notifications += 1;
        let spike = flush
            .alerts
            .iter()
            .filter_map(|a| match &a.why {
                Why::Spike {
                    count,
                    baseline,
                    threshold,
                    window_minutes,
                } => Some((*count, *baseline, *threshold, *window_minutes)),
                _ => None,
            })
            .max_by_key(|s| s.0);
        let mention_ids = flush.mention_ids();
        let count = match spike {
            Some((c, ..)) => c,
            None => mention_ids.len().max(flush.alerts.len()) as u64,
        };
        let line = OutLine {
            rule: &flush.rule,
            kind: flush.kind,
            brand: flush.brand.as_deref(),
            fired_at: time(flush.at),
            count,
            baseline: spike.map(|s| round3(s.1)),
            threshold: spike.map(|s| round3(s.2)),
            window_minutes: spike.map(|s| s.3),
            alerts: flush.alerts.len(),
            repeat: flush.repeat,
            first_at: time(flush.first_at),
            detected_at: time(flush.alerts.first().map_or(flush.at, |a| a.at)),
            mention_ids,
            recipients,
            held_for_digest: held,
            why: flush.alerts.first().map(|a| &a.why),
        };
        serde_json::to_writer(&mut self.out, &line).map_err(|e| BacktestError::Write(e.into()))?;
        self.out.write_all(b"\n").map_err(BacktestError::Write)
    }
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
