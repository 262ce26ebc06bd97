//! Who is asking, and may they: sessions, API tokens, CSRF, origin and role checks, and
//! which client address and scheme to believe.
//!
//! One guard ([`guard`]) runs in front of every route with the route's [`Access`] from the
//! table, so no handler can forget a check:
//! - pages want a session cookie (else a redirect to the login page);
//! - forms that change something also want the session's CSRF token in the body (or the
//!   `X-CSRF-Token` header), refuse a foreign `Origin` or `Sec-Fetch-Site: cross-site`, and
//!   check the role: viewers change nothing but their own settings, members triage, admins
//!   also retry dead letters;
//! - the login form, which has no session yet, uses a double-submit token: a random value
//!   in a short cookie that must come back in the form;
//! - `/api/` wants `Authorization: Bearer <token>`; a session cookie is not enough there, so
//!   a page on another site can never drive the API through a logged-in browser.
//!
//! `X-Forwarded-For` and `X-Forwarded-Proto` are only believed from a configured trusted
//! proxy (W09); otherwise anyone could claim any address and escape the login throttle.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::AppState;
use super::i18n::Lang;
use crate::config::WebConfig;
use crate::store::accounts::{Role, User};
use crate::store::now;

/// The session cookie.
pub const SESSION_COOKIE: &str = "vigia_session";
/// The login form's double-submit CSRF cookie.
pub const LOGIN_COOKIE: &str = "vigia_login";
/// Largest form body read for the CSRF check.
const MAX_FORM_BYTES: usize = 256 * 1024;
/// Failed logins allowed per client address within [`THROTTLE_WINDOW_SECS`].
pub const THROTTLE_MAX_FAILURES: usize = 10;
/// The throttle's window.
pub const THROTTLE_WINDOW_SECS: i64 = 15 * 60;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (login page, health check, CSS/JS).
    Public,
    /// The login form: anyone, with the double-submit CSRF token and a same-origin check.
    LoginForm,
    /// A page: a session.
    Page,
    /// A form that changes something: session, CSRF token, same origin, and this role.
    Form(Role),
    /// Data for people or machines (CSV, metrics): a session or an API token.
    Data,
    /// The JSON API, reading: an API token.
    Api,
    /// The JSON API, changing something: an API token of this role.
    ApiWrite(Role),
}

/// Facts about the request decided once, before any route runs.
#[derive(Debug, Clone)]
pub struct RequestCtx {
    /// The client's address: the peer, or what a trusted proxy says it is.
    pub client_ip: IpAddr,
    /// True when the browser reached us over HTTPS (cookies get `Secure`).
    pub https: bool,
    /// The language the browser prefers.
    pub browser_lang: Lang,
}

/// The person behind a request that passed its guard.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// Who.
    pub user: User,
    /// The session's CSRF token (none for API tokens).
    pub csrf: Option<String>,
    /// The session cookie's value (for logout).
    pub session_token: Option<String>,
}

impl Viewer {
    /// May this person triage?
    pub fn can_triage(&self) -> bool {
        self.user.role >= Role::Member
    }
}

/// Middleware on every request: decide the client address, scheme and browser language.
pub async fn request_context(
    State(app): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let web = &app.config().web;
    let ctx = RequestCtx {
        client_ip: client_ip(web, peer, req.headers()),
        https: is_https(web, peer, req.headers()),
        browser_lang: Lang::from_accept_language(
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or(""),
        ),
    };
    req.extensions_mut().insert(ctx);
    next.run(req).await
}

/// The client address: the peer's, unless the peer is a trusted proxy, in which case the
/// right-most `X-Forwarded-For` entry that is not itself a trusted proxy.
pub fn client_ip(web: &WebConfig, peer: Option<IpAddr>, headers: &HeaderMap) -> IpAddr {
    let peer = peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    if !web.is_trusted_proxy(peer) {
        return peer;
    }
    let hops: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|h| h.trim().parse().ok())
        .collect();
    hops.iter()
        .rev()
        .find(|ip| !web.is_trusted_proxy(**ip))
        .or(hops.first())
        .copied()
        .unwrap_or(peer)
}

