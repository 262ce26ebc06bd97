//! Spreading-story detection: the same negative story on N distinct hosts within T.
//!
//! This module owns one question: "is one story being picked up by several sites?" and the
//! answer the team needs: where it started and where it has been picked up. It sees every
//! mention (title, text, host, time, negative or not) and returns a [`Spreading`] once per
//! story, when the N-th distinct host appears within T (defaults: 3 hosts in 6 h).
//!
//! # Method, and why
//!
//! * **Near-duplicate = shared 3-word shingles** of folded text (see [`shingle`]). Rewrites
//!   keep most shingles; different stories about the same brand share few.
//! * **Similarity = overlap coefficient** (shared shingles ÷ the smaller set), not Jaccard:
//!   a site that runs only the first paragraphs of an article is still the same story.
//!   Two mentions match at ≥ [`DEFAULT_MIN_OVERLAP`] with at least [`DEFAULT_MIN_SHARED`]
//!   shared shingles (so three common words cannot make two headlines one story).
//! * **Exact counting through an inverted index** (shingle → recent mentions of the brand)
//!   instead of MinHash/LSH: at thousands of mentions a day the index is small, the counts
//!   are exact and there is no false-negative probability to tune. Each text keeps only
//!   its [`DEFAULT_SKETCH_SIZE`] smallest shingle hashes (bottom-k), so long articles cost
//!   no more than short ones, and only the newest [`MAX_POSTINGS_SCANNED`] entries of a
//!   shingle's list are scanned, so a phrase every article repeats stays cheap (a viral
//!   story's newest copies are always among them, so it keeps matching itself).
//! * **A story** is the cluster a mention joins: the story of its best match, or a new one.
//!   Index entries older than T are dropped, so memory follows the window.
//! * **Negative**: every mention is indexed (the lexicon can score one rewrite neutral),
//!   but a story fires only when at least [`DEFAULT_NEGATIVE_SHARE`] of its mentions
//!   within T are negative. Hosts are compared lowercased without a leading `www.`.
//! * **Origin**: the earliest published mention of the story, even if it is older than T;
//!   `picked_up_by` lists the first mention on every other host, oldest first.

mod index;
pub mod shingle;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use index::BrandStories;

/// Default distinct hosts a story must reach.
pub const DEFAULT_MIN_HOSTS: usize = 3;
/// Default window T, in seconds (6 h).
pub const DEFAULT_WINDOW_SECS: i64 = 6 * 3600;
/// Default overlap coefficient for two mentions to be the same story.
pub const DEFAULT_MIN_OVERLAP: f64 = 0.5;
/// Default minimum number of shared shingles for two mentions to be the same story.
pub const DEFAULT_MIN_SHARED: usize = 3;
/// Default shingle hashes kept per mention.
pub const DEFAULT_SKETCH_SIZE: usize = 256;
/// Default share of a story's mentions within T that must be negative.
pub const DEFAULT_NEGATIVE_SHARE: f64 = 0.5;
/// Newest entries of one shingle's posting list scanned per mention.
pub const MAX_POSTINGS_SCANNED: usize = 64;

/// Parameters of a [`SpreadingDetector`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpreadingParams {
    /// Distinct hosts (N) a story must reach within the window.
    pub min_hosts: usize,
    /// The window T, in seconds.
    pub window_secs: i64,
    /// Overlap coefficient at which two mentions are the same story.
    pub min_overlap: f64,
    /// Shared shingles two mentions need at least.
    pub min_shared: usize,
    /// Shingle hashes kept per mention.
    pub sketch_size: usize,
    /// Share of the story's mentions within T that must be negative.
    pub negative_share: f64,
}

impl Default for SpreadingParams {
    fn default() -> Self {
        SpreadingParams {
            min_hosts: DEFAULT_MIN_HOSTS,
            window_secs: DEFAULT_WINDOW_SECS,
            min_overlap: DEFAULT_MIN_OVERLAP,
            min_shared: DEFAULT_MIN_SHARED,
            sketch_size: DEFAULT_SKETCH_SIZE,
            negative_share: DEFAULT_NEGATIVE_SHARE,
        }
    }
}

/// Why a [`SpreadingParams`] was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpreadingParamsError {
    /// Fewer than two hosts cannot "spread".
    #[error("spreading rule: min_hosts must be at least 2 (got {0}); 3 is the default")]
    MinHosts(usize),
    /// A window that is not positive.
    #[error("spreading rule: the window must be positive (got {0} s); 6 h is the default")]
    Window(i64),
    /// Overlap or negative share outside 0..=1.
    #[error("spreading rule: `{0}` must be between 0 and 1")]
    Fraction(&'static str),
    /// A sketch too small to hold a headline.
    #[error("spreading rule: sketch_size must be at least 16 (got {0})")]
    SketchSize(usize),
}

