//! Reading the backtest's JSONL input into compact rows.
//!
//! Every line is parsed as it is read, so a bad line is reported with its number before any
//! replay starts. Rows are small fixed-size records (strings interned) so that millions of
//! mentions fit in memory and can be sorted; url, title and text are kept only when a
//! spreading rule needs them.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::BufRead;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

use super::BacktestError;

/// One input mention, as compact as possible.
#[derive(Debug, Clone, Copy)]
pub(super) struct Row {
    /// Published time, Unix nanoseconds.
    pub ts: i64,
    pub id: i64,
    pub compound: f64,
    /// NaN when absent.
    pub rating: f64,
    pub brand: u32,
    pub source: u32,
    /// 0 = unknown.
    pub lang: u32,
    /// Index into [`Input::texts`], or `u32::MAX`.
    pub text: u32,
}

/// Url, title and text of a mention (kept only for spreading rules).
#[derive(Debug)]
pub(super) struct Texts {
    pub url: Box<str>,
    pub title: Box<str>,
    pub text: Box<str>,
}

/// Everything read from the input.
#[derive(Debug, Default)]
pub(super) struct Input {
    pub rows: Vec<Row>,
    /// Interned strings (brands, sources, languages); index 0 is "".
    pub strings: Vec<Box<str>>,
    pub texts: Vec<Texts>,
    /// Whether the input was out of time order (and has been sorted).
    pub reordered: bool,
    /// Ratings outside 0..1, ignored.
    pub ignored_ratings: u64,
}

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    brand: Cow<'a, str>,
    #[serde(borrow)]
    published_at: Cow<'a, str>,
    compound: f64,
    #[serde(default, borrow)]
    url: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    title: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    source: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    text: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    lang: Option<Cow<'a, str>>,
    #[serde(default)]
    rating: Option<f64>,
    #[serde(default, deserialize_with = "de_id")]
    id: Option<i64>,
}

/// An integer id is used; any other id (a string, …) falls back to the line number.
fn de_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Int(i64),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Id::deserialize(d)? {
        Id::Int(i) => Some(i),
        Id::Other(_) => None,
    })
}

struct Interner {
    index: HashMap<Box<str>, u32>,
}

impl Interner {
    fn id(&mut self, strings: &mut Vec<Box<str>>, s: &str) -> u32 {
        if s.is_empty() {
            return 0;
        }
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = u32::try_from(strings.len()).unwrap_or(u32::MAX);
        strings.push(s.into());
        self.index.insert(s.into(), i);
        i
    }
}

/// Read and check every line; sort by published time (stable) when out of order.
pub(super) fn read(mut input: impl BufRead, keep_texts: bool) -> Result<Input, BacktestError> {
    let mut out = Input {
        strings: vec!["".into()],
        ..Input::default()
    };
    let mut interner = Interner {
        index: HashMap::new(),
    };
    let mut buf = Vec::with_capacity(4096);
    let mut line_no: u64 = 0;
    let mut last_ts = i64::MIN;
    loop {
        buf.clear();
        let n = input
            .read_until(b'\n', &mut buf)
            .map_err(|source| BacktestError::Read {
                line: line_no + 1,
                source,
            })?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let mut bytes = buf.as_slice();
        if line_no == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let bad = |message: String| BacktestError::Line {
            line: line_no,
            message,
        };
        let line: Line<'_> = serde_json::from_slice(bytes).map_err(|e| bad(json_message(&e)))?;
        if line.brand.trim().is_empty() {
            return Err(bad("\"brand\" is empty".into()));
        }
        let ts = DateTime::parse_from_rfc3339(line.published_at.trim())
            .map_err(|e| {
                bad(format!(
                    "\"published_at\": \"{}\" is not an RFC 3339 time ({e}); write e.g. \"2024-05-01T10:00:00Z\"",
                    line.published_at.escape_debug()
                ))
            })?
            .with_timezone(&Utc);
        let ts = ts
            .timestamp_nanos_opt()
            .ok_or_else(|| bad("\"published_at\" is out of range (years 1678..2262)".into()))?;
        if !(line.compound.is_finite() && (-1.0..=1.0).contains(&line.compound)) {
            return Err(bad(format!(
                "\"compound\" is {}, outside -1..1",
                line.compound
            )));
        }
        let rating = match line.rating {
            Some(r) if (0.0..=1.0).contains(&r) => r,
            Some(_) => {
                out.ignored_ratings += 1;
                f64::NAN
            }
            None => f64::NAN,
        };
        let text = if keep_texts {
            let s = |v: &Option<Cow<'_, str>>| v.as_deref().unwrap_or("").into();
            out.texts.push(Texts {
                url: s(&line.url),
                title: s(&line.title),
                text: s(&line.text),
            });
            u32::try_from(out.texts.len() - 1).unwrap_or(u32::MAX)
        } else {
            u32::MAX
        };
        if ts < last_ts {
            out.reordered = true;
        }
        last_ts = last_ts.max(ts);
        let strings = &mut out.strings;
        out.rows.push(Row {
            ts,
            id: line
                .id
                .unwrap_or_else(|| i64::try_from(line_no).unwrap_or(i64::MAX)),
            compound: line.compound,
            rating,
            brand: interner.id(strings, line.brand.trim()),
            source: interner.id(strings, line.source.as_deref().unwrap_or("")),
            lang: interner.id(strings, line.lang.as_deref().unwrap_or("")),
            text,
        });
    }
    if out.reordered {
        out.rows.sort_by_key(|r| r.ts);
    }
    Ok(out)
}

/// serde_json's message without its own "at line 1 column N" (we name the file's line).
fn json_message(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let msg = match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg,
    };
    format!("{msg} (column {})", e.column())
}
