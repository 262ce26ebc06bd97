//! Reading one review element: each field's selector, attribute or text, parsed into
//! the [`RawItem`] the rest of vigia reads.
//!
//! Split from the page-level flow in [`super`] (drift, JSON-LD, pagination) so that
//! "what does one card hold" can be read on its own.

use std::collections::HashMap;

use scraper::ElementRef;
use url::Url;

use super::{Css, FieldRule, HtmlRule, escape, parse_date, parse_number, review_url};
use crate::extract::{Rating, RawItem};
use crate::normalize::plain_text;

/// Which required fields of `rule` `item` has.
pub(super) fn required_fields(rule: &HtmlRule, item: &RawItem) -> Vec<(&'static str, bool)> {
    let mut out = Vec::new();
    let text_rules = [
        ("id", &rule.id, item.guid.is_some()),
        ("title", &rule.title, !plain_text(&item.title).is_empty()),
        ("text", &rule.text, !plain_text(&item.content).is_empty()),
        ("author", &rule.author, item.author.is_some()),
        ("link", &rule.link, item.link.is_some()),
    ];
    for (name, field, present) in text_rules {
        if field.as_ref().is_some_and(|f| f.required) {
            out.push((name, present));
        }
    }
    if rule.date.as_ref().is_some_and(|d| d.required) {
        out.push(("date", item.published_at.is_some()));
    }
    if rule.rating.as_ref().is_some_and(|r| r.required) {
        out.push(("rating", item.rating.is_some()));
    }
    out
}

/// One review element → a [`RawItem`]; values that do not parse are counted in `unreadable`.
pub(super) fn read_item(
    el: ElementRef<'_>,
    rule: &HtmlRule,
    page_url: &Url,
    unreadable: &mut HashMap<&'static str, (usize, String)>,
) -> RawItem {
    let mut note = |name: &'static str, raw: &str| {
        let entry = unreadable.entry(name).or_insert((0, raw.to_owned()));
        entry.0 += 1;
    };
    let id = rule
        .id
        .as_ref()
        .and_then(|f| plain_value(el, f.selector.as_ref(), f.attr.as_deref()));
    let link = rule
        .link
        .as_ref()
        .and_then(|f| plain_value(el, f.selector.as_ref(), f.attr.as_deref()))
        .map(|raw| review_url(&raw, page_url))
        .unwrap_or_default();
    let published_at = rule.date.as_ref().and_then(|d| {
        let raw = plain_value(el, d.selector.as_ref(), d.attr.as_deref())?;
        let parsed = parse_date(&raw, &d.format);
        if parsed.is_none() {
            note("date", &raw);
        }
        parsed
    });
    let rating = rule.rating.as_ref().and_then(|r| {
        let value = if r.count {
            let selector = r.selector.as_ref()?;
            Some(el.select(selector.selector()).count() as f64)
        } else {
            let raw = plain_value(el, r.selector.as_ref(), r.attr.as_deref())?;
            let value = parse_number(&raw);
            if value.is_none() {
                note("rating", &raw);
            }
            value
        }?;
        let rating =
            Rating::new(value, r.worst, r.best).filter(|_| value >= r.worst && value <= r.best);
        if rating.is_none() {
            note("rating", &value.to_string());
        }
        rating
    });
    RawItem {
        guid: id.or(link.guid),
        link: link.link,
        title: rule
            .title
            .as_ref()
            .map(|f| markup_value(el, f, false))
            .unwrap_or_default(),
        content: rule
            .text
            .as_ref()
            .map(|f| markup_value(el, f, true))
            .unwrap_or_default(),
        author: rule
            .author
            .as_ref()
            .and_then(|f| plain_value(el, f.selector.as_ref(), f.attr.as_deref())),
        published_at,
        rating,
    }
}

/// The elements a field reads: matches of `selector` inside `el`, or `el` itself.
fn targets<'a>(el: ElementRef<'a>, selector: Option<&'a Css>) -> Vec<ElementRef<'a>> {
    match selector {
        Some(css) => el.select(css.selector()).collect(),
        None => vec![el],
    }
}

/// A field as plain text: the first non-empty attribute value or element text.
fn plain_value(el: ElementRef<'_>, selector: Option<&Css>, attr: Option<&str>) -> Option<String> {
    targets(el, selector).into_iter().find_map(|t| {
        let value = match attr {
            Some(name) => plain_text(&escape(t.value().attr(name)?)),
            None => plain_text(&t.inner_html()),
        };
        (!value.is_empty()).then_some(value)
    })
}

/// A field as markup for the normaliser: attribute values escaped, element HTML kept so
/// paragraph breaks survive; with `all`, every match is kept (one paragraph each).
fn markup_value(el: ElementRef<'_>, field: &FieldRule, all: bool) -> String {
    let mut parts = Vec::new();
    for t in targets(el, field.selector.as_ref()) {
        let part = match field.attr.as_deref() {
            Some(name) => t.value().attr(name).map(escape),
            None => Some(t.inner_html()),
        };
        if let Some(part) = part.filter(|p| !plain_text(p).is_empty()) {
            parts.push(part);
            if !all {
                break;
            }
        }
    }
    match parts.len() {
        0 => String::new(),
        1 => parts.swap_remove(0),
        _ => parts.iter().map(|p| format!("<p>{p}</p>")).collect(),
    }
}
