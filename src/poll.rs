//! One poll of one source, end to end: fetch → extract → normalize → match → score → store.
//!
//! This is the file to read to follow a mention through vigia: each step is one call into
//! its own module, and the values passed between them are plain data (`Page`, `RawItem`,
//! `Item`, `BrandMatch`, `MentionScore`, `NewMention`). Nothing here knows how a step
//! works inside. A poll never panics and never stops the worker: every failure becomes a
//! stored error on the source and a later retry.

use std::collections::HashMap;
use std::sync::Arc;

use url::Url;

use crate::alerts::live::Live;
use crate::config::{BrandConfig, Config, SourceConfig};
use crate::fetch::{FetchError, Fetched, Fetcher, Page, Validators};
use crate::matching::{self, BrandMatch, Matcher};
use crate::normalize::{self, Item};
use crate::recipe::{PageError, Rule};
use crate::scheduler;
use crate::sentiment::{Analyzer, LangChoice};
use crate::store::{
    self, NewMention, PollOutcome, PollRecord, SourceRow, SourceState, Store, StoreError,
};

/// At most this much of a document that failed to parse is kept for diagnosis.
pub const MAX_KEPT_BODY: usize = 256 * 1024;

/// Everything a poll needs, built once from the config and shared by all workers.
pub struct Pipeline {
    /// The database.
    pub store: Store,
    /// The HTTP client with its guards and politeness.
    pub fetcher: Fetcher,
    /// Brands as configured.
    pub brands: Vec<BrandConfig>,
    /// Sources as configured, by name (for per-source options).
    pub sources: HashMap<String, SourceConfig>,
    /// The brand matcher.
    pub matcher: Matcher,
    /// The sentiment engine.
    pub analyzer: &'static Analyzer,
    /// Live alert rules (none when the config has no `[[rule]]`).
    pub alerts: Option<Arc<Live>>,
}

/// What one poll did, for logs and the CLI.
#[derive(Debug, Clone, PartialEq)]
pub struct PollReport {
    /// Source name.
    pub source: String,
    /// The outcome.
    pub outcome: PollResult,
}

/// The outcome of one poll.
#[derive(Debug, Clone, PartialEq)]
pub enum PollResult {
    /// A document was processed.
    Fetched(Processed),
    /// 304 Not Modified: nothing parsed.
    NotModified,
    /// Not fetched: the host asked us to wait; retried after `seconds`.
    Deferred {
        /// Seconds until the host accepts requests again.
        seconds: u64,
    },
    /// The poll failed; the source will be retried later.
    Failed {
        /// The source's new state (failing or blocked).
        state: SourceState,
        /// What went wrong.
        error: String,
    },
}

/// What processing one fetched document found.
#[derive(Debug, Clone, PartialEq)]
pub struct Processed {
    /// Items in the document.
    pub items: usize,
    /// Brand mentions found in them.
    pub matched: usize,
    /// Mentions that were new.
    pub new: usize,
    /// Extraction warnings.
    pub warnings: Vec<String>,
}

