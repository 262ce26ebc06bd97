//! Dashboard test support: the real router served on 127.0.0.1:0 over a real database,
//! and a small HTTP client that keeps cookies and reads CSRF tokens out of pages the way a
//! browser would.

use std::collections::BTreeMap;

use reqwest::header::{self, HeaderMap};
use reqwest::{Method, StatusCode};
use vigia::config::Config;
use vigia::store::Store;
use vigia::store::accounts::Role;
use vigia::web::AppState;

use crate::support::{self, Db, DbGuard};

/// Every test user's password.
pub const PASSWORD: &str = "correct horse battery staple";

/// A running dashboard.
pub struct WebApp {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The store behind it.
    pub store: Store,
    /// The config it runs with.
    pub config: Config,
    _guard: DbGuard,
}

/// Start the dashboard on a fresh database; `extra` is appended to the config (brands,
/// `[web]` settings). `None` only for PostgreSQL switched off outside CI.
pub async fn start(db: Db, extra: &str) -> Option<WebApp> {
    let (url, guard) = support::fresh_db(db).await?;
    let text = format!(
        "[database]\nurl = \"{url}\"\n\n[[brand]]\nname = \"Acme\"\naliases = [\"Acme Corp\"]\nsla = \"4h\"\n\n[[brand]]\nname = \"Globex\"\n\n{extra}"
    );
    let config = Config::from_toml(&text, std::path::Path::new("web-test.toml")).unwrap();
    let store = Store::connect(&url).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(config.clone(), store.clone());
    tokio::spawn(vigia::web::serve_on(
        listener,
        state,
        std::future::pending::<()>(),
    ));
    Some(WebApp {
        base,
        store,
        config,
        _guard: guard,
    })
}

impl WebApp {
    /// Create a user with [`PASSWORD`].
    pub async fn user(&self, email: &str, role: Role) {
        self.store
            .create_user(email, PASSWORD, role, vigia::store::now())
            .await
            .unwrap();
    }

    /// A new client, logged in as `email` (created with `role` first).
    pub async fn logged_in(&self, email: &str, role: Role) -> Client {
        self.user(email, role).await;
        let mut c = Client::new(&self.base);
        let resp = c.login(email, PASSWORD).await;
        assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.body);
        c
    }
}

/// A response read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Resp {
    /// Every Set-Cookie header.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    }

    /// The Location header.
    pub fn location(&self) -> Option<String> {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string())
    }

    /// The value of the first `name="csrf"` hidden field on the page.
    pub fn csrf(&self) -> Option<String> {
        hidden(&self.body, "csrf")
    }
}

/// The value of the first hidden input called `name`.
pub fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

/// An HTTP client that keeps cookies (no redirects followed, so tests see them).
pub struct Client {
    base: String,
    http: reqwest::Client,
    /// Cookies by name.
    pub cookies: BTreeMap<String, String>,
    /// The session's CSRF token, once known.
    pub csrf: Option<String>,
}

impl Client {
    /// A client with no cookies.
    pub fn new(base: &str) -> Client {
        Client {
            base: base.to_string(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
            csrf: None,
        }
    }

    /// Send a request with our cookies and extra headers; remember cookies set.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        form: Option<&[(&str, &str)]>,
    ) -> Resp {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req = req.header(header::COOKIE, jar.join("; "));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(form) = form {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form)
                .finish();
            req = req
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(body);
        }
        let resp = req.send().await.unwrap();
        let out = Resp {
            status: resp.status(),
            headers: resp.headers().clone(),
            body: resp.text().await.unwrap(),
        };
        for c in out.set_cookies() {
            let first = c.split(';').next().unwrap();
            let (k, v) = first.split_once('=').unwrap();
            if v.is_empty() || c.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        out
    }

    /// GET a path.
    pub async fn get(&mut self, path: &str) -> Resp {
        self.send(Method::GET, path, &[], None).await
    }

    /// POST a form, adding the session's CSRF token.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Resp {
        let csrf = self.csrf.clone().expect("log in first");
        let mut fields = form.to_vec();
        fields.push(("csrf", &csrf));
        self.send(Method::POST, path, &[], Some(&fields)).await
    }

    /// Log in through the real form; on success, remember the session's CSRF token.
    pub async fn login(&mut self, email: &str, password: &str) -> Resp {
        let page = self.get("/login").await;
        assert_eq!(page.status, StatusCode::OK);
        let token = page.csrf().expect("the login form has a CSRF field");
        let resp = self
            .send(
                Method::POST,
                "/login",
                &[],
                Some(&[("email", email), ("password", password), ("csrf", &token)]),
            )
            .await;
        if resp.status == StatusCode::SEE_OTHER {
            let home = self.get("/settings").await;
            self.csrf = home.csrf();
        }
        resp
    }
}
