//! vigia mode's English domain layer: complaint and review vocabulary VADER
//! lacks, multiword phrases, and two small patterns (waiting times, star
//! ratings). Every entry is justified in `src/sentiment/DOMAIN.md`.
//!
//! Words extend/override the VADER lexicon (so negation and boosters apply to
//! them as to any lexicon word). Phrases are matched on lowercase tokens before
//! the rules run: the first token carries the phrase valence and the following
//! tokens are absorbed (neutral), so "not worth the money" or "really never
//! again" still get VADER's negation and booster rules at the phrase head.

use super::en::Entry;
use super::text::PhraseMap;
use super::vader::Toks;

/// Single words added to (or re-valued in) the VADER lexicon in vigia mode.
pub const DOMAIN_WORDS: &[(&str, f64)] = &[
    // money and billing
    ("refund", -1.2),
    ("refunds", -1.2),
    ("overcharged", -2.4),
    ("overcharge", -2.2),
    ("overcharging", -2.4),
    ("ripoff", -2.6),
    ("rip-off", -2.6),
    ("scammed", -2.9),
    ("scammer", -2.9),
    ("scammers", -2.9),
    ("scamming", -2.8),
    ("overpriced", -1.8),
    ("fees", -0.6),
    ("chargeback", -1.6),
    ("shady", -1.8),
    ("sketchy", -1.5),
    ("deceptive", -2.2),
    ("legit", 1.2),
    // service
    ("unresponsive", -2.0),
    ("unhelpful", -1.9),
    ("unreliable", -1.8),
    ("reliable", 1.6),
    ("prompt", 1.0),
    ("professional", 1.3),
    ("knowledgeable", 1.6),
    ("attentive", 1.7),
    ("nightmare", -2.7),
    ("hassle", -1.5),
    ("hassle-free", 1.9),
    ("seamless", 1.9),
    ("beware", -2.1),
    ("mediocre", -1.4),
    // products and apps
    ("buggy", -1.8),
    ("glitch", -1.3),
    ("glitchy", -1.8),
    ("crashes", -1.6),
    ("crashed", -1.6),
    ("crashing", -1.6),
    ("laggy", -1.6),
    ("outage", -1.8),
    ("outages", -1.8),
    ("flimsy", -1.6),
    ("leaking", -1.4),
    ("counterfeit", -2.3),
    ("garbage", -2.2),
    ("junk", -1.9),
    ("trash", -1.9),
    // food and hospitality
    ("filthy", -2.6),
    ("spotless", 2.0),
    ("tasty", 2.0),
    ("bland", -1.2),
    ("soggy", -1.3),
    ("stale", -1.3),
    ("cockroach", -2.2),
    ("cockroaches", -2.2),
    ("bedbugs", -2.6),
    // delivery
    ("delays", -1.3),
    ("canceled", -1.0),
    ("punctual", 1.6),
];

/// Multiword phrases (lowercase tokens, edge punctuation stripped) and their valence.
pub const DOMAIN_PHRASES: &[(&str, f64)] = &[
    ("never again", -2.6),
    ("never ever again", -2.8),
    ("never coming back", -2.6),
    ("never going back", -2.6),
    ("will not be back", -2.4),
    ("won't be back", -2.4),
    ("wont be back", -2.4),
    ("not coming back", -2.4),
    ("will definitely be back", 2.2),
    ("will be back", 1.6),
    ("still waiting", -2.0),
    ("still no refund", -2.6),
    ("no refund", -2.2),
    ("no response", -1.9),
    ("no reply", -1.9),
    ("no answer", -1.6),
    ("no one answered", -2.0),
    ("nobody answered", -2.0),
    ("no one answers", -2.0),
    ("nobody answers", -2.0),
    ("put on hold", -1.4),
    ("on hold for", -1.6),
    ("hung up on me", -2.4),
    ("hung up", -1.6),
    ("customer service", 0.0),
    ("customer support", 0.0),
    ("waste of money", -2.6),
    ("waste of time", -2.4),
    ("rip off", -2.6),
    ("ripped off", -2.7),
    ("ripped me off", -2.8),
    ("stay away", -2.3),
    ("steer clear", -2.3),
    ("do not buy", -2.4),
    ("don't buy", -2.4),
    ("dont buy", -2.4),
    ("do not recommend", -2.3),
    ("would not recommend", -2.3),
    ("wouldn't recommend", -2.3),
    ("not as described", -2.0),
    ("not as advertised", -2.0),
    ("stopped working", -2.1),
    ("doesn't work", -1.9),
    ("does not work", -1.9),
    ("didn't work", -1.9),
    ("did not work", -1.9),
    ("not working", -1.8),
    ("fell apart", -2.0),
    ("broke after", -2.0),
    ("never arrived", -2.4),
    ("never received", -2.4),
    ("never showed up", -2.3),
    ("lost my package", -2.2),
    ("wrong order", -1.7),
    ("wrong item", -1.7),
    ("cold food", -1.4),
    ("hidden fees", -2.1),
    ("hidden charges", -2.1),
    ("charged twice", -2.3),
    ("double charged", -2.3),
    ("cancel my subscription", -1.2),
    ("went above and beyond", 2.9),
    ("above and beyond", 2.7),
    ("highly recommend", 2.6),
    ("highly recommended", 2.6),
    ("works great", 2.3),
    ("works perfectly", 2.5),
    ("works as expected", 1.5),
    ("as described", 1.2),
    ("on time", 1.0),
    ("arrived early", 1.5),
    ("fast shipping", 1.8),
    ("quick response", 1.6),
    ("value for money", 1.6),
    ("worth every penny", 2.6),
    ("five stars", 2.6),
    ("5 stars", 2.6),
    ("one star", -2.6),
    ("1 star", -2.6),
    ("zero stars", -2.9),
    ("0 stars", -2.9),
    ("two stars", -1.6),
    ("2 stars", -1.6),
    ("three stars", 0.0),
    ("3 stars", 0.0),
    ("four stars", 1.6),
    ("4 stars", 1.6),
    ("10/10", 2.6),
    ("0/10", -2.6),
    ("1/10", -2.5),
    ("5/5", 2.6),
    ("1/5", -2.6),
];

