//! Recipe sources end to end: `[[source]] recipe = …` entries polled from a local server
//! serving each recipe's fixture, `vigia check` on every recipe, pagination, ratings in the
//! store, and selector drift (P13) as a visible source state.

use crate::support::{self, Canned, Db, FixtureServer};
use vigia::poll::PollResult;
use vigia::store::{MentionFilter, SourceState};
use vigia::worker;

/// (recipe, fixture under tests/fixtures/recipes, content type, brand the page is about)
const CASES: &[(&str, &str, &str, &str)] = &[
    (
        "trustpilot",
        "trustpilot/cafe-brujula-es.html",
        "text/html",
        "Café Brújula",
    ),
    (
        "yelp",
        "yelp/lumbre-coffee-en.html",
        "text/html; charset=UTF-8",
        "Lumbre Coffee",
    ),
    (
        "yelp",
        "yelp/taberna-el-faro-es.html",
        "text/html; charset=UTF-8",
        "Taberna El Faro",
    ),
    (
        "schema-org",
        "schema-org/nimbo-kettle-en.html",
        "text/html",
        "Nimbo Kettle",
    ),
    (
        "schema-org",
        "schema-org/hostal-vela-azul-es.html",
        "text/html",
        "Hostal Vela Azul",
    ),
    (
        "app-store-reviews",
        "app-store-reviews/pocket-ledger-us.json",
        "text/javascript; charset=utf-8",
        "Pocket Ledger",
    ),
    (
        "app-store-reviews",
        "app-store-reviews/pocket-ledger-es.json",
        "text/javascript; charset=utf-8",
        "Pocket Ledger",
    ),
    (
        "rss",
        "rss/lumbre-blog-mixed.xml",
        "application/rss+xml",
        "Lumbre Coffee",
    ),
    (
        "google-news",
        "rss/lumbre-blog-mixed.xml",
        "application/rss+xml",
        "Lumbre Coffee",
    ),
    (
        "bing-news",
        "rss/lumbre-blog-mixed.xml",
        "application/rss+xml",
        "Lumbre Coffee",
    ),
    (
        "reddit-search",
        "rss/lumbre-blog-mixed.xml",
        "application/rss+xml",
        "Lumbre Coffee",
    ),
    (
        "hn-search",
        "rss/lumbre-blog-mixed.xml",
        "application/rss+xml",
        "Lumbre Coffee",
    ),
];

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(support::fixtures().join("recipes").join(path)).unwrap()
}

/// How many items the reviewed golden file says the fixture holds.
fn expected_items(path: &str) -> usize {
    let golden = support::fixtures()
        .join("recipes")
        .join(path)
        .with_extension("expected.json");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(golden).unwrap()).unwrap();
    v["items"].as_array().unwrap().len()
}

fn brands() -> String {
    let mut names: Vec<&str> = CASES.iter().map(|c| c.3).collect();
    names.sort_unstable();
    names.dedup();
    names
        .iter()
        .map(|n| format!("[[brand]]\nname = \"{n}\"\n\n"))
        .collect()
}

fn source(name: &str, recipe: &str, url: &str, brand: &str) -> String {
    format!(
        "[[source]]\nname = \"{name}\"\nrecipe = \"{recipe}\"\nurl = \"{url}\"\nbrand = \"{brand}\"\n\n"
    )
}

fn local_config(url: &str, s: &FixtureServer, sources: &str) -> vigia::config::Config {
    support::config(url, s.port, &format!("{}{sources}", brands()))
}

