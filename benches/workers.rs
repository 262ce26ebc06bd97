//! Scale-out: 10,000 feed sources on one PostgreSQL, polled by 1, 2 and 3 `vigia run --role
//! worker` processes (the release binary). For each worker count: how long the first full
//! pass takes and how many sources per second that is, and how many feeds were fetched
//! more than once within one interval (the lease must make that 0).
//!
//! Run with `cargo bench --bench workers` (optionally `-- SOURCES ITEMS CONCURRENCY`, per
//! worker). PostgreSQL comes from `VIGIA_BENCH_POSTGRES`, else `VIGIA_TEST_POSTGRES`, else
//! `postgres://postgres@127.0.0.1:5432/postgres`; each run gets a fresh database, dropped
//! afterwards. The feed server is the poll benchmark's, in its own process; it counts
//! fetches per feed and times the pass from its side. Sources have a 1 h interval, so any
//! second fetch during the run is a duplicate.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::Connection;

#[path = "common/feed_server.rs"]
mod feed_server;

use feed_server::FeedServer;

/// One row of the table.
struct Run {
    workers: usize,
    startup: f64,
    pass: f64,
    fetches: u64,
    duplicates: u64,
    mentions: i64,
    /// CPU seconds used from start to the last mention stored by the workers, by the
    /// PostgreSQL backends serving the benchmark's database, by the feed server, and by the
    /// whole machine (both cores, other work included), and that window's length.
    cpu_workers: f64,
    cpu_postgres: f64,
    cpu_server: f64,
    cpu_machine: f64,
    window: f64,
}

