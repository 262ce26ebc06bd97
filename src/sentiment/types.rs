//! The value types every caller sees: languages, modes, labels, scores.

use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Compound at or above this is positive (VADER's convention).
pub const POSITIVE_THRESHOLD: f64 = 0.05;
/// Compound at or below this is negative (VADER's convention).
pub const NEGATIVE_THRESHOLD: f64 = -0.05;

/// Language of a text, as far as scoring is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English: VADER pack.
    En,
    /// Spanish: our own pack.
    Es,
    /// Any other language (ISO 639-1 code, or "und" when unknown); scored with
    /// the English pack and flagged unreliable.
    Other(&'static str),
}

impl Lang {
    /// ISO 639-1 code ("en", "es", …, or "und").
    pub fn code(&self) -> &str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
            Lang::Other(c) => c,
        }
    }

    /// Parses "en" / "es" (case-insensitive); anything else is `None`.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "en" | "eng" | "english" => Some(Lang::En),
            "es" | "spa" | "spanish" | "español" => Some(Lang::Es),
            _ => None,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Lang {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// Which rule set scores English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// VADER plus complaint/review domain terms and phrases (the default).
    #[default]
    Vigia,
    /// Exactly vaderSentiment 3.3.2.
    Vader,
}

impl Mode {
    /// "vigia" or "vader".
    pub fn as_str(&self) -> &'static str {
        match self {
            Mode::Vigia => "vigia",
            Mode::Vader => "vader",
        }
    }
}

/// A mode name that is neither "vigia" nor "vader".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown sentiment mode {0:?}: use \"vigia\" (default) or \"vader\"")]
pub struct UnknownMode(pub String);

impl FromStr for Mode {
    type Err = UnknownMode;
    fn from_str(s: &str) -> Result<Mode, UnknownMode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "vigia" => Ok(Mode::Vigia),
            "vader" => Ok(Mode::Vader),
            _ => Err(UnknownMode(s.to_string())),
        }
    }
}

/// Three-way polarity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// compound ≥ 0.05
    Positive,
    /// in between
    Neutral,
    /// compound ≤ −0.05
    Negative,
}

impl Label {
    /// "positive" | "neutral" | "negative".
    pub fn as_str(&self) -> &'static str {
        match self {
            Label::Positive => "positive",
            Label::Neutral => "neutral",
            Label::Negative => "negative",
        }
    }

    /// Label at VADER's ±0.05 thresholds.
    pub fn from_compound(c: f64) -> Label {
        if c >= POSITIVE_THRESHOLD {
            Label::Positive
        } else if c <= NEGATIVE_THRESHOLD {
            Label::Negative
        } else {
            Label::Neutral
        }
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How to pick the language pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LangChoice {
    /// Detect per text.
    #[default]
    Auto,
    /// Use this language (per-source / per-brand override).
    Fixed(Lang),
}

/// One contributing term with its weight after all rules.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Term {
    /// The word or phrase, with its modifier when one applied ("no→bueno").
    pub term: String,
    /// Its valence after negation, boosters, caps, contrast and punctuation.
    pub weight: f64,
}

/// A sentiment score with its explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    /// Normalised sum in [−1, 1], rounded to 4 decimals.
    pub compound: f64,
    /// Positive share, rounded to 3 decimals.
    pub pos: f64,
    /// Neutral share, rounded to 3 decimals.
    pub neu: f64,
    /// Negative share, rounded to 3 decimals.
    pub neg: f64,
    /// Label from `compound` at ±0.05.
    pub label: Label,
    /// Language pack that scored the text.
    pub lang: Lang,
    /// False when the language has no pack of its own (scored with English).
    pub reliable: bool,
    /// Contributing terms; their weights add up to the raw sum behind `compound`.
    pub terms: Vec<Term>,
}

impl Score {
    /// The neutral score of a blank text.
    pub fn neutral(lang: Lang) -> Score {
        Score {
            compound: 0.0,
            pos: 0.0,
            neu: 0.0,
            neg: 0.0,
            label: Label::Neutral,
            lang,
            reliable: true,
            terms: Vec::new(),
        }
    }

    /// Sum of the term weights: the raw valence sum behind `compound`.
    pub fn raw_sum(&self) -> f64 {
        self.terms.iter().map(|t| t.weight).sum()
    }
}

/// The four VADER numbers without the explanation (allocation-free scoring).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Polarity {
    /// Normalised sum in [−1, 1], rounded to 4 decimals.
    pub compound: f64,
    /// Positive share, rounded to 3 decimals.
    pub pos: f64,
    /// Neutral share, rounded to 3 decimals.
    pub neu: f64,
    /// Negative share, rounded to 3 decimals.
    pub neg: f64,
    /// Label from `compound` at ±0.05.
    pub label: Label,
}

impl Default for Polarity {
    fn default() -> Polarity {
        Polarity {
            compound: 0.0,
            pos: 0.0,
            neu: 0.0,
            neg: 0.0,
            label: Label::Neutral,
        }
    }
}

/// Score of one brand mention.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MentionScore {
    /// Brand-targeted score (sentences around the brand, combined with the
    /// star rating when there is one): stored and alerted on.
    pub score: Score,
    /// Score of the whole text.
    pub whole: Score,
}
