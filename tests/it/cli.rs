//! The `vigia` binary as a user runs it: init, run --once, mentions (the JSONL contract),
//! sources, score, demo.

use std::process::{Command, Output};

use crate::support::{Canned, FixtureServer};

fn vigia(args: &[&str], dir: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigia"))
        .args(args)
        .current_dir(dir)
        .env_remove("VIGIA_CONFIG")
        .env("RUST_LOG", "error")
        .output()
        .expect("run vigia")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn init_writes_a_config_that_loads_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    ok(&vigia(&["init"], dir.path()));
    let text = std::fs::read_to_string(dir.path().join("vigia.toml")).unwrap();
    assert!(text.contains("[[brand]]") && text.contains("# "));
    vigia::config::Config::load(&dir.path().join("vigia.toml")).unwrap();
    let again = vigia(&["init"], dir.path());
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
}

#[test]
fn c01_bad_config_exits_nonzero_naming_file_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("vigia.toml"),
        "[fetch]\nconcurrency = \"lots\"\n",
    )
    .unwrap();
    let out = vigia(&["sources"], dir.path());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("vigia.toml:2:") && err.contains("fetch.concurrency"),
        "{err}"
    );
}

#[tokio::test]
async fn run_once_then_mentions_jsonl_contract() {
    let s = FixtureServer::start().await;
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/demo/fixtures");
    s.set(
        "news.xml",
        Canned::ok(
            "application/rss+xml",
            std::fs::read(demo.join("news_en.xml")).unwrap(),
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v.db");
    std::fs::write(
        dir.path().join("vigia.toml"),
        format!(
            "[database]\nurl = \"sqlite://{}\"\n[fetch]\nallowed_private = [\"127.0.0.1:{}\"]\nmin_host_spacing = \"0ms\"\nrespect_robots = false\n[[brand]]\nname = \"Cumbre Bank\"\nexclude = [\"Cumbre Bank Arena\"]\n[[source]]\nname = \"ledger\"\nurl = \"{}\"\n",
            db.display(),
            s.port,
            s.url("news.xml")
        ),
    )
    .unwrap();
    let path = dir.path().to_path_buf();
    let run = tokio::task::spawn_blocking(move || vigia(&["run", "--once"], &path))
        .await
        .unwrap();
    let summary = ok(&run);
    assert!(
        summary.contains("ledger") && summary.contains("2 new"),
        "{summary}"
    );

    let path = dir.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || vigia(&["mentions", "--format", "jsonl"], &path))
        .await
        .unwrap();
    let text = ok(&out);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    for l in &lines {
        for key in [
            "id",
            "brand",
            "source",
            "url",
            "title",
            "snippet",
            "published_at",
            "fetched_at",
            "lang",
            "compound",
            "label",
            "status",
        ] {
            assert!(l.get(key).is_some(), "missing {key} in {l}");
        }
        assert_eq!(l["brand"], "Cumbre Bank");
        assert_eq!(l["source"], "ledger");
        assert_eq!(l["status"], "new");
        assert!(l["published_at"].as_str().unwrap().starts_with("2026-11-"));
    }

    let path = dir.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        vigia(
            &["mentions", "--label", "negative", "--format", "csv"],
            &path,
        )
    })
    .await
    .unwrap();
    let csv = ok(&out);
    assert!(csv.starts_with("id,brand,source,url,title"), "{csv}");
    assert_eq!(csv.lines().count(), 2, "header + the one negative: {csv}");

    let path = dir.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || vigia(&["sources"], &path))
        .await
        .unwrap();
    let table = ok(&out);
    assert!(table.contains("ledger") && table.contains("ok"), "{table}");
}

