//! W01–W04, W09 and the role checks, against the real router on 127.0.0.1. W01 and W02
//! walk `vigia::web::routes::table()`, the table the router is built from, so a route
//! added later is covered the moment it exists.

use reqwest::{Method, StatusCode};
use vigia::store::accounts::Role;
use vigia::web::auth::Access;
use vigia::web::routes::{Verb, table};
use vigia::web::security::CSP;

use crate::support::Db;
use crate::support_web::{Client, PASSWORD, start};

fn method(v: Verb) -> Method {
    match v {
        Verb::Get => Method::GET,
        Verb::Post => Method::POST,
    }
}

#[tokio::test]
async fn w01_every_state_changing_route_refuses_a_missing_csrf_token_or_a_foreign_origin() {
    let app = start(Db::Sqlite, "").await.unwrap();
    let mut admin = app.logged_in("admin@acme.test", Role::Admin).await;
    let csrf = admin.csrf.clone().unwrap();
    let mut routes: Vec<_> = table().into_iter().filter(|r| r.changes_state()).collect();
    // Logging out ends the session the other checks use: last.
    routes.sort_by_key(|r| r.path == "/logout");
    assert!(
        routes.len() >= 6,
        "the table lost its forms: {}",
        routes.len()
    );
    for r in &routes {
        let path = r.example;
        match r.access {
            Access::LoginForm => {
                let mut anon = Client::new(&app.base);
                let no_token = anon
                    .send(
                        Method::POST,
                        path,
                        &[],
                        Some(&[("email", "a@b.co"), ("password", "x")]),
                    )
                    .await;
                assert_eq!(
                    no_token.status,
                    StatusCode::FORBIDDEN,
                    "{path} without token"
                );
                let token = anon.get("/login").await.csrf().unwrap();
                let form = [
                    ("email", "a@b.co"),
                    ("password", "x"),
                    ("csrf", token.as_str()),
                ];
                let foreign = anon
                    .send(
                        Method::POST,
                        path,
                        &[("origin", "https://evil.example")],
                        Some(&form),
                    )
                    .await;
                assert_eq!(
                    foreign.status,
                    StatusCode::FORBIDDEN,
                    "{path} foreign origin"
                );
                let ok = anon.send(Method::POST, path, &[], Some(&form)).await;
                assert_eq!(
                    ok.status,
                    StatusCode::UNAUTHORIZED,
                    "{path} control: a wrong password"
                );
            }
            Access::Form(_) => {
                let none = admin
                    .send(Method::POST, path, &[], Some(&[("x", "1")]))
                    .await;
                assert_eq!(none.status, StatusCode::FORBIDDEN, "{path} without token");
                let wrong = admin
                    .send(
                        Method::POST,
                        path,
                        &[],
                        Some(&[("csrf", "0".repeat(64).as_str())]),
                    )
                    .await;
                assert_eq!(wrong.status, StatusCode::FORBIDDEN, "{path} wrong token");
                let form = [("csrf", csrf.as_str())];
                for h in [
                    ("origin", "https://evil.example"),
                    ("origin", "null"),
                    ("sec-fetch-site", "cross-site"),
                ] {
                    let foreign = admin.send(Method::POST, path, &[h], Some(&form)).await;
                    assert_eq!(foreign.status, StatusCode::FORBIDDEN, "{path} with {h:?}");
                }
                // Control: the same request with the token and our own origin gets past
                // the guard (whatever the handler then says about the empty form).
                let own = app.base.clone();
                let ok = admin
                    .send(Method::POST, path, &[("origin", own.as_str())], Some(&form))
                    .await;
                assert_ne!(
                    ok.status,
                    StatusCode::FORBIDDEN,
                    "{path} control: {}",
                    ok.body
                );
            }
            Access::ApiWrite(_) => {
                // A logged-in browser with a valid CSRF token still cannot use the API.
                let resp = admin
                    .send(
                        Method::POST,
                        path,
                        &[
                            ("x-csrf-token", csrf.as_str()),
                            ("content-type", "application/json"),
                        ],
                        None,
                    )
                    .await;
                assert_eq!(
                    resp.status,
                    StatusCode::UNAUTHORIZED,
                    "{path} with a session cookie"
                );
            }
            other => panic!("{path} changes state but has read access {other:?}"),
        }
    }
}

