//! End-to-end: fixture feeds on a local server → `run --once` → stored mentions, told as one
//! story that runs on SQLite and on the real PostgreSQL.

use crate::support::{self, Canned, Db, FixtureServer};
use vigia::poll::PollResult;
use vigia::store::{MentionFilter, SourceState};
use vigia::worker;

const BRANDS: &str = r#"
[[brand]]
name = "Cumbre Bank"
aliases = ["Banco Cumbre"]
exclude = ["Cumbre Bank Arena"]

[[brand]]
name = "Nimbo Air"
aliases = ["Aerolíneas Nimbo"]

[[brand]]
name = "Lumo Mobile"
aliases = ["Lumo Móvil"]
"#;

/// Serve the demo's bundled fixtures plus a broken route from one test server.
async fn server() -> FixtureServer {
    let s = FixtureServer::start().await;
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/demo/fixtures");
    for (name, file, ct) in [
        ("news.xml", "news_en.xml", "application/rss+xml"),
        ("resenas.xml", "resenas_es.xml", "application/rss+xml"),
        ("alerts.xml", "alerts.xml", "application/atom+xml"),
        ("community.json", "community.json", "application/feed+json"),
    ] {
        s.set(
            name,
            Canned::ok(ct, std::fs::read(demo.join(file)).unwrap()),
        );
    }
    s.set(
        "broken.xml",
        Canned {
            status: 500,
            content_type: "text/plain",
            body: b"internal error".to_vec(),
            etag: None,
        },
    );
    s.set(
        "garbage.xml",
        Canned::ok(
            "application/rss+xml",
            b"<html><body>this is not a feed".to_vec(),
        ),
    );
    s
}

fn sources(s: &FixtureServer, names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("[[source]]\nname = \"{n}\"\nurl = \"{}\"\n\n", s.url(n)))
        .collect()
}

/// The store story: first pass stores the expected mentions, a failing source does not stop
/// the others, a second pass adds nothing, and the stored text is right.
async fn store_story(db: Db) {
    let Some((url, _guard)) = support::fresh_db(db).await else {
        return;
    };
    let s = server().await;
    let body = format!(
        "{BRANDS}{}",
        sources(
            &s,
            &[
                "news.xml",
                "resenas.xml",
                "alerts.xml",
                "community.json",
                "broken.xml",
                "garbage.xml",
            ]
        )
    );
    let config = support::config(&url, s.port, &body);
    let store = support::store(&config).await;

    let reports = worker::run_once(&config, store.clone()).await.unwrap();
    assert_eq!(reports.len(), 6);
    let by = |name: &str| {
        reports
            .iter()
            .find(|r| r.source == name)
            .unwrap()
            .outcome
            .clone()
    };
    match by("broken.xml") {
        PollResult::Failed { state, error } => {
            assert_eq!(state, SourceState::Failing);
            assert!(error.contains("500"), "{error}");
        }
        other => panic!("broken source should fail, got {other:?}"),
    }
    // P02: a document that does not parse is an error, and its bytes are kept.
    assert!(matches!(
        by("garbage.xml"),
        PollResult::Failed {
            state: SourceState::Failing,
            ..
        }
    ));
    let (raw, content_type) = store.failed_document("garbage.xml").await.unwrap().unwrap();
    assert_eq!(raw, b"<html><body>this is not a feed");
    assert_eq!(content_type.as_deref(), Some("application/rss+xml"));
    assert!(store.failed_document("broken.xml").await.unwrap().is_none());
    // news: 5 brand mentions (the Arena item is excluded, the bakery names no brand);
    // alerts: its third entry is the news story again behind a Google redirect → not new.
    let new = |name: &str| match by(name) {
        PollResult::Fetched(p) => p.new,
        other => panic!("{name}: {other:?}"),
    };
    assert_eq!(new("news.xml") + new("alerts.xml"), 7);
    assert_eq!(new("resenas.xml"), 6);
    assert_eq!(new("community.json"), 2);
    assert_eq!(store.count_mentions().await.unwrap(), 15);

    let all = store
        .list_mentions(&MentionFilter::default())
        .await
        .unwrap();
    let count = |brand: &str| all.iter().filter(|m| m.brand == brand).count();
    assert_eq!(
        (
            count("Cumbre Bank"),
            count("Nimbo Air"),
            count("Lumo Mobile")
        ),
        (6, 6, 3)
    );
    // ISO-8859-1 feed decoded from its XML declaration.
    assert!(all.iter().any(|m| m.title == "Banco Cumbre me cobró una comisión abusiva y nadie me da solución"));
    // Google redirect unwrapped, tracking parameters dropped, <b> stripped.
    assert!(
        all.iter()
            .any(|m| m.url.as_deref() == Some("https://metro-wire.example/cumbre-double-charges"))
    );
    assert!(
        all.iter()
            .all(|m| !m.title.contains("<b>") && !m.title.contains("&lt;"))
    );
    // Sentiment reached the store.
    let outage = all
        .iter()
        .find(|m| m.title.starts_with("Cumbre Bank customers locked out"))
        .unwrap();
    assert_eq!(outage.label, "negative", "{outage:?}");
    let award = all
        .iter()
        .find(|m| m.title.starts_with("Nimbo Air named"))
        .unwrap();
    assert_eq!(award.label, "positive", "{award:?}");
    let es = all
        .iter()
        .find(|m| m.title.starts_with("Aerolíneas Nimbo: vuelo cancelado"))
        .unwrap();
    assert_eq!(
        (es.lang.as_str(), es.label.as_str()),
        ("es", "negative"),
        "{es:?}"
    );
    assert!(
        es.terms.contains("estafa"),
        "explanation stored: {}",
        es.terms
    );

    // A09: polling again adds nothing.
    let again = worker::run_once(&config, store.clone()).await.unwrap();
    for r in &again {
        if let PollResult::Fetched(p) = &r.outcome {
            assert_eq!(p.new, 0, "{}", r.source);
        }
    }
    assert_eq!(store.count_mentions().await.unwrap(), 15);

    // Source health was recorded.
    let health = store.list_sources().await.unwrap();
    let broken = health.iter().find(|h| h.name == "broken.xml").unwrap();
    assert_eq!(
        (broken.state, broken.error_count),
        (SourceState::Failing, 2)
    );
    assert!(broken.next_check_at > vigia::store::now());
    let news = health.iter().find(|h| h.name == "news.xml").unwrap();
    assert_eq!(
        (news.state, news.error_count, news.items_last_seen),
        (SourceState::Ok, 0, 7)
    );
    assert!(news.last_success_at.is_some());
    store.close().await;
}

