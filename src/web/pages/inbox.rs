//! The inbox: open mentions, most urgent first, with filters, status tabs and pages.
//!
//! Everything is a GET parameter (see [`crate::web::params`]), so a filtered view is a link
//! a person can bookmark or paste into chat, and the CSV export link carries the same
//! filter. Rows are plain links; `j`/`k` move between them when JavaScript is on.
//!
//! Members get a checkbox per row and a bar of **bulk actions** (acknowledge, assign to me,
//! resolve, dismiss): one form around the table, posting each ticked mention as
//! `id.version`, so a bulk action is based on what the person saw, exactly like the
//! mention page's forms. A mention someone else changed meanwhile is left as it is and
//! counted in the message that comes back (POST → redirect → GET, the filters kept).

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{frame, label_text, stars, status_text};
use crate::store::inbox::{COUNT_CAP, InboxItem};
use crate::store::triage::{Action, BulkOutcome, MAX_BULK, TriageError};
use crate::web::auth::{RequestCtx, Viewer};
use crate::web::i18n::Lang;
use crate::web::params::{InboxParams, LABELS, SORTS, STATUSES};
use crate::web::render;
use crate::web::{AppState, WebError};

#[derive(Serialize)]
struct Row {
    id: i64,
    title: String,
    snippet: String,
    brand: String,
    source: String,
    lang: String,
    compound: f64,
    label: String,
    label_text: String,
    status: String,
    status_text: String,
    assignee: Option<String>,
    fetched_at: i64,
    age: String,
    rating: Option<f64>,
    stars: Option<String>,
    version: i64,
    /// Open, negative, unanswered and past its brand's response target (`sla`).
    overdue: Option<String>,
}

#[derive(Serialize)]
struct Tab {
    key: &'static str,
    label: String,
    count: String,
    href: String,
    current: bool,
}

#[derive(Serialize)]
struct Choice {
    value: &'static str,
    text: String,
}

/// A count as shown: the store caps counts at [`COUNT_CAP`] (+1 means "more").
fn count_text(n: i64) -> String {
    if n > COUNT_CAP {
        format!("{COUNT_CAP}+")
    } else {
        n.to_string()
    }
}

fn row(m: InboxItem, lang: Lang, now: i64, sla: &dyn Fn(&str) -> i64) -> Row {
    let target = sla(&m.brand);
    let overdue = (m.label == "negative"
        && matches!(m.status.as_str(), "new" | "acknowledged")
        && m.first_response_at.is_none()
        && now - m.fetched_at > target)
        .then(|| {
            lang.t("overdue")
                .replace("{sla}", &render::human_duration(target))
        });
    Row {
        overdue,
        label_text: label_text(lang, &m.label),
        status_text: status_text(lang, &m.status),
        age: match m.first_response_at {
            Some(r) => format!(
                "{} {}",
                lang.t("answered_after"),
                render::human_duration(r - m.fetched_at)
            ),
            None => format!(
                "{} {}",
                lang.t("waiting"),
                render::human_duration(now - m.fetched_at)
            ),
        },
        stars: stars(m.rating),
        id: m.id,
        title: m.title,
        snippet: m.snippet,
        brand: m.brand,
        source: m.source,
        lang: m.lang,
        compound: m.compound,
        label: m.label,
        status: m.status,
        assignee: m.assignee,
        fetched_at: m.fetched_at,
        rating: m.rating,
        version: m.version,
    }
}

/// What the last bulk action did, carried by the redirect back to the inbox.
#[derive(Debug, Default, Deserialize)]
pub struct BulkResult {
    /// Mentions changed.
    #[serde(default)]
    changed: Option<usize>,
    /// Changed by someone else meanwhile.
    #[serde(default)]
    conflicts: Option<usize>,
    /// The action did not fit their status.
    #[serde(default)]
    left: Option<usize>,
    /// Nothing was ticked.
    #[serde(default)]
    none: Option<String>,
}

impl BulkResult {
    /// The sentence to show, if a bulk action just ran.
    fn message(&self, lang: Lang) -> Option<(String, &'static str)> {
        if self.none.is_some() {
            return Some((lang.t("bulk_none").to_string(), "bad"));
        }
        let changed = self.changed?;
        let mut text = lang.t("bulk_changed").replace("{n}", &changed.to_string());
        let conflicts = self.conflicts.unwrap_or(0);
        let left = self.left.unwrap_or(0);
        for (n, key) in [(conflicts, "bulk_conflicts"), (left, "bulk_left")] {
            if n > 0 {
                text.push(' ');
                text.push_str(&lang.t(key).replace("{n}", &n.to_string()));
            }
        }
        let kind = if conflicts + left > 0 { "bad" } else { "good" };
        Some((text, kind))
    }
}

