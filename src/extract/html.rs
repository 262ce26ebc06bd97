//! HTML review pages → [`RawItem`]s, driven by a recipe's CSS selectors ([`HtmlRule`]).
//!
//! A recipe names one `item` selector (one match = one review) and, per field, a selector
//! inside the item plus where the value is (`attr`, else the element's text). The rule is
//! plain serde data so that a recipe file *is* the extractor's configuration, and every
//! selector and date format is compiled when the recipe loads: a typo is a load error
//! naming the key and line, never a silent empty poll.
//!
//! Sites restyle their pages, so the extractor is loud about it. An item selector that
//! matches nothing on a page the fetcher did not classify as blocked is
//! [`PageError::SelectorDrift`] (P13), unless the recipe's `empty` marker says the page
//! legitimately has no reviews; items whose `required` fields are all empty give a
//! "partial drift" warning.
//!
//! Review sites also carry schema.org JSON-LD. With `jsonld = "prefer"` the JSON-LD
//! reviews are the records (ISO dates, explicit rating scales, stable across redesigns)
//! and the HTML items fill what JSON-LD lacks (the review's own URL, its title), matched
//! by review id; without JSON-LD reviews the HTML items are used. A malformed JSON-LD
//! block is ignored with a warning and the selectors still apply (P15).

mod decode;
mod fields;
mod value;

use std::collections::HashMap;

use scraper::{ElementRef, Html, Selector};

use fields::{read_item, required_fields};
use serde::Deserialize;
use url::Url;

use super::{ExtractError, Extracted, RawItem};
use crate::normalize::plain_text;

pub(crate) use decode::{Markup, decode};
pub use value::{
    AUTO_DATE_FORMATS, Css, DateFormats, ReviewUrl, escape, json_number, parse_date, parse_number,
    review_url,
};

/// The worst rating of a scale when a recipe or a page names none.
pub const DEFAULT_WORST_RATING: f64 = 1.0;
/// The best rating of a scale when a recipe or a page names none.
pub const DEFAULT_BEST_RATING: f64 = 5.0;
/// Pages followed per poll when a recipe has `[html.pagination]` without `max_pages`.
pub const DEFAULT_MAX_PAGES: u32 = 3;
/// The most pages a recipe may ask to follow per poll (politeness).
pub const MAX_PAGES_LIMIT: u32 = 10;

/// How "partial drift" warnings start: items found, a required field empty in all of
/// them. Source health can look for it to flag the source without failing the poll.
pub const PARTIAL_DRIFT_WARNING: &str = "partial selector drift";

/// How an html recipe extracts reviews: `[html]` in a recipe file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HtmlRule {
    /// Matches each review on the page.
    pub item: Css,
    /// Matches only when the page legitimately has no reviews ("No reviews yet").
    pub empty: Option<Css>,
    /// The review's id on the site (becomes the GUID).
    pub id: Option<FieldRule>,
    /// The review's title.
    pub title: Option<FieldRule>,
    /// The review's text; every match inside the item is kept (paragraphs).
    pub text: Option<FieldRule>,
    /// The reviewer's name.
    pub author: Option<FieldRule>,
    /// The review's own URL (usually `attr = "href"`), resolved against the page URL.
    pub link: Option<FieldRule>,
    /// When the review was published.
    pub date: Option<DateRule>,
    /// The star rating.
    pub rating: Option<RatingRule>,
    /// Following the "next page" link.
    pub pagination: Option<Pagination>,
    /// Whether JSON-LD reviews on the page are used (`"ignore"` or `"prefer"`).
    #[serde(default)]
    pub jsonld: JsonLdMode,
}

/// Where one text field is inside an item.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldRule {
    /// Selector inside the item; absent = the item element itself.
    pub selector: Option<Css>,
    /// Read this attribute instead of the element's text.
    pub attr: Option<String>,
    /// Every review has this field: warn about drift when none has it.
    #[serde(default)]
    pub required: bool,
}

/// Where the date is and how it is written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateRule {
    /// Selector inside the item; absent = the item element itself.
    pub selector: Option<Css>,
    /// Read this attribute (e.g. `datetime`) instead of the element's text.
    pub attr: Option<String>,
    /// One format or a list, tried in order (default `"auto"`).
    #[serde(default)]
    pub format: DateFormats,
    /// Every review has a date: warn about drift when none has one.
    #[serde(default)]
    pub required: bool,
}