#[test]
fn score_explains_text_and_scores_stdin_as_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(&vigia(
        &["score", "The service was terrible, a total scam"],
        dir.path(),
    ));
    assert!(out.to_lowercase().contains("negative"), "{out}");
    assert!(out.contains("scam"), "{out}");

    let mut child = Command::new(env!("CARGO_BIN_EXE_vigia"))
        .args(["score", "--jsonl"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all("I love it, great service!\n\nPésima atención, una estafa\n".as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3, "one object per input line, blank included");
    assert_eq!(rows[0]["label"], "positive");
    assert_eq!(rows[1]["label"], "neutral");
    assert_eq!(rows[1]["compound"], 0.0);
    assert_eq!(
        (rows[2]["label"].as_str(), rows[2]["lang"].as_str()),
        (Some("negative"), Some("es"))
    );
    for key in ["compound", "pos", "neu", "neg", "label", "lang", "terms"] {
        assert!(rows[0].get(key).is_some(), "missing {key}");
    }
}

#[test]
fn demo_runs_offline_and_shows_mentions_with_sentiment_and_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(&vigia(
        &["demo", "--dir", dir.path().to_str().unwrap()],
        dir.path(),
    ));
    for want in [
        "Cumbre Bank",
        "Nimbo Air",
        "Lumo Mobile",
        "Negative mentions",
        "why:",
        "Alert emails caught by the local SMTP server",
        "negative spike",
        "pico negativo",
    ] {
        assert!(out.contains(want), "missing {want}:\n{out}");
    }
    assert!(dir.path().join("vigia.db").exists());
    let emails = std::fs::read_dir(dir.path().join("alerts"))
        .unwrap()
        .count();
    assert!(emails >= 3, "{emails} .eml files");
    // The demo's database is a real store the other commands can read.
    let config = dir.path().join("vigia.toml");
    let listed = ok(&vigia(
        &[
            "mentions",
            "--config",
            config.to_str().unwrap(),
            "--format",
            "jsonl",
        ],
        dir.path(),
    ));
    assert!(listed.lines().count() > 15, "{listed}");
    let outbox = ok(&vigia(
        &[
            "outbox",
            "--config",
            config.to_str().unwrap(),
            "--status",
            "sent",
        ],
        dir.path(),
    ));
    assert_eq!(
        outbox.lines().count(),
        emails + 1,
        "header + one row per email:\n{outbox}"
    );
}

/// The backtest CLI contract: JSONL in, one JSON object per notification out, nothing sent;
/// it runs without a config (one balanced spike rule) and names a bad line.
#[test]
fn backtest_cli_replays_jsonl_and_prints_alerts() {
    use chrono::{Duration, TimeZone, Utc};
    let dir = tempfile::tempdir().unwrap();
    let start = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap();
    let mut lines = String::new();
    let mut push = |at: chrono::DateTime<Utc>, compound: f64, n: usize| {
        lines.push_str(&format!(
            "{{\"brand\":\"Cumbre Bank\",\"published_at\":\"{}\",\"compound\":{compound},\"url\":\"https://n.example/{n}\",\"title\":\"t{n}\",\"source\":\"news\",\"extra\":true}}\n",
            at.to_rfc3339()
        ));
    };
    let mut n = 0;
    // Four quiet weeks: a negative every 8 hours, a positive every 3.
    for h in 0..(28 * 24) {
        let at = start + Duration::hours(h);
        if h % 8 == 0 {
            push(at + Duration::minutes(17), -0.6, n);
            n += 1;
        }
        if h % 3 == 0 {
            push(at + Duration::minutes(41), 0.7, n);
            n += 1;
        }
    }
    // A crisis: 25 strongly negative mentions in 50 minutes.
    let crisis = start + Duration::days(28) + Duration::hours(10);
    for i in 0..25 {
        push(crisis + Duration::minutes(2 * i), -0.8, n);
        n += 1;
    }
    std::fs::write(dir.path().join("replay.jsonl"), &lines).unwrap();
    let out = ok(&vigia(&["backtest", "--input", "replay.jsonl"], dir.path()));
    let alerts: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!alerts.is_empty(), "the crisis must fire");
    for a in &alerts {
        for key in ["rule", "kind", "brand", "fired_at", "count", "baseline"] {
            assert!(a.get(key).is_some(), "missing {key} in {a}");
        }
    }
    let spike = alerts
        .iter()
        .find(|a| a["kind"] == "spike")
        .expect("a spike alert");
    assert_eq!(spike["brand"], "Cumbre Bank");
    let fired = chrono::DateTime::parse_from_rfc3339(spike["fired_at"].as_str().unwrap()).unwrap();
    assert!(
        fired >= crisis && fired <= crisis + Duration::minutes(50),
        "fires while rising: {fired}"
    );
    assert!(spike["count"].as_f64().unwrap() > spike["baseline"].as_f64().unwrap());
    assert!(
        alerts.iter().all(|a| chrono::DateTime::parse_from_rfc3339(
            a["fired_at"].as_str().unwrap()
        )
        .unwrap()
            >= crisis),
        "the quiet weeks never fire: {alerts:?}"
    );

    std::fs::write(
        dir.path().join("bad.jsonl"),
        "{\"brand\":\"A\",\"published_at\":\"2026-10-01T00:00:00Z\",\"compound\":0.1}\nnot json\n",
    )
    .unwrap();
    let bad = vigia(&["backtest", "--input", "bad.jsonl"], dir.path());
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("line 2"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}
