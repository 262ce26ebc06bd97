//! `vigia run` as real processes: SQLite refuses a second worker, SIGTERM stops a worker
//! cleanly, `--role` picks what a process does, a worker's heartbeat row tells whether it is
//! alive and what it did, and three workers on PostgreSQL fetch each due source once per
//! interval (S03). The crash tests (S01, S02) are in `chaos`.

use std::process::Child;
use std::time::Duration;

use crate::support::{self, Canned, Db, FixtureServer};
use crate::support_smtp::SmtpServer;
use crate::support_workers::{
    alert_config, base_config, rss, source_config, terminate, vigia_run, wait_exit,
};

/// A config with `sources` one-item feeds polled every 5 s (`extra` appended).
fn write_config(
    dir: &std::path::Path,
    db_url: &str,
    s: &FixtureServer,
    sources: usize,
    extra: &str,
) -> std::path::PathBuf {
    let mut text = base_config(db_url, "", s) + extra;
    for i in 0..sources {
        let name = format!("s{i}.xml");
        let item = (
            format!("Cumbre Bank news {i}"),
            format!("https://e.example/{i}"),
            "Cumbre Bank opened a branch.",
        );
        s.set(&name, Canned::ok("application/rss+xml", rss([item])));
        text += &source_config(&format!("s{i}"), &s.url(&name), "5s");
    }
    let path = dir.join("vigia.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn worker(config: &std::path::Path) -> Child {
    vigia_run(config, &[])
}

#[tokio::test]
async fn sqlite_refuses_a_second_worker_and_sigterm_stops_cleanly() {
    let (url, _guard) = support::fresh_db(Db::Sqlite).await.unwrap();
    let s = FixtureServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &url, &s, 2, "");
    let first = worker(&config);
    // Wait until the first worker polls (it holds the lock by then).
    for _ in 0..100 {
        if s.hits("s0.xml") > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(s.hits("s0.xml") > 0, "the first worker polls");
    let second = wait_exit(worker(&config), Duration::from_secs(20));
    assert!(!second.status.success());
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("another vigia worker") && err.contains("PostgreSQL"),
        "{err}"
    );
    terminate(&first);
    let out = wait_exit(first, Duration::from_secs(30));
    assert!(
        out.status.success(),
        "SIGTERM is a clean stop: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// S03: three workers share one PostgreSQL; every due source is fetched once per interval.
#[tokio::test]
async fn s03_three_workers_fetch_each_due_source_once_per_interval() {
    let Some((url, _guard)) = support::fresh_db(Db::Postgres).await else {
        return;
    };
    let s = FixtureServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let sources = 30;
    let config = write_config(dir.path(), &url, &s, sources, "");
    // Create the schema once so the three workers do not all start from nothing at once.
    vigia::store::Store::connect(&url)
        .await
        .unwrap()
        .close()
        .await;
    let workers: Vec<Child> = (0..3).map(|_| worker(&config)).collect();
    tokio::time::sleep(Duration::from_secs(13)).await;
    for w in &workers {
        terminate(w);
    }
    for w in workers {
        let out = wait_exit(w, Duration::from_secs(30));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut total = 0;
    for i in 0..sources {
        let times = s.hit_times(&format!("s{i}.xml"));
        assert!(
            times.len() >= 2,
            "source {i} polled {} times in 13 s",
            times.len()
        );
        for pair in times.windows(2) {
            let gap = pair[1].duration_since(pair[0]);
            // Interval 5 s (whole seconds in the store): two workers fetching the same due
            // source would show up as a gap of a fraction of a second.
            assert!(
                gap >= Duration::from_secs(3),
                "source {i} fetched twice {gap:?} apart"
            );
        }
        total += times.len();
    }
    assert!(
        total <= sources * 4,
        "{total} fetches for {sources} sources in 13 s at 5 s"
    );
}

/// `--role web` serves the dashboard beside a running SQLite worker without taking the
/// worker lock (no "another worker"), registers nothing, and stops on SIGTERM. An unknown
/// role is refused by the flag parser with the valid ones listed.
#[tokio::test]
async fn run_role_web_serves_beside_the_sqlite_worker_without_its_lock() {
    let (url, _guard) = support::fresh_db(Db::Sqlite).await.unwrap();
    let s = FixtureServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &url, &s, 1, "");
    let first = vigia_run(&config, &["--role", "worker"]);
    for _ in 0..200 {
        if s.hits("s0.xml") > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(s.hits("s0.xml") > 0, "the worker polls");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let web_config = dir.path().join("web.toml");
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("127.0.0.1:0", &format!("127.0.0.1:{port}"));
    std::fs::write(&web_config, text).unwrap();
    let web = vigia_run(&web_config, &["--role", "web"]);
    let health = format!("http://127.0.0.1:{port}/healthz");
    let mut answer = None;
    for _ in 0..200 {
        if let Ok(r) = reqwest::get(&health).await {
            answer = Some((r.status(), r.text().await.unwrap()));
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, body) = answer.expect("the web process answers /healthz");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"live_workers\":1"), "{body}");
    terminate(&web);
    let web = wait_exit(web, Duration::from_secs(20));
    let err = String::from_utf8_lossy(&web.stderr);
    assert!(web.status.success(), "{err}");
    assert!(!err.contains("another vigia worker"), "{err}");

    let bogus = wait_exit(
        vigia_run(&config, &["--role", "scheduler"]),
        Duration::from_secs(20),
    );
    let err = String::from_utf8_lossy(&bogus.stderr);
    assert!(!bogus.status.success());
    assert!(
        err.contains("all") && err.contains("worker") && err.contains("web"),
        "{err}"
    );

    terminate(&first);
    let out = wait_exit(first, Duration::from_secs(30));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = vigia::store::Store::connect(&url).await.unwrap();
    let roles: Vec<String> = store
        .list_workers()
        .await
        .unwrap()
        .into_iter()
        .map(|w| w.role)
        .collect();
    assert_eq!(roles, ["worker"], "the web process registered nothing");
}

/// A running worker's row: registered with its role and pid, live while it runs, counters
/// written with every heartbeat; after SIGTERM it is stopped (not live) and its final
/// counters match what the fixture server, the database and the SMTP server saw.
async fn heartbeat_story(db: Db) {
    let Some((url, _guard)) = support::fresh_db(db).await else {
        return;
    };
    let s = FixtureServer::start().await;
    let smtp = SmtpServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let sources = 3;
    let config = write_config(dir.path(), &url, &s, sources, &alert_config(&smtp));
    // One source carries a strongly negative item, so one alert email goes out.
    let bad = (
        "Cumbre Bank charged me twice, a total scam".to_string(),
        "https://e.example/bad".to_string(),
        "Cumbre Bank stole my money. Worst bank ever, awful and useless.",
    );
    s.set("s0.xml", Canned::ok("application/rss+xml", rss([bad])));
    vigia::store::Store::connect(&url)
        .await
        .unwrap()
        .close()
        .await;
    let child = vigia_run(&config, &[]);
    let pid = i64::from(child.id());
    let store = vigia::store::Store::connect(&url).await.unwrap();

    // Wait for a heartbeat that carries polls (the first comes 5 s after start).
    let mut seen = None;
    for _ in 0..300 {
        let rows = store.list_workers().await.unwrap();
        if let Some(w) = rows.into_iter().find(|w| w.polls > 0) {
            seen = Some(w);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let running = seen.expect("a heartbeat with counters within 15 s");
    assert_eq!(running.role, "all", "the default role");
    assert_eq!(running.pid, pid);
    assert!(!running.host.is_empty());
    assert!(running.is_live(vigia::store::now()));
    assert!(running.heartbeat_at >= running.started_at);
    assert_eq!(running.stopped_at, None);
    for _ in 0..200 {
        if !smtp.messages().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    terminate(&child);
    let out = wait_exit(child, Duration::from_secs(30));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = store.list_workers().await.unwrap();
    assert_eq!(rows.len(), 1);
    let done = &rows[0];
    assert_eq!(done.id, running.id);
    assert!(
        done.stopped_at.is_some(),
        "SIGTERM marks the worker stopped"
    );
    assert!(!done.is_live(vigia::store::now()));
    let fetches: usize = (0..sources).map(|i| s.hits(&format!("s{i}.xml"))).sum();
    assert_eq!(done.polls as usize, fetches, "one poll per request served");
    assert_eq!(done.poll_errors, 0);
    assert_eq!(done.mentions_new, store.count_mentions().await.unwrap());
    assert_eq!(done.mentions_new as usize, sources);
    assert_eq!(done.notifications_sent as usize, smtp.messages().len());
    assert_eq!(done.notifications_sent, 1, "the negative item's alert");
}

#[tokio::test]
async fn heartbeat_row_tracks_a_running_worker_sqlite() {
    heartbeat_story(Db::Sqlite).await;
}

#[tokio::test]
async fn heartbeat_row_tracks_a_running_worker_postgres() {
    heartbeat_story(Db::Postgres).await;
}

/// C04: `SIGHUP` with a broken config keeps the running one (the worker goes on polling and
/// says why, with the file and line); with a good one it applies it without a restart (a
/// source added to the file is polled).
#[tokio::test]
async fn c04_reload_with_errors_keeps_the_running_config_and_a_good_one_applies() {
    let (url, _guard) = support::fresh_db(Db::Sqlite).await.unwrap();
    let s = FixtureServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &url, &s, 1, "");
    let good = std::fs::read_to_string(&config).unwrap();
    let log = dir.path().join("worker.log");
    let w = crate::support_workers::vigia_worker_logged(&config, &log);
    let logged = || std::fs::read_to_string(&log).unwrap_or_default();
    let hup = || {
        let status = std::process::Command::new("kill")
            .args(["-HUP", &w.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    };
    async fn until(what: &str, mut done: impl FnMut() -> bool) {
        for _ in 0..300 {
            if done() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("timed out waiting for {what}");
    }
    until("the first poll", || s.hits("s0.xml") > 0).await;

    // A broken file: refused, reported with its line, and the worker keeps polling.
    std::fs::write(
        &config,
        format!("{good}\n[[source]]\nname = \"broken\"\nurl =\n"),
    )
    .unwrap();
    hup();
    until("the refusal in the log", || {
        logged().contains("reload refused")
    })
    .await;
    let log_text = logged();
    assert!(
        log_text.contains("vigia.toml:"),
        "file and line: {log_text}"
    );
    let before = s.hits("s0.xml");
    until("polling to go on", || s.hits("s0.xml") > before).await;

    // A good file with one more source: applied in place.
    s.set(
        "added.xml",
        Canned::ok(
            "application/rss+xml",
            rss([(
                "Cumbre Bank added".to_string(),
                "https://e.example/added".to_string(),
                "Cumbre Bank opened another branch.",
            )]),
        ),
    );
    std::fs::write(
        &config,
        good.clone() + &source_config("added", &s.url("added.xml"), "5s"),
    )
    .unwrap();
    hup();
    until("the added source to be polled", || s.hits("added.xml") > 0).await;
    assert!(logged().contains("config reloaded"), "{}", logged());
    let before = s.hits("s0.xml");
    until("the old source to go on", || s.hits("s0.xml") > before).await;
    terminate(&w);
    let out = wait_exit(w, Duration::from_secs(30));
    assert!(out.status.success(), "{}", logged());
}
