//! Templates: minijinja with auto-escape on, every template embedded from
//! `src/web/templates/` at build time.
//!
//! Outside text (titles, snippets, URLs, author names) only ever reaches a template as a
//! value, and `.html` templates escape every value, so a title like `<script>` or
//! `{{7*7}}` prints literally (W06). The few pieces of HTML built in Rust (the highlighted
//! snippet, the SVG chart) escape their text themselves and are passed as safe strings.
//!
//! Templates call `t("key")` for every word they show (see [`super::i18n`]) and format
//! times with the `dt`, `day` and `dur` filters in the reader's language and timezone.

use std::sync::LazyLock;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, State, UndefinedBehavior, context, escape_formatter};
use serde::Serialize;

use super::WebError;
use super::highlight::escape;
use super::i18n::Lang;

/// Every template, by name: (name, source).
pub const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("login.html", include_str!("templates/login.html")),
    ("inbox.html", include_str!("templates/inbox.html")),
    ("mention.html", include_str!("templates/mention.html")),
    ("overview.html", include_str!("templates/overview.html")),
    ("alerts.html", include_str!("templates/alerts.html")),
    ("sources.html", include_str!("templates/sources.html")),
    ("team.html", include_str!("templates/team.html")),
    ("settings.html", include_str!("templates/settings.html")),
    ("error.html", include_str!("templates/error.html")),
];

static ENV: LazyLock<Result<Environment<'static>, String>> = LazyLock::new(|| {
    let mut env = Environment::new();
    // Printing a misspelt variable fails the template test; `{% if x %}` on a missing one
    // is simply false.
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    // Escape like every other page generator (`& < > " '`), but leave `/` alone so dates
    // (14/01/2026) and URLs read as themselves in the page source.
    env.set_formatter(|out, state, value| {
        if *state.auto_escape() == AutoEscape::Html
            && !value.is_safe()
            && let Some(s) = value.as_str()
        {
            return out.write_str(&escape(s)).map_err(minijinja::Error::from);
        }
        escape_formatter(out, state, value)
    });
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .map_err(|e| format!("{name}: {e:#}"))?;
    }
    env.add_function("t", |state: &State, key: &str| -> String {
        lang_of(state).t(key).to_string()
    });
    env.add_filter("dt", |state: &State, ts: Option<i64>| -> String {
        ts.map(|ts| format_time(ts, &tz_of(state), lang_of(state), true))
            .unwrap_or_default()
    });
    env.add_filter("day", |state: &State, ts: Option<i64>| -> String {
        ts.map(|ts| format_time(ts, &tz_of(state), lang_of(state), false))
            .unwrap_or_default()
    });
    env.add_filter("dur", |secs: Option<i64>| -> String {
        secs.map(human_duration).unwrap_or_else(|| "—".into())
    });
    env.add_filter("score", |v: f64| -> String { format!("{v:+.2}") });
    Ok(env)
});

fn lang_of(state: &State) -> Lang {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().map(Lang::parse))
        .flatten()
        .unwrap_or(Lang::En)
}

