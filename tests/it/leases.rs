//! Worker rows and leases in the store, on SQLite and PostgreSQL: registration, heartbeats
//! and liveness; a lease held by a worker that stopped, or whose heartbeat is older than
//! the live window, is taken over before it ends (what makes S01 recover in seconds); a
//! lease shortened after a failed store comes back early (S02); and two workers holding the
//! same alert notify it once.

use crate::support::{self, Db};
use vigia::store::{self, LIVE_WINDOW, NewAlert, NewOutbox, Store, WorkerCounters};

async fn open(db: Db) -> Option<(Store, support::DbGuard)> {
    let (url, guard) = support::fresh_db(db).await?;
    Some((Store::connect(&url).await.unwrap(), guard))
}

async fn with_sources(store: &Store, n: usize) {
    let body: String = (0..n)
        .map(|i| format!("[[source]]\nname = \"s{i}\"\nurl = \"http://127.0.0.1:9/{i}\"\n"))
        .collect();
    let config = support::config("sqlite://unused.db", 9, &body);
    store.sync_sources(&config.sources).await.unwrap();
}

async fn workers_story(db: Db) {
    let Some((store, _guard)) = open(db).await else {
        return;
    };
    // Registration, heartbeats with counters, stop.
    let a = store.register("worker").await.unwrap();
    let b = store.register("all").await.unwrap();
    assert_ne!(a, b);
    let counters = WorkerCounters::default();
    WorkerCounters::add(&counters.polls, 7);
    WorkerCounters::add(&counters.poll_errors, 2);
    WorkerCounters::add(&counters.mentions_new, 40);
    WorkerCounters::add(&counters.notifications_sent, 3);
    store.heartbeat(&a, &counters).await.unwrap();
    let rows = store.list_workers().await.unwrap();
    assert_eq!(rows.len(), 2);
    let row_a = rows.iter().find(|r| r.id == a.as_str()).unwrap();
    assert_eq!(
        (
            row_a.role.as_str(),
            row_a.pid,
            row_a.polls,
            row_a.poll_errors
        ),
        ("worker", i64::from(std::process::id()), 7, 2)
    );
    assert_eq!((row_a.mentions_new, row_a.notifications_sent), (40, 3));
    let now = store::now();
    assert!(row_a.is_live(now));
    assert!(!row_a.is_live(row_a.heartbeat_at + LIVE_WINDOW.as_secs() as i64 + 1));
    store.stopped(&b).await.unwrap();
    let rows = store.list_workers().await.unwrap();
    let row_b = rows.iter().find(|r| r.id == b.as_str()).unwrap();
    assert!(row_b.stopped_at.is_some() && !row_b.is_live(now));

    // Rows silent for a day are pruned when a worker registers.
    sqlx::query("UPDATE workers SET heartbeat_at = heartbeat_at - 90000 WHERE id = $1")
        .bind(b.as_str())
        .execute(store.pool())
        .await
        .unwrap();
    store.register("worker").await.unwrap();
    let ids: Vec<String> = store
        .list_workers()
        .await
        .unwrap()
        .into_iter()
        .map(|w| w.id)
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(!ids.contains(&b.to_string()), "the old row is gone");
}

#[tokio::test]
async fn workers_register_heartbeat_and_stop_sqlite() {
    workers_story(Db::Sqlite).await;
}

#[tokio::test]
async fn workers_register_heartbeat_and_stop_postgres() {
    workers_story(Db::Postgres).await;
}

