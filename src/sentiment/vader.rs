//! English rules: VADER 3.3.2's per-token valence rules, written from the paper
//! and the reference's observable behaviour, plus the hook where vigia's domain
//! phrases enter.
//!
//! Each token is looked up once ([`Tok`] carries everything the rules ask
//! about it: lexicon valence, booster increment, negator flag, keyword id, case),
//! so the rules below compare small integers instead of strings. Where the
//! reference has a quirk that moves scores (the contrastive "but" re-weights the
//! FIRST token with an equal valence, not the token itself), `vader` mode keeps
//! it for parity and `vigia` mode uses the intended positional rule.

use super::core::{CAPS_INCR, NEGATION_SCALAR, Valences, count_marks};
use super::domain::Domain;
use super::en::{EnTables, Entry, kw};
use super::table::INLINE;
use super::text::{CLASS, is_ascii_space, push_lower_upper, swar, tokenize};
use std::borrow::Cow;
use std::cell::RefCell;

/// Scalar applied before a contrastive conjunction.
pub const BUT_BEFORE: f64 = 0.5;
/// Scalar applied after a contrastive conjunction.
pub const BUT_AFTER: f64 = 1.5;
/// "never so/this good": emphasis instead of negation.
pub const NEVER_SO_SCALAR: f64 = 1.25;
/// Booster dampening at distance 2 and 3.
pub const BOOST_DISTANCE: [f64; 3] = [1.0, 0.95, 0.9];

/// One token as the rules see it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Tok {
    /// Byte range of the lowercase form in the lowercase buffer.
    pub(crate) lo: (u32, u32),
    /// Table entry of the lowercase form.
    pub(crate) e: Entry,
    /// Python `isupper()` of the token.
    pub(crate) upper: bool,
    /// Negator (`NEGATE` member or contains "n't").
    pub(crate) negw: bool,
    /// Tokens after this one that a domain phrase absorbed into it.
    pub(crate) span: u8,
}

/// Tokens plus their lowercase buffer.
#[derive(Debug, Default)]
pub(crate) struct Toks {
    pub(crate) t: Vec<Tok>,
    pub(crate) lower: String,
    /// Space-padded copy of an ASCII text (scratch for 8-byte reads).
    padded: Vec<u8>,
}

impl Toks {
    /// Lowercase form of token `i`.
    pub(crate) fn lo(&self, i: usize) -> &str {
        let (a, b) = self.t[i].lo;
        &self.lower[a as usize..b as usize]
    }
}

/// Replaces single-character emoji by their description, like the reference
/// (a space before the description unless one precedes it, none after).
pub(crate) fn replace_emoji<'a>(
    text: &'a str,
    emoji: &super::text::FastMap<char, &'static str>,
) -> Cow<'a, str> {
    if text.is_ascii() || !text.chars().any(|c| emoji.contains_key(&c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 32);
    let mut prev_space = true;
    for c in text.chars() {
        if let Some(d) = emoji.get(&c) {
            if !prev_space {
                out.push(' ');
            }
            out.push_str(d);
            prev_space = false;
        } else {
            out.push(c);
            prev_space = c == ' ';
        }
    }
    Cow::Owned(out)
}

/// Tokenizes and looks up every token once (into a cleared `toks`).
/// `keep_lower = false` skips storing lowercase forms of ASCII tokens (only
/// explanation labels and domain phrases read them).
pub(crate) fn prepare(tables: &EnTables, text: &str, toks: &mut Toks, keep_lower: bool) {
    toks.t.clear();
    toks.lower.clear();
    if text.is_ascii() {
        prepare_ascii(tables, text, toks, keep_lower);
        return;
    }
    tokenize(text, false, |r| push_token(tables, r.text, toks));
}