impl SpreadingParams {
    /// Check the parameters; the detector refuses invalid ones.
    pub fn validate(&self) -> Result<(), SpreadingParamsError> {
        if self.min_hosts < 2 {
            return Err(SpreadingParamsError::MinHosts(self.min_hosts));
        }
        if self.window_secs <= 0 {
            return Err(SpreadingParamsError::Window(self.window_secs));
        }
        if !(0.0..=1.0).contains(&self.min_overlap) {
            return Err(SpreadingParamsError::Fraction("min_overlap"));
        }
        if !(0.0..=1.0).contains(&self.negative_share) {
            return Err(SpreadingParamsError::Fraction("negative_share"));
        }
        if self.sketch_size < 16 {
            return Err(SpreadingParamsError::SketchSize(self.sketch_size));
        }
        Ok(())
    }
}

/// One mention as the spreading detector needs it.
#[derive(Debug, Clone, Copy)]
pub struct StoryMention<'a> {
    /// The brand mentioned.
    pub brand: &'a str,
    /// Published time (fetch time when the source gives none).
    pub ts: DateTime<Utc>,
    /// Host of the page (e.g. `news.example.com`).
    pub host: &'a str,
    /// Canonical URL of the mention.
    pub url: &'a str,
    /// Title (may be empty).
    pub title: &'a str,
    /// Plain text (may be empty).
    pub text: &'a str,
    /// Whether the mention scored negative.
    pub is_negative: bool,
}

/// Where a story was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sighting {
    /// Host, lowercased, without `www.`.
    pub host: String,
    /// URL of the mention on that host.
    pub url: String,
    /// When it was published there.
    pub ts: DateTime<Utc>,
}

/// A story that has spread: where it started and where it has been picked up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spreading {
    /// The brand.
    pub brand: String,
    /// The earliest mention of the story (the origin).
    pub first_seen: Sighting,
    /// The first mention on every other host, oldest first.
    pub picked_up_by: Vec<Sighting>,
    /// Distinct hosts carrying the story.
    pub hosts: usize,
    /// Title of the origin (or the start of its text when it has no title).
    pub story_title: String,
}

/// Incremental per-brand spreading-story detector.
#[derive(Debug)]
pub struct SpreadingDetector {
    params: SpreadingParams,
    brands: HashMap<String, BrandStories>,
}

impl Default for SpreadingDetector {
    fn default() -> Self {
        SpreadingDetector::new(SpreadingParams::default())
    }
}

impl SpreadingDetector {
    /// A detector with the given parameters (use [`SpreadingDetector::try_new`] for
    /// parameters from a config file).
    pub fn new(params: SpreadingParams) -> Self {
        SpreadingDetector {
            params,
            brands: HashMap::new(),
        }
    }

    /// A detector with checked parameters.
    pub fn try_new(params: SpreadingParams) -> Result<Self, SpreadingParamsError> {
        params.validate()?;
        Ok(SpreadingDetector::new(params))
    }

    /// The parameters in force.
    pub fn params(&self) -> &SpreadingParams {
        &self.params
    }

    /// Record one mention; returns the story once, when it reaches N hosts within T.
    pub fn observe(&mut self, m: &StoryMention<'_>) -> Option<Spreading> {
        let stories = match self.brands.get_mut(m.brand) {
            Some(s) => s,
            None => self.brands.entry(m.brand.to_owned()).or_default(),
        };
        let mut fired = stories.observe(&self.params, m)?;
        fired.brand = m.brand.to_owned();
        Some(fired)
    }

    /// Mentions currently indexed, over all brands (memory follows the window).
    pub fn indexed(&self) -> usize {
        self.brands.values().map(BrandStories::len).sum()
    }
}

/// Lowercase a host and drop a leading `www.` and a trailing dot.
pub fn normalize_host(host: &str) -> String {
    let h = host.trim().trim_end_matches('.').to_ascii_lowercase();
    match h.strip_prefix("www.") {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ => h,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_normalized() {
        assert_eq!(normalize_host("WWW.Example.COM."), "example.com");
        assert_eq!(normalize_host("news.example.com"), "news.example.com");
        assert_eq!(normalize_host("www."), "www");
    }

    #[test]
    fn params_are_validated() {
        assert!(SpreadingParams::default().validate().is_ok());
        let bad = SpreadingParams {
            min_hosts: 1,
            ..SpreadingParams::default()
        };
        assert_eq!(bad.validate(), Err(SpreadingParamsError::MinHosts(1)));
        assert!(SpreadingDetector::try_new(bad).is_err());
    }
}