fn main() {
    if feed_server::serve_if_child() {
        return;
    }
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sources = args.first().copied().unwrap_or(10_000);
    let items = args.get(1).copied().unwrap_or(10);
    let concurrency = args.get(2).copied().unwrap_or(32);
    let admin = std::env::var("VIGIA_BENCH_POSTGRES")
        .or_else(|_| std::env::var("VIGIA_TEST_POSTGRES"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    println!(
        "vigia workers benchmark: {sources} feed sources × {items} items, concurrency {concurrency} per worker, PostgreSQL, {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let runs: Vec<Run> = [1, 2, 3]
        .into_iter()
        .map(|workers| rt.block_on(run(&admin, sources, items, concurrency, workers)))
        .collect();
    println!();
    println!(
        "| workers | start-up | first pass | sources/s | duplicate fetches | mentions | CPU s: workers / PostgreSQL / feed server / machine (of cores × window) |"
    );
    println!("|---|---|---|---|---|---|---|");
    for r in &runs {
        println!(
            "| {} | {:.1} s | {:.1} s | {:.0} | {} of {} | {} | {:.0} / {:.0} / {:.0} / {:.0} (of {:.0}) |",
            r.workers,
            r.startup,
            r.pass,
            sources as f64 / r.pass,
            r.duplicates,
            r.fetches,
            r.mentions,
            r.cpu_workers,
            r.cpu_postgres,
            r.cpu_server,
            r.cpu_machine,
            r.window * cores() as f64
        );
    }
}

async fn run(admin: &str, sources: usize, items: usize, concurrency: usize, workers: usize) -> Run {
    let server = FeedServer::spawn(sources, items);
    let name = format!("vigia_bench_workers_{}_{workers}", std::process::id());
    let mut conn = sqlx::PgConnection::connect(admin)
        .await
        .expect("PostgreSQL for the benchmark");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&mut conn)
        .await
        .expect("drop");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create database");
    let mut url = url::Url::parse(admin).expect("admin URL");
    url.set_path(&name);

    let dir = tempfile::tempdir().expect("temp dir");
    let port = server.port;
    let mut toml = format!(
        "[database]\nurl = \"{url}\"\n[fetch]\nallowed_private = [\"127.0.0.1:{port}\"]\n\
         concurrency = {concurrency}\nper_host_concurrency = {concurrency}\n\
         min_host_spacing = \"0ms\"\nrespect_robots = false\n\
         [[brand]]\nname = \"Cumbre Bank\"\naliases = [\"Banco Cumbre\"]\n\
         [[brand]]\nname = \"Nimbo Air\"\n"
    );
    for i in 0..sources {
        toml.push_str(&format!(
            "[[source]]\nname = \"feed-{i}\"\nurl = \"http://127.0.0.1:{port}/feed/{i}\"\ninterval = \"1h\"\n"
        ));
    }
    let config_path = dir.path().join("bench.toml");
    std::fs::write(&config_path, &toml).expect("config");
    let config = vigia::config::Config::from_toml(&toml, &config_path).expect("bench config");
    // Schema and sources once, so every worker starts from the same table.
    let store = vigia::store::Store::connect(url.as_str())
        .await
        .expect("store");
    store.sync_sources(&config.sources).await.expect("sync");

    let spawned = Instant::now();
    let spawned_ms = unix_ms();
    let machine_before = machine_cpu_secs();
    let server_before = cpu_secs(server.pid());
    let postgres_before = postgres_cpu_secs(&name);
    let children: Vec<Child> = (0..workers)
        .map(|n| {
            let log =
                std::fs::File::create(dir.path().join(format!("worker-{n}.log"))).expect("log");
            Command::new(env!("CARGO_BIN_EXE_vigia"))
                .args(["run", "--role", "worker", "--config"])
                .arg(&config_path)
                .env("RUST_LOG", "error")
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("start vigia run")
        })
        .collect();
    let mut stats = server.stats();
    while stats.feeds_hit < sources as u64 {
        assert!(
            spawned.elapsed() < Duration::from_secs(1800),
            "no full pass in 30 minutes: {stats:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
        stats = server.stats();
    }
    // Wait for the last polls to be stored, then a little longer for any stray refetch.
    let deadline = Instant::now() + Duration::from_secs(120);
    while store.count_mentions().await.expect("count") < (sources * items) as i64
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let window = spawned.elapsed().as_secs_f64();
    let cpu_machine = machine_cpu_secs() - machine_before;
    let cpu_server = cpu_secs(server.pid()) - server_before;
    let cpu_postgres = postgres_cpu_secs(&name) - postgres_before;
    let cpu_workers: f64 = children.iter().map(|c| cpu_secs(c.id())).sum();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let done = server.stats();
    for c in &children {
        let _ = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status();
    }
    for mut c in children {
        let _ = c.wait();
    }
    let mentions = store.count_mentions().await.expect("count");
    store.close().await;
    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await;
    let run = Run {
        workers,
        startup: done.first_ms.saturating_sub(spawned_ms) as f64 / 1000.0,
        pass: done.last_new_ms.saturating_sub(done.first_ms) as f64 / 1000.0,
        fetches: done.fetches,
        duplicates: done.fetches - done.feeds_hit,
        mentions,
        cpu_workers,
        cpu_postgres,
        cpu_server,
        cpu_machine,
        window,
    };
    println!(
        "{workers} worker(s): start-up {:.1} s, first pass {:.1} s ({:.0} sources/s), {} fetches, {} duplicates (most fetches of one feed: {}), {} mentions",
        run.startup,
        run.pass,
        sources as f64 / run.pass,
        run.fetches,
        run.duplicates,
        done.max_per_feed,
        run.mentions
    );
    run
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// User + system CPU seconds a process has used (Linux `/proc/PID/stat`, 100 ticks/s).
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name (in parentheses, may hold spaces): state, ppid, …;
    // utime and stime are the 12th and 13th of them.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// CPU seconds of the PostgreSQL backends connected to database `db` (found by their
/// process title, `postgres: USER DB …`).
fn postgres_cpu_secs(db: &str) -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let cmd = String::from_utf8_lossy(&cmd);
            cmd.starts_with("postgres:") && cmd.split_whitespace().any(|w| w == db)
        })
        .map(cpu_secs)
        .sum()
}

/// Busy CPU seconds of the whole machine, all cores (`/proc/stat`: user, nice, system,
/// irq and softirq of the first line).
fn machine_cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let busy: f64 = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .take(7)
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4)
        .filter_map(|(_, v)| v.parse::<f64>().ok())
        .sum();
    busy / 100.0
}

fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