/// Why a fetched document could not be turned into mentions.
#[derive(Debug, thiserror::Error)]
enum ProcessError {
    #[error(transparent)]
    Page(#[from] PageError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Pipeline {
    /// Build the pipeline from a loaded config and an open store.
    pub fn new(
        config: &Config,
        store: Store,
        fetcher: Fetcher,
        alerts: Option<Arc<Live>>,
    ) -> Arc<Pipeline> {
        Arc::new(Pipeline {
            store,
            fetcher,
            matcher: Matcher::new(&config.brands),
            brands: config.brands.clone(),
            sources: config
                .sources
                .iter()
                .map(|s| (s.name.clone(), s.clone()))
                .collect(),
            analyzer: Analyzer::global(config.scoring.mode),
            alerts,
        })
    }

    /// Poll one source and record the outcome on it.
    pub async fn poll(&self, source: &SourceRow) -> Result<PollReport, StoreError> {
        let checked_at = store::now();
        let interval = source.interval_secs;
        let fetched = match Url::parse(&source.url) {
            Ok(url) => self.fetcher.get(&url, &source.validators).await,
            Err(e) => Err(FetchError::InvalidUrl {
                url: source.url.clone(),
                reason: e.to_string(),
            }),
        };
        let failed = |state, error: String, retry_after, raw| {
            let delay =
                scheduler::delay_after_failure(interval, source.error_count + 1, retry_after);
            let result = PollResult::Failed {
                state,
                error: error.clone(),
            };
            (result, PollOutcome::Failed { state, error, raw }, delay)
        };
        let (result, outcome, delay) = match fetched {
            Ok(Fetched::NotModified) => (
                PollResult::NotModified,
                PollOutcome::NotModified,
                scheduler::delay_after_success(interval, None),
            ),
            Ok(Fetched::Page(page)) => match self.process(source, &page).await {
                Ok(result) => {
                    let outcome = PollOutcome::Fetched {
                        validators: page.validators.clone(),
                        items_seen: result.items as i64,
                        new_mentions: result.new as i64,
                    };
                    let delay = scheduler::delay_after_success(interval, page.max_age);
                    (PollResult::Fetched(result), outcome, delay)
                }
                Err(ProcessError::Store(e)) => return Err(e),
                Err(ProcessError::Page(e)) => {
                    let state = if e.is_drift() {
                        SourceState::Drifted
                    } else {
                        SourceState::Failing
                    };
                    let kept = page.body.len().min(MAX_KEPT_BODY);
                    let raw = (page.body[..kept].to_vec(), page.content_type.clone());
                    failed(state, e.to_string(), None, Some(raw))
                }
            },
            Err(FetchError::HostPaused { until }) => {
                // Another source on this host was told to wait: wait too, without counting
                // an error against this source.
                let wait = until
                    .duration_since(std::time::SystemTime::now())
                    .unwrap_or_default();
                let result = PollResult::Deferred {
                    seconds: wait.as_secs(),
                };
                (result, PollOutcome::Deferred, wait)
            }
            Err(e) => {
                let state = if e.is_blocked() {
                    SourceState::Blocked
                } else {
                    SourceState::Failing
                };
                failed(state, e.to_string(), e.retry_after(), None)
            }
        };
        let record = PollRecord {
            checked_at,
            next_check_at: checked_at + delay.as_secs().max(1) as i64,
            outcome,
        };
        self.store.record_poll(source.id, &record).await?;
        if let PollResult::Failed { error, .. } = &result {
            tracing::warn!(source = %source.name, %error, retry_in_secs = delay.as_secs(), "poll failed");
        }
        Ok(PollReport {
            source: source.name.clone(),
            outcome: result,
        })
    }

    /// Extract (following pagination), normalize, match, score and store one fetched
    /// document.
    async fn process(&self, source: &SourceRow, page: &Page) -> Result<Processed, ProcessError> {
        let (items, warnings) = self.items_of(&source.name, page).await?;
        let fetched_at = store::now();
        let mentions: Vec<NewMention> = items
            .iter()
            .flat_map(|item| self.mentions_of(&source.name, item, fetched_at))
            .collect();
        let new = self.save(&mentions).await?;
        Ok(Processed {
            items: items.len(),
            matched: mentions.len(),
            new,
            warnings,
        })
    }

    /// The normalized items of a fetched page, and of the pages after it when the source's
    /// rule paginates (up to its `max_pages`; a later page that fails only adds a warning).
    pub async fn items_of(
        &self,
        source: &str,
        first: &Page,
    ) -> Result<(Vec<Item>, Vec<String>), PageError> {
        static FEED: Rule = Rule::Feed;
        let rule = self.sources.get(source).map_or(&FEED, |s| s.rule());
        let mut parsed =
            rule.extract(&first.body, first.content_type.as_deref(), &first.final_url)?;
        let mut raw = std::mem::take(&mut parsed.extracted.items);
        let mut warnings = std::mem::take(&mut parsed.extracted.warnings);
        let mut next = parsed.next_page;
        for _ in 1..rule.max_pages() {
            let Some(url) = next.take() else { break };
            let page = match self.fetcher.get(&url, &Validators::default()).await {
                Ok(Fetched::Page(page)) => page,
                Ok(Fetched::NotModified) => break,
                Err(e) => {
                    warnings.push(format!("next page {url}: {e}"));
                    break;
                }
            };
            match rule.extract(&page.body, page.content_type.as_deref(), &page.final_url) {
                Ok(mut more) => {
                    raw.append(&mut more.extracted.items);
                    warnings.append(&mut more.extracted.warnings);
                    next = more.next_page;
                }
                Err(e) => warnings.push(format!("next page {url}: {e}")),
            }
        }
        for w in &warnings {
            tracing::warn!(source, warning = %w, "extraction warning");
        }
        Ok((normalize::items(raw), warnings))
    }

    /// Store mentions in one transaction, with the alerts the new ones fire (a mention and
    /// the alerts it causes commit together); returns how many mentions were new.
    async fn save(&self, mentions: &[NewMention]) -> Result<usize, StoreError> {
        if mentions.is_empty() {
            return Ok(0);
        }
        if let Some(live) = &self.alerts {
            live.rebuild_if_stale(&self.store, chrono::Utc::now())
                .await?;
        }
        let mut tx = self.store.begin_write().await?;
        let new = store::insert_mentions(&mut tx, mentions).await?;
        let Some(live) = &self.alerts else {
            tx.commit().await?;
            return Ok(new.len());
        };
        let created: Vec<(i64, &NewMention)> =
            new.iter().map(|(i, id)| (*id, &mentions[*i])).collect();
        // From here the detectors have counted these mentions: if they are not stored after
        // all, the detectors must forget them (the retry will show them again).
        let saved = async {
            let fired = live.fire(&mut tx, &created).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(fired)
        }
        .await;
        match saved {
            Ok(fired) => {
                live.fired_committed(fired, chrono::Utc::now());
                Ok(new.len())
            }
            Err(e) => {
                if !created.is_empty() {
                    live.rolled_back();
                }
                Err(e)
            }
        }
    }

    /// The brand mentions in one item, matched and scored.
    pub fn mentions_of(&self, source: &str, item: &Item, fetched_at: i64) -> Vec<NewMention> {
        // Title and body are searched and scored together; `mention_snippet` relies on
        // this exact layout (title, newline, body).
        let text = format!("{}\n{}", item.title, item.text);
        let config = self.sources.get(source);
        let source_lang = config.and_then(|s| s.scoring_lang());
        let mut found = self.matcher.find(&text);
        let own = config
            .and_then(|s| s.brand.as_ref())
            .and_then(|b| self.brands.iter().position(|brand| &brand.name == b));
        if let Some(brand) = own.filter(|b| !found.iter().any(|m| m.brand == *b)) {
            found.push(BrandMatch {
                brand,
                spans: Vec::new(),
            });
        }
        found
            .into_iter()
            .map(|m| {
                let brand = &self.brands[m.brand];
                let lang = brand
                    .lang
                    .or(source_lang)
                    .map_or(LangChoice::Auto, LangChoice::Fixed);
                let rating = item.rating.as_ref().map(|r| r.normalized());
                let scored = self.analyzer.score_mention(&text, &m.spans, rating, lang);
                let s = &scored.score;
                NewMention {
                    brand: brand.name.clone(),
                    item_key: item.key.clone(),
                    source: source.to_string(),
                    url: item.url.clone(),
                    title: item.title.clone(),
                    snippet: matching::mention_snippet(&item.title, &item.text, &m.spans),
                    body: text.clone(),
                    author: item.author.clone(),
                    published_at: item.published_at.map(|t| t.timestamp()),
                    fetched_at,
                    lang: s.lang.code().to_string(),
                    lang_reliable: s.reliable,
                    compound: s.compound,
                    pos: s.pos,
                    neu: s.neu,
                    neg: s.neg,
                    label: s.label.as_str().to_string(),
                    whole_compound: scored.whole.compound,
                    terms: terms_json(&s.terms),
                    rating,
                    rating_value: item.rating.as_ref().map(|r| r.value),
                    rating_best: item.rating.as_ref().map(|r| r.best),
                }
            })
            .collect()
    }
}

/// Contributing terms as stored: `[["term", weight], …]`.
fn terms_json(terms: &[crate::sentiment::Term]) -> String {
    let list: Vec<(&str, f64)> = terms
        .iter()
        .map(|t| (t.term.as_str(), round4(t.weight)))
        .collect();
    serde_json::to_string(&list).unwrap_or_else(|_| "[]".into())
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
