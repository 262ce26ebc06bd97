//! Triage: what people do to a mention (acknowledge, assign, note, respond, resolve, dismiss,
//! relabel, reopen), each change kept in the mention's history.
//!
//! Every action is one write transaction that reads the mention, checks the move is allowed,
//! updates the row with `version = version + 1` and appends one `mention_events` row, so the
//! history can never disagree with the row. The version is optimistic concurrency for the
//! dashboard: a form carries the version it was drawn from, and a second person acting on the
//! same stale version gets [`TriageError::Conflict`] instead of silently overwriting.
//!
//! Statuses (the contract with the inbox, the digest and the KPIs): `new` → `acknowledged` →
//! `responded` → `resolved`, or `dismissed` (not about us; left out of every figure). Open
//! means `new` or `acknowledged`. Allowed moves:
//!
//! | action | from | to |
//! |---|---|---|
//! | acknowledge | new | acknowledged |
//! | responded | new, acknowledged, responded | responded |
//! | resolve | new, acknowledged, responded | resolved |
//! | dismiss | any but dismissed | dismissed |
//! | reopen | responded, resolved, dismissed | acknowledged |
//! | assign, note, relabel | any | unchanged |
//!
//! **The response clock** keeps the *first* response: `first_response_at` is set once, later
//! responses are only events. The time is the one the person gives (when they answered, not
//! when they clicked); more than five minutes in the future is refused. A time before vigia
//! fetched the mention (the team saw it on the site first) is stored as the fetch time, so
//! it counts as an immediate answer, which is what the KPIs would make of it anyway; the
//! event keeps the time as given.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Backend, Store, StoreError};

/// Every triage status, in workflow order.
pub const STATUSES: [&str; 5] = ["new", "acknowledged", "responded", "resolved", "dismissed"];
/// The statuses that still need someone.
pub const OPEN_STATUSES: [&str; 2] = ["new", "acknowledged"];
/// The labels a person may set.
pub const LABELS: [&str; 3] = ["positive", "neutral", "negative"];
/// A response time may be at most this far ahead of the server's clock (clock skew).
pub const FUTURE_TOLERANCE_SECS: i64 = 300;
/// Longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 10_000;
/// Longest exclusion term, in characters.
pub const MAX_TERM_CHARS: usize = 100;
/// Longest response URL, in bytes.
pub const MAX_URL_LEN: usize = 2_048;
/// Longest email address (RFC 5321 path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// What a person does to a mention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Someone has seen it and is on it (`new` → `acknowledged`).
    Acknowledge,
    /// Give it to someone (an email), or to nobody.
    Assign(Option<String>),
    /// Add a note to the history.
    Note(String),
    /// The team answered, at `at` (Unix seconds), optionally at a public URL.
    Responded {
        /// Where the answer can be seen (http or https).
        url: Option<String>,
        /// When the team answered.
        at: i64,
    },
    /// Nothing more to do.
    Resolve,
    /// Not about us. With a term, the brand's matcher ignores the brand inside that phrase
    /// from the next worker start on; the term should contain the brand's name or an alias
    /// ("Acme Arena" for Acme), since a hit only counts as excluded inside such a phrase.
    Dismiss {
        /// Phrase to add to the brand's exclusions.
        exclude_term: Option<String>,
    },
    /// Correct the sentiment label; `None` goes back to the computed one.
    Relabel(Option<String>),
    /// Open a closed mention again (→ `acknowledged`; the resolution is cleared, the first
    /// response is kept).
    Reopen,
}

/// Most mentions one bulk action may name (one inbox page).
pub const MAX_BULK: usize = 200;

/// What a bulk action did, mention by mention (ids in the order given).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BulkOutcome {
    /// Changed, with a history row each.
    pub changed: Vec<i64>,
    /// Someone changed them since the version given; left as they are.
    pub conflicts: Vec<i64>,
    /// The action does not fit their state (already acknowledged, already closed).
    pub left_alone: Vec<i64>,
    /// No such mention (deleted meanwhile).
    pub missing: Vec<i64>,
}

