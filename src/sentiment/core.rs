//! The arithmetic shared by every pack: punctuation emphasis, the alpha-15
//! normalisation, the pos/neu/neg shares and the explanation terms.
//!
//! Packs differ in how they turn tokens into per-token valences; from there on
//! VADER's formulas apply unchanged, so they are written once, here, in the
//! same order of floating-point operations as the reference (parity is to the
//! fourth decimal, and summation order can move the last bit).

use super::text::py_round;
use super::types::{Label, Lang, Polarity, Score, Term};

/// Normalisation constant: compound = s / sqrt(s² + alpha).
pub const NORMALIZATION_ALPHA: f64 = 15.0;
/// Emphasis added per exclamation mark.
pub const EXCLAMATION_INCR: f64 = 0.292;
/// Exclamation marks that count at most.
pub const MAX_EXCLAMATIONS: usize = 4;
/// Emphasis added per question mark (when 2 or 3 of them).
pub const QUESTION_INCR: f64 = 0.18;
/// Emphasis for more than 3 question marks.
pub const MAX_QUESTION_INCR: f64 = 0.96;
/// ALL-CAPS emphasis of a word when the text is not all caps.
pub const CAPS_INCR: f64 = 0.733;
/// Negation multiplier.
pub const NEGATION_SCALAR: f64 = -0.74;

/// VADER's normalisation of a raw sum into [−1, 1].
pub fn normalize(score: f64) -> f64 {
    let n = score / (score * score + NORMALIZATION_ALPHA).sqrt();
    n.clamp(-1.0, 1.0)
}

/// Inverse of [`normalize`] (for combining compounds on the raw scale).
pub fn denormalize(c: f64) -> f64 {
    let c = c.clamp(-0.9999, 0.9999);
    c * (NORMALIZATION_ALPHA / (1.0 - c * c)).sqrt()
}

/// Punctuation emphasis of a text: up to 4 `!` at 0.292, and 2–3 `?` at 0.18
/// each (0.96 beyond 3).
pub fn punctuation_emphasis(text: &str) -> f64 {
    let (ep, qm) = count_marks(text);
    emphasis(ep, qm)
}

/// Number of `!` and `?` in a text.
pub(crate) fn count_marks(text: &str) -> (usize, usize) {
    let (mut ep, mut qm) = (0usize, 0usize);
    for b in text.bytes() {
        ep += usize::from(b == b'!');
        qm += usize::from(b == b'?');
    }
    (ep, qm)
}

fn emphasis(ep: usize, qm: usize) -> f64 {
    let ep_amp = ep.min(MAX_EXCLAMATIONS) as f64 * EXCLAMATION_INCR;
    let qm_amp = match qm {
        0 | 1 => 0.0,
        2 | 3 => qm as f64 * QUESTION_INCR,
        _ => MAX_QUESTION_INCR,
    };
    ep_amp + qm_amp
}

/// Per-token valences of one text plus what is needed to label them.
#[derive(Debug, Default)]
pub(crate) struct Valences {
    /// One valence per token (0 for neutral tokens).
    pub(crate) sentiments: Vec<f64>,
    /// One label per NON-ZERO valence, in token order.
    pub(crate) labels: Vec<String>,
    /// Whether the pack should build `labels` (false for polarity-only scoring).
    pub(crate) want_labels: bool,
    /// `!` and `?` counted in the analysed text (after emoji replacement: some
    /// emoji descriptions carry a "!").
    pub(crate) marks: (usize, usize),
}

/// VADER's `score_valence` numbers: rounded compound and shares, plus the
/// unrounded valence sum and punctuation emphasis.
pub(crate) struct Shares {
    pub(crate) polarity: Polarity,
    sum: f64,
    amp: f64,
}

/// Computes the shares exactly as VADER's `score_valence`.
pub(crate) fn shares(v: &Valences) -> Shares {
    let (ep, qm) = v.marks;
    let s = &v.sentiments;
    if s.is_empty() {
        return Shares {
            polarity: Polarity::default(),
            sum: 0.0,
            amp: 0.0,
        };
    }
    let mut sum = 0.0f64;
    for x in s {
        sum += *x;
    }
    let amp = emphasis(ep, qm);
    let raw = if sum > 0.0 {
        sum + amp
    } else if sum < 0.0 {
        sum - amp
    } else {
        sum
    };
    let compound = normalize(raw);
    let (mut pos_sum, mut neg_sum, mut neu) = (0.0f64, 0.0f64, 0usize);
    for &x in s {
        if x > 0.0 {
            pos_sum += x + 1.0;
        }
        if x < 0.0 {
            neg_sum += x - 1.0;
        }
        if x == 0.0 {
            neu += 1;
        }
    }
    if pos_sum > neg_sum.abs() {
        pos_sum += amp;
    } else if pos_sum < neg_sum.abs() {
        neg_sum -= amp;
    }
    let total = pos_sum + neg_sum.abs() + neu as f64;
    let compound = py_round(compound, 4);
    Shares {
        polarity: Polarity {
            compound,
            pos: py_round((pos_sum / total).abs(), 3),
            neu: py_round((neu as f64 / total).abs(), 3),
            neg: py_round((neg_sum / total).abs(), 3),
            label: Label::from_compound(compound),
        },
        sum,
        amp,
    }
}

/// Turns per-token valences into a [`Score`]; drains `v.labels` into the terms
/// (the buffers stay for reuse).
pub(crate) fn finish(v: &mut Valences, lang: Lang, reliable: bool) -> Score {
    let Shares {
        polarity: p,
        sum,
        amp,
    } = shares(v);
    let (ep, qm) = v.marks;
    let labels = v.labels.drain(..);
    let mut terms: Vec<Term> = Vec::with_capacity(labels.len() + 1);
    terms.extend(
        v.sentiments
            .iter()
            .filter(|x| **x != 0.0)
            .zip(labels)
            .map(|(x, l)| Term {
                term: l,
                weight: *x,
            }),
    );
    if sum != 0.0 && amp != 0.0 {
        terms.push(Term {
            term: punct_label(ep, qm),
            weight: if sum > 0.0 { amp } else { -amp },
        });
    }
    Score {
        compound: p.compound,
        pos: p.pos,
        neu: p.neu,
        neg: p.neg,
        label: p.label,
        lang,
        reliable,
        terms,
    }
}

fn punct_label(ep: usize, qm: usize) -> String {
    let ep = ep.min(MAX_EXCLAMATIONS);
    let mut l = String::from("(");
    l.extend(std::iter::repeat_n('!', ep));
    if qm > 1 {
        l.extend(std::iter::repeat_n('?', qm.min(4)));
    }
    l.push_str(" emphasis)");
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_and_inverse() {
        assert!((normalize(denormalize(0.5)) - 0.5).abs() < 1e-12);
        assert_eq!(normalize(0.0), 0.0);
    }

    #[test]
    fn punctuation_caps() {
        assert!((punctuation_emphasis("a!!!!!!") - 4.0 * 0.292).abs() < 1e-12);
        assert_eq!(punctuation_emphasis("a?"), 0.0);
        assert!((punctuation_emphasis("a??") - 0.36).abs() < 1e-12);
        assert_eq!(punctuation_emphasis("a????"), 0.96);
    }
}
