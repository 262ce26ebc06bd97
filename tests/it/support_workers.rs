//! Real `vigia run` processes for the scale-out and crash tests (S01–S03): starting,
//! stopping and killing them, and the growing-feeds story the crash tests share: feeds that
//! keep gaining items (every third one strongly negative, so it fires an instant alert),
//! one SMTP server, and the end-of-run checks that every item is stored exactly once and
//! every alert is notified once, with duplicate emails only from crashes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use vigia::store::Store;

use crate::support::{Canned, FixtureServer};
use crate::support_smtp::SmtpServer;

/// `vigia run --config CONFIG ARGS…` with stderr piped (read it with [`wait_exit`]).
pub fn vigia_run(config: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_vigia"))
        .args(["run", "--config", config.to_str().unwrap()])
        .args(args)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start vigia run")
}

/// `vigia run --role worker` with stderr appended to `log` (a long-running worker would
/// block on a full pipe nobody reads).
pub fn vigia_worker_logged(config: &Path, log: &Path) -> Child {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    Command::new(env!("CARGO_BIN_EXE_vigia"))
        .args([
            "run",
            "--role",
            "worker",
            "--config",
            config.to_str().unwrap(),
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(file)
        .spawn()
        .expect("start vigia run")
}

/// SIGTERM: finish what is in flight, then exit.
pub fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Wait for `child` to exit (panics after `within`), then collect its output.
pub fn wait_exit(mut child: Child, within: Duration) -> std::process::Output {
    let deadline = Instant::now() + within;
    while child.try_wait().unwrap().is_none() {
        assert!(
            Instant::now() < deadline,
            "worker did not stop in {within:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// The config lines every worker test shares: the database (plus `database_extra` lines),
/// the fixture server let through the private-network guard with no politeness delays, and
/// one brand.
pub fn base_config(db_url: &str, database_extra: &str, s: &FixtureServer) -> String {
    format!(
        "[database]\nurl = \"{db_url}\"\n{database_extra}[web]\nlisten = \"127.0.0.1:0\"\n[fetch]\nallowed_private = [\"127.0.0.1:{}\"]\nmin_host_spacing = \"0ms\"\n\
         per_host_concurrency = 16\nrespect_robots = false\n[[brand]]\nname = \"Cumbre Bank\"\n",
        s.port
    )
}

/// The config lines for alert emails: one instant rule with no grouping delay to `team@x.test`
/// through `smtp`, with a budget that never holds anything back.
pub fn alert_config(smtp: &SmtpServer) -> String {
    format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"vigia <a@vigia.test>\"\ntimeout = \"5s\"\n\
         [[recipient]]\naddress = \"team@x.test\"\nbudget = {{ instant = 100000 }}\n\
         [[rule]]\nname = \"negative\"\nkind = \"instant\"\nthreshold = -0.5\ngroup_wait = \"0s\"\n\
         group_interval = \"1s\"\nrecipients = [\"team@x.test\"]\n",
        smtp.port()
    )
}

/// The `[[source]]` entry of source `name` served at `url`, polled every `interval`.
pub fn source_config(name: &str, url: &str, interval: &str) -> String {
    format!("[[source]]\nname = \"{name}\"\nurl = \"{url}\"\ninterval = \"{interval}\"\n")
}

/// An RSS document holding `items`, each `(title, link, text)`.
pub fn rss<'a>(items: impl IntoIterator<Item = (String, String, &'a str)>) -> String {
    let items: String = items
        .into_iter()
        .map(|(title, link, text)| {
            format!("<item><title>{title}</title><link>{link}</link><description>{text}</description></item>")
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title><link>https://e.example/</link><description>d</description>{items}</channel></rss>"
    )
}

/// The growing-feeds story of S01 and S02.
pub struct Story {
    /// The feeds.
    pub server: FixtureServer,
    /// Where alert emails go.
    pub smtp: SmtpServer,
    /// The database every worker shares.
    pub db_url: String,
    /// The config file.
    pub config: PathBuf,
    dir: tempfile::TempDir,
    sources: usize,
    /// Items in every feed so far.
    items: usize,
    /// Workers started so far (names their log files).
    started: usize,
}

/// Where a story stands, for waiting and for failure messages.
#[derive(Debug, PartialEq, Eq)]
pub struct Progress {
    /// Mentions stored.
    pub mentions: usize,
    /// Alerts fired.
    pub alerts: usize,
    /// Alerts not yet in a notification.
    pub unnotified: usize,
    /// Outbox rows not yet delivered.
    pub pending: usize,
    /// Outbox rows delivered.
    pub sent: usize,
    /// Emails the SMTP server accepted.
    pub emails: usize,
}

impl Story {
    /// `sources` empty feeds polled every 5 s, the instant rule, and a config on `db_url`.
    pub async fn new(db_url: &str, sources: usize) -> Story {
        Story::with_database(db_url, "", sources).await
    }

    /// [`Story::new`] with more `[database]` lines.
    pub async fn with_database(db_url: &str, database_extra: &str, sources: usize) -> Story {
        let server = FixtureServer::start().await;
        let smtp = SmtpServer::start().await;
        let dir = tempfile::tempdir().unwrap();
        let mut text = base_config(db_url, database_extra, &server) + &alert_config(&smtp);
        for i in 0..sources {
            text += &source_config(&format!("f{i}"), &server.url(&feed_name(i)), "5s");
        }
        let config = dir.path().join("vigia.toml");
        std::fs::write(&config, text).unwrap();
        let mut story = Story {
            server,
            smtp,
            db_url: db_url.to_string(),
            config,
            dir,
            sources,
            items: 0,
            started: 0,
        };
        story.grow(0);
        story
    }

    /// The feed path of source `i`.
    pub fn feed(&self, i: usize) -> String {
        feed_name(i)
    }

    /// How many sources the story has.
    pub fn sources(&self) -> usize {
        self.sources
    }

    /// Every feed gains `by` items (every third item of a feed is strongly negative).
    pub fn grow(&mut self, by: usize) {
        self.items += by;
        for src in 0..self.sources {
            let items = (0..self.items).map(|i| {
                let (title, text) = if i % 3 == 0 {
                    (
                        "Cumbre Bank charged me twice, a total scam",
                        "Cumbre Bank stole my money. Worst bank ever, awful and useless.",
                    )
                } else {
                    (
                        "Cumbre Bank opens a new branch",
                        "Cumbre Bank opened a branch on Main Street.",
                    )
                };
                (format!("{title} #{src}-{i}"), item_url(src, i), text)
            });
            self.server.set(
                &feed_name(src),
                Canned::ok("application/rss+xml", rss(items)),
            );
        }
    }

    /// Start a `vigia run --role worker`, logging to the story's directory.
    pub fn start_worker(&mut self) -> Child {
        self.started += 1;
        let log = self.dir.path().join(format!("worker-{}.log", self.started));
        vigia_worker_logged(&self.config, &log)
    }

    /// Every worker's log so far, for failure messages.
    pub fn logs(&self) -> String {
        let mut out = String::new();
        for n in 1..=self.started {
            let log = self.dir.path().join(format!("worker-{n}.log"));
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if !text.trim().is_empty() {
                out += &format!("--- worker {n} ---\n{text}");
            }
        }
        out
    }

    /// Items published so far, over all feeds.
    pub fn expected_mentions(&self) -> usize {
        self.items * self.sources
    }

    /// Negative items published so far (one instant alert each).
    pub fn expected_alerts(&self) -> usize {
        self.items.div_ceil(3) * self.sources
    }

    /// Where the story stands now.
    pub async fn progress(&self, store: &Store) -> Progress {
        let count = |sql: &'static str| async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(store.pool())
                .await
                .unwrap() as usize
        };
        Progress {
            mentions: store.count_mentions().await.unwrap() as usize,
            alerts: count("SELECT COUNT(*) FROM alerts").await,
            unnotified: count("SELECT COUNT(*) FROM alerts WHERE notified_at IS NULL").await,
            pending: count("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").await,
            sent: count("SELECT COUNT(*) FROM outbox WHERE status = 'sent'").await,
            emails: self.smtp.messages().len(),
        }
    }

    /// Wait until everything published is stored, every alert notified and every message
    /// delivered; panics with the progress and the workers' logs after `within`.
    pub async fn settle(&self, store: &Store, within: Duration) -> Progress {
        let deadline = Instant::now() + within;
        loop {
            let p = self.progress(store).await;
            let done = p.mentions == self.expected_mentions()
                && p.alerts == self.expected_alerts()
                && p.unnotified == 0
                && p.pending == 0
                && p.emails >= p.sent;
            if done {
                return p;
            }
            assert!(
                Instant::now() < deadline,
                "not settled after {within:?}: {p:?}, expected {} mentions and {} alerts\n{}",
                self.expected_mentions(),
                self.expected_alerts(),
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// The end-of-run checks, after every worker stopped: every published item stored
    /// exactly once; one alert per negative item, each in exactly one notification; every
    /// notification delivered, and duplicate emails (same Message-ID) at most one per
    /// `crashes`.
    pub async fn check(&self, store: &Store, crashes: usize) {
        // Mentions: exactly the published items, each once.
        let rows = store
            .list_mentions(&vigia::store::MentionFilter::default())
            .await
            .unwrap();
        let stored: Vec<String> = rows.iter().filter_map(|m| m.url.clone()).collect();
        let unique: BTreeSet<&String> = stored.iter().collect();
        let expected: BTreeSet<String> = (0..self.sources)
            .flat_map(|src| (0..self.items).map(move |i| item_url(src, i)))
            .collect();
        assert_eq!(stored.len(), unique.len(), "an item stored twice");
        assert_eq!(
            unique.len(),
            expected.len(),
            "{} items stored, {} published",
            unique.len(),
            expected.len()
        );
        assert!(unique.iter().all(|u| expected.contains(*u)));

        // Alerts: one per negative item, each notified.
        let alert_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM alerts")
            .fetch_all(store.pool())
            .await
            .unwrap();
        assert_eq!(
            alert_ids.len(),
            self.expected_alerts(),
            "one alert per negative item"
        );
        assert!(
            store.pending_alerts().await.unwrap().is_empty(),
            "no alert left behind"
        );

        // Each alert in exactly one notification. An email's dedup key is
        // `email|rule|brand|<sorted alert ids>|address` (see alerts::live).
        let outbox = store.list_outbox(None, 100_000).await.unwrap();
        assert!(
            outbox.iter().all(|r| r.status == "sent"),
            "every message delivered: {:?}",
            outbox
                .iter()
                .filter(|r| r.status != "sent")
                .collect::<Vec<_>>()
        );
        let mut notified: BTreeMap<i64, usize> = BTreeMap::new();
        for row in &outbox {
            let ids = row.message.dedup_key.split('|').nth(3).unwrap_or_default();
            for id in ids.split(',').filter(|s| !s.is_empty()) {
                *notified.entry(id.parse().unwrap()).or_default() += 1;
            }
        }
        let twice: Vec<_> = notified.iter().filter(|(_, n)| **n > 1).collect();
        assert!(twice.is_empty(), "alerts in two notifications: {twice:?}");
        assert_eq!(
            notified.keys().copied().collect::<BTreeSet<_>>(),
            alert_ids.iter().copied().collect::<BTreeSet<_>>(),
            "every alert in a notification"
        );

        // Emails: every delivered row arrived; copies share the row's Message-ID and are
        // bounded by the crashes.
        let mail = self.smtp.messages();
        let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
        for m in &mail {
            let id = m.parsed().message_id().map(|m| format!("<{m}>"));
            *by_id.entry(id.expect("a Message-ID")).or_default() += 1;
        }
        let sent_ids: BTreeSet<String> = outbox
            .iter()
            .map(|r| r.message.message_id.clone())
            .collect();
        assert_eq!(
            by_id.keys().cloned().collect::<BTreeSet<_>>(),
            sent_ids,
            "the emails received are exactly the delivered rows"
        );
        let copies = mail.len() - by_id.len();
        eprintln!(
            "{} mentions, {} alerts in {} notifications, {} emails ({copies} duplicates) for {crashes} crashes",
            stored.len(),
            alert_ids.len(),
            outbox.len(),
            mail.len()
        );
        assert!(
            copies <= crashes,
            "{copies} duplicate emails for {crashes} crashes ({} emails, {} rows)",
            mail.len(),
            outbox.len()
        );
    }
}

fn feed_name(i: usize) -> String {
    format!("f{i}.xml")
}

fn item_url(src: usize, i: usize) -> String {
    format!("https://e.example/{src}/{i}")
}

/// S01's crash loop: `slots` workers run on the story's database; `rounds` times the feeds
/// grow, a random worker is SIGKILLed after a random 0.2–1.5 s and started again. Feeds
/// answer after 0.8 s, so kills often catch polls in flight (their leases held by a dead
/// worker). Then the story settles and every worker stops cleanly; the checks allow one
/// duplicate email per kill.
pub async fn sigkill_rounds(story: &mut Story, slots: usize, rounds: usize) {
    use rand::Rng;
    for i in 0..story.sources {
        story
            .server
            .set_delay(&feed_name(i), Duration::from_millis(800));
    }
    let store = Store::connect(&story.db_url).await.unwrap();
    let mut workers: Vec<Child> = (0..slots).map(|_| story.start_worker()).collect();
    for _ in 0..rounds {
        story.grow(3);
        let (alive, victim) = {
            let mut rng = rand::rng();
            (rng.random_range(200..1500), rng.random_range(0..slots))
        };
        tokio::time::sleep(Duration::from_millis(alive)).await;
        workers[victim].kill().unwrap(); // SIGKILL
        workers[victim].wait().unwrap();
        workers[victim] = story.start_worker();
    }
    // A killed worker's leases come back when its heartbeat is old (15 s) on PostgreSQL,
    // at once on SQLite (the next worker holds the only lock).
    story.settle(&store, Duration::from_secs(60)).await;
    for w in &workers {
        terminate(w);
    }
    for w in workers {
        let out = wait_exit(w, Duration::from_secs(30));
        assert!(out.status.success(), "{:?}\n{}", out.status, story.logs());
    }
    story.check(&store, rounds).await;
}
