//! Spanish rules: VADER's scheme (lexicon valence, boosters with distance
//! decay, caps, negation over the three preceding tokens, contrast, punctuation)
//! adapted to Spanish syntax.
//!
//! Differences from the English rules, each because Spanish works that way:
//! - negation applies once per word ("no es nada bueno" is one negation, not
//!   two) and does not cross a comma, a contrastive or a sentence end; it is
//!   asymmetric: "no es bueno" ≈ −0.74 × bueno, but "no es malo" is only faint
//!   praise (−0.4 × malo);
//! - "poco"/"apenas" before a word nearly negate it ("poco útil"), while
//!   "un poco" only dampens ("un poco caro");
//! - "no solo … sino (también)" is neither a negation nor a contrast;
//! - contrast is scoped to its sentence: "pero"/"sino"/"sin embargo"/"no
//!   obstante" halve what precedes and add half to what follows; "aunque"/"si
//!   bien"/"a pesar de" halve their own clause and add half to the rest.

use super::super::core::{CAPS_INCR, NEGATION_SCALAR, Valences, count_marks};
use super::super::en::EnTables;
use super::super::text::{
    END_NONE, END_SENTENCE, RawToken, fold_accents, push_lower, py_is_upper, tokenize,
};
use super::super::vader::{BOOST_DISTANCE, BUT_AFTER, BUT_BEFORE, replace_emoji};
use super::{ES_B_DECR, EsPack, Func};

/// Scalar for a word after "poco"/"apenas" (without "un").
pub const WEAK_NEGATION_SCALAR: f64 = -0.5;
/// Negation scalar for a NEGATIVE word: "no es malo" is faint praise, not the
/// opposite of "malo" (negation is asymmetric; positive words keep VADER's −0.74).
pub const NEGATED_NEGATIVE_SCALAR: f64 = -0.4;
/// Valence of a laugh ("jajaja", "jejeje") not in the lexicon.
pub const LAUGH_VALENCE: f64 = 1.5;

#[derive(Debug, Clone, Copy, Default)]
struct ETok {
    /// Range of the lowercase form in `lower`.
    lo: (u32, u32),
    /// Range of the folded form in `folded`.
    fo: (u32, u32),
    val: Option<f64>,
    func: Option<Func>,
    upper: bool,
    end: u8,
    span: u8,
}

struct Toks {
    t: Vec<ETok>,
    lower: String,
    folded: String,
}

impl Toks {
    fn lo(&self, i: usize) -> &str {
        let (a, b) = self.t[i].lo;
        &self.lower[a as usize..b as usize]
    }
    fn fo(&self, i: usize) -> &str {
        let (a, b) = self.t[i].fo;
        &self.folded[a as usize..b as usize]
    }
}

/// Per-token valences of a Spanish text. `en` scores emoticons like ":)".
pub(crate) fn valences_es(pack: &EsPack, en: &EnTables, text: &str, out: &mut Valences) {
    let text = replace_emoji(text, &pack.emoji);
    let text = replace_emoji(&text, &en.emoji);
    let mut raw: Vec<RawToken<'_>> = Vec::with_capacity(text.len() / 5 + 2);
    tokenize(&text, true, |r| raw.push(r));
    let mut toks = Toks {
        t: Vec::with_capacity(raw.len()),
        lower: String::with_capacity(text.len()),
        folded: String::with_capacity(text.len()),
    };
    for r in &raw {
        let a = toks.lower.len();
        push_lower(r.text, &mut toks.lower);
        let b = toks.lower.len();
        let c = toks.folded.len();
        fold_accents(&toks.lower[a..b], &mut toks.folded);
        let d = toks.folded.len();
        // @mentions and links name things; they carry no sentiment of their own.
        let (val, func) = if r.name_like {
            (None, None)
        } else {
            lookup(pack, en, &toks.folded[c..d])
        };
        toks.t.push(ETok {
            lo: (a as u32, b as u32),
            fo: (c as u32, d as u32),
            val,
            func,
            upper: py_is_upper(r.text),
            end: r.end,
            span: 0,
        });
    }
    fixed_expressions(&mut toks);
    idioms(pack, &mut toks);
    let n = toks.t.len();
    let upper = toks.t.iter().filter(|x| x.upper).count();
    let cap_diff = n > upper && upper > 0;
    let mut s = vec![0.0; n];
    let mut mods: Vec<Option<usize>> = vec![None; n];
    for i in 0..n {
        if let Some(v0) = toks.t[i].val {
            s[i] = word_valence(&toks, i, v0, cap_diff, &mut mods[i]);
        }
    }
    contrast(&toks, &mut s);
    let labels = s
        .iter()
        .enumerate()
        .filter(|(_, v)| **v != 0.0)
        .map(|(k, _)| {
            let mut w = String::from(toks.lo(k));
            for j in k + 1..=k + toks.t[k].span as usize {
                w.push(' ');
                w.push_str(toks.lo(j));
            }
            match mods[k] {
                Some(j) => format!("{}→{}", toks.lo(j), w),
                None => w,
            }
        })
        .collect();
    out.sentiments = s;
    out.labels = labels;
    out.marks = count_marks(&text);
}

