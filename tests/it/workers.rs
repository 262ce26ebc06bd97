//! `vigia run` as real processes: SQLite refuses a second worker, SIGTERM stops a worker
//! cleanly, and three workers on PostgreSQL fetch each due source once per interval (S03).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::{self, Canned, Db, FixtureServer};

const FEED: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://e.example/</link><description>d</description>
<item><title>Cumbre Bank news</title><link>https://e.example/1</link><description>Cumbre Bank opened a branch.</description></item>
</channel></rss>"#;

fn write_config(
    dir: &std::path::Path,
    db_url: &str,
    s: &FixtureServer,
    sources: usize,
) -> std::path::PathBuf {
    let mut text = format!(
        "[database]\nurl = \"{db_url}\"\n[fetch]\nallowed_private = [\"127.0.0.1:{}\"]\nmin_host_spacing = \"0ms\"\n\
         per_host_concurrency = 16\nrespect_robots = false\n[[brand]]\nname = \"Cumbre Bank\"\n",
        s.port
    );
    for i in 0..sources {
        let name = format!("s{i}.xml");
        s.set(&name, Canned::ok("application/rss+xml", FEED));
        text.push_str(&format!(
            "[[source]]\nname = \"s{i}\"\nurl = \"{}\"\ninterval = \"5s\"\n",
            s.url(&name)
        ));
    }
    let path = dir.join("vigia.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn worker(config: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_vigia"))
        .args(["run", "--config", config.to_str().unwrap()])
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start vigia run")
}

fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait_exit(mut child: Child, within: Duration) -> std::process::Output {
    let deadline = std::time::Instant::now() + within;
    while child.try_wait().unwrap().is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "worker did not stop in {within:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn sqlite_refuses_a_second_worker_and_sigterm_stops_cleanly() {
    let (url, _guard) = support::fresh_db(Db::Sqlite).await.unwrap();
    let s = FixtureServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &url, &s, 2);
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
    let config = write_config(dir.path(), &url, &s, sources);
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

/// S01: a worker killed with SIGKILL at random moments, 20 times, while its feeds keep
/// growing: in the end every mention is stored exactly once, every alert was notified, and
/// emails are duplicated at most once per crash (A04/A05 under fire).
#[tokio::test]
async fn s01_sigkill_twenty_times_loses_and_duplicates_nothing() {
    use crate::support_smtp::SmtpServer;
    use rand::Rng;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let (url, _guard) = support::fresh_db(Db::Sqlite).await.unwrap();
    let smtp = SmtpServer::start().await;
    let s = FixtureServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let sources = 6;
    let published = Arc::new(AtomicUsize::new(0));
    let feed = |n: usize, src: usize| {
        let items: String = (0..n)
            .map(|i| {
                let (title, text) = if i % 3 == 0 {
                    ("Cumbre Bank charged me twice, a total scam", "Cumbre Bank stole my money. Worst bank ever, awful and useless.")
                } else {
                    ("Cumbre Bank opens a new branch", "Cumbre Bank opened a branch on Main Street.")
                };
                format!("<item><title>{title} #{src}-{i}</title><link>https://e.example/{src}/{i}</link><description>{text}</description></item>")
            })
            .collect();
        format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title><link>https://e.example/</link><description>d</description>{items}</channel></rss>"
        )
    };
    let mut text = format!(
        "[database]\nurl = \"{url}\"\n[fetch]\nallowed_private = [\"127.0.0.1:{}\"]\nmin_host_spacing = \"0ms\"\n\
         per_host_concurrency = 16\nrespect_robots = false\n[[brand]]\nname = \"Cumbre Bank\"\n\
         [smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"vigia <a@vigia.test>\"\ntimeout = \"5s\"\n\
         [[recipient]]\naddress = \"team@x.test\"\nbudget = {{ instant = 100000 }}\n\
         [[rule]]\nname = \"negative\"\nkind = \"instant\"\nthreshold = -0.5\ngroup_wait = \"0s\"\ngroup_interval = \"1s\"\nrecipients = [\"team@x.test\"]\n",
        s.port,
        smtp.port()
    );
    for i in 0..sources {
        s.set(
            &format!("f{i}.xml"),
            Canned::ok("application/rss+xml", feed(0, i)),
        );
        text.push_str(&format!(
            "[[source]]\nname = \"f{i}\"\nurl = \"{}\"\ninterval = \"5s\"\n",
            s.url(&format!("f{i}.xml"))
        ));
    }
    let config = dir.path().join("vigia.toml");
    std::fs::write(&config, &text).unwrap();

    let kills = 20;
    for round in 0..kills {
        // The feeds grow: three more items each (one negative) before every round.
        let n = published.fetch_add(3, Ordering::SeqCst) + 3;
        for i in 0..sources {
            s.set(
                &format!("f{i}.xml"),
                Canned::ok("application/rss+xml", feed(n, i)),
            );
        }
        let mut child = worker(&config);
        let alive = rand::rng().random_range(200..1500);
        tokio::time::sleep(Duration::from_millis(alive)).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let _ = round;
    }
    // Recovery: one more worker runs until everything due is done, then stops cleanly.
    let n = published.load(Ordering::SeqCst);
    let last = worker(&config);
    tokio::time::sleep(Duration::from_secs(7)).await;
    terminate(&last);
    let out = wait_exit(last, Duration::from_secs(30));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = vigia::store::Store::connect(&url).await.unwrap();
    // Mentions: exactly one per item, none lost, none duplicated.
    assert_eq!(store.count_mentions().await.unwrap() as usize, n * sources);
    // Alerts: every negative mention fired one alert, and every alert went out.
    assert!(
        store.pending_alerts().await.unwrap().is_empty(),
        "no alert left behind"
    );
    let sent = store.list_outbox(Some("sent"), 10_000).await.unwrap();
    assert!(
        store
            .list_outbox(Some("pending"), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let mail = smtp.messages();
    assert!(
        mail.len() >= sent.len(),
        "{} emails for {} sent rows",
        mail.len(),
        sent.len()
    );
    assert!(
        mail.len() <= sent.len() + kills,
        "at most one duplicate per crash: {} emails, {} rows",
        mail.len(),
        sent.len()
    );
    // One alert per negative mention (every third item), each in exactly one notification.
    let alerts: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM alerts WHERE notified_at IS NOT NULL")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(alerts as usize, n.div_ceil(3) * sources);
}
