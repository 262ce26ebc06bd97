//! Text primitives shared by every language pack: whitespace splitting, edge
//! punctuation stripping, casing predicates and a fast string hasher.
//!
//! VADER 3.3.2 is defined by Python's `str.split()`, `str.strip(string.punctuation)`,
//! `str.isupper()` and `str.lower()`. Parity needs their exact character classes, so
//! they live here as small, allocation-free functions instead of a regex: the
//! tokenizer hands out `&str` slices of the input and never copies a token.

use std::hash::{BuildHasherDefault, Hasher};

/// Python's `str.isspace()` for one character: Unicode `White_Space` plus the
/// four ASCII information separators (U+001C..U+001F) that CPython also splits on.
pub(crate) fn py_is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `string.punctuation` membership.
pub(crate) fn is_ascii_punct(c: char) -> bool {
    c.is_ascii_punctuation()
}

/// Characters stripped from token edges by the Spanish pack in addition to
/// ASCII punctuation (inverted marks, typographic quotes, ellipsis, dashes).
pub(crate) fn is_wide_punct(c: char) -> bool {
    is_ascii_punct(c)
        || matches!(
            c,
            '¿' | '¡'
                | '«'
                | '»'
                | '“'
                | '”'
                | '‘'
                | '’'
                | '…'
                | '–'
                | '—'
                | '·'
                | '′'
                | '´'
        )
}

/// One whitespace-delimited token after VADER's edge-punctuation rule.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawToken<'a> {
    /// The token as VADER sees it (stripped unless that left two chars or fewer).
    pub(crate) text: &'a str,
    /// What closes the whitespace chunk: [`END_NONE`], [`END_CLAUSE`] (`,` `;`
    /// `:`) or [`END_SENTENCE`] (`.` `!` `?` `…`); read by clause-aware rules
    /// outside vader mode.
    pub(crate) end: u8,
}

/// The chunk ends with no boundary punctuation.
pub(crate) const END_NONE: u8 = 0;
/// The chunk ends a clause.
pub(crate) const END_CLAUSE: u8 = 1;
/// The chunk ends a sentence.
pub(crate) const END_SENTENCE: u8 = 2;

/// Splits like Python's `str.split()` and strips edge punctuation like VADER's
/// `_strip_punc_if_word`: when fewer than three characters would survive, the
/// chunk is kept whole (that is how emoticons such as `:)` survive). Calls `f`
/// once per token, in order.
pub(crate) fn tokenize<'a>(text: &'a str, wide: bool, mut f: impl FnMut(RawToken<'a>)) {
    let strip: fn(char) -> bool = if wide { is_wide_punct } else { is_ascii_punct };
    let mut emit = |chunk: &'a str| {
        let end = match chunk.as_bytes().last() {
            Some(b',' | b';' | b':') => END_CLAUSE,
            Some(b'.' | b'!' | b'?') => END_SENTENCE,
            _ if chunk.ends_with('…') => END_SENTENCE,
            _ => END_NONE,
        };
        let stripped = chunk.trim_matches(strip);
        let t = if char_count_le2(stripped) {
            chunk
        } else {
            stripped
        };
        f(RawToken { text: t, end });
    };
    if text.is_ascii() {
        let b = text.as_bytes();
        let mut i = 0;
        while i < b.len() {
            while i < b.len() && is_ascii_space(b[i]) {
                i += 1;
            }
            let st = i;
            while i < b.len() && !is_ascii_space(b[i]) {
                i += 1;
            }
            if i > st {
                emit(&text[st..i]);
            }
        }
        return;
    }
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (py_is_space(c), start) {
            (true, Some(s)) => {
                emit(&text[s..i]);
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        emit(&text[s..]);
    }
}

#[inline]
fn is_ascii_space(b: u8) -> bool {
    b == b' ' || (b'\t'..=b'\r').contains(&b) || (0x1c..=0x1f).contains(&b)
}

fn char_count_le2(s: &str) -> bool {
    if s.len() <= 2 {
        return true;
    }
    let mut n = 0;
    for _ in s.chars() {
        n += 1;
        if n > 2 {
            return false;
        }
    }
    true
}

