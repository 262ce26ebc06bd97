//! One mention: what was said (brand highlighted), why it scored as it did, its triage
//! state and history, and the actions a member can take.
//!
//! Every action is one small form posting to `/mentions/{id}/triage` with the version the
//! page was drawn from; if someone else changed the mention meanwhile the store answers
//! "conflict" and the page comes back with the latest state instead of overwriting it.
//! After a change the browser is redirected (POST → redirect → GET), so reloading never
//! repeats an action.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use minijinja::context;
use minijinja::value::Value;
use serde::{Deserialize, Serialize};

use super::{flash, frame, label_text, stars, status_text};
use crate::store::accounts::Role;
use crate::store::now;
use crate::store::triage::{Action, MentionDetail, TriageError};
use crate::web::auth::{RequestCtx, Viewer};
use crate::web::highlight::{bare_brand, highlight};
use crate::web::i18n::Lang;
use crate::web::params::{InboxParams, LABELS};
use crate::web::{AppState, WebError, render};

/// `?done=` / `?error=`, and `?in=`: the inbox view the person came from.
#[derive(Debug, Default, Deserialize)]
pub struct MentionQuery {
    done: Option<String>,
    error: Option<String>,
    #[serde(rename = "in", default)]
    view: Option<String>,
}

/// Every triage form's fields (each form sends the ones it has).
#[derive(Debug, Default, Deserialize)]
pub struct TriageForm {
    action: String,
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    assignee: Option<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    response_url: Option<String>,
    #[serde(default)]
    responded_at: Option<String>,
    #[serde(default)]
    exclude_term: Option<String>,
    #[serde(default)]
    label: Option<String>,
    /// The inbox view the person came from (`in`), kept across the redirect.
    #[serde(rename = "in", default)]
    view: Option<String>,
}

#[derive(Serialize)]
struct TermView {
    text: String,
    weight: f64,
    weight_text: String,
    width: f64,
}

#[derive(Serialize)]
struct EventView {
    at: i64,
    actor: String,
    action_text: String,
    from_status: Option<String>,
    to_status: Option<String>,
    from_text: String,
    to_text: String,
    detail: Option<String>,
}

/// A link only for http(s) addresses (W06): `javascript:` and friends stay text.
pub fn safe_link(url: Option<&str>) -> Option<String> {
    let parsed = url::Url::parse(url?.trim()).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}

/// The terms JSON (`[[term, weight], …]`) as rows with bar widths (0..100). A word the
/// text uses twice (in the title and again in the body) is one row with its weights
/// added and its count shown, in the order of first use.
fn terms(json: &str) -> Vec<TermView> {
    let raw: Vec<(String, f64)> = serde_json::from_str(json).unwrap_or_default();
    let mut list: Vec<(String, f64)> = Vec::with_capacity(raw.len());
    let mut counts: Vec<usize> = Vec::with_capacity(raw.len());
    for (text, weight) in raw {
        match list.iter().position(|(t, _)| *t == text) {
            Some(i) => {
                list[i].1 += weight;
                counts[i] += 1;
            }
            None => {
                list.push((text, weight));
                counts.push(1);
            }
        }
    }
    let list: Vec<(String, f64)> = list
        .into_iter()
        .zip(counts)
        .map(|((t, w), n)| {
            if n > 1 {
                (format!("{t} ×{n}"), w)
            } else {
                (t, w)
            }
        })
        .collect();
    let max = list
        .iter()
        .map(|(_, w)| w.abs())
        .fold(0.0, f64::max)
        .max(1e-9);
    list.into_iter()
        .map(|(text, weight)| TermView {
            width: (weight.abs() / max * 100.0).round(),
            weight_text: format!("{weight:+.2}"),
            text,
            weight,
        })
        .collect()
}

/// `GET /mentions/{id}`
pub async fn page(
    State(app): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    Query(q): Query<MentionQuery>,
) -> Result<Response, WebError> {
    let f = frame(&ctx, &viewer, "inbox");
    let (message, kind) = flash(f.lang, q.done.as_deref(), q.error.as_deref());
    let view = InboxView::parse(q.view.as_deref());
    render_page(
        &app,
        &ctx,
        &viewer,
        id,
        &view,
        message,
        kind,
        StatusCode::OK,
    )
    .await
}

/// The inbox view a mention was opened from, so "back" returns to it and "next" is the
/// most urgent other mention in it (working through a queue, not hunting in a list).
/// Only our own filter parameters survive (re-serialised), as with the bulk actions.
pub struct InboxView {
    params: InboxParams,
}

impl InboxView {
    /// The view of these (already parsed) parameters.
    pub fn new(params: InboxParams) -> InboxView {
        InboxView { params }
    }

    /// From an `in=` value (an inbox query string); anything unusable is the default view.
    pub fn parse(raw: Option<&str>) -> InboxView {
        InboxView::new(InboxParams::from_query_string(raw.unwrap_or("")))
    }

