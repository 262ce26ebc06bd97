//! Normalisation: [`RawItem`] → [`Item`], the canonical, comparable form.
//!
//! Everything after this step (matching, scoring, storing) compares items, so this
//! is where "the same article" is decided once: plain text instead of markup
//! ([`plain_text`]), one URL per article ([`canonical_url`]) and a stable key per
//! item ([`item_key`]). The key is what the store's uniqueness rests on, so it is
//! derived only from the item's content, never from a clock or a random source:
//! polling the same feed a hundred times must yield the same keys (A09).
//!
//! [`items`] works on a whole batch because one rule needs the batch: feeds that
//! give every entry the same GUID (P09) must not collapse into one mention.

mod text;
mod url;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::extract::{Rating, RawItem};

pub use text::{MAX_TEXT_INPUT_BYTES, plain_text};
pub use url::{TRACKING_PARAMS, TRACKING_PREFIXES, canonical_url};

/// How many bytes of the SHA-256 digest an item key keeps (as hex: twice as many chars).
pub const KEY_DIGEST_BYTES: usize = 16;

/// One entry in canonical form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Stable identity: `u:` (from the URL), `g:` (from the GUID) or `h:` (content hash) + hex.
    pub key: String,
    /// The canonical http(s) URL, if the entry has one.
    pub url: Option<String>,
    /// The title as plain text.
    pub title: String,
    /// The body as plain text.
    pub text: String,
    /// The author's name as plain text.
    pub author: Option<String>,
    /// When the entry was published (or last updated).
    pub published_at: Option<DateTime<Utc>>,
    /// A review rating, when the source gives one.
    pub rating: Option<Rating>,
}

/// Normalises one batch (one fetched document) of raw items.
///
/// Items with no title, no text and no URL carry nothing to match and are dropped.
/// Keys may repeat within a batch (the same article listed twice); the store keeps one.
pub fn items(raw: Vec<RawItem>) -> Vec<Item> {
    let mut guid_counts: HashMap<String, usize> = HashMap::new();
    for item in &raw {
        if let Some(guid) = clean_guid(item.guid.as_deref()) {
            *guid_counts.entry(guid.to_owned()).or_default() += 1;
        }
    }
    raw.into_iter()
        .filter_map(|item| {
            let url = item.link.as_deref().and_then(canonical_url);
            let title = plain_text(&item.title);
            let text = plain_text(&item.content);
            if title.is_empty() && text.is_empty() && url.is_none() {
                return None;
            }
            let guid = clean_guid(item.guid.as_deref());
            let shared = guid.is_some_and(|g| guid_counts.get(g).is_some_and(|n| *n > 1));
            let key = item_key(url.as_deref(), guid, shared, &title, &text);
            // A review without a page of its own (`page#review-3`) keys by its GUID, but
            // people still need somewhere to click: show the GUID when it is a web address.
            let url = url.or_else(|| {
                guid.filter(|g| g.starts_with("https://") || g.starts_with("http://"))
                    .map(str::to_owned)
            });
            let author = item
                .author
                .as_deref()
                .map(plain_text)
                .filter(|a| !a.is_empty());
            Some(Item {
                key,
                url,
                title,
                text,
                author,
                published_at: item.published_at,
                rating: item.rating,
            })
        })
        .collect()
}

/// The stable key of an item.
///
/// - With a canonical URL: `u:` + digest of the URL, so the same article under
///   different tracking parameters or in two alert feeds is one key (P11).
/// - Else with a GUID: `g:` + digest of the GUID; when the GUID is shared by several
///   items of the batch (`guid_shared`), the title and text are mixed in (P09).
/// - Else: `h:` + digest of the case-folded title and text (P10).
///
/// `url` must already be canonical; `title` and `text` plain text.
pub fn item_key(
    url: Option<&str>,
    guid: Option<&str>,
    guid_shared: bool,
    title: &str,
    text: &str,
) -> String {
    if let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) {
        return digest("u", &[url]);
    }
    if let Some(guid) = clean_guid(guid) {
        if guid_shared {
            return digest("g", &[guid, &fold(title), &fold(text)]);
        }
        return digest("g", &[guid]);
    }
    digest("h", &[&fold(title), &fold(text)])
}

/// A GUID worth keying on: trimmed, non-empty.
fn clean_guid(guid: Option<&str>) -> Option<&str> {
    guid.map(str::trim).filter(|g| !g.is_empty())
}

