//! A recipe file's TOML → a validated [`Recipe`].
//!
//! Two passes, as for `vigia.toml`: serde (with `deny_unknown_fields` everywhere, and
//! `serde_path_to_error` to name the failing key, the TOML span giving its line) catches
//! syntax, unknown keys, wrong types, bad CSS selectors and date formats; then
//! [`validate`] checks what the keys mean together (a placeholder nobody declared, an
//! `[html]` table on a feed recipe, a scale whose best is below its worst, …).

use std::time::Duration;

use serde::{Deserialize, Deserializer};

use super::template::{Piece, pieces};
use super::{Kind, ParamName, ParamSpec, Politeness, Recipe, RecipeError, Rule, Sample};
use crate::config::{MIN_INTERVAL, parse_duration};
use crate::extract::html::HtmlRule;
use crate::extract::json::JsonRule;

/// The most requests in flight to one host a recipe may ask for.
pub const MAX_PER_HOST_CONCURRENCY: usize = 8;

/// A recipe file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecipeFile {
    name: String,
    description: String,
    kind: Kind,
    url: Option<String>,
    url_template: Option<String>,
    #[serde(default, rename = "param")]
    params: Vec<ParamSpec>,
    default_interval: Option<DurationText>,
    #[serde(default)]
    politeness: PolitenessFile,
    lang: Option<String>,
    html: Option<HtmlRule>,
    json: Option<JsonRule>,
    sample: Option<Sample>,
}

/// `[politeness]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolitenessFile {
    min_spacing: Option<DurationText>,
    per_host_concurrency: Option<usize>,
}

/// A human duration ("30s", "6h"), checked while deserializing so errors carry the line.
#[derive(Debug, Clone, Copy)]
struct DurationText(Duration);

impl<'de> Deserialize<'de> for DurationText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_duration(&text)
            .map(DurationText)
            .map_err(serde::de::Error::custom)
    }
}

/// Parses and validates one recipe; `origin` (a file path) is used in error messages.
pub fn parse(text: &str, origin: &str) -> Result<Recipe, RecipeError> {
    let file = deserialize(text, origin)?;
    validate(file, text, origin)
}

/// The serde pass, with the failing key and its line.
fn deserialize(text: &str, origin: &str) -> Result<RecipeFile, RecipeError> {
    crate::config::from_toml(text).map_err(|e| RecipeError::Parse {
        origin: origin.to_owned(),
        line: e.line,
        column: e.column,
        key: e.key,
        message: e.message,
    })
}

/// The meaning pass.
fn validate(file: RecipeFile, text: &str, origin: &str) -> Result<Recipe, RecipeError> {
    let invalid = |key: &str, message: String| RecipeError::Invalid {
        origin: origin.to_owned(),
        line: line_of(text, key),
        key: key.to_owned(),
        message,
    };
    let name_ok = !file.name.is_empty()
        && file
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !name_ok {
        return Err(invalid(
            "name",
            format!(
                "`{}` must be lowercase letters, digits and dashes (e.g. \"trustpilot\")",
                file.name
            ),
        ));
    }
    if file.description.trim().is_empty() {
        return Err(invalid(
            "description",
            "say in one line what the recipe watches".into(),
        ));
    }

    let (template, key) = match (file.url, file.url_template) {
        (Some(url), None) => (url, "url"),
        (None, Some(template)) => (template, "url_template"),
        (Some(_), Some(_)) => {
            return Err(invalid(
                "url_template",
                "give either `url` or `url_template`, not both".into(),
            ));
        }
        (None, None) => {
            return Err(invalid(
                "url",
                "give `url` (fixed) or `url_template` (with {placeholders})".into(),
            ));
        }
    };
    check_template(&template, key, &file.params).map_err(|m| invalid(key, m))?;
    for (i, p) in file.params.iter().enumerate() {
        let at = |field: &str| format!("param[{i}].{field}");
        if file.params[..i].iter().any(|q| q.name == p.name) {
            return Err(invalid(
                &at("name"),
                format!("`{}` is declared twice", p.name.as_str()),
            ));
        }
        if p.required && p.default.is_some() {
            return Err(invalid(
                &at("default"),
                "a required parameter cannot have a default".into(),
            ));
        }
        if p.doc.trim().is_empty() {
            return Err(invalid(
                &at("doc"),
                "say what the value is and where to find it".into(),
            ));
        }
        if p.default.as_deref().is_some_and(|d| d.trim().is_empty()) {
            return Err(invalid(
                &at("default"),
                "an empty default is never useful; remove it".into(),
            ));
        }
    }

    if let Some(d) = file.default_interval
        && d.0 < MIN_INTERVAL
    {
        return Err(invalid(
            "default_interval",
            format!("must be at least {}s", MIN_INTERVAL.as_secs()),
        ));
    }
    if let Some(n) = file.politeness.per_host_concurrency
        && !(1..=MAX_PER_HOST_CONCURRENCY).contains(&n)
    {
        return Err(invalid(
            "per_host_concurrency",
            format!("must be between 1 and {MAX_PER_HOST_CONCURRENCY}"),
        ));
    }
    if let Some(lang) = &file.lang
        && !(lang.len() == 2 && lang.chars().all(|c| c.is_ascii_lowercase()))
    {
        return Err(invalid(
            "lang",
            format!("`{lang}` is not a two-letter language code like \"en\" or \"es\""),
        ));
    }
    if let Some(when) = file.sample.as_ref().and_then(|s| s.published_at.as_deref())
        && chrono::DateTime::parse_from_rfc3339(when).is_err()
    {
        return Err(invalid(
            "published_at",
            format!("`{when}` is not an RFC 3339 timestamp"),
        ));
    }

    let rule = Rule::new(file.kind, file.html, file.json).map_err(|(k, m)| invalid(k, m))?;

    Ok(Recipe {
        name: file.name,
        description: file.description.trim().to_owned(),
        origin: origin.to_owned(),
        rule,
        url_template: template,
        params: file.params,
        default_interval: file.default_interval.map(|d| d.0),
        politeness: Politeness {
            min_spacing: file.politeness.min_spacing.map(|d| d.0),
            per_host_concurrency: file.politeness.per_host_concurrency,
        },
        lang: file.lang,
        sample: file.sample,
    })
}

