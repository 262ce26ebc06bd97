//! Webhooks against a local axum server: JSON and Slack bodies, the HMAC signature, and
//! which statuses are worth retrying.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use vigia::alerts::notice::{Notice, NoticeLang, RuleKind};
use vigia::notify::SendError;
use vigia::notify::webhook::{self, SIGNATURE_HEADER, WebhookFormat, WebhookSettings};

use super::notice;

type Hits = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

async fn hook(
    State(hits): State<Hits>,
    Path(status): Path<u16>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    hits.lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((headers, body));
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

async fn webhook_server() -> (String, Hits) {
    let hits: Hits = Arc::default();
    let app = Router::new()
        .route("/hook/{status}", post(hook))
        .with_state(hits.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), hits)
}

fn hook_settings(
    base: &str,
    status: u16,
    format: WebhookFormat,
    secret: Option<&str>,
) -> WebhookSettings {
    WebhookSettings {
        url: format!("{base}/{status}").parse().expect("url"),
        format,
        secret: secret.map(str::to_string),
    }
}

#[tokio::test]
async fn webhook_json_body_is_the_notice_with_text_and_a_verifiable_signature() {
    let (base, hits) = webhook_server().await;
    let client = reqwest::Client::new();
    let n = notice(RuleKind::Spike);
    let body = serde_json::to_vec(&webhook::payload(&n, WebhookFormat::Json, NoticeLang::En))
        .expect("json");
    let s = hook_settings(&base, 200, WebhookFormat::Json, Some("s3cret"));
    webhook::post(&client, &s, &body).await.expect("posted");
    let (headers, got) = hits
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .pop()
        .expect("one hit");
    assert_eq!(&got[..], &body[..]);
    let value: serde_json::Value = serde_json::from_slice(&got).expect("json");
    assert_eq!(value["rule"], "acme-spike");
    assert_eq!(value["kind"], "spike");
    assert_eq!(value["why"]["count"], 14);
    let text = value["text"].as_str().expect("text");
    assert!(text.contains("14 negative mentions in the last 60 min vs a usual 2.1"));
    let back: Notice =
        serde_json::from_value(value.clone()).expect("a JSON body is still a Notice");
    assert_eq!(back, n);
    let sig = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .expect("signature header");
    assert_eq!(sig, webhook::signature("s3cret", &got));
    assert_ne!(sig, webhook::signature("other", &got));
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    // Without a secret there is no signature header.
    let s = hook_settings(&base, 200, WebhookFormat::Json, None);
    webhook::post(&client, &s, &body).await.expect("posted");
    let (headers, _) = hits
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .pop()
        .expect("one hit");
    assert!(headers.get(SIGNATURE_HEADER).is_none());
}

#[tokio::test]
async fn webhook_slack_body_is_escaped_mrkdwn_text() {
    let (base, hits) = webhook_server().await;
    let mut n = notice(RuleKind::Instant);
    n.mentions[0].title = "<!channel> @here <https://evil.example|click> & {{7*7}}".into();
    n.mentions[1].url = Some("javascript:alert(1)".into());
    let value = webhook::payload(&n, WebhookFormat::Slack, NoticeLang::Es);
    let body = serde_json::to_vec(&value).expect("json");
    webhook::post(
        &reqwest::Client::new(),
        &hook_settings(&base, 204, WebhookFormat::Slack, None),
        &body,
    )
    .await
    .expect("posted");
    let (_, got) = hits
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .pop()
        .expect("one hit");
    let value: serde_json::Value = serde_json::from_slice(&got).expect("json");
    let obj = value.as_object().expect("object");
    assert_eq!(obj.len(), 1, "only `text`: {value}");
    let text = obj["text"].as_str().expect("text");
    assert!(
        text.contains("&lt;!channel&gt;")
            && text.contains("&lt;https://evil.example|click&gt; &amp; {{7*7}}")
    );
    assert!(!text.contains("<!channel>") && !text.contains("@here"));
    assert!(
        !text.contains("javascript:alert(1)"),
        "not a link, and not needed in chat"
    );
    assert!(
        text.contains("https://reviews.example/r/41")
            && text.contains("https://vigia.example.com/mentions/41")
    );
    assert!(text.contains("Acme") && text.contains("alertas más de esta regla"));
}

#[tokio::test]
async fn webhook_5xx_and_429_are_transient_other_4xx_permanent() {
    let (base, hits) = webhook_server().await;
    let client = reqwest::Client::new();
    let body = br#"{"text":"x"}"#;
    for (status, transient) in [
        (500, true),
        (503, true),
        (429, true),
        (400, false),
        (404, false),
        (410, false),
    ] {
        let got = webhook::post(
            &client,
            &hook_settings(&base, status, WebhookFormat::Json, None),
            body,
        )
        .await;
        match got {
            Err(SendError::Transient(_)) if transient => {}
            Err(SendError::Permanent(_)) if !transient => {}
            other => panic!("{status}: expected transient={transient}, got {other:?}"),
        }
    }
    assert_eq!(hits.lock().unwrap_or_else(|e| e.into_inner()).len(), 6);
    // Nobody listening: refused connection, transient.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let s = WebhookSettings {
        url: format!("http://{addr}/x").parse().expect("url"),
        format: WebhookFormat::Json,
        secret: None,
    };
    let got = webhook::post(&client, &s, body).await;
    assert!(matches!(got, Err(SendError::Transient(_))), "{got:?}");
}