#[tokio::test]
async fn store_story_sqlite() {
    store_story(Db::Sqlite).await;
}

#[tokio::test]
async fn store_story_postgres() {
    store_story(Db::Postgres).await;
}

/// F11 at the pipeline level: the stored ETag is sent back, a 304 parses nothing and only
/// moves the check times.
async fn not_modified_story(db: Db) {
    let Some((url, _guard)) = support::fresh_db(db).await else {
        return;
    };
    let s = server().await;
    let news = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/demo/fixtures/news_en.xml"),
    )
    .unwrap();
    s.set(
        "etag.xml",
        Canned {
            etag: Some("\"v1\""),
            ..Canned::ok("application/rss+xml", news)
        },
    );
    let config = support::config(
        &url,
        s.port,
        &format!("{BRANDS}{}", sources(&s, &["etag.xml"])),
    );
    let store = support::store(&config).await;
    let pipeline = worker::pipeline(&config, store.clone()).await.unwrap();

    let src = store.list_sources().await.unwrap().remove(0);
    let first = pipeline.poll(&src).await.unwrap();
    assert!(
        matches!(first.outcome, PollResult::Fetched(ref p) if p.new == 5),
        "{first:?}"
    );
    let src = store.list_sources().await.unwrap().remove(0);
    assert_eq!(src.validators.etag.as_deref(), Some("\"v1\""));
    let checked = src.last_checked_at;

    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let second = pipeline.poll(&src).await.unwrap();
    assert_eq!(second.outcome, PollResult::NotModified);
    let after = store.list_sources().await.unwrap().remove(0);
    assert!(after.last_checked_at > checked, "checked_at moves on a 304");
    assert_eq!(
        after.validators.etag.as_deref(),
        Some("\"v1\""),
        "validators kept"
    );
    assert_eq!(after.polls, 2);
    assert_eq!(s.hits("etag.xml"), 2);
    assert_eq!(store.count_mentions().await.unwrap(), 5);
}

