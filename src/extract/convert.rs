//! feed-rs's model → [`RawItem`]s.
//!
//! Kept apart from the byte handling so the mapping rules (which link, which body,
//! which date) read in one place. feed-rs is configured not to invent ids: its
//! default fills a missing id with a random UUID, which would make the same entry a
//! new mention on every poll.

use feed_rs::model::{Entry, Feed, Link, Person};
use feed_rs::parser::{Builder, ParseErrorKind, ParseFeedError};
use url::Url;

use super::{ExtractError, Extracted, RawItem};

/// What feed-rs calls an Atom author whose `<name>` is missing or empty.
const UNNAMED_AUTHOR: &str = "unknown";

/// The placeholder name feed-rs gives an RSS `<author>`, whose text it keeps as `email`.
const RSS_AUTHOR_ROLE: &str = "author";

/// Runs feed-rs over prepared bytes and classifies its errors.
pub(crate) fn parse(bytes: &[u8], base_url: Option<&str>) -> Result<Feed, ExtractError> {
    let base = base_url.filter(|b| Url::parse(b).is_ok());
    let parser = Builder::new()
        .base_uri(base)
        .id_generator(|_, _, _| String::new())
        .sanitize_content(false)
        .build();
    parser.parse(bytes).map_err(classify)
}

/// Turns a feed-rs error into one of ours, with the detail a person needs.
fn classify(err: ParseFeedError) -> ExtractError {
    match err {
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => ExtractError::NotAFeed {
            detail: "no <rss>, <feed>, <rdf:RDF> or JSON Feed object at the top".into(),
        },
        ParseFeedError::ParseError(ParseErrorKind::UnknownMimeType(mime)) => {
            ExtractError::Malformed {
                detail: format!("content of unsupported type `{mime}`"),
            }
        }
        ParseFeedError::ParseError(kind) => ExtractError::Malformed {
            detail: kind.to_string(),
        },
        ParseFeedError::JsonUnsupportedVersion(version) => ExtractError::NotAFeed {
            detail: format!("JSON with unsupported feed version `{version}`"),
        },
        ParseFeedError::JsonSerde(e) => ExtractError::Malformed {
            detail: format!("invalid JSON: {e}"),
        },
        ParseFeedError::IoError(e) => ExtractError::Malformed {
            detail: format!("read error: {e}"),
        },
        ParseFeedError::XmlReader(e) => {
            let detail = e.to_string();
            if detail.starts_with("Encoding error") || detail.contains("invalid utf-8") {
                ExtractError::Encoding { detail }
            } else {
                ExtractError::Malformed { detail }
            }
        }
    }
}

/// Maps a parsed feed onto what vigia keeps.
pub(crate) fn extracted(feed: Feed, base_url: Option<&str>, warnings: Vec<String>) -> Extracted {
    let base = feed_base(&feed, base_url);
    let feed_title = feed
        .title
        .map(|t| t.content.trim().to_owned())
        .filter(|t| !t.is_empty());
    let items = feed
        .entries
        .into_iter()
        .map(|entry| raw_item(entry, base.as_ref()))
        .collect();
    Extracted {
        items,
        warnings,
        feed_title,
    }
}

/// The URL relative entry links are resolved against: the document's own, else its site link.
fn feed_base(feed: &Feed, base_url: Option<&str>) -> Option<Url> {
    base_url
        .and_then(|b| Url::parse(b).ok())
        .or_else(|| pick_link(&feed.links).and_then(|l| Url::parse(&l.href).ok()))
}

/// One entry → one [`RawItem`].
fn raw_item(entry: Entry, base: Option<&Url>) -> RawItem {
    let guid = Some(entry.id.trim().to_owned()).filter(|g| !g.is_empty());
    let link = pick_link(&entry.links)
        .map(|l| resolve(&l.href, base))
        .or_else(|| guid.as_deref().filter(|g| is_web_url(g)).map(str::to_owned));
    let title = entry.title.map(|t| t.content).unwrap_or_default();
    let content = entry
        .content
        .and_then(|c| c.body)
        .filter(|b| !b.trim().is_empty())
        .or_else(|| entry.summary.map(|s| s.content))
        .filter(|b| !b.trim().is_empty())
        .or_else(|| {
            entry
                .media
                .into_iter()
                .find_map(|m| m.description.map(|d| d.content))
        })
        .unwrap_or_default();
    let author = entry.authors.into_iter().find_map(person_name);
    RawItem {
        guid,
        link,
        title,
        content,
        author,
        published_at: entry.published.or(entry.updated),
        rating: None,
    }
}

/// A person's display name; for RSS `<author>` the `(Name)` of `mail@host (Name)`.
fn person_name(person: Person) -> Option<String> {
    let name = person.name.trim();
    let name = match (name, person.email.as_deref()) {
        (RSS_AUTHOR_ROLE, Some(text)) => {
            let text = text.trim();
            match (text.find('('), text.rfind(')')) {
                (Some(open), Some(close)) if open < close => text[open + 1..close].trim(),
                _ => text,
            }
        }
        (UNNAMED_AUTHOR, _) => "",
        (name, _) => name,
    };
    (!name.is_empty()).then(|| name.to_owned())
}

/// The entry's main link: `rel="alternate"` or no rel first, then anything but self/enclosure.
fn pick_link(links: &[Link]) -> Option<&Link> {
    let usable = |l: &&Link| !l.href.trim().is_empty();
    links
        .iter()
        .filter(usable)
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or_else(|| {
            links
                .iter()
                .filter(usable)
                .find(|l| !matches!(l.rel.as_deref(), Some("self" | "enclosure")))
        })
}

/// `href` made absolute against `base` when it is relative (left as is otherwise).
fn resolve(href: &str, base: Option<&Url>) -> String {
    let href = href.trim();
    if Url::parse(href).is_ok() {
        return href.to_owned();
    }
    base.and_then(|b| b.join(href).ok())
        .map(String::from)
        .unwrap_or_else(|| href.to_owned())
}

/// True for an absolute http(s) URL (an RSS `guid` that doubles as the permalink).
fn is_web_url(s: &str) -> bool {
    Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}
