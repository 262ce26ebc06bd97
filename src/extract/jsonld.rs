//! schema.org reviews in JSON-LD (`<script type="application/ld+json">`) → [`RawItem`]s.
//!
//! Any page can carry this markup (search engines reward it), so one generic reader
//! serves the `schema-org` recipe, inline `kind = "jsonld"` sources and html recipes with
//! `jsonld = "prefer"`. Reviews are found wherever they sit: a top-level `Review`, arrays
//! of blocks, `@graph`, or `review` / `reviews` arrays nested in a `Product`,
//! `LocalBusiness`, `Organization`, … (items of such arrays count as reviews even without
//! an `@type`). The reader accepts the vocabulary real sites use besides schema.org's
//! (`consumer.displayName`, a bare `rating`, `publishedDate`, `text`), because the point
//! is to get the review, not to validate the markup.
//!
//! Ratings come from `reviewRating.ratingValue` on the scale `bestRating` / `worstRating`,
//! else the scale of the nearest enclosing `aggregateRating`, else 5 / 1. A block that is
//! not valid JSON is skipped with a warning (P15): one broken block never hides the rest.
//!
//! A review's link is its `url` only when that URL is the review's own page: an `@id` or
//! a `page#review-3` URL is kept as the GUID instead (vigia's canonical URLs drop
//! fragments, so such links would merge every review of the page into one mention).

use std::collections::HashSet;

use scraper::{Html, Selector};
use serde_json::{Map, Value};
use url::Url;

use super::html::{
    DEFAULT_BEST_RATING, DEFAULT_WORST_RATING, Markup, PageError, decode, escape, json_number,
    page_title, parse_date, review_url,
};
use super::{Extracted, Rating, RawItem};
use crate::extract::html::DateFormats;

/// What the JSON-LD of one page yielded.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Found {
    /// The reviews, in document order, without duplicates.
    pub items: Vec<RawItem>,
    /// Malformed blocks, guessed scales, …
    pub warnings: Vec<String>,
    /// How many JSON-LD blocks the page has (valid or not).
    pub blocks: usize,
    /// The name of the reviewed thing (first `Organization` / `Product` / … with a name).
    pub subject: Option<String>,
}

/// Extracts the schema.org reviews of one HTML page.
///
/// A page with no JSON-LD block at all is [`PageError::SelectorDrift`]: the source was
/// set up for a page that carried the markup, so its absence means the page changed.
/// Blocks without reviews yield no items and a warning (a business with no reviews yet).
pub fn extract(
    body: &[u8],
    content_type: Option<&str>,
    page_url: &Url,
) -> Result<Extracted, PageError> {
    let mut warnings = Vec::new();
    let text = decode(body, content_type, Markup::Html, &mut warnings)?;
    let document = Html::parse_document(&text);
    let found = from_document(&document, page_url);
    if found.blocks == 0 {
        return Err(PageError::SelectorDrift {
            selector: "script[type=\"application/ld+json\"]".into(),
            detail: "matches nothing: the page has no JSON-LD block".into(),
        });
    }
    warnings.extend(found.warnings);
    if found.items.is_empty() {
        warnings.push("the page's JSON-LD holds no schema.org Review".into());
    }
    Ok(Extracted {
        items: found.items,
        warnings,
        feed_title: found.subject.or_else(|| page_title(&document)),
    })
}

/// The reviews in the JSON-LD blocks of a parsed page.
pub(crate) fn from_document(document: &Html, page_url: &Url) -> Found {
    let mut found = Found::default();
    let Ok(selector) = Selector::parse("script") else {
        return found;
    };
    let mut reviews: Vec<(&Map<String, Value>, Scale)> = Vec::new();
    let mut blocks: Vec<Value> = Vec::new();
    for script in document.select(&selector) {
        let is_jsonld = script.value().attr("type").is_some_and(|t| {
            t.trim()
                .to_ascii_lowercase()
                .starts_with("application/ld+json")
        });
        if !is_jsonld {
            continue;
        }
        found.blocks += 1;
        let source: String = script.text().collect();
        match serde_json::from_str::<Value>(unwrap_block(&source)) {
            Ok(value) => blocks.push(value),
            Err(e) => found.warnings.push(format!(
                "JSON-LD block {} is malformed ({e}); it was ignored",
                found.blocks
            )),
        }
    }
    for block in &blocks {
        visit(block, Scale::default(), &mut reviews, &mut found.subject);
    }
    let mut seen = HashSet::new();
    let mut guessed = 0;
    for (node, scale) in reviews {
        let item = review(node, scale, page_url, &mut guessed);
        // The same review may be inlined in one place and repeated in another.
        let identity = match &item.guid {
            Some(guid) => (Some(guid.clone()), None, None, String::new()),
            None => (
                None,
                item.link.clone(),
                item.author.clone(),
                item.content.clone(),
            ),
        };
        if seen.insert(identity) {
            found.items.push(item);
        }
    }
    if guessed > 0 {
        found.warnings.push(format!(
            "{guessed} JSON-LD ratings exceed their scale's best rating without naming one; read on a 10- or 100-point scale"
        ));
    }
    found
}