/// The ASCII fast path of [`tokenize`] + [`push_token`] in one loop (same
/// semantics: split on Python whitespace, strip `string.punctuation` unless
/// two characters or fewer would remain), eight bytes at a time where it can:
/// the text is copied once with space padding so every 8-byte read is in bounds.
fn prepare_ascii(tables: &EnTables, text: &str, toks: &mut Toks, keep_lower: bool) {
    let n = text.len();
    let mut padded = std::mem::take(&mut toks.padded);
    padded.clear();
    padded.extend_from_slice(text.as_bytes());
    padded.extend_from_slice(&[b' '; 24]);
    let p = &padded[..];
    let mut i = 0;
    loop {
        while is_ascii_space(p[i]) && i < n {
            i += 1;
        }
        if i >= n {
            break;
        }
        let st = i;
        // Find the next whitespace byte, 8 bytes per step.
        loop {
            let m = swar::le_space(swar::read(p, i));
            if m == 0 {
                i += 8;
                continue;
            }
            let j = i + (m.trailing_zeros() / 8) as usize;
            if is_ascii_space(p[j]) {
                i = j;
                break;
            }
            i = j + 1;
        }
        let i_end = i.min(n);
        let (mut a, mut e) = (st, i_end);
        while a < e && CLASS[p[a] as usize] & 2 != 0 {
            a += 1;
        }
        while e > a && CLASS[p[e - 1] as usize] & 2 != 0 {
            e -= 1;
        }
        if e - a <= 2 {
            (a, e) = (st, i_end);
        }
        let len = e - a;
        if len > INLINE {
            push_token(tables, &text[a..e], toks);
            continue;
        }
        let k0 = swar::read(p, a) & swar::keep(len);
        let k1 = if len > 8 {
            swar::read(p, a + 8) & swar::keep(len - 8)
        } else {
            0
        };
        let up = (swar::upper(k0) | swar::upper(k1)) != 0;
        let low = (swar::lower(k0) | swar::lower(k1)) != 0;
        let apos = swar::has_byte(k0, b'\'') || swar::has_byte(k1, b'\'');
        let (l0, l1) = (swar::to_lower(k0), swar::to_lower(k1));
        let lo_start = toks.lower.len();
        if keep_lower {
            toks.lower.push_str(&text[a..e]);
            if up {
                toks.lower[lo_start..].make_ascii_lowercase();
            }
        }
        let entry = tables.words.probe(l0, l1, len).copied().unwrap_or_default();
        let negw = entry.neg || (apos && has_nt(l0, l1, len));
        toks.t.push(Tok {
            lo: (lo_start as u32, toks.lower.len() as u32),
            e: entry,
            upper: up && !low,
            negw,
            span: 0,
        });
    }
    toks.padded = padded;
}

/// Whether the lowercase key (two little-endian words, `len` bytes) contains "n't".
fn has_nt(l0: u64, l1: u64, len: usize) -> bool {
    let mut b = [0u8; INLINE];
    b[..8].copy_from_slice(&l0.to_le_bytes());
    b[8..].copy_from_slice(&l1.to_le_bytes());
    b[..len].windows(3).any(|w| w == b"n't")
}

/// Lowercases, looks up and appends one token (general path).
fn push_token(tables: &EnTables, token: &str, toks: &mut Toks) {
    let a = toks.lower.len();
    let (upper, apos) = push_lower_upper(token, &mut toks.lower);
    let e = tables
        .words
        .get(&toks.lower[a..])
        .copied()
        .unwrap_or_default();
    let b = toks.lower.len();
    let negw = e.neg || (apos && toks.lower[a..b].contains("n't"));
    toks.t.push(Tok {
        lo: (a as u32, b as u32),
        e,
        upper,
        negw,
        span: 0,
    });
}

/// Per-thread buffers reused across calls (the hot path allocates only its output).
#[derive(Default)]
struct Scratch {
    toks: Toks,
    mods: Vec<Mods>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Modifiers that touched a token, for its explanation label.
#[derive(Debug, Clone, Copy, Default)]
struct Mods {
    neg_by: Option<u32>,
    boost_by: Option<u32>,
    idiom: Option<(u32, u32)>,
}

/// English per-token valences. `domain` is `None` in vader mode.
pub(crate) fn valences(tables: &EnTables, domain: Option<&Domain>, text: &str, out: &mut Valences) {
    let text = replace_emoji(text, &tables.emoji);
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut sc) => {
            let sc = &mut *sc;
            valences_in(tables, domain, &text, &mut sc.toks, &mut sc.mods, out);
        }
        Err(_) => valences_in(
            tables,
            domain,
            &text,
            &mut Toks::default(),
            &mut Vec::new(),
            out,
        ),
    });
}

