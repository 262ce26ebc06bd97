//! The alerts page: what the rules fired, and the outbox with its dead letters.
//!
//! Alert emails link here with `?mute=RULE`; muting is a config change (rules live in
//! `vigia.toml`), so that link shows the rule's own alerts and says how to quiet it.
//! Dead letters come first in the outbox list; an admin can put one back in the queue.

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{flash, frame};
use crate::store::now;
use crate::web::auth::{RequestCtx, Viewer};
use crate::web::render;
use crate::web::{AppState, WebError};

/// Alerts listed at most.
const ALERTS_SHOWN: i64 = 200;
/// Outbox rows listed at most per status.
const OUTBOX_SHOWN: i64 = 100;
/// Mention links shown per alert.
const IDS_SHOWN: usize = 8;

/// `?mute=`, `?done=`, `?error=`
#[derive(Debug, Deserialize)]
pub struct AlertsQuery {
    mute: Option<String>,
    done: Option<String>,
    error: Option<String>,
}

#[derive(Serialize)]
struct AlertView {
    fired_at: i64,
    rule: String,
    mute_href: String,
    kind: String,
    brand: Option<String>,
    mention_ids: Vec<i64>,
    more: usize,
    notified_at: Option<i64>,
}

#[derive(Serialize)]
struct OutboxView {
    id: i64,
    status: String,
    status_text: String,
    recipient: String,
    channel: String,
    subject: String,
    created_at: i64,
    attempts: i64,
    last_error: Option<String>,
}

/// `GET /alerts`
pub async fn page(
    State(app): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    Extension(viewer): Extension<Viewer>,
    Query(q): Query<AlertsQuery>,
) -> Result<Response, WebError> {
    let f = frame(&ctx, &viewer, "alerts");
    let mute = q.mute.as_deref().map(str::trim).filter(|m| !m.is_empty());
    let alerts: Vec<AlertView> = app
        .store()
        .list_alerts(mute, ALERTS_SHOWN)
        .await?
        .into_iter()
        .map(|a| AlertView {
            fired_at: a.alert.fired_at,
            more: a.alert.mention_ids.len().saturating_sub(IDS_SHOWN),
            mention_ids: a.alert.mention_ids.into_iter().take(IDS_SHOWN).collect(),
            mute_href: format!(
                "/alerts?mute={}",
                url::form_urlencoded::byte_serialize(a.alert.rule.as_bytes()).collect::<String>()
            ),
            rule: a.alert.rule,
            kind: a.alert.kind,
            brand: a.alert.brand,
            notified_at: a.notified_at,
        })
        .collect();
    let mut outbox = Vec::new();
    for status in ["dead", "pending", "sent"] {
        for o in app.store().list_outbox(Some(status), OUTBOX_SHOWN).await? {
            if mute.is_some_and(|m| m != o.message.rule) {
                continue;
            }
            outbox.push(OutboxView {
                id: o.id,
                status_text: f.lang.t(&format!("outbox_{}", o.status)).to_string(),
                status: o.status,
                recipient: o.message.recipient,
                channel: o.message.channel,
                subject: o.message.subject,
                created_at: o.created_at,
                attempts: o.attempts,
                last_error: o.last_error,
            });
        }
    }
    let (message, kind) = flash(f.lang, q.done.as_deref(), q.error.as_deref());
    render::page(
        "alerts.html",
        &f.base,
        context! { alerts => render::ser(&alerts), outbox => render::ser(&outbox), mute => mute, flash => message, flash_kind => kind },
    )
}

/// `POST /alerts/outbox/{id}/retry` (admins): a dead letter goes back in the queue.
pub async fn retry(
    State(app): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let queued = app.store().retry_dead(id, now()).await?;
    tracing::info!(outbox = id, user = %viewer.user.email, queued, "dead letter retry");
    let to = if queued {
        "/alerts?done=retried"
    } else {
        "/alerts?error=not_dead"
    };
    Ok(Redirect::to(to).into_response())
}