/// HTTPS when the configured base URL is https, or a trusted proxy says so.
pub fn is_https(web: &WebConfig, peer: Option<IpAddr>, headers: &HeaderMap) -> bool {
    let base = web
        .base_url
        .as_deref()
        .is_some_and(|b| b.to_ascii_lowercase().starts_with("https://"));
    let proxied = peer.is_some_and(|p| web.is_trusted_proxy(p))
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    base || proxied
}

/// Middleware on each route: enforce the route's [`Access`].
pub async fn guard(
    State((app, access)): State<(AppState, Access)>,
    req: Request,
    next: Next,
) -> Response {
    match check(&app, access, req).await {
        Ok(req) => next.run(req).await,
        Err(resp) => resp,
    }
}

async fn check(app: &AppState, access: Access, mut req: Request) -> Result<Request, Response> {
    let lang = req
        .extensions()
        .get::<RequestCtx>()
        .map_or(Lang::En, |c| c.browser_lang);
    match access {
        Access::Public => Ok(req),
        Access::LoginForm => {
            if !same_origin(app, req.headers()) {
                return Err(forbidden(lang, "forbidden_origin"));
            }
            let expected = cookie(req.headers(), LOGIN_COOKIE).unwrap_or_default();
            let (req, sent) = csrf_from(req).await?;
            if expected.is_empty() || !constant_time_eq(&expected, &sent) {
                return Err(forbidden(lang, "forbidden_csrf"));
            }
            Ok(req)
        }
        Access::Page | Access::Form(_) => {
            let Some(viewer) = session_viewer(app, req.headers()).await? else {
                return Err(to_login(&req));
            };
            if let Access::Form(role) = access {
                if !same_origin(app, req.headers()) {
                    return Err(forbidden(lang, "forbidden_origin"));
                }
                let (checked, sent) = csrf_from(req).await?;
                req = checked;
                let expected = viewer.csrf.as_deref().unwrap_or_default();
                if sent.is_empty() || !constant_time_eq(expected, &sent) {
                    return Err(forbidden(lang, "forbidden_csrf"));
                }
                if viewer.user.role < role {
                    return Err(forbidden(lang, "forbidden_role"));
                }
            }
            req.extensions_mut().insert(viewer);
            Ok(req)
        }
        Access::Data => {
            let viewer = match session_viewer(app, req.headers()).await? {
                Some(v) => Some(v),
                None => token_viewer(app, req.headers()).await?,
            };
            let Some(viewer) = viewer else {
                return Err(unauthorised());
            };
            req.extensions_mut().insert(viewer);
            Ok(req)
        }
        Access::Api | Access::ApiWrite(_) => {
            let Some(viewer) = token_viewer(app, req.headers()).await? else {
                return Err(unauthorised());
            };
            if let Access::ApiWrite(role) = access
                && viewer.user.role < role
            {
                return Err(api_error(
                    StatusCode::FORBIDDEN,
                    "your role may not change mentions",
                ));
            }
            req.extensions_mut().insert(viewer);
            Ok(req)
        }
    }
}

/// The session behind the request's cookie, if live.
async fn session_viewer(app: &AppState, headers: &HeaderMap) -> Result<Option<Viewer>, Response> {
    let Some(token) = cookie(headers, SESSION_COOKIE).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let found = app
        .store()
        .session(&token, app.session_ttl_secs(), now())
        .await
        .map_err(|e| super::WebError::from(e).into_response())?;
    Ok(found.map(|s| Viewer {
        user: s.user,
        csrf: Some(s.csrf),
        session_token: Some(token),
    }))
}

/// The user behind `Authorization: Bearer <token>`, if valid.
async fn token_viewer(app: &AppState, headers: &HeaderMap) -> Result<Option<Viewer>, Response> {
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
    else {
        return Ok(None);
    };
    let user = app
        .store()
        .api_token_user(token, now())
        .await
        .map_err(|e| super::WebError::from(e).into_response())?;
    Ok(user.map(|user| Viewer {
        user,
        csrf: None,
        session_token: None,
    }))
}