/// Why a triage action was not applied.
#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    /// No mention has this id.
    #[error("no such mention")]
    NotFound,
    /// Someone changed the mention since the version the action was based on.
    #[error("someone else changed this mention in the meantime; reload it and try again")]
    Conflict,
    /// The action does not fit the mention's state, or its input is unusable.
    #[error("{0}")]
    Invalid(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for TriageError {
    fn from(e: sqlx::Error) -> TriageError {
        TriageError::Store(StoreError::Database(e))
    }
}

/// Everything stored about one mention, for its page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MentionDetail {
    /// Store id.
    pub id: i64,
    /// Brand name.
    pub brand: String,
    /// Stable item key.
    pub item_key: String,
    /// Source name.
    pub source: String,
    /// Canonical URL of the original.
    pub url: Option<String>,
    /// Plain-text title.
    pub title: String,
    /// Plain text around the brand.
    pub snippet: String,
    /// Whole plain text.
    pub body: String,
    /// Author, if known.
    pub author: Option<String>,
    /// Published time (Unix seconds).
    pub published_at: Option<i64>,
    /// Fetch time (Unix seconds): when it reached the inbox.
    pub fetched_at: i64,
    /// Language code.
    pub lang: String,
    /// Whether vigia has a language pack for `lang`.
    pub lang_reliable: bool,
    /// Brand-targeted compound score, −1..1.
    pub compound: f64,
    /// Positive share.
    pub pos: f64,
    /// Neutral share.
    pub neu: f64,
    /// Negative share.
    pub neg: f64,
    /// The label shown: the person's correction, else the computed one.
    pub label: String,
    /// The label vigia computed.
    pub computed_label: String,
    /// The person's correction, if any.
    pub label_override: Option<String>,
    /// Whole-text compound score.
    pub whole_compound: f64,
    /// Contributing terms, JSON `[[term, weight], …]`.
    pub terms: String,
    /// Rating normalised to 0..1.
    pub rating: Option<f64>,
    /// Rating on its original scale.
    pub rating_value: Option<f64>,
    /// Best value of that scale.
    pub rating_best: Option<f64>,
    /// Triage status.
    pub status: String,
    /// Who has it (an email).
    pub assignee: Option<String>,
    /// When the team first answered (Unix seconds).
    pub first_response_at: Option<i64>,
    /// Where the first answer (with a URL) can be seen.
    pub response_url: Option<String>,
    /// When it was resolved (Unix seconds).
    pub resolved_at: Option<i64>,
    /// Bumped by every change; pass it back as `expected_version`.
    pub version: i64,
}

/// One entry of a mention's history.
///
/// `action` is `status` (acknowledge, resolve, reopen, and the first `new`), `assign`,
/// `note`, `respond`, `relabel` or `dismiss`. `from_status`/`to_status` are set when the
/// action changed the status. `detail`: assign → the assignee (none: unassigned); note →
/// the text; respond → JSON `{"at": unix seconds as given, "url": … or null}`; relabel → the
/// new label (none: back to computed); dismiss → the exclusion term, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRow {
    /// When it happened (Unix seconds).
    pub at: i64,
    /// Who did it (an email; `vigia` for the worker).
    pub actor: String,
    /// What kind of change.
    pub action: String,
    /// Status before, when it changed.
    pub from_status: Option<String>,
    /// Status after, when it changed.
    pub to_status: Option<String>,
    /// What was set (see above).
    pub detail: Option<String>,
}

/// The mutable triage state of a mention, before and after an action.
#[derive(Debug, Clone, PartialEq)]
struct State {
    status: String,
    assignee: Option<String>,
    label_override: Option<String>,
    first_response_at: Option<i64>,
    response_url: Option<String>,
    resolved_at: Option<i64>,
}

/// The event an action writes (actor and time are added by the caller).
#[derive(Debug, Clone, PartialEq)]
struct Event {
    action: &'static str,
    detail: Option<String>,
}

