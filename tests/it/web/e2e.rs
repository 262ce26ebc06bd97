//! The end-to-end story in a real headless Chromium, driven over WebDriver (chromedriver on
//! a free local port, fantoccini): log in, filter the inbox to negatives, open the most
//! urgent mention, mark it responded, see the overview's KPIs change, then tick the rest
//! with the keyboard and the header box and acknowledge them in one go. Screenshots go
//! to `target/e2e/`. Under `CI=true` a missing Chromium or chromedriver is a failure.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use vigia::store::accounts::Role;
use vigia::store::now;

use crate::support::Db;
use crate::support_seed::{Seed, seed};
use crate::support_web::{PASSWORD, start};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The browser binaries, or `None` (after saying so) outside CI when they are missing.
fn browser() -> Option<(&'static str, &'static str)> {
    let present = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if present {
        return Some((CHROMIUM, CHROMEDRIVER));
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but {CHROMIUM} or {CHROMEDRIVER} is missing: install chromium and chromium-driver"
    );
    println!(
        "SKIPPED: {CHROMIUM} / {CHROMEDRIVER} not installed (apt-get install chromium chromium-driver)"
    );
    None
}

async fn start_driver(path: &str) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {path}: {e}"));
    let driver = Driver { child, port };
    let status = format!("http://127.0.0.1:{port}/status");
    for _ in 0..100 {
        if reqwest::get(&status)
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not answer on port {port}");
}

async fn connect(driver: &Driver, chromium: &str, profile: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--no-first-run", "--window-size=1366,1000", "--lang=en-US",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("chromedriver refused the session")
}

fn shots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/e2e");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    std::fs::write(shots().join(name), png).unwrap();
}