fn tz_of(state: &State) -> Tz {
    state
        .lookup("tz")
        .and_then(|v| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or(Tz::UTC)
}

/// Unix seconds as a local date (and time) in `tz`, written the way `lang` writes dates.
pub fn format_time(ts: i64, tz: &Tz, lang: Lang, with_time: bool) -> String {
    let Some(utc) = DateTime::<Utc>::from_timestamp(ts, 0) else {
        return String::new();
    };
    let local = tz.from_utc_datetime(&utc.naive_utc());
    let pattern = match (lang, with_time) {
        (Lang::En, true) => "%Y-%m-%d %H:%M",
        (Lang::En, false) => "%Y-%m-%d",
        (Lang::Es, true) => "%d/%m/%Y %H:%M",
        (Lang::Es, false) => "%d/%m/%Y",
    };
    local.format(pattern).to_string()
}

/// Unix seconds as a `datetime-local` input value in `tz` (`2026-01-14T21:30`).
pub fn local_input(ts: i64, tz: &Tz) -> String {
    DateTime::<Utc>::from_timestamp(ts, 0)
        .map(|utc| {
            tz.from_utc_datetime(&utc.naive_utc())
                .format("%Y-%m-%dT%H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// "3 h 20 min", "2 d 4 h", "45 s" (the same symbols in English and Spanish).
pub fn human_duration(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 86_400 => match (s / 3600, (s % 3600) / 60) {
            (h, 0) => format!("{h} h"),
            (h, m) => format!("{h} h {m} min"),
        },
        s => match (s / 86_400, (s % 86_400) / 3600) {
            (n, 0) => format!("{n} d"),
            (n, h) => format!("{n} d {h} h"),
        },
    }
}

/// Render a template with a serializable context.
pub fn render(name: &str, ctx: Value) -> Result<String, WebError> {
    let env = ENV.as_ref().map_err(|e| WebError::Template {
        name: name.into(),
        detail: e.clone(),
    })?;
    env.get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| WebError::Template {
            name: name.into(),
            detail: format!("{e:#}"),
        })
}

/// Any serializable value as a template value.
pub fn ser<T: Serialize>(v: &T) -> Value {
    Value::from(minijinja::value::Serde(v))
}

/// Render a page: the shared [`Base`] plus the page's own values.
pub fn page(name: &str, base: &Base, extra: Value) -> Result<Response, WebError> {
    let ctx = context! { ..ser(base), ..extra };
    Ok(Html(render(name, ctx)?).into_response())
}

/// What every page's layout needs.
#[derive(Debug, Clone, Serialize)]
pub struct Base {
    /// Interface language code.
    pub lang: &'static str,
    /// IANA timezone for dates.
    pub tz: String,
    /// Now, Unix seconds.
    pub now: i64,
    /// The logged-in address (empty on the login page).
    pub email: String,
    /// Their role.
    pub role: &'static str,
    /// The session's CSRF token for forms.
    pub csrf: String,
    /// May triage.
    pub can_triage: bool,
    /// May retry dead letters.
    pub is_admin: bool,
    /// Which navigation entry is current.
    pub nav: &'static str,
}

/// A small error page in English and Spanish (it may be shown before we know the
/// person's language); falls back to plain text if even that fails.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let ctx = context! {
        lang => "en", tz => "UTC", status => status.as_u16(),
        reason => status.canonical_reason().unwrap_or(""), message => message,
    };
    match render("error.html", ctx) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, message.to_string()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses_and_the_frameless_ones_render() {
        // Every page template is also rendered with real data by the integration tests
        // (tests/it/web/pages.rs); here: all parse, and the two without data render.
        assert!(ENV.is_ok(), "{:?}", ENV.as_ref().err());
        let login = render(
            "login.html",
            context! { lang => "es", tz => "UTC", login_csrf => "tok", next => "/", email_value => "" },
        )
        .unwrap();
        assert!(login.contains("Iniciar sesión") && login.contains("value=\"tok\""));
        let resp = error_page(StatusCode::FORBIDDEN, "no");
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    }

    #[test]
    fn values_are_escaped_in_html_templates() {
        let html = render(
            "error.html",
            context! { lang => "en", status => 400, reason => "x", message => "<script>alert(1)</script>{{7*7}}" },
        )
        .unwrap();
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.contains("&lt;script&gt;") && html.contains("{{7*7}}"));
    }

    #[test]
    fn times_follow_timezone_and_language() {
        let tz: Tz = "America/Mexico_City".parse().unwrap();
        // 2026-01-15 03:30 UTC = 2026-01-14 21:30 in Mexico City (UTC-6).
        let ts = 1_768_447_800;
        assert_eq!(format_time(ts, &tz, Lang::Es, true), "14/01/2026 21:30");
        assert_eq!(
            format_time(ts, &Tz::UTC, Lang::En, true),
            "2026-01-15 03:30"
        );
        assert_eq!(human_duration(3 * 3600 + 20 * 60), "3 h 20 min");
        assert_eq!(human_duration(2 * 86_400), "2 d");
    }
}
