//! Shared test support: a fixture HTTP server on 127.0.0.1 that counts requests, and the
//! two real databases (SQLite in a temp dir; PostgreSQL when `VIGIA_TEST_POSTGRES` names
//! a server, each test in a fresh database that is dropped afterwards).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Response, StatusCode, header};
use axum::routing::get;
use sqlx::Connection;
use vigia::config::Config;
use vigia::store::Store;

/// The environment variable that switches the PostgreSQL half of the suite on.
pub const PG_ENV: &str = "VIGIA_TEST_POSTGRES";

/// Where the project's own test fixtures live.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A folder under `../shared/eval`, or `None` (after saying so) when it is missing.
///
/// Under `CI=true` a missing corpus is a failure, never a silent skip.
pub fn eval_dir(sub: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/eval")
        .join(sub);
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "evaluation corpus {} is missing, and CI=true: it must be present in CI",
        dir.display()
    );
    println!(
        "SKIPPED: evaluation corpus {} not found (it lives beside the project in ../shared/eval)",
        dir.display()
    );
    None
}

/// A route's canned answer.
#[derive(Clone)]
pub struct Canned {
    /// HTTP status.
    pub status: u16,
    /// Content-Type header.
    pub content_type: &'static str,
    /// Body bytes.
    pub body: Vec<u8>,
    /// ETag to send, and to answer 304 to when the request carries it.
    pub etag: Option<&'static str>,
}

impl Canned {
    /// 200 with a body.
    pub fn ok(content_type: &'static str, body: impl Into<Vec<u8>>) -> Canned {
        Canned {
            status: 200,
            content_type,
            body: body.into(),
            etag: None,
        }
    }
}

/// A fixture server: `/{name}` answers with the canned response registered under `name`
/// (a path, optionally with `?query` to answer one query string differently).
#[derive(Clone, Default)]
pub struct FixtureServer {
    routes: Arc<Mutex<HashMap<String, Canned>>>,
    hits: Arc<Mutex<HashMap<String, Vec<std::time::Instant>>>>,
    delays: Arc<Mutex<HashMap<String, std::time::Duration>>>,
    /// Port on 127.0.0.1.
    pub port: u16,
}

impl FixtureServer {
    /// Start on 127.0.0.1:0.
    pub async fn start() -> FixtureServer {
        let mut server = FixtureServer::default();
        let app = Router::new()
            .route("/{*name}", get(answer))
            .with_state(server.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        server.port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        server
    }

    /// Register (or replace) what `/{name}` answers.
    pub fn set(&self, name: &str, canned: Canned) {
        self.routes.lock().unwrap().insert(name.to_string(), canned);
    }

    /// Make `/{name}` answer only after `delay` (a slow site: polls stay in flight).
    pub fn set_delay(&self, name: &str, delay: std::time::Duration) {
        self.delays.lock().unwrap().insert(name.to_string(), delay);
    }

    /// Requests `/{name}` has received.
    pub fn hits(&self, name: &str) -> usize {
        self.hit_times(name).len()
    }

    /// When `/{name}` was requested, in order.
    pub fn hit_times(&self, name: &str) -> Vec<std::time::Instant> {
        self.hits
            .lock()
            .unwrap()
            .get(name)
            .cloned()
            .unwrap_or_default()
    }

    /// `http://127.0.0.1:port/name`
    pub fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/{name}", self.port)
    }
}

async fn answer(
    State(server): State<FixtureServer>,
    Path(name): Path<String>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response<Body> {
    server
        .hits
        .lock()
        .unwrap()
        .entry(name.clone())
        .or_default()
        .push(std::time::Instant::now());
    let delay = server.delays.lock().unwrap().get(&name).copied();
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let canned = {
        let routes = server.routes.lock().unwrap();
        let with_query = uri.query().and_then(|q| routes.get(&format!("{name}?{q}")));
        with_query.or_else(|| routes.get(&name)).cloned()
    };
    let Some(c) = canned else {
        return Response::builder().status(404).body(Body::empty()).unwrap();
    };
    let mut resp = Response::builder().header(header::CONTENT_TYPE, c.content_type);
    if let Some(etag) = c.etag {
        resp = resp.header(header::ETAG, etag);
        if headers
            .get(header::IF_NONE_MATCH)
            .is_some_and(|v| v == etag)
        {
            return resp
                .status(StatusCode::NOT_MODIFIED)
                .body(Body::empty())
                .unwrap();
        }
    }
    resp.status(c.status).body(Body::from(c.body)).unwrap()
}

/// Which database a story runs on.
#[derive(Debug, Clone, Copy)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// A fresh database of the given kind; `None` only for PostgreSQL when it is switched off
/// outside CI. Keep the returned guard alive for the test's duration.
pub async fn fresh_db(db: Db) -> Option<(String, DbGuard)> {
    match db {
        Db::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("vigia.db").display());
            Some((url, DbGuard::Dir(dir)))
        }
        Db::Postgres => {
            let admin = postgres_admin()?;
            Some(fresh_pg_db(&admin).await)
        }
    }
}

/// The admin URL of the PostgreSQL server the suite runs against, or `None` (after saying
/// so) when the PostgreSQL half is switched off outside CI. Under `CI=true` it must be on.
pub fn postgres_admin() -> Option<String> {
    let Ok(admin) = std::env::var(PG_ENV) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but {PG_ENV} is not set: the PostgreSQL suite must run in CI"
        );
        eprintln!(
            "SKIPPED: set {PG_ENV}=postgres://postgres@127.0.0.1:5432/postgres to run the PostgreSQL half"
        );
        return None;
    };
    Some(admin)
}

/// A fresh database on the PostgreSQL server at `admin`, dropped with the guard.
pub async fn fresh_pg_db(admin: &str) -> (String, DbGuard) {
    let name = format!("vigia_test_{}_{}", std::process::id(), rand_suffix());
    let mut conn = sqlx::PgConnection::connect(admin)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL does not answer at {admin}: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let mut url = url::Url::parse(admin).unwrap();
    url.set_path(&name);
    (
        url.to_string(),
        DbGuard::Pg {
            admin: admin.to_string(),
            name,
        },
    )
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    t * 1000 + N.fetch_add(1, Ordering::Relaxed)
}

/// Cleans a test database up when dropped.
pub enum DbGuard {
    Dir(#[allow(dead_code)] tempfile::TempDir),
    Pg { admin: String, name: String },
}

impl Drop for DbGuard {
    fn drop(&mut self) {
        if let DbGuard::Pg { admin, name } = self {
            let (admin, name) = (admin.clone(), name.clone());
            // Drop in a separate thread with its own runtime: we may be inside one.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&mut c)
                                .await;
                    }
                });
            })
            .join();
        }
    }
}

/// A config with the given brands/sources TOML, the database URL, and the fixture server's
/// port let through the private-network guard.
pub fn config(db_url: &str, port: u16, body: &str) -> Config {
    let text = format!(
        "[database]\nurl = \"{db_url}\"\n\n[fetch]\nallowed_private = [\"127.0.0.1:{port}\"]\nmin_host_spacing = \"0ms\"\nper_host_concurrency = 8\nrespect_robots = false\n\n{body}"
    );
    Config::from_toml(&text, std::path::Path::new("test.toml")).unwrap()
}

/// Open a store for a config.
pub async fn store(config: &Config) -> Store {
    Store::connect(&config.database.url).await.unwrap()
}