/// False when the browser says the request comes from another site.
fn same_origin(app: &AppState, headers: &HeaderMap) -> bool {
    let fetch_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if fetch_site.eq_ignore_ascii_case("cross-site") || fetch_site.eq_ignore_ascii_case("same-site")
    {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let origin = origin.trim_end_matches('/').to_ascii_lowercase();
    if app
        .base_url()
        .is_some_and(|b| b.to_ascii_lowercase() == origin)
    {
        return true;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    let authority = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    matches!((authority, host), (Some(a), Some(h)) if a == h)
}

/// Read the form body to find `csrf` (or take `X-CSRF-Token`), and give the request back
/// with its body intact for the handler.
async fn csrf_from(req: Request) -> Result<(Request, String), Response> {
    if let Some(h) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        let h = h.to_string();
        return Ok((req, h));
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| StatusCode::PAYLOAD_TOO_LARGE.into_response())?;
    let sent = url::form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    Ok((Request::from_parts(parts, Body::from(bytes)), sent))
}

/// Compare secrets without an early exit on the first difference.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A cookie's value from the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, Secure over HTTPS.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, https: bool) -> HeaderValue {
    let secure = if https { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

fn to_login(req: &Request) -> Response {
    let next = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let target = if req.method() == axum::http::Method::GET && next != "/" {
        format!(
            "/login?next={}",
            url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        )
    } else {
        "/login".to_string()
    };
    Redirect::to(&target).into_response()
}

fn forbidden(lang: Lang, key: &str) -> Response {
    super::render::error_page(StatusCode::FORBIDDEN, lang.t(key))
}

fn unauthorised() -> Response {
    let mut resp = api_error(
        StatusCode::UNAUTHORIZED,
        "log in, or send Authorization: Bearer <token> (create one with `vigia user token`)",
    );
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"vigia\""),
    );
    resp
}

/// A JSON error body for API clients.
pub fn api_error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
}

/// Failed logins per client address, so guessing passwords is slow. In memory: a restart
/// forgets, which is fine for a throttle.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<IpAddr, VecDeque<i64>>>,
}

impl LoginThrottle {
    /// True when `ip` has failed too often lately.
    pub fn blocked(&self, ip: IpAddr, now: i64) -> bool {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let Some(list) = map.get_mut(&ip) else {
            return false;
        };
        while list.front().is_some_and(|t| now - t > THROTTLE_WINDOW_SECS) {
            list.pop_front();
        }
        list.len() >= THROTTLE_MAX_FAILURES
    }

    /// Count a failed login.
    pub fn failed(&self, ip: IpAddr, now: i64) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 10_000 {
            map.retain(|_, l| l.back().is_some_and(|t| now - t <= THROTTLE_WINDOW_SECS));
        }
        let list = map.entry(ip).or_default();
        list.push_back(now);
        if list.len() > THROTTLE_MAX_FAILURES {
            list.pop_front();
        }
    }

    /// A successful login clears the address's count.
    pub fn succeeded(&self, ip: IpAddr) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&ip);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn web(trusted: &[&str]) -> WebConfig {
        WebConfig {
            trusted_proxies: trusted.iter().map(|t| t.parse().unwrap()).collect(),
            ..WebConfig::default()
        }
    }

    fn xff(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", v.parse().unwrap());
        h.insert("x-forwarded-proto", "https".parse().unwrap());
        h
    }

    #[test]
    fn w09_forwarded_headers_need_a_trusted_peer() {
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        let h = xff("198.51.100.7");
        assert_eq!(client_ip(&web(&[]), Some(peer), &h), peer);
        assert!(!is_https(&web(&[]), Some(peer), &h));
        let proxy: IpAddr = "10.1.2.3".parse().unwrap();
        let trusting = web(&["10.0.0.0/8"]);
        assert_eq!(
            client_ip(
                &trusting,
                Some(proxy),
                &xff("1.2.3.4, 198.51.100.7, 10.9.9.9")
            ),
            "198.51.100.7".parse::<IpAddr>().unwrap(),
            "right-most untrusted hop, never the client-supplied left end"
        );
        assert!(is_https(&trusting, Some(proxy), &h));
    }

    #[test]
    fn throttle_blocks_after_the_limit_and_forgets_after_the_window() {
        let t = LoginThrottle::default();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for i in 0..THROTTLE_MAX_FAILURES {
            assert!(!t.blocked(ip, 100 + i as i64));
            t.failed(ip, 100 + i as i64);
        }
        assert!(t.blocked(ip, 200));
        assert!(!t.blocked(ip, 200 + THROTTLE_WINDOW_SECS));
    }

    #[test]
    fn cookies_parse_and_secrets_compare() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; vigia_session=abc ; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
        assert!(constant_time_eq("abc", "abc") && !constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
