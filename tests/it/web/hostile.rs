//! W06 and W07: text from the outside world stays text everywhere the dashboard shows or
//! exports it: inbox, mention page, CSV, JSON.

use reqwest::StatusCode;
use vigia::store::accounts::Role;
use vigia::store::now;

use crate::support::Db;
use crate::support_seed::{Seed, seed};
use crate::support_web::start;

const SCRIPT: &str = "<script>alert('x')</script>";
const IMG: &str = "<img src=x onerror=alert(1)>";

async fn hostile_mention(
    app: &crate::support_web::WebApp,
    title: &str,
    url: &str,
    body: &str,
) -> i64 {
    let id = seed(
        &app.store,
        &[Seed {
            title: title.into(),
            ..Seed::new("Acme", now() - 60, "negative")
        }],
    )
    .await[0];
    sqlx::query("UPDATE mentions SET url = $1, snippet = $2, body = $2, author = $3 WHERE id = $4")
        .bind(url)
        .bind(body)
        .bind(SCRIPT)
        .bind(id)
        .execute(app.store.writer())
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn w06_scripts_and_javascript_links_stay_inert_in_inbox_detail_csv_and_json() {
    let app = start(Db::Sqlite, "").await.unwrap();
    let title = format!("Acme {SCRIPT} {{{{7*7}}}}");
    let body = format!("Acme Corp {IMG} is \"awful\" & slow");
    let id = hostile_mention(&app, &title, "javascript:alert(document.cookie)", &body).await;
    let ok_id = hostile_mention(
        &app,
        "Acme fine",
        "https://news.example/a?b=1&c=2",
        "Acme is fine",
    )
    .await;
    let mut c = app.logged_in("ana@acme.test", Role::Member).await;

    let inbox = c.get("/inbox").await;
    assert_eq!(inbox.status, StatusCode::OK);
    for page in [&inbox.body, &c.get(&format!("/mentions/{id}")).await.body] {
        assert!(!page.contains("<script>alert"), "raw script tag");
        assert!(!page.contains("<img src=x"), "raw img tag");
        assert!(page.contains("&lt;script&gt;"), "shown escaped");
        assert!(!page.contains("href=\"javascript:"), "javascript: link");
        assert!(
            page.contains("{{7*7}}") && !page.contains(">49<"),
            "never evaluated as a template"
        );
    }
    let detail = c.get(&format!("/mentions/{id}")).await.body;
    // The brand is highlighted inside the escaped text, and only by our <mark>.
    assert!(
        detail.contains("<mark>Acme Corp</mark> &lt;img"),
        "{detail}"
    );
    assert!(
        detail.contains("javascript:alert(document.cookie)"),
        "shown as text"
    );
    let fine = c.get(&format!("/mentions/{ok_id}")).await.body;
    assert!(
        fine.contains("href=\"https://news.example/a?b=1&amp;c=2\" rel=\"noopener noreferrer\""),
        "{fine}"
    );

    let csv = c.get("/export.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        csv.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert!(
        csv.body
            .contains("\"Acme Corp <img src=x onerror=alert(1)> is \"\"awful\"\" & slow\""),
        "{}",
        csv.body
    );

    let token = app
        .store
        .create_api_token("ana@acme.test", "t", now())
        .await
        .unwrap();
    let mut api = crate::support_web::Client::new(&app.base);
    let auth = format!("Bearer {token}");
    let json = api
        .send(
            reqwest::Method::GET,
            "/api/mentions",
            &[("authorization", auth.as_str())],
            None,
        )
        .await;
    assert!(
        json.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let v: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    let item = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap();
    assert_eq!(
        item["title"],
        title.as_str(),
        "JSON carries the text exactly, as data"
    );
    assert_eq!(item["url"], "javascript:alert(document.cookie)");
}

#[tokio::test]
async fn w07_csv_export_neutralises_formulas() {
    let app = start(Db::Sqlite, "").await.unwrap();
    for (i, cell) in [
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "\tTAB",
        "=1",
    ]
    .iter()
    .enumerate()
    {
        let id = seed(
            &app.store,
            &[Seed {
                title: format!("t{i}"),
                ..Seed::new("Acme", now() - 60, "negative")
            }],
        )
        .await[0];
        sqlx::query("UPDATE mentions SET title = $1, snippet = $1 WHERE id = $2")
            .bind(*cell)
            .bind(id)
            .execute(app.store.writer())
            .await
            .unwrap();
    }
    let mut c = app.logged_in("ana@acme.test", Role::Viewer).await;
    let csv = c.get("/export.csv?label=negative&sort=oldest").await.body;
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 6, "{csv}");
    for row in &rows {
        let cells: Vec<&str> = row.split(',').collect();
        // title is the 5th column: it must never start with a formula character.
        let title = cells[4].trim_start_matches('"');
        assert!(title.starts_with('\''), "not neutralised: {row}");
    }
    assert!(csv.contains("'=HYPERLINK("));
    // A number stays a number.
    assert!(rows.iter().all(|r| r.contains(",-0.6000,")), "{csv}");
}
