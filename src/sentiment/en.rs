//! English pack: VADER 3.3.2's word tables, built once into one fast map.
//!
//! The lexicon and emoji data come from the `vader_sentiment` crate at start-up
//! (its `LEXICON` / `EMOJI_LEXICON`); that crate predates 3.3.2 by two lexicon
//! lines, which [`LEXICON_3_3_2_ADDITIONS`] restores (the parity test over the
//! ground-truth files proves the resulting table is 3.3.2's). The rule tables
//! (negators, boosters, idioms) are the short word lists from the VADER paper
//! and reference; they are typed here because no crate exports them.
//!
//! Every word the rules care about maps to one [`Entry`] so the scorer makes a
//! single hash lookup per token.

use super::table::WordTable;
use super::text::FastMap;

/// Booster increment (`B_INCR`).
pub const B_INCR: f64 = 0.293;
/// Dampener increment (`B_DECR`).
pub const B_DECR: f64 = -0.293;

/// Entries vaderSentiment 3.3.2's `vader_lexicon.txt` has and the
/// `vader_sentiment` crate's copy lacks, plus `:p`, whose value the crate's
/// case-insensitive map takes from the unreachable `:P` line.
pub const LEXICON_3_3_2_ADDITIONS: &[(&str, f64)] = &[("heart", 3.2), ("hearts", 3.3), (":p", 1.0)];

/// Keys only reachable in the crate's case-insensitive map: 3.3.2 lists them
/// with an uppercase thorn, which a lowercased token never equals.
pub const LEXICON_3_3_2_UNREACHABLE: &[&str] = &[":-þ", ":þ"];

/// Words that negate when they precede a sentiment word (VADER `NEGATE`).
pub const NEGATE: &[&str] = &[
    "aint",
    "arent",
    "cannot",
    "cant",
    "couldnt",
    "darent",
    "didnt",
    "doesnt",
    "ain't",
    "aren't",
    "can't",
    "couldn't",
    "daren't",
    "didn't",
    "doesn't",
    "dont",
    "hadnt",
    "hasnt",
    "havent",
    "isnt",
    "mightnt",
    "mustnt",
    "neither",
    "don't",
    "hadn't",
    "hasn't",
    "haven't",
    "isn't",
    "mightn't",
    "mustn't",
    "neednt",
    "needn't",
    "never",
    "none",
    "nope",
    "nor",
    "not",
    "nothing",
    "nowhere",
    "oughtnt",
    "shant",
    "shouldnt",
    "uhuh",
    "wasnt",
    "werent",
    "oughtn't",
    "shan't",
    "shouldn't",
    "uh-uh",
    "wasn't",
    "weren't",
    "without",
    "wont",
    "wouldnt",
    "won't",
    "wouldn't",
    "rarely",
    "seldom",
    "despite",
];

const BOOST_UP: &[&str] = &[
    "absolutely",
    "amazingly",
    "awfully",
    "completely",
    "considerable",
    "considerably",
    "decidedly",
    "deeply",
    "effing",
    "enormous",
    "enormously",
    "entirely",
    "especially",
    "exceptional",
    "exceptionally",
    "extreme",
    "extremely",
    "fabulously",
    "flipping",
    "flippin",
    "frackin",
    "fracking",
    "fricking",
    "frickin",
    "frigging",
    "friggin",
    "fully",
    "fuckin",
    "fucking",
    "fuggin",
    "fugging",
    "greatly",
    "hella",
    "highly",
    "hugely",
    "incredible",
    "incredibly",
    "intensely",
    "major",
    "majorly",
    "more",
    "most",
    "particularly",
    "purely",
    "quite",
    "really",
    "remarkably",
    "so",
    "substantially",
    "thoroughly",
    "total",
    "totally",
    "tremendous",
    "tremendously",
    "uber",
    "unbelievably",
    "unusually",
    "utter",
    "utterly",
    "very",
];

const BOOST_DOWN: &[&str] = &[
    "almost",
    "barely",
    "hardly",
    "kinda",
    "kindof",
    "kind-of",
    "less",
    "little",
    "marginal",
    "marginally",
    "occasional",
    "occasionally",
    "partly",
    "scarce",
    "scarcely",
    "slight",
    "slightly",
    "somewhat",
    "sorta",
    "sortof",
    "sort-of",
];

/// Two-word dampeners of the booster table ("just enough", "kind of", "sort of").
pub const BOOST_BIGRAMS: &[(&str, &str, f64)] = &[
    ("just", "enough", B_DECR),
    ("kind", "of", B_DECR),
    ("sort", "of", B_DECR),
];

/// Idioms whose valence replaces the word's (VADER `SPECIAL_CASES`).
pub const SPECIAL_CASES: &[(&[&str], f64)] = &[
    (&["the", "shit"], 3.0),
    (&["the", "bomb"], 3.0),
    (&["bad", "ass"], 1.5),
    (&["bus", "stop"], 0.0),
    (&["yeah", "right"], -2.0),
    (&["kiss", "of", "death"], -1.5),
    (&["to", "die", "for"], 3.0),
    (&["beating", "heart"], 3.5),
];

/// Identifiers of words that rules test by identity. `NONE` for all others.
pub(crate) mod kw {
    pub const NONE: u8 = 0;
    pub const NO: u8 = 1;
    pub const OR: u8 = 2;
    pub const NOR: u8 = 3;
    pub const NEVER: u8 = 4;
    pub const SO: u8 = 5;
    pub const THIS: u8 = 6;
    pub const WITHOUT: u8 = 7;
    pub const DOUBT: u8 = 8;
    pub const LEAST: u8 = 9;
    pub const AT: u8 = 10;
    pub const VERY: u8 = 11;
    pub const BUT: u8 = 12;
    pub const KIND: u8 = 13;
    pub const OF: u8 = 14;
    /// First id handed to idiom words (the, shit, bomb…).
    pub const FIRST_IDIOM: u8 = 32;
}

