//! Evaluation on the shared corpora (`../shared/eval/`), read in place.
//!
//! For each set and both modes: Pearson r against the human mean rating (VADER
//! sets only: SentiMP-21 has discrete labels), accuracy, macro-F1 and weighted
//! F1 over three classes. Predicted label: compound at ±0.05. Gold label:
//! VADER sets, the human mean rating (−4..+4) at the same ±0.05 thresholds
//! (in practice its sign); SentiMP-21, the `final_label` column (−1/0/1,
//! majority of 5 annotators). This is a measurement, not a test: nothing here
//! is tuned to these files.

use super::{Analyzer, Label, Lang, LangChoice, Mode};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The VADER ground-truth files (ID, mean rating, text; tab-separated).
pub const VADER_FILES: &[&str] = &[
    "tweets_GroundTruth.txt",
    "movieReviewSnippets_GroundTruth.txt",
    "nytEditorialSnippets_GroundTruth.txt",
];

/// Failure to read an evaluation corpus.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A corpus file is missing or unreadable.
    #[error("cannot read {path}: {source} (pass the shared eval directory, e.g. ../shared/eval)")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A corpus line does not have the expected shape.
    #[error("{path}:{line}: {what} (is this the unmodified shared corpus?)")]
    Format {
        /// The file.
        path: PathBuf,
        /// 1-based line or record number.
        line: usize,
        /// What is wrong.
        what: String,
    },
}

/// One labelled text.
#[derive(Debug, Clone)]
pub struct Item {
    /// The text.
    pub text: String,
    /// Continuous gold rating, when the set has one.
    pub rating: Option<f64>,
    /// Gold label.
    pub gold: Label,
}

/// Reads a VADER ground-truth file.
pub fn read_vader(path: &Path) -> Result<Vec<Item>, EvalError> {
    let raw = read(path)?;
    let mut out = Vec::new();
    for (n, line) in raw.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let mut cols = line.splitn(3, '\t');
        let (_, Some(r), Some(text)) = (cols.next(), cols.next(), cols.next()) else {
            return Err(format_err(path, n + 1, "expected ID<TAB>rating<TAB>text"));
        };
        let rating: f64 = r
            .trim()
            .parse()
            .map_err(|_| format_err(path, n + 1, "rating is not a number"))?;
        out.push(Item {
            text: text.to_string(),
            rating: Some(rating),
            gold: Label::from_compound(rating),
        });
    }
    Ok(out)
}

/// Reads SentiMP-21 `sp_simple.csv` (tweet_id, full_text, final_label).
pub fn read_sentimp(path: &Path) -> Result<Vec<Item>, EvalError> {
    let raw = read(path)?;
    let rows = parse_csv(&raw);
    let mut out = Vec::new();
    for (n, row) in rows.iter().enumerate().skip(1) {
        let (Some(text), Some(label)) = (row.get(1), row.get(2)) else {
            return Err(format_err(path, n + 1, "expected 3 columns"));
        };
        let gold = match label.trim() {
            "-1" => Label::Negative,
            "0" => Label::Neutral,
            "1" => Label::Positive,
            other => return Err(format_err(path, n + 1, &format!("label {other:?}"))),
        };
        out.push(Item {
            text: text.clone(),
            rating: None,
            gold,
        });
    }
    Ok(out)
}