    /// The view as a query string (without its page: "next" starts from the top).
    pub fn query(&self) -> String {
        self.params.query_string(&[("page", None)])
    }

    /// `?in=…` for a mention link (empty for the default view).
    pub fn suffix(&self, first: bool) -> String {
        let q = self.query();
        if q.is_empty() {
            return String::new();
        }
        let enc: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
        format!("{}in={enc}", if first { "?" } else { "&" })
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_page(
    app: &AppState,
    ctx: &RequestCtx,
    viewer: &Viewer,
    id: i64,
    view: &InboxView,
    message: Option<String>,
    kind: &str,
    status: StatusCode,
) -> Result<Response, WebError> {
    let f = frame(ctx, viewer, "inbox");
    let store = app.store();
    let Some(m) = store.mention_detail(id).await? else {
        return Err(WebError::NotFound);
    };
    // The next mention: the most urgent one in the same view other than this one. A view
    // that no longer parses (a bad date) simply has no "next".
    let next = match view.params.to_query(&viewer.user.email, &f.tz) {
        Ok(mut q) => {
            q.page = 1;
            q.per_page = 2;
            store
                .inbox(&q)
                .await?
                .items
                .into_iter()
                .find(|n| n.id != id)
                .map(|n| {
                    context! {
                        href => format!("/mentions/{}{}", n.id, view.suffix(true)),
                        title => n.title,
                    }
                })
        }
        Err(_) => None,
    };
    let events: Vec<EventView> = store
        .mention_events(id)
        .await?
        .into_iter()
        .map(|e| EventView {
            at: e.at,
            actor: e.actor,
            action_text: f.lang.t(&format!("action_{}", e.action)).to_string(),
            from_text: e
                .from_status
                .as_deref()
                .map(|s| status_text(f.lang, s))
                .unwrap_or_default(),
            to_text: e
                .to_status
                .as_deref()
                .map(|s| status_text(f.lang, s))
                .unwrap_or_default(),
            from_status: e.from_status,
            to_status: e.to_status,
            detail: e.detail,
        })
        .collect();
    let users: Vec<String> = if viewer.can_triage() {
        store
            .list_users()
            .await?
            .into_iter()
            .filter(|u| u.role >= Role::Member)
            .map(|u| u.email)
            .collect()
    } else {
        Vec::new()
    };
    let brand = app
        .config()
        .brands
        .iter()
        .find(|b| b.name == m.brand)
        .cloned()
        .unwrap_or_else(|| bare_brand(&m.brand));
    let at = f.base.now;
    let labels: Vec<_> = LABELS
        .iter()
        .map(|l| context! { value => *l, text => label_text(f.lang, l) })
        .collect();
    let mention = view_of(&m, f.lang);
    let view_query = view.query();
    let inbox_href = if view_query.is_empty() {
        "/inbox".to_string()
    } else {
        format!("/inbox?{view_query}")
    };
    let mut resp = render::page(
        "mention.html",
        &f.base,
        context! {
            m => mention,
            link => safe_link(m.url.as_deref()),
            response_link => safe_link(m.response_url.as_deref()),
            snippet_html => Value::from_safe_string(highlight(&m.snippet, &brand)),
            body_html => (m.body.trim() != m.snippet.trim() && !m.body.trim().is_empty())
                .then(|| Value::from_safe_string(highlight(&m.body, &brand))),
            terms => render::ser(&terms(&m.terms)),
            stars => stars(m.rating),
            status_text => status_text(f.lang, &m.status),
            computed_label_text => label_text(f.lang, &m.computed_label),
            response_secs => m.first_response_at.map(|r| (r - m.fetched_at).max(0)),
            waiting_secs => at - m.fetched_at,
            now_local => render::local_input(at, &f.tz),
            events => render::ser(&events), users => users, labels => labels,
            flash => message, flash_kind => kind,
            view => view_query, next => next, inbox_href => inbox_href,
        },
    )?;
    *resp.status_mut() = status;
    Ok(resp)
}

/// The mention as the template sees it.
fn view_of(m: &MentionDetail, lang: Lang) -> Value {
    render::ser(&serde_json::json!({
        "id": m.id, "brand": m.brand, "source": m.source, "url": m.url, "title": m.title,
        "author": m.author, "published_at": m.published_at, "fetched_at": m.fetched_at,
        "lang": m.lang, "lang_reliable": m.lang_reliable, "compound": m.compound,
        "whole_compound": m.whole_compound, "label": m.label,
        "label_text": label_text(lang, &m.label), "label_override": m.label_override, "rating": m.rating,
        "rating_value": m.rating_value, "rating_best": m.rating_best, "status": m.status,
        "assignee": m.assignee, "first_response_at": m.first_response_at,
        "response_url": m.response_url, "resolved_at": m.resolved_at, "version": m.version,
    }))
}

/// `POST /mentions/{id}/triage`
pub async fn triage(
    State(app): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    Form(form): Form<TriageForm>,
) -> Result<Response, WebError> {
    let f = frame(&ctx, &viewer, "inbox");
    let at = now();
    let view = InboxView::parse(form.view.as_deref());
    let action = match form_action(&form, &f.tz, at) {
        Ok(a) => a,
        Err(key) => {
            let msg = f.lang.t(key).to_string();
            return render_page(
                &app,
                &ctx,
                &viewer,
                id,
                &view,
                Some(msg),
                "bad",
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    let message = assignment_email(&app, id, &viewer.user.email, &action, at).await?;
    match app
        .store()
        .triage_and_queue(
            id,
            &viewer.user.email,
            &action,
            form.version,
            at,
            message.as_ref(),
        )
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/mentions/{id}?done=done{}", view.suffix(false)))
                .into_response(),
        ),
        Err(TriageError::Conflict) => Ok(Redirect::to(&format!(
            "/mentions/{id}?error=conflict{}",
            view.suffix(false)
        ))
        .into_response()),
        Err(TriageError::NotFound) => Err(WebError::NotFound),
        Err(TriageError::Invalid(msg)) => {
            render_page(
                &app,
                &ctx,
                &viewer,
                id,
                &view,
                Some(msg),
                "bad",
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(TriageError::Store(e)) => Err(e.into()),
    }
}

/// The "assigned to you" email for an assignment to someone else (see
/// [`crate::notify::assignment`]), in the assignee's saved language.
pub(crate) async fn assignment_email(
    app: &AppState,
    id: i64,
    by: &str,
    action: &Action,
    now: i64,
) -> Result<Option<crate::store::NewOutbox>, WebError> {
    let Action::Assign(Some(assignee)) = action else {
        return Ok(None);
    };
    let Some(mention) = app.store().mention_detail(id).await? else {
        return Ok(None);
    };
    let users = app.store().list_users().await?;
    let lang = match users
        .iter()
        .find(|u| u.email.eq_ignore_ascii_case(assignee))
        .and_then(|u| u.lang.as_deref())
    {
        Some("es") => crate::alerts::notice::NoticeLang::Es,
        _ => crate::alerts::notice::NoticeLang::En,
    };
    crate::notify::assignment::message(app.config(), &mention, assignee, by, lang, now).map_err(
        |e| WebError::Template {
            name: "assignment email".into(),
            detail: e.to_string(),
        },
    )
}

fn filled(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The form as a store action; `Err` names the message to show.
fn form_action(form: &TriageForm, tz: &Tz, now: i64) -> Result<Action, &'static str> {
    Ok(match form.action.as_str() {
        "acknowledge" => Action::Acknowledge,
        "assign" => Action::Assign(filled(&form.assignee).map(|a| a.to_lowercase())),
        "note" => Action::Note(filled(&form.note).ok_or("bad_request")?),
        "respond" => Action::Responded {
            url: filled(&form.response_url),
            at: match filled(&form.responded_at) {
                None => now,
                Some(t) => parse_local(&t, tz).ok_or("bad_time")?,
            },
        },
        "resolve" => Action::Resolve,
        "dismiss" => Action::Dismiss {
            exclude_term: filled(&form.exclude_term),
        },
        "relabel" => Action::Relabel(filled(&form.label)),
        "reopen" => Action::Reopen,
        _ => return Err("bad_request"),
    })
}

/// A `datetime-local` value (`2026-01-14T21:30`) in `tz` → Unix seconds.
pub fn parse_local(value: &str, tz: &Tz) -> Option<i64> {
    let naive = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn w06_only_web_addresses_become_links() {
        assert_eq!(
            safe_link(Some("https://e.com/a?b=1")).as_deref(),
            Some("https://e.com/a?b=1")
        );
        assert_eq!(safe_link(Some("javascript:alert(1)")), None);
        assert_eq!(safe_link(Some(" JAVASCRIPT:alert(1)")), None);
        assert_eq!(safe_link(Some("data:text/html,<script>")), None);
        assert_eq!(safe_link(Some("not a url")), None);
        assert_eq!(safe_link(None), None);
    }

    #[test]
    fn local_times_are_read_in_the_readers_zone() {
        let tz: Tz = "America/Mexico_City".parse().unwrap();
        assert_eq!(parse_local("2026-01-14T21:30", &tz), Some(1_768_447_800));
        assert_eq!(parse_local("yesterday", &tz), None);
    }

    #[test]
    fn terms_get_bars_relative_to_the_strongest() {
        let t = terms("[[\"scam\", -3.1], [\"good\", 1.55]]");
        assert_eq!((t[0].width, t[1].width), (100.0, 50.0));
        assert!(terms("not json").is_empty());
        let t = terms("[[\"cobró\", -0.6], [\"abusiva\", -2.7], [\"cobró\", -0.6]]");
        let rows: Vec<(&str, &str)> = t
            .iter()
            .map(|r| (r.text.as_str(), r.weight_text.as_str()))
            .collect();
        assert_eq!(rows, [("cobró ×2", "-1.20"), ("abusiva", "-2.70")]);
    }
}
