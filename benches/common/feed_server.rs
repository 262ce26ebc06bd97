//! The local feed server the polling benchmarks share (`poll`, `workers`).
//!
//! It runs in a child process (the benchmark's own binary, re-executed with
//! [`SERVER_ENV`] set) so that the figures and the peak RSS measured are vigia's alone.
//! `/feed/{i}` is an RSS feed of N items of realistic English and Spanish prose with ETag
//! `"v{i}"` (a conditional request gets a 304). `/stats` tells how often each feed was
//! fetched and when, so a benchmark can time a pass from the server's side and count
//! duplicate fetches.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// Set in the child process: serve instead of benchmarking.
pub const SERVER_ENV: &str = "VIGIA_BENCH_SERVER";

/// The server child; killed when dropped.
pub struct FeedServer {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

/// What `/stats` reports.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stats {
    /// Feeds fetched at least once.
    pub feeds_hit: u64,
    /// Fetches in all.
    pub fetches: u64,
    /// Most fetches of one feed.
    pub max_per_feed: u64,
    /// First fetch of any feed (Unix milliseconds; 0 before any).
    pub first_ms: u64,
    /// The last first-fetch of a feed (Unix milliseconds): when the pass was complete.
    pub last_new_ms: u64,
}

impl FeedServer {
    /// Start the server for feeds `0..sources` of `items` items each.
    pub fn spawn(sources: usize, items: usize) -> FeedServer {
        let mut child = Command::new(std::env::current_exe().expect("own path"))
            .env(SERVER_ENV, "1")
            .env("VIGIA_BENCH_SOURCES", sources.to_string())
            .env("VIGIA_BENCH_ITEMS", items.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the feed server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("server stdout"))
            .read_line(&mut line)
            .expect("server port");
        let port = line.trim().parse().expect("server prints its port");
        FeedServer { child, port }
    }

    /// The server process's id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's counts so far (a plain blocking HTTP/1.0 request).
    pub fn stats(&self) -> Stats {
        let mut conn =
            std::net::TcpStream::connect(("127.0.0.1", self.port)).expect("connect to /stats");
        conn.write_all(b"GET /stats HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            .expect("ask /stats");
        let mut text = String::new();
        conn.read_to_string(&mut text).expect("read /stats");
        let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
        let v: Vec<u64> = body
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        match v[..] {
            [feeds_hit, fetches, max_per_feed, first_ms, last_new_ms] => Stats {
                feeds_hit,
                fetches,
                max_per_feed,
                first_ms,
                last_new_ms,
            },
            _ => panic!("unexpected /stats answer: {body}"),
        }
    }
}

impl Drop for FeedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// In the child process: serve and never return. Call first thing in `main`; returns
/// false in the benchmark process itself.
pub fn serve_if_child() -> bool {
    if std::env::var(SERVER_ENV).is_err() {
        return false;
    }
    let var = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (sources, items) = (
        var("VIGIA_BENCH_SOURCES", 100_000),
        var("VIGIA_BENCH_ITEMS", 50),
    );
    let counts: Arc<Counts> = Arc::new(Counts {
        hits: (0..sources).map(|_| AtomicU32::new(0)).collect(),
        first_ms: AtomicU64::new(0),
        last_new_ms: AtomicU64::new(0),
    });
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async move {
        let stats = counts.clone();
        let app = Router::new()
            .route(
                "/feed/{i}",
                get(move |Path(i): Path<usize>, headers: HeaderMap| {
                    let counts = counts.clone();
                    async move {
                        counts.hit(i);
                        feed(i, items, &headers)
                    }
                }),
            )
            .route(
                "/stats",
                get(move || {
                    let stats = stats.clone();
                    async move { stats.report() }
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        println!("{port}");
        std::io::stdout().flush().expect("flush");
        axum::serve(listener, app).await.expect("serve");
    });
    true
}

/// Fetches per feed and the pass's timing, lock-free.
struct Counts {
    hits: Vec<AtomicU32>,
    first_ms: AtomicU64,
    last_new_ms: AtomicU64,
}

impl Counts {
    fn hit(&self, i: usize) {
        let Some(n) = self.hits.get(i) else { return };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let _ = self
            .first_ms
            .compare_exchange(0, now, Ordering::Relaxed, Ordering::Relaxed);
        if n.fetch_add(1, Ordering::Relaxed) == 0 {
            self.last_new_ms.fetch_max(now, Ordering::Relaxed);
        }
    }

    /// "feeds_hit fetches max_per_feed first_ms last_new_ms"
    fn report(&self) -> String {
        let (mut feeds, mut fetches, mut max) = (0u64, 0u64, 0u64);
        for h in &self.hits {
            let n = u64::from(h.load(Ordering::Relaxed));
            feeds += u64::from(n > 0);
            fetches += n;
            max = max.max(n);
        }
        format!(
            "{feeds} {fetches} {max} {} {}",
            self.first_ms.load(Ordering::Relaxed),
            self.last_new_ms.load(Ordering::Relaxed)
        )
    }
}

fn feed(i: usize, items: usize, headers: &HeaderMap) -> Response {
    let etag = format!("\"v{i}\"");
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let mut body = String::with_capacity(items * 500);
    body.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Bench feed</title><link>https://bench.example/</link><description>bench</description>\n");
    for j in 0..items {
        // Realistic prose in both languages: the share of function words drives language
        // detection, and made-up word salad would send every text to the slow path.
        let (title, text) = match j % 4 {
            0 => (
                "Cumbre Bank customers say they were charged twice",
                "Readers told us that Cumbre Bank charged them twice for the same transfer, and that the support team has not answered their calls for a week. It is a total scam, one of them said.",
            ),
            1 => (
                "El Banco Cumbre cobra comisiones abusivas, según sus clientes",
                "Los clientes dicen que el Banco Cumbre les cobró una comisión abusiva y que la atención al cliente no responde desde hace días. Es una vergüenza, dijo una de ellas.",
            ),
            2 => (
                "Nimbo Air praised for its punctual flights",
                "Passengers said that the crew of Nimbo Air was friendly and that the flight arrived on time, which is an excellent record for an airline of its size.",
            ),
            _ => (
                "Nimbo Air abrirá una nueva ruta en abril",
                "La aerolínea Nimbo Air anunció que abrirá una ruta nueva hacia la costa en abril, con tres vuelos a la semana desde la capital.",
            ),
        };
        body.push_str(&format!(
            "<item><title>{title} ({i}-{j})</title><link>https://news{}.example/{i}/{j}?utm_source=rss</link>\
             <guid>bench-{i}-{j}</guid><pubDate>Sat, 21 Nov 2026 08:15:00 GMT</pubDate>\
             <description>&lt;p&gt;{text}&lt;/p&gt;</description></item>\n",
            i % 50
        ));
    }
    body.push_str("</channel></rss>\n");
    (
        [
            (header::CONTENT_TYPE, "application/rss+xml".to_string()),
            (header::ETAG, etag),
        ],
        body,
    )
        .into_response()
}
