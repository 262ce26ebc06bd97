//! Human-readable and JSON renderings of a [`Score`] (the `vigia score` CLI
//! contract: `{"compound","pos","neu","neg","label","lang","reliable","terms"}`).

use super::core::NORMALIZATION_ALPHA;
use super::types::Score;
use serde_json::{Value, json};
use std::fmt::Write;

/// Decimals of term weights in JSON.
pub const TERM_WEIGHT_DECIMALS: i32 = 3;

/// Multi-line explanation: label, compound, shares, and each term's weight.
pub fn explain(score: &Score) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} (compound {:+.4}, language {}{})",
        score.label,
        score.compound,
        score.lang,
        if score.reliable {
            ""
        } else {
            ", no pack for this language: unreliable"
        }
    );
    let _ = writeln!(
        s,
        "shares: positive {:.3}, neutral {:.3}, negative {:.3}",
        score.pos, score.neu, score.neg
    );
    if score.terms.is_empty() {
        s.push_str("no sentiment-bearing terms\n");
        return s;
    }
    let sum = score.raw_sum();
    let _ = writeln!(
        s,
        "terms (weight after rules; sum {sum:+.3}, compound = sum / sqrt(sum² + {NORMALIZATION_ALPHA})):"
    );
    let width = score
        .terms
        .iter()
        .map(|t| t.term.chars().count())
        .max()
        .unwrap_or(0);
    for t in &score.terms {
        let pad = width - t.term.chars().count();
        let _ = writeln!(s, "  {}{}  {:+.3}", t.term, " ".repeat(pad), t.weight);
    }
    s
}

fn round(x: f64) -> f64 {
    let p = 10f64.powi(TERM_WEIGHT_DECIMALS);
    (x * p).round() / p
}

/// JSON object for one score (see the module doc for the shape).
pub fn to_json(score: &Score) -> Value {
    let terms: Vec<Value> = score
        .terms
        .iter()
        .map(|t| json!([t.term, round(t.weight)]))
        .collect();
    json!({
        "compound": score.compound,
        "pos": score.pos,
        "neu": score.neu,
        "neg": score.neg,
        "label": score.label.as_str(),
        "lang": score.lang.code(),
        "reliable": score.reliable,
        "terms": terms,
    })
}
