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
mod table;
mod target;
mod text;
mod types;
mod vader;

pub use core::{denormalize, normalize, punctuation_emphasis};
pub use explain::{explain, to_json};
pub use lang::detect;
pub use target::{RATING_WEIGHT, rating_compound, sentences};
pub use types::{
    Label, Lang, LangChoice, MentionScore, Mode, NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD, Polarity,
    Score, Term, UnknownMode,
};

use std::cell::RefCell;
use std::sync::OnceLock;

/// The scorer: every lexicon built once into lookup tables.
pub struct Analyzer {
    mode: Mode,
    en: en::EnTables,
    domain: Option<domain::Domain>,
    es: es::EsPack,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("mode", &self.mode)
            .field("english_lexicon", &self.english_lexicon_len())
            .field("spanish_forms", &self.spanish_forms_len())
            .finish()
    }
}

thread_local! {
    /// Per-thread valence buffers reused across calls.
    static VALENCES: RefCell<core::Valences> = RefCell::new(core::Valences::default());
}

static VIGIA: OnceLock<Analyzer> = OnceLock::new();
static VADER: OnceLock<Analyzer> = OnceLock::new();

impl Analyzer {
    /// Builds the tables for `mode`.
    pub fn new(mode: Mode) -> Analyzer {
        let (en, domain) = match mode {
            Mode::Vader => (en::EnTables::build(&[], &[]), None),
            Mode::Vigia => (
                en::EnTables::build(domain::DOMAIN_WORDS, &domain::head_words()),
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
        VALENCES.with(|cell| match cell.try_borrow_mut() {
            Ok(mut v) => self.score_into(text, lang, &mut v),
            Err(_) => self.score_into(text, lang, &mut core::Valences::default()),
        })
    }

    /// The four VADER numbers only: the same values as [`Analyzer::score`]
    /// without building the explanation (no allocation on the hot path; for
    /// bulk scoring and evaluation).
    pub fn polarity(&self, text: &str, lang: LangChoice) -> Polarity {
        let lang = match lang {
            LangChoice::Fixed(l) => l,
            LangChoice::Auto => lang::detect_with(self, text),
        };
        VALENCES.with(|cell| match cell.try_borrow_mut() {
            Ok(mut v) => {
                v.want_labels = false;
                self.valences_into(text, lang, &mut v);
                v.want_labels = true;
                core::shares(&v).polarity
            }
            Err(_) => {
                let mut v = core::Valences::default();
                self.valences_into(text, lang, &mut v);
                core::shares(&v).polarity
            }
        })
    }

    fn valences_into(&self, text: &str, lang: Lang, v: &mut core::Valences) {
        match lang {
            Lang::Es => es::valences_es(&self.es, &self.en, text, v),
            Lang::En | Lang::Other(_) => vader::valences(&self.en, self.domain.as_ref(), text, v),
        }
    }

    fn score_into(&self, text: &str, lang: Lang, v: &mut core::Valences) -> Score {
        v.want_labels = true;
        self.valences_into(text, lang, v);
        core::finish(v, lang, !matches!(lang, Lang::Other(_)))
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

    /// Word evidence for language detection: (English lexicon hit, Spanish
    /// vocabulary hit); `fold` is a scratch buffer.
    pub(crate) fn lexicon_evidence(&self, word_lower: &str, fold: &mut String) -> (bool, bool) {
        let en = self
            .en
            .words
            .get(word_lower)
            .is_some_and(|e| e.val().is_some());
        (en, self.es.knows(word_lower, fold))
    }
}