/// Placeholders known and declared, declared parameters used, `{url}` alone, and the
/// template an http(s) URL once filled.
fn check_template(template: &str, key: &str, params: &[ParamSpec]) -> Result<(), String> {
    let pieces = pieces(template)?;
    let mut used = Vec::new();
    let mut example = String::new();
    for piece in &pieces {
        match piece {
            Piece::Literal(text) => example.push_str(text),
            Piece::Placeholder(name) => {
                let param = ParamName::from_name(name).ok_or_else(|| {
                    format!("unknown placeholder {{{name}}}; use {{url}}, {{query}}, {{id}}, {{lang}} or {{country}}")
                })?;
                if !params.iter().any(|p| p.name == param) {
                    return Err(format!(
                        "{{{name}}} is used but no [[param]] declares `{name}`"
                    ));
                }
                if key == "url" {
                    return Err("a fixed `url` has no placeholders; use `url_template`".into());
                }
                used.push(param);
                example.push_str(if param == ParamName::Url {
                    "https://example.com/feed"
                } else {
                    "x"
                });
            }
        }
    }
    if used.contains(&ParamName::Url) && pieces.len() != 1 {
        return Err("{url} must be the whole template (the user pastes a complete URL)".into());
    }
    if key == "url_template" && used.is_empty() {
        return Err("has no {placeholder}; use `url` for a fixed URL".into());
    }
    if let Some(unused) = params.iter().find(|p| !used.contains(&p.name)) {
        return Err(format!(
            "parameter `{}` is declared but the template has no {{{}}}",
            unused.name.as_str(),
            unused.name.as_str()
        ));
    }
    match url::Url::parse(&example) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(()),
        _ => Err(format!("`{template}` does not make an http(s) URL")),
    }
}

/// The 1-based line where the last part of a dotted `key` is assigned (0 if not found).
///
/// `param[2].doc` looks for `doc` after the third `[[param]]` header.
fn line_of(text: &str, key: &str) -> usize {
    let mut from = 0;
    let mut parts: Vec<&str> = key.split('.').collect();
    let last = parts.pop().unwrap_or(key);
    for part in parts {
        if let Some((table, index)) = part.split_once('[') {
            let index: usize = index.trim_end_matches(']').parse().unwrap_or(0);
            let header = format!("[[{table}]]");
            for _ in 0..=index {
                match text[from..].find(&header) {
                    Some(at) => from += at + header.len(),
                    None => return 0,
                }
            }
        }
    }
    let mut offset = from;
    for line in text[from..].split_inclusive('\n') {
        let trimmed = line.trim_start();
        let assigns = trimmed
            .strip_prefix(last)
            .is_some_and(|rest| rest.trim_start().starts_with('='));
        let table =
            trimmed.starts_with('[') && trimmed.trim_end().trim_end_matches(']').ends_with(last);
        if assigns || table {
            return text[..offset].matches('\n').count() + 1;
        }
        offset += line.len();
    }
    // Inline tables: `rating = { selector = "…", best = 5 }`.
    let mut offset = from;
    for line in text[from..].split_inclusive('\n') {
        if line.contains(&format!("{last} =")) || line.contains(&format!("{last}=")) {
            return text[..offset].matches('\n').count() + 1;
        }
        offset += line.len();
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_nested_keys_are_found() {
        let text = "name = \"x\"\n[[param]]\nname = \"id\"\ndoc = \"a\"\n[[param]]\nname = \"lang\"\ndoc = \"\"\n";
        assert_eq!(line_of(text, "param[1].doc"), 7);
        assert_eq!(line_of(text, "param[0].name"), 3);
        assert_eq!(line_of(text, "name"), 1);
        assert_eq!(line_of(text, "nowhere"), 0);
    }
}
