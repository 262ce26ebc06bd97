//! The sources page: every watched place, its health, last success, last error and next
//! check, as `vigia sources` shows them, worst first so a broken source is seen.

use axum::Extension;
use axum::extract::State;
use axum::response::Response;
use minijinja::context;
use serde::Serialize;

use super::frame;
use crate::config::DEFAULT_STALE_AFTER;
use crate::store::{SourceState, now};
use crate::web::auth::{RequestCtx, Viewer};
use crate::web::render;
use crate::web::{AppState, WebError};

#[derive(Serialize)]
struct SourceView {
    name: String,
    kind: String,
    url: String,
    health: &'static str,
    health_text: String,
    health_help: String,
    last_success_at: Option<i64>,
    last_new_at: Option<i64>,
    next_check_at: i64,
    items_last_seen: i64,
    last_error: Option<String>,
    error_count: i64,
}

#[derive(Serialize)]
struct StateCount {
    state: &'static str,
    text: String,
    count: usize,
}

/// How bad a state is, for ordering (worst first).
fn severity(s: SourceState) -> u8 {
    match s {
        SourceState::Blocked => 0,
        SourceState::Failing => 1,
        SourceState::Drifted => 2,
        SourceState::Stale => 3,
        SourceState::New => 4,
        SourceState::Ok => 5,
    }
}

/// `GET /sources`
pub async fn page(
    State(app): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Response, WebError> {
    let f = frame(&ctx, &viewer, "sources");
    let at = now();
    let stale_after = |name: &str| {
        app.config()
            .sources
            .iter()
            .find(|s| s.name == name)
            .map_or(DEFAULT_STALE_AFTER, |s| s.stale_after())
            .as_secs() as i64
    };
    let mut rows: Vec<_> = app
        .store()
        .list_sources()
        .await?
        .into_iter()
        .map(|r| (r.health(at, stale_after(&r.name)), r))
        .collect();
    rows.sort_by(|a, b| (severity(a.0), &a.1.name).cmp(&(severity(b.0), &b.1.name)));
    let mut counts: Vec<StateCount> = Vec::new();
    for (state, _) in &rows {
        match counts.iter_mut().find(|c| c.state == state.as_str()) {
            Some(c) => c.count += 1,
            None => counts.push(StateCount {
                state: state.as_str(),
                text: f.lang.t(&format!("health_{}", state.as_str())).to_string(),
                count: 1,
            }),
        }
    }
    let sources: Vec<SourceView> = rows
        .into_iter()
        .map(|(state, r)| SourceView {
            health: state.as_str(),
            health_text: f.lang.t(&format!("health_{}", state.as_str())).to_string(),
            health_help: r.last_error.clone().unwrap_or_default(),
            name: r.name,
            kind: r.kind,
            url: r.url,
            last_success_at: r.last_success_at,
            last_new_at: r.last_new_at,
            next_check_at: r.next_check_at,
            items_last_seen: r.items_last_seen,
            last_error: r.last_error,
            error_count: r.error_count,
        })
        .collect();
    render::page(
        "sources.html",
        &f.base,
        context! { sources => render::ser(&sources), state_counts => render::ser(&counts) },
    )
}