/// Where the rating is and on which scale.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingRule {
    /// Selector inside the item; absent = the item element itself.
    pub selector: Option<Css>,
    /// Read the first number of this attribute (`aria-label`, `data-rating`, `alt`, …).
    pub attr: Option<String>,
    /// Count the elements `selector` matches instead (one filled star icon each).
    #[serde(default)]
    pub count: bool,
    /// The worst rating on the site's scale.
    #[serde(default = "default_worst")]
    pub worst: f64,
    /// The best rating on the site's scale.
    #[serde(default = "default_best")]
    pub best: f64,
    /// Every review has a rating: warn about drift when none has one.
    #[serde(default)]
    pub required: bool,
}

/// `[html.pagination]`: the "next page" link.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pagination {
    /// Matches the link (`href`) to the next page.
    pub next: Css,
    /// Pages fetched per poll, the first included.
    #[serde(default = "default_max_pages")]
    pub max_pages: u32,
}

/// What an html recipe does with JSON-LD reviews on the same page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JsonLdMode {
    /// Selectors only.
    #[default]
    Ignore,
    /// JSON-LD reviews when the page has any (completed from the HTML), else selectors.
    Prefer,
}

/// What one page yielded, and where the next one is.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    /// Items, warnings and the page title.
    pub extracted: Extracted,
    /// The next page to fetch, when the recipe paginates and the page links one.
    pub next_page: Option<Url>,
}

/// Why a page yielded nothing usable.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// The body could not be read at all (empty, too large, undecodable, not JSON).
    #[error(transparent)]
    Unreadable(#[from] ExtractError),
    /// The recipe's selectors (or paths) no longer match the page: the site changed.
    #[error(
        "selector drift: `{selector}` {detail}; the site's markup has probably changed: update the recipe's selectors (`vigia check SOURCE` shows what is extracted)"
    )]
    SelectorDrift {
        /// The selector or path that found nothing.
        selector: String,
        /// What was found instead.
        detail: String,
    },
}

impl PageError {
    /// True for [`PageError::SelectorDrift`]: the source should be marked "drifted".
    pub fn is_drift(&self) -> bool {
        matches!(self, PageError::SelectorDrift { .. })
    }
}

impl HtmlRule {
    /// Checks what serde cannot (a rating scale, a page count); on error the dotted key at
    /// fault and what is wrong.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        if let Some(r) = &self.rating {
            if !(r.worst.is_finite() && r.best.is_finite() && r.best > r.worst) {
                let scale = format!("{}..{}", r.worst, r.best);
                return Err((
                    "html.rating",
                    format!("the scale {scale} is empty; `best` must exceed `worst`"),
                ));
            }
            if r.count && r.selector.is_none() {
                let msg = "count = true needs a `selector` for the elements to count";
                return Err(("html.rating", msg.into()));
            }
            if r.count && r.attr.is_some() {
                return Err((
                    "html.rating",
                    "give `count = true` or `attr`, not both".into(),
                ));
            }
        }
        if let Some(p) = &self.pagination
            && !(1..=MAX_PAGES_LIMIT).contains(&p.max_pages)
        {
            let msg = format!("max_pages must be between 1 and {MAX_PAGES_LIMIT}");
            return Err(("html.pagination", msg));
        }
        Ok(())
    }
}

