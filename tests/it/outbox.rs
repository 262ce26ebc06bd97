//! The durable alert path in the store, on SQLite and PostgreSQL: alerts dedup, a
//! notification queues its messages once, claims lease rows so no two senders get the same
//! one (A11), and sent / retry / dead / retry-dead move rows as the dashboard shows them.

use std::collections::HashSet;

use crate::support::{self, Db};
use vigia::store::{self, NewAlert, NewOutbox, Store};

fn alert(key: &str) -> NewAlert {
    NewAlert {
        dedup_key: key.into(),
        rule: "instant-negative".into(),
        kind: "instant".into(),
        brand: Some("Cumbre Bank".into()),
        fired_at: 1_800_000_000,
        mention_ids: vec![1, 2],
        why: r#"{"type":"instant","threshold":-0.5}"#.into(),
    }
}

fn message(key: &str, to: &str) -> NewOutbox {
    NewOutbox {
        dedup_key: key.into(),
        channel: "email".into(),
        recipient: to.into(),
        rule: "instant-negative".into(),
        brand: Some("Cumbre Bank".into()),
        subject: "Cumbre Bank: 2 negative mentions".into(),
        body_text: "text".into(),
        body_html: Some("<p>html</p>".into()),
        payload: None,
        message_id: format!("<{key}@vigia.test>"),
    }
}

async fn open(db: Db) -> Option<(Store, support::DbGuard)> {
    let (url, guard) = support::fresh_db(db).await?;
    Some((Store::connect(&url).await.unwrap(), guard))
}

async fn outbox_story(db: Db) {
    let Some((store, _guard)) = open(db).await else {
        return;
    };
    // Alerts dedup on their key.
    let mut tx = store.begin_write().await.unwrap();
    let ids = store::insert_alerts(&mut tx, &[alert("a1"), alert("a2"), alert("a1")])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(ids.len(), 2);
    assert_eq!(store.pending_alerts().await.unwrap().len(), 2);

    // A notification queues once, however often it is written.
    for _ in 0..2 {
        let mut tx = store.begin_write().await.unwrap();
        store::queue_notification(
            &mut tx,
            &[
                message("n1:ana", "ana@x.test"),
                message("n1:luis", "luis@x.test"),
            ],
            &ids,
            100,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    assert!(
        store.pending_alerts().await.unwrap().is_empty(),
        "alerts marked notified"
    );
    assert_eq!(
        store.list_outbox(Some("pending"), 10).await.unwrap().len(),
        2
    );

    // A claim leases rows; a second claim in the lease gets nothing.
    let first = store.claim_outbox(100, 60, 10).await.unwrap();
    assert_eq!(first.len(), 2);
    assert!(store.claim_outbox(110, 60, 10).await.unwrap().is_empty());
    // A crashed sender's rows come back when the lease ends.
    assert_eq!(store.claim_outbox(161, 60, 10).await.unwrap().len(), 2);

    store.outbox_sent(first[0].id, 170).await.unwrap();
    store
        .outbox_retry(first[1].id, "451 try later", 400)
        .await
        .unwrap();
    assert!(
        store.claim_outbox(300, 60, 10).await.unwrap().is_empty(),
        "retry waits its turn"
    );
    let again = store.claim_outbox(400, 60, 10).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 1);
    store
        .outbox_dead(again[0].id, "550 no such user")
        .await
        .unwrap();

    let dead = store.list_outbox(Some("dead"), 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].last_error.as_deref(), Some("550 no such user"));
    assert!(
        store.claim_outbox(10_000, 60, 10).await.unwrap().is_empty(),
        "no retry storm"
    );
    assert!(store.retry_dead(dead[0].id, 500).await.unwrap());
    assert!(
        !store.retry_dead(first[0].id, 500).await.unwrap(),
        "only dead letters"
    );
    assert_eq!(store.claim_outbox(500, 60, 10).await.unwrap().len(), 1);
    let sent = store.list_outbox(Some("sent"), 10).await.unwrap();
    assert_eq!((sent.len(), sent[0].sent_at), (1, Some(170)));

    // Budgets count per recipient, kind and day.
    let mut tx = store.begin_write().await.unwrap();
    let day = "2026-11-22";
    let admit = |kind: &'static str, day: &'static str, limit| (kind, day, limit);
    for (kind, day, limit, want) in [
        (admit("instant", day, Some(2)), (true, 0)),
        (admit("instant", day, Some(2)), (true, 0)),
        (admit("instant", day, Some(2)), (false, 1)),
        (admit("spike", day, None), (true, 0)),
        (admit("instant", "2026-11-23", Some(2)), (true, 0)),
    ]
    .map(|((k, d, l), w)| (k, d, l, w))
    {
        let got = store::admit_budget(&mut tx, "ana@x.test", kind, day, limit)
            .await
            .unwrap();
        assert_eq!(got, want, "{kind} {day}");
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn outbox_story_sqlite() {
    outbox_story(Db::Sqlite).await;
}

#[tokio::test]
async fn outbox_story_postgres() {
    outbox_story(Db::Postgres).await;
}

/// A11 at the store level: concurrent claimers never get the same row.
async fn concurrent_claims_are_disjoint(db: Db) {
    let Some((store, _guard)) = open(db).await else {
        return;
    };
    let messages: Vec<NewOutbox> = (0..200)
        .map(|i| message(&format!("m{i}"), "ana@x.test"))
        .collect();
    let mut tx = store.begin_write().await.unwrap();
    store::queue_notification(&mut tx, &messages, &[], 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                let batch = store.claim_outbox(1, 600, 7).await.unwrap();
                if batch.is_empty() {
                    break;
                }
                got.extend(batch.into_iter().map(|r| r.id));
            }
            got
        }));
    }
    let mut seen = HashSet::new();
    let mut total = 0;
    for t in tasks {
        for id in t.await.unwrap() {
            total += 1;
            assert!(seen.insert(id), "row {id} claimed twice");
        }
    }
    assert_eq!(total, 200);
}

#[tokio::test]
async fn a11_concurrent_claims_are_disjoint_sqlite() {
    concurrent_claims_are_disjoint(Db::Sqlite).await;
}

#[tokio::test]
async fn a11_concurrent_claims_are_disjoint_postgres() {
    concurrent_claims_are_disjoint(Db::Postgres).await;
}
