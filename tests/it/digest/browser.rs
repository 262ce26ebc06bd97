//! The preview file as a person sees it: written by `vigia digest --preview`, rendered by
//! a real headless Chromium to a screenshot (kept in `target/digest-shots/` to look at).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use vigia::alerts::notice::NoticeLang;
use vigia::digest::PeriodChoice;
use vigia::digest::cli::{PreviewOptions, preview};

use super::fixture::{fixture, monday_8am};
use crate::support::Db;

const CHROMIUM: &str = "/usr/bin/chromium";
/// Longest a screenshot may take.
const DEADLINE: Duration = Duration::from_secs(120);

/// Chromium, or `None` (after saying so) outside CI when it is not installed.
fn chromium() -> Option<&'static Path> {
    let path = Path::new(CHROMIUM);
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{CHROMIUM} is missing and CI=true: the browser check must run in CI (.ci/run installs it)"
    );
    println!("SKIPPED: {CHROMIUM} not found; install Debian's chromium to run the browser check");
    None
}

/// Where screenshots are kept for people to look at: `target/digest-shots/`.
fn shots_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .join("digest-shots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Screenshot `page` with a fresh profile; panics unless Chromium exits 0 in time.
fn screenshot(chromium: &Path, page: &Path, shot: &Path) {
    let profile = tempfile::tempdir().unwrap();
    let _ = std::fs::remove_file(shot);
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=800,2400")
        .arg(format!("file://{}", page.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start chromium");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!("chromium took longer than {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut err);
    }
    assert!(status.success(), "chromium failed ({status}): {err}");
}

/// Share of pixels that are not the page background, and how many are chart red.
fn ink(shot: &Path) -> (f64, usize) {
    let bytes = std::fs::read(shot).expect("screenshot written");
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let background = [0xee, 0xf1, 0xf5];
    let close = |p: &[u8], c: [u8; 3]| p.iter().zip(c).all(|(a, b)| a.abs_diff(b) < 12);
    let not_background = pixels.iter().filter(|p| !close(p, background)).count();
    let red = pixels
        .iter()
        .filter(|p| close(p, [0xdc, 0x26, 0x26]))
        .count();
    (not_background as f64 / pixels.len() as f64, red)
}

#[tokio::test]
async fn digest_preview_renders_in_headless_chromium_en_and_es() {
    let Some(chromium) = chromium() else {
        return;
    };
    let Some((store, config, _guard)) = fixture(Db::Sqlite, 25, "").await else {
        return;
    };
    let shots = shots_dir();
    for (lang, code) in [(NoticeLang::En, "en"), (NoticeLang::Es, "es")] {
        // Kept beside the screenshot, to open in a browser.
        let file = shots.join(format!("digest-{code}.html"));
        let opts = PreviewOptions {
            file: file.clone(),
            period: PeriodChoice::LastWeek,
            recipient: None,
            name: Some("weekly".into()),
            lang: Some(lang),
        };
        let done = preview(&store, &config, &opts, monday_8am()).await.unwrap();
        assert_eq!(done.period, "2026-W43");
        let html = std::fs::read_to_string(&file).unwrap();
        assert_eq!(html.matches("src=\"data:image/png;base64,").count(), 3);
        assert!(!html.contains("cid:"));
        let shot = shots.join(format!("digest-{code}.png"));
        screenshot(chromium, &file, &shot);
        let (covered, red) = ink(&shot);
        assert!(
            covered > 0.25,
            "{code}: the page is mostly empty ({covered:.2})"
        );
        assert!(
            red > 2000,
            "{code}: the charts' red bars are not visible ({red} px)"
        );
        println!("screenshot: {}", shot.display());
    }
}

#[test]
fn digest_cli_previews_a_default_digest_without_any_configured() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("vigia.toml"),
        "[database]\nurl = \"sqlite://vigia.db\"\n\n[[brand]]\nname = \"Acme\"\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_vigia"))
            .args(args)
            .current_dir(dir.path())
            .env_remove("VIGIA_CONFIG")
            .env("RUST_LOG", "error")
            .output()
            .unwrap()
    };
    let out = run(&["digest", "--preview", "p.html", "--period", "this-week"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("wrote p.html") && stdout.contains("[vigia] Acme, week"),
        "{stdout}"
    );
    let html = std::fs::read_to_string(dir.path().join("p.html")).unwrap();
    assert!(html.contains("No mentions this week.") && html.contains("data:image/png;base64,"));
    let out = run(&["digest", "--send"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("no [[digest]]"));
    let out = run(&["digest", "--preview", "p.html", "--period", "someday"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ISO week like 2026-W44"));
    let out = run(&["digest", "--preview", "p.html", "--name", "monthly"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no [[digest]] is named \"monthly\""));
}

#[test]
fn digest_demo_writes_previews_in_english_and_spanish() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vigia"))
        .args(["demo", "--dir", dir.path().to_str().unwrap()])
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Weekly digest previews"), "{stdout}");
    let shots = shots_dir();
    for (code, heading) in [("en", "Weekly digest"), ("es", "Resumen semanal")] {
        let file = dir.path().join(format!("digest-{code}.html"));
        assert!(stdout.contains(&file.display().to_string()), "{stdout}");
        let html = std::fs::read_to_string(&file).unwrap();
        assert!(html.contains(heading) && html.contains("Cumbre Bank"));
        // The demo's crisis is this week: its complaints are in the digest, unanswered.
        assert!(
            html.contains("http://localhost:8080/mentions/"),
            "dashboard links"
        );
        if let Some(chromium) = chromium() {
            let shot = shots.join(format!("demo-{code}.png"));
            screenshot(chromium, &file, &shot);
            assert!(ink(&shot).1 > 2000, "{code}: charts visible");
        }
    }
}
