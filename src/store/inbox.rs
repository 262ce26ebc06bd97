//! The triage inbox: which mentions a person sees first, filtered, paged and counted.
//!
//! **Urgency** (the default order) puts first what most needs a person:
//! 1. open mentions (`new`, `acknowledged`) before closed ones;
//! 2. unanswered (no first response yet) before answered;
//! 3. negative (the label a person sees) before the rest;
//! 4. then by *negativity × source weight* (`−compound`, so −0.8 on a source of weight 2
//!    scores 1.6) plus **0.05 per day of waiting** since vigia fetched it: a −0.6 mention that
//!    has waited four days ranks level with a fresh −0.8 one, so nothing negative is left to
//!    rot; within the same negativity the older one comes first.
//!
//! Each step is a tier far larger than everything below it, so the whole order is one
//! number. It does not depend on the current time (age enters as `−fetched_at`, which sorts
//! exactly like `+age`), so it is a generated, indexed column, `mentions.urgency` (see
//! migration 0004), recomputed by the database whenever status, label, response or weight
//! change. An inbox page with a million mentions is then an index range read, not a sort.
//! The source weight is copied onto each mention (a trigger at insert, `sync_sources` when
//! the config changes it) because an index cannot reach into another table.
//!
//! **Counts** per status are exact up to [`COUNT_CAP`] and reported as `COUNT_CAP + 1` above
//! it (show "10,000+"): counting a million rows on every page view would cost more than the
//! page itself, and nobody triages by the exact size of a five-digit pile.
//!
//! **Free text** matches words: each word of the search must begin a word of the title or
//! the snippet ("reemb" finds "Reembolso"), case- and accent-insensitively ("atencion"
//! finds "atención"): on SQLite through an FTS5 index; on PostgreSQL through word-start
//! regular expressions over accent-folded text. On SQLite a search within one brand and label also intersects with a
//! made-up word the index holds per (brand, label), so the most common search (one brand's
//! negatives) reads a few hundred hits instead of every mention with the word. A search with no letters or digits at all (`%`, `_`, `--`) looks for that
//! exact text instead (LIKE with every wildcard escaped). User text is always a bound
//! parameter; the SQL's shape depends only on which filters are present, and the sort comes
//! from the [`Sort`] enum.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, Row};

use super::triage::{LABELS, OPEN_STATUSES, STATUSES};
use super::{Backend, Store, StoreError};

/// Counts above this are reported as `COUNT_CAP + 1`.
pub const COUNT_CAP: i64 = 10_000;
/// Mentions per page unless asked otherwise.
pub const DEFAULT_PER_PAGE: u32 = 50;
/// Most mentions on one page.
pub const MAX_PER_PAGE: u32 = 200;
/// At most this many words of a search are used.
pub const MAX_SEARCH_WORDS: usize = 8;
/// Open mentions have an urgency of at least 40,000 minus the age term (which stays above
/// −1,500 until 2100); closed ones at most 30,000 plus weight (≤ 100) and age (< 1,000).
/// So "open" is an index range on `urgency`, which keeps the default view one range read.
const OPEN_FLOOR: f64 = 35_000.0;

/// How the inbox is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Sort {
    /// Most urgent first (see the module documentation).
    #[default]
    Urgency,
    /// Most recently fetched first.
    Newest,
    /// Longest waiting first.
    Oldest,
    /// Lowest compound score first.
    MostNegative,
}

impl Sort {
    /// Every order, as offered to people.
    pub const ALL: [Sort; 4] = [
        Sort::Urgency,
        Sort::Newest,
        Sort::Oldest,
        Sort::MostNegative,
    ];