/// The JSON of a script element, without the HTML comment or CDATA wrappers some sites add.
fn unwrap_block(source: &str) -> &str {
    let mut s = source.trim();
    for (open, close) in [
        ("<!--", "-->"),
        ("//<![CDATA[", "//]]>"),
        ("<![CDATA[", "]]>"),
    ] {
        if let Some(inner) = s.strip_prefix(open).and_then(|r| r.strip_suffix(close)) {
            s = inner.trim();
        }
    }
    s
}

/// A rating scale inherited from an enclosing `aggregateRating`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Scale {
    worst: f64,
    best: f64,
    /// True when nobody named the scale (5 / 1 by default).
    assumed: bool,
}

impl Default for Scale {
    fn default() -> Self {
        Scale {
            worst: DEFAULT_WORST_RATING,
            best: DEFAULT_BEST_RATING,
            assumed: true,
        }
    }
}

/// Collects review nodes under `value`, with the scale in force there.
fn visit<'a>(
    value: &'a Value,
    scale: Scale,
    out: &mut Vec<(&'a Map<String, Value>, Scale)>,
    subject: &mut Option<String>,
) {
    match value {
        Value::Array(list) => list.iter().for_each(|v| visit(v, scale, out, subject)),
        Value::Object(node) => {
            if has_type(node, |t| t.ends_with("Review")) {
                out.push((node, scale));
                return;
            }
            let scale = node
                .get("aggregateRating")
                .and_then(Value::as_object)
                .map_or(scale, |agg| scale_of(agg, scale));
            let reviewed = ["review", "reviews", "aggregateRating"]
                .iter()
                .any(|k| node.contains_key(*k));
            if subject.is_none()
                && reviewed
                && let Some(name) = node.get("name").and_then(Value::as_str)
            {
                *subject = Some(name.trim().to_owned());
            }
            for (key, child) in node {
                if key == "review" || key == "reviews" {
                    let list = match child {
                        Value::Array(list) => list.as_slice(),
                        one => std::slice::from_ref(one),
                    };
                    for entry in list {
                        match entry {
                            // `{"@id": …}` alone is a reference to a node found elsewhere.
                            Value::Object(r) if !r.contains_key("@type") => {
                                if r.keys().any(|k| k != "@id") {
                                    out.push((r, scale));
                                }
                            }
                            other => visit(other, scale, out, subject),
                        }
                    }
                } else if key != "aggregateRating" {
                    visit(child, scale, out, subject);
                }
            }
        }
        _ => {}
    }
}

/// True when the node's `@type` (a string or a list) has a type satisfying `test`.
fn has_type(node: &Map<String, Value>, test: impl Fn(&str) -> bool) -> bool {
    match node.get("@type") {
        Some(Value::String(t)) => test(type_name(t)),
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .any(|t| test(type_name(t))),
        _ => false,
    }
}

/// `https://schema.org/Review` → `Review`.
fn type_name(t: &str) -> &str {
    t.rsplit(['/', ':', '#']).next().unwrap_or(t)
}

/// `bestRating` / `worstRating` of a rating node, falling back to `outer`.
fn scale_of(node: &Map<String, Value>, outer: Scale) -> Scale {
    let best = node.get("bestRating").and_then(json_number);
    let worst = node.get("worstRating").and_then(json_number);
    Scale {
        best: best.unwrap_or(outer.best),
        worst: worst.unwrap_or(outer.worst),
        assumed: best.is_none() && outer.assumed,
    }
}

