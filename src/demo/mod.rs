//! The offline demo: the whole pipeline on bundled fixtures, no internet needed.
//!
//! The fixtures are the project's own fictional brands and outlets, embedded in the binary
//! so `vigia demo` works from any directory. They are served by a real HTTP server on
//! 127.0.0.1 and polled through the real fetcher (with its private-network guard on, the
//! demo's own port being the one exception), into a fresh SQLite file, exactly as
//! `vigia run --once` would. The summary is read back from the store, so what it shows is
//! what was stored.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

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

/// The demo's config; `{port}` is replaced by the fixture server's port.
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
"#;

/// Serve the fixtures on 127.0.0.1 (random port) until the returned handle is dropped.
pub async fn serve_fixtures() -> std::io::Result<(u16, tokio::task::JoinHandle<()>)> {
    let mut app = Router::new();
    for &(path, content_type, body) in FIXTURES {
        app = app.route(
            path,
            get(move || async move { ([(header::CONTENT_TYPE, content_type)], body) }),
        );
    }
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
    let (port, server) = serve_fixtures().await.map_err(io(&dir))?;
    let text = DEMO_CONFIG
        .replace("{port}", &port.to_string())
        .replace("{db}", &db.display().to_string());
    let config_path = dir.join("vigia.toml");
    std::fs::write(&config_path, &text).map_err(io(&config_path))?;
    let config = Config::from_toml(&text, &config_path)?;
    let store = Store::connect(&config.database.url).await?;
    let reports = worker::run_once(&config, store.clone()).await?;
    server.abort();

    let mentions = store.list_mentions(&MentionFilter::default()).await?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "vigia demo: polled {} sources from a local server on 127.0.0.1:{port}\n",
        reports.len()
    );
    out.push_str(&worker::summarize(&reports));
    out.push_str(&summary(&config, &mentions));
    let _ = writeln!(
        out,
        "\nStored in {}\nTry: vigia mentions --config {} --label negative",
        db.display(),
        config_path.display()
    );
    store.close().await;
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
        for m in list {
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