    /// The name used in URLs and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Urgency => "urgency",
            Sort::Newest => "newest",
            Sort::Oldest => "oldest",
            Sort::MostNegative => "negative",
        }
    }

    /// The ORDER BY clause; ties break on id so pages never overlap.
    fn order_by(self) -> &'static str {
        match self {
            Sort::Urgency => "urgency DESC, id ASC",
            Sort::Newest => "fetched_at DESC, id DESC",
            Sort::Oldest => "fetched_at ASC, id ASC",
            Sort::MostNegative => "compound ASC, id ASC",
        }
    }
}

impl fmt::Display for Sort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A sort name that is not one of [`Sort::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown sort order; use urgency, newest, oldest or negative")]
pub struct UnknownSort;

impl FromStr for Sort {
    type Err = UnknownSort;

    fn from_str(s: &str) -> Result<Sort, UnknownSort> {
        Sort::ALL
            .into_iter()
            .find(|sort| sort.as_str() == s)
            .ok_or(UnknownSort)
    }
}

/// Whose mentions to show.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AssigneeFilter {
    /// Assigned or not.
    #[default]
    Anyone,
    /// Only unassigned mentions.
    Nobody,
    /// Only this person's (an email).
    Person(String),
}

/// What the inbox shows: filters, order and page.
#[derive(Debug, Clone, PartialEq)]
pub struct InboxQuery {
    /// Only this brand.
    pub brand: Option<String>,
    /// Only this label (as people see it: a correction wins).
    pub label: Option<String>,
    /// `None` (or `"open"`): new + acknowledged; `"all"`: every status; else that one
    /// status (an unknown one matches nothing).
    pub status: Option<String>,
    /// Only this source.
    pub source: Option<String>,
    /// Only this language code.
    pub lang: Option<String>,
    /// Fetched at or after this time (Unix seconds).
    pub from: Option<i64>,
    /// Fetched before this time (Unix seconds).
    pub to: Option<i64>,
    /// Words to find in title or snippet (see the module documentation).
    pub text: Option<String>,
    /// Whose mentions.
    pub assignee: AssigneeFilter,
    /// Order.
    pub sort: Sort,
    /// Page number, from 1.
    pub page: u32,
    /// Mentions per page, clamped to 1..=200.
    pub per_page: u32,
}

impl Default for InboxQuery {
    fn default() -> InboxQuery {
        InboxQuery {
            brand: None,
            label: None,
            status: None,
            source: None,
            lang: None,
            from: None,
            to: None,
            text: None,
            assignee: AssigneeFilter::Anyone,
            sort: Sort::Urgency,
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl InboxQuery {
    /// The page size actually used.
    pub fn limit(&self) -> u32 {
        self.per_page.clamp(1, MAX_PER_PAGE)
    }

    /// Rows skipped before this page.
    pub fn offset(&self) -> i64 {
        i64::from(self.page.max(1) - 1) * i64::from(self.limit())
    }
}

/// One line of the inbox.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InboxItem {
    /// Store id.
    pub id: i64,
    /// Brand name.
    pub brand: String,
    /// Source name.
    pub source: String,
    /// Link to the original.
    pub url: Option<String>,
    /// Title.
    pub title: String,
    /// Text around the brand.
    pub snippet: String,
    /// When vigia fetched it (Unix seconds).
    pub fetched_at: i64,
    /// When it was published (Unix seconds).
    pub published_at: Option<i64>,
    /// Language code.
    pub lang: String,
    /// Compound score, −1..1.
    pub compound: f64,
    /// Label as people see it (a correction wins).
    pub label: String,
    /// Triage status.
    pub status: String,
    /// Who has it.
    pub assignee: Option<String>,
    /// Rating 0..1.
    pub rating: Option<f64>,
    /// When the team first answered.
    pub first_response_at: Option<i64>,
    /// Version for optimistic concurrency (what a bulk action is based on).
    pub version: i64,
}

/// One page of the inbox with its counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InboxPage {
    /// The mentions on this page.
    pub items: Vec<InboxItem>,
    /// Mentions matching the whole query (capped: see [`COUNT_CAP`]).
    pub total: i64,
    /// Every status with its count under the query's other filters, in workflow order,
    /// zeros included (capped: see [`COUNT_CAP`]).
    pub status_counts: Vec<(String, i64)>,
}

/// The values the filters can take, for the filter form.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Facets {
    /// Brands with mentions.
    pub brands: Vec<String>,
    /// Sources with mentions.
    pub sources: Vec<String>,
    /// Language codes of mentions.
    pub langs: Vec<String>,
    /// People mentions are assigned to.
    pub assignees: Vec<String>,
}

/// The columns of [`InboxItem`].
const ITEM_COLUMNS: &str = "id, brand, source, url, title, snippet, fetched_at, published_at, \
     lang, compound, label_eff, status, assignee, rating, first_response_at, version";

/// A bound value.
#[derive(Debug, Clone)]
enum Arg {
    Text(String),
    Int(i64),
}

/// Placeholders and their values, numbered in the order they are written.
#[derive(Default)]
struct Args(Vec<Arg>);

impl Args {
    fn push(&mut self, arg: Arg) -> String {
        self.0.push(arg);
        format!("${}", self.0.len())
    }

    fn text(&mut self, s: &str) -> String {
        self.push(Arg::Text(s.to_string()))
    }

    fn bind<'q>(
        &'q self,
        mut q: Query<'q, Any, AnyArguments<'q>>,
    ) -> Query<'q, Any, AnyArguments<'q>> {
        for arg in &self.0 {
            q = match arg {
                Arg::Text(s) => q.bind(s.as_str()),
                Arg::Int(i) => q.bind(*i),
            };
        }
        q
    }
}

/// How a search text is matched.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TextMatch {
    /// Each word must begin a word of the title or snippet.
    Words(Vec<String>),
    /// No letters or digits: this exact text, as a substring.
    Literal(String),
}

/// The made-up word the FTS index holds for a (brand, label) pair (migration 0004,
/// `fts_facet`: "f", the brand's UTF-8 bytes in hex, the label), when `label` is a label.
/// Letters and digits only, so it is one token and needs no quoting.
fn facet_word(brand: &str, label: &str) -> Option<String> {
    use std::fmt::Write as _;
    LABELS.contains(&label).then(|| {
        let mut word = String::from("f");
        for b in brand.bytes() {
            let _ = write!(word, "{b:02X}");
        }
        word + label
    })
}

/// The words of `text`: runs of letters and digits (what the FTS tokenizer keeps), at
/// most [`MAX_SEARCH_WORDS`] of at most 64 characters.
fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_SEARCH_WORDS)
        .map(|w| w.chars().take(64).collect())
        .collect()
}

impl TextMatch {
    fn parse(text: &str) -> Option<TextMatch> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let words = words_of(text);
        Some(if words.is_empty() {
            TextMatch::Literal(text.chars().take(200).collect())
        } else {
            TextMatch::Words(words)
        })
    }
}

/// `s` with LIKE's wildcards and the escape character escaped (escape is `\`).
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Accented letters PostgreSQL's search folds (`translate`, no extension needed), and
/// their plain forms, char for char: Spanish, Portuguese, French, German and Catalan.
/// Constants, never user input, so they are written into the SQL.
const ACCENTED: &str = "áàâäãåÁÀÂÄÃÅéèêëÉÈÊËíìîïÍÌÎÏóòôöõÓÒÔÖÕúùûüÚÙÛÜñÑçÇ";
const PLAIN: &str = "aaaaaaAAAAAAeeeeEEEEiiiiIIIIoooooOOOOOuuuuUUUUnNcC";

/// Which status condition a WHERE clause carries.
#[derive(Clone, Copy)]
enum StatusPart<'a> {
    /// The query's own (open, all, or one status).
    Query,
    /// This one status (for the counts).
    Only(&'a str),
    /// None (for the counts of every status at once).
    Any,
}

impl InboxQuery {
    /// The WHERE clause (never empty) with its arguments appended to `args`.
    fn conditions(&self, backend: Backend, status: StatusPart<'_>, args: &mut Args) -> String {
        let mut w: Vec<String> = Vec::new();
        let nonempty =
            |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(String::from);
        match status {
            StatusPart::Query => match self.status.as_deref() {
                None | Some("") | Some("open") => w.push(format!("urgency >= {OPEN_FLOOR:.1}")),
                Some("all") => {}
                Some(s) => w.push(format!("status = {}", args.text(s))),
            },
            StatusPart::Only(s) => w.push(format!("status = {}", args.text(s))),
            StatusPart::Any => {}
        }
        if let Some(b) = nonempty(&self.brand) {
            w.push(format!("brand = {}", args.text(&b)));
        }
        if let Some(l) = nonempty(&self.label) {
            w.push(format!("label_eff = {}", args.text(&l)));
        }
        if let Some(s) = nonempty(&self.source) {
            w.push(format!("source = {}", args.text(&s)));
        }
        if let Some(l) = nonempty(&self.lang) {
            w.push(format!("lang = {}", args.text(&l)));
        }
        if let Some(from) = self.from {
            w.push(format!("fetched_at >= {}", args.push(Arg::Int(from))));
        }
        if let Some(to) = self.to {
            w.push(format!("fetched_at < {}", args.push(Arg::Int(to))));
        }
        match &self.assignee {
            AssigneeFilter::Anyone => {}
            AssigneeFilter::Nobody => w.push("assignee IS NULL".into()),
            AssigneeFilter::Person(p) => w.push(format!("assignee = {}", args.text(p))),
        }
        match self.text.as_deref().and_then(TextMatch::parse) {
            None => {}
            Some(TextMatch::Words(words)) => match backend {
                Backend::Sqlite => {
                    // FTS5 query syntax: each word a quoted prefix, all required.
                    let mut fts: Vec<String> = words
                        .iter()
                        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
                        .collect();
                    if let (Some(b), Some(l)) = (nonempty(&self.brand), nonempty(&self.label)) {
                        fts.extend(facet_word(&b, &l));
                    }
                    let p = args.text(&fts.join(" "));
                    w.push(format!(
                        "id IN (SELECT rowid FROM mentions_fts WHERE mentions_fts MATCH {p})"
                    ));
                }
                Backend::Postgres => {
                    for word in words {
                        // Words hold letters and digits only: nothing to escape in a regex.
                        // Both sides lose their accents, as in SQLite's FTS index.
                        let folded = crate::matching::fold(&word);
                        let p = args.text(&format!("\\m{folded}"));
                        w.push(format!(
                            "(translate(title, '{ACCENTED}', '{PLAIN}') ~* {p} \
                             OR translate(snippet, '{ACCENTED}', '{PLAIN}') ~* {p})"
                        ));
                    }
                }
            },
            Some(TextMatch::Literal(text)) => {
                let op = match backend {
                    Backend::Sqlite => "LIKE",
                    Backend::Postgres => "ILIKE",
                };
                let p = args.text(&format!("%{}%", like_escape(&text)));
                w.push(format!(
                    "(title {op} {p} ESCAPE '\\' OR snippet {op} {p} ESCAPE '\\')"
                ));
            }
        }
        if w.is_empty() {
            "1 = 1".into()
        } else {
            w.join(" AND ")
        }
    }

    /// Whether a search word list is present (it decides how counts are taken).
    fn has_words(&self) -> bool {
        matches!(
            self.text.as_deref().and_then(TextMatch::parse),
            Some(TextMatch::Words(_))
        )
    }

    /// Whether a filter outside [`ID_INDEX`]'s columns is present.
    fn has_unindexed_filter(&self) -> bool {
        let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
        set(&self.source) || set(&self.lang) || self.from.is_some() || self.to.is_some()
    }

    /// The page's SELECT: ids first, from an index alone (`hint` names it on SQLite), then
    /// the rows of those ids only, so sorting never reads rows it does not show.
    fn select(
        &self,
        backend: Backend,
        limit: i64,
        offset: i64,
        hint: Option<&str>,
    ) -> (String, Args) {
        let mut args = Args::default();
        let w = self.conditions(backend, StatusPart::Query, &mut args);
        let l = args.push(Arg::Int(limit));
        let o = args.push(Arg::Int(offset));
        let order = self.sort.order_by();
        let hint = indexed_by(hint);
        let sql = format!(
            "SELECT {ITEM_COLUMNS} FROM mentions WHERE id IN \
             (SELECT id FROM mentions{hint} WHERE {w} ORDER BY {order} LIMIT {l} OFFSET {o}) \
             ORDER BY {order}"
        );
        (sql, args)
    }

    /// One statement with a capped count per status (`n0`…`n4`, in [`STATUSES`] order).
    fn capped_counts(&self, backend: Backend) -> (String, Args) {
        let mut args = Args::default();
        let parts: Vec<String> = STATUSES
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let w = self.conditions(backend, StatusPart::Only(s), &mut args);
                format!(
                    "(SELECT COUNT(*) FROM (SELECT 1 AS one FROM mentions WHERE {w} LIMIT {}) AS c{i}) AS n{i}",
                    COUNT_CAP + 1
                )
            })
            .collect();
        (format!("SELECT {}", parts.join(", ")), args)
    }

    /// One pass counting every status (`status`, `n`): for text searches, whose word
    /// lookup is then done once instead of once per status.
    fn grouped_counts(&self, backend: Backend, hint: Option<&str>) -> (String, Args) {
        let mut args = Args::default();
        let w = self.conditions(backend, StatusPart::Any, &mut args);
        let hint = indexed_by(hint);
        let sql =
            format!("SELECT status, COUNT(*) AS n FROM mentions{hint} WHERE {w} GROUP BY status");
        (sql, args)
    }
}

/// The `INDEXED BY` clause for a hint, or nothing.
fn indexed_by(hint: Option<&str>) -> String {
    hint.map(|i| format!(" INDEXED BY {i}")).unwrap_or_default()
}

/// The index that has `id` first and the columns a text search is most often combined
/// with (migration 0004).
const ID_INDEX: &str = "mentions_id_status";
/// At most this many index entries are worth scanning in sort order to fill a page before
/// a filter's own index (and a sort of its matches) is the better way.
const SCAN_BUDGET: f64 = 300_000.0;
/// The same for sorts whose index does not hold the filter columns (each entry a row read).
const ROW_SCAN_BUDGET: f64 = 20_000.0;

impl Sort {
    /// The index that yields this order, with the budget of entries worth scanning in it.
    fn index(self) -> (&'static str, f64) {
        match self {
            Sort::Urgency => ("mentions_inbox", SCAN_BUDGET),
            Sort::Newest | Sort::Oldest => ("mentions_fetched_status", ROW_SCAN_BUDGET),
            Sort::MostNegative => ("mentions_compound", ROW_SCAN_BUDGET),
        }
    }
}

/// A count as reported: exact up to the cap, `COUNT_CAP + 1` above it.
fn capped(n: i64) -> i64 {
    n.min(COUNT_CAP + 1)
}

/// How the counts per status are taken: for a word search, one grouped pass (the word
/// lookup done once), driven from the search's hits through [`ID_INDEX`] on SQLite when
/// that index holds every other filter; otherwise one capped count per status, each from
/// the filter's own index. The flag says which (grouped rows or one row of five).
fn count_statement(q: &InboxQuery, backend: Backend) -> (String, Args, bool) {
    if q.has_words() {
        let hint = (backend == Backend::Sqlite && !q.has_unindexed_filter()).then_some(ID_INDEX);
        let (sql, args) = q.grouped_counts(backend, hint);
        (sql, args, true)
    } else {
        let (sql, args) = q.capped_counts(backend);
        (sql, args, false)
    }
}

/// The total for the query's own status part, from the counts per status.
fn total_of(q: &InboxQuery, status_counts: &[(String, i64)]) -> i64 {
    let wanted = |s: &str| match q.status.as_deref() {
        None | Some("") | Some("open") => OPEN_STATUSES.contains(&s),
        Some("all") => true,
        Some(one) => s == one,
    };
    capped(
        status_counts
            .iter()
            .filter(|(s, _)| wanted(s))
            .map(|(_, n)| n)
            .sum(),
    )
}

impl Store {
    /// One page of the inbox with the total and the counts per status.
    pub async fn inbox(&self, q: &InboxQuery) -> Result<InboxPage, StoreError> {
        let status_counts = self.status_counts(q).await?;
        let total = total_of(q, &status_counts);
        let items = if total == 0 {
            Vec::new()
        } else {
            self.page(q, i64::from(q.limit()), q.offset(), total)
                .await?
        };
        Ok(InboxPage {
            items,
            total,
            status_counts,
        })
    }

    /// Every mention matching `q` (its page ignored), in the same order, at most `limit`:
    /// for exports.
    pub async fn inbox_all(
        &self,
        q: &InboxQuery,
        limit: i64,
    ) -> Result<Vec<InboxItem>, StoreError> {
        let total = total_of(q, &self.status_counts(q).await?);
        if total == 0 || limit <= 0 {
            return Ok(Vec::new());
        }
        self.page(q, limit, 0, total).await
    }

    /// The counts per status under every filter but the status one.
    async fn status_counts(&self, q: &InboxQuery) -> Result<Vec<(String, i64)>, StoreError> {
        let (sql, args, grouped) = count_statement(q, self.backend());
        if grouped {
            let rows = args.bind(sqlx::query(&sql)).fetch_all(self.pool()).await?;
            let mut counts: Vec<(String, i64)> =
                STATUSES.iter().map(|s| (s.to_string(), 0)).collect();
            for row in rows {
                let status: String = row.try_get("status")?;
                if let Some(c) = counts.iter_mut().find(|(s, _)| *s == status) {
                    c.1 = capped(row.try_get("n")?);
                }
            }
            return Ok(counts);
        }
        let row = args.bind(sqlx::query(&sql)).fetch_one(self.pool()).await?;
        STATUSES
            .iter()
            .enumerate()
            .map(|(i, s)| Ok((s.to_string(), row.try_get::<i64, _>(i)?)))
            .collect()
    }

    /// On SQLite, the index to list a page from (see [`Store::page`]); `None` leaves the
    /// choice to the database.
    async fn list_hint(
        &self,
        q: &InboxQuery,
        limit: i64,
        offset: i64,
        total: i64,
    ) -> Result<Option<&'static str>, StoreError> {
        if self.backend() != Backend::Sqlite {
            return Ok(None);
        }
        // One status in urgency order is its own index's range: nothing to choose.
        let one_status = !matches!(q.status.as_deref(), None | Some("" | "open" | "all"));
        if one_status && q.sort == Sort::Urgency {
            return Ok(None);
        }
        let rows: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM mentions")
            .fetch_one(self.pool())
            .await?;
        let (index, budget) = q.sort.index();
        let wanted = (offset + limit) as f64;
        Ok((wanted * rows as f64 / total.max(1) as f64 <= budget).then_some(index))
    }

    /// `limit` mentions from `offset` on, knowing that `total` match (capped).
    ///
    /// On SQLite this picks the plan: when matches are dense enough that the first
    /// `offset + limit` of them lie within [`SCAN_BUDGET`] entries of the order's index, walk
    /// that index and stop early; otherwise leave SQLite to start from a filter's index and
    /// sort the (few) matches. SQLite keeps no statistics here to make that call itself.
    async fn page(
        &self,
        q: &InboxQuery,
        limit: i64,
        offset: i64,
        total: i64,
    ) -> Result<Vec<InboxItem>, StoreError> {
        let hint = self.list_hint(q, limit, offset, total).await?;
        let (sql, args) = q.select(self.backend(), limit, offset, hint);
        let rows = args.bind(sqlx::query(&sql)).fetch_all(self.pool()).await?;
        rows.iter().map(item_row).collect()
    }

    /// The brands, sources, languages and assignees that occur, each sorted.
    ///
    /// Each list walks its index from one distinct value to the next (a recursive query),
    /// so it costs one index probe per value, not a scan of every mention.
    pub async fn facets(&self) -> Result<Facets, StoreError> {
        Ok(Facets {
            brands: self.distinct("brand").await?,
            sources: self.distinct("source").await?,
            langs: self.distinct("lang").await?,
            assignees: self.distinct("assignee").await?,
        })
    }

    /// The distinct non-null values of one of our own columns (never user input).
    async fn distinct(&self, column: &'static str) -> Result<Vec<String>, StoreError> {
        let sql = format!(
            "WITH RECURSIVE v (x) AS (\
               SELECT MIN({column}) FROM mentions WHERE {column} IS NOT NULL \
               UNION ALL \
               SELECT (SELECT MIN({column}) FROM mentions WHERE {column} > v.x) FROM v \
               WHERE v.x IS NOT NULL) \
             SELECT x FROM v WHERE x IS NOT NULL"
        );
        let rows = sqlx::query(&sql).fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| r.try_get::<String, _>(0).map_err(StoreError::from))
            .collect()
    }

    /// SQLite's query plans for an inbox request (the counts, then the page), one line per
    /// step: for the benchmark, and for finding out why a view is slow. Empty on PostgreSQL.
    pub async fn inbox_plan(&self, q: &InboxQuery) -> Result<Vec<String>, StoreError> {
        let backend = self.backend();
        if backend != Backend::Sqlite {
            return Ok(Vec::new());
        }
        let (sql, args, _) = count_statement(q, backend);
        let counts = (sql, args);
        let total = total_of(q, &self.status_counts(q).await?);
        let (limit, offset) = (i64::from(q.limit()), q.offset());
        let hint = self.list_hint(q, limit, offset, total).await?;
        let mut out = Vec::new();
        for (sql, args) in [counts, q.select(backend, limit, offset, hint)] {
            let explain = format!("EXPLAIN QUERY PLAN {sql}");
            for row in args
                .bind(sqlx::query(&explain))
                .fetch_all(self.pool())
                .await?
            {
                let line: String = row.try_get("detail")?;
                if out.last() != Some(&line) {
                    out.push(line);
                }
            }
        }
        Ok(out)
    }
}

fn item_row(row: &AnyRow) -> Result<InboxItem, StoreError> {
    Ok(InboxItem {
        id: row.try_get("id")?,
        brand: row.try_get("brand")?,
        source: row.try_get("source")?,
        url: row.try_get("url")?,
        title: row.try_get("title")?,
        snippet: row.try_get("snippet")?,
        fetched_at: row.try_get("fetched_at")?,
        published_at: row.try_get("published_at")?,
        lang: row.try_get("lang")?,
        compound: row.try_get("compound")?,
        label: row.try_get("label_eff")?,
        status: row.try_get("status")?,
        assignee: row.try_get("assignee")?,
        rating: row.try_get("rating")?,
        first_response_at: row.try_get("first_response_at")?,
        version: row.try_get("version")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accent_folding_pairs_every_letter_with_its_plain_form() {
        let accented: Vec<char> = ACCENTED.chars().collect();
        let plain: Vec<char> = PLAIN.chars().collect();
        assert_eq!(accented.len(), plain.len());
        for (a, p) in accented.iter().zip(&plain) {
            assert_eq!(
                crate::matching::fold(&a.to_string()),
                p.to_lowercase().to_string(),
                "{a}"
            );
        }
        assert!(!ACCENTED.contains('\'') && !PLAIN.contains('\''));
    }

    #[test]
    fn sort_names_round_trip_and_unknown_ones_are_errors() {
        for sort in Sort::ALL {
            assert_eq!(sort.as_str().parse::<Sort>(), Ok(sort));
        }
        assert_eq!("id;DROP TABLE x".parse::<Sort>(), Err(UnknownSort));
        assert_eq!("".parse::<Sort>(), Err(UnknownSort));
        assert_eq!(Sort::default(), Sort::Urgency);
    }

    #[test]
    fn paging_is_clamped() {
        let q = |page, per_page| InboxQuery {
            page,
            per_page,
            ..InboxQuery::default()
        };
        assert_eq!((q(0, 0).limit(), q(0, 0).offset()), (1, 0));
        assert_eq!((q(3, 500).limit(), q(3, 500).offset()), (200, 400));
        assert_eq!(InboxQuery::default().limit(), 50);
    }

    #[test]
    fn search_text_becomes_words_or_an_escaped_literal() {
        assert_eq!(TextMatch::parse("   "), None);
        assert_eq!(
            TextMatch::parse("' OR 1=1--"),
            Some(TextMatch::Words(vec!["OR".into(), "1".into(), "1".into()]))
        );
        assert_eq!(
            TextMatch::parse("Reembolso, ¡ya!"),
            Some(TextMatch::Words(vec!["Reembolso".into(), "ya".into()]))
        );
        assert_eq!(
            TextMatch::parse(" % "),
            Some(TextMatch::Literal("%".into()))
        );
        assert_eq!(like_escape(r"50%_\x"), r"50\%\_\\x");
        assert_eq!(
            facet_word("Río", "negative").as_deref(),
            Some("f52C3AD6Fnegative")
        );
        assert_eq!(facet_word("Acme", "x\" OR y"), None);
    }

    #[test]
    fn user_text_never_reaches_the_sql() {
        let evil = "x' OR 1=1--";
        let q = InboxQuery {
            brand: Some(evil.into()),
            label: Some(evil.into()),
            status: Some(evil.into()),
            source: Some(evil.into()),
            lang: Some(evil.into()),
            text: Some(evil.into()),
            assignee: AssigneeFilter::Person(evil.into()),
            from: Some(1),
            to: Some(2),
            ..InboxQuery::default()
        };
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let (sql, args) = q.select(backend, 50, 0, None);
            assert!(!sql.contains("1=1") && !sql.contains("x'"), "{sql}");
            assert!(args.0.len() >= 8);
            let (sql, _, grouped) = count_statement(&q, backend);
            assert!(grouped);
            assert!(!sql.contains("1=1") && !sql.contains("x'"), "{sql}");
            let (sql, _) = q.capped_counts(backend);
            assert!(!sql.contains("1=1") && !sql.contains("x'"), "{sql}");
        }
    }

    #[test]
    fn the_open_floor_separates_open_from_closed() {
        // Extremes of the generated column (migration 0004) for fetch times 0..2100 and
        // weights up to 100: the floor must lie strictly between them.
        let urgency = |open: bool, unanswered: bool, negative: bool, weight: f64, fetched: i64| {
            let tier = |on: bool, v: f64| if on { v } else { 0.0 };
            tier(open, 40_000.0)
                + tier(unanswered, 20_000.0)
                + tier(negative, 10_000.0 + weight)
                + (1_600_000_000 - fetched) as f64 / 1_728_000.0
        };
        let year_2100 = 4_102_444_800;
        assert!(urgency(true, false, false, 0.0, year_2100) > OPEN_FLOOR);
        assert!(urgency(false, true, true, 100.0, 0) < OPEN_FLOOR);
    }
}
