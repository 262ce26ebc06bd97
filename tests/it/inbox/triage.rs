//! Triage actions (`store::triage`) on both backends: each action's effect on the row, the
//! history it writes, versions and conflicts, the response clock, refusals that change
//! nothing, and "not about us" reaching the worker's matcher through the real pipeline.

use vigia::store::Store;
use vigia::store::triage::{Action, TriageError};
use vigia::worker;

use super::{DAY, T, seeded};
use crate::support::{self, Canned, Db, FixtureServer};

const NOW: i64 = T + 2 * DAY;

async fn act(store: &Store, id: i64, action: Action, version: Option<i64>) -> i64 {
    store
        .triage(id, "ana@x.test", &action, version, NOW)
        .await
        .unwrap_or_else(|e| panic!("{action:?}: {e}"))
        .version
}

async fn actions_history_and_response_clock(db: Db) {
    let Some((store, _guard, ids)) = seeded(db).await else {
        return;
    };
    let id = ids[0];
    let d = store.mention_detail(id).await.unwrap().unwrap();
    assert_eq!((d.status.as_str(), d.version, d.fetched_at), ("new", 0, T));
    assert_eq!(d.title, "Refund never came");

    assert_eq!(act(&store, id, Action::Acknowledge, Some(0)).await, 1);
    assert_eq!(
        act(
            &store,
            id,
            Action::Assign(Some("bob@x.test".into())),
            Some(1)
        )
        .await,
        2
    );
    assert_eq!(
        act(
            &store,
            id,
            Action::Note("Called the customer".into()),
            Some(2)
        )
        .await,
        3
    );
    let respond = |url: &str, at| Action::Responded {
        url: Some(url.into()),
        at,
    };
    act(
        &store,
        id,
        respond("https://reviews.example/r/1#reply", T + 3_600),
        Some(3),
    )
    .await;
    // A second answer is history only: the clock keeps the first.
    act(
        &store,
        id,
        respond("https://reviews.example/r/1#again", T + 7_200),
        Some(4),
    )
    .await;
    let d = store.mention_detail(id).await.unwrap().unwrap();
    assert_eq!(d.status, "responded");
    assert_eq!(d.first_response_at, Some(T + 3_600));
    assert_eq!(
        d.response_url.as_deref(),
        Some("https://reviews.example/r/1#reply")
    );
    assert_eq!(d.assignee.as_deref(), Some("bob@x.test"));
    // The KPI reads the first answer: one hour.
    let kpis = store
        .response_kpis(Some("Acme"), T, T + DAY, &|_| DAY)
        .await
        .unwrap();
    assert_eq!((kpis.answered, kpis.median_secs), (1, Some(3_600)));

    act(&store, id, Action::Resolve, Some(5)).await;
    let d = store.mention_detail(id).await.unwrap().unwrap();
    assert_eq!((d.status.as_str(), d.resolved_at), ("resolved", Some(NOW)));
    act(&store, id, Action::Reopen, Some(6)).await;
    let d = store.mention_detail(id).await.unwrap().unwrap();
    assert_eq!(d.status, "acknowledged");
    assert_eq!(
        (d.resolved_at, d.first_response_at),
        (None, Some(T + 3_600))
    );

    // A correction is stored beside the computed label and is what the inbox shows.
    act(
        &store,
        id,
        Action::Relabel(Some("positive".into())),
        Some(7),
    )
    .await;
    let d = store.mention_detail(id).await.unwrap().unwrap();
    assert_eq!(
        (
            d.label.as_str(),
            d.computed_label.as_str(),
            d.label_override.as_deref()
        ),
        ("positive", "negative", Some("positive"))
    );
    act(&store, id, Action::Relabel(None), Some(8)).await;
    let d = store.mention_detail(id).await.unwrap().unwrap();
    assert_eq!(
        (d.label.as_str(), d.label_override, d.version),
        ("negative", None, 9)
    );

    let events = store.mention_events(id).await.unwrap();
    let seen: Vec<(&str, &str, Option<&str>, Option<&str>)> = events
        .iter()
        .map(|e| {
            (
                e.actor.as_str(),
                e.action.as_str(),
                e.from_status.as_deref(),
                e.to_status.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("vigia", "status", None, Some("new")),
            ("ana@x.test", "status", Some("new"), Some("acknowledged")),
            ("ana@x.test", "assign", None, None),
            ("ana@x.test", "note", None, None),
            (
                "ana@x.test",
                "respond",
                Some("acknowledged"),
                Some("responded")
            ),
            ("ana@x.test", "respond", None, None),
            ("ana@x.test", "status", Some("responded"), Some("resolved")),
            (
                "ana@x.test",
                "status",
                Some("resolved"),
                Some("acknowledged")
            ),
            ("ana@x.test", "relabel", None, None),
            ("ana@x.test", "relabel", None, None),
        ]
    );
    assert_eq!(events[2].detail.as_deref(), Some("bob@x.test"));
    assert_eq!(events[3].detail.as_deref(), Some("Called the customer"));
    let answer: serde_json::Value =
        serde_json::from_str(events[5].detail.as_deref().unwrap()).unwrap();
    assert_eq!(answer["at"], T + 7_200);
    assert_eq!(answer["url"], "https://reviews.example/r/1#again");
    assert_eq!(events[8].detail.as_deref(), Some("positive"));
    assert_eq!(events[9].detail, None);
    assert!(events[1..].iter().all(|e| e.at == NOW));
}

#[tokio::test]
async fn triage_actions_history_and_response_clock_sqlite() {
    actions_history_and_response_clock(Db::Sqlite).await;
}

#[tokio::test]
async fn triage_actions_history_and_response_clock_postgres() {
    actions_history_and_response_clock(Db::Postgres).await;
}

/// Refused actions say why and change nothing: no version bump, no history.
async fn refusals_change_nothing(db: Db) {
    let Some((store, _guard, ids)) = seeded(db).await else {
        return;
    };
    let missing = store
        .triage(
            ids.iter().max().unwrap() + 1_000,
            "ana@x.test",
            &Action::Acknowledge,
            None,
            NOW,
        )
        .await;
    assert!(matches!(missing, Err(TriageError::NotFound)), "{missing:?}");
    assert!(store.mention_detail(-1).await.unwrap().is_none());

    let resolved = ids[5];
    let respond = |url: Option<&str>, at| Action::Responded {
        url: url.map(String::from),
        at,
    };
    let open = ids[0];
    for (id, action) in [
        (resolved, Action::Acknowledge),
        (resolved, respond(None, NOW)),
        (open, Action::Reopen),
        (open, respond(Some("javascript:alert(1)"), NOW)),
        (open, respond(Some("ftp://files.example/x"), NOW)),
        (open, respond(None, NOW + 3_600)),
        (open, Action::Relabel(Some("furious".into()))),
        (open, Action::Note(" \n ".into())),
        (open, Action::Assign(Some("nobody".into()))),
        (
            open,
            Action::Dismiss {
                exclude_term: Some(" ".into()),
            },
        ),
        (
            open,
            Action::Dismiss {
                exclude_term: Some("x".repeat(101)),
            },
        ),
    ] {
        let r = store.triage(id, "ana@x.test", &action, None, NOW).await;
        assert!(
            matches!(r, Err(TriageError::Invalid(_))),
            "{action:?}: {r:?}"
        );
    }
    let blank_actor = store
        .triage(open, " ", &Action::Acknowledge, None, NOW)
        .await;
    assert!(matches!(blank_actor, Err(TriageError::Invalid(_))));
    for id in [open, resolved] {
        let d = store.mention_detail(id).await.unwrap().unwrap();
        assert_eq!(d.version, 0);
        assert_eq!(store.mention_events(id).await.unwrap().len(), 1);
    }
    assert!(store.brand_exclusions().await.unwrap().is_empty());
}

#[tokio::test]
async fn triage_refusals_change_nothing_sqlite() {
    refusals_change_nothing(Db::Sqlite).await;
}

#[tokio::test]
async fn triage_refusals_change_nothing_postgres() {
    refusals_change_nothing(Db::Postgres).await;
}

/// Two people acting on the same version: the second is told, not overwritten. Eight at
/// once: exactly one wins. Without a version, all eight apply, each once.
async fn stale_versions_conflict(db: Db) {
    let Some((store, _guard, ids)) = seeded(db).await else {
        return;
    };
    let id = ids[3];
    act(&store, id, Action::Acknowledge, Some(0)).await;
    let again = store
        .triage(id, "bob@x.test", &Action::Resolve, Some(0), NOW)
        .await;
    assert!(matches!(again, Err(TriageError::Conflict)), "{again:?}");
    assert_eq!(
        store.mention_detail(id).await.unwrap().unwrap().status,
        "acknowledged"
    );

    let race = |version: Option<i64>| {
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .triage(
                            id,
                            "ana@x.test",
                            &Action::Note(format!("note {i}")),
                            version,
                            NOW,
                        )
                        .await
                })
            })
            .collect();
        async move {
            let mut results = Vec::new();
            for t in tasks {
                results.push(t.await.unwrap());
            }
            results
        }
    };
    let results = race(Some(1)).await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    let lost = results
        .iter()
        .filter(|r| matches!(r, Err(TriageError::Conflict)))
        .count();
    assert_eq!((won, lost), (1, 7), "{results:?}");
    let results = race(None).await;
    assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
    let d = store.mention_detail(id).await.unwrap().unwrap();
    assert_eq!(d.version, 1 + 1 + 8);
    let notes = store
        .mention_events(id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "note")
        .count();
    assert_eq!(notes, 9);
}