/// Everything the rules need to know about one lowercase word (16 bytes, so a
/// token record stays small in the hot loop).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Entry {
    /// Lexicon valence (meaningful when `has_val`).
    valence: f64,
    /// Whether the word is in the lexicon.
    has_val: bool,
    /// Booster direction: +1 booster, −1 dampener, 0 neither.
    boost_sign: i8,
    /// Member of `NEGATE`.
    pub(crate) neg: bool,
    /// Keyword id (see [`kw`]).
    pub(crate) kw: u8,
    /// First word of a vigia domain phrase or pattern.
    pub(crate) phrase_head: bool,
}

impl Entry {
    /// Lexicon valence, if the word is in the lexicon.
    #[inline]
    pub(crate) fn val(&self) -> Option<f64> {
        self.has_val.then_some(self.valence)
    }

    /// Sets or clears the lexicon valence.
    pub(crate) fn set_val(&mut self, v: Option<f64>) {
        self.has_val = v.is_some();
        self.valence = v.unwrap_or(0.0);
    }

    /// Booster/dampener increment (0 when the word is neither).
    #[inline]
    pub(crate) fn boost(&self) -> f64 {
        match self.boost_sign {
            1 => B_INCR,
            -1 => B_DECR,
            _ => 0.0,
        }
    }
}

/// The loaded English tables.
pub(crate) struct EnTables {
    /// Word → entry.
    pub(crate) words: WordTable<Entry>,
    /// Idioms as keyword-id sequences with their valence.
    pub(crate) special: Vec<(Vec<u8>, f64)>,
    /// Booster bigrams as keyword-id pairs.
    pub(crate) boost_bigrams: Vec<([u8; 2], f64)>,
    /// Single-character emoji → English description.
    pub(crate) emoji: FastMap<char, &'static str>,
}

/// Rule keywords with their fixed ids.
const KEYWORDS: &[(&str, u8)] = &[
    ("no", kw::NO),
    ("or", kw::OR),
    ("nor", kw::NOR),
    ("never", kw::NEVER),
    ("so", kw::SO),
    ("this", kw::THIS),
    ("without", kw::WITHOUT),
    ("doubt", kw::DOUBT),
    ("least", kw::LEAST),
    ("at", kw::AT),
    ("very", kw::VERY),
    ("but", kw::BUT),
    ("kind", kw::KIND),
    ("of", kw::OF),
];

impl EnTables {
    /// Builds the VADER 3.3.2 tables; `extra` entries (domain terms) override
    /// or extend the lexicon valences; `heads` are flagged as phrase starts.
    pub(crate) fn build(extra: &[(&str, f64)], heads: &[&str]) -> EnTables {
        let mut words: FastMap<Box<str>, Entry> = FastMap::default();
        words.reserve(8_000);
        // Python looks up `token.lower()`, so only lowercase keys are reachable;
        // the upstream map is case-insensitive, so fold every key to lowercase.
        for (k, v) in vader_sentiment::LEXICON.iter() {
            let key: &str = k;
            words
                .entry(key.to_lowercase().into())
                .or_default()
                .set_val(Some(*v));
        }
        for &(k, v) in LEXICON_3_3_2_ADDITIONS.iter().chain(extra) {
            words.entry(k.into()).or_default().set_val(Some(v));
        }
        for w in heads {
            words.entry((*w).into()).or_default().phrase_head = true;
        }
        for k in LEXICON_3_3_2_UNREACHABLE {
            words.remove(*k);
        }
        for w in NEGATE {
            words.entry((*w).into()).or_default().neg = true;
        }
        for w in BOOST_UP {
            words.entry((*w).into()).or_default().boost_sign = 1;
        }
        for w in BOOST_DOWN {
            words.entry((*w).into()).or_default().boost_sign = -1;
        }
        for &(w, id) in KEYWORDS {
            words.entry(w.into()).or_default().kw = id;
        }
        let mut next = kw::FIRST_IDIOM;
        let mut id_of = |w: &str, words: &mut FastMap<Box<str>, Entry>| -> u8 {
            let e = words.entry(w.into()).or_default();
            if e.kw == kw::NONE {
                e.kw = next;
                next += 1;
            }
            e.kw
        };
        let special = SPECIAL_CASES
            .iter()
            .map(|(ws, v)| (ws.iter().map(|w| id_of(w, &mut words)).collect(), *v))
            .collect();
        let boost_bigrams = BOOST_BIGRAMS
            .iter()
            .map(|&(a, b, v)| ([id_of(a, &mut words), id_of(b, &mut words)], v))
            .collect();
        let mut emoji = FastMap::default();
        for (k, v) in vader_sentiment::EMOJI_LEXICON.iter() {
            let mut cs = k.chars();
            if let (Some(c), None) = (cs.next(), cs.next()) {
                emoji.insert(c, *v);
            }
        }
        EnTables {
            words: WordTable::build(words.iter().map(|(k, v)| (&**k, *v))),
            special,
            boost_bigrams,
            emoji,
        }
    }

    /// Number of lexicon entries with a valence.
    pub(crate) fn lexicon_len(&self) -> usize {
        self.words.values().filter(|e| e.val().is_some()).count()
    }
}