/// Apply `action` to `before` (a mention fetched at `fetched_at`) at `now`: the new state and
/// the event, or why not. Pure, so the rules are tested without a database.
fn apply(
    action: &Action,
    before: &State,
    fetched_at: i64,
    now: i64,
) -> Result<(State, Event), TriageError> {
    let mut after = before.clone();
    let status = before.status.as_str();
    let mut to = |target: &str, allowed: &[&str], verb: &str| {
        if !allowed.contains(&status) {
            return Err(TriageError::Invalid(format!(
                "a {status} mention cannot be {verb}"
            )));
        }
        after.status = target.to_string();
        Ok(())
    };
    let event = match action {
        Action::Acknowledge => {
            to("acknowledged", &["new"], "acknowledged")?;
            Event {
                action: "status",
                detail: None,
            }
        }
        Action::Resolve => {
            to(
                "resolved",
                &["new", "acknowledged", "responded"],
                "resolved",
            )?;
            after.resolved_at = Some(now);
            Event {
                action: "status",
                detail: None,
            }
        }
        Action::Reopen => {
            to(
                "acknowledged",
                &["responded", "resolved", "dismissed"],
                "reopened",
            )?;
            after.resolved_at = None;
            Event {
                action: "status",
                detail: None,
            }
        }
        Action::Dismiss { exclude_term } => {
            to(
                "dismissed",
                &["new", "acknowledged", "responded", "resolved"],
                "dismissed",
            )?;
            Event {
                action: "dismiss",
                detail: exclude_term.as_deref().map(exclusion_term).transpose()?,
            }
        }
        Action::Responded { url, at } => {
            to(
                "responded",
                &["new", "acknowledged", "responded"],
                "marked responded (reopen it first)",
            )?;
            if *at > now + FUTURE_TOLERANCE_SECS {
                return Err(TriageError::Invalid(
                    "the response time is in the future".into(),
                ));
            }
            let url = url.as_deref().map(response_url).transpose()?;
            if after.first_response_at.is_none() {
                after.first_response_at = Some((*at).max(fetched_at));
            }
            if after.response_url.is_none() {
                after.response_url = url.clone();
            }
            let detail = serde_json::json!({ "at": at, "url": url }).to_string();
            Event {
                action: "respond",
                detail: Some(detail),
            }
        }
        Action::Assign(who) => {
            after.assignee = who.as_deref().map(email).transpose()?;
            if after.assignee == before.assignee {
                // Nothing changes: no history row (a bulk "assign to me" over mentions
                // that are already mine counts them as left alone).
                return Err(TriageError::Invalid(match &after.assignee {
                    Some(a) => format!("it is already assigned to {a}"),
                    None => "it is not assigned to anyone".into(),
                }));
            }
            Event {
                action: "assign",
                detail: after.assignee.clone(),
            }
        }
        Action::Note(text) => {
            let text = text.trim();
            if text.is_empty() {
                return Err(TriageError::Invalid("the note is empty".into()));
            }
            if text.chars().count() > MAX_NOTE_CHARS {
                return Err(TriageError::Invalid(format!(
                    "a note holds at most {MAX_NOTE_CHARS} characters"
                )));
            }
            Event {
                action: "note",
                detail: Some(text.to_string()),
            }
        }
        Action::Relabel(label) => {
            if let Some(l) = label
                && !LABELS.contains(&l.as_str())
            {
                return Err(TriageError::Invalid(
                    "the label must be positive, neutral or negative".into(),
                ));
            }
            after.label_override = label.clone();
            Event {
                action: "relabel",
                detail: label.clone(),
            }
        }
    };
    Ok((after, event))
}

/// A usable exclusion term: trimmed, non-empty, short, no control characters.
fn exclusion_term(term: &str) -> Result<String, TriageError> {
    let term = term.trim();
    if term.is_empty() {
        return Err(TriageError::Invalid("the exclusion term is empty".into()));
    }
    if term.chars().count() > MAX_TERM_CHARS || term.chars().any(char::is_control) {
        return Err(TriageError::Invalid(format!(
            "an exclusion term is one line of at most {MAX_TERM_CHARS} characters"
        )));
    }
    Ok(term.to_string())
}

/// A response URL people can open: http or https with a host, as parsed.
fn response_url(given: &str) -> Result<String, TriageError> {
    let bad = || TriageError::Invalid("the response URL must be an http or https link".into());
    let given = given.trim();
    if given.len() > MAX_URL_LEN {
        return Err(bad());
    }
    let url = url::Url::parse(given).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(bad());
    }
    Ok(url.to_string())
}

/// A plausible email address (the dashboard checks it belongs to a user).
fn email(given: &str) -> Result<String, TriageError> {
    let given = given.trim();
    let ok = given.len() <= MAX_EMAIL_LEN
        && !given.chars().any(|c| c.is_whitespace() || c.is_control())
        && given.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty() && !host.is_empty() && !host.contains('@')
        });
    if ok {
        Ok(given.to_string())
    } else {
        Err(TriageError::Invalid(
            "the assignee must be an email address".into(),
        ))
    }
}

