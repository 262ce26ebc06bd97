//! Language detection restricted to the packs we have (en / es), with word
//! evidence first and `whatlang` only to recognise a third language.
//!
//! General detectors guess wrong on short texts ("terrible service from acme"
//! comes out Romanian), and a wrong guess picks the wrong lexicon. So we count
//! evidence we trust: function words of each language, lexicon hits, and
//! Spanish-only characters (ñ, ¿, ¡, accented vowels). whatlang is consulted
//! only when the text is in a non-Latin script, or is long enough and our
//! evidence weak, to label the language `Other` (scored, flagged unreliable).

use super::Analyzer;
use super::text::{FastMap, push_lower};
use super::types::Lang;
use std::sync::OnceLock;

/// Minimum words before whatlang may override our evidence with a third language.
pub const MIN_WORDS_FOR_OTHER: usize = 5;
/// Below this share of English/Spanish function words, a text of
/// [`MIN_WORDS_FOR_OTHER`] words or more may be a third language (real English
/// or Spanish prose runs at 40–50%).
pub const MIN_FUNCTION_WORD_SHARE: f64 = 0.2;

/// Frequent English function words (not shared with Spanish).
const EN_STOP: &[&str] = &[
    "the", "and", "of", "to", "in", "is", "it", "you", "that", "he", "was", "for", "on", "are",
    "with", "as", "i", "his", "they", "be", "at", "have", "this", "from", "or", "had", "by", "not",
    "but", "what", "all", "were", "we", "when", "your", "can", "there", "an", "which", "she", "do",
    "how", "their", "if", "will", "up", "about", "out", "then", "them", "so", "some", "her",
    "would", "him", "into", "has", "my", "than", "been", "who", "its", "did", "get", "very",
    "just", "our", "too", "don't", "i'm", "it's", "can't", "didn't", "won't", "after", "again",
    "never", "still", "service", "they're", "me", "us", "because", "only", "over", "you're",
    "that's", "i've", "i'll", "we're", "isn't", "doesn't", "wasn't", "there's", "what's", "let's",
    "im", "dont", "cant", "its", "time", "got", "day", "today", "going", "now", "lol", "same",
    "here", "home", "like", "love", "good", "great",
];

/// Frequent Spanish function words (not shared with English).
const ES_STOP: &[&str] = &[
    "de", "la", "que", "el", "en", "y", "los", "se", "del", "las", "por", "un", "para", "con",
    "una", "su", "al", "lo", "como", "más", "mas", "pero", "sus", "le", "ya", "este", "sí",
    "porque", "esta", "entre", "cuando", "muy", "sin", "sobre", "también", "tambien", "hasta",
    "hay", "donde", "quien", "desde", "todo", "nos", "durante", "todos", "uno", "les", "ni",
    "contra", "otros", "ese", "eso", "ante", "ellos", "esto", "mí", "antes", "algunos", "qué",
    "unos", "yo", "otro", "otras", "otra", "él", "tanto", "esa", "estos", "mucho", "nada",
    "muchos", "cual", "poco", "ella", "estar", "estas", "algo", "nosotros", "mi", "mis", "tú",
    "te", "ti", "tu", "tus", "es", "son", "fue", "está", "esta", "están", "ha", "han", "servicio",
    "nunca", "gracias", "hoy", "aquí", "así", "bien", "mal", "día", "años", "ser", "hace",
];

fn stopwords() -> &'static FastMap<&'static str, Lang> {
    static M: OnceLock<FastMap<&'static str, Lang>> = OnceLock::new();
    M.get_or_init(|| {
        let mut m = FastMap::default();
        for w in EN_STOP {
            m.insert(*w, Lang::En);
        }
        for w in ES_STOP {
            m.insert(*w, Lang::Es);
        }
        m
    })
}

/// Detects the language of `text` with the global vigia analyzer's lexicons.
pub fn detect(text: &str) -> Lang {
    detect_with(Analyzer::global(super::Mode::Vigia), text)
}