/// One review node → a [`RawItem`].
fn review(node: &Map<String, Value>, scale: Scale, page_url: &Url, guessed: &mut usize) -> RawItem {
    let text_of = |keys: &[&str]| keys.iter().find_map(|k| node.get(*k).and_then(text));
    let link = text_of(&["url"])
        .map(|u| review_url(&u, page_url))
        .unwrap_or_default();
    let id = text_of(&["@id", "id", "identifier", "reviewId"]);
    let date_formats = DateFormats::default();
    RawItem {
        guid: id.or(link.guid),
        link: link.link,
        title: text_of(&["name", "headline", "title"])
            .map(|t| escape(&t))
            .unwrap_or_default(),
        content: text_of(&["reviewBody", "text", "description"])
            .map(|t| escape(&t))
            .unwrap_or_default(),
        author: ["author", "consumer", "creator"]
            .iter()
            .find_map(|k| node.get(*k).and_then(person)),
        published_at: [
            "datePublished",
            "publishedDate",
            "dateCreated",
            "dateModified",
        ]
        .iter()
        .find_map(|k| node.get(*k).and_then(text))
        .and_then(|d| parse_date(&d, &date_formats)),
        rating: ["reviewRating", "rating"]
            .iter()
            .find_map(|k| node.get(*k))
            .and_then(|r| rating(r, scale, guessed)),
    }
}

/// A string value (numbers as text), trimmed; empty → `None`.
fn text(value: &Value) -> Option<String> {
    let s = match value {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Array(list) => return list.iter().find_map(text),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// An author given as a name, a `Person` / `Organization` object or a list of either.
fn person(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Array(list) => list.iter().find_map(person),
        Value::Object(p) => ["name", "displayName", "alternateName"]
            .iter()
            .find_map(|k| p.get(*k).and_then(text))
            .or_else(|| {
                let given = p.get("givenName").and_then(text)?;
                let family = p.get("familyName").and_then(text).unwrap_or_default();
                Some(format!("{given} {family}").trim().to_owned())
            }),
        _ => None,
    }
}

/// A rating given as a number, a numeric string or a `Rating` object.
fn rating(value: &Value, scale: Scale, guessed: &mut usize) -> Option<Rating> {
    let (number, scale) = match value {
        Value::Object(r) => (
            r.get("ratingValue")
                .or_else(|| r.get("value"))
                .and_then(json_number)?,
            scale_of(r, scale),
        ),
        other => (json_number(other)?, scale),
    };
    let mut best = scale.best;
    if number > best && scale.assumed {
        best = if number <= 10.0 { 10.0 } else { 100.0 };
        *guessed += 1;
    }
    Rating::new(number, scale.worst, best).filter(|_| number >= scale.worst && number <= best)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(html: &str) -> Found {
        let doc = Html::parse_document(html);
        from_document(&doc, &Url::parse("https://shop.example/p/1").expect("url"))
    }

    #[test]
    fn graph_and_aggregate_scale_are_followed() {
        let f = found(
            r#"<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
            {"@type":"Product","name":"Kettle","aggregateRating":{"@type":"AggregateRating","ratingValue":"8.1","bestRating":"10","worstRating":"0"},
             "review":[{"@type":"Review","author":{"@type":"Person","name":"Ana"},"reviewRating":{"ratingValue":"7"},"reviewBody":"Bien."}]}]}</script>"#,
        );
        assert_eq!(f.subject.as_deref(), Some("Kettle"));
        let r = f.items[0].rating.expect("rating");
        assert_eq!((r.value, r.worst, r.best), (7.0, 0.0, 10.0));
        assert_eq!(f.items[0].author.as_deref(), Some("Ana"));
    }

    #[test]
    fn p15_malformed_block_is_skipped_with_a_warning() {
        let f = found(
            r#"<script type="application/ld+json">{"@type":"Review",</script>
            <script type="application/ld+json">{"@type":"Review","reviewBody":"ok","reviewRating":{"ratingValue":4}}</script>"#,
        );
        assert_eq!(f.blocks, 2);
        assert_eq!(f.items.len(), 1);
        assert!(
            f.warnings[0].contains("block 1 is malformed"),
            "{:?}",
            f.warnings
        );
    }

    #[test]
    fn fragment_ids_are_guids_not_links() {
        let f = found(
            r#"<script type="application/ld+json">[{"@type":"Review","@id":"https://shop.example/#/Review/abc","url":"https://shop.example/p/1#r-abc","reviewBody":"x"}]</script>"#,
        );
        assert_eq!(f.items[0].link, None);
        assert_eq!(
            f.items[0].guid.as_deref(),
            Some("https://shop.example/#/Review/abc")
        );
    }

    #[test]
    fn unnamed_scales_are_widened_with_a_warning() {
        let f = found(
            r#"<script type="application/ld+json">{"@type":"Review","reviewRating":{"ratingValue":"9"},"reviewBody":"x"}</script>"#,
        );
        assert_eq!(f.items[0].rating.map(|r| r.best), Some(10.0));
        assert_eq!(f.warnings.len(), 1);
    }
}
