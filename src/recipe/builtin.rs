//! The recipes shipped with vigia, embedded in the binary from `sources/**`.
//!
//! Embedding (rather than reading `sources/` at run time) means an installed binary has
//! every shipped recipe and they cannot drift from the version tested. The list is
//! explicit: a test checks it names every file under `sources/`.

use std::sync::OnceLock;

use super::{Recipe, parse};

/// Every shipped recipe file: (path under the crate root, contents).
const FILES: [(&str, &str); 11] = [
    (
        "sources/alerts/google-alerts.toml",
        include_str!("../../sources/alerts/google-alerts.toml"),
    ),
    (
        "sources/alerts/talkwalker-alerts.toml",
        include_str!("../../sources/alerts/talkwalker-alerts.toml"),
    ),
    (
        "sources/feeds/google-news.toml",
        include_str!("../../sources/feeds/google-news.toml"),
    ),
    (
        "sources/feeds/bing-news.toml",
        include_str!("../../sources/feeds/bing-news.toml"),
    ),
    (
        "sources/feeds/reddit-search.toml",
        include_str!("../../sources/feeds/reddit-search.toml"),
    ),
    (
        "sources/feeds/hn-search.toml",
        include_str!("../../sources/feeds/hn-search.toml"),
    ),
    (
        "sources/feeds/rss.toml",
        include_str!("../../sources/feeds/rss.toml"),
    ),
    (
        "sources/review/app-store-reviews.toml",
        include_str!("../../sources/review/app-store-reviews.toml"),
    ),
    (
        "sources/review/trustpilot.toml",
        include_str!("../../sources/review/trustpilot.toml"),
    ),
    (
        "sources/review/yelp.toml",
        include_str!("../../sources/review/yelp.toml"),
    ),
    (
        "sources/review/schema-org.toml",
        include_str!("../../sources/review/schema-org.toml"),
    ),
];

/// The shipped recipes, parsed once. A file that fails to load is logged and left out
/// (the test suite makes sure none does).
pub fn builtin() -> &'static [Recipe] {
    static RECIPES: OnceLock<Vec<Recipe>> = OnceLock::new();
    RECIPES.get_or_init(|| {
        FILES
            .iter()
            .filter_map(|(path, text)| match parse(text, path) {
                Ok(recipe) => Some(recipe),
                Err(error) => {
                    tracing::error!(%error, path, "a built-in recipe does not load");
                    None
                }
            })
            .collect()
    })
}

/// The shipped recipe called `name`.
pub fn find(name: &str) -> Option<&'static Recipe> {
    builtin().iter().find(|r| r.name == name)
}

/// The paths of the shipped recipe files (for tests and `vigia sources --recipes`).
pub fn builtin_paths() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|(path, _)| *path)
}
