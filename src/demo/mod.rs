//! The offline demo: the whole pipeline on bundled fixtures, no internet needed.
//!
//! The fixtures are the project's own fictional brands and outlets, embedded in the binary
//! so `vigia demo` works from any directory. They are served by a real HTTP server on
//! 127.0.0.1 and polled through the real fetcher (with its private-network guard on, the
//! demo's own port being the one exception), into a fresh SQLite file, exactly as
//! `vigia run --once` would. The summary is read back from the store, so what it shows is
//! what was stored.
//!
//! The demo also plays a crisis: a first pass reads four quiet weeks of a brand's archive
//! (the spike detector's baseline), a second pass finds a burst of complaints in English
//! and Spanish in the last hour. The alert rules fire, the emails go over real SMTP to a
//! listener on 127.0.0.1 ([`smtp_sink`]), and the demo prints them and saves them as .eml.

mod crisis;
pub mod smtp_sink;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::http::header;
use axum::routing::get;

use crate::config::Config;
use crate::store::{MentionFilter, MentionRow, Store, StoreError};
use crate::worker::{self, WorkerError};

/// Why the demo could not run.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The demo directory or its files could not be written.
    #[error("demo: cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The generated config was refused (a bug in the demo).
    #[error("demo: {0}")]
    Config(#[from] crate::config::ConfigError),
    /// The pipeline failed.
    #[error("demo: {0}")]
    Worker(#[from] WorkerError),
    /// The store failed.
    #[error("demo: {0}")]
    Store(#[from] StoreError),
    /// The digest preview failed.
    #[error("demo: {0}")]
    Digest(#[from] crate::digest::DigestError),
}

/// A fixture served by the demo server: path, content type, bytes.
const FIXTURES: &[(&str, &str, &[u8])] = &[
    (
        "/news.xml",
        "application/rss+xml",
        include_bytes!("fixtures/news_en.xml"),
    ),
    // No charset in the header: the XML declaration (ISO-8859-1) must be honoured.
    (
        "/resenas.xml",
        "application/rss+xml",
        include_bytes!("fixtures/resenas_es.xml"),
    ),
    (
        "/alerts.xml",
        "application/atom+xml",
        include_bytes!("fixtures/alerts.xml"),
    ),
    (
        "/community.json",
        "application/feed+json",
        include_bytes!("fixtures/community.json"),
    ),
];

/// The demo's config; `{port}`, `{smtp}` and `{db}` are filled in at run time.
const DEMO_CONFIG: &str = r#"
[database]
url = "sqlite://{db}"

[fetch]
# The demo serves its feeds from 127.0.0.1: only that one port is let through the guard.
allowed_private = ["127.0.0.1:{port}"]
min_host_spacing = "0ms"
per_host_concurrency = 4

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

[[source]]
name = "ledger-daily"
url = "http://127.0.0.1:{port}/news.xml"

[[source]]
name = "foro-consumidor"
url = "http://127.0.0.1:{port}/resenas.xml"

[[source]]
name = "google-alerts-cumbre"
url = "http://127.0.0.1:{port}/alerts.xml"

[[source]]
name = "flyers-forum"
url = "http://127.0.0.1:{port}/community.json"

[[source]]
name = "cumbre-watch"
url = "http://127.0.0.1:{port}/crisis.xml"

[smtp]
host = "127.0.0.1"
port = {smtp}
tls = "none"
from = "vigia demo <alerts@vigia.example>"

[web]
base_url = "http://localhost:8080"

[[recipient]]
address = "equipo@cumbre.example"
lang = "es"

[[rule]]
name = "very-negative"
kind = "instant"
threshold = -0.75
group_wait = "0s"
recipients = ["team@cumbre.example"]

[[rule]]
name = "negative-spike"
kind = "spike"
brand = "Cumbre Bank"
recipients = ["team@cumbre.example", "equipo@cumbre.example"]
"#;

/// Serve the fixtures on 127.0.0.1 (random port) until the returned handle is dropped;
/// `/crisis.xml` holds the burst of complaints once `crisis` is set.
pub async fn serve_fixtures(
    crisis: Arc<AtomicBool>,
) -> std::io::Result<(u16, tokio::task::JoinHandle<()>)> {
    let mut app = Router::new();
    for &(path, content_type, body) in FIXTURES {
        app = app.route(
            path,
            get(move || async move { ([(header::CONTENT_TYPE, content_type)], body) }),
        );
    }
    let now = chrono::Utc::now();
    app = app.route(
        "/crisis.xml",
        get(move || {
            let burst = crisis.load(Ordering::SeqCst);
            async move {
                let feed = crisis::feed(now, burst);
                ([(header::CONTENT_TYPE, "application/rss+xml")], feed)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((port, handle))
}

/// Run the demo in `dir` (a fresh temporary directory when `None`); returns the summary.
pub async fn run(dir: Option<&Path>) -> Result<String, DemoError> {
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => std::env::temp_dir().join(format!(
            "vigia-demo-{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_millis()
        )),
    };
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| DemoError::Io { path, source }
    };
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let db = dir.join("vigia.db");
    for stale in ["vigia.db", "vigia.db-wal", "vigia.db-shm"] {
        let _ = std::fs::remove_file(dir.join(stale));
    }
    let crisis = Arc::new(AtomicBool::new(false));
    let (port, server) = serve_fixtures(crisis.clone()).await.map_err(io(&dir))?;
    let sink = smtp_sink::SmtpSink::start().await.map_err(io(&dir))?;
    let text = DEMO_CONFIG
        .replace("{port}", &port.to_string())
        .replace("{smtp}", &sink.port.to_string())
        .replace("{db}", &db.display().to_string());
    let config_path = dir.join("vigia.toml");
    std::fs::write(&config_path, &text).map_err(io(&config_path))?;
    let config = Config::from_toml(&text, &config_path)?;
    let store = Store::connect(&config.database.url).await?;
    let first = worker::run_once(&config, store.clone()).await?;
    let before = sink.caught().len();
    crisis.store(true, Ordering::SeqCst);
    let second = worker::run_once(&config, store.clone()).await?;
    server.abort();

    let mentions = store.list_mentions(&MentionFilter::default()).await?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "vigia demo: polled {} sources from a local server on 127.0.0.1:{port}\n",
        first.len()
    );
    out.push_str(&worker::summarize(&first));
    out.push_str(&summary(&config, &mentions));
    let _ = writeln!(
        out,
        "\nAn hour later, complaints about double charges pour in:\n"
    );
    out.push_str(&worker::summarize(&second));
    out.push_str(&caught_report(&sink.caught(), before, &dir).map_err(io(&dir))?);
    out.push_str(&digest_previews(&store, &config, &dir).await?);
    let _ = writeln!(
        out,
        "\nStored in {}\nTry: vigia mentions --config {} --label negative",
        db.display(),
        config_path.display()
    );
    store.close().await;
    Ok(out)
}

/// The weekly digest of the demo's data, previewed in English and Spanish beside the
/// database. The data is minutes old, so the week shown is the current one.
async fn digest_previews(store: &Store, config: &Config, dir: &Path) -> Result<String, DemoError> {
    use crate::alerts::notice::NoticeLang;
    use crate::digest::{PeriodChoice, cli};
    let mut out =
        String::from("\nWeekly digest previews (this week so far; open them in a browser):\n");
    for (lang, file) in [
        (NoticeLang::En, "digest-en.html"),
        (NoticeLang::Es, "digest-es.html"),
    ] {
        let opts = cli::PreviewOptions {
            file: dir.join(file),
            period: PeriodChoice::ThisWeek,
            recipient: None,
            name: None,
            lang: Some(lang),
        };
        let done = cli::preview(store, config, &opts, chrono::Utc::now()).await?;
        let _ = writeln!(out, "  {}\n    {}", done.file.display(), done.subject);
    }
    Ok(out)
}

/// The alert emails the local SMTP server caught, saved as .eml files.
fn caught_report(
    caught: &[smtp_sink::Caught],
    before_crisis: usize,
    dir: &Path,
) -> std::io::Result<String> {
    let folder = dir.join("alerts");
    std::fs::create_dir_all(&folder)?;
    let mut out = format!(
        "\nAlert emails caught by the local SMTP server: {} ({} before the crisis, {} during it)\n",
        caught.len(),
        before_crisis,
        caught.len() - before_crisis
    );
    for (i, mail) in caught.iter().enumerate() {
        let path = folder.join(format!("{:02}.eml", i + 1));
        std::fs::write(&path, &mail.data)?;
        let _ = writeln!(
            out,
            "  {:02}  to {:<24} {}",
            i + 1,
            mail.to.join(", "),
            crate::report::cut(&mail.header("Subject").unwrap_or_default(), 90)
        );
    }
    let _ = writeln!(
        out,
        "  (saved in {}; open them in any mail client)",
        folder.display()
    );
    Ok(out)
}

/// Mentions per brand, then negatives (most negative first) and positives, with top terms.
pub fn summary(config: &Config, mentions: &[MentionRow]) -> String {
    let mut out = String::from("\nMentions per brand\n");
    for b in &config.brands {
        let of: Vec<&MentionRow> = mentions.iter().filter(|m| m.brand == b.name).collect();
        let count = |label: &str| of.iter().filter(|m| m.label == label).count();
        let _ = writeln!(
            out,
            "  {:<14} {:>3} mentions   {} negative, {} neutral, {} positive",
            b.name,
            of.len(),
            count("negative"),
            count("neutral"),
            count("positive")
        );
    }
    for (label, heading) in [
        ("negative", "Negative mentions, most negative first"),
        ("positive", "Positive mentions"),
    ] {
        let mut list: Vec<&MentionRow> = mentions.iter().filter(|m| m.label == label).collect();
        list.sort_by(|a, b| a.compound.total_cmp(&b.compound));
        if label == "positive" {
            list.reverse();
        }
        let _ = writeln!(out, "\n{heading}");
        let shown = if label == "negative" { 8 } else { 5 };
        if list.len() > shown {
            let _ = writeln!(out, "  (the {shown} strongest of {})", list.len());
        }
        for m in list.into_iter().take(shown) {
            let _ = writeln!(
                out,
                "  {:+.2}  {:<12} [{}] {}\n         {}\n         why: {}",
                m.compound,
                m.brand,
                m.lang,
                crate::report::cut(&m.title, 90),
                crate::report::cut(&m.snippet, 110),
                crate::report::top_terms(&m.terms, 4)
            );
        }
    }
    out
}