/// Columns of [`MentionDetail`], in one place for every query that reads it.
const DETAIL_COLUMNS: &str = "id, brand, item_key, source, url, title, snippet, body, author, \
     published_at, fetched_at, lang, lang_reliable, compound, pos, neu, neg, \
     COALESCE(label_override, label) AS label_eff, label, label_override, whole_compound, \
     terms, rating, rating_value, rating_best, status, assignee, first_response_at, \
     response_url, resolved_at, version";

impl Store {
    /// Apply `action` to mention `id` on behalf of `actor` (an email) at `now`. With
    /// `expected_version`, refuse with [`TriageError::Conflict`] if the mention changed
    /// since. Returns the mention as it is afterwards.
    pub async fn triage(
        &self,
        id: i64,
        actor: &str,
        action: &Action,
        expected_version: Option<i64>,
        now: i64,
    ) -> Result<MentionDetail, TriageError> {
        self.triage_and_queue(id, actor, action, expected_version, now, None)
            .await
    }

    /// [`Store::triage`], and queue `message` (an "assigned to you" email) in the same
    /// transaction: it goes out if and only if the action was applied.
    pub async fn triage_and_queue(
        &self,
        id: i64,
        actor: &str,
        action: &Action,
        expected_version: Option<i64>,
        now: i64,
        message: Option<&super::NewOutbox>,
    ) -> Result<MentionDetail, TriageError> {
        const UPDATE: &str = "UPDATE mentions SET status = $1, assignee = $2, \
             label_override = $3, first_response_at = $4, response_url = $5, \
             resolved_at = $6, version = version + 1 WHERE id = $7 AND version = $8";
        const EVENT: &str = "INSERT INTO mention_events \
             (mention_id, at, actor, action, from_status, to_status, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)";
        const EXCLUDE: &str = "INSERT INTO brand_exclusions (brand, term, added_by, added_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (brand, term) DO NOTHING";
        let actor = actor.trim();
        if actor.is_empty() {
            return Err(TriageError::Invalid("who is acting is unknown".into()));
        }
        // On PostgreSQL the row lock makes a concurrent action wait and then see the new
        // version; SQLite's BEGIN IMMEDIATE already serialises writers.
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let select = format!(
            "SELECT brand, fetched_at, version, status, assignee, label_override, \
             first_response_at, response_url, resolved_at FROM mentions WHERE id = $1{lock}"
        );
        let mut tx = self.begin_write().await?;
        let Some(row) = sqlx::query(&select)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Err(TriageError::NotFound);
        };
        let version: i64 = row.try_get("version")?;
        if expected_version.is_some_and(|v| v != version) {
            return Err(TriageError::Conflict);
        }
        let brand: String = row.try_get("brand")?;
        let before = State {
            status: row.try_get("status")?,
            assignee: row.try_get("assignee")?,
            label_override: row.try_get("label_override")?,
            first_response_at: row.try_get("first_response_at")?,
            response_url: row.try_get("response_url")?,
            resolved_at: row.try_get("resolved_at")?,
        };
        let (after, event) = apply(action, &before, row.try_get("fetched_at")?, now)?;
        let updated = sqlx::query(UPDATE)
            .bind(&after.status)
            .bind(after.assignee.clone())
            .bind(after.label_override.clone())
            .bind(after.first_response_at)
            .bind(after.response_url.clone())
            .bind(after.resolved_at)
            .bind(id)
            .bind(version)
            .execute(&mut *tx)
            .await?;
        if updated.rows_affected() != 1 {
            return Err(TriageError::Conflict);
        }
        let changed = before.status != after.status;
        sqlx::query(EVENT)
            .bind(id)
            .bind(now)
            .bind(actor)
            .bind(event.action)
            .bind(changed.then(|| before.status.clone()))
            .bind(changed.then(|| after.status.clone()))
            .bind(event.detail.clone())
            .execute(&mut *tx)
            .await?;
        if let (Action::Dismiss { .. }, Some(term)) = (action, &event.detail) {
            sqlx::query(EXCLUDE)
                .bind(&brand)
                .bind(term)
                .bind(actor)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(m) = message {
            super::outbox::queue_message(&mut tx, m, None, now).await?;
        }
        tx.commit().await?;
        self.mention_detail(id).await?.ok_or(TriageError::NotFound)
    }

