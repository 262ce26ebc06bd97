//! `vigia check SOURCE`: one fetch, and what would be extracted, matched and scored, with
//! nothing stored.
//!
//! A dry run for people writing recipes and sources: it runs the very same steps as a poll
//! (`Pipeline::items_of`, `Pipeline::mentions_of`), so what it prints is what a poll would
//! store. It ignores stored validators (a 304 would show nothing) and only reads the store,
//! to say which mentions are already there.

use std::fmt::Write as _;

use url::Url;

use crate::fetch::{FetchError, Fetched, Validators};
use crate::poll::Pipeline;
use crate::recipe::PageError;
use crate::report::{cut, top_terms};
use crate::store::{self, StoreError};

/// Why a check could not run.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// No `[[source]]` has that name.
    #[error("no source named \"{0}\" in the config; `vigia sources` lists them")]
    UnknownSource(String),
    /// The fetch failed (the message says why and what to do).
    #[error("fetch failed: {0}")]
    Fetch(#[from] FetchError),
    /// The document could not be read, or a recipe's selectors found nothing.
    #[error("extraction failed: {0}")]
    Extract(#[from] PageError),
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Fetch `name` once and describe what a poll would do with it.
pub async fn check(pipeline: &Pipeline, name: &str) -> Result<String, CheckError> {
    let source = pipeline
        .sources
        .get(name)
        .ok_or_else(|| CheckError::UnknownSource(name.to_string()))?;
    let raw_url = source.poll_url().to_string();
    let url = Url::parse(&raw_url).map_err(|e| FetchError::InvalidUrl {
        url: raw_url.clone(),
        reason: e.to_string(),
    })?;
    let mut out = String::new();
    let page = match pipeline.fetcher.get(&url, &Validators::default()).await? {
        Fetched::Page(page) => page,
        Fetched::NotModified => {
            let _ = writeln!(out, "GET {url} → 304 Not Modified (nothing to extract)");
            return Ok(out);
        }
    };
    let _ = writeln!(
        out,
        "GET {url} → {} {}, {} bytes",
        page.status,
        page.content_type.as_deref().unwrap_or("(no content type)"),
        page.body.len()
    );
    let (items, warnings) = pipeline.items_of(name, &page).await?;
    let _ = writeln!(
        out,
        "extracted {} items, {} warnings",
        items.len(),
        warnings.len()
    );
    for w in &warnings {
        let _ = writeln!(out, "  warning: {w}");
    }
    let now = store::now();
    let (mut matched, mut new) = (0, 0);
    for (i, item) in items.iter().enumerate() {
        let _ = writeln!(
            out,
            "\n{:>3}. {}\n     {}{}",
            i + 1,
            cut(&item.title, 100),
            item.url.as_deref().unwrap_or("(no link)"),
            item.published_at
                .map(|t| format!("  published {}", t.to_rfc3339()))
                .unwrap_or_default()
        );
        let mentions = pipeline.mentions_of(name, item, now);
        if mentions.is_empty() {
            let _ = writeln!(out, "     no brand mentioned");
        }
        for m in mentions {
            matched += 1;
            let stored = pipeline.store.mention_exists(&m.brand, &m.item_key).await?;
            if !stored {
                new += 1;
            }
            let _ = writeln!(
                out,
                "     → {}: {} {:+.2} [{}]{}  why: {}\n       {}",
                m.brand,
                m.label,
                m.compound,
                m.lang,
                if stored { "  (already stored)" } else { "" },
                top_terms(&m.terms, 4),
                cut(&m.snippet, 140)
            );
        }
    }
    let _ = writeln!(
        out,
        "\nwould store {new} new mentions ({matched} brand mentions in {} items); nothing was stored",
        items.len()
    );
    Ok(out)
}