/// The 31 titlecase letters (general category Lt), which make `isupper()` false.
fn is_titlecase(c: char) -> bool {
    matches!(c as u32,
        0x01C5 | 0x01C8 | 0x01CB | 0x01F2 | 0x1F88..=0x1F8F | 0x1F98..=0x1F9F
        | 0x1FA8..=0x1FAF | 0x1FBC | 0x1FCC | 0x1FFC)
}

/// Python's `str.isupper()`: at least one cased character and none lowercase or titlecase.
pub(crate) fn py_is_upper(s: &str) -> bool {
    let mut cased = false;
    if s.is_ascii() {
        for b in s.bytes() {
            if b.is_ascii_lowercase() {
                return false;
            }
            cased |= b.is_ascii_uppercase();
        }
        return cased;
    }
    for c in s.chars() {
        if c.is_lowercase() || is_titlecase(c) {
            return false;
        }
        cased |= c.is_uppercase();
    }
    cased
}

/// Appends the lowercase form of `s` (Python `str.lower()`) to `buf`.
pub(crate) fn push_lower(s: &str, buf: &mut String) {
    if s.is_ascii() {
        let at = buf.len();
        buf.push_str(s);
        // SAFETY-free: ASCII lowercasing of an ASCII suffix keeps UTF-8 valid.
        buf[at..].make_ascii_lowercase();
    } else {
        buf.push_str(&s.to_lowercase());
    }
}

/// Folds a lowercase word to ASCII-ish form for accent-insensitive lookup:
/// strips acute/grave/circumflex/diaeresis from vowels; keeps `ñ` (it is a
/// different letter in Spanish: "año" vs "ano").
pub(crate) fn fold_accents(s: &str, out: &mut String) {
    for c in s.chars() {
        let f = match c {
            'á' | 'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            other => other,
        };
        out.push(f);
    }
}

/// FxHash-style hasher: lexicon keys are short trusted strings, so a fast
/// multiplicative hash beats SipHash several times over in the hot loop.
#[derive(Default, Clone, Copy)]
pub(crate) struct FastHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut a = [0u8; 8];
            a.copy_from_slice(c);
            self.add(u64::from_le_bytes(a));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut a = [0u8; 8];
            a[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(a) ^ ((rest.len() as u64) << 59));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A `HashMap` keyed by strings with [`FastHasher`].
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// Phrase table: folded first word → (remaining words, valence), longest first.
pub(crate) type PhraseMap = FastMap<Box<str>, Vec<(Vec<Box<str>>, f64)>>;

/// Python's `round(x, n)`: correctly rounded from the exact binary value. The
/// scaled value decides unless it lies within 1e-7 of a tie, where the exact
/// decimal expansion (Rust's fixed-precision formatting) decides.
pub(crate) fn py_round(x: f64, digits: usize) -> f64 {
    const POW: [f64; 5] = [1.0, 10.0, 100.0, 1000.0, 10000.0];
    if digits < POW.len() && x.is_finite() && x.abs() < 1e9 {
        let p = POW[digits];
        let y = x * p;
        let frac = (y - y.trunc()).abs();
        if (frac - 0.5).abs() > 1e-7 {
            return y.round() / p;
        }
    }
    let s = format!("{x:.digits$}");
    s.parse().unwrap_or(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<&str> {
        let mut v = Vec::new();
        tokenize(s, false, |t| v.push(t.text));
        v
    }

    #[test]
    fn strips_edge_punctuation_but_keeps_emoticons() {
        assert_eq!(
            toks("WOAH!!! ,Who? DO u Think you're?? :) :D :^("),
            [
                "WOAH", "Who", "DO", "u", "Think", "you're", ":)", ":D", ":^("
            ]
        );
        assert_eq!(toks("-- ok..."), ["--", "ok..."]);
    }

    #[test]
    fn python_isupper() {
        assert!(py_is_upper("GREAT!"));
        assert!(!py_is_upper(":)"));
        assert!(!py_is_upper("Great"));
        assert!(py_is_upper("ÁRBOL"));
    }

    #[test]
    fn python_round_matches_half_even_on_binary_value() {
        assert_eq!(py_round(0.12345, 4), 0.1235);
        assert_eq!(py_round(-0.00005, 4), -0.0001);
        assert_eq!(py_round(2.675, 2), 2.67);
    }
}
