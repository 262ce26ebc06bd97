//! The inbox: open mentions, most urgent first, with filters, status tabs and pages.
//!
//! Everything is a GET parameter (see [`crate::web::params`]), so a filtered view is a link
//! a person can bookmark or paste into chat, and the CSV export link carries the same
//! filter. Rows are plain links; `j`/`k` move between them when JavaScript is on.

use axum::Extension;
use axum::extract::{Query, State};
use axum::response::Response;
use minijinja::context;
use serde::Serialize;

use super::{frame, label_text, stars, status_text};
use crate::store::inbox::{COUNT_CAP, InboxItem};
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

fn row(m: InboxItem, lang: Lang, now: i64) -> Row {
    Row {
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
    }
}

/// `GET /` and `GET /inbox`
pub async fn page(
    State(app): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    Extension(viewer): Extension<Viewer>,
    Query(params): Query<InboxParams>,
) -> Result<Response, WebError> {
    let f = frame(&ctx, &viewer, "inbox");
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
    let items: Vec<Row> = result
        .items
        .into_iter()
        .map(|m| row(m, f.lang, now))
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
        },
    )
}