/// Extracts the reviews of one HTML page with `rule`.
///
/// Assumes the fetcher already classified bot walls and error pages as blocked: on any
/// other page an item selector that matches nothing is selector drift.
pub fn extract(
    body: &[u8],
    content_type: Option<&str>,
    rule: &HtmlRule,
    page_url: &Url,
) -> Result<Page, PageError> {
    let mut warnings = Vec::new();
    let text = decode(body, content_type, Markup::Html, &mut warnings)?;
    let document = Html::parse_document(&text);
    let feed_title = page_title(&document);

    let html_items = select_items(&document, rule, page_url, &mut warnings);
    let mut items = match rule.jsonld {
        JsonLdMode::Ignore => None,
        JsonLdMode::Prefer => {
            let found = super::jsonld::from_document(&document, page_url);
            warnings.extend(found.warnings);
            (!found.items.is_empty()).then_some(found.items)
        }
    };
    match (&mut items, html_items) {
        (Some(jsonld), Ok(html)) => complete_from_html(jsonld, &html),
        (Some(_), Err(drift)) => warnings.push(format!(
            "{drift} (the page's JSON-LD reviews were used instead)"
        )),
        (None, Ok(html)) => items = Some(html),
        (None, Err(drift)) => {
            if rule.empty.as_ref().is_some_and(|e| matches(&document, e)) {
                items = Some(Vec::new());
            } else {
                return Err(drift);
            }
        }
    }
    let next_page = rule
        .pagination
        .as_ref()
        .and_then(|p| next_page(&document, &p.next, page_url, &mut warnings));
    Ok(Page {
        extracted: Extracted {
            items: items.unwrap_or_default(),
            warnings,
            feed_title,
        },
        next_page,
    })
}

/// The HTML items, or selector drift when the item selector matches nothing.
fn select_items(
    document: &Html,
    rule: &HtmlRule,
    page_url: &Url,
    warnings: &mut Vec<String>,
) -> Result<Vec<RawItem>, PageError> {
    let elements: Vec<ElementRef<'_>> = document.select(rule.item.selector()).collect();
    if elements.is_empty() {
        return Err(PageError::SelectorDrift {
            selector: rule.item.to_string(),
            detail: format!(
                "matches nothing on the page{}",
                page_title(document).map_or(String::new(), |t| format!(" titled \"{t}\""))
            ),
        });
    }
    let mut missing: HashMap<&'static str, usize> = HashMap::new();
    let mut unreadable: HashMap<&'static str, (usize, String)> = HashMap::new();
    let items: Vec<RawItem> = elements
        .iter()
        .map(|el| {
            let item = read_item(*el, rule, page_url, &mut unreadable);
            for (name, present) in required_fields(rule, &item) {
                if !present {
                    *missing.entry(name).or_default() += 1;
                }
            }
            item
        })
        .collect();
    let total = items.len();
    for (name, count) in sorted(missing) {
        warnings.push(if count == total {
            format!(
                "{PARTIAL_DRIFT_WARNING}: the required `{name}` field is empty in all {total} items; update the recipe's `{name}` selector"
            )
        } else {
            format!("the required `{name}` field is empty in {count} of {total} items")
        });
    }
    for (name, (count, example)) in sorted(unreadable) {
        warnings.push(format!(
            "could not read `{name}` in {count} of {total} items (e.g. \"{example}\"); check the recipe's {name} format or scale"
        ));
    }
    Ok(items)
}

/// Map entries in key order, so warnings come out the same way every time.
fn sorted<V>(map: HashMap<&'static str, V>) -> Vec<(&'static str, V)> {
    let mut v: Vec<_> = map.into_iter().collect();
    v.sort_by_key(|(k, _)| *k);
    v
}

/// True when `css` matches anywhere in the document.
fn matches(document: &Html, css: &Css) -> bool {
    document.select(css.selector()).next().is_some()
}

/// The page's `<title>` as plain text.
pub(crate) fn page_title(document: &Html) -> Option<String> {
    let selector = Selector::parse("title").ok()?;
    let title = plain_text(&document.select(&selector).next()?.inner_html());
    (!title.is_empty()).then_some(title)
}

