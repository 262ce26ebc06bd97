//! Report: stored mentions and sources rendered for people (tables) and tools (JSONL, CSV).
//!
//! The JSONL shape of `vigia mentions --format jsonl` is a contract other tools read, so it
//! is built in one place ([`mention_json`]) and tested. CSV cells that a spreadsheet would
//! run as formulas are neutralised, because mention text comes from strangers.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::store::{MentionRow, OutboxRow, SourceRow};

/// Output formats of `vigia mentions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for a terminal.
    Table,
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
}

/// Unix seconds → RFC 3339 (UTC).
pub fn rfc3339(ts: i64) -> String {
    DateTime::<Utc>::from_timestamp(ts, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// One mention as the JSONL contract: id, brand, source, url, title, snippet,
/// published_at, fetched_at, lang, compound, label, status (+ terms, rating).
pub fn mention_json(m: &MentionRow) -> Value {
    let terms: Value = serde_json::from_str(&m.terms).unwrap_or(Value::Array(vec![]));
    json!({
        "id": m.id,
        "brand": m.brand,
        "source": m.source,
        "url": m.url,
        "title": m.title,
        "snippet": m.snippet,
        "published_at": m.published_at.map(rfc3339),
        "fetched_at": rfc3339(m.fetched_at),
        "lang": m.lang,
        "compound": m.compound,
        "label": m.label,
        "status": m.status,
        "terms": terms,
        "rating": m.rating,
    })
}

/// Render mentions in `format`.
pub fn mentions(rows: &[MentionRow], format: Format) -> String {
    match format {
        Format::Jsonl => rows
            .iter()
            .map(|m| format!("{}\n", mention_json(m)))
            .collect(),
        Format::Csv => {
            let mut out = csv_line(&[
                "id",
                "brand",
                "source",
                "url",
                "title",
                "snippet",
                "published_at",
                "fetched_at",
                "lang",
                "compound",
                "label",
                "status",
            ]);
            for m in rows {
                out.push_str(&csv_line(&[
                    &m.id.to_string(),
                    &m.brand,
                    &m.source,
                    m.url.as_deref().unwrap_or(""),
                    &m.title,
                    &m.snippet,
                    &m.published_at.map(rfc3339).unwrap_or_default(),
                    &rfc3339(m.fetched_at),
                    &m.lang,
                    &format!("{:.4}", m.compound),
                    &m.label,
                    &m.status,
                ]));
            }
            out
        }
        Format::Table => {
            let mut t = Table::new(&[
                "id",
                "published",
                "brand",
                "source",
                "score",
                "label",
                "lang",
                "title",
            ]);
            for m in rows {
                t.row(vec![
                    m.id.to_string(),
                    minute(m.published_at.unwrap_or(m.fetched_at)),
                    m.brand.clone(),
                    m.source.clone(),
                    format!("{:+.2}", m.compound),
                    m.label.clone(),
                    m.lang.clone(),
                    m.title.clone(),
                ]);
            }
            t.render()
        }
    }
}

/// The `vigia sources` health table; `stale_after(name)` gives each source's threshold.
pub fn sources(rows: &[SourceRow], now: i64, stale_after: impl Fn(&str) -> i64) -> String {
    let mut t = Table::new(&[
        "source",
        "state",
        "last success",
        "last new item",
        "last error",
        "next check",
        "items",
        "errors",
    ]);
    for s in rows {
        t.row(vec![
            s.name.clone(),
            s.health(now, stale_after(&s.name)).as_str().to_string(),
            s.last_success_at.map_or("never".into(), |t| ago(now - t)),
            s.last_new_at.map_or("never".into(), |t| ago(now - t)),
            s.last_error.clone().unwrap_or_default(),
            if s.next_check_at <= now {
                "due now".into()
            } else {
                format!("in {}", human_secs(s.next_check_at - now))
            },
            s.items_last_seen.to_string(),
            s.error_count.to_string(),
        ]);
    }
    t.render()
}

/// The `vigia outbox` table.
pub fn outbox(rows: &[OutboxRow], now: i64) -> String {
    let mut t = Table::new(&[
        "id",
        "status",
        "channel",
        "to",
        "queued",
        "attempts",
        "next / sent",
        "subject",
        "last error",
    ]);
    for r in rows {
        let when = match (r.status.as_str(), r.sent_at) {
            ("sent", Some(at)) => ago(now - at),
            ("dead", _) => "-".into(),
            _ if r.next_attempt_at <= now => "due now".into(),
            _ => format!("in {}", human_secs(r.next_attempt_at - now)),
        };
        t.row(vec![
            r.id.to_string(),
            r.status.clone(),
            r.message.channel.clone(),
            r.message.recipient.clone(),
            ago(now - r.created_at),
            r.attempts.to_string(),
            when,
            r.message.subject.clone(),
            r.last_error.clone().unwrap_or_default(),
        ]);
    }
    t.render()
}

/// "estafa −3.1, pésimo −2.9" from the stored terms JSON.
pub fn top_terms(terms_json: &str, n: usize) -> String {
    let mut terms: Vec<(String, f64)> = serde_json::from_str(terms_json).unwrap_or_default();
    terms.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    let list: Vec<String> = terms
        .iter()
        .take(n)
        .map(|(t, w)| format!("{t} {w:+.1}"))
        .collect();
    if list.is_empty() {
        "(no sentiment words)".into()
    } else {
        list.join(", ")
    }
}

/// "3m ago", "2h ago", "5d ago".
pub fn ago(secs: i64) -> String {
    format!("{} ago", human_secs(secs.max(0)))
}

fn human_secs(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

/// Unix seconds → "2026-11-22 14:30" (UTC).
pub fn minute(ts: i64) -> String {
    DateTime::<Utc>::from_timestamp(ts, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// One CSV record (RFC 4180 quoting), cells that start a formula neutralised.
pub fn csv_line(cells: &[&str]) -> String {
    let mut out = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let cell = neutralise_formula(cell);
        if cell.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&cell);
        }
    }
    out.push_str("\r\n");
    out
}

/// A cell starting with `=`, `+`, `-`, `@`, tab or CR would run as a formula in a
/// spreadsheet: prefix it with an apostrophe (OWASP's advice). Plain numbers stay numbers.
pub fn neutralise_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().is_err() {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// A plain-text table with columns sized to fit (cells cut at [`Table::MAX_CELL`]).
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    const MAX_CELL: usize = 60;

    fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows
            .push(cells.into_iter().map(|c| cut(&c, Self::MAX_CELL)).collect());
    }

    fn render(&self) -> String {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut s = cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect::<Vec<_>>()
                .join("  ");
            s.truncate(s.trim_end().len());
            s.push('\n');
            s
        };
        let mut out = line(&self.header);
        for r in &self.rows {
            out.push_str(&line(r));
        }
        out
    }
}

/// At most `max` characters, control characters removed, "…" where cut.
pub fn cut(text: &str, max: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() <= max {
        clean
    } else {
        let mut s: String = clean.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn w07_csv_neutralises_formulas_but_not_numbers() {
        assert_eq!(
            neutralise_formula("=HYPERLINK(\"x\")"),
            "'=HYPERLINK(\"x\")"
        );
        assert_eq!(neutralise_formula("+1+1"), "'+1+1");
        assert_eq!(neutralise_formula("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise_formula("-0.5"), "-0.5");
        assert_eq!(
            csv_line(&["a,b", "say \"hi\""]),
            "\"a,b\",\"say \"\"hi\"\"\"\r\n"
        );
    }

    #[test]
    fn cut_removes_control_chars_and_marks_the_cut() {
        assert_eq!(cut("a\nb", 10), "a b");
        assert_eq!(cut("abcdef", 4), "abc…");
    }
}
