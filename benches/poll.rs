//! Polling throughput: 2,000 feed sources × 50 items from a local server, one cold pass and
//! one conditional pass (every answer a 304), into a fresh SQLite file.
//!
//! Run with `cargo bench --bench poll` (optionally `-- SOURCES ITEMS CONCURRENCY`). The feed
//! server runs in a child process (this same binary, re-executed with
//! `VIGIA_BENCH_SERVER=1`) so that the figures and the peak RSS are vigia's alone. It
//! prints sources/s, items/s and peak RSS (VmHWM) for each pass.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

fn main() {
    if std::env::var("VIGIA_BENCH_SERVER").is_ok() {
        serve();
        return;
    }
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sources = args.first().copied().unwrap_or(2000);
    let items = args.get(1).copied().unwrap_or(50);
    let concurrency = args.get(2).copied().unwrap_or(64);

    let mut server = Command::new(std::env::current_exe().expect("own path"))
        .env("VIGIA_BENCH_SERVER", "1")
        .env("VIGIA_BENCH_ITEMS", items.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the feed server");
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("server stdout"))
        .read_line(&mut line)
        .expect("server port");
    let port: u16 = line.trim().parse().expect("server prints its port");

    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bench.db");
    let mut toml = format!(
        "[database]\nurl = \"sqlite://{}\"\n[fetch]\nallowed_private = [\"127.0.0.1:{port}\"]\n\
         concurrency = {concurrency}\nper_host_concurrency = {concurrency}\n\
         min_host_spacing = \"0ms\"\nrespect_robots = false\n\
         [[brand]]\nname = \"Cumbre Bank\"\naliases = [\"Banco Cumbre\"]\n\
         [[brand]]\nname = \"Nimbo Air\"\n",
        db.display()
    );
    for i in 0..sources {
        toml.push_str(&format!(
            "[[source]]\nname = \"feed-{i}\"\nurl = \"http://127.0.0.1:{port}/feed/{i}\"\n"
        ));
    }
    let config = vigia::config::Config::from_toml(&toml, std::path::Path::new("bench.toml"))
        .expect("bench config");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let store = vigia::store::Store::connect(&config.database.url)
            .await
            .expect("store");
        println!(
            "vigia polling benchmark: {sources} feed sources × {items} items, concurrency {concurrency}, SQLite, {} cores",
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
        for pass in ["cold", "conditional (all 304)"] {
            let start = Instant::now();
            let reports = vigia::worker::run_once(&config, store.clone())
                .await
                .expect("pass");
            let secs = start.elapsed().as_secs_f64();
            let (mut fetched, mut not_modified, mut failed, mut seen, mut new) = (0, 0, 0, 0, 0);
            for r in &reports {
                match &r.outcome {
                    vigia::poll::PollResult::Fetched(p) => {
                        fetched += 1;
                        seen += p.items;
                        new += p.new;
                    }
                    vigia::poll::PollResult::NotModified => not_modified += 1,
                    _ => failed += 1,
                }
            }
            println!(
                "{pass:<24} {secs:>7.2} s  {:>8.0} sources/s  {:>9.0} items/s  \
                 ({fetched} fetched, {not_modified} not modified, {failed} failed, {new} new mentions)  peak RSS {:.1} MB",
                sources as f64 / secs,
                seen as f64 / secs,
                peak_rss_mb()
            );
        }
        println!("mentions stored: {}", store.count_mentions().await.expect("count"));
    });
    let _ = server.kill();
    let _ = server.wait();
}

/// VmHWM from /proc/self/status, in MB.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The child process: serves `/feed/{i}`, an RSS feed of N items with ETag "v{i}".
fn serve() {
    let items: usize = std::env::var("VIGIA_BENCH_ITEMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async move {
        let app =
            Router::new().route(
                "/feed/{i}",
                get(move |Path(i): Path<usize>, headers: HeaderMap| async move {
                    feed(i, items, &headers)
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
