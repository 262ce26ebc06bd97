//! JSON API answers (e.g. Apple's App Store customer-reviews endpoint) → [`RawItem`]s,
//! driven by dotted paths ([`JsonRule`]).
//!
//! Some review sources publish JSON rather than pages. Their shapes differ but are
//! always "an array of objects somewhere, a few values in each", so a recipe names the
//! array and one dotted path per field (`feed.entry`, `author.name.label`). Paths are
//! deliberately simple: keys separated by dots, a number indexes an array, and a key
//! reached on an array reads the first element that has it (APIs that return one object
//! instead of a one-element array then need no special case). Keys containing dots are
//! not addressable; no source needs them.
//!
//! The items path finding nothing is [`PageError::SelectorDrift`], except when only its
//! last key is missing (the API omits an empty list, as the App Store does for apps
//! without reviews).

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::Value;
use url::Url;

use super::html::{
    DEFAULT_BEST_RATING, DEFAULT_WORST_RATING, DateFormats, Markup, PageError, decode, escape,
    json_number, parse_date, review_url,
};
use super::{ExtractError, Extracted, Rating, RawItem};

/// The field names `skip_without` accepts.
pub const JSON_FIELDS: [&str; 7] = ["id", "title", "text", "author", "link", "date", "rating"];

/// How a json recipe extracts reviews: `[json]` in a recipe file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonRule {
    /// The array of reviews (a single object counts as one review).
    pub items: JsonPath,
    /// The review's id (becomes the GUID).
    pub id: Option<JsonPath>,
    /// The review's title.
    pub title: Option<JsonPath>,
    /// The review's text.
    pub text: Option<JsonPath>,
    /// The reviewer's name.
    pub author: Option<JsonPath>,
    /// The review's own URL.
    pub link: Option<JsonPath>,
    /// When the review was published.
    pub date: Option<JsonDate>,
    /// The star rating.
    pub rating: Option<JsonRating>,
    /// Entries lacking any of these fields are not reviews (e.g. the app's own entry).
    #[serde(default)]
    pub skip_without: Vec<String>,
}

/// `date = { path = "updated.label", format = "rfc3339" }`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonDate {
    /// Where the date is.
    pub path: JsonPath,
    /// One format or a list, tried in order (default `"auto"`).
    #[serde(default)]
    pub format: DateFormats,
}

/// `rating = { path = "im:rating.label", worst = 1, best = 5 }`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonRating {
    /// Where the rating is (a number or numeric text).
    pub path: JsonPath,
    /// The worst rating on the scale.
    #[serde(default = "default_worst")]
    pub worst: f64,
    /// The best rating on the scale.
    #[serde(default = "default_best")]
    pub best: f64,
}

/// A dotted path into a JSON document (`feed.entry`, `links.0.href`).
#[derive(Clone, PartialEq)]
pub struct JsonPath(Vec<String>);

impl JsonPath {
    /// Splits `source` on dots, refusing empty keys.
    pub fn parse(source: &str) -> Result<JsonPath, String> {
        let keys: Vec<String> = source.split('.').map(str::to_owned).collect();
        if keys.iter().any(|k| k.trim().is_empty()) {
            return Err(format!(
                "`{source}` is not a dotted path: keys must be non-empty (e.g. \"feed.entry\")"
            ));
        }
        Ok(JsonPath(keys))
    }

    /// The value at this path under `value`.
    pub fn get<'a>(&self, value: &'a Value) -> Option<&'a Value> {
        self.0.iter().try_fold(value, |v, key| step(v, key))
    }
}

/// One path step: an object key, an array index, or a key on the first element having it.
fn step<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    match value {
        Value::Object(map) => map.get(key),
        Value::Array(list) => match key.parse::<usize>() {
            Ok(i) => list.get(i),
            Err(_) => list.iter().find_map(|v| v.as_object()?.get(key)),
        },
        _ => None,
    }
}

impl fmt::Debug for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JsonPath({:?})", self.0.join("."))
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

impl<'de> Deserialize<'de> for JsonPath {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let source = String::deserialize(deserializer)?;
        JsonPath::parse(&source).map_err(de::Error::custom)
    }
}

impl JsonRule {
    /// Checks what serde cannot: `skip_without` names known, configured fields.
    pub fn check(&self) -> Result<(), String> {
        for name in &self.skip_without {
            if !JSON_FIELDS.contains(&name.as_str()) {
                return Err(format!(
                    "`{name}` is not a field; use one of {}",
                    JSON_FIELDS.join(", ")
                ));
            }
            if !self.has_field(name) {
                return Err(format!(
                    "`{name}` is listed but the recipe gives no `{name}` path"
                ));
            }
        }
        Ok(())
    }

    /// True when the rule configures the field `name`.
    fn has_field(&self, name: &str) -> bool {
        match name {
            "id" => self.id.is_some(),
            "title" => self.title.is_some(),
            "text" => self.text.is_some(),
            "author" => self.author.is_some(),
            "link" => self.link.is_some(),
            "date" => self.date.is_some(),
            "rating" => self.rating.is_some(),
            _ => false,
        }
    }
}