fn valences_in(
    tables: &EnTables,
    domain: Option<&Domain>,
    text: &str,
    toks: &mut Toks,
    mods: &mut Vec<Mods>,
    out: &mut Valences,
) {
    prepare(tables, text, toks, out.want_labels || domain.is_some());
    if let Some(d) = domain {
        d.apply(toks);
    }
    let toks = &*toks;
    let t = &toks.t;
    let n = t.len();
    let upper = t.iter().filter(|x| x.upper).count();
    let cap_diff = n > upper && upper > 0;
    let s = &mut out.sentiments;
    s.clear();
    mods.clear();
    mods.resize(n, Mods::default());
    for i in 0..n {
        let x = &t[i];
        let modifier =
            x.e.boost() != 0.0 || (x.e.kw == kw::KIND && i + 1 < n && t[i + 1].e.kw == kw::OF);
        if modifier || x.e.val().is_none() {
            s.push(0.0);
        } else {
            s.push(token_valence(toks, tables, i, cap_diff, &mut mods[i]));
        }
    }
    if let Some(bi) = t.iter().position(|x| x.e.kw == kw::BUT) {
        if domain.is_some() {
            for (k, v) in s.iter_mut().enumerate() {
                if k < bi {
                    *v *= BUT_BEFORE;
                } else if k > bi {
                    *v *= BUT_AFTER;
                }
            }
        } else {
            but_check_reference(s, bi);
        }
    }
    out.labels.clear();
    if !out.want_labels {
        out.marks = count_marks(text);
        return;
    }
    out.labels.extend(
        s.iter()
            .enumerate()
            .filter(|(_, v)| **v != 0.0)
            .map(|(k, _)| label(toks, k, &mods[k])),
    );
    out.marks = count_marks(text);
}

/// The reference's contrastive rule, quirk included: for each token in turn it
/// re-weights the first token holding an equal valence.
fn but_check_reference(s: &mut [f64], bi: usize) {
    for k in 0..s.len() {
        let v = s[k];
        let si = s.iter().position(|&x| x == v).unwrap_or(k);
        if si < bi {
            s[si] = v * BUT_BEFORE;
        } else if si > bi {
            s[si] = v * BUT_AFTER;
        }
    }
}

fn label(toks: &Toks, k: usize, m: &Mods) -> String {
    let (a, b) = m.idiom.map_or((k, k + toks.t[k].span as usize), |(a, b)| {
        (a as usize, b as usize)
    });
    let mut w = String::with_capacity(24);
    if let Some(j) = m.neg_by.or(m.boost_by) {
        w.push_str(toks.lo(j as usize));
        w.push('→');
    }
    for j in a..=b.min(toks.t.len() - 1) {
        if j > a {
            w.push(' ');
        }
        w.push_str(toks.lo(j));
    }
    w
}

/// Booster/dampener contribution of a preceding non-lexicon word.
fn scalar(w: &Tok, valence: f64, cap_diff: bool) -> f64 {
    let b = w.e.boost();
    if b == 0.0 {
        return 0.0;
    }
    let mut sc = if valence < 0.0 { -b } else { b };
    if w.upper && cap_diff {
        if valence > 0.0 {
            sc += CAPS_INCR;
        } else {
            sc -= CAPS_INCR;
        }
    }
    sc
}

fn token_valence(toks: &Toks, tables: &EnTables, i: usize, cap_diff: bool, m: &mut Mods) -> f64 {
    let t = &toks.t;
    let n = t.len();
    let Some(base) = t[i].e.val() else { return 0.0 };
    let k = |j: usize| t[j].e.kw;
    let mut v = base;
    // "no" right before another lexicon word negates it instead of counting itself.
    if k(i) == kw::NO && i + 1 < n && t[i + 1].e.val().is_some() {
        v = 0.0;
    }
    if i > 0 && k(i - 1) == kw::NO {
        v = base * NEGATION_SCALAR;
        m.neg_by = Some((i - 1) as u32);
    } else if i > 1 && k(i - 2) == kw::NO {
        v = base * NEGATION_SCALAR;
        m.neg_by = Some((i - 2) as u32);
    } else if i > 2 && k(i - 3) == kw::NO && matches!(k(i - 1), kw::OR | kw::NOR) {
        v = base * NEGATION_SCALAR;
        m.neg_by = Some((i - 3) as u32);
    }
    if t[i].upper && cap_diff {
        if v > 0.0 {
            v += CAPS_INCR;
        } else {
            v -= CAPS_INCR;
        }
    }
    for start in 0..3 {
        if i > start && t[i - start - 1].e.val().is_none() {
            let w = &t[i - start - 1];
            let mut sc = scalar(w, v, cap_diff);
            if sc != 0.0 {
                sc *= BOOST_DISTANCE[start];
                m.boost_by.get_or_insert((i - start - 1) as u32);
            }
            v += sc;
            v = negation_check(t, v, start, i, m);
            if start == 2 && idiom_candidates(t, i) {
                v = special_idioms(t, tables, v, i, m);
            }
        }
    }
    // "least" negates unless it is "at least" / "very least".
    if i > 1 && t[i - 1].e.val().is_none() && k(i - 1) == kw::LEAST {
        if k(i - 2) != kw::AT && k(i - 2) != kw::VERY {
            v *= NEGATION_SCALAR;
            m.neg_by = Some((i - 1) as u32);
        }
    } else if i > 0 && t[i - 1].e.val().is_none() && k(i - 1) == kw::LEAST {
        v *= NEGATION_SCALAR;
        m.neg_by = Some((i - 1) as u32);
    }
    v
}

