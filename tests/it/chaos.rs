//! Crash safety with real processes (S01, S02): workers SIGKILLed at random moments, and
//! PostgreSQL restarted under running workers, while the feeds keep growing. In the end
//! every item is stored exactly once and every alert notified once; emails are duplicated
//! (with the same Message-ID) at most once per crash.

use std::process::Child;
use std::sync::Arc;
use std::time::{Duration, Instant};

use vigia::store::Store;

use crate::support::{self, Db};
use crate::support_pgcluster::ChaosCluster;
use crate::support_workers::{Story, sigkill_rounds, terminate, wait_exit};

/// S01 on SQLite: one worker (SQLite serves one) SIGKILLed 20 times while its feeds grow.
#[tokio::test]
async fn s01_sqlite_sigkill_twenty_times_loses_and_duplicates_nothing() {
    let (url, _guard) = support::fresh_db(Db::Sqlite).await.unwrap();
    let mut story = Story::new(&url, 6).await;
    sigkill_rounds(&mut story, 1, 20).await;
}

/// S01 on PostgreSQL: three workers share the database; 20 times one of them, at random,
/// is SIGKILLed and started again. The survivors take over a dead worker's leases once its
/// heartbeat is old.
#[tokio::test]
async fn s01_postgres_three_workers_sigkill_twenty_times_lose_and_duplicate_nothing() {
    let Some((url, _guard)) = support::fresh_db(Db::Postgres).await else {
        return;
    };
    // The schema once, so the first workers do not all start from nothing at once.
    Store::connect(&url).await.unwrap().close().await;
    let mut story = Story::new(&url, 6).await;
    sigkill_rounds(&mut story, 3, 20).await;
}

/// S02: PostgreSQL (a dedicated cluster, never the shared one) goes away twice while two
/// workers poll slow feeds: a plain restart, then an outage longer than the workers'
/// connection wait (`acquire_timeout = "2s"`, standing for a long outage at the default
/// 60 s) that catches a poll in flight. The workers stay up, reconnect, poll every feed
/// again after each outage, and lose nothing: the poll whose result could not be stored
/// comes back within seconds (not when its 5-minute lease ends), every item is stored
/// once and every alert notified once.
#[tokio::test]
async fn s02_postgres_restart_during_polling_workers_reconnect_nothing_lost() {
    let Some(cluster) = ChaosCluster::running() else {
        return;
    };
    let cluster = Arc::new(cluster);
    let (url, _guard) = cluster.fresh_db().await;
    Store::connect(&url).await.unwrap().close().await;
    let mut story = Story::with_database(&url, "acquire_timeout = \"2s\"\n", 8).await;
    // A poll spends 1.5 s fetching, so an outage can catch it between fetch and store.
    for i in 0..story.sources() {
        story
            .server
            .set_delay(&story.feed(i), Duration::from_millis(1500));
    }
    let mut workers: Vec<Child> = (0..2).map(|_| story.start_worker()).collect();

    // Polling is under way: every feed fetched, new items arriving.
    let deadline = Instant::now() + Duration::from_secs(30);
    for round in 0.. {
        story.grow(3);
        tokio::time::sleep(Duration::from_secs(1)).await;
        let all_polled = (0..story.sources()).all(|i| story.server.hits(&story.feed(i)) > 0);
        if all_polled && round >= 3 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "workers never polled every feed\n{}",
            story.logs()
        );
    }

    // 1. A restart, with items arriving meanwhile.
    let before = cluster.started_at().await;
    story.grow(3);
    let restart = tokio::task::spawn_blocking({
        let cluster = cluster.clone();
        move || cluster.restart()
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    story.grow(3);
    restart.await.unwrap();
    let restarted = Instant::now();
    assert!(
        cluster.started_at().await > before,
        "the cluster really restarted"
    );
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        story.grow(3);
    }
    wait_polled_since(&story, restarted, "the restart").await;

    // 2. Down for 4 s, from just after a poll started fetching.
    let deadline = Instant::now() + Duration::from_secs(15);
    while !(0..story.sources()).any(|i| {
        story
            .server
            .hit_times(&story.feed(i))
            .last()
            .is_some_and(|t| t.elapsed() < Duration::from_millis(300))
    }) {
        assert!(Instant::now() < deadline, "no poll started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stop = tokio::task::spawn_blocking({
        let cluster = cluster.clone();
        move || cluster.stop()
    });
    story.grow(3);
    stop.await.unwrap();
    tokio::time::sleep(Duration::from_secs(4)).await;
    story.grow(3);
    let start = tokio::task::spawn_blocking({
        let cluster = cluster.clone();
        move || cluster.start()
    });
    start.await.unwrap();
    let back = Instant::now();
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        story.grow(3);
    }

    let store = Store::connect(&url).await.unwrap();
    story.settle(&store, Duration::from_secs(45)).await;
    for (n, w) in workers.iter_mut().enumerate() {
        assert!(
            w.try_wait().unwrap().is_none(),
            "worker {n} exited after an outage\n{}",
            story.logs()
        );
    }
    wait_polled_since(&story, back, "the outage").await;
    let logs = story.logs();
    assert!(
        logs.contains("could not store a poll's result"),
        "the outage caught a poll in flight:\n{logs}"
    );
    // Both workers heartbeat through the outages, are still live, and counted the failure.
    let now = vigia::store::now();
    let rows = store.list_workers().await.unwrap();
    assert_eq!(
        rows.iter().filter(|w| w.is_live(now)).count(),
        2,
        "{rows:?}"
    );
    assert!(
        rows.iter().map(|w| w.poll_errors).sum::<i64>() >= 1,
        "{rows:?}"
    );

    for w in &workers {
        terminate(w);
    }
    for w in workers {
        let out = wait_exit(w, Duration::from_secs(30));
        assert!(out.status.success(), "{:?}\n{}", out.status, story.logs());
    }
    // Each outage is one crash window for delivery.
    story.check(&store, 2).await;
}

/// Wait until every feed of the story was requested after `since` (a 5 s interval plus
/// jitter; panics after 20 s).
async fn wait_polled_since(story: &Story, since: Instant, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let missing: Vec<usize> = (0..story.sources())
            .filter(|i| {
                !story
                    .server
                    .hit_times(&story.feed(*i))
                    .iter()
                    .any(|t| *t > since)
            })
            .collect();
        if missing.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "feeds {missing:?} never polled after {what}\n{}",
            story.logs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