/// The next page's URL: an http(s) link on the page's own host (a recipe never sends the
/// poller to another site).
fn next_page(
    document: &Html,
    next: &Css,
    page_url: &Url,
    warnings: &mut Vec<String>,
) -> Option<Url> {
    let href = document
        .select(next.selector())
        .find_map(|el| el.value().attr("href"))?;
    let url = page_url.join(href.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str() != page_url.host_str() {
        warnings.push(format!(
            "the next-page link `{url}` leaves {}; not followed",
            page_url.host_str().unwrap_or("the site")
        ));
        return None;
    }
    (url != *page_url).then_some(url)
}

/// JSON-LD reviews completed with what the HTML items know (link, title), by review id.
fn complete_from_html(jsonld: &mut [RawItem], html: &[RawItem]) {
    let mut by_id: HashMap<&str, &RawItem> = HashMap::new();
    for item in html {
        for key in [item.guid.as_deref(), item.link.as_deref()]
            .into_iter()
            .flatten()
        {
            by_id.insert(last_segment(key), item);
        }
    }
    for item in jsonld {
        let Some(found) = item
            .guid
            .as_deref()
            .and_then(|g| by_id.get(last_segment(g)))
        else {
            continue;
        };
        if item.link.is_none() {
            item.link.clone_from(&found.link);
        }
        if plain_text(&item.title).is_empty() {
            item.title.clone_from(&found.title);
        }
    }
}

/// The last `/`- or `#`-separated part of an id or URL (`…/Review/acme/abc123` → `abc123`).
fn last_segment(id: &str) -> &str {
    let id = id.trim().trim_end_matches('/');
    id.rsplit(['/', '#', '=']).next().unwrap_or(id)
}

fn default_worst() -> f64 {
    DEFAULT_WORST_RATING
}

fn default_best() -> f64 {
    DEFAULT_BEST_RATING
}

fn default_max_pages() -> u32 {
    DEFAULT_MAX_PAGES
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(toml_text: &str) -> HtmlRule {
        toml::from_str(toml_text).expect("rule")
    }

    fn run(rule: &HtmlRule, html: &str) -> Result<Page, PageError> {
        let page_url = Url::parse("https://reviews.example/biz/acme").expect("url");
        extract(html.as_bytes(), None, rule, &page_url)
    }

    #[test]
    fn stars_are_counted_and_out_of_scale_ratings_dropped() {
        let r = rule(
            "item = \"li\"\ntext = { selector = \"p\" }\n[rating]\nselector = \"i.on\"\ncount = true\nworst = 1\nbest = 5\n",
        );
        let page = run(
            &r,
            "<ul><li><i class=on></i><i class=on></i><i></i><p>ok</p></li><li><p>none</p></li></ul>",
        )
        .expect("items");
        assert_eq!(page.extracted.items[0].rating.map(|r| r.value), Some(2.0));
        assert_eq!(
            page.extracted.items[1].rating, None,
            "0 stars is outside 1..5"
        );
        assert!(page.extracted.warnings[0].contains("could not read `rating` in 1 of 2"));
    }

    #[test]
    fn some_items_missing_a_required_field_is_counted() {
        let r = rule("item = \"li\"\ntext = { selector = \"p\", required = true }\n");
        let page = run(&r, "<ul><li><p>yes</p></li><li><span>no</span></li></ul>").expect("items");
        assert_eq!(
            page.extracted.warnings,
            ["the required `text` field is empty in 1 of 2 items"]
        );
    }

    #[test]
    fn next_page_stays_on_the_site() {
        let r = rule("item = \"li\"\n[pagination]\nnext = \"a.next\"\n");
        assert_eq!(
            r.pagination.as_ref().map(|p| p.max_pages),
            Some(DEFAULT_MAX_PAGES)
        );
        let page = run(&r, "<li>x</li><a class=next href=\"?page=2\">next</a>").expect("page");
        assert_eq!(
            page.next_page.map(String::from).as_deref(),
            Some("https://reviews.example/biz/acme?page=2")
        );
        let page = run(
            &r,
            "<li>x</li><a class=next href=\"https://evil.example/\">next</a>",
        )
        .expect("page");
        assert_eq!(page.next_page, None);
        assert!(page.extracted.warnings[0].contains("not followed"));
    }

    #[test]
    fn links_with_fragments_become_guids_and_text_keeps_paragraphs() {
        let r = rule(
            "item = \"article\"\nlink = { selector = \"a\", attr = \"href\" }\ntext = { selector = \"p\" }\n",
        );
        let page = run(
            &r,
            "<article><a href=\"#r1\">x</a><p>One &amp; two</p><p>Three</p></article>",
        )
        .expect("page");
        let item = &page.extracted.items[0];
        assert_eq!(item.link, None);
        assert_eq!(
            item.guid.as_deref(),
            Some("https://reviews.example/biz/acme#r1")
        );
        assert_eq!(plain_text(&item.content), "One & two Three");
    }
}