async fn takeover_story(db: Db) {
    let Some((store, _guard)) = open(db).await else {
        return;
    };
    with_sources(&store, 3).await;
    let a = store.register("worker").await.unwrap();
    let b = store.register("worker").await.unwrap();
    let (sa, sb) = (store.for_worker(a.clone()), store.for_worker(b.clone()));
    let beat = store
        .list_workers()
        .await
        .unwrap()
        .into_iter()
        .find(|w| w.id == a.as_str())
        .unwrap()
        .heartbeat_at;
    let window = LIVE_WINDOW.as_secs() as i64;

    // A holds every source; B gets none while A is live, even late in the window.
    let at = beat;
    assert_eq!(sa.claim_due_sources(at, 300, 10).await.unwrap().len(), 3);
    assert!(sb.claim_due_sources(at, 300, 10).await.unwrap().is_empty());
    assert!(
        sb.claim_due_sources(beat + window, 300, 10)
            .await
            .unwrap()
            .is_empty(),
        "A is still live at the edge of the window"
    );
    // A falls silent: one second past the window its leases are B's, 285 s early.
    let taken = sb
        .claim_due_sources(beat + window + 1, 300, 10)
        .await
        .unwrap();
    assert_eq!(taken.len(), 3);

    // C stops cleanly: no need to wait for its heartbeat to age.
    let c = store.register("worker").await.unwrap();
    let sc = store.for_worker(c.clone());
    // Every source leased to C.
    sqlx::query("UPDATE sources SET lease_until = NULL")
        .execute(store.pool())
        .await
        .unwrap();
    assert_eq!(
        sc.claim_due_sources(store::now(), 300, 10)
            .await
            .unwrap()
            .len(),
        3
    );
    assert!(
        sb.claim_due_sources(store::now(), 300, 10)
            .await
            .unwrap()
            .is_empty()
    );
    sc.stopped(&c).await.unwrap();
    assert_eq!(
        sb.claim_due_sources(store::now(), 300, 10)
            .await
            .unwrap()
            .len(),
        3,
        "a stopped worker's leases are free at once"
    );

    // A lease shortened after a failed store comes back early, only for its holder.
    let now = store::now();
    sqlx::query("UPDATE sources SET lease_until = NULL")
        .execute(store.pool())
        .await
        .unwrap();
    let mine = sb.claim_due_sources(now, 300, 1).await.unwrap();
    let id = mine[0].id;
    assert!(
        !sa.shorten_lease(id, now + 300, now + 10).await.unwrap(),
        "not A's lease"
    );
    assert!(
        !sb.shorten_lease(id, now + 299, now + 10).await.unwrap(),
        "not this lease"
    );
    assert!(sb.shorten_lease(id, now + 300, now + 10).await.unwrap());
    let fresh_b = store.register("worker").await.unwrap();
    let other = store.for_worker(fresh_b);
    let back: Vec<i64> = other
        .claim_due_sources(now + 11, 300, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert!(back.contains(&id), "the shortened lease ended at now + 10");
}

#[tokio::test]
async fn s01_a_dead_workers_source_leases_are_taken_over_sqlite() {
    takeover_story(Db::Sqlite).await;
}

#[tokio::test]
async fn s01_a_dead_workers_source_leases_are_taken_over_postgres() {
    takeover_story(Db::Postgres).await;
}

fn message(key: &str) -> NewOutbox {
    NewOutbox {
        dedup_key: key.into(),
        channel: "email".into(),
        recipient: "team@x.test".into(),
        rule: "negative".into(),
        brand: None,
        subject: "s".into(),
        body_text: "t".into(),
        body_html: None,
        payload: None,
        message_id: format!("<{key}@vigia.test>"),
    }
}

async fn outbox_takeover_story(db: Db) {
    let Some((store, _guard)) = open(db).await else {
        return;
    };
    let alert = |key: &str| NewAlert {
        dedup_key: key.into(),
        rule: "negative".into(),
        kind: "instant".into(),
        brand: None,
        fired_at: 1,
        mention_ids: vec![],
        why: "{}".into(),
    };
    let mut tx = store.begin_write().await.unwrap();
    let alerts = store::insert_alerts(&mut tx, &[alert("x"), alert("y")])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Two workers hold the same alerts: the first claim wins, the second gets the rest.
    let mut tx = store.begin_write().await.unwrap();
    let first = store::claim_alerts(&mut tx, &alerts[..1], 10)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin_write().await.unwrap();
    let second = store::claim_alerts(&mut tx, &alerts, 11).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(first, alerts[..1]);
    assert_eq!(
        second,
        alerts[1..],
        "the alert already notified is left out"
    );
    // A claim rolled back (the database failed mid-notification) leaves the alert pending.
    let mut tx = store.begin_write().await.unwrap();
    let third = store::insert_alerts(&mut tx, &[alert("z")]).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin_write().await.unwrap();
    assert_eq!(
        store::claim_alerts(&mut tx, &third, 12).await.unwrap(),
        third
    );
    tx.rollback().await.unwrap();
    assert_eq!(store.pending_alerts().await.unwrap().len(), 1);

    // Outbox rows leased by a dead sender come back before the lease ends.
    let mut tx = store.begin_write().await.unwrap();
    store::queue_notification(&mut tx, &[message("m1"), message("m2")], &[], 100)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let a = store.register("worker").await.unwrap();
    let b = store.register("worker").await.unwrap();
    let (sa, sb) = (store.for_worker(a.clone()), store.for_worker(b));
    let now = store::now();
    assert_eq!(sa.claim_outbox(now, 120, 10).await.unwrap().len(), 2);
    assert!(sb.claim_outbox(now, 120, 10).await.unwrap().is_empty());
    sa.stopped(&a).await.unwrap();
    assert_eq!(
        sb.claim_outbox(now, 120, 10).await.unwrap().len(),
        2,
        "a stopped sender's rows are free at once"
    );
}

#[tokio::test]
async fn a11_alerts_notified_once_and_dead_senders_rows_taken_over_sqlite() {
    outbox_takeover_story(Db::Sqlite).await;
}

#[tokio::test]
async fn a11_alerts_notified_once_and_dead_senders_rows_taken_over_postgres() {
    outbox_takeover_story(Db::Postgres).await;
}
