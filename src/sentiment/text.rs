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
    /// The whitespace chunk is an @mention or a link (read by the Spanish pack).
    pub(crate) name_like: bool,
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
        let stripped = if wide {
            chunk.trim_matches(strip)
        } else {
            trim_ascii_punct(chunk)
        };
        let t = if char_count_le2(stripped) {
            chunk
        } else {
            stripped
        };
        let name_like =
            chunk.starts_with('@') || chunk.starts_with("www.") || chunk.contains("://");
        f(RawToken {
            text: t,
            end,
            name_like,
        });
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

/// Byte classes for the ASCII fast path: bit 0 = Python whitespace, bit 1 =
/// `string.punctuation`.
pub(crate) static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        if b == b' ' || (b >= b'\t' && b <= b'\r') || (b >= 0x1c && b <= 0x1f) {
            t[i] = 1;
        }
        if b.is_ascii_punctuation() {
            t[i] |= 2;
        }
        i += 1;
    }
    t
};

/// `str.strip(string.punctuation)` on bytes (ASCII punctuation is one byte).
#[inline]
fn trim_ascii_punct(s: &str) -> &str {
    let b = s.as_bytes();
    let (mut a, mut e) = (0, b.len());
    while a < e && CLASS[b[a] as usize] & 2 != 0 {
        a += 1;
    }
    while e > a && CLASS[b[e - 1] as usize] & 2 != 0 {
        e -= 1;
    }
    // Only ASCII bytes were skipped, so both ends are char boundaries.
    s.get(a..e).unwrap_or(s)
}

#[inline]
pub(crate) fn is_ascii_space(b: u8) -> bool {
    b <= b' ' && CLASS[b as usize] & 1 != 0
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

/// Appends the lowercase form of `s` to `buf`; returns Python's `s.isupper()`
/// and whether `s` contains an apostrophe.
#[inline]
pub(crate) fn push_lower_upper(s: &str, buf: &mut String) -> (bool, bool) {
    if !s.is_ascii() {
        push_lower(s, buf);
        return (py_is_upper(s), s.contains('\''));
    }
    let at = buf.len();
    buf.push_str(s);
    let (mut up, mut low, mut apos) = (false, false, false);
    for &b in s.as_bytes() {
        up |= b.is_ascii_uppercase();
        low |= b.is_ascii_lowercase();
        apos |= b == b'\'';
    }
    if up {
        buf[at..].make_ascii_lowercase();
    }
    (up && !low, apos)
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

const K1: u64 = 0x243f_6a88_85a3_08d3;
const K2: u64 = 0x1319_8a2e_0370_7344;
const K3: u64 = 0xa409_3822_299f_31d0;

#[inline]
fn fold_mul(a: u64, b: u64) -> u64 {
    let r = u128::from(a) * u128::from(b);
    (r as u64) ^ ((r >> 64) as u64)
}

#[inline]
fn read8(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

#[inline]
fn read4(b: &[u8]) -> u64 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[..4]);
    u64::from(u32::from_le_bytes(a))
}

impl Hasher for FastHasher {
    /// Short keys (the common case) hash with two overlapping loads and one
    /// folded multiply; longer ones fold 16 bytes at a time.
    #[inline]
    fn write(&mut self, b: &[u8]) {
        let n = b.len();
        let (mut lo, mut hi) = if n >= 8 {
            (read8(b), read8(&b[n - 8..]))
        } else if n >= 4 {
            (read4(b), read4(&b[n - 4..]))
        } else if n > 0 {
            (
                u64::from(b[0]) | (u64::from(b[n / 2]) << 8) | (u64::from(b[n - 1]) << 16),
                0,
            )
        } else {
            (0, 0)
        };
        let mut h = self.0 ^ (n as u64).wrapping_mul(K3);
        if n > 16 {
            let mut i = 8;
            while i + 8 < n - 8 {
                h = fold_mul(h ^ read8(&b[i..]) ^ K1, read8(&b[i + 8..]) ^ K2);
                i += 16;
            }
            lo ^= h;
            hi ^= h.rotate_left(17);
        }
        self.0 = fold_mul(lo ^ K1 ^ h, hi ^ K2);
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.0 ^= u64::from(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.0 = fold_mul(self.0 ^ i as u64 ^ K1, K2);
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.0 = fold_mul(self.0 ^ u64::from(i) ^ K1, K2);
    }
    #[inline]
    fn finish(&self) -> u64 {
        fold_mul(self.0, K3)
    }
}

/// A `HashMap` keyed by strings with [`FastHasher`].
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FastHasher>>;

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// SWAR helpers over 8 ASCII bytes (every byte < 0x80).
pub(crate) mod swar {
    use super::{HI, LO};

    /// High bit set in each byte within `lo..=hi`.
    #[inline]
    fn in_range(x: u64, lo: u8, hi: u8) -> u64 {
        let a = (x | HI).wrapping_sub(LO * u64::from(lo));
        let b = (x | HI).wrapping_sub(LO * u64::from(hi + 1));
        a & !b & HI
    }

    /// Bytes `A..=Z`.
    #[inline]
    pub(crate) fn upper(x: u64) -> u64 {
        in_range(x, b'A', b'Z')
    }

    /// Bytes `a..=z`.
    #[inline]
    pub(crate) fn lower(x: u64) -> u64 {
        in_range(x, b'a', b'z')
    }

    /// ASCII lowercase of 8 bytes.
    #[inline]
    pub(crate) fn to_lower(x: u64) -> u64 {
        x | (upper(x) >> 2)
    }

    /// Whether any byte equals `b` (all bytes must be non-zero-extended with
    /// a value other than `b` beyond the key).
    #[inline]
    pub(crate) fn has_byte(x: u64, b: u8) -> bool {
        let v = x ^ (LO * u64::from(b));
        (v.wrapping_sub(LO) & !v & HI) != 0
    }

    /// High bit set in bytes ≤ 0x20 (Python whitespace candidates).
    #[inline]
    pub(crate) fn le_space(x: u64) -> u64 {
        !(x | HI).wrapping_sub(LO * 0x21) & HI
    }

    /// Little-endian word at `p[i..i + 8]`.
    #[inline]
    pub(crate) fn read(p: &[u8], i: usize) -> u64 {
        let mut a = [0u8; 8];
        a.copy_from_slice(&p[i..i + 8]);
        u64::from_le_bytes(a)
    }

    /// Mask keeping the first `n` bytes (n ≤ 8).
    #[inline]
    pub(crate) fn keep(n: usize) -> u64 {
        if n >= 8 { !0 } else { (1u64 << (8 * n)) - 1 }
    }
}

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
