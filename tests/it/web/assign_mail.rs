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
