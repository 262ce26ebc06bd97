//! Brand-targeted scoring and the star-rating rule.
//!
//! A news article that mentions our brand next to another company's scandal
//! must not inherit the scandal, so the stored score reads only the text about
//! the brand:
//! - when the brand is named in a title line (the first line, ended by a line
//!   break: the pipeline scores "title, newline, body"), the whole item is about
//!   the brand and the whole text is scored ("Nimbo Air lost my luggage" + the
//!   letter);
//! - otherwise the sentences that contain the brand, each with the sentence
//!   that follows it ([`FOLLOWING_SENTENCES`]) unless that one names another
//!   entity (a capitalised word after its first word), because complaints go
//!   on with pronouns ("I flew Nimbo Air. My bag never arrived.") while news
//!   moves on by naming someone else ("Meanwhile BigCorp faces…");
//! - short posts and reviews (at most [`SHORT_TEXT_SENTENCES`] sentences) are
//!   about the brand as a whole: when the brand's sentences carry no sentiment
//!   term there, the whole text is used.
//!
//! Rating rule: a star rating r (normalised to 0..=1) maps linearly to a
//! compound 2r − 1 (1★ = −1, 3★ = 0, 5★ = +1); the stored compound is
//! `RATING_WEIGHT · rating + (1 − RATING_WEIGHT) · text`. The rating is the
//! reviewer's own verdict, so it outweighs the text; the text still moves a
//! 3★ review or tempers a sarcastic 1★ one. The explanation gets a
//! "(rating …)" term so the terms still add up to the raw sum behind the score.

use super::core::{denormalize, normalize};
use super::text::py_round;
use super::types::{Label, LangChoice, MentionScore, Score, Term};
use super::{Analyzer, lang};

/// Weight of the star rating in the combined compound.
pub const RATING_WEIGHT: f64 = 0.6;
/// Texts with at most this many sentences fall back to the whole text when the
/// brand's sentences are neutral.
pub const SHORT_TEXT_SENTENCES: usize = 3;

/// Sentences after each brand sentence that still count as being about it.
pub const FOLLOWING_SENTENCES: usize = 1;

/// Abbreviations whose period does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "st", "vs", "etc", "inc", "ltd", "co", "corp", "jr", "sr", "sra",
    "srta", "dra", "ud", "uds", "no", "núm", "p.ej", "e.g", "i.e", "approx", "aprox",
];

/// Byte ranges of the sentences of `text` (ends at `.`, `!`, `?`, `…` followed by
/// whitespace, and at line breaks), trimmed, never empty.
pub fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let end_here = match c {
            '\n' => true,
            '.' | '!' | '?' | '…' => {
                let next_ws = iter.peek().is_none_or(|(_, n)| n.is_whitespace());
                let more_punct = iter
                    .peek()
                    .is_some_and(|(_, n)| matches!(n, '.' | '!' | '?' | '…'));
                next_ws && !more_punct && !(c == '.' && is_abbreviation(&text[start..i]))
            }
            _ => false,
        };
        if end_here {
            push_trimmed(text, start, i + c.len_utf8(), &mut out);
            start = i + c.len_utf8();
        }
    }
    push_trimmed(text, start, text.len(), &mut out);
    out
}

fn is_abbreviation(before: &str) -> bool {
    let word = before
        .rsplit(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("")
        .to_lowercase();
    (word.chars().count() == 1 && word.chars().all(char::is_alphabetic))
        || ABBREVIATIONS.contains(&word.as_str())
}

fn push_trimmed(text: &str, a: usize, b: usize, out: &mut Vec<(usize, usize)>) {
    let s = &text[a..b];
    let lead = s.len() - s.trim_start().len();
    let t = s.trim();
    if !t.is_empty() {
        out.push((a + lead, a + lead + t.len()));
    }
}

/// Whether a sentence names someone: a capitalised word (two letters or more, not
/// "I" forms) anywhere but at its start.
fn names_other_entity(sentence: &str) -> bool {
    sentence.split_whitespace().skip(1).any(|w| {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric());
        let mut chars = w.chars();
        chars.next().is_some_and(char::is_uppercase)
            && chars.next().is_some()
            && !w.starts_with("I'")
    })
}

/// Compound of a normalised star rating (0..=1): 2r − 1.
pub fn rating_compound(rating: f64) -> f64 {
    2.0 * rating.clamp(0.0, 1.0) - 1.0
}

pub(crate) fn score_mention(
    an: &Analyzer,
    text: &str,
    spans: &[(usize, usize)],
    rating: Option<f64>,
    choice: LangChoice,
) -> MentionScore {
    let lang = match choice {
        LangChoice::Fixed(l) => l,
        LangChoice::Auto => lang::detect_with(an, text),
    };
    let whole = an.score_in(text, lang);
    let sents = sentences(text);
    let names = |(a, b): &(usize, usize)| spans.iter().any(|(s, e)| s < b && e > a);
    let in_headline = sents
        .first()
        .is_some_and(|first| names(first) && text[first.1..].starts_with('\n'));
    let picked: Vec<&(usize, usize)> = sents
        .iter()
        .enumerate()
        .filter(|&(i, sent)| {
            names(sent)
                || (!names_other_entity(&text[sent.0..sent.1])
                    && (i.saturating_sub(FOLLOWING_SENTENCES)..i).any(|j| names(&sents[j])))
        })
        .map(|(_, s)| s)
        .collect();
    let mut target =
        if spans.is_empty() || in_headline || picked.is_empty() || picked.len() == sents.len() {
            whole.clone()
        } else {
            let joined: Vec<&str> = picked.iter().map(|(a, b)| &text[*a..*b]).collect();
            let t = an.score_in(&joined.join(" "), lang);
            if t.terms.is_empty() && sents.len() <= SHORT_TEXT_SENTENCES {
                whole.clone()
            } else {
                t
            }
        };
    if let Some(r) = rating.filter(|r| r.is_finite()) {
        combine_rating(&mut target, r);
    }
    MentionScore {
        score: target,
        whole,
    }
}

/// Applies the rating rule (module doc) to a text score.
fn combine_rating(s: &mut Score, rating: f64) {
    let rc = rating_compound(rating);
    let combined = RATING_WEIGHT * rc + (1.0 - RATING_WEIGHT) * s.compound;
    let raw_target = denormalize(combined);
    let raw_text = s.raw_sum();
    s.terms.push(Term {
        term: format!("(rating {:.0}%)", rating.clamp(0.0, 1.0) * 100.0),
        weight: raw_target - raw_text,
    });
    s.compound = py_round(normalize(raw_target), 4);
    s.label = Label::from_compound(s.compound);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_entity_is_seen_in_a_sentence() {
        assert!(names_other_entity("Meanwhile BigCorp faces a scandal."));
        assert!(!names_other_entity(
            "My bag never arrived and I'm still waiting."
        ));
        assert!(!names_other_entity(
            "Una estafa, nunca más vuelo con ellos."
        ));
    }

    #[test]
    fn splits_sentences_but_not_abbreviations_or_decimals() {
        let t = "Mr. Smith paid 3.5 dollars. It was great! Really?\nYes";
        let s: Vec<&str> = sentences(t).iter().map(|(a, b)| &t[*a..*b]).collect();
        assert_eq!(
            s,
            [
                "Mr. Smith paid 3.5 dollars.",
                "It was great!",
                "Really?",
                "Yes"
            ]
        );
    }

    #[test]
    fn rating_maps_linearly() {
        assert_eq!(rating_compound(0.0), -1.0);
        assert_eq!(rating_compound(0.5), 0.0);
        assert_eq!(rating_compound(1.0), 1.0);
    }
}
