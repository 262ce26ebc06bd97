//! W08: people triage while the worker writes a big batch. On SQLite the batch holds the
//! only write lock for seconds; triage must wait for it, not fail with "database is
//! locked", both from the same process (the writer pool queues) and from a second process's
//! connection (SQLite's busy timeout). Readers are not blocked at all. Same story on
//! PostgreSQL.

use std::time::Duration;

use vigia::store::inbox::InboxQuery;
use vigia::store::triage::Action;
use vigia::store::{NewMention, Store, insert_mentions};

use super::{T, seeded};
use crate::support::Db;

const BATCH: usize = 20_000;

/// `n` negative mentions of Acme, as one worker batch.
pub fn batch(n: usize) -> Vec<NewMention> {
    (0..n)
        .map(|i| NewMention {
            brand: "Acme".into(),
            item_key: format!("batch-{i}"),
            source: "bulk".into(),
            url: Some(format!("https://bulk.example/{i}")),
            title: format!("Acme item number {i} in the big batch"),
            snippet: format!("Acme item number {i}, a snippet long enough to index"),
            body: format!("Acme item number {i}, a body"),
            author: None,
            published_at: Some(T),
            fetched_at: T,
            lang: "en".into(),
            lang_reliable: true,
            compound: -0.5,
            pos: 0.0,
            neu: 0.5,
            neg: 0.5,
            label: "negative".into(),
            whole_compound: -0.5,
            terms: "[]".into(),
            rating: None,
            rating_value: None,
            rating_best: None,
        })
        .collect()
}

async fn w08_triage_during_a_worker_batch(db: Db) {
    let Some((store, guard, ids)) = seeded(db).await else {
        return;
    };
    // The dashboard as a separate process would have it: its own pools on the same file.
    let url = match &guard {
        crate::support::DbGuard::Dir(dir) => {
            format!("sqlite://{}", dir.path().join("vigia.db").display())
        }
        crate::support::DbGuard::Pg { admin, name } => {
            let mut u = url::Url::parse(admin).unwrap();
            u.set_path(name);
            u.to_string()
        }
    };
    let web = Store::connect(&url).await.unwrap();

    let (started, in_flight) = tokio::sync::oneshot::channel();
    let worker = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut tx = store.begin_write().await.unwrap();
            started.send(()).unwrap();
            let created = insert_mentions(&mut tx, &batch(BATCH)).await.unwrap();
            // Keep the write lock a little longer, as a slow disk would.
            tokio::time::sleep(Duration::from_millis(300)).await;
            tx.commit().await.unwrap();
            created.len()
        })
    };
    in_flight.await.unwrap();

    let open: Vec<i64> = [0, 1, 2, 3, 7, 8, 9].iter().map(|&i| ids[i]).collect();
    let mut tasks = Vec::new();
    for (k, &id) in open.iter().enumerate() {
        for (n, via) in [store.clone(), web.clone()].into_iter().enumerate() {
            let action = if n == 0 {
                Action::Note(format!("note {k}"))
            } else {
                Action::Assign(Some(format!("person{k}@x.test")))
            };
            tasks.push(tokio::spawn(async move {
                via.triage(id, "ana@x.test", &action, None, T + 60).await
            }));
        }
    }
    // Reading is never blocked by the batch.
    let page = web.inbox(&InboxQuery::default()).await.unwrap();
    assert!(!page.items.is_empty());

    let mut failures = Vec::new();
    for t in tasks {
        if let Err(e) = t.await.unwrap() {
            failures.push(e.to_string());
        }
    }
    assert!(
        failures.is_empty(),
        "triage failed during the batch: {failures:?}"
    );
    assert_eq!(worker.await.unwrap(), BATCH);
    assert_eq!(store.count_mentions().await.unwrap(), 10 + BATCH as i64);
    for &id in &open {
        let d = store.mention_detail(id).await.unwrap().unwrap();
        assert_eq!(d.version, 2, "{id}");
        assert!(d.assignee.is_some());
    }
    web.close().await;
}

#[tokio::test]
async fn w08_triage_during_a_worker_batch_sqlite() {
    w08_triage_during_a_worker_batch(Db::Sqlite).await;
}

#[tokio::test]
async fn w08_triage_during_a_worker_batch_postgres() {
    w08_triage_during_a_worker_batch(Db::Postgres).await;
}
