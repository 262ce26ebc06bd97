//! Polling throughput: 2,000 feed sources × 50 items from a local server, one cold pass and
//! one conditional pass (every answer a 304), into a fresh SQLite file.
//!
//! Run with `cargo bench --bench poll` (optionally `-- SOURCES ITEMS CONCURRENCY`). The feed
//! server runs in a child process (`common/feed_server.rs`) so that the figures and the
//! peak RSS are vigia's alone. It prints sources/s, items/s and peak RSS (VmHWM) for each
//! pass.

use std::time::Instant;

#[path = "common/feed_server.rs"]
#[allow(dead_code)] // `/stats` is for the workers bench
mod feed_server;

use feed_server::FeedServer;

fn main() {
    if feed_server::serve_if_child() {
        return;
    }
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sources = args.first().copied().unwrap_or(2000);
    let items = args.get(1).copied().unwrap_or(50);
    let concurrency = args.get(2).copied().unwrap_or(64);

    let server = FeedServer::spawn(sources, items);
    let port = server.port;

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
    drop(server);
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
