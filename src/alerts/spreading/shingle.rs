//! Text → a bounded set of hashed word shingles (the near-duplicate fingerprint).
//!
//! Words are folded (lowercase, accents removed, anything not a letter or digit splits),
//! so "Público" and "publico," are the same word. Three-word shingles survive light
//! rewriting (one changed word breaks only the three shingles around it) while two
//! unrelated articles share almost none. The sketch keeps the `k` smallest shingle hashes
//! (a bottom-k sample): the same hashes are kept for the same text wherever it appears, so
//! overlap between two sketches stays a fair sample of overlap between the texts, and a
//! long article costs no more memory or time than `k` hashes.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Words per shingle.
pub const SHINGLE_WORDS: usize = 3;

/// A sorted, deduplicated sample of a text's shingle hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sketch {
    /// Smallest shingle hashes, ascending.
    pub hashes: Vec<u64>,
    /// Whether the text had more shingles than were kept.
    pub truncated: bool,
}

impl Sketch {
    /// Largest hash value this sketch has complete knowledge of.
    pub fn horizon(&self) -> u64 {
        match (self.truncated, self.hashes.last()) {
            (true, Some(&h)) => h,
            _ => u64::MAX,
        }
    }

    /// Number of kept hashes at or below `horizon`.
    pub fn count_upto(&self, horizon: u64) -> usize {
        self.hashes.partition_point(|&h| h <= horizon)
    }

    /// The overlap coefficient with `other` given `shared` common hashes: shared divided
    /// by the smaller set, both restricted to hashes both sketches fully know.
    pub fn overlap(&self, other: &Sketch, shared: usize) -> f64 {
        let horizon = self.horizon().min(other.horizon());
        let smaller = self.count_upto(horizon).min(other.count_upto(horizon));
        if smaller == 0 {
            0.0
        } else {
            shared as f64 / smaller as f64
        }
    }
}

/// Fingerprint the title and text of a mention, keeping at most `k` hashes.
pub fn sketch(title: &str, text: &str, k: usize) -> Sketch {
    let mut words = Vec::new();
    fold_words(title, &mut words);
    fold_words(text, &mut words);
    let mut hashes: Vec<u64> = if words.len() < SHINGLE_WORDS {
        if words.is_empty() {
            Vec::new()
        } else {
            vec![mix(words.iter().fold(0, |acc, &w| acc.rotate_left(21) ^ w))]
        }
    } else {
        words
            .windows(SHINGLE_WORDS)
            .map(|w| mix(w[0] ^ w[1].rotate_left(21) ^ w[2].rotate_left(42)))
            .collect()
    };
    hashes.sort_unstable();
    hashes.dedup();
    let truncated = hashes.len() > k;
    hashes.truncate(k);
    Sketch { hashes, truncated }
}

/// Append the hash of every folded word of `s` to `out`.
fn fold_words(s: &str, out: &mut Vec<u64>) {
    const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = FNV_OFFSET;
    let mut in_word = false;
    let feed = |c: char, h: &mut u64, in_word: &mut bool| {
        for l in c.to_lowercase() {
            *h = (*h ^ u64::from(u32::from(l))).wrapping_mul(FNV_PRIME);
        }
        *in_word = true;
    };
    for c in s.chars() {
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                feed(c.to_ascii_lowercase(), &mut h, &mut in_word);
                continue;
            }
        } else if c.is_alphanumeric() {
            decompose_canonical(c, |d| {
                if !is_combining_mark(d) {
                    feed(d, &mut h, &mut in_word);
                }
            });
            continue;
        } else if is_combining_mark(c) {
            continue;
        }
        if in_word {
            out.push(h);
            h = FNV_OFFSET;
            in_word = false;
        }
    }
    if in_word {
        out.push(h);
    }
}

/// A 64-bit finaliser (splitmix64) so bottom-k picks an unbiased sample of shingles.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_accents_and_punctuation() {
        let a = sketch("", "El PÚBLICO critica la subida, otra vez!", 64);
        let b = sketch("", "el publico  critica la subida otra vez", 64);
        assert_eq!(a, b);
        assert_eq!(a.hashes.len(), 5);
    }

    #[test]
    fn one_changed_word_keeps_most_shingles() {
        let a = sketch("", "one two three four five six seven eight nine ten", 64);
        let b = sketch("", "one two three four FIVE! six seven eight nine ten", 64);
        assert_eq!(a, b);
        let c = sketch("", "one two three four 5 six seven eight nine ten", 64);
        let shared = a.hashes.iter().filter(|h| c.hashes.contains(h)).count();
        assert_eq!(shared, 5, "8 shingles, 3 broken by the change");
        assert!((a.overlap(&c, shared) - 5.0 / 8.0).abs() < 1e-9);
    }

    #[test]
    fn bottom_k_keeps_the_smallest_and_marks_truncation() {
        let text: String = (0..500).map(|i| format!("w{i} ")).collect();
        let s = sketch("", &text, 64);
        assert_eq!(s.hashes.len(), 64);
        assert!(s.truncated);
        assert!(s.hashes.windows(2).all(|w| w[0] < w[1]));
        assert!(s.horizon() < u64::MAX);
    }

    #[test]
    fn short_and_empty_texts() {
        assert!(sketch("", " ,.; ", 64).hashes.is_empty());
        assert_eq!(sketch("Acme", "down", 64).hashes.len(), 1);
    }
}
