//! "Assigned to you": assigning a mention to someone else from the mention page queues an
//! email in the same transaction, in the assignee's language, which the worker's sender
//! delivers over real SMTP; self-assignments and refused (stale) assignments send nothing.

use reqwest::StatusCode;
use vigia::notify::sender::Sender;
use vigia::store::accounts::Role;
use vigia::store::now;

use crate::support::Db;
use crate::support_seed::{Seed, seed};
use crate::support_smtp::SmtpServer;
use crate::support_web::{hidden, start};

async fn outbox(app: &crate::support_web::WebApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM outbox")
        .fetch_one(app.store.pool())
        .await
        .unwrap()
}

async fn assignment_emails(db: Db) {
    let smtp = SmtpServer::start().await;
    let extra = format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"vigia <alerts@vigia.test>\"\ntimeout = \"5s\"\n\n[web]\nbase_url = \"https://vigia.test\"\n",
        smtp.port()
    );
    let Some(app) = start(db, &extra).await else {
        return;
    };
    let t = now();
    let id = seed(
        &app.store,
        &[Seed {
            title: "Acme <script>alert(1)</script> charged me twice".into(),
            ..Seed::new("Acme", t - 3600, "negative")
        }],
    )
    .await[0];
    let mut mia = app.logged_in("mia@acme.test", Role::Member).await;
    app.user("ana@acme.test", Role::Member).await;
    let ana = app
        .store
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.email == "ana@acme.test")
        .unwrap();
    app.store
        .set_preferences(ana.id, Some("es"), None)
        .await
        .unwrap();
    let path = format!("/mentions/{id}/triage");
    let version = |body: &str| hidden(body, "version").unwrap();

    // To herself: no email.
    let v = version(&mia.get(&format!("/mentions/{id}")).await.body);
    let resp = mia
        .post(
            &path,
            &[
                ("action", "assign"),
                ("assignee", "mia@acme.test"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    assert_eq!(outbox(&app).await, 0);

    // To Ana, on a stale version: refused, and nothing queued.
    let stale = mia
        .post(
            &path,
            &[
                ("action", "assign"),
                ("assignee", "ana@acme.test"),
                ("version", &v),
            ],
        )
        .await;
    assert!(stale.location().unwrap().ends_with("error=conflict"));
    assert_eq!(
        outbox(&app).await,
        0,
        "no email for an assignment that did not happen"
    );

    // To Ana, properly: one email, in Spanish, delivered over SMTP.
    let v = version(&mia.get(&format!("/mentions/{id}")).await.body);
    let resp = mia
        .post(
            &path,
            &[
                ("action", "assign"),
                ("assignee", "ana@acme.test"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    assert_eq!(outbox(&app).await, 1);
    let sender = Sender::new(&app.config).unwrap();
    sender.deliver_due(&app.store, now()).await.unwrap();
    let got = smtp.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].rcpt, vec!["ana@acme.test".to_string()]);
    let parsed = got[0].parsed();
    let subject = parsed.subject().unwrap().to_string();
    assert!(
        subject.starts_with("[vigia] Te han asignado: Acme"),
        "{subject}"
    );
    let text = parsed.body_text(0).unwrap().to_string();
    assert!(
        text.contains("mia@acme.test te ha asignado una mención de Acme"),
        "{text}"
    );
    assert!(
        text.contains(&format!("https://vigia.test/mentions/{id}")),
        "{text}"
    );
    let html = parsed.body_html(0).unwrap().to_string();
    assert!(!html.contains("<script>"), "escaped: {html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(html.contains(&format!("href=\"https://vigia.test/mentions/{id}\"")));
}

#[tokio::test]
async fn assigning_someone_else_emails_them_once_in_their_language_sqlite() {
    assignment_emails(Db::Sqlite).await;
}

#[tokio::test]
async fn assigning_someone_else_emails_them_once_in_their_language_postgres() {
    assignment_emails(Db::Postgres).await;
}

/// The same through the API: `POST /api/mentions/{id}/assignee` assigns (emailing the
/// assignee), unassigns with `null`, refuses a stale version, and wants a member's token.
#[tokio::test]
async fn the_api_assigns_and_unassigns_with_the_same_email_and_checks() {
    let smtp = SmtpServer::start().await;
    let extra = format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"vigia <alerts@vigia.test>\"\n",
        smtp.port()
    );
    let app = start(Db::Sqlite, &extra).await.unwrap();
    let id = seed(&app.store, &[Seed::new("Acme", now() - 600, "negative")]).await[0];
    app.user("mia@acme.test", Role::Member).await;
    app.user("bob@acme.test", Role::Member).await;
    app.user("vic@acme.test", Role::Viewer).await;
    let token = |who: &'static str| {
        let store = app.store.clone();
        async move { store.create_api_token(who, "script", now()).await.unwrap() }
    };
    let (mia, vic) = (token("mia@acme.test").await, token("vic@acme.test").await);
    let post = |token: String, body: &'static str| {
        let url = format!("{}/api/mentions/{id}/assignee", app.base);
        async move {
            let resp = reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = resp.status();
            (status, resp.text().await.unwrap())
        }
    };
    let (status, body) = post(mia.clone(), r#"{"assignee": "Bob@Acme.test"}"#).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["assignee"], "bob@acme.test");
    assert_eq!(outbox(&app).await, 1, "Bob is told");
    let (status, _) = post(mia.clone(), r#"{"assignee": "bob@acme.test"}"#).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "already his");
    let (status, _) = post(mia.clone(), r#"{"assignee": null, "expected_version": 0}"#).await;
    assert_eq!(status, StatusCode::CONFLICT, "stale version");
    let (status, body) = post(mia.clone(), r#"{"assignee": null}"#).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(outbox(&app).await, 1, "nobody to tell");
    let (status, _) = post(vic, r#"{"assignee": "vic@acme.test"}"#).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "viewers change nothing");
    let (status, _) = post(mia, r#"{"asignee": "typo@acme.test"}"#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "unknown field");
    let m = app.store.mention_detail(id).await.unwrap().unwrap();
    assert_eq!(m.assignee, None);
}
