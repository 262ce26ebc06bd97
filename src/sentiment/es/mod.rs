//! Spanish pack: the team's lexicon (`lexicon.tsv`, `idioms.tsv`, `emoji.tsv`,
//! licence in `LICENSE.md`), expanded once into an accent-folded form table, and
//! the Spanish function words the rules need.
//!
//! The data files are compiled in with `include_str!` so a binary never looks
//! for files at run time; lines that do not parse are skipped (and counted by a
//! test) instead of failing start-up.

mod morph;
mod rules;

use super::text::{FastMap, PhraseMap, fold_accents, push_lower};
use morph::Kind;

pub(crate) use rules::valences_es;

const LEXICON_TSV: &str = include_str!("lexicon.tsv");
const IDIOMS_TSV: &str = include_str!("idioms.tsv");
const EMOJI_TSV: &str = include_str!("emoji.tsv");

/// Extra valence of a superlative (-ísimo) over its lemma, away from zero.
pub const SUPERLATIVE_INCR: f64 = 0.6;
/// Scalar of a diminutive (-ito/-illo) relative to its lemma.
pub const DIMINUTIVE_SCALAR: f64 = 0.9;
/// Booster increment (same as VADER's).
pub const ES_B_INCR: f64 = 0.293;
/// Dampener increment (same as VADER's).
pub const ES_B_DECR: f64 = -0.293;

/// Role of a Spanish function word.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Func {
    /// Negator: no, nunca, jamás, tampoco, ni, sin, nada, nadie, ningún…
    Neg,
    /// "poco" / "apenas": "poco útil" means "not useful".
    WeakNeg,
    /// Booster (+) or dampener (−) increment.
    Boost(f64),
    /// pero / sino / mas: the clause after dominates.
    But,
    /// aunque / si bien: its own clause is backgrounded.
    Though,
}

/// Function words: negators, boosters/dampeners, contrastives (folded keys).
pub const FUNCTION_WORDS: &[(&str, Func)] = &[
    ("no", Func::Neg),
    ("nunca", Func::Neg),
    ("jamas", Func::Neg),
    ("tampoco", Func::Neg),
    ("ni", Func::Neg),
    ("sin", Func::Neg),
    ("nada", Func::Neg),
    ("nadie", Func::Neg),
    ("ningun", Func::Neg),
    ("ninguno", Func::Neg),
    ("ninguna", Func::Neg),
    ("poco", Func::WeakNeg),
    ("apenas", Func::WeakNeg),
    ("muy", Func::Boost(ES_B_INCR)),
    ("super", Func::Boost(ES_B_INCR)),
    ("re", Func::Boost(ES_B_INCR)),
    ("requete", Func::Boost(ES_B_INCR)),
    ("mega", Func::Boost(ES_B_INCR)),
    ("ultra", Func::Boost(ES_B_INCR)),
    ("hiper", Func::Boost(ES_B_INCR)),
    ("bastante", Func::Boost(ES_B_INCR)),
    ("demasiado", Func::Boost(ES_B_INCR)),
    ("demasiada", Func::Boost(ES_B_INCR)),
    ("tan", Func::Boost(ES_B_INCR)),
    ("mucho", Func::Boost(ES_B_INCR)),
    ("mucha", Func::Boost(ES_B_INCR)),
    ("muchisimo", Func::Boost(ES_B_INCR)),
    ("sumamente", Func::Boost(ES_B_INCR)),
    ("realmente", Func::Boost(ES_B_INCR)),
    ("totalmente", Func::Boost(ES_B_INCR)),
    ("completamente", Func::Boost(ES_B_INCR)),
    ("absolutamente", Func::Boost(ES_B_INCR)),
    ("extremadamente", Func::Boost(ES_B_INCR)),
    ("increiblemente", Func::Boost(ES_B_INCR)),
    ("tremendamente", Func::Boost(ES_B_INCR)),
    ("terriblemente", Func::Boost(ES_B_INCR)),
    ("enormemente", Func::Boost(ES_B_INCR)),
    ("altamente", Func::Boost(ES_B_INCR)),
    ("especialmente", Func::Boost(ES_B_INCR)),
    ("verdaderamente", Func::Boost(ES_B_INCR)),
    ("profundamente", Func::Boost(ES_B_INCR)),
    ("francamente", Func::Boost(ES_B_INCR)),
    ("algo", Func::Boost(ES_B_DECR)),
    ("casi", Func::Boost(ES_B_DECR)),
    ("medio", Func::Boost(ES_B_DECR)),
    ("ligeramente", Func::Boost(ES_B_DECR)),
    ("relativamente", Func::Boost(ES_B_DECR)),
    ("levemente", Func::Boost(ES_B_DECR)),
    ("pero", Func::But),
    ("sino", Func::But),
    ("aunque", Func::Though),
];