fn lookup(pack: &EsPack, en: &EnTables, f: &str) -> (Option<f64>, Option<Func>) {
    if let Some(func) = pack.funcs.get(f) {
        return (None, Some(*func));
    }
    if let Some(form) = pack.forms.get(f) {
        return (Some(form.val), None);
    }
    if !f.chars().any(char::is_alphabetic) {
        return (en.words.get(f).and_then(|e| e.val()), None);
    }
    if let Some(v) = collapsed(pack, f) {
        return (Some(v), None);
    }
    for pre in ["requete", "super", "re"] {
        if let Some(rest) = f.strip_prefix(pre)
            && rest.len() >= 4
            && let Some(form) = pack.forms.get(rest)
        {
            return (Some(form.val + 0.293 * form.val.signum()), None);
        }
    }
    if is_laugh(f) {
        return (Some(LAUGH_VALENCE), None);
    }
    (None, None)
}

/// "buenooooo", "malííísimo": collapse runs of a repeated letter.
fn collapsed(pack: &EsPack, f: &str) -> Option<f64> {
    let b = f.as_bytes();
    if !b.windows(3).any(|w| w[0] == w[1] && w[1] == w[2]) {
        return None;
    }
    for keep in [1usize, 2] {
        let mut out = String::with_capacity(f.len());
        let (mut prev, mut run) = ('\0', 0usize);
        for c in f.chars() {
            run = if c == prev { run + 1 } else { 1 };
            prev = c;
            if run <= keep {
                out.push(c);
            }
        }
        if let Some(form) = pack.forms.get(out.as_str()) {
            return Some(form.val);
        }
    }
    None
}

fn is_laugh(f: &str) -> bool {
    f.len() >= 4
        && f.as_bytes()
            .chunks(2)
            .all(|c| matches!(c, b"ja" | b"je" | b"ji" | b"jo" | b"ha" | b"he" | b"j"))
}

/// Multiword function words: "sin embargo", "no obstante", "si bien",
/// "a pesar de", and "no solo … sino (también)".
fn fixed_expressions(toks: &mut Toks) {
    let n = toks.t.len();
    let mut i = 0;
    while i < n {
        let next = if i + 1 < n { toks.fo(i + 1) } else { "" };
        match (toks.fo(i), next) {
            ("sin", "embargo") | ("no", "obstante") => set_two(toks, i, Func::But),
            ("si", "bien") => set_two(toks, i, Func::Though),
            ("a", "pesar") => set_two(toks, i, Func::Though),
            ("no", "solo" | "solamente" | "unicamente") => {
                toks.t[i].func = None;
                if let Some(j) = (i + 2..n.min(i + 12)).find(|&j| toks.fo(j) == "sino") {
                    toks.t[j].func = None;
                }
            }
            _ => {}
        }
        i += 1;
    }
}