/// Evidence-weighted detection (see the module doc).
pub(crate) fn detect_with(an: &Analyzer, text: &str) -> Lang {
    let (mut en, mut es, mut words, mut non_latin) = (0.0f64, 0.0f64, 0usize, 0usize);
    let mut function_words = 0usize;
    if !text.is_ascii() {
        for c in text.chars() {
            match c {
                'ñ' | 'Ñ' | '¿' | '¡' => es += 1.0,
                'á' | 'é' | 'í' | 'ó' | 'ú' | 'Á' | 'É' | 'Í' | 'Ó' | 'Ú' => es += 0.5,
                c if c.is_alphabetic() && !is_latin(c) => non_latin += 1,
                _ => {}
            }
        }
    }
    let mut buf = String::new();
    let mut fold = String::new();
    for w in text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’')) {
        if w.is_empty() || !w.chars().any(char::is_alphabetic) {
            continue;
        }
        words += 1;
        buf.clear();
        push_lower(w, &mut buf);
        if buf.contains('’') {
            buf = buf.replace('’', "'");
        }
        match stopwords().get(buf.as_str()) {
            Some(Lang::En) => {
                en += 2.0;
                function_words += 1;
            }
            Some(Lang::Es) => {
                es += 2.0;
                function_words += 1;
            }
            _ => {
                let (e, s) = an.lexicon_evidence(&buf, &mut fold);
                if e && !s {
                    en += 1.0;
                } else if s && !e {
                    es += 1.0;
                }
            }
        }
    }
    if non_latin * 2 > words.max(1) {
        return other(text);
    }
    if words >= MIN_WORDS_FOR_OTHER
        && (function_words as f64) < MIN_FUNCTION_WORD_SHARE * words as f64
        && let Some(info) = whatlang::detect(text)
    {
        let l = info.lang();
        if info.is_reliable() && l != whatlang::Lang::Eng && l != whatlang::Lang::Spa {
            return Lang::Other(iso639_1(l));
        }
    }
    if es > en {
        Lang::Es
    } else if en > es {
        Lang::En
    } else {
        static EN_ES: OnceLock<whatlang::Detector> = OnceLock::new();
        let d = EN_ES.get_or_init(|| {
            whatlang::Detector::with_allowlist(vec![whatlang::Lang::Eng, whatlang::Lang::Spa])
        });
        match d.detect(text) {
            Some(i) if i.lang() == whatlang::Lang::Spa && i.is_reliable() => Lang::Es,
            _ => Lang::En,
        }
    }
}

fn is_latin(c: char) -> bool {
    (c as u32) < 0x0250 || ('\u{1E00}'..='\u{1EFF}').contains(&c)
}

fn other(text: &str) -> Lang {
    match whatlang::detect_lang(text) {
        Some(l) => Lang::Other(iso639_1(l)),
        None => Lang::Other("und"),
    }
}

/// ISO 639-1 code of a whatlang language ("und" when it has none).
fn iso639_1(l: whatlang::Lang) -> &'static str {
    use whatlang::Lang as W;
    match l {
        W::Eng => "en",
        W::Spa => "es",
        W::Por => "pt",
        W::Fra => "fr",
        W::Deu => "de",
        W::Ita => "it",
        W::Nld => "nl",
        W::Cat => "ca",
        W::Ron => "ro",
        W::Pol => "pl",
        W::Rus => "ru",
        W::Ukr => "uk",
        W::Tur => "tr",
        W::Swe => "sv",
        W::Dan => "da",
        W::Nob => "nb",
        W::Fin => "fi",
        W::Ces => "cs",
        W::Slk => "sk",
        W::Hun => "hu",
        W::Ell => "el",
        W::Bul => "bg",
        W::Srp => "sr",
        W::Hrv => "hr",
        W::Slv => "sl",
        W::Lit => "lt",
        W::Lav => "lv",
        W::Est => "et",
        W::Ara => "ar",
        W::Heb => "he",
        W::Pes => "fa",
        W::Hin => "hi",
        W::Ben => "bn",
        W::Urd => "ur",
        W::Cmn => "zh",
        W::Jpn => "ja",
        W::Kor => "ko",
        W::Tha => "th",
        W::Vie => "vi",
        W::Ind => "id",
        W::Tgl => "tl",
        W::Epo => "eo",
        W::Lat => "la",
        W::Afr => "af",
        W::Aze => "az",
        W::Bel => "be",
        W::Kat => "ka",
        W::Hye => "hy",
        _ => "und",
    }
}

#[cfg(test)]
mod tests {
    use super::super::Mode;
    use super::*;

    #[test]
    fn short_texts_pick_our_packs() {
        let an = Analyzer::global(Mode::Vigia);
        assert_eq!(detect_with(an, "terrible service from acme"), Lang::En);
        assert_eq!(detect_with(an, "pésimo servicio"), Lang::Es);
        assert_eq!(detect_with(an, "pesimo servicio"), Lang::Es);
        assert_eq!(detect_with(an, "una estafa"), Lang::Es);
        assert_eq!(detect_with(an, "great job"), Lang::En);
    }

    #[test]
    fn third_languages_are_other() {
        let an = Analyzer::global(Mode::Vigia);
        let de = detect_with(
            an,
            "Der Kundendienst war heute wirklich unfreundlich und die Lieferung kam viel zu spät",
        );
        assert_eq!(de, Lang::Other("de"));
        assert!(matches!(
            detect_with(an, "Это ужасный сервис, никогда больше"),
            Lang::Other(_)
        ));
    }
}
