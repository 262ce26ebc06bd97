//! Bulk actions from the inbox: each ticked mention changes on the version the person saw,
//! a mention changed by someone else meanwhile is left alone and reported, one the action
//! does not fit is left alone and reported, the filters survive the round trip, and only
//! members can do it.

use reqwest::StatusCode;
use vigia::store::accounts::Role;
use vigia::store::now;
use vigia::store::triage::Action;

use crate::support::Db;
use crate::support_seed::{Seed, seed};
use crate::support_web::start;

/// Every `m` checkbox value on an inbox page (`ID.VERSION`), in page order.
fn ticks(html: &str) -> Vec<String> {
    let marker = "name=\"m\" value=\"";
    html.match_indices(marker)
        .map(|(at, _)| {
            let rest = &html[at + marker.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

async fn bulk_actions(db: Db) {
    let Some(app) = start(db, "").await else {
        return;
    };
    let t = now();
    let ids = seed(
        &app.store,
        &[
            Seed::new("Acme", t - 4 * 3600, "negative"),
            Seed::new("Acme", t - 3 * 3600, "negative"),
            Seed::new("Acme", t - 2 * 3600, "negative"),
            Seed {
                status: "resolved",
                resolved_at: Some(t - 600),
                ..Seed::new("Acme", t - 3600, "negative")
            },
            Seed::new("Globex", t - 3600, "positive"),
        ],
    )
    .await;
    let mut c = app.logged_in("mia@acme.test", Role::Member).await;
    let view = "/inbox?label=negative&status=all&brand=Acme";
    let page = c.get(view).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("action=\"/inbox/bulk\""), "bulk form");
    let boxes = ticks(&page.body);
    assert_eq!(boxes.len(), 4, "one box per row: {boxes:?}");

    // Someone else acknowledges one of them after the page was drawn.
    app.store
        .triage(ids[1], "ana@acme.test", &Action::Acknowledge, None, t)
        .await
        .unwrap();

    let mut form: Vec<(&str, &str)> = boxes.iter().map(|b| ("m", b.as_str())).collect();
    form.push(("action", "acknowledge"));
    form.push(("back", "label=negative&status=all&brand=Acme"));
    let resp = c.post("/inbox/bulk", &form).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.body);
    let location = resp.location().unwrap();
    assert_eq!(
        location,
        "/inbox?brand=Acme&label=negative&status=all&changed=2&conflicts=1&left=1"
    );
    let after = c.get(&location).await;
    assert!(after.body.contains("2 changed."), "{}", after.body);
    assert!(after.body.contains("someone else changed them meanwhile"));
    assert!(after.body.contains("does not fit their status"));

    for (i, (status, by)) in [
        ("acknowledged", "mia@acme.test"),
        ("acknowledged", "ana@acme.test"),
        ("acknowledged", "mia@acme.test"),
        ("resolved", ""),
    ]
    .iter()
    .enumerate()
    {
        let m = app.store.mention_detail(ids[i]).await.unwrap().unwrap();
        assert_eq!(m.status, *status, "mention {i}");
        let mut events = app.store.mention_events(ids[i]).await.unwrap();
        events.retain(|e| e.actor != "vigia"); // the worker's "new" row
        if by.is_empty() {
            assert!(events.is_empty(), "mention {i} untouched: {events:?}");
        } else {
            assert_eq!(events.len(), 1, "mention {i}: one history row, {events:?}");
            assert_eq!(events[0].actor, *by, "mention {i}");
        }
    }
    let untouched = app.store.mention_detail(ids[4]).await.unwrap().unwrap();
    assert_eq!(untouched.status, "new", "not ticked, not changed");

    // Assign to me, then resolve, on fresh versions: everything ticked changes.
    for (action, expected) in [
        ("assign_me", "changed=3&conflicts=0&left=0"),
        ("assign_me", "changed=0&conflicts=0&left=3"), // already mine: no history rows
        ("resolve", "changed=3&conflicts=0&left=0"),
    ] {
        let boxes = ticks(&c.get("/inbox?brand=Acme").await.body);
        assert_eq!(boxes.len(), 3, "{action}: the three open ones");
        let mut form: Vec<(&str, &str)> = boxes.iter().map(|b| ("m", b.as_str())).collect();
        form.push(("action", action));
        form.push(("back", "brand=Acme"));
        let resp = c.post("/inbox/bulk", &form).await;
        assert_eq!(
            resp.location().unwrap(),
            format!("/inbox?brand=Acme&{expected}"),
            "{action}"
        );
    }
    for id in &ids[..3] {
        let m = app.store.mention_detail(*id).await.unwrap().unwrap();
        assert_eq!(m.status, "resolved");
        assert_eq!(m.assignee.as_deref(), Some("mia@acme.test"));
    }
    let empty = c.get("/inbox?brand=Acme").await;
    assert!(ticks(&empty.body).is_empty(), "nothing open is left");

    // Nothing ticked: a message, no change.
    let none = c
        .post("/inbox/bulk", &[("action", "resolve"), ("back", "")])
        .await;
    assert_eq!(none.location().unwrap(), "/inbox?none=1");
    assert!(
        c.get("/inbox?none=1")
            .await
            .body
            .contains("Tick at least one mention first.")
    );
}

#[tokio::test]
async fn bulk_actions_change_what_was_seen_and_report_the_rest_sqlite() {
    bulk_actions(Db::Sqlite).await;
}

#[tokio::test]
async fn bulk_actions_change_what_was_seen_and_report_the_rest_postgres() {
    bulk_actions(Db::Postgres).await;
}

#[tokio::test]
async fn bulk_bad_input_is_refused_and_the_way_back_stays_on_the_inbox() {
    let app = start(Db::Sqlite, "").await.unwrap();
    let t = now();
    let ids = seed(&app.store, &[Seed::new("Acme", t - 60, "negative")]).await;
    let mut c = app.logged_in("mia@acme.test", Role::Member).await;
    let tick = format!("{}.99", ids[0]);
    for bad in [
        vec![("m", tick.as_str()), ("action", "delete")],
        vec![("m", "1;DROP TABLE mentions"), ("action", "resolve")],
        vec![("m", "7"), ("action", "resolve")],
    ] {
        let resp = c.post("/inbox/bulk", &bad).await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{bad:?}");
    }
    let too_many: Vec<String> = (0..201).map(|i| format!("{i}.0")).collect();
    let mut form: Vec<(&str, &str)> = too_many.iter().map(|m| ("m", m.as_str())).collect();
    form.push(("action", "resolve"));
    let resp = c.post("/inbox/bulk", &form).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert!(resp.body.contains("at most 200"), "{}", resp.body);

    // `back` only ever carries inbox filters: no other host, no header injection.
    for back in [
        "https://evil.example/",
        "//evil.example/x",
        "q=a%0d%0aSet-Cookie:+x=1",
        "brand=Acme&redirect=https://evil.example",
    ] {
        let resp = c
            .post(
                "/inbox/bulk",
                &[("m", tick.as_str()), ("action", "resolve"), ("back", back)],
            )
            .await;
        assert_eq!(resp.status, StatusCode::SEE_OTHER, "{back}");
        let location = resp.location().unwrap();
        assert!(location.starts_with("/inbox?"), "{back} → {location}");
        assert!(!location.contains("evil"), "{back} → {location}");
        assert!(resp.headers.get("set-cookie").is_none(), "{back}");
    }
    let m = app.store.mention_detail(ids[0]).await.unwrap().unwrap();
    assert_eq!(
        m.status, "new",
        "version 99 is not the mention's: every try was a conflict"
    );
}

#[tokio::test]
async fn viewers_get_no_bulk_form_and_cannot_post_one() {
    let app = start(Db::Sqlite, "").await.unwrap();
    let t = now();
    let ids = seed(&app.store, &[Seed::new("Acme", t - 60, "negative")]).await;
    let mut c = app.logged_in("vic@acme.test", Role::Viewer).await;
    let page = c.get("/inbox").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(ticks(&page.body).is_empty());
    assert!(!page.body.contains("/inbox/bulk"));
    let m = app.store.mention_detail(ids[0]).await.unwrap().unwrap();
    let tick = format!("{}.{}", ids[0], m.version);
    let resp = c
        .post(
            "/inbox/bulk",
            &[("m", tick.as_str()), ("action", "resolve")],
        )
        .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    let m = app.store.mention_detail(ids[0]).await.unwrap().unwrap();
    assert_eq!(m.status, "new");
}
