//! The dashboard: the team's triage inbox, mention pages, overview, alerts, sources,
//! export, a small JSON API, `/healthz` and `/metrics`.
//!
//! Shape, from the outside in:
//! - [`routes`] holds the one route table. Every route states who may use it
//!   ([`routes::Access`]) and the router is built from that table only, with the access
//!   check attached to each route by [`auth`]; the CSRF and login tests walk the same table,
//!   so a new route cannot slip through unchecked (W01, W02).
//! - [`auth`] turns a request into a person (session cookie or API token), checks CSRF,
//!   `Origin` and role, and decides which client address and scheme to believe (W09).
//! - [`pages`] are the HTML pages, rendered by [`render`] from minijinja templates embedded
//!   from `src/web/templates/` with auto-escape on; all wording goes through [`i18n`].
//! - [`api`] and [`ops`] answer machines (JSON, CSV, Prometheus text).
//!
//! Errors are logged with their details and answered with a generic page
//! ([`WebError`]): a database message (which may carry a host or user name) never reaches
//! the browser.

pub mod api;
pub mod auth;
pub mod chart;
pub mod cli;
pub mod demo;
pub mod highlight;
pub mod i18n;
pub mod ops;
pub mod pages;
pub mod params;
pub mod render;
pub mod routes;
pub mod security;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::config::{Config, DEFAULT_WEB_LISTEN};
use crate::store::{Store, StoreError};

pub use routes::router;

/// Why the dashboard could not start or answer.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The listen address is not an address.
    #[error("[web] listen = \"{0}\" is not an address like \"127.0.0.1:8080\"")]
    Listen(String),
    /// The address is taken or not ours.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    /// The server stopped with an error.
    #[error("the web server failed: {0}")]
    Serve(std::io::Error),
    /// A template failed (a bug: the template test should have caught it).
    #[error("template {name}: {detail}")]
    Template { name: String, detail: String },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The request was wrong in a way the person can fix (a bad filter value).
    #[error("{0}")]
    BadRequest(String),
    /// Nothing here.
    #[error("not found")]
    NotFound,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = match &self {
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::NotFound => StatusCode::NOT_FOUND,
            _ => {
                // Details go to the log only; the page says nothing about the database.
                tracing::error!(error = %self, "request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let message = match &self {
            WebError::BadRequest(m) => m.clone(),
            WebError::NotFound => "Not found.".into(),
            _ => "Something went wrong on our side. It has been logged; please try again.".into(),
        };
        render::error_page(status, &message)
    }
}

/// Everything a request handler needs. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    config: Config,
    throttle: auth::LoginThrottle,
}

impl AppState {
    /// State for a config and an open store.
    pub fn new(config: Config, store: Store) -> AppState {
        AppState {
            inner: Arc::new(Inner {
                store,
                config,
                throttle: auth::LoginThrottle::default(),
            }),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The config the dashboard was started with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Failed logins per client address.
    pub(crate) fn throttle(&self) -> &auth::LoginThrottle {
        &self.inner.throttle
    }

    /// The dashboard's own base URL without a trailing slash, if configured.
    pub fn base_url(&self) -> Option<&str> {
        self.config()
            .web
            .base_url
            .as_deref()
            .map(|b| b.trim_end_matches('/'))
    }

    /// Session lifetime in seconds.
    pub fn session_ttl_secs(&self) -> i64 {
        self.config().web.session_ttl().as_secs() as i64
    }
}

/// Serve the dashboard on `[web] listen` until `shutdown` completes.
pub async fn serve(
    config: &Config,
    store: Store,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), WebError> {
    let addr = config
        .web
        .listen
        .clone()
        .unwrap_or_else(|| DEFAULT_WEB_LISTEN.to_string());
    let socket: SocketAddr = addr.parse().map_err(|_| WebError::Listen(addr.clone()))?;
    let listener = tokio::net::TcpListener::bind(socket)
        .await
        .map_err(|source| WebError::Bind { addr, source })?;
    serve_on(listener, AppState::new(config.clone(), store), shutdown).await
}

/// Serve on a listener already bound (tests and the demo bind port 0).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), WebError> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(WebError::Serve)
}