async fn kpi(c: &Client, name: &str) -> String {
    let css = format!("#brand-1 [data-kpi=\"{name}\"]");
    c.find(Locator::Css(&css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn e2e_log_in_filter_open_respond_and_see_the_kpi_change_in_chromium() {
    let Some((chromium, chromedriver)) = browser() else {
        return;
    };
    let app = start(Db::Sqlite, "").await.unwrap();
    let t = now();
    let h = 3600;
    // Fetched 2 h 1 min ago: answered "now" (the form's minute), that is 2 h and a bit.
    let mut urgent = Seed::new("Acme", t - 2 * h - 61, "negative");
    urgent.title = "Acme charged me twice and support never answered".into();
    urgent.compound = -0.93;
    let ids = seed(
        &app.store,
        &[
            urgent,
            Seed {
                title: "Acme app keeps crashing on login".into(),
                ..Seed::new("Acme", t - 5 * h, "negative")
            },
            Seed {
                title: "Slow Acme delivery again".into(),
                ..Seed::new("Acme", t - 9 * h, "negative")
            },
            Seed {
                title: "Loving the new Acme card".into(),
                ..Seed::new("Acme", t - 3 * h, "positive")
            },
            Seed {
                title: "Globex outage downtown".into(),
                ..Seed::new("Globex", t - h, "negative")
            },
        ],
    )
    .await;
    // The words behind the score, as the pipeline stores them, and a star rating.
    sqlx::query("UPDATE mentions SET terms = $1, rating = 0.2 WHERE id = $2")
        .bind(r#"[["charged twice", -2.1], ["never answered", -1.4], ["support", 0.3]]"#)
        .bind(ids[0])
        .execute(app.store.writer())
        .await
        .unwrap();
    app.user("ana@acme.test", Role::Member).await;

    let driver = start_driver(chromedriver).await;
    let profile = tempfile::tempdir().unwrap();
    let c = connect(&driver, chromium, profile.path()).await;
    let result = story(&c, &app.base).await;
    if let Err(e) = &result {
        // Leave evidence: where the browser was and what it showed.
        let url = c
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        let source = c.source().await.unwrap_or_default();
        shot(&c, "failure.png").await;
        let _ = c.close().await;
        panic!("{e} at {url} (target/e2e/failure.png)\n{source}");
    }
    let _ = c.close().await;
}

async fn story(c: &Client, base: &str) -> Result<(), fantoccini::error::CmdError> {
    // Log in.
    c.goto(&format!("{base}/inbox")).await?;
    assert!(
        c.current_url().await?.path().starts_with("/login"),
        "the inbox asks for a login"
    );
    c.find(Locator::Css("input[name=email]"))
        .await?
        .send_keys("ana@acme.test")
        .await?;
    c.find(Locator::Css("input[name=password]"))
        .await?
        .send_keys(PASSWORD)
        .await?;
    shot(c, "login.png").await;
    c.find(Locator::Css("form button[type=submit]"))
        .await?
        .click()
        .await?;
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("table.inbox"))
        .await?;
    assert_eq!(
        c.current_url().await?.path(),
        "/inbox",
        "back where we were going"
    );

    // The overview before: three open Acme negatives, no response yet.
    c.goto(&format!("{base}/overview")).await?;
    assert_eq!(kpi(c, "open-negatives").await, "3");
    assert_eq!(kpi(c, "median-response").await, "—");

    // Filter the inbox to negatives with the form, as a person would.
    c.goto(&format!("{base}/inbox")).await?;
    c.find(Locator::Css("select[name=label]"))
        .await?
        .select_by_value("negative")
        .await?;
    c.find(Locator::Css("form.filters button[type=submit]"))
        .await?
        .click()
        .await?;
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("table.inbox"))
        .await?;
    assert!(
        c.current_url()
            .await?
            .query()
            .unwrap_or("")
            .contains("label=negative")
    );
    let rows = c.find_all(Locator::Css("table.inbox tbody tr")).await?;
    assert_eq!(rows.len(), 4, "three Acme negatives and one Globex");
    for row in &rows {
        assert!(
            row.attr("class")
                .await?
                .unwrap_or_default()
                .contains("label-negative")
        );
    }
    // Keyboard: j moves focus to the first mention (our script runs under the CSP).
    c.find(Locator::Css("body")).await?.send_keys("j").await?;
    let focused = c
        .execute("return document.activeElement.className", vec![])
        .await?;
    assert_eq!(focused, json!("row-link"), "j focuses the first row");
    shot(c, "inbox-negatives.png").await;

    // Open the most urgent mention: the most negative, unanswered one.
    let first = c
        .find(Locator::Css("table.inbox tbody tr a.row-link"))
        .await?;
    assert_eq!(
        first.text().await?,
        "Acme charged me twice and support never answered"
    );
    first.click().await?;
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("form#respond"))
        .await?;
    assert!(
        c.find(Locator::Css("blockquote mark"))
            .await?
            .text()
            .await?
            .contains("Acme")
    );
    let terms = c.find_all(Locator::Css("ul.terms li")).await?;
    assert_eq!(terms.len(), 3, "the words behind the score");
    shot(c, "mention.png").await;

    // Mark it responded, with the link to our reply.
    c.find(Locator::Css("form#respond input[name=response_url]"))
        .await?
        .send_keys("https://social.example/acme/reply/1")
        .await?;
    c.find(Locator::Css("form#respond button[type=submit]"))
        .await?
        .click()
        .await?;
    let flash = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(".flash"))
        .await?;
    assert_eq!(flash.text().await?, "Saved.");
    let status = c.find(Locator::Css(".triage .badge")).await?.text().await?;
    assert_eq!(status, "Responded");
    shot(c, "mention-responded.png").await;

    // The overview now counts the response: two open, median 2 h (fetched 2 h ago).
    c.goto(&format!("{base}/overview")).await?;
    assert_eq!(kpi(c, "open-negatives").await, "2");
    assert!(kpi(c, "median-response").await.starts_with("2 h"));
    assert!(
        kpi(c, "within-sla").await.starts_with("33"),
        "1 of 3 within the 4 h target"
    );
    shot(c, "overview.png").await;

    // Bulk: x ticks the focused mention, the header box ticks them all, one click acts.
    c.goto(&format!("{base}/inbox?label=negative")).await?;
    c.find(Locator::Css("body")).await?.send_keys("j").await?;
    c.active_element().await?.send_keys("x").await?;
    let ticked = c
        .execute(
            "return document.querySelectorAll('input[name=m]:checked').length",
            vec![],
        )
        .await?;
    assert_eq!(ticked, json!(1), "x ticks the focused row");
    c.find(Locator::Css("#pick-all")).await?.click().await?;
    let ticked = c
        .execute(
            "return document.querySelectorAll('input[name=m]:checked').length",
            vec![],
        )
        .await?;
    assert_eq!(ticked, json!(3), "the two open Acme negatives and Globex's");
    shot(c, "inbox-bulk-ticked.png").await;
    c.find(Locator::Css("button[name=action][value=acknowledge]"))
        .await?
        .click()
        .await?;
    let flash = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(".flash"))
        .await?;
    assert_eq!(flash.text().await?, "3 changed.");
    let acknowledged = c
        .find_all(Locator::Css("table.inbox tbody .badge.status-acknowledged"))
        .await?;
    assert_eq!(acknowledged.len(), 3);
    assert!(
        c.current_url()
            .await?
            .query()
            .unwrap_or("")
            .contains("label=negative"),
        "the filter survives the bulk action"
    );

    // Switch to Spanish and Mexico City time in the settings: the inbox follows.
    c.goto(&format!("{base}/settings")).await?;
    c.find(Locator::Css("select[name=lang]"))
        .await?
        .select_by_value("es")
        .await?;
    c.find(Locator::Css("select[name=timezone]"))
        .await?
        .select_by_value("America/Mexico_City")
        .await?;
    c.find(Locator::Css(
        "form[action=\"/settings\"] button[type=submit]",
    ))
    .await?
    .click()
    .await?;
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(".flash"))
        .await?;
    c.goto(&format!("{base}/inbox?status=all")).await?;
    let title = c.find(Locator::Css("h1")).await?.text().await?;
    assert_eq!(title, "Bandeja de entrada");
    shot(c, "inbox-es.png").await;
    Ok(())
}