fn negation_check(t: &[Tok], v: f64, start: usize, i: usize, m: &mut Mods) -> f64 {
    let k = |j: usize| t[j].e.kw;
    let so_this = |j: usize| matches!(k(j), kw::SO | kw::THIS);
    let mut negate = |j: usize, v: f64| {
        if t[j].negw {
            m.neg_by = Some(j as u32);
            v * NEGATION_SCALAR
        } else {
            v
        }
    };
    match start {
        0 => negate(i - 1, v),
        1 => {
            if k(i - 2) == kw::NEVER && so_this(i - 1) {
                v * NEVER_SO_SCALAR
            } else if k(i - 2) == kw::WITHOUT && k(i - 1) == kw::DOUBT {
                v
            } else {
                negate(i - 2, v)
            }
        }
        _ => {
            if (k(i - 3) == kw::NEVER && so_this(i - 2)) || so_this(i - 1) {
                v * NEVER_SO_SCALAR
            } else if k(i - 3) == kw::WITHOUT && (k(i - 2) == kw::DOUBT || k(i - 1) == kw::DOUBT) {
                v
            } else {
                negate(i - 3, v)
            }
        }
    }
}

/// Whether two words that can form an idiom or a booster bigram ("kind of")
/// occur around `i`; otherwise [`special_idioms`] cannot match anything.
fn idiom_candidates(t: &[Tok], i: usize) -> bool {
    let hi = (i + 3).min(t.len());
    t[i - 3..hi]
        .iter()
        .filter(|x| x.e.kw >= kw::FIRST_IDIOM || x.e.kw == kw::OF || x.e.kw == kw::KIND)
        .nth(1)
        .is_some()
}

fn special_idioms(t: &[Tok], tables: &EnTables, mut v: f64, i: usize, m: &mut Mods) -> f64 {
    let n = t.len();
    let k = |j: usize| t[j].e.kw;
    let lookup = |a: usize, b: usize| -> Option<f64> {
        let ids: &[u8] = &[k(a), k(a + 1), if b > a + 1 { k(b) } else { 0 }];
        let ids = &ids[..=(b - a)];
        if ids.iter().any(|x| *x < kw::FIRST_IDIOM && *x != kw::OF) {
            return None;
        }
        tables
            .special
            .iter()
            .find(|(seq, _)| seq.as_slice() == ids)
            .map(|(_, val)| *val)
    };
    // Sequences ending at or just before the word, in the reference's order.
    for (a, b) in [
        (i - 1, i),
        (i - 2, i),
        (i - 2, i - 1),
        (i - 3, i - 1),
        (i - 3, i - 2),
    ] {
        if let Some(val) = lookup(a, b) {
            v = val;
            m.idiom = Some((a as u32, b as u32));
            m.neg_by = None;
            m.boost_by = None;
            break;
        }
    }
    if n - 1 > i
        && let Some(val) = lookup(i, i + 1)
    {
        v = val;
        m.idiom = Some((i as u32, i as u32 + 1));
    }
    if n - 1 > i + 1
        && let Some(val) = lookup(i, i + 2)
    {
        v = val;
        m.idiom = Some((i as u32, i as u32 + 2));
    }
    for (a, b) in [(i - 3, i - 2), (i - 2, i - 1)] {
        if let Some((_, inc)) = tables
            .boost_bigrams
            .iter()
            .find(|(ids, _)| ids[0] == k(a) && ids[1] == k(b) && ids[0] != 0)
        {
            v += inc;
            m.boost_by.get_or_insert(a as u32);
        }
    }
    v
}
