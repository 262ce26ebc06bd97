//! The HTML pages, one module each. Handlers read, call the store, and hand plain values
//! to a template; the shared frame (who is logged in, language, timezone, CSRF token)
//! comes from [`frame`].

pub mod alerts;
pub mod inbox;
pub mod login;
pub mod mention;
pub mod overview;
pub mod settings;
pub mod sources;
pub mod team;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::Response;
use chrono_tz::Tz;

use super::auth::{RequestCtx, Viewer};
use super::i18n::Lang;
use super::render::{self, Base};
use crate::store::accounts::Role;

/// The reader's language, timezone and the page frame.
pub struct Frame {
    /// Interface language.
    pub lang: Lang,
    /// Timezone for dates.
    pub tz: Tz,
    /// The layout's values.
    pub base: Base,
}

/// The frame of a page for `viewer`: their saved language (else the browser's) and
/// timezone (else UTC).
pub fn frame(ctx: &RequestCtx, viewer: &Viewer, nav: &'static str) -> Frame {
    let lang = viewer
        .user
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or(ctx.browser_lang);
    let tz: Tz = viewer
        .user
        .timezone
        .as_deref()
        .and_then(|t| t.parse().ok())
        .unwrap_or(Tz::UTC);
    Frame {
        lang,
        tz,
        base: Base {
            lang: lang.code(),
            tz: tz.name().to_string(),
            now: crate::store::now(),
            email: viewer.user.email.clone(),
            role: viewer.user.role.as_str(),
            csrf: viewer.csrf.clone().unwrap_or_default(),
            can_triage: viewer.user.role >= Role::Member,
            is_admin: viewer.user.role >= Role::Admin,
            nav,
        },
    }
}

/// The fallback: a plain 404 page.
pub async fn not_found(req: Request) -> Response {
    let lang = req
        .extensions()
        .get::<RequestCtx>()
        .map_or(Lang::En, |c| c.browser_lang);
    let message = match lang {
        Lang::En => "There is no page at this address.",
        Lang::Es => "No hay ninguna página en esta dirección.",
    };
    render::error_page(StatusCode::NOT_FOUND, message)
}

/// The translated name of a triage status.
pub fn status_text(lang: Lang, status: &str) -> String {
    lang.t(&format!("status_{status}")).to_string()
}

/// The translated name of a sentiment label.
pub fn label_text(lang: Lang, label: &str) -> String {
    lang.t(&format!("label_{label}")).to_string()
}

/// A rating 0..1 as stars out of five, one decimal.
pub fn stars(rating: Option<f64>) -> Option<String> {
    rating.map(|r| {
        let s = (r.clamp(0.0, 1.0) * 50.0).round() / 10.0;
        if s.fract() == 0.0 {
            format!("{s:.0}")
        } else {
            format!("{s:.1}")
        }
    })
}

/// `?done=` / `?error=` after a redirect (catalogue keys; see [`flash`]).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Flash {
    /// What went well.
    pub done: Option<String>,
    /// What went wrong.
    pub error: Option<String>,
}

/// A flash message from a `?done=` / `?error=` query value: (text, css kind).
pub fn flash(
    lang: Lang,
    done: Option<&str>,
    error: Option<&str>,
) -> (Option<String>, &'static str) {
    match (done, error) {
        (_, Some(key)) if is_flash_key(key) => (Some(lang.t(key).to_string()), "bad"),
        (Some(key), _) if is_flash_key(key) => (Some(lang.t(key).to_string()), "good"),
        _ => (None, ""),
    }
}

/// Only catalogue keys meant as messages may come from the query string.
fn is_flash_key(key: &str) -> bool {
    matches!(
        key,
        "done"
            | "conflict"
            | "bad_time"
            | "saved"
            | "retried"
            | "not_dead"
            | "bad_timezone"
            | "revoked"
            | "wrong_password"
            | "passwords_differ"
            | "password_short"
            | "password_changed"
    )
}
