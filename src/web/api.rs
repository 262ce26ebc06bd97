//! For machines: the CSV export and the JSON API.
//!
//! Both take the inbox's filter parameters (see [`super::params`]), so "export what I am
//! looking at" is the same URL with `/export.csv` in front. CSV cells that a spreadsheet
//! would run as formulas are neutralised (W07) by the same function the CLI uses.
//!
//! The API answers only to `Authorization: Bearer <token>` (see [`super::auth`]). Field
//! names follow the `vigia mentions --format jsonl` contract; times are RFC 3339 UTC.
//! `POST /api/mentions/{id}/status` takes JSON such as
//! `{"status": "responded", "response_url": "https://…", "responded_at": "2026-01-14T21:30:00Z",
//! "expected_version": 3}`; `status` is `acknowledged`, `responded`, `resolved`, `dismissed`
//! (with an optional `exclude_term`) or `open` (reopen), and an optional `note` is added.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::DateTime;
use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{Viewer, api_error};
use super::params::InboxParams;
use super::{AppState, WebError};
use crate::report::{csv_line, rfc3339};
use crate::store::inbox::InboxItem;
use crate::store::now;
use crate::store::triage::{Action, MentionDetail, TriageError};

/// Most rows one export holds.
pub const EXPORT_LIMIT: i64 = 100_000;

const CSV_HEADER: &[&str] = &[
    "id",
    "brand",
    "source",
    "url",
    "title",
    "snippet",
    "fetched_at",
    "published_at",
    "lang",
    "compound",
    "label",
    "status",
    "assignee",
    "rating",
    "first_response_at",
];

fn item_json(m: &InboxItem) -> Value {
    json!({
        "id": m.id, "brand": m.brand, "source": m.source, "url": m.url, "title": m.title,
        "snippet": m.snippet, "published_at": m.published_at.map(rfc3339),
        "fetched_at": rfc3339(m.fetched_at), "lang": m.lang, "compound": m.compound,
        "label": m.label, "status": m.status, "assignee": m.assignee, "rating": m.rating,
        "first_response_at": m.first_response_at.map(rfc3339),
    })
}

fn detail_json(m: &MentionDetail) -> Value {
    let terms: Value = serde_json::from_str(&m.terms).unwrap_or(Value::Array(vec![]));
    json!({
        "id": m.id, "brand": m.brand, "source": m.source, "url": m.url, "title": m.title,
        "snippet": m.snippet, "author": m.author, "published_at": m.published_at.map(rfc3339),
        "fetched_at": rfc3339(m.fetched_at), "lang": m.lang, "compound": m.compound,
        "label": m.label, "computed_label": m.computed_label, "label_override": m.label_override,
        "terms": terms, "rating": m.rating, "status": m.status, "assignee": m.assignee,
        "first_response_at": m.first_response_at.map(rfc3339), "response_url": m.response_url,
        "resolved_at": m.resolved_at.map(rfc3339), "version": m.version,
    })
}

/// The reader's timezone for date filters (API tokens act as their user).
fn tz_of(viewer: &Viewer) -> Tz {
    viewer
        .user
        .timezone
        .as_deref()
        .and_then(|t| t.parse().ok())
        .unwrap_or(Tz::UTC)
}

/// `GET /export.csv?<filter>`
pub async fn export_csv(
    State(app): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Query(params): Query<InboxParams>,
) -> Result<Response, WebError> {
    let query = params.to_query(&viewer.user.email, &tz_of(&viewer))?;
    let rows = app.store().inbox_all(&query, EXPORT_LIMIT).await?;
    let mut out = csv_line(CSV_HEADER);
    for m in &rows {
        let opt = |v: Option<i64>| v.map(rfc3339).unwrap_or_default();
        out.push_str(&csv_line(&[
            &m.id.to_string(),
            &m.brand,
            &m.source,
            m.url.as_deref().unwrap_or(""),
            &m.title,
            &m.snippet,
            &rfc3339(m.fetched_at),
            &opt(m.published_at),
            &m.lang,
            &format!("{:.4}", m.compound),
            &m.label,
            &m.status,
            m.assignee.as_deref().unwrap_or(""),
            &m.rating.map(|r| format!("{r:.3}")).unwrap_or_default(),
            &opt(m.first_response_at),
        ]));
    }
    let name = format!(
        "attachment; filename=\"vigia-mentions-{}.csv\"",
        rfc3339(now()).get(..10).unwrap_or("export")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        out,
    )
        .into_response())
}