fn read(path: &Path) -> Result<String, EvalError> {
    std::fs::read_to_string(path).map_err(|source| EvalError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn format_err(path: &Path, line: usize, what: &str) -> EvalError {
    EvalError::Format {
        path: path.to_path_buf(),
        line,
        what: what.to_string(),
    }
}

/// Minimal RFC 4180 reader: quoted fields may hold commas, newlines and `""`.
pub fn parse_csv(src: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => {}
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// Classification and correlation figures of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    /// Number of items.
    pub n: usize,
    /// Pearson r of compound vs gold rating (None without ratings).
    pub pearson: Option<f64>,
    /// Share of correct labels.
    pub accuracy: f64,
    /// Unweighted mean of the per-class F1.
    pub macro_f1: f64,
    /// Support-weighted mean of the per-class F1.
    pub weighted_f1: f64,
}

const CLASSES: [Label; 3] = [Label::Negative, Label::Neutral, Label::Positive];

/// Computes [`Metrics`] from (gold, predicted, gold rating, compound) tuples.
pub fn metrics(rows: &[(Label, Label, Option<f64>, f64)]) -> Metrics {
    let n = rows.len();
    let correct = rows.iter().filter(|r| r.0 == r.1).count();
    let (mut macro_f1, mut weighted) = (0.0, 0.0);
    for c in CLASSES {
        let tp = rows.iter().filter(|r| r.0 == c && r.1 == c).count() as f64;
        let pred = rows.iter().filter(|r| r.1 == c).count() as f64;
        let support = rows.iter().filter(|r| r.0 == c).count() as f64;
        let p = if pred > 0.0 { tp / pred } else { 0.0 };
        let r = if support > 0.0 { tp / support } else { 0.0 };
        let f1 = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        macro_f1 += f1 / 3.0;
        weighted += f1 * support / n.max(1) as f64;
    }
    let pairs: Vec<(f64, f64)> = rows.iter().filter_map(|r| r.2.map(|g| (g, r.3))).collect();
    Metrics {
        n,
        pearson: (pairs.len() == n && n > 1).then(|| pearson(&pairs)),
        accuracy: correct as f64 / n.max(1) as f64,
        macro_f1,
        weighted_f1: weighted,
    }
}

fn pearson(p: &[(f64, f64)]) -> f64 {
    let n = p.len() as f64;
    let (mx, my) = (
        p.iter().map(|x| x.0).sum::<f64>() / n,
        p.iter().map(|x| x.1).sum::<f64>() / n,
    );
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in p {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    sxy / (sxx * syy).sqrt()
}

/// Scores `items` with `an` in `lang` and computes the metrics.
pub fn evaluate(an: &Analyzer, items: &[Item], lang: LangChoice) -> Metrics {
    let rows: Vec<_> = items
        .iter()
        .map(|it| {
            let s = an.score(&it.text, lang);
            (it.gold, s.label, it.rating, s.compound)
        })
        .collect();
    metrics(&rows)
}

/// The evaluation printout: one table row per (set, mode).
pub fn report(eval_dir: &Path) -> Result<String, EvalError> {
    let mut sets: Vec<(String, Vec<Item>, Lang)> = Vec::new();
    for f in VADER_FILES {
        let items = read_vader(&eval_dir.join("vader").join(f))?;
        let name = f.trim_end_matches("_GroundTruth.txt").to_string();
        sets.push((name, items, Lang::En));
    }
    let sp = read_sentimp(&eval_dir.join("sentimp21_es").join("sp_simple.csv"))?;
    sets.push(("sentimp21_es".to_string(), sp, Lang::Es));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<22} {:<6} {:>6} {:>9} {:>9} {:>9} {:>11}",
        "set", "mode", "n", "pearson_r", "accuracy", "macro_f1", "weighted_f1"
    );
    for (name, items, lang) in &sets {
        for mode in [Mode::Vader, Mode::Vigia] {
            let an = Analyzer::global(mode);
            let m = evaluate(an, items, LangChoice::Fixed(*lang));
            let r = m.pearson.map_or("-".to_string(), |r| format!("{r:.3}"));
            let _ = writeln!(
                out,
                "{:<22} {:<6} {:>6} {:>9} {:>9.3} {:>9.3} {:>11.3}",
                name,
                mode.as_str(),
                m.n,
                r,
                m.accuracy,
                m.macro_f1,
                m.weighted_f1
            );
        }
    }
    let _ = writeln!(
        out,
        "gold: VADER sets = human mean rating at ±0.05; sentimp21_es = final_label (−1/0/1). \
         predicted: compound at ±0.05. Spanish uses the same pack in both modes."
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_handles_quotes_and_newlines() {
        let rows = parse_csv("a,b,c\n1,\"x, \"\"y\"\"\nz\",-1\n");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1][1], "x, \"y\"\nz");
        assert_eq!(rows[1][2], "-1");
    }

    #[test]
    fn metrics_on_a_tiny_confusion() {
        use Label::*;
        let m = metrics(&[
            (Positive, Positive, None, 0.5),
            (Negative, Negative, None, -0.5),
            (Neutral, Positive, None, 0.3),
            (Negative, Negative, None, -0.2),
        ]);
        assert_eq!(m.accuracy, 0.75);
        assert!(m.pearson.is_none());
        assert!((m.macro_f1 - (2.0 / 3.0 + 1.0) / 3.0).abs() < 1e-9);
    }
}