/// `GET /` and `GET /inbox`
pub async fn page(
    State(app): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    Extension(viewer): Extension<Viewer>,
    Query(params): Query<InboxParams>,
    Query(bulk): Query<BulkResult>,
) -> Result<Response, WebError> {
    let f = frame(&ctx, &viewer, "inbox");
    let (flash, flash_kind) = bulk.message(f.lang).unzip();
    let query = params.to_query(&viewer.user.email, &f.tz)?;
    let store = app.store();
    let result = store.inbox(&query).await?;
    let facets = store.facets().await?;
    let count = |s: &str| {
        result
            .status_counts
            .iter()
            .find(|(k, _)| k == s)
            .map_or(0, |(_, n)| *n)
    };
    let current = params
        .status
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("open");
    let mut tabs = Vec::new();
    let open = count("new") + count("acknowledged");
    let all: i64 = result.status_counts.iter().map(|(_, n)| n).sum();
    for (key, n) in std::iter::once(("open", open))
        .chain(STATUSES.iter().map(|s| (*s, count(s))))
        .chain(std::iter::once(("all", all)))
    {
        let status = if key == "open" { None } else { Some(key) };
        tabs.push(Tab {
            key,
            label: f.lang.t(&format!("status_{key}")).to_string(),
            count: count_text(n),
            href: format!(
                "/inbox?{}",
                params.query_string(&[("status", status), ("page", None)])
            ),
            current: key == current,
        });
    }
    let per_page = i64::from(query.per_page.max(1));
    let pages = ((result.total + per_page - 1) / per_page).max(1);
    let page = i64::from(query.page);
    let link = |p: i64| {
        let p = p.to_string();
        format!("/inbox?{}", params.query_string(&[("page", Some(&p))]))
    };
    let now = f.base.now;
    let brands = &app.config().brands;
    let sla = |brand: &str| {
        brands
            .iter()
            .find(|b| b.name == brand)
            .map_or(24 * 3600, |b| b.sla_secs())
    };
    let items: Vec<Row> = result
        .items
        .into_iter()
        .map(|m| row(m, f.lang, now, &sla))
        .collect();
    let labels: Vec<Choice> = LABELS
        .iter()
        .map(|l| Choice {
            value: l,
            text: label_text(f.lang, l),
        })
        .collect();
    let sorts: Vec<Choice> = SORTS
        .iter()
        .map(|s| Choice {
            value: s,
            text: f.lang.t(&format!("sort_{s}")).to_string(),
        })
        .collect();
    let export = params.query_string(&[("page", None), ("per_page", None)]);
    render::page(
        "inbox.html",
        &f.base,
        context! {
            items => render::ser(&items), total => result.total, total_text => count_text(result.total), page => page, pages => pages,
            prev_href => (page > 1).then(|| link(page - 1)),
            next_href => (page < pages).then(|| link(page + 1)),
            status_tabs => render::ser(&tabs), f => render::ser(&params.form_values()), facets => context! {
                brands => facets.brands, sources => facets.sources, langs => facets.langs,
                assignees => facets.assignees,
            },
            labels => render::ser(&labels), sorts => render::ser(&sorts), filtered => params.is_filtered(),
            export_href => format!("/export.csv?{export}"),
            flash => flash, flash_kind => flash_kind.unwrap_or(""),
            back => params.query_string(&[]), max_bulk => MAX_BULK,
            view_suffix => super::mention::InboxView::new(params.clone()).suffix(true),
        },
    )
}

/// `POST /inbox/bulk`: one action on the ticked mentions (`m=ID.VERSION`, repeated),
/// then back to the same view (`back`, the inbox's query string) with what happened.
pub async fn bulk(
    State(app): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    body: Bytes,
) -> Result<Response, WebError> {
    let mut targets = Vec::new();
    let (mut action, mut back) = (String::new(), String::new());
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "m" => targets.push(target(&v).ok_or_else(|| {
                WebError::BadRequest(format!("\"{v}\" is not a mention (ID.VERSION)"))
            })?),
            "action" => action = v.into_owned(),
            "back" => back = v.into_owned(),
            _ => {}
        }
    }
    let params = InboxParams::from_query_string(&back);
    let back = |extra: &str| {
        let q = params.query_string(&[]);
        let sep = if q.is_empty() { "" } else { "&" };
        Redirect::to(&format!("/inbox?{q}{sep}{extra}")).into_response()
    };
    let me = viewer.user.email.as_str();
    let action = match action.as_str() {
        "acknowledge" => Action::Acknowledge,
        "assign_me" => Action::Assign(Some(me.to_string())),
        "resolve" => Action::Resolve,
        "dismiss" => Action::Dismiss { exclude_term: None },
        _ => {
            return Err(WebError::BadRequest(format!(
                "unknown bulk action \"{action}\""
            )));
        }
    };
    if targets.is_empty() {
        return Ok(back("none=1"));
    }
    let out: BulkOutcome = match app
        .store()
        .triage_many(&targets, me, &action, crate::store::now())
        .await
    {
        Ok(out) => out,
        Err(TriageError::Store(e)) => return Err(e.into()),
        Err(e) => return Err(WebError::BadRequest(e.to_string())),
    };
    tracing::info!(
        user = %me, changed = out.changed.len(), conflicts = out.conflicts.len(),
        left_alone = out.left_alone.len(), "bulk triage"
    );
    Ok(back(&format!(
        "changed={}&conflicts={}&left={}",
        out.changed.len(),
        out.conflicts.len(),
        out.left_alone.len() + out.missing.len()
    )))
}

/// `ID.VERSION` → (id, version).
fn target(value: &str) -> Option<(i64, Option<i64>)> {
    let (id, version) = value.split_once('.')?;
    Some((id.parse().ok()?, Some(version.parse().ok()?)))
}
