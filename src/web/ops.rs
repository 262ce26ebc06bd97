//! For operators and their tools: `/healthz` (readiness) and `/metrics` (Prometheus text
//! exposition format, version 0.0.4).
//!
//! `/healthz` is public so a load balancer can ask it; it says only whether the database
//! answers and which schema version it has, never where the database is. `/metrics` needs
//! a login or an API token (Prometheus sends one with `authorization: { credentials: … }`):
//! the counts are not secrets, but source names can be.

use std::fmt::Write as _;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{AppState, WebError};

/// `GET /healthz`: 200 when the database answers, else 503.
pub async fn healthz(State(app): State<AppState>) -> Response {
    match app.store().schema_version().await {
        Ok(version) => (
            StatusCode::OK,
            axum::Json(json!({ "status": "ok", "database": "ok", "schema_version": version })),
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(json!({ "status": "unavailable", "database": "unreachable" })),
            )
                .into_response()
        }
    }
}

/// `GET /metrics`
pub async fn metrics(State(app): State<AppState>) -> Result<Response, WebError> {
    let c = app.store().counters().await?;
    let mut out = String::new();
    let polls = c
        .sources
        .iter()
        .map(|(name, _, n, _)| (format!("source=\"{}\"", label(name)), *n));
    family(
        &mut out,
        "vigia_source_polls_total",
        "counter",
        "Polls of each source since it was configured.",
        polls,
    );
    let errors = c
        .sources
        .iter()
        .map(|(name, _, _, e)| (format!("source=\"{}\"", label(name)), *e));
    family(
        &mut out,
        "vigia_source_consecutive_errors",
        "gauge",
        "Consecutive failed polls of each source (0 after a success).",
        errors,
    );
    let mut by_state: Vec<(String, i64)> = ["new", "ok", "failing", "blocked", "drifted"]
        .iter()
        .map(|s| (s.to_string(), 0))
        .collect();
    for (_, state, _, _) in &c.sources {
        match by_state.iter_mut().find(|(s, _)| s == state) {
            Some((_, n)) => *n += 1,
            None => by_state.push((state.clone(), 1)),
        }
    }
    by_state.sort();
    let states = by_state
        .iter()
        .map(|(s, n)| (format!("state=\"{}\"", label(s)), *n));
    family(
        &mut out,
        "vigia_sources",
        "gauge",
        "Active sources by stored state.",
        states,
    );
    let mentions = c.mentions.iter().map(|(l, s, n)| {
        (
            format!("label=\"{}\",status=\"{}\"", label(l), label(s)),
            *n,
        )
    });
    family(
        &mut out,
        "vigia_mentions",
        "gauge",
        "Stored mentions by effective sentiment label and triage status.",
        mentions,
    );
    let alerts = c
        .alerts
        .iter()
        .map(|(r, k, n)| (format!("rule=\"{}\",kind=\"{}\"", label(r), label(k)), *n));
    family(
        &mut out,
        "vigia_alerts_total",
        "counter",
        "Alerts fired, by rule and kind.",
        alerts,
    );
    let mut statuses = c.outbox.clone();
    for s in ["pending", "sent", "dead"] {
        if !statuses.iter().any(|(x, _)| x == s) {
            statuses.push((s.into(), 0));
        }
    }
    statuses.sort();
    let outbox = statuses
        .iter()
        .map(|(s, n)| (format!("status=\"{}\"", label(s)), *n));
    family(
        &mut out,
        "vigia_outbox_messages",
        "gauge",
        "Outgoing messages by status (pending, sent, dead).",
        outbox,
    );
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response())
}

/// One metric family: HELP, TYPE, then a sample per label set.
fn family(
    out: &mut String,
    name: &str,
    kind: &str,
    help: &str,
    samples: impl Iterator<Item = (String, i64)>,
) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    for (labels, value) in samples {
        let _ = writeln!(out, "{name}{{{labels}}} {value}");
    }
}

/// A label value escaped as the exposition format wants (`\`, `"`, newline).
pub fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