/// Lowercased, whitespace-collapsed text, so cosmetic edits do not change a content key.
fn fold(s: &str) -> String {
    s.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// `prefix:` + the first [`KEY_DIGEST_BYTES`] of SHA-256 over the parts, as hex.
fn digest(prefix: &str, parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prefix.as_bytes());
    for part in parts {
        // A separator that cannot occur in trimmed text keeps ("ab","c") ≠ ("a","bc").
        hasher.update([0x1f]);
        hasher.update(part.as_bytes());
    }
    let hash = hasher.finalize();
    let mut key = String::with_capacity(prefix.len() + 1 + KEY_DIGEST_BYTES * 2);
    key.push_str(prefix);
    key.push(':');
    for byte in &hash[..KEY_DIGEST_BYTES] {
        key.push_str(&format!("{byte:02x}"));
    }
    key
}

#[cfg(test)]
mod review_link_tests {
    use super::*;

    #[test]
    fn a_review_without_its_own_link_shows_its_guid_url_but_keys_by_guid() {
        let raw = |guid: &str| RawItem {
            guid: Some(guid.into()),
            link: None,
            title: "Great coffee".into(),
            content: "Loved it".into(),
            author: None,
            published_at: None,
            rating: None,
        };
        let items = items(vec![
            raw("https://www.yelp.com/biz/lumbre#review-1"),
            raw("https://www.yelp.com/biz/lumbre#review-2"),
            raw("review-3"),
        ]);
        assert_eq!(
            items[0].url.as_deref(),
            Some("https://www.yelp.com/biz/lumbre#review-1")
        );
        assert_ne!(
            items[0].key, items[1].key,
            "each review stays its own mention"
        );
        assert!(items[0].key.starts_with("g:"));
        assert_eq!(items[2].url, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(guid: Option<&str>, link: Option<&str>, title: &str) -> RawItem {
        RawItem {
            guid: guid.map(str::to_owned),
            link: link.map(str::to_owned),
            title: title.to_owned(),
            content: format!("<p>{title} body</p>"),
            ..RawItem::default()
        }
    }

    #[test]
    fn key_prefers_the_canonical_url() {
        let a = item_key(Some("https://example.com/a"), Some("g1"), false, "T", "x");
        let b = item_key(Some("https://example.com/a"), Some("g2"), true, "U", "y");
        assert_eq!(a, b);
        assert!(a.starts_with("u:"));
        assert_eq!(a.len(), 2 + KEY_DIGEST_BYTES * 2);
        assert!(a[2..].chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn key_falls_back_to_guid_then_content() {
        let g = item_key(None, Some(" tag:x,2024:1 "), false, "T", "x");
        assert_eq!(g, item_key(None, Some("tag:x,2024:1"), false, "Other", "y"));
        assert!(g.starts_with("g:"));
        let shared1 = item_key(None, Some("same"), true, "One", "x");
        let shared2 = item_key(None, Some("same"), true, "Two", "x");
        assert_ne!(shared1, shared2);
        let h = item_key(None, None, false, "Cumbre  Bank", "Text");
        assert_eq!(h, item_key(None, Some("  "), false, "cumbre bank", "text"));
        assert!(h.starts_with("h:"));
    }

    #[test]
    fn key_is_a_fixed_value_across_runs() {
        // Pinned: a change here re-keys every stored mention.
        assert_eq!(
            item_key(None, None, false, "hello", "world"),
            digest("h", &["hello", "world"])
        );
        assert_ne!(digest("h", &["ab", "c"]), digest("h", &["a", "bc"]));
        assert_ne!(digest("u", &["x"]), digest("g", &["x"]));
    }

    #[test]
    fn p09_shared_guids_give_distinct_keys() {
        let batch = vec![
            raw(Some("dup"), None, "First"),
            raw(Some("dup"), None, "Second"),
            raw(
                Some("dup"),
                Some("https://example.com/3?utm_source=x"),
                "Third",
            ),
        ];
        let items = items(batch);
        assert_eq!(items.len(), 3);
        assert_ne!(items[0].key, items[1].key);
        assert_eq!(items[2].url.as_deref(), Some("https://example.com/3"));
        assert!(items[2].key.starts_with("u:"));
    }

    #[test]
    fn empty_items_are_dropped_and_text_is_plain() {
        let mut bare = raw(None, None, "");
        bare.content = "  <br/> ".into();
        let mut rich = raw(None, Some("javascript:alert(1)"), "&lt;b&gt;Hi&lt;/b&gt;");
        rich.author = Some(" <i>Ana</i> ".into());
        let items = items(vec![bare, rich]);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].title, "Hi");
        assert_eq!(items[0].text, "Hi body");
        assert_eq!(items[0].url, None);
        assert_eq!(items[0].author.as_deref(), Some("Ana"));
    }
}
