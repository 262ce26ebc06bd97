//! Helpers for the extraction tests: finding `../shared/eval`, reading the
//! feedparser corpus's simulated HTTP headers, and loading our own fixtures.

use std::path::{Path, PathBuf};
use std::time::Duration;

use vigia::extract::{self, Extracted};
use vigia::normalize::{self, Item};

pub use crate::support::eval_dir;

/// Every file below `dir`, sorted, so runs are comparable.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The simulated `Content-Type` of a feedparser corpus file (`Header: Content-type: …`).
///
/// Headers sit in the file's leading comment; NUL bytes are dropped first so the
/// ASCII header text of UTF-16/32 files is found too.
pub fn corpus_content_type(bytes: &[u8]) -> Option<String> {
    let head: Vec<u8> = bytes
        .iter()
        .take(4096)
        .filter(|b| **b != 0)
        .copied()
        .collect();
    let head = String::from_utf8_lossy(&head);
    let end = head.find("-->").unwrap_or(head.len());
    head[..end].lines().find_map(|line| {
        let value = line.trim().strip_prefix("Header:")?.trim();
        let (name, value) = value.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-type")
            .then(|| value.trim().to_owned())
    })
}

/// The bytes of one of our fixtures under `tests/fixtures/feeds/`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/feeds")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// Extracts a document that must parse.
pub fn extract_ok(body: &[u8], content_type: Option<&str>) -> Extracted {
    extract::feed(body, content_type).unwrap_or_else(|e| panic!("expected a feed, got: {e}"))
}

/// Extracts and normalises a document that must parse.
pub fn items_of(body: &[u8], content_type: Option<&str>) -> Vec<Item> {
    normalize::items(extract_ok(body, content_type).items)
}

/// An RSS 2.0 document with one item per `(title, description)`.
pub fn rss_with(items: &[(&str, &str)]) -> String {
    let body: String = items
        .iter()
        .map(|(t, d)| format!("<item><title>{t}</title><description>{d}</description></item>"))
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>Test</title>{body}</channel></rss>"
    )
}

/// The text of the one item in an encoded document.
pub fn only_text(bytes: &[u8], content_type: Option<&str>) -> String {
    let items = items_of(bytes, content_type);
    assert_eq!(items.len(), 1, "one item expected");
    format!("{} | {}", items[0].title, items[0].text)
}

/// A one-item RSS document in UTF-8 with the given declared encoding.
pub fn encoded_doc(declared: Option<&str>) -> String {
    let decl = declared.map_or(String::new(), |e| format!(" encoding=\"{e}\""));
    format!(
        "<?xml version=\"1.0\"{decl}?><rss version=\"2.0\"><channel><item>\
         <title>Caf\u{e9} Orilla \u{201c}ok\u{201d}</title><description>pi\u{f1}a</description>\
         </item></channel></rss>"
    )
}

/// A one-item RSS document linking to `link`.
pub fn rss_link_doc(link: &str) -> String {
    let link = link.replace('&', "&amp;");
    format!(
        "<rss version=\"2.0\"><channel><item><title>T</title><link>{link}</link></item></channel></rss>"
    )
}

/// True when `needle` occurs in `hay`.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Running figures of the corpus test.
#[derive(Default)]
pub struct CorpusTally {
    pub parsed: usize,
    pub raw_items: usize,
    pub items: usize,
    pub candidates: usize,
    pub yielding: usize,
    pub slowest: (Duration, String),
}

impl CorpusTally {
    /// Records one file's outcome: `(raw items, normalised items)` when it parsed.
    pub fn count(&mut self, counts: Option<(usize, usize)>, is_candidate: bool) {
        let (raw, items) = counts.unwrap_or((0, 0));
        if counts.is_some() {
            self.parsed += 1;
            self.raw_items += raw;
            self.items += items;
        }
        if is_candidate {
            self.candidates += 1;
            self.yielding += usize::from(raw > 0);
        }
    }

    /// Remembers the slowest file (printed, never asserted: speed is for benchmarks).
    pub fn time(&mut self, took: Duration, name: &str) {
        if took > self.slowest.0 {
            self.slowest = (took, name.to_owned());
        }
    }
}
