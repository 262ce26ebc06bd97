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

/// `GET /healthz`: readiness. 200 when the database answers (with the schema version and
/// the worker processes that heartbeat recently, so an operator sees whether anything is
/// polling), else 503. A web process is ready without workers; the count tells the rest.
pub async fn healthz(State(app): State<AppState>) -> Response {
    let store = app.store();
    let checked = async {
        Ok::<_, crate::store::StoreError>((
            store.schema_version().await?,
            store.list_workers().await?,
        ))
    };
    match checked.await {
        Ok((version, workers)) => {
            let now = crate::store::now();
            let live: Vec<_> = workers
                .iter()
                .filter(|w| w.is_live(now))
                .map(|w| {
                    json!({ "id": w.id, "role": w.role, "host": w.host, "pid": w.pid,
                            "heartbeat_age_secs": now - w.heartbeat_at })
                })
                .collect();
            (
                StatusCode::OK,
                axum::Json(
                    json!({ "status": "ok", "database": "ok", "schema_version": version,
                                   "live_workers": live.len(), "workers": live }),
                ),
            )
                .into_response()
        }
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
    worker_families(&mut out, &app.store().list_workers().await?);
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response())
}

/// Per-process figures from the workers' heartbeats: up (1 while it heartbeats), and its
/// counters since it started, labelled by worker id, role and host.
fn worker_families(out: &mut String, workers: &[crate::store::WorkerRow]) {
    let labels = |w: &crate::store::WorkerRow| {
        format!(
            "worker=\"{}\",role=\"{}\",host=\"{}\"",
            label(&w.id),
            label(&w.role),
            label(&w.host)
        )
    };
    type Pick = fn(&crate::store::WorkerRow) -> i64;
    let series: [(&str, &str, &str, Pick); 5] = [
        (
            "vigia_worker_up",
            "gauge",
            "1 while the worker process heartbeats.",
            |w| i64::from(w.is_live(crate::store::now())),
        ),
        (
            "vigia_worker_polls_total",
            "counter",
            "Polls finished by the process since it started.",
            |w| w.polls,
        ),
        (
            "vigia_worker_poll_errors_total",
            "counter",
            "Failed polls of the process since it started.",
            |w| w.poll_errors,
        ),
        (
            "vigia_worker_mentions_new_total",
            "counter",
            "New mentions stored by the process since it started.",
            |w| w.mentions_new,
        ),
        (
            "vigia_worker_notifications_sent_total",
            "counter",
            "Messages delivered by the process since it started.",
            |w| w.notifications_sent,
        ),
    ];
    for (name, kind, help, pick) in series {
        family(
            out,
            name,
            kind,
            help,
            workers.iter().map(|w| (labels(w), pick(w))),
        );
    }
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
