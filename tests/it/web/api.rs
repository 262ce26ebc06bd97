//! The JSON API and per-user API tokens: bearer only, hashed, role-checked; the same
//! filters as the inbox; status changes that reach the response clock.

use reqwest::{Method, StatusCode};
use vigia::store::accounts::{API_TOKEN_PREFIX, Role};
use vigia::store::now;

use crate::support::Db;
use crate::support_seed::{Seed, seed};
use crate::support_web::start;

async fn call(
    base: &str,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&str>,
) -> (StatusCode, serde_json::Value) {
    let mut req = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .header("authorization", format!("Bearer {token}"));
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

async fn api_story(db: Db) {
    let Some(app) = start(db, "").await else {
        return;
    };
    let t = now();
    let ids = seed(
        &app.store,
        &[
            Seed::new("Acme", t - 7200, "negative"),
            Seed::new("Acme", t - 3600, "positive"),
            Seed::new("Globex", t - 600, "negative"),
        ],
    )
    .await;
    app.user("mia@acme.test", Role::Member).await;
    app.user("vera@acme.test", Role::Viewer).await;
    let token = app
        .store
        .create_api_token("mia@acme.test", "script", t)
        .await
        .unwrap();
    let viewer_token = app
        .store
        .create_api_token("vera@acme.test", "dash", t)
        .await
        .unwrap();
    assert!(token.starts_with(API_TOKEN_PREFIX) && token.len() > 60);
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_all(app.store.pool())
        .await
        .unwrap();
    assert!(!stored.contains(&token), "only the hash is stored");
    let (status, list) = call(
        &app.base,
        Method::GET,
        "/api/mentions?label=negative&status=all",
        &token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["total"], 2);
    let brands: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["brand"].as_str().unwrap())
        .collect();
    assert!(brands.contains(&"Acme") && brands.contains(&"Globex"));
    let (status, one) = call(
        &app.base,
        Method::GET,
        &format!("/api/mentions/{}", ids[0]),
        &token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["status"], "new");
    let (status, _) = call(
        &app.base,
        Method::GET,
        "/api/mentions?sort=id;DROP TABLE x",
        &token,
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "W05: a bad sort is a 400, not SQL"
    );

    // Mark responded through the API: the response clock starts.
    let body = format!(
        "{{\"status\": \"responded\", \"response_url\": \"https://social.example/r/1\", \"responded_at\": {}, \"note\": \"answered on the forum\", \"expected_version\": {}}}",
        t - 3600,
        one["version"]
    );
    let (status, changed) = call(
        &app.base,
        Method::POST,
        &format!("/api/mentions/{}/status", ids[0]),
        &token,
        Some(&body),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["status"], "responded");
    assert_eq!(changed["response_url"], "https://social.example/r/1");
    let events = app.store.mention_events(ids[0]).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.actor == "mia@acme.test" && e.action == "respond")
    );
    assert!(events.iter().any(|e| e.action == "note"));
    let kpis = app
        .store
        .response_kpis(Some("Acme"), t - 86_400, t + 1, &|_| 4 * 3600)
        .await
        .unwrap();
    assert_eq!((kpis.answered, kpis.median_secs), (1, Some(3600)));
    // A stale version is a conflict, not an overwrite.
    let (status, _) = call(
        &app.base,
        Method::POST,
        &format!("/api/mentions/{}/status", ids[0]),
        &token,
        Some(&body),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = call(
        &app.base,
        Method::POST,
        &format!("/api/mentions/{}/status", ids[0]),
        &token,
        Some("{\"status\": \"closed\"}"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = call(
        &app.base,
        Method::POST,
        "/api/mentions/999999/status",
        &token,
        Some("{\"status\": \"resolved\"}"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A viewer's token reads but does not write; unknown tokens get nothing.
    let (status, _) = call(&app.base, Method::GET, "/api/mentions", &viewer_token, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        &app.base,
        Method::POST,
        &format!("/api/mentions/{}/status", ids[2]),
        &viewer_token,
        Some("{\"status\": \"resolved\"}"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(
        &app.base,
        Method::GET,
        "/api/mentions",
        &format!("{token}x"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Metrics and CSV also take a token.
    let (status, _) = call(&app.base, Method::GET, "/metrics", &viewer_token, None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn api_tokens_list_filter_and_change_status_sqlite() {
    api_story(Db::Sqlite).await;
}

#[tokio::test]
async fn api_tokens_list_filter_and_change_status_postgres() {
    api_story(Db::Postgres).await;
}

#[tokio::test]
async fn api_tokens_are_shown_once_from_the_settings_page() {
    let app = start(Db::Sqlite, "").await.unwrap();
    let mut c = app.logged_in("ana@acme.test", Role::Member).await;
    let page = c.post("/settings/tokens", &[("name", "reporting")]).await;
    assert_eq!(page.status, StatusCode::OK);
    let start = page.body.find(API_TOKEN_PREFIX).unwrap();
    let token: String = page.body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let (status, _) = call(&app.base, Method::GET, "/api/mentions", &token, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !c.get("/settings").await.body.contains(&token),
        "shown only once"
    );
}
