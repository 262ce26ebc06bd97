//! The mention page's actions through the real forms: every action lands in the store and
//! the history, a stale form is a conflict (not an overwrite), bad input is refused with a
//! message, and W05's hostile search and sort values never reach SQL.

use reqwest::StatusCode;
use vigia::store::accounts::Role;
use vigia::store::now;

use crate::support::Db;
use crate::support_seed::{Seed, seed};
use crate::support_web::{hidden, start};

async fn triage_through_forms(db: Db) {
    let Some(app) = start(db, "").await else {
        return;
    };
    let t = now();
    let id = seed(&app.store, &[Seed::new("Acme", t - 3 * 3600, "negative")]).await[0];
    let mut c = app.logged_in("mia@acme.test", Role::Member).await;
    app.user("ana@acme.test", Role::Member).await;
    let path = format!("/mentions/{id}/triage");
    let version = |body: &str| hidden(body, "version").unwrap();

    let page = c.get(&format!("/mentions/{id}")).await;
    let v0 = version(&page.body);
    let done = c
        .post(&path, &[("action", "acknowledge"), ("version", &v0)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(
        done.location().unwrap(),
        format!("/mentions/{id}?done=done")
    );
    // The same form again (stale version): a conflict, shown with the latest state.
    let stale = c
        .post(&path, &[("action", "resolve"), ("version", &v0)])
        .await;
    assert_eq!(
        stale.location().unwrap(),
        format!("/mentions/{id}?error=conflict")
    );
    let page = c.get(&stale.location().unwrap()).await;
    assert!(page.body.contains("Someone else changed this mention"));
    assert!(page.body.contains("status-acknowledged"));

    let steps: Vec<Vec<(&str, &str)>> = vec![
        vec![("action", "assign"), ("assignee", "ana@acme.test")],
        vec![("action", "note"), ("note", "Called them <b>back</b>")],
        vec![
            ("action", "respond"),
            ("response_url", "https://social.example/r/9"),
            ("responded_at", ""),
        ],
        vec![("action", "relabel"), ("label", "neutral")],
        vec![("action", "dismiss"), ("exclude_term", "Acme Arena")],
        vec![("action", "reopen")],
    ];
    for step in &steps {
        let v = version(&c.get(&format!("/mentions/{id}")).await.body);
        let mut form = step.clone();
        form.push(("version", &v));
        let resp = c.post(&path, &form).await;
        assert_eq!(
            resp.status,
            StatusCode::SEE_OTHER,
            "{step:?}: {}",
            resp.body
        );
    }
    let m = app.store.mention_detail(id).await.unwrap().unwrap();
    assert_eq!(m.assignee.as_deref(), Some("ana@acme.test"));
    assert_eq!(m.label_override.as_deref(), Some("neutral"));
    assert_eq!(
        m.response_url.as_deref(),
        Some("https://social.example/r/9")
    );
    assert!(m.first_response_at.is_some_and(|r| r >= t - 60));
    assert_eq!(m.status, "acknowledged", "reopened");
    let exclusions = app.store.brand_exclusions().await.unwrap();
    assert!(exclusions.contains(&("Acme".to_string(), "Acme Arena".to_string())));
    let page = c.get(&format!("/mentions/{id}")).await.body;
    assert!(
        page.contains("<strong>mia@acme.test</strong>")
            && page.contains("Called them &lt;b&gt;back&lt;/b&gt;"),
        "note in the history, escaped"
    );
    let events = app.store.mention_events(id).await.unwrap();
    assert!(events.len() >= 7, "{events:?}");
    let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(queued, 0, "no [smtp]: the assignment queued no email");

    // Bad input is refused with a message and changes nothing.
    let v = version(&page);
    let bad = c
        .post(
            &path,
            &[
                ("action", "respond"),
                ("response_url", "javascript:alert(1)"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("flash bad"), "{}", bad.body);
    let bad_time = c
        .post(
            &path,
            &[
                ("action", "respond"),
                ("responded_at", "yesterday"),
                ("version", &v),
            ],
        )
        .await;
    assert_eq!(bad_time.status, StatusCode::BAD_REQUEST);
    assert!(bad_time.body.contains("date picker"));
    let unknown = c
        .post(&path, &[("action", "explode"), ("version", &v)])
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.store.mention_detail(id).await.unwrap().unwrap().version,
        m.version
    );
}

#[tokio::test]
async fn triage_through_the_mention_page_forms_sqlite() {
    triage_through_forms(Db::Sqlite).await;
}

#[tokio::test]
async fn triage_through_the_mention_page_forms_postgres() {
    triage_through_forms(Db::Postgres).await;
}

#[tokio::test]
async fn w05_hostile_search_and_sort_values_are_data_or_400_never_500() {
    let app = start(Db::Sqlite, "").await.unwrap();
    let t = now();
    seed(
        &app.store,
        &[
            Seed {
                title: "Acme 100% refund_policy".into(),
                ..Seed::new("Acme", t - 60, "negative")
            },
            Seed {
                title: "Acme plain".into(),
                ..Seed::new("Acme", t - 120, "negative")
            },
        ],
    )
    .await;
    let mut c = app.logged_in("ana@acme.test", Role::Viewer).await;
    for (q, expected) in [("%27+OR+1%3D1--", 0), ("%25", 1), ("_", 1), ("Acme", 2)] {
        let resp = c.get(&format!("/inbox?q={q}")).await;
        assert_eq!(resp.status, StatusCode::OK, "q={q}");
        let rows = resp.body.matches("class=\"row-link\"").count();
        assert_eq!(rows, expected, "q={q} matches literally");
    }
    for bad in [
        "sort=id%3BDROP+TABLE+x",
        "label=%27+OR+1%3D1--",
        "status=open%27",
        "page=-1",
        "from=2026-13-45",
    ] {
        let resp = c.get(&format!("/inbox?{bad}")).await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{bad}");
        let csv = c.get(&format!("/export.csv?{bad}")).await;
        assert_eq!(csv.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    assert_eq!(
        app.store.count_mentions().await.unwrap(),
        2,
        "nothing was dropped"
    );
}

/// Working through a queue: a mention opened from a filtered inbox links back to that
/// view and on to the most urgent other mention in it, and keeps doing so after an
/// action; a hostile or broken `in` falls back to the default view.
#[tokio::test]
async fn mention_pages_lead_back_to_the_view_and_on_to_the_next_one() {
    let app = start(Db::Sqlite, "").await.unwrap();
    let t = now();
    let ids = seed(
        &app.store,
        &[
            Seed {
                compound: -0.9,
                ..Seed::new("Acme", t - 3600, "negative")
            },
            Seed {
                compound: -0.7,
                ..Seed::new("Acme", t - 3600, "negative")
            },
            Seed {
                compound: -0.95,
                ..Seed::new("Globex", t - 3600, "negative")
            },
            Seed::new("Acme", t - 60, "positive"),
        ],
    )
    .await;
    let mut c = app.logged_in("mia@acme.test", Role::Member).await;
    let inbox = c.get("/inbox?brand=Acme&label=negative").await.body;
    let suffix = "?in=brand%3DAcme%26label%3Dnegative";
    let first = format!("/mentions/{}{suffix}", ids[0]);
    assert!(inbox.contains(&format!("href=\"{first}\"")), "{inbox}");

    let page = c.get(&first).await.body;
    assert!(
        page.contains("href=\"/inbox?brand=Acme&amp;label=negative\""),
        "back to the view"
    );
    let next = format!("href=\"/mentions/{}{suffix}\" id=\"next-mention\"", ids[1]);
    assert!(
        page.contains(&next),
        "next is the other Acme negative, not Globex's: {page}"
    );

    // Resolve it: the redirect keeps the view, and "next" is still the other one.
    let v = hidden(&page, "version").unwrap();
    let view = hidden(&page, "in").unwrap();
    assert_eq!(view, "brand=Acme&amp;label=negative");
    let resp = c
        .post(
            &format!("/mentions/{}/triage", ids[0]),
            &[
                ("action", "resolve"),
                ("version", &v),
                ("in", "brand=Acme&label=negative"),
            ],
        )
        .await;
    let location = resp.location().unwrap();
    assert_eq!(
        location,
        format!(
            "/mentions/{}?done=done&in=brand%3DAcme%26label%3Dnegative",
            ids[0]
        )
    );
    let after = c.get(&location).await.body;
    assert!(after.contains(&next));

    // The last one in the view has no next.
    let last = c.get(&format!("/mentions/{}{suffix}", ids[1])).await.body;
    assert!(
        !last.contains("id=\"next-mention\""),
        "nothing else open in the view"
    );

    // A broken or hostile view is the default one (every open mention), never an error.
    for bad in [
        "from%3Dyesterday",
        "%0d%0aSet-Cookie%3A+x",
        "javascript%3Aalert(1)",
    ] {
        let resp = c.get(&format!("/mentions/{}?in={bad}", ids[1])).await;
        assert_eq!(resp.status, StatusCode::OK, "{bad}");
        assert!(!resp.body.contains("javascript:alert"), "{bad}");
    }
    let default = c.get(&format!("/mentions/{}", ids[1])).await.body;
    assert!(
        default.contains(&format!(
            "href=\"/mentions/{}\" id=\"next-mention\"",
            ids[2]
        )),
        "default view: the most urgent open mention, Globex's"
    );
}
