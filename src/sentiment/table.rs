//! A read-only word table tuned for the scorer's hot loop.
//!
//! Nearly all lexicon words are at most 16 bytes, so keys live inline in the
//! slots of an open-addressing table (linear probing, load ≤ 1/2), hashed as
//! two 64-bit words. A one-byte tag per slot (16 KB for the English lexicon,
//! cache-resident) settles almost every miss, and most tokens are misses; a hit
//! reads one slot. No pointer chasing, no string comparison call. Longer keys
//! go to an ordinary map.

use super::text::FastMap;

/// Longest key stored inline.
pub(crate) const INLINE: usize = 16;

#[derive(Clone, Copy)]
struct Slot<V: Copy> {
    k0: u64,
    k1: u64,
    /// Key length; 0 marks an empty slot.
    len: u8,
    val: V,
}

/// Immutable string → `V` map.
pub(crate) struct WordTable<V: Copy + Default> {
    /// 0 = empty slot, else 0x80 | top 7 bits of the hash.
    tags: Vec<u8>,
    slots: Vec<Slot<V>>,
    mask: usize,
    long: FastMap<Box<str>, V>,
}

#[inline]
fn load(s: &[u8]) -> (u64, u64) {
    let mut a = [0u8; INLINE];
    a[..s.len()].copy_from_slice(s);
    let (x, y) = a.split_at(8);
    let mut b0 = [0u8; 8];
    let mut b1 = [0u8; 8];
    b0.copy_from_slice(x);
    b1.copy_from_slice(y);
    (u64::from_le_bytes(b0), u64::from_le_bytes(b1))
}

#[inline]
fn tag(h: u64) -> u8 {
    ((h >> 57) as u8) | 0x80
}

#[inline]
fn hash(k0: u64, k1: u64, len: usize) -> u64 {
    let r = u128::from(k0 ^ 0x243f_6a88_85a3_08d3)
        * u128::from(k1 ^ 0x1319_8a2e_0370_7344 ^ (len as u64).rotate_left(56));
    (r as u64) ^ ((r >> 64) as u64)
}

impl<V: Copy + Default> WordTable<V> {
    /// Builds the table from `(key, value)` pairs (keys unique).
    pub(crate) fn build<'a>(pairs: impl Iterator<Item = (&'a str, V)>) -> WordTable<V> {
        let pairs: Vec<(&str, V)> = pairs.collect();
        let cap = (pairs.len() * 2).next_power_of_two().max(16);
        let empty = Slot {
            k0: 0,
            k1: 0,
            len: 0,
            val: V::default(),
        };
        let mut t = WordTable {
            tags: vec![0; cap],
            slots: vec![empty; cap],
            mask: cap - 1,
            long: FastMap::default(),
        };
        for (k, v) in pairs {
            let b = k.as_bytes();
            if b.is_empty() || b.len() > INLINE {
                t.long.insert(k.into(), v);
                continue;
            }
            let (k0, k1) = load(b);
            let h = hash(k0, k1, b.len());
            let mut i = h as usize & t.mask;
            loop {
                let s = &mut t.slots[i];
                if s.len == 0 || (s.k0 == k0 && s.k1 == k1 && s.len as usize == b.len()) {
                    t.tags[i] = tag(h);
                    *s = Slot {
                        k0,
                        k1,
                        len: b.len() as u8,
                        val: v,
                    };
                    break;
                }
                i = (i + 1) & t.mask;
            }
        }
        t
    }

    /// Looks a key up.
    #[inline]
    pub(crate) fn get(&self, key: &str) -> Option<&V> {
        let b = key.as_bytes();
        if b.is_empty() || b.len() > INLINE {
            return self.long.get(key);
        }
        let (k0, k1) = load(b);
        self.probe(k0, k1, b.len())
    }

    /// Looks up a key given as two little-endian words (zero-padded) and its length.
    #[inline]
    pub(crate) fn probe(&self, k0: u64, k1: u64, len: usize) -> Option<&V> {
        let h = hash(k0, k1, len);
        let want = tag(h);
        let mut i = h as usize & self.mask;
        loop {
            let t = self.tags[i];
            if t == 0 {
                return None;
            }
            if t == want {
                let s = &self.slots[i];
                if s.k0 == k0 && s.k1 == k1 && s.len as usize == len {
                    return Some(&s.val);
                }
            }
            i = (i + 1) & self.mask;
        }
    }

    /// All values.
    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.slots
            .iter()
            .filter(|s| s.len > 0)
            .map(|s| &s.val)
            .chain(self.long.values())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_inline_and_long_keys_and_misses() {
        let words = [
            "good",
            "bad",
            "a",
            "exactly16bytes!!",
            "muchlongerthansixteen",
            ":)",
        ];
        let t = WordTable::build(words.iter().enumerate().map(|(i, w)| (*w, i as u32 + 1)));
        for (i, w) in words.iter().enumerate() {
            assert_eq!(t.get(w), Some(&(i as u32 + 1)), "{w}");
        }
        assert_eq!(t.get("goo"), None);
        assert_eq!(t.get(""), None);
        assert_eq!(t.get("good\0"), None);
        assert_eq!(t.values().count(), words.len());
    }
}