#[tokio::test]
async fn triage_stale_versions_conflict_sqlite() {
    stale_versions_conflict(Db::Sqlite).await;
}

#[tokio::test]
async fn triage_stale_versions_conflict_postgres() {
    stale_versions_conflict(Db::Postgres).await;
}

fn feed(items: &[(&str, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(guid, title)| {
            format!(
                "<item><title>{title}</title><link>https://news.example/{guid}</link>\
                 <guid>{guid}</guid><description>{title}, reported this morning.</description></item>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>News</title>\
         <link>https://news.example/</link><description>d</description>{items}</channel></rss>"
    )
}

/// "Not about us" with a term: the mention is dismissed, the term joins the brand's
/// exclusions, and the next worker run does not store an item that names the brand only
/// inside that phrase (while it still stores a real mention from the same feed).
async fn dismiss_excludes_the_term_from_matching(db: Db) {
    let Some((url, _guard)) = support::fresh_db(db).await else {
        return;
    };
    let server = FixtureServer::start().await;
    let rss = "application/rss+xml";
    server.set(
        "news.xml",
        Canned::ok(rss, feed(&[("arena-1", "Concert tonight at Acme Arena")])),
    );
    let body = format!(
        "[[brand]]\nname = \"Acme\"\n\n[[source]]\nname = \"news\"\nurl = \"{}\"\n",
        server.url("news.xml")
    );
    let config = support::config(&url, server.port, &body);
    let store = support::store(&config).await;
    worker::run_once(&config, store.clone()).await.unwrap();
    let arena = store.inbox_all(&Default::default(), 10).await.unwrap();
    assert_eq!(arena.len(), 1, "{arena:?}");

    let d = store
        .triage(
            arena[0].id,
            "ana@x.test",
            &Action::Dismiss {
                exclude_term: Some(" Acme Arena ".into()),
            },
            Some(0),
            vigia::store::now(),
        )
        .await
        .unwrap();
    assert_eq!(d.status, "dismissed");
    assert_eq!(
        store.brand_exclusions().await.unwrap(),
        [("Acme".to_string(), "Acme Arena".to_string())]
    );
    let events = store.mention_events(d.id).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!(
        (
            last.action.as_str(),
            last.to_status.as_deref(),
            last.detail.as_deref()
        ),
        ("dismiss", Some("dismissed"), Some("Acme Arena"))
    );
    // Dismissed mentions leave the open inbox.
    assert!(
        store
            .inbox(&Default::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );

    server.set(
        "news.xml",
        Canned::ok(
            rss,
            feed(&[
                ("arena-2", "ACME ARENA announces next season"),
                ("phone", "Acme launches a new phone"),
            ]),
        ),
    );
    worker::run_once(&config, store.clone()).await.unwrap();
    let all = store
        .inbox_all(
            &vigia::store::inbox::InboxQuery {
                status: Some("all".into()),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap();
    let mut titles: Vec<&str> = all.iter().map(|m| m.title.as_str()).collect();
    titles.sort();
    assert_eq!(
        titles,
        ["Acme launches a new phone", "Concert tonight at Acme Arena"]
    );
}

#[tokio::test]
async fn dismiss_excludes_the_term_from_matching_sqlite() {
    dismiss_excludes_the_term_from_matching(Db::Sqlite).await;
}

#[tokio::test]
async fn dismiss_excludes_the_term_from_matching_postgres() {
    dismiss_excludes_the_term_from_matching(Db::Postgres).await;
}