    /// Apply one action to many mentions (the inbox's bulk actions), each on the version
    /// the person saw, each in its own transaction with its own history row. Nothing is
    /// overwritten: a mention changed meanwhile is a conflict, one the action does not fit
    /// (acknowledging a resolved mention) is left alone, and both are reported back.
    pub async fn triage_many(
        &self,
        targets: &[(i64, Option<i64>)],
        actor: &str,
        action: &Action,
        now: i64,
    ) -> Result<BulkOutcome, TriageError> {
        if targets.len() > MAX_BULK {
            return Err(TriageError::Invalid(format!(
                "at most {MAX_BULK} mentions at once"
            )));
        }
        let mut out = BulkOutcome::default();
        for &(id, version) in targets {
            match self.triage(id, actor, action, version, now).await {
                Ok(_) => out.changed.push(id),
                Err(TriageError::Conflict) => out.conflicts.push(id),
                Err(TriageError::Invalid(_)) => out.left_alone.push(id),
                Err(TriageError::NotFound) => out.missing.push(id),
                Err(e @ TriageError::Store(_)) => return Err(e),
            }
        }
        Ok(out)
    }

    /// One mention with everything stored about it.
    pub async fn mention_detail(&self, id: i64) -> Result<Option<MentionDetail>, StoreError> {
        let sql = format!("SELECT {DETAIL_COLUMNS} FROM mentions WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(detail_row).transpose()
    }

    /// A mention's history, oldest first.
    pub async fn mention_events(&self, id: i64) -> Result<Vec<EventRow>, StoreError> {
        const SQL: &str = "SELECT at, actor, action, from_status, to_status, detail \
             FROM mention_events WHERE mention_id = $1 ORDER BY at, id";
        let rows = sqlx::query(SQL).bind(id).fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                Ok(EventRow {
                    at: r.try_get("at")?,
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    from_status: r.try_get("from_status")?,
                    to_status: r.try_get("to_status")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect()
    }

    /// Exclusion terms added from the dashboard, as (brand, term), by brand and term.
    pub async fn brand_exclusions(&self) -> Result<Vec<(String, String)>, StoreError> {
        const SQL: &str = "SELECT brand, term FROM brand_exclusions ORDER BY brand, term";
        let rows = sqlx::query(SQL).fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| Ok((r.try_get("brand")?, r.try_get("term")?)))
            .collect()
    }
}

fn detail_row(row: &AnyRow) -> Result<MentionDetail, StoreError> {
    Ok(MentionDetail {
        id: row.try_get("id")?,
        brand: row.try_get("brand")?,
        item_key: row.try_get("item_key")?,
        source: row.try_get("source")?,
        url: row.try_get("url")?,
        title: row.try_get("title")?,
        snippet: row.try_get("snippet")?,
        body: row.try_get("body")?,
        author: row.try_get("author")?,
        published_at: row.try_get("published_at")?,
        fetched_at: row.try_get("fetched_at")?,
        lang: row.try_get("lang")?,
        lang_reliable: row.try_get::<i64, _>("lang_reliable")? != 0,
        compound: row.try_get("compound")?,
        pos: row.try_get("pos")?,
        neu: row.try_get("neu")?,
        neg: row.try_get("neg")?,
        label: row.try_get("label_eff")?,
        computed_label: row.try_get("label")?,
        label_override: row.try_get("label_override")?,
        whole_compound: row.try_get("whole_compound")?,
        terms: row.try_get("terms")?,
        rating: row.try_get("rating")?,
        rating_value: row.try_get("rating_value")?,
        rating_best: row.try_get("rating_best")?,
        status: row.try_get("status")?,
        assignee: row.try_get("assignee")?,
        first_response_at: row.try_get("first_response_at")?,
        response_url: row.try_get("response_url")?,
        resolved_at: row.try_get("resolved_at")?,
        version: row.try_get("version")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(status: &str) -> State {
        State {
            status: status.into(),
            assignee: None,
            label_override: None,
            first_response_at: None,
            response_url: None,
            resolved_at: None,
        }
    }

    const FETCHED: i64 = 1_000_000;
    const NOW: i64 = 2_000_000;

    fn run(action: Action, status: &str) -> Result<(State, Event), TriageError> {
        apply(&action, &state(status), FETCHED, NOW)
    }

    #[test]
    fn moves_follow_the_table() {
        assert_eq!(
            run(Action::Acknowledge, "new").unwrap().0.status,
            "acknowledged"
        );
        assert!(matches!(
            run(Action::Acknowledge, "acknowledged"),
            Err(TriageError::Invalid(_))
        ));
        let (s, _) = run(Action::Resolve, "responded").unwrap();
        assert_eq!((s.status.as_str(), s.resolved_at), ("resolved", Some(NOW)));
        assert!(run(Action::Resolve, "dismissed").is_err());
        for closed in ["responded", "resolved", "dismissed"] {
            let mut before = state(closed);
            before.resolved_at = Some(5);
            before.first_response_at = Some(4);
            let (s, _) = apply(&Action::Reopen, &before, FETCHED, NOW).unwrap();
            assert_eq!(s.status, "acknowledged");
            assert_eq!((s.resolved_at, s.first_response_at), (None, Some(4)));
        }
        assert!(run(Action::Reopen, "new").is_err());
        assert!(run(Action::Dismiss { exclude_term: None }, "dismissed").is_err());
        assert!(run(Action::Responded { url: None, at: NOW }, "resolved").is_err());
    }

    #[test]
    fn the_response_clock_keeps_the_first_answer_and_clamps_to_the_fetch() {
        let respond = |url: Option<&str>, at| Action::Responded {
            url: url.map(String::from),
            at,
        };
        let (first, event) = run(respond(Some("https://x.test/r/1"), FETCHED + 60), "new").unwrap();
        assert_eq!(first.first_response_at, Some(FETCHED + 60));
        assert_eq!(event.action, "respond");
        assert!(event.detail.unwrap().contains("https://x.test/r/1"));
        let (second, _) = apply(
            &respond(Some("https://x.test/r/2"), FETCHED + 600),
            &first,
            FETCHED,
            NOW,
        )
        .unwrap();
        assert_eq!(second.first_response_at, Some(FETCHED + 60));
        assert_eq!(second.response_url.as_deref(), Some("https://x.test/r/1"));
        // Before the fetch: counted as an immediate answer.
        let (early, _) = run(respond(None, FETCHED - 3_600), "new").unwrap();
        assert_eq!(early.first_response_at, Some(FETCHED));
        // The future (beyond clock skew) and non-web links are refused.
        assert!(run(respond(None, NOW + FUTURE_TOLERANCE_SECS + 1), "new").is_err());
        assert!(run(respond(None, NOW + FUTURE_TOLERANCE_SECS), "new").is_ok());
        for bad in [
            "javascript:alert(1)",
            "ftp://x.test/",
            "not a url",
            "http://",
        ] {
            assert!(run(respond(Some(bad), NOW), "new").is_err(), "{bad}");
        }
    }

    #[test]
    fn inputs_are_checked() {
        assert!(run(Action::Relabel(Some("angry".into())), "new").is_err());
        let (s, e) = run(Action::Relabel(Some("negative".into())), "new").unwrap();
        assert_eq!(s.label_override.as_deref(), Some("negative"));
        assert_eq!(e.detail.as_deref(), Some("negative"));
        assert!(run(Action::Note("   ".into()), "new").is_err());
        assert!(run(Action::Note("x".repeat(MAX_NOTE_CHARS + 1)), "new").is_err());
        assert!(run(Action::Assign(Some("not an email".into())), "new").is_err());
        let (s, _) = run(Action::Assign(Some(" ana@x.test ".into())), "new").unwrap();
        assert_eq!(s.assignee.as_deref(), Some("ana@x.test"));
        assert!(
            run(Action::Assign(None), "new").is_err(),
            "unassigning an unassigned mention changes nothing"
        );
        let term = |t: &str| Action::Dismiss {
            exclude_term: Some(t.to_string()),
        };
        assert!(run(term("  "), "new").is_err());
        assert!(run(term(&"a".repeat(MAX_TERM_CHARS + 1)), "new").is_err());
        assert!(run(term("Acme\nArena"), "new").is_err());
        let (_, e) = run(term(" Acme Arena "), "new").unwrap();
        assert_eq!(e.detail.as_deref(), Some("Acme Arena"));
    }
}