#[tokio::test]
async fn w02_every_route_but_the_public_ones_wants_a_login() {
    let app = start(Db::Sqlite, "").await.unwrap();
    let mut anon = Client::new(&app.base);
    let mut public = Vec::new();
    for r in table() {
        let resp = anon.send(method(r.verb), r.example, &[], Some(&[])).await;
        match r.access {
            Access::Public | Access::LoginForm => public.push(format!("{:?} {}", r.verb, r.path)),
            Access::Page | Access::Form(_) => {
                assert_eq!(
                    resp.status,
                    StatusCode::SEE_OTHER,
                    "{} {}",
                    r.path,
                    resp.body
                );
                assert!(resp.location().unwrap().starts_with("/login"), "{}", r.path);
            }
            Access::Data | Access::Api | Access::ApiWrite(_) => {
                assert_eq!(resp.status, StatusCode::UNAUTHORIZED, "{}", r.path);
                assert!(resp.headers.contains_key("www-authenticate"), "{}", r.path);
            }
        }
        // Every answer, even a refusal, carries the security headers.
        assert_eq!(resp.headers["content-security-policy"], CSP, "{}", r.path);
        assert_eq!(resp.headers["x-content-type-options"], "nosniff");
        assert_eq!(resp.headers["referrer-policy"], "same-origin");
    }
    public.sort();
    assert_eq!(
        public,
        [
            "Get /healthz",
            "Get /login",
            "Get /static/app.css",
            "Get /static/app.js",
            "Post /login"
        ],
        "a new public route must be a deliberate choice"
    );
    // A bad or expired cookie is no session either.
    anon.cookies.insert("vigia_session".into(), "f".repeat(64));
    assert_eq!(anon.get("/inbox").await.status, StatusCode::SEE_OTHER);
    // The login page sends people back where they were going.
    let resp = anon.get("/sources").await;
    assert_eq!(resp.location().as_deref(), Some("/login?next=%2Fsources"));
}