/// Extracts the reviews of one JSON document with `rule`.
pub fn extract(
    body: &[u8],
    content_type: Option<&str>,
    rule: &JsonRule,
    page_url: &Url,
) -> Result<Extracted, PageError> {
    let mut warnings = Vec::new();
    let text = decode(body, content_type, Markup::Json, &mut warnings)?;
    super::guard::check_depth(text.as_bytes())?;
    let document: Value = serde_json::from_str(&text).map_err(|e| ExtractError::Malformed {
        detail: format!("not valid JSON ({e})"),
    })?;
    let entries: &[Value] = match rule.items.get(&document) {
        Some(Value::Array(list)) => list,
        Some(Value::Null) => &[],
        Some(one) => std::slice::from_ref(one),
        None if parent_exists(&rule.items, &document) => &[],
        None => {
            return Err(PageError::SelectorDrift {
                selector: rule.items.to_string(),
                detail: "finds nothing in the JSON document".into(),
            });
        }
    };
    let mut unreadable = 0;
    let items = entries
        .iter()
        .filter_map(|entry| read_entry(entry, rule, page_url, &mut unreadable))
        .collect();
    if unreadable > 0 {
        warnings.push(format!(
            "{unreadable} entries have a date or rating the recipe cannot read; check its formats and scale"
        ));
    }
    let feed_title = ["feed.title.label", "feed.title", "title"]
        .iter()
        .filter_map(|p| JsonPath::parse(p).ok())
        .find_map(|p| p.get(&document)?.as_str().map(str::to_owned));
    Ok(Extracted {
        items,
        warnings,
        feed_title,
    })
}

/// True when every key of `path` but the last resolves (an omitted empty list).
fn parent_exists(path: &JsonPath, document: &Value) -> bool {
    let parent = &path.0[..path.0.len().saturating_sub(1)];
    parent
        .iter()
        .try_fold(document, |v, key| step(v, key))
        .is_some_and(Value::is_object)
}

/// One entry → a [`RawItem`], or `None` when it lacks a `skip_without` field.
fn read_entry(
    entry: &Value,
    rule: &JsonRule,
    page_url: &Url,
    unreadable: &mut usize,
) -> Option<RawItem> {
    let string = |path: &Option<JsonPath>| path.as_ref().and_then(|p| scalar(p.get(entry)?));
    let link = string(&rule.link)
        .map(|u| review_url(&u, page_url))
        .unwrap_or_default();
    let published_at = rule.date.as_ref().and_then(|d| {
        let raw = scalar(d.path.get(entry)?)?;
        let parsed = parse_date(&raw, &d.format);
        *unreadable += usize::from(parsed.is_none());
        parsed
    });
    let rating = rule.rating.as_ref().and_then(|r| {
        let value = json_number(r.path.get(entry)?);
        let rating = value
            .filter(|v| *v >= r.worst && *v <= r.best)
            .and_then(|v| Rating::new(v, r.worst, r.best));
        *unreadable += usize::from(rating.is_none());
        rating
    });
    let item = RawItem {
        guid: string(&rule.id).or(link.guid),
        link: link.link,
        title: string(&rule.title).map(|t| escape(&t)).unwrap_or_default(),
        content: string(&rule.text).map(|t| escape(&t)).unwrap_or_default(),
        author: string(&rule.author),
        published_at,
        rating,
    };
    let has = |name: &str| match name {
        "id" => item.guid.is_some(),
        "title" => !item.title.is_empty(),
        "text" => !item.content.is_empty(),
        "author" => item.author.is_some(),
        "link" => item.link.is_some(),
        "date" => item.published_at.is_some(),
        "rating" => item.rating.is_some(),
        _ => true,
    };
    rule.skip_without.iter().all(|f| has(f)).then_some(item)
}

/// A string or number as trimmed text; empty → `None`.
fn scalar(value: &Value) -> Option<String> {
    let s = match value {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

fn default_worst() -> f64 {
    DEFAULT_WORST_RATING
}

fn default_best() -> f64 {
    DEFAULT_BEST_RATING
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(toml_text: &str) -> JsonRule {
        toml::from_str(toml_text).expect("rule")
    }

    fn url() -> Url {
        Url::parse("https://api.example/reviews").expect("url")
    }

    #[test]
    fn paths_read_through_single_objects_and_indexes() {
        let doc: Value = serde_json::from_str(r#"{"a":[{"b":{"c":"x"}},{"d":1}],"e":{"f":[5,6]}}"#)
            .expect("json");
        let p = |s: &str| JsonPath::parse(s).expect("path");
        assert_eq!(p("a.b.c").get(&doc), Some(&Value::from("x")));
        assert_eq!(p("a.d").get(&doc), Some(&Value::from(1)));
        assert_eq!(p("e.f.1").get(&doc), Some(&Value::from(6)));
        assert_eq!(p("e.g").get(&doc), None);
        assert!(JsonPath::parse("a..b").is_err());
    }

    #[test]
    fn omitted_list_is_empty_but_missing_parent_is_drift() {
        let r = rule("items = \"feed.entry\"\ntext = \"t\"");
        let ok = extract(br#"{"feed":{"title":"x"}}"#, None, &r, &url()).expect("empty");
        assert!(ok.items.is_empty());
        let err = extract(br#"{"data":[]}"#, None, &r, &url()).expect_err("drift");
        assert!(err.is_drift(), "{err}");
    }

    #[test]
    fn skip_without_drops_non_reviews() {
        let r = rule(
            "items = \"list\"\ntext = \"t\"\nrating = { path = \"r\" }\nskip_without = [\"rating\"]",
        );
        assert!(r.check().is_ok());
        let out = extract(
            br#"{"list":[{"t":"app"},{"t":"good","r":"4"}]}"#,
            None,
            &r,
            &url(),
        )
        .expect("items");
        assert_eq!(out.items.len(), 1);
        assert_eq!(out.items[0].rating.map(|r| r.value), Some(4.0));
        let bad = rule("items = \"list\"\nskip_without = [\"stars\"]");
        assert!(bad.check().is_err());
    }
}