#[tokio::test]
async fn check_works_on_every_recipe_against_its_fixture() {
    let (url, _guard) = support::fresh_db(Db::Sqlite).await.unwrap();
    let s = FixtureServer::start().await;
    let mut sources = String::new();
    for (i, (recipe, file, ct, brand)) in CASES.iter().enumerate() {
        let name = format!("case-{i}");
        s.set(&name, Canned::ok(ct, fixture(file)));
        sources.push_str(&source(&name, recipe, &s.url(&name), brand));
    }
    let mut config = local_config(&url, &s, &sources);
    config.fetch.recipe_politeness = false;
    let store = support::store(&config).await;
    let pipeline = worker::build(&config, store.clone()).unwrap();
    for (i, (recipe, file, _, brand)) in CASES.iter().enumerate() {
        let out = vigia::check::check(&pipeline, &format!("case-{i}"))
            .await
            .unwrap_or_else(|e| panic!("{recipe} {file}: {e}"));
        let n = expected_items(file);
        assert!(
            out.contains(&format!("extracted {n} items")),
            "{recipe} {file}:\n{out}"
        );
        assert!(
            out.contains(&format!("→ {brand}:")),
            "{recipe} {file}:\n{out}"
        );
        // Every item is a mention of the page's brand; an item may name another brand too.
        let stored: usize = out
            .split("would store ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|k| k.parse().ok())
            .unwrap_or_else(|| panic!("{recipe} {file}: no summary line:\n{out}"));
        assert!(stored >= n, "{recipe} {file}:\n{out}");
    }
    assert_eq!(
        store.count_mentions().await.unwrap(),
        0,
        "check stores nothing"
    );
}

/// Reviews become mentions of the source's brand with their ratings; an html recipe follows
/// its next-page link; P15: the second page's malformed JSON-LD only warns.
async fn review_story(db: Db) {
    let Some((url, _guard)) = support::fresh_db(db).await else {
        return;
    };
    let s = FixtureServer::start().await;
    s.set(
        "review/lumbre-coffee.example",
        Canned::ok("text/html", fixture("trustpilot/lumbre-coffee-en.html")),
    );
    s.set(
        "review/lumbre-coffee.example?languages=all&sort=recency&page=2",
        Canned::ok("text/html", fixture("trustpilot/malformed-jsonld-en.html")),
    );
    let mut config = local_config(
        &url,
        &s,
        &source(
            "tp",
            "trustpilot",
            &s.url("review/lumbre-coffee.example"),
            "Lumbre Coffee",
        ),
    );
    config.fetch.recipe_politeness = false;
    let store = support::store(&config).await;
    let reports = worker::run_once(&config, store.clone()).await.unwrap();
    let PollResult::Fetched(p) = &reports[0].outcome else {
        panic!("{reports:?}");
    };
    let expected = expected_items("trustpilot/lumbre-coffee-en.html")
        + expected_items("trustpilot/malformed-jsonld-en.html");
    assert_eq!((p.items, p.new), (expected, expected), "{p:?}");
    assert!(
        p.warnings.iter().any(|w| w.contains("malformed")),
        "{:?}",
        p.warnings
    );
    assert_eq!(
        s.hits("review/lumbre-coffee.example"),
        2,
        "page 1 and page 2"
    );
    let mentions = store
        .list_mentions(&MentionFilter::default())
        .await
        .unwrap();
    assert_eq!(mentions.len(), expected);
    assert!(
        mentions
            .iter()
            .all(|m| m.brand == "Lumbre Coffee" && m.rating.is_some())
    );
    // A one-star review is negative whatever its words (rating rule).
    if let Some(low) = mentions.iter().find(|m| m.rating.unwrap() <= 0.01) {
        assert_eq!(low.label, "negative", "{low:?}");
    }
}

#[tokio::test]
async fn review_story_sqlite() {
    review_story(Db::Sqlite).await;
}

#[tokio::test]
async fn review_story_postgres() {
    review_story(Db::Postgres).await;
}

/// P13: when a recipe's selectors stop matching, the source is "drifted", nothing is
/// deleted, and the next good page heals it.
#[tokio::test]
async fn p13_selector_drift_marks_the_source_and_deletes_nothing() {
    let (url, _guard) = support::fresh_db(Db::Sqlite).await.unwrap();
    let s = FixtureServer::start().await;
    s.set(
        "biz",
        Canned::ok("text/html", fixture("yelp/taberna-el-faro-es.html")),
    );
    let mut config = local_config(
        &url,
        &s,
        &source("yelp", "yelp", &s.url("biz"), "Taberna El Faro"),
    );
    config.fetch.recipe_politeness = false;
    let store = support::store(&config).await;
    let pipeline = worker::pipeline(&config, store.clone()).await.unwrap();
    let src = store.list_sources().await.unwrap().remove(0);
    pipeline.poll(&src).await.unwrap();
    let stored = store.count_mentions().await.unwrap();
    assert_eq!(
        stored as usize,
        expected_items("yelp/taberna-el-faro-es.html")
    );

    let redesigned = "<html><head><title>Taberna El Faro - Yelp</title></head><body><main><div class=\"new-layout\"><p>Reseñas</p></div></main></body></html>";
    s.set("biz", Canned::ok("text/html", redesigned));
    let src = store.list_sources().await.unwrap().remove(0);
    let report = pipeline.poll(&src).await.unwrap();
    match report.outcome {
        PollResult::Failed { state, error } => {
            assert_eq!(state, SourceState::Drifted);
            assert!(error.to_lowercase().contains("drift"), "{error}");
        }
        other => panic!("expected drift, got {other:?}"),
    }
    let src = store.list_sources().await.unwrap().remove(0);
    assert_eq!(src.state, SourceState::Drifted);
    assert_eq!(
        store.count_mentions().await.unwrap(),
        stored,
        "nothing deleted"
    );
    assert!(
        store.failed_document("yelp").await.unwrap().is_some(),
        "the page is kept"
    );

    s.set(
        "biz",
        Canned::ok("text/html", fixture("yelp/taberna-el-faro-es.html")),
    );
    pipeline.poll(&src).await.unwrap();
    let healed = store.list_sources().await.unwrap().remove(0);
    assert_eq!(healed.state, SourceState::Ok);
}

/// F19 through the pipeline: a bot wall is "blocked", not parsed.
#[tokio::test]
async fn f19_bot_wall_marks_the_source_blocked() {
    let (url, _guard) = support::fresh_db(Db::Sqlite).await.unwrap();
    let s = FixtureServer::start().await;
    s.set(
        "biz",
        Canned {
            status: 403,
            content_type: "text/html",
            body: b"<html><title>Attention Required! | Cloudflare</title><body>Please complete the security check (captcha)</body></html>".to_vec(),
            etag: None,
        },
    );
    let mut config = local_config(
        &url,
        &s,
        &source("yelp", "yelp", &s.url("biz"), "Taberna El Faro"),
    );
    config.fetch.recipe_politeness = false;
    let store = support::store(&config).await;
    let reports = worker::run_once(&config, store.clone()).await.unwrap();
    assert!(
        matches!(
            reports[0].outcome,
            PollResult::Failed {
                state: SourceState::Blocked,
                ..
            }
        ),
        "{reports:?}"
    );
    assert_eq!(
        store.list_sources().await.unwrap()[0].state,
        SourceState::Blocked
    );
    assert_eq!(store.count_mentions().await.unwrap(), 0);
}