/// `GET /api/mentions?<filter>`
pub async fn list(
    State(app): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Query(params): Query<InboxParams>,
) -> Response {
    let query = match params.to_query(&viewer.user.email, &tz_of(&viewer)) {
        Ok(q) => q,
        Err(e) => return api_error(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    match app.store().inbox(&query).await {
        Ok(page) => Json(json!({
            "total": page.total,
            "page": query.page,
            "per_page": query.per_page,
            "status_counts": page.status_counts.iter().map(|(s, n)| (s.clone(), json!(n))).collect::<serde_json::Map<_, _>>(),
            "items": page.items.iter().map(item_json).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// `GET /api/mentions/{id}`
pub async fn one(State(app): State<AppState>, Path(id): Path<i64>) -> Response {
    let store = app.store();
    match (
        store.mention_detail(id).await,
        store.mention_events(id).await,
    ) {
        (Ok(Some(m)), Ok(events)) => {
            let mut v = detail_json(&m);
            v["events"] = events
                .iter()
                .map(|e| {
                    json!({ "at": rfc3339(e.at), "actor": e.actor, "action": e.action,
                        "from_status": e.from_status, "to_status": e.to_status, "detail": e.detail })
                })
                .collect();
            Json(v).into_response()
        }
        (Ok(None), _) => api_error(StatusCode::NOT_FOUND, "no mention with this id"),
        (Err(e), _) | (_, Err(e)) => WebError::from(e).into_response(),
    }
}

/// The body of `POST /api/mentions/{id}/status`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    status: String,
    #[serde(default)]
    response_url: Option<String>,
    #[serde(default)]
    responded_at: Option<Value>,
    #[serde(default)]
    exclude_term: Option<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    expected_version: Option<i64>,
}

/// `POST /api/mentions/{id}/status`
pub async fn set_status(
    State(app): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    body: Result<Json<StatusChange>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Json(change) = match body {
        Ok(b) => b,
        Err(e) => return api_error(StatusCode::BAD_REQUEST, &e.body_text()),
    };
    let at = now();
    let action = match change.status.as_str() {
        "acknowledged" => Action::Acknowledge,
        "responded" => {
            let when = match change.responded_at.as_ref().map(parse_time) {
                None => at,
                Some(Some(t)) => t,
                Some(None) => {
                    return api_error(
                        StatusCode::BAD_REQUEST,
                        "responded_at must be RFC 3339 (2026-01-14T21:30:00Z) or Unix seconds",
                    );
                }
            };
            Action::Responded {
                url: change.response_url.clone(),
                at: when,
            }
        }
        "resolved" => Action::Resolve,
        "dismissed" => Action::Dismiss {
            exclude_term: change.exclude_term.clone(),
        },
        "open" => Action::Reopen,
        other => {
            return api_error(
                StatusCode::BAD_REQUEST,
                &format!(
                    "unknown status \"{other}\": use acknowledged, responded, resolved, dismissed or open"
                ),
            );
        }
    };
    let store = app.store();
    let actor = &viewer.user.email;
    let mut result = store
        .triage(id, actor, &action, change.expected_version, at)
        .await;
    if let (Ok(m), Some(note)) = (
        &result,
        change.note.as_deref().filter(|n| !n.trim().is_empty()),
    ) {
        result = store
            .triage(
                id,
                actor,
                &Action::Note(note.to_string()),
                Some(m.version),
                at,
            )
            .await;
    }
    triage_response(result)
}

/// The body of `POST /api/mentions/{id}/assignee`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssigneeChange {
    /// An email address, or `null` for nobody.
    assignee: Option<String>,
    #[serde(default)]
    expected_version: Option<i64>,
}

/// `POST /api/mentions/{id}/assignee`: give a mention to someone (or to nobody), as the
/// mention page does, "assigned to you" email included.
pub async fn set_assignee(
    State(app): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    body: Result<Json<AssigneeChange>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Json(change) = match body {
        Ok(b) => b,
        Err(e) => return api_error(StatusCode::BAD_REQUEST, &e.body_text()),
    };
    let at = now();
    let action = Action::Assign(
        change
            .assignee
            .map(|a| a.trim().to_lowercase())
            .filter(|a| !a.is_empty()),
    );
    let actor = &viewer.user.email;
    let message = match super::pages::mention::assignment_email(&app, id, actor, &action, at).await
    {
        Ok(m) => m,
        Err(e) => return e.into_response(),
    };
    let result = app
        .store()
        .triage_and_queue(
            id,
            actor,
            &action,
            change.expected_version,
            at,
            message.as_ref(),
        )
        .await;
    triage_response(result)
}

/// A triage result as the API answers it: the mention, or an error with its status.
fn triage_response(result: Result<crate::store::triage::MentionDetail, TriageError>) -> Response {
    match result {
        Ok(m) => Json(detail_json(&m)).into_response(),
        Err(TriageError::NotFound) => api_error(StatusCode::NOT_FOUND, "no mention with this id"),
        Err(TriageError::Conflict) => api_error(
            StatusCode::CONFLICT,
            "the mention changed since expected_version; read it again",
        ),
        Err(TriageError::Invalid(m)) => api_error(StatusCode::UNPROCESSABLE_ENTITY, &m),
        Err(TriageError::Store(e)) => WebError::from(e).into_response(),
    }
}

/// RFC 3339 text or Unix seconds (a number or a numeric string).
fn parse_time(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok().or_else(|| {
            DateTime::parse_from_rfc3339(s.trim())
                .ok()
                .map(|t| t.timestamp())
        }),
        _ => None,
    }
}