fn set_two(toks: &mut Toks, i: usize, f: Func) {
    toks.t[i].func = Some(f);
    toks.t[i + 1].func = None;
    toks.t[i + 1].val = None;
}

fn idioms(pack: &EsPack, toks: &mut Toks) {
    let n = toks.t.len();
    let mut i = 0;
    while i < n {
        let mut len = 0;
        let mut val = 0.0;
        if let Some(list) = pack.idioms.get(toks.fo(i)) {
            for (rest, v) in list {
                if i + rest.len() < n
                    && rest
                        .iter()
                        .enumerate()
                        .all(|(k, w)| toks.fo(i + 1 + k) == &**w)
                {
                    len = rest.len() + 1;
                    val = *v;
                    break;
                }
            }
        }
        if len == 0 {
            i += 1;
            continue;
        }
        let head = &mut toks.t[i];
        head.val = Some(val);
        head.func = None;
        head.span = (len - 1) as u8;
        for j in i + 1..i + len {
            toks.t[j].val = None;
            toks.t[j].func = None;
        }
        i += len;
    }
}

fn word_valence(toks: &Toks, i: usize, v0: f64, cap_diff: bool, m: &mut Option<usize>) -> f64 {
    let t = &toks.t;
    let mut v = v0;
    if t[i].upper && cap_diff {
        v += if v > 0.0 { CAPS_INCR } else { -CAPS_INCR };
    }
    let mut negated: Option<usize> = None;
    let mut weak: Option<usize> = None;
    let mut booster: Option<usize> = None;
    for d in 1..=3 {
        if i < d {
            break;
        }
        let j = i - d;
        if t[j].end != END_NONE {
            break;
        }
        match t[j].func {
            Some(Func::Boost(b)) => {
                let mut sc = if v < 0.0 { -b } else { b };
                if t[j].upper && cap_diff {
                    sc += if v > 0.0 { CAPS_INCR } else { -CAPS_INCR };
                }
                v += sc * BOOST_DISTANCE[d - 1];
                booster.get_or_insert(j);
            }
            Some(Func::WeakNeg) => {
                if j > 0 && toks.fo(j - 1) == "un" {
                    v += if v < 0.0 { -ES_B_DECR } else { ES_B_DECR } * BOOST_DISTANCE[d - 1];
                    booster.get_or_insert(j);
                } else {
                    weak.get_or_insert(j);
                }
            }
            Some(Func::Neg) => {
                negated.get_or_insert(j);
            }
            Some(Func::But | Func::Though) => break,
            None => {}
        }
    }
    if let Some(j) = negated {
        *m = Some(j);
        if v < 0.0 {
            v * NEGATED_NEGATIVE_SCALAR
        } else {
            v * NEGATION_SCALAR
        }
    } else if let Some(j) = weak {
        *m = Some(j);
        v * WEAK_NEGATION_SCALAR
    } else {
        *m = booster;
        v
    }
}

/// Sentence-scoped contrast: see the module doc.
fn contrast(toks: &Toks, s: &mut [f64]) {
    let t = &toks.t;
    let n = t.len();
    let mut start = 0;
    while start < n {
        let mut end = start;
        while end < n - 1 && t[end].end != END_SENTENCE {
            end += 1;
        }
        if let Some(c) =
            (start..=end).find(|&k| matches!(t[k].func, Some(Func::But | Func::Though)))
        {
            if t[c].func == Some(Func::But) {
                for (k, v) in s.iter_mut().enumerate().take(end + 1).skip(start) {
                    if k < c {
                        *v *= BUT_BEFORE;
                    } else if k > c {
                        *v *= BUT_AFTER;
                    }
                }
            } else {
                let mut clause_end = c;
                while clause_end < end && t[clause_end].end == END_NONE {
                    clause_end += 1;
                }
                for (k, v) in s.iter_mut().enumerate().take(end + 1).skip(start) {
                    if (c..=clause_end).contains(&k) {
                        *v *= BUT_BEFORE;
                    } else {
                        *v *= BUT_AFTER;
                    }
                }
            }
        }
        start = end + 1;
    }
}