#[tokio::test]
async fn w03_login_rotates_the_session_and_logout_ends_it_server_side() {
    let app = start(Db::Sqlite, "").await.unwrap();
    app.user("ana@acme.test", Role::Member).await;
    let mut c = Client::new(&app.base);
    // A session id planted before login (session fixation) is not the one after it.
    c.cookies.insert("vigia_session".into(), "a".repeat(64));
    let resp = c.login("ana@acme.test", PASSWORD).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    let cookie = resp
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("vigia_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http without a proxy: {cookie}"
    );
    let first = c.cookies["vigia_session"].clone();
    assert_ne!(first, "a".repeat(64));
    assert_eq!(first.len(), 64);
    // Logging in again (same browser) rotates again and ends the earlier session.
    c.login("ana@acme.test", PASSWORD).await;
    let second = c.cookies["vigia_session"].clone();
    assert_ne!(first, second);
    let mut stale = Client::new(&app.base);
    stale.cookies.insert("vigia_session".into(), first.clone());
    assert_eq!(stale.get("/inbox").await.status, StatusCode::SEE_OTHER);
    // The database holds only hashes.
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM sessions")
        .fetch_all(app.store.pool())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(!stored.contains(&second));
    // Logout deletes the row: replaying the old cookie does not work.
    let out = c.post("/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let mut replay = Client::new(&app.base);
    replay.cookies.insert("vigia_session".into(), second);
    assert_eq!(replay.get("/inbox").await.status, StatusCode::SEE_OTHER);
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn w03_cookies_are_secure_behind_https() {
    let app = start(Db::Sqlite, "[web]\nbase_url = \"https://vigia.example\"\n")
        .await
        .unwrap();
    app.user("ana@acme.test", Role::Member).await;
    let mut c = Client::new(&app.base);
    let resp = c.login("ana@acme.test", PASSWORD).await;
    let cookie = resp
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("vigia_session="))
        .unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn w04_unknown_user_and_wrong_password_get_the_same_answer() {
    let app = start(Db::Sqlite, "").await.unwrap();
    app.user("ana@acme.test", Role::Member).await;
    let mut c = Client::new(&app.base);
    let wrong = c.login("ana@acme.test", "not the password at all").await;
    let unknown = c.login("nobody@acme.test", "not the password at all").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status, unknown.status);
    let strip = |r: &crate::support_web::Resp, email: &str| r.body.replace(email, "EMAIL");
    assert_eq!(
        strip(&wrong, "ana@acme.test"),
        strip(&unknown, "nobody@acme.test")
    );
    assert!(!c.cookies.contains_key("vigia_session"));
    // Timing: both verify an Argon2id hash. Compare the medians of a few attempts; the
    // bound is loose (a shared 2-core machine) but an unknown user answered without
    // hashing would be ~100× faster.
    let mut times = [Vec::new(), Vec::new()];
    for _ in 0..3 {
        for (i, email) in ["ana@acme.test", "nobody@acme.test"].iter().enumerate() {
            let t = std::time::Instant::now();
            assert!(
                app.store
                    .verify_login(email, "nope nope nope")
                    .await
                    .unwrap()
                    .is_none()
            );
            times[i].push(t.elapsed().as_secs_f64());
        }
    }
    for t in &mut times {
        t.sort_by(f64::total_cmp);
    }
    let (known, unknown) = (times[0][1], times[1][1]);
    assert!(
        unknown > known / 5.0,
        "unknown user answered too fast: {unknown:.4}s vs {known:.4}s"
    );
}

#[tokio::test]
async fn w09_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
    // Without a trusted proxy, a client rotating X-Forwarded-For is still one address and
    // the login throttle catches it.
    let app = start(Db::Sqlite, "").await.unwrap();
    let mut c = Client::new(&app.base);
    let token = c.get("/login").await.csrf().unwrap();
    let mut last = StatusCode::OK;
    for i in 0..vigia::web::auth::THROTTLE_MAX_FAILURES + 1 {
        let ip = format!("198.51.100.{i}");
        let resp = c
            .send(
                Method::POST,
                "/login",
                &[
                    ("x-forwarded-for", ip.as_str()),
                    ("x-forwarded-proto", "https"),
                ],
                Some(&[
                    ("email", "x@acme.test"),
                    ("password", "wrong password"),
                    ("csrf", token.as_str()),
                ]),
            )
            .await;
        assert!(
            !resp.set_cookies().iter().any(|c| c.contains("Secure")),
            "X-Forwarded-Proto believed"
        );
        last = resp.status;
    }
    assert_eq!(
        last,
        StatusCode::TOO_MANY_REQUESTS,
        "spoofed X-Forwarded-For escaped the throttle"
    );

    // Behind a trusted proxy (the test client on 127.0.0.1 plays it), the forwarded
    // address is the client: different clients are throttled apart, and HTTPS is believed.
    let app = start(
        Db::Sqlite,
        "[web]\ntrusted_proxies = [\"127.0.0.1/32\", \"::1\"]\n",
    )
    .await
    .unwrap();
    app.user("ana@acme.test", Role::Member).await;
    let mut c = Client::new(&app.base);
    let token = c.get("/login").await.csrf().unwrap();
    for i in 0..vigia::web::auth::THROTTLE_MAX_FAILURES + 1 {
        let ip = format!("198.51.100.{i}");
        let resp = c
            .send(
                Method::POST,
                "/login",
                &[("x-forwarded-for", ip.as_str())],
                Some(&[
                    ("email", "x@acme.test"),
                    ("password", "wrong password"),
                    ("csrf", token.as_str()),
                ]),
            )
            .await;
        assert_eq!(
            resp.status,
            StatusCode::UNAUTHORIZED,
            "client {ip} was throttled for others"
        );
    }
    let resp = c
        .send(
            Method::POST,
            "/login",
            &[
                ("x-forwarded-for", "203.0.113.5"),
                ("x-forwarded-proto", "https"),
            ],
            Some(&[
                ("email", "ana@acme.test"),
                ("password", PASSWORD),
                ("csrf", token.as_str()),
            ]),
        )
        .await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    let cookie = resp
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("vigia_session="))
        .unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn roles_viewers_change_nothing_members_triage_admins_retry() {
    let app = start(Db::Sqlite, "").await.unwrap();
    let mut viewer = app.logged_in("vera@acme.test", Role::Viewer).await;
    let mut member = app.logged_in("mia@acme.test", Role::Member).await;
    let mut admin = app.logged_in("adam@acme.test", Role::Admin).await;
    let form = [("action", "acknowledge")];
    let v = viewer.post("/mentions/1/triage", &form).await;
    assert_eq!(v.status, StatusCode::FORBIDDEN);
    assert!(v.body.contains("role"), "{}", v.body);
    assert_eq!(
        viewer.post("/alerts/outbox/1/retry", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    // A member gets past the role check (404: there is no mention 1) but may not retry.
    assert_eq!(
        member.post("/mentions/1/triage", &form).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        member.post("/alerts/outbox/1/retry", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    let retry = admin.post("/alerts/outbox/1/retry", &[]).await;
    assert_eq!(retry.status, StatusCode::SEE_OTHER);
    assert_eq!(retry.location().as_deref(), Some("/alerts?error=not_dead"));
    // Everyone may read, and change their own settings.
    for c in [&mut viewer, &mut member, &mut admin] {
        assert_eq!(c.get("/overview").await.status, StatusCode::OK);
        let saved = c
            .post(
                "/settings",
                &[("lang", "es"), ("timezone", "Europe/Madrid")],
            )
            .await;
        assert_eq!(saved.location().as_deref(), Some("/settings?done=saved"));
    }
}
