//! A person's own settings: interface language, timezone, and API tokens.
//!
//! Every role may change these (they are about the person, not the data). A new API token
//! is shown once, on the page that created it, and only its hash is stored; the page lists
//! the person's tokens (name, created, last used) with a button to revoke each, which takes
//! effect on the token's next request.

use axum::Extension;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::{Flash, flash, frame};
use crate::store::accounts::AccountError;
use crate::web::auth::{RequestCtx, Viewer};
use crate::web::i18n::Lang;
use crate::web::render;
use crate::web::{AppState, WebError};

/// The preferences form.
#[derive(Debug, Deserialize)]
pub struct Prefs {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    timezone: String,
}

/// The change-password form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    again: String,
}

/// The new-token form.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    name: String,
}

/// `GET /settings`
pub async fn page(
    State(app): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    Extension(viewer): Extension<Viewer>,
    Query(q): Query<Flash>,
) -> Result<Response, WebError> {
    render_page(&app, &ctx, &viewer, &q, None).await
}

async fn render_page(
    app: &AppState,
    ctx: &RequestCtx,
    viewer: &Viewer,
    q: &Flash,
    new_token: Option<String>,
) -> Result<Response, WebError> {
    let f = frame(ctx, viewer, "settings");
    let (message, kind) = flash(f.lang, q.done.as_deref(), q.error.as_deref());
    let zones: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect();
    let tokens = app.store().api_tokens(viewer.user.id).await?;
    let api_example = format!(
        "{}/api/mentions?label=negative",
        app.base_url().unwrap_or("http://localhost:8080")
    );
    render::page(
        "settings.html",
        &f.base,
        context! {
            flash => message, flash_kind => kind, zones => zones,
            user_lang => viewer.user.lang.clone(), new_token => new_token, api_example => api_example,
            tokens => render::ser(&tokens),
        },
    )
}

/// `POST /settings`
pub async fn save(
    State(app): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Form(form): Form<Prefs>,
) -> Result<Response, WebError> {
    let lang = Lang::parse(&form.lang).map(Lang::code);
    let tz = form.timezone.trim();
    let tz = if tz.is_empty() {
        None
    } else if tz.parse::<chrono_tz::Tz>().is_ok() {
        Some(tz)
    } else {
        return Ok(Redirect::to("/settings?error=bad_timezone").into_response());
    };
    app.store()
        .set_preferences(viewer.user.id, lang, tz)
        .await?;
    Ok(Redirect::to("/settings?done=saved").into_response())
}

/// `POST /settings/tokens`: create an API token and show it once.
pub async fn new_token(
    State(app): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    Extension(viewer): Extension<Viewer>,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    let token = match app
        .store()
        .create_api_token(&viewer.user.email, &form.name, crate::store::now())
        .await
    {
        Ok(t) => t,
        Err(AccountError::Invalid(m)) => return Err(WebError::BadRequest(m)),
        Err(AccountError::Store(e)) => return Err(e.into()),
        Err(e) => return Err(WebError::BadRequest(e.to_string())),
    };
    tracing::info!(user = %viewer.user.email, name = %form.name, "API token created");
    let q = Flash {
        done: None,
        error: None,
    };
    render_page(&app, &ctx, &viewer, &q, Some(token)).await
}

/// `POST /settings/tokens/{id}/revoke`: revoke one of the person's own tokens.
pub async fn revoke_token(
    State(app): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    if !app
        .store()
        .revoke_api_token(viewer.user.id, id, crate::store::now())
        .await?
    {
        return Err(WebError::NotFound);
    }
    tracing::info!(user = %viewer.user.email, token = id, "API token revoked");
    Ok(Redirect::to("/settings?done=revoked").into_response())
}

/// `POST /settings/password`: change one's own password, given the current one. Every
/// session of the account ends (whoever had the old password is logged out) and this
/// browser gets a new one. Wrong current passwords count against the login throttle.
pub async fn change_password(
    State(app): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    Extension(viewer): Extension<Viewer>,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let at = crate::store::now();
    let back = |key: &str| Ok(Redirect::to(&format!("/settings?error={key}")).into_response());
    if app.throttle().blocked(ctx.client_ip, at) {
        return back("wrong_password");
    }
    let email = viewer.user.email.as_str();
    if app
        .store()
        .verify_login(email, &form.current)
        .await?
        .is_none()
    {
        app.throttle().failed(ctx.client_ip, at);
        tracing::info!(user = %email, client = %ctx.client_ip, "password change: wrong current password");
        return back("wrong_password");
    }
    if form.new != form.again {
        return back("passwords_differ");
    }
    match app.store().reset_password(email, &form.new).await {
        Ok(()) => {}
        Err(AccountError::Invalid(_)) => return back("password_short"),
        Err(AccountError::Store(e)) => return Err(e.into()),
        Err(e) => return Err(WebError::BadRequest(e.to_string())),
    }
    let ttl = app.session_ttl_secs();
    let session = app.store().create_session(viewer.user.id, ttl, at).await?;
    tracing::info!(user = %email, "password changed; other sessions ended");
    let mut resp = Redirect::to("/settings?done=password_changed").into_response();
    resp.headers_mut().append(
        axum::http::header::SET_COOKIE,
        crate::web::auth::set_cookie(
            crate::web::auth::SESSION_COOKIE,
            &session.token,
            ttl,
            ctx.https,
        ),
    );
    Ok(resp)
}