/// Valence of "waited/waiting (for) N minutes|hours|days|weeks" (lower for minutes).
pub const WAIT_VALENCE: [(&str, f64); 8] = [
    ("minutes", -1.2),
    ("mins", -1.2),
    ("hour", -1.6),
    ("hours", -2.0),
    ("day", -1.8),
    ("days", -2.0),
    ("weeks", -2.3),
    ("months", -2.5),
];

const WAIT_VERBS: &[&str] = &["waited", "waiting", "wait", "waits", "held", "hold"];
const WAIT_FILLERS: &[&str] = &[
    "for", "over", "almost", "nearly", "about", "more", "than", "an", "a", "another",
];
const NUMBER_WORDS: &[&str] = &[
    "two", "three", "four", "five", "six", "several", "many", "45", "an", "a",
];

/// First words of the phrases and patterns (flagged in the word table so the
/// matcher only looks at tokens that can start one).
pub(crate) fn head_words() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = DOMAIN_PHRASES
        .iter()
        .filter_map(|(p, _)| p.split(' ').next())
        .chain(WAIT_VERBS.iter().copied())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The compiled phrase table.
pub(crate) struct Domain {
    /// First word → (remaining words, valence), longest first.
    phrases: PhraseMap,
}

impl Domain {
    /// Compiles [`DOMAIN_PHRASES`].
    pub(crate) fn new() -> Domain {
        let mut phrases: PhraseMap = PhraseMap::default();
        for (p, v) in DOMAIN_PHRASES {
            let mut ws = p.split(' ');
            let Some(first) = ws.next() else { continue };
            phrases
                .entry(first.into())
                .or_default()
                .push((ws.map(Into::into).collect(), *v));
        }
        for list in phrases.values_mut() {
            list.sort_by_key(|(rest, _)| std::cmp::Reverse(rest.len()));
        }
        Domain { phrases }
    }

    /// Marks phrase matches in `toks`: the head gets the phrase valence, the
    /// rest is absorbed.
    pub(crate) fn apply(&self, toks: &mut Toks) {
        let n = toks.t.len();
        let mut i = 0;
        while i < n {
            if !toks.t[i].e.phrase_head {
                i += 1;
                continue;
            }
            let found = self.match_at(toks, i);
            if let Some((len, v)) = found {
                let head = &mut toks.t[i];
                head.e = Entry::default();
                head.e.set_val((v != 0.0).then_some(v));
                head.negw = false;
                head.span = (len - 1) as u8;
                for j in i + 1..i + len {
                    toks.t[j].e = Entry::default();
                    toks.t[j].negw = false;
                }
                i += len;
            } else {
                i += 1;
            }
        }
    }

    fn match_at(&self, toks: &Toks, i: usize) -> Option<(usize, f64)> {
        let n = toks.t.len();
        if let Some(list) = self.phrases.get(toks.lo(i)) {
            for (rest, v) in list {
                if i + rest.len() < n {
                    let ok = rest
                        .iter()
                        .enumerate()
                        .all(|(k, w)| i + 1 + k < n && toks.lo(i + 1 + k) == &**w);
                    if ok {
                        return Some((rest.len() + 1, *v));
                    }
                }
            }
        }
        wait_pattern(toks, i)
    }
}

/// "waited two hours", "waiting for over 3 weeks", "on hold for an hour".
fn wait_pattern(toks: &Toks, i: usize) -> Option<(usize, f64)> {
    let n = toks.t.len();
    if !WAIT_VERBS.contains(&toks.lo(i)) {
        return None;
    }
    let mut j = i + 1;
    let mut saw_number = false;
    while j < n && j < i + 6 {
        let w = toks.lo(j);
        if let Some((_, v)) = WAIT_VALENCE.iter().find(|(u, _)| *u == w) {
            return saw_number.then_some((j - i + 1, *v));
        }
        if w.bytes().all(|b| b.is_ascii_digit()) || NUMBER_WORDS.contains(&w) {
            saw_number = true;
        } else if !WAIT_FILLERS.contains(&w) {
            return None;
        }
        j += 1;
    }
    None
}