#[tokio::test]
async fn f11_not_modified_sqlite() {
    not_modified_story(Db::Sqlite).await;
}

#[tokio::test]
async fn f11_not_modified_postgres() {
    not_modified_story(Db::Postgres).await;
}

/// A09: the same feed polled 100 times leaves the mention count unchanged.
#[tokio::test]
async fn a09_same_feed_polled_100_times_adds_nothing() {
    let (url, _guard) = support::fresh_db(Db::Sqlite).await.unwrap();
    let s = server().await;
    let config = support::config(
        &url,
        s.port,
        &format!("{BRANDS}{}", sources(&s, &["news.xml"])),
    );
    let store = support::store(&config).await;
    let pipeline = worker::pipeline(&config, store.clone()).await.unwrap();
    let src = store.list_sources().await.unwrap().remove(0);
    let mut new = 0;
    for _ in 0..100 {
        if let PollResult::Fetched(p) = pipeline.poll(&src).await.unwrap().outcome {
            new += p.new;
        }
    }
    assert_eq!(new, 5);
    assert_eq!(s.hits("news.xml"), 100);
    assert_eq!(store.count_mentions().await.unwrap(), 5);
}

/// F12: a server that ignores validators and returns the same 200 adds no mentions.
#[tokio::test]
async fn f12_same_200_twice_adds_nothing() {
    let (url, _guard) = support::fresh_db(Db::Sqlite).await.unwrap();
    let s = server().await;
    let config = support::config(
        &url,
        s.port,
        &format!("{BRANDS}{}", sources(&s, &["community.json"])),
    );
    let store = support::store(&config).await;
    worker::run_once(&config, store.clone()).await.unwrap();
    let again = worker::run_once(&config, store.clone()).await.unwrap();
    assert!(matches!(&again[0].outcome, PollResult::Fetched(p) if p.new == 0 && p.matched == 2));
    assert_eq!(store.count_mentions().await.unwrap(), 2);
}

/// F15 at the pipeline level: consecutive failures count up, back off further each time,
/// show "failing", and one success resets the source.
#[tokio::test]
async fn f15_failures_back_off_and_one_success_resets() {
    let (url, _guard) = support::fresh_db(Db::Sqlite).await.unwrap();
    let s = server().await;
    let config = support::config(
        &url,
        s.port,
        &format!(
            "{BRANDS}[[source]]\nname = \"flaky\"\nurl = \"{}\"\ninterval = \"1m\"\n",
            s.url("flaky.xml")
        ),
    );
    let store = support::store(&config).await;
    let pipeline = worker::pipeline(&config, store.clone()).await.unwrap();
    s.set(
        "flaky.xml",
        Canned {
            status: 502,
            content_type: "text/plain",
            body: b"bad gateway".to_vec(),
            etag: None,
        },
    );
    let mut last_delay = 0;
    for n in 1..=5 {
        let src = store.list_sources().await.unwrap().remove(0);
        let before = vigia::store::now();
        let report = pipeline.poll(&src).await.unwrap();
        assert!(matches!(
            report.outcome,
            PollResult::Failed {
                state: SourceState::Failing,
                ..
            }
        ));
        let after = store.list_sources().await.unwrap().remove(0);
        assert_eq!(after.error_count, n);
        assert_eq!(after.state, SourceState::Failing);
        let delay = after.next_check_at - before;
        // 60 s × 2^(n−1) ± 20 %: each delay is well above the previous one's floor.
        let base = 60 * (1 << (n - 1));
        assert!(
            delay >= base * 8 / 10 - 1 && delay <= base * 12 / 10 + 1,
            "n={n} delay={delay}"
        );
        assert!(delay > last_delay * 8 / 12, "grows");
        last_delay = delay;
    }
    let news = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/demo/fixtures/news_en.xml"),
    )
    .unwrap();
    s.set("flaky.xml", Canned::ok("application/rss+xml", news));
    let src = store.list_sources().await.unwrap().remove(0);
    pipeline.poll(&src).await.unwrap();
    let healed = store.list_sources().await.unwrap().remove(0);
    assert_eq!((healed.state, healed.error_count), (SourceState::Ok, 0));
    assert!(
        healed.last_error.is_some(),
        "the last error stays visible for diagnosis"
    );
    assert!(
        healed.next_check_at - vigia::store::now() <= 66,
        "back to the normal interval"
    );
}
