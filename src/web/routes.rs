//! The route table: every path the dashboard answers, and who may use it.
//!
//! The router is built from [`table`] and nothing else, and each route's access check is
//! attached here from its [`Access`], not left to the handler. The security tests iterate
//! over the same table (W01: every state-changing route refuses a missing CSRF token or a
//! foreign origin; W02: every route but the public ones wants a login), so adding a route
//! means choosing its access level, and the tests cover it the moment it exists.

use axum::Router;
use axum::middleware;
use axum::routing::{MethodRouter, get, post};

use super::auth::{self, Access};
use super::{AppState, api, ops, pages, security};
use crate::store::accounts::Role;

/// HTTP method of a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// Reads.
    Get,
    /// Changes something.
    Post,
}

/// One entry of the table.
pub struct Route {
    /// GET or POST.
    pub verb: Verb,
    /// The axum path pattern (`/mentions/{id}`).
    pub path: &'static str,
    /// A concrete path the tests can request (`/mentions/1`).
    pub example: &'static str,
    /// Who may use it.
    pub access: Access,
    /// What answers.
    pub handler: MethodRouter<AppState>,
}

impl Route {
    /// True for routes that change state (they need CSRF or an API token).
    pub fn changes_state(&self) -> bool {
        self.verb == Verb::Post
    }
}

fn r(
    verb: Verb,
    path: &'static str,
    example: &'static str,
    access: Access,
    handler: MethodRouter<AppState>,
) -> Route {
    Route {
        verb,
        path,
        example,
        access,
        handler,
    }
}

/// Every route, in the order a person meets them.
pub fn table() -> Vec<Route> {
    use Verb::{Get, Post};
    vec![
        r(
            Get,
            "/login",
            "/login",
            Access::Public,
            get(pages::login::form),
        ),
        r(
            Post,
            "/login",
            "/login",
            Access::LoginForm,
            post(pages::login::submit),
        ),
        r(
            Post,
            "/logout",
            "/logout",
            Access::Form(Role::Viewer),
            post(pages::login::logout),
        ),
        r(Get, "/", "/", Access::Page, get(pages::inbox::page)),
        r(
            Get,
            "/inbox",
            "/inbox",
            Access::Page,
            get(pages::inbox::page),
        ),
        r(
            Post,
            "/inbox/bulk",
            "/inbox/bulk",
            Access::Form(Role::Member),
            post(pages::inbox::bulk),
        ),
        r(
            Get,
            "/mentions/{id}",
            "/mentions/1",
            Access::Page,
            get(pages::mention::page),
        ),
        r(
            Post,
            "/mentions/{id}/triage",
            "/mentions/1/triage",
            Access::Form(Role::Member),
            post(pages::mention::triage),
        ),
        r(
            Get,
            "/overview",
            "/overview",
            Access::Page,
            get(pages::overview::page),
        ),
        r(
            Get,
            "/alerts",
            "/alerts",
            Access::Page,
            get(pages::alerts::page),
        ),
        r(
            Post,
            "/alerts/outbox/{id}/retry",
            "/alerts/outbox/1/retry",
            Access::Form(Role::Admin),
            post(pages::alerts::retry),
        ),
        r(
            Get,
            "/sources",
            "/sources",
            Access::Page,
            get(pages::sources::page),
        ),
        r(Get, "/team", "/team", Access::Page, get(pages::team::page)),
        r(
            Post,
            "/team/add",
            "/team/add",
            Access::Form(Role::Admin),
            post(pages::team::add),
        ),
        r(
            Post,
            "/team/role",
            "/team/role",
            Access::Form(Role::Admin),
            post(pages::team::role),
        ),
        r(
            Post,
            "/team/disable",
            "/team/disable",
            Access::Form(Role::Admin),
            post(pages::team::disable),
        ),
        r(
            Post,
            "/team/enable",
            "/team/enable",
            Access::Form(Role::Admin),
            post(pages::team::enable),
        ),
        r(
            Get,
            "/settings",
            "/settings",
            Access::Page,
            get(pages::settings::page),
        ),
        r(
            Post,
            "/settings",
            "/settings",
            Access::Form(Role::Viewer),
            post(pages::settings::save),
        ),
        r(
            Post,
            "/settings/password",
            "/settings/password",
            Access::Form(Role::Viewer),
            post(pages::settings::change_password),
        ),
        r(
            Post,
            "/settings/tokens",
            "/settings/tokens",
            Access::Form(Role::Viewer),
            post(pages::settings::new_token),
        ),
        r(
            Post,
            "/settings/tokens/{id}/revoke",
            "/settings/tokens/1/revoke",
            Access::Form(Role::Viewer),
            post(pages::settings::revoke_token),
        ),
        r(
            Get,
            "/export.csv",
            "/export.csv",
            Access::Data,
            get(api::export_csv),
        ),
        r(
            Get,
            "/api/mentions",
            "/api/mentions",
            Access::Api,
            get(api::list),
        ),
        r(
            Get,
            "/api/mentions/{id}",
            "/api/mentions/1",
            Access::Api,
            get(api::one),
        ),
        r(
            Post,
            "/api/mentions/{id}/status",
            "/api/mentions/1/status",
            Access::ApiWrite(Role::Member),
            post(api::set_status),
        ),
        r(
            Post,
            "/api/mentions/{id}/assignee",
            "/api/mentions/1/assignee",
            Access::ApiWrite(Role::Member),
            post(api::set_assignee),
        ),
        r(Get, "/metrics", "/metrics", Access::Data, get(ops::metrics)),
        r(
            Get,
            "/healthz",
            "/healthz",
            Access::Public,
            get(ops::healthz),
        ),
        r(
            Get,
            "/static/app.css",
            "/static/app.css",
            Access::Public,
            get(security::css),
        ),
        r(
            Get,
            "/static/app.js",
            "/static/app.js",
            Access::Public,
            get(security::js),
        ),
    ]
}

/// The dashboard's router, built from [`table`] with each route's access check attached.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for route in table() {
        let guard = middleware::from_fn_with_state((state.clone(), route.access), auth::guard);
        router = router.route(route.path, route.handler.route_layer(guard));
    }
    router
        .fallback(pages::not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::request_context,
        ))
        .layer(middleware::from_fn(security::headers))
        .with_state(state)
}