/// One lookup form.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Form {
    pub(crate) val: f64,
    pub(crate) kind: Kind,
}

/// The loaded Spanish tables.
pub(crate) struct EsPack {
    /// Folded form → valence.
    pub(crate) forms: FastMap<Box<str>, Form>,
    /// Folded function words.
    pub(crate) funcs: FastMap<Box<str>, Func>,
    /// Idioms: folded first word → (folded rest, valence), longest first.
    pub(crate) idioms: PhraseMap,
    /// Single-character emoji → Spanish description.
    pub(crate) emoji: FastMap<char, &'static str>,
}

/// Lowercases and accent-folds one word into a fresh string.
pub(crate) fn fold_word(w: &str) -> String {
    let mut lower = String::with_capacity(w.len());
    push_lower(w, &mut lower);
    let mut out = String::with_capacity(lower.len());
    fold_accents(&lower, &mut out);
    out
}

fn data_lines(src: &str) -> impl Iterator<Item = Vec<&str>> {
    src.lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').collect())
}

impl EsPack {
    /// Parses the data files and derives all forms.
    pub(crate) fn new() -> EsPack {
        let mut forms: FastMap<Box<str>, Form> = FastMap::default();
        let mut put = |k: String, val: f64, kind: Kind| {
            let e = forms
                .entry(k.into_boxed_str())
                .or_insert(Form { val, kind });
            if kind < e.kind {
                *e = Form { val, kind };
            }
        };
        for cols in data_lines(LEXICON_TSV) {
            let (Some(term), Some(v)) = (cols.first(), cols.get(1)) else {
                continue;
            };
            let Ok(val) = v.trim().parse::<f64>() else {
                continue;
            };
            let f = fold_word(term.trim());
            if f.contains(' ') {
                continue;
            }
            for (form, kind) in morph::derive(&f) {
                let v = match kind {
                    Kind::Superlative => (val + SUPERLATIVE_INCR * val.signum()).clamp(-4.0, 4.0),
                    Kind::Diminutive => val * DIMINUTIVE_SCALAR,
                    _ => val,
                };
                put(form, v, kind);
            }
            put(f, val, Kind::Lemma);
        }
        let funcs = FUNCTION_WORDS
            .iter()
            .map(|(w, f)| (Box::<str>::from(*w), *f))
            .collect();
        let mut idioms: PhraseMap = PhraseMap::default();
        for cols in data_lines(IDIOMS_TSV) {
            let (Some(p), Some(v)) = (cols.first(), cols.get(1)) else {
                continue;
            };
            let Ok(val) = v.trim().parse::<f64>() else {
                continue;
            };
            let folded = fold_word(p.trim());
            let mut ws = folded
                .split_whitespace()
                .map(|w| Box::<str>::from(w.trim_matches(super::text::is_wide_punct)));
            let Some(first) = ws.next() else { continue };
            let rest: Vec<Box<str>> = ws.collect();
            if rest.is_empty() {
                put_single(&mut forms, first, val);
                continue;
            }
            idioms.entry(first).or_default().push((rest, val));
        }
        for list in idioms.values_mut() {
            list.sort_by_key(|(r, _)| std::cmp::Reverse(r.len()));
        }
        let mut emoji = FastMap::default();
        for cols in data_lines(EMOJI_TSV) {
            let (Some(e), Some(d)) = (cols.first(), cols.get(1)) else {
                continue;
            };
            let mut cs = e.trim().trim_end_matches('\u{fe0f}').chars();
            if let (Some(c), None) = (cs.next(), cs.next()) {
                emoji.insert(c, *d);
            }
        }
        forms.shrink_to_fit();
        EsPack {
            forms,
            funcs,
            idioms,
            emoji,
        }
    }

    /// Number of lookup forms.
    pub(crate) fn forms_len(&self) -> usize {
        self.forms.len()
    }

    /// Whether a lowercase word is Spanish vocabulary we know (lexicon form or
    /// function word).
    pub(crate) fn knows(&self, word_lower: &str, f: &mut String) -> bool {
        f.clear();
        fold_accents(word_lower, f);
        self.forms.contains_key(f.as_str()) || self.funcs.contains_key(f.as_str())
    }
}

fn put_single(forms: &mut FastMap<Box<str>, Form>, w: Box<str>, val: f64) {
    forms.insert(
        w,
        Form {
            val,
            kind: Kind::Lemma,
        },
    );
}
