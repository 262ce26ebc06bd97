//! Spanish morphology for lookup: from a lexicon lemma, the forms people write.
//!
//! The lexicon lists adjectives in masculine singular, nouns in singular and
//! verbs as infinitive plus frequent forms. Here we derive, by ending, the
//! gender/number inflections, superlatives (-ísimo…), diminutives (-ito/-illo…)
//! and regular participles and present/preterite forms of verbs. All keys are
//! accent-folded lowercase ([`super::super::text::fold_accents`]), so "pesimo"
//! and "pésimo", "tambien" and "también" meet, and stress marks that move
//! between singular and plural ("cortés"/"corteses") do not matter.

/// How a form relates to its lexicon lemma; lower wins a collision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    /// Listed in the lexicon as is.
    Lemma = 0,
    /// Gender/number inflection.
    Inflection = 1,
    /// Regular verb form derived from an infinitive.
    Verb = 2,
    /// Superlative (-ísimo…): stronger.
    Superlative = 3,
    /// Diminutive (-ito/-illo…).
    Diminutive = 4,
}

/// Derived forms that are common unrelated words; never generated.
pub const DENY_DERIVED: &[&str] = &[
    "cara", "caras", "sola", "solas", "pasa", "pasas", "nota", "notas", "cabo", "tanto", "tanta",
    "pena", "penas", "parte", "partes", "baja", "bajas", "mama", "papa", "vale", "cuenta",
    "cuento", "corte", "cortes", "gana", "ganas", "llama", "llamas", "planta", "time", "times",
];

fn push(out: &mut Vec<(String, Kind)>, form: String, k: Kind) {
    if form.len() > 2 && !DENY_DERIVED.contains(&form.as_str()) {
        out.push((form, k));
    }
}

/// Stem for -ísimo / -ito: "rico"→"riqu", "largo"→"largu", "amplio"→"ampl".
fn soft_stem(stem: &str) -> String {
    if let Some(s) = stem.strip_suffix('c') {
        format!("{s}qu")
    } else if let Some(s) = stem.strip_suffix('g') {
        format!("{s}gu")
    } else if stem.ends_with('i') && stem.len() > 3 {
        stem[..stem.len() - 1].to_string()
    } else {
        stem.to_string()
    }
}

fn superlatives(stem: &str, out: &mut Vec<(String, Kind)>) {
    for suf in ["isimo", "isima", "isimos", "isimas"] {
        push(out, format!("{stem}{suf}"), Kind::Superlative);
    }
}

fn diminutives(stem: &str, out: &mut Vec<(String, Kind)>) {
    for suf in [
        "ito", "ita", "itos", "itas", "illo", "illa", "illos", "illas",
    ] {
        push(out, format!("{stem}{suf}"), Kind::Diminutive);
    }
}

/// All derived forms of a folded lemma (not including the lemma itself).
pub(crate) fn derive(f: &str) -> Vec<(String, Kind)> {
    let mut out = Vec::new();
    if f.len() < 3 || !f.chars().all(|c| c.is_alphabetic()) {
        return out;
    }
    let last = f.chars().next_back().unwrap_or(' ');
    let body = &f[..f.len() - last.len_utf8()];
    match last {
        'o' => {
            for suf in ["a", "os", "as"] {
                push(&mut out, format!("{body}{suf}"), Kind::Inflection);
            }
            if !f.ends_with("isimo") {
                let s = soft_stem(body);
                superlatives(&s, &mut out);
                diminutives(&s, &mut out);
            }
        }
        'e' => {
            push(&mut out, format!("{f}s"), Kind::Inflection);
            let s = if let Some(b) = f.strip_suffix("ble") {
                format!("{b}bil")
            } else {
                body.to_string()
            };
            superlatives(&s, &mut out);
        }
        'a' => {
            push(&mut out, format!("{f}s"), Kind::Inflection);
            diminutives(&soft_stem(body), &mut out);
        }
        'i' | 'u' => {
            push(&mut out, format!("{f}es"), Kind::Inflection);
            push(&mut out, format!("{f}s"), Kind::Inflection);
        }
        'z' => {
            push(&mut out, format!("{body}ces"), Kind::Inflection);
            superlatives(&format!("{body}c"), &mut out);
        }
        'l' | 'n' | 'r' | 'd' | 'j' | 's' | 'y' => {
            if last != 's' {
                push(&mut out, format!("{f}es"), Kind::Inflection);
            }
            if f.ends_with("or") || f.ends_with("on") {
                push(&mut out, format!("{f}a"), Kind::Inflection);
                push(&mut out, format!("{f}as"), Kind::Inflection);
            }
            if matches!(last, 'l' | 'r' | 'n') {
                superlatives(f, &mut out);
            }
        }
        _ => {}
    }
    if f.len() > 4 {
        verb_forms(f, &mut out);
    }
    out
}

/// Regular forms of an -ar/-er/-ir infinitive.
fn verb_forms(f: &str, out: &mut Vec<(String, Kind)>) {
    let (stem, ar) = if let Some(s) = f.strip_suffix("ar") {
        (s, true)
    } else if let Some(s) = f.strip_suffix("er").or_else(|| f.strip_suffix("ir")) {
        (s, false)
    } else {
        return;
    };
    let sufs: &[&str] = if ar {
        &[
            "ado", "ada", "ados", "adas", "ando", "a", "an", "o", "e", "amos", "aba", "aban",
            "aron", "ara", "adisimo", "adisima",
        ]
    } else {
        &[
            "ido", "ida", "idos", "idas", "iendo", "e", "en", "o", "i", "io", "emos", "imos", "ia",
            "ian", "ieron", "iera", "idisimo", "idisima",
        ]
    };
    for suf in sufs {
        push(out, format!("{stem}{suf}"), Kind::Verb);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(f: &str, form: &str) -> bool {
        derive(f).iter().any(|(x, _)| x == form)
    }

    #[test]
    fn adjectives_inflect_and_intensify() {
        assert!(has("bueno", "buenas"));
        assert!(has("bueno", "buenisimo"));
        assert!(has("malo", "malisimas"));
        assert!(has("caro", "carisimo"));
        assert!(has("rico", "riquisimo"));
        assert!(has("amable", "amabilisimo"));
        assert!(has("feliz", "felices"));
        assert!(has("feliz", "felicisimo"));
        assert!(has("genial", "geniales"));
        assert!(has("encantador", "encantadora"));
        assert!(has("bonito", "bonitito"));
        assert!(has("pesimo", "pesimos"));
    }

    #[test]
    fn verbs_get_regular_forms() {
        assert!(has("estafar", "estafado"));
        assert!(has("mentir", "mintieron") || has("mentir", "mentido"));
        assert!(has("decepcionar", "decepcionada"));
    }

    #[test]
    fn denied_forms_are_not_generated() {
        assert!(!has("caro", "cara"));
    }
}
