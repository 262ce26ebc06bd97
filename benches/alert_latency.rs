//! Time to alert: a local feed gains a strongly negative item at a random moment; how long
//! until the SMTP server on 127.0.0.1 answers 250 for the alert email? 5 s poll interval,
//! `group_wait = "0s"` for the instant rule, the real worker (`vigia run`) in-process.
//!
//! Run with `cargo bench --bench alert_latency` (optionally `-- TRIALS`). Prints p50, p95
//! and max over the trials (goal: p95 ≤ 7 s over 50 trials).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::header;
use axum::routing::get;
use rand::Rng;
use vigia::demo::smtp_sink::SmtpSink;

fn main() {
    let trials: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(50);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(run(trials));
}

async fn run(trials: usize) {
    let items: Arc<Mutex<Vec<String>>> = Arc::default();
    let served = items.clone();
    let app = Router::new().route(
        "/feed.xml",
        get(move || {
            let body = feed(&served.lock().expect("items"));
            async move { ([(header::CONTENT_TYPE, "application/rss+xml")], body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    let sink = SmtpSink::start().await.expect("smtp sink");

    let dir = tempfile::tempdir().expect("temp dir");
    let text = format!(
        "[database]\nurl = \"sqlite://{}\"\n[fetch]\nallowed_private = [\"127.0.0.1:{port}\"]\n\
         min_host_spacing = \"0ms\"\nrespect_robots = false\n\
         [[brand]]\nname = \"Cumbre Bank\"\n\
         [[source]]\nname = \"ledger\"\nurl = \"http://127.0.0.1:{port}/feed.xml\"\ninterval = \"5s\"\n\
         [smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"vigia <a@vigia.test>\"\n\
         [[recipient]]\naddress = \"team@x.test\"\nbudget = {{ instant = 100000 }}\n\
         [[rule]]\nname = \"negative\"\nkind = \"instant\"\nthreshold = -0.5\ngroup_wait = \"0s\"\n\
         group_interval = \"1s\"\nrecipients = [\"team@x.test\"]\n",
        dir.path().join("bench.db").display(),
        sink.port
    );
    let config = vigia::config::Config::from_toml(&text, std::path::Path::new("bench.toml"))
        .expect("bench config");
    let store = vigia::store::Store::connect(&config.database.url)
        .await
        .expect("store");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker_config = config.clone();
    let worker =
        tokio::spawn(async move { vigia::worker::run(&worker_config, store, stopped).await });
    tokio::time::sleep(Duration::from_secs(2)).await;

    println!(
        "time to alert: {trials} trials, 5 s poll interval, group_wait 0s, SQLite, SMTP on 127.0.0.1"
    );
    let mut latencies = Vec::new();
    for i in 0..trials {
        let wait = rand::rng().random_range(0.0..5.0);
        tokio::time::sleep(Duration::from_secs_f64(wait)).await;
        let before = sink.caught().len();
        let start = Instant::now();
        items.lock().expect("items").push(format!(
            "<item><title>Cumbre Bank charged me twice ({i})</title><link>https://ledger.example/{i}</link>\
             <description>Cumbre Bank took my money twice, a total scam. Worst bank ever.</description></item>"
        ));
        let deadline = start + Duration::from_secs(30);
        let arrived = loop {
            if let Some(mail) = sink.caught().get(before) {
                break Some(mail.received_at);
            }
            if Instant::now() > deadline {
                break None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        match arrived {
            Some(at) => latencies.push(at.duration_since(start).as_secs_f64()),
            None => println!("trial {i}: no email within 30 s"),
        }
    }
    let _ = stop.send(true);
    let _ = worker.await;
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
    if latencies.is_empty() {
        println!("no alert arrived");
        return;
    }
    println!(
        "arrived {}/{trials}   p50 {:.2} s   p95 {:.2} s   max {:.2} s   (goal p95 <= 7 s)",
        latencies.len(),
        pct(0.5),
        pct(0.95),
        latencies[latencies.len() - 1]
    );
}

fn feed(items: &[String]) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Ledger</title>\
         <link>https://ledger.example/</link><description>d</description>{}</channel></rss>",
        items.join("")
    )
}
