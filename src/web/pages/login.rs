//! Login and logout.
//!
//! A login always creates a brand-new session (a new random token) and deletes the one the
//! browser brought, if any, so a session id planted before login is worthless after it
//! (W03). Unknown address and wrong password get the same page, status and timing (W04);
//! repeated failures from one client address are throttled (that address is the peer's,
//! unless a trusted proxy vouches for another: W09).

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, http::HeaderValue};
use minijinja::context;
use serde::Deserialize;

use crate::store::accounts::random_secret;
use crate::store::now;
use crate::web::auth::{self, LOGIN_COOKIE, RequestCtx, SESSION_COOKIE, Viewer};
use crate::web::i18n::Lang;
use crate::web::render::{self, Base};
use crate::web::{AppState, WebError};

/// How long the login form's CSRF cookie lives.
const LOGIN_COOKIE_SECS: i64 = 3600;

/// `?next=` on the login page.
#[derive(Debug, Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// `GET /login`
pub async fn form(
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    Query(q): Query<NextParam>,
) -> Result<Response, WebError> {
    let token = auth::cookie(&headers, LOGIN_COOKIE)
        .filter(|t| t.len() == 64)
        .unwrap_or_else(random_secret);
    login_page(
        &ctx,
        &token,
        StatusCode::OK,
        None,
        "",
        q.next.as_deref().unwrap_or(""),
    )
}

/// `POST /login`
pub async fn submit(
    State(app): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let lang = ctx.browser_lang;
    let token = auth::cookie(&headers, LOGIN_COOKIE).unwrap_or_else(random_secret);
    let at = now();
    if app.throttle().blocked(ctx.client_ip, at) {
        tracing::warn!(client = %ctx.client_ip, "login throttled");
        return login_page(
            &ctx,
            &token,
            StatusCode::TOO_MANY_REQUESTS,
            Some(lang.t("login_throttled")),
            &form.email,
            &form.next,
        );
    }
    let Some(user) = app
        .store()
        .verify_login(&form.email, &form.password)
        .await?
    else {
        app.throttle().failed(ctx.client_ip, at);
        tracing::info!(client = %ctx.client_ip, "login failed");
        return login_page(
            &ctx,
            &token,
            StatusCode::UNAUTHORIZED,
            Some(lang.t("login_failed")),
            &form.email,
            &form.next,
        );
    };
    app.throttle().succeeded(ctx.client_ip);
    // Rotation: whatever session the browser had is ended, and a new one begins.
    if let Some(old) = auth::cookie(&headers, SESSION_COOKIE) {
        app.store().delete_session(&old).await?;
    }
    // Expired sessions of anyone are swept here: logins are rare, so this costs nothing.
    app.store().purge_sessions(at).await?;
    let ttl = app.session_ttl_secs();
    let session = app.store().create_session(user.id, ttl, at).await?;
    tracing::info!(user = %user.email, client = %ctx.client_ip, "logged in");
    let mut resp = Redirect::to(safe_next(&form.next)).into_response();
    let h = resp.headers_mut();
    h.append(
        header::SET_COOKIE,
        auth::set_cookie(SESSION_COOKIE, &session.token, ttl, ctx.https),
    );
    h.append(
        header::SET_COOKIE,
        auth::set_cookie(LOGIN_COOKIE, "", 0, ctx.https),
    );
    Ok(resp)
}

/// `POST /logout`: the session row is deleted, not just the cookie.
pub async fn logout(
    State(app): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Response, WebError> {
    if let Some(token) = &viewer.session_token {
        app.store().delete_session(token).await?;
    }
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(SESSION_COOKIE, "", 0, ctx.https),
    );
    Ok(resp)
}

/// Only a local path may follow a login (never `//evil.example` or `https://…`).
fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control());
    if local { next } else { "/" }
}

fn login_page(
    ctx: &RequestCtx,
    login_token: &str,
    status: StatusCode,
    error: Option<&str>,
    email: &str,
    next: &str,
) -> Result<Response, WebError> {
    let lang: Lang = ctx.browser_lang;
    let base = Base {
        lang: lang.code(),
        tz: "UTC".into(),
        now: now(),
        email: String::new(),
        role: "",
        csrf: String::new(),
        can_triage: false,
        is_admin: false,
        nav: "login",
    };
    let extra = context! {
        login_csrf => login_token, error => error, email_value => email, next => safe_next(next),
    };
    let mut resp = render::page("login.html", &base, extra)?;
    *resp.status_mut() = status;
    let cookie: HeaderValue =
        auth::set_cookie(LOGIN_COOKIE, login_token, LOGIN_COOKIE_SECS, ctx.https);
    resp.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_follow_a_login() {
        assert_eq!(safe_next("/inbox?label=negative"), "/inbox?label=negative");
        assert_eq!(safe_next("//evil.example/"), "/");
        assert_eq!(safe_next("https://evil.example/"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next(""), "/");
    }
}
