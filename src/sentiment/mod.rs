//! Sentiment engine: lexicon and rules, English and Spanish, brand-targeted and
//! explainable.
//!
//! Shape, and why:
//! - `vader` mode is vaderSentiment 3.3.2 to the fourth decimal (our own code,
//!   its data from the `vader_sentiment` crate), so scores can be compared with
//!   the literature and with other tools; `vigia` mode (default) is the same
//!   rules plus complaint/review vocabulary ([`domain`], `DOMAIN.md`).
//! - Spanish is a second pack ([`es`]) with its own lexicon files (`es/*.tsv`),
//!   morphology (inflection, -ísimo, diminutives, accent folding) and rules
//!   (negators, boosters, pero/aunque/sin embargo, idioms).
//! - Language is picked per text ([`lang`]) among the packs we have, with word
//!   evidence, because general detectors guess wrong on short texts.
//! - [`Analyzer`] builds all tables once (a few MB) and is `Send + Sync`;
//!   scoring is one pass with one hash lookup per token and no regex.
//! - Every [`Score`] carries its terms with weights after all rules; they add up
//!   to the raw sum behind `compound`.

mod core;
mod domain;
mod en;
mod es;
pub mod eval;
mod explain;
mod lang;
mod target;
mod text;
mod types;
mod vader;

pub use core::{denormalize, normalize};
pub use explain::{explain, to_json};
pub use lang::detect;
pub use target::{RATING_WEIGHT, rating_compound, sentences};
pub use types::{
    Label, Lang, LangChoice, MentionScore, Mode, NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD, Score,
    Term, UnknownMode,
};

use std::sync::OnceLock;

/// The scorer: every lexicon built once into lookup tables.
pub struct Analyzer {
    mode: Mode,
    en: en::EnTables,
    domain: Option<domain::Domain>,
    es: es::EsPack,
}

static VIGIA: OnceLock<Analyzer> = OnceLock::new();
static VADER: OnceLock<Analyzer> = OnceLock::new();

impl Analyzer {
    /// Builds the tables for `mode`.
    pub fn new(mode: Mode) -> Analyzer {
        let (en, domain) = match mode {
            Mode::Vader => (en::EnTables::build(&[]), None),
            Mode::Vigia => (
                en::EnTables::build(domain::DOMAIN_WORDS),
                Some(domain::Domain::new()),
            ),
        };
        Analyzer {
            mode,
            en,
            domain,
            es: es::EsPack::new(),
        }
    }

    /// The process-wide analyzer for `mode`, built on first use.
    pub fn global(mode: Mode) -> &'static Analyzer {
        match mode {
            Mode::Vigia => VIGIA.get_or_init(|| Analyzer::new(Mode::Vigia)),
            Mode::Vader => VADER.get_or_init(|| Analyzer::new(Mode::Vader)),
        }
    }

    /// The mode this analyzer scores in.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Number of English lexicon entries (VADER's plus domain words).
    pub fn english_lexicon_len(&self) -> usize {
        self.en.lexicon_len()
    }

    /// Number of Spanish lookup forms (lemmas plus derived inflections).
    pub fn spanish_forms_len(&self) -> usize {
        self.es.forms_len()
    }

    /// Scores a whole text.
    pub fn score(&self, text: &str, lang: LangChoice) -> Score {
        let lang = match lang {
            LangChoice::Fixed(l) => l,
            LangChoice::Auto => lang::detect_with(self, text),
        };
        self.score_in(text, lang)
    }

    /// Scores `text` with the pack for `lang` (other languages: English pack,
    /// `reliable = false`).
    pub fn score_in(&self, text: &str, lang: Lang) -> Score {
        match lang {
            Lang::Es => {
                let v = es::valences_es(&self.es, &self.en, text);
                core::finish(v, text, Lang::Es, true)
            }
            Lang::En => core::finish(self.en_valences(text), text, Lang::En, true),
            Lang::Other(_) => core::finish(self.en_valences(text), text, lang, false),
        }
    }

    fn en_valences(&self, text: &str) -> core::Valences {
        vader::valences(&self.en, self.domain.as_ref(), text)
    }

    /// Scores a brand mention: the sentences containing `brand_spans` (byte
    /// ranges into `text`), combined with a star `rating` (0..=1) when present,
    /// plus the whole text. Rules: [`target`].
    pub fn score_mention(
        &self,
        text: &str,
        brand_spans: &[(usize, usize)],
        rating: Option<f64>,
        lang: LangChoice,
    ) -> MentionScore {
        target::score_mention(self, text, brand_spans, rating, lang)
    }

    /// Word evidence for language detection: (English hits, Spanish hits).
    pub(crate) fn lexicon_evidence(&self, word_lower: &str) -> (bool, bool) {
        let en = self
            .en
            .words
            .get(word_lower)
            .is_some_and(|e| e.val.is_some());
        (en, self.es.knows(word_lower))
    }
}
