//! The team: who has an account and what they may do. Everyone can see the list (it is
//! who they work with); admins add people, change roles and disable or enable accounts
//! here, as `vigia user …` does on the command line.
//!
//! A new person gets a random password, shown once to the admin who added them (as API
//! tokens are) to hand over by a channel of their choosing; the person changes it in
//! Settings. Taking access away applies on the person's next request (see
//! [`crate::store::access`]), and the last enabled admin cannot be demoted or disabled.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use minijinja::context;
use serde::Deserialize;

use super::{Flash, flash, frame};
use crate::store::accounts::{AccountError, Role, random_secret};
use crate::store::now;
use crate::web::auth::{RequestCtx, Viewer};
use crate::web::{AppState, WebError, render};

/// The add, role, disable and enable forms.
#[derive(Debug, Deserialize)]
pub struct MemberForm {
    email: String,
    #[serde(default)]
    role: Option<String>,
}

/// `GET /team`
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
    created: Option<(String, String)>,
) -> Result<Response, WebError> {
    let f = frame(ctx, viewer, "team");
    let (message, kind) = flash(f.lang, q.done.as_deref(), q.error.as_deref());
    let accounts = app.store().accounts(now()).await?;
    render::page(
        "team.html",
        &f.base,
        context! {
            flash => message, flash_kind => kind, accounts => render::ser(&accounts),
            created => created.map(|(email, password)| context! { email => email, password => password }),
            roles => ["viewer", "member", "admin"],
            role_names => context! {
                viewer => f.lang.t("role_viewer"), member => f.lang.t("role_member"),
                admin => f.lang.t("role_admin"),
            },
        },
    )
}

/// `POST /team/add`: a new account with a one-time password shown to the admin.
pub async fn add(
    State(app): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    Extension(viewer): Extension<Viewer>,
    Form(form): Form<MemberForm>,
) -> Result<Response, WebError> {
    let role: Role = form
        .role
        .as_deref()
        .unwrap_or("member")
        .parse()
        .map_err(bad)?;
    let password = random_secret()[..20].to_string();
    let user = app
        .store()
        .create_user(&form.email, &password, role, now())
        .await
        .map_err(bad)?;
    tracing::info!(admin = %viewer.user.email, user = %user.email, role = role.as_str(), "account created");
    render_page(
        &app,
        &ctx,
        &viewer,
        &Flash::default(),
        Some((user.email, password)),
    )
    .await
}

/// `POST /team/role`
pub async fn role(
    State(app): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Form(form): Form<MemberForm>,
) -> Result<Response, WebError> {
    let role: Role = form.role.as_deref().unwrap_or("").parse().map_err(bad)?;
    app.store().set_role(&form.email, role).await.map_err(bad)?;
    tracing::info!(admin = %viewer.user.email, user = %form.email, role = role.as_str(), "role changed");
    Ok(Redirect::to("/team?done=saved").into_response())
}

/// `POST /team/disable`
pub async fn disable(
    State(app): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Form(form): Form<MemberForm>,
) -> Result<Response, WebError> {
    app.store()
        .set_disabled(&form.email, true)
        .await
        .map_err(bad)?;
    tracing::info!(admin = %viewer.user.email, user = %form.email, "account disabled");
    Ok(Redirect::to("/team?done=saved").into_response())
}

/// `POST /team/enable`
pub async fn enable(
    State(app): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Form(form): Form<MemberForm>,
) -> Result<Response, WebError> {
    app.store()
        .set_disabled(&form.email, false)
        .await
        .map_err(bad)?;
    tracing::info!(admin = %viewer.user.email, user = %form.email, "account enabled");
    Ok(Redirect::to("/team?done=saved").into_response())
}

/// An account error as the page shows it: the person's mistake (400) or ours (500).
fn bad(e: AccountError) -> WebError {
    match e {
        AccountError::Store(e) => WebError::Store(e),
        AccountError::Hash(m) => WebError::Template {
            name: "password hash".into(),
            detail: m,
        },
        other => WebError::BadRequest(other.to_string()),
    }
}
