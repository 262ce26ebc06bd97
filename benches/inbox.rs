//! Inbox speed (issue 7): server time of `Store::inbox` over 1,000,000 mentions in SQLite.
//! Goal: p95 ≤ 50 ms for the default view (open, by urgency) and for filtered views.
//!
//! Run: `cargo bench --bench inbox` (optionally `-- MENTIONS REQUESTS`). The database is
//! built once through the real insert path (triggers, FTS index and all) and cached under
//! the target directory, keyed by the migrations' text so a schema change rebuilds it.
//!
//! The data: 90 days, 8 brands and 60 sources of uneven size (a few review sites weighted
//! 2.0, aggregators 0.5), English / Spanish / a little Portuguese, 30 % negative, titles and
//! snippets drawn from a vocabulary of 5,000 words (a realistic spread of common and rare
//! search terms), statuses by age (recent mentions mostly new, old ones mostly resolved),
//! a quarter of the handled ones assigned to one of six people.
//!
//! Each view is requested `REQUESTS` times (varying brand, source, search word and week)
//! and p50 / p95 / max are printed (with SQLite's query plan for the first request when
//! `VIGIA_BENCH_PLANS` is set): first the store's query alone, then the whole `GET /inbox`
//! page through the real router over loopback (counts, facets, template, HTTP).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::time::Instant;

use vigia::alerts::spike::synth::Rng;
use vigia::store::inbox::{AssigneeFilter, InboxQuery, Sort};
use vigia::store::{NewMention, Store, insert_mentions};

const DAY: i64 = 86_400;
/// "Now" for the generated data: 2026-11-01.
const NOW: i64 = 1_793_491_200;
const BRANDS: [(&str, u32); 8] = [
    ("Cumbre Bank", 30),
    ("Nimbo Air", 20),
    ("Lumo Mobile", 15),
    ("Pampa Foods", 10),
    ("Rio Energia", 10),
    ("Vela Hotels", 7),
    ("Orca Seguros", 5),
    ("Tinta Books", 3),
];
const SOURCES: usize = 60;
const PEOPLE: [&str; 6] = [
    "ana@example.com",
    "bruno@example.com",
    "carla@example.com",
    "diego@example.com",
    "elena@example.com",
    "farid@example.com",
];
/// Words people search for, with roughly how often they appear (drawn in `text`).
const SEARCHED: [&str; 6] = [
    "refund",
    "waiting",
    "crash",
    "reembolso",
    "rude",
    "overcharged",
];

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let mentions = args.first().copied().unwrap_or(1_000_000);
    let requests = args.get(1).copied().unwrap_or(200);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run(mentions, requests));
}

async fn run(mentions: usize, requests: usize) {
    let path = cached_db(mentions).await;
    let store = Store::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("open the benchmark database");
    println!(
        "{} mentions in {} ({} MB)",
        store.count_mentions().await.unwrap(),
        path.display(),
        std::fs::metadata(&path).map(|m| m.len() >> 20).unwrap_or(0)
    );
    let brand = |i: usize| Some(BRANDS[i % 4].0.to_string());
    let source = |i: usize| Some(source_name((i * 7) % SOURCES));
    let word = |i: usize| Some(SEARCHED[i % SEARCHED.len()].to_string());
    let week = |i: usize| {
        let end = NOW - (i % 8) as i64 * 7 * DAY;
        (Some(end - 7 * DAY), Some(end))
    };
    type View = (&'static str, bool, Box<dyn Fn(usize) -> InboxQuery>);
    let views: Vec<View> = vec![
        (
            "default: open, by urgency, page 1",
            true,
            Box::new(|_| InboxQuery::default()),
        ),
        (
            "brand + negative + text",
            true,
            Box::new(move |i| InboxQuery {
                brand: brand(i),
                label: Some("negative".into()),
                text: word(i),
                ..InboxQuery::default()
            }),
        ),
        (
            "source + date range (a week), every status",
            true,
            Box::new(move |i| {
                let (from, to) = week(i);
                InboxQuery {
                    source: source(i),
                    status: Some("all".into()),
                    from,
                    to,
                    ..InboxQuery::default()
                }
            }),
        ),
        (
            "brand + negative, open",
            false,
            Box::new(move |i| InboxQuery {
                brand: brand(i),
                label: Some("negative".into()),
                ..InboxQuery::default()
            }),
        ),
        (
            "text only, every status",
            false,
            Box::new(move |i| InboxQuery {
                text: word(i),
                status: Some("all".into()),
                ..InboxQuery::default()
            }),
        ),
        (
            "default, page 20",
            false,
            Box::new(|_| InboxQuery {
                page: 20,
                ..InboxQuery::default()
            }),
        ),
        (
            "status resolved",
            false,
            Box::new(|_| InboxQuery {
                status: Some("resolved".into()),
                ..InboxQuery::default()
            }),
        ),
        (
            "assigned to one person",
            false,
            Box::new(|i| InboxQuery {
                assignee: AssigneeFilter::Person(PEOPLE[i % PEOPLE.len()].into()),
                ..InboxQuery::default()
            }),
        ),
        (
            "language pt",
            false,
            Box::new(|_| InboxQuery {
                lang: Some("pt".into()),
                ..InboxQuery::default()
            }),
        ),
        (
            "newest first",
            false,
            Box::new(|_| InboxQuery {
                sort: Sort::Newest,
                ..InboxQuery::default()
            }),
        ),
        (
            "most negative first",
            false,
            Box::new(|_| InboxQuery {
                sort: Sort::MostNegative,
                ..InboxQuery::default()
            }),
        ),
    ];
    println!(
        "\n{:<46} {:>8} {:>8} {:>8} {:>8}",
        "view", "p50 ms", "p95 ms", "max ms", "total"
    );
    let mut failed = false;
    for (name, goal, make) in &views {
        let plan = store.inbox_plan(&make(0)).await.unwrap();
        let n = if *goal { requests } else { requests / 4 };
        // One warm-up request, as a running server would have had.
        let _ = store.inbox(&make(0)).await.unwrap();
        let mut times = Vec::with_capacity(n);
        let mut total = 0;
        for i in 0..n {
            let q = make(i);
            let start = Instant::now();
            let page = store.inbox(&q).await.unwrap();
            times.push(start.elapsed().as_secs_f64() * 1000.0);
            total = page.total;
        }
        times.sort_by(f64::total_cmp);
        let pct =
            |q: f64| times[((q * times.len() as f64).ceil() as usize).clamp(1, times.len()) - 1];
        let p95 = pct(0.95);
        let mark = if !*goal {
            ""
        } else if p95 <= 50.0 {
            "  ok (goal p95 ≤ 50 ms)"
        } else {
            failed = true;
            "  MISSED (goal p95 ≤ 50 ms)"
        };
        println!(
            "{name:<46} {:>8.1} {:>8.1} {:>8.1} {total:>8}{mark}",
            pct(0.5),
            p95,
            times[times.len() - 1],
        );
        if std::env::var("VIGIA_BENCH_PLANS").is_ok() {
            for line in plan.iter().filter(|l| !l.is_empty()) {
                println!("    {line}");
            }
        }
    }
    failed |= pages(&store, requests).await;
    if failed {
        println!("\nat least one goal was missed");
    }
}

/// The same kinds of views as whole pages: `GET /inbox` through the real router on
/// 127.0.0.1 with a logged-in session, so the figure includes the status counts, the
/// filter facets, the template and HTTP. Timed at the client, so loopback is included.
async fn pages(store: &Store, requests: usize) -> bool {
    use vigia::store::accounts::Role;
    let config = vigia::config::Config::from_toml(
        "[database]\nurl = \"sqlite://bench.db\"\n",
        std::path::Path::new("bench.toml"),
    )
    .expect("config");
    const EMAIL: &str = "bench@vigia.example";
    let user = match store
        .create_user(EMAIL, "benchmark password", Role::Member, NOW)
        .await
    {
        Ok(u) => u.id,
        Err(_) => {
            let users = store.list_users().await.expect("users");
            users
                .iter()
                .find(|u| u.email == EMAIL)
                .expect("bench user")
                .id
        }
    };
    let session = store
        .create_session(user, 3_600, vigia::store::now())
        .await
        .expect("session");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let state = vigia::web::AppState::new(config, store.clone());
    tokio::spawn(vigia::web::serve_on(
        listener,
        state,
        std::future::pending::<()>(),
    ));
    let client = reqwest::Client::new();
    let cookie = format!("vigia_session={}", session.token);
    type PageView = (&'static str, Box<dyn Fn(usize) -> String>);
    let views: Vec<PageView> = vec![
        ("page: default", Box::new(|_| "/inbox".to_string())),
        (
            "page: brand + negative + text",
            Box::new(|i| {
                format!(
                    "/inbox?brand={}&label=negative&q={}",
                    BRANDS[i % 4].0.replace(' ', "+"),
                    SEARCHED[i % SEARCHED.len()]
                )
            }),
        ),
        (
            "page: source + a week, every status",
            Box::new(|i| {
                let end = chrono::DateTime::from_timestamp(NOW - (i % 8) as i64 * 7 * DAY, 0)
                    .expect("date")
                    .date_naive();
                let start = end - chrono::Days::new(7);
                format!(
                    "/inbox?source={}&status=all&from={start}&to={end}",
                    source_name((i * 7) % SOURCES)
                )
            }),
        ),
    ];
    let mut failed = false;
    for (name, make) in &views {
        let get = |path: String| {
            let req = client
                .get(format!("{base}{path}"))
                .header("cookie", &cookie)
                .send();
            async move {
                let resp = req.await.expect("request");
                assert!(resp.status().is_success(), "{path}: {}", resp.status());
                resp.bytes().await.expect("body").len()
            }
        };
        let _ = get(make(0)).await;
        let mut times = Vec::with_capacity(requests);
        let mut bytes = 0;
        for i in 0..requests {
            let start = Instant::now();
            bytes = get(make(i)).await;
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        let pct =
            |q: f64| times[((q * times.len() as f64).ceil() as usize).clamp(1, times.len()) - 1];
        let p95 = pct(0.95);
        let mark = if p95 <= 50.0 {
            "  ok (goal p95 ≤ 50 ms)"
        } else {
            failed = true;
            "  MISSED (goal p95 ≤ 50 ms)"
        };
        println!(
            "{name:<46} {:>8.1} {:>8.1} {:>8.1} {:>7}K{mark}",
            pct(0.5),
            p95,
            times[times.len() - 1],
            bytes / 1024
        );
    }
    failed
}

fn source_name(i: usize) -> String {
    format!("source-{i:02}")
}

/// The benchmark database, built on first use.
async fn cached_db(mentions: usize) -> PathBuf {
    let mut h = DefaultHasher::new();
    for dir in ["migrations/sqlite"] {
        let mut files: Vec<_> =
            std::fs::read_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir))
                .expect("migrations")
                .map(|e| e.expect("entry").path())
                .collect();
        files.sort();
        for f in files {
            std::fs::read(f).expect("migration").hash(&mut h);
        }
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("inbox-{mentions}-{:016x}.db", h.finish()));
    if path.exists() {
        return path;
    }
    std::fs::create_dir_all(&dir).expect("target dir");
    let building = path.with_extension("building");
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", building.display()));
    }
    let start = Instant::now();
    build(&building, mentions).await;
    std::fs::rename(&building, &path).expect("keep the database");
    println!("built in {:.0} s", start.elapsed().as_secs_f64());
    path
}

/// Weighted pick: index into `weights`.
fn pick(rng: &mut Rng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut r = rng.below(u64::from(total)) as u32;
    for (i, w) in weights.iter().enumerate() {
        if r < *w {
            return i;
        }
        r -= w;
    }
    weights.len() - 1
}

/// A vocabulary: `SEARCHED` words at fixed ranks among made-up ones, drawn Zipf-like.
struct Words {
    words: Vec<String>,
    cumulative: Vec<f64>,
}

impl Words {
    fn new(rng: &mut Rng) -> Words {
        const SYLLABLES: [&str; 20] = [
            "ka", "lo", "mi", "ne", "ru", "ta", "vo", "si", "pe", "du", "gra", "tel", "mon", "dar",
            "fi", "zu", "bel", "cor", "sen", "tra",
        ];
        let mut words: Vec<String> = (0..5_000)
            .map(|_| {
                let n = 2 + rng.below(3);
                (0..n)
                    .map(|_| SYLLABLES[rng.below(SYLLABLES.len() as u64) as usize])
                    .collect()
            })
            .collect();
        // Ranks 200..700 of 5,000: each searched word is in about 1-3 % of mentions.
        for (i, w) in SEARCHED.iter().enumerate() {
            words[200 + i * 100] = w.to_string();
        }
        let mut acc = 0.0;
        let cumulative = (0..words.len())
            .map(|r| {
                acc += 1.0 / (r as f64 + 8.0);
                acc
            })
            .collect();
        Words { words, cumulative }
    }

    fn text(&self, rng: &mut Rng, n: usize) -> String {
        let top = *self.cumulative.last().expect("words");
        let mut out = String::new();
        for _ in 0..n {
            let x = rng.unit() * top;
            let i = self.cumulative.partition_point(|c| *c < x);
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&self.words[i.min(self.words.len() - 1)]);
        }
        out
    }
}

async fn build(path: &std::path::Path, mentions: usize) {
    let store = Store::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("create the benchmark database");
    // Sources with weights, so the insert trigger copies them onto mentions.
    for i in 0..SOURCES {
        let weight = match i % 10 {
            0 | 1 => 2.0,
            9 => 0.5,
            _ => 1.0,
        };
        sqlx::query(
            "INSERT INTO sources (name, kind, url, interval_secs, created_at, weight) \
             VALUES ($1, 'feed', $2, 900, $3, $4)",
        )
        .bind(source_name(i))
        .bind(format!("https://example.com/{i}"))
        .bind(NOW - 100 * DAY)
        .bind(weight)
        .execute(store.writer())
        .await
        .unwrap();
    }
    let mut rng = Rng::new(7);
    let words = Words::new(&mut rng);
    let brand_weights: Vec<u32> = BRANDS.iter().map(|b| b.1).collect();
    let source_weights: Vec<u32> = (0..SOURCES as u32).map(|i| 1 + 60 / (i + 1)).collect();
    const BATCH: usize = 5_000;
    let mut done = 0;
    while done < mentions {
        let n = BATCH.min(mentions - done);
        let mut batch = Vec::with_capacity(n);
        let mut triage = Vec::with_capacity(n);
        for k in 0..n {
            let id = done + k;
            let brand = BRANDS[pick(&mut rng, &brand_weights)].0;
            let source = source_name(pick(&mut rng, &source_weights));
            let age = (rng.unit() * rng.unit() * 90.0 * DAY as f64) as i64; // more recent
            let fetched_at = NOW - age;
            let r = rng.unit();
            let (label, compound) = if r < 0.30 {
                ("negative", -0.05 - 0.9 * rng.unit())
            } else if r < 0.55 {
                ("positive", 0.05 + 0.9 * rng.unit())
            } else {
                ("neutral", 0.08 * rng.unit() - 0.04)
            };
            let lang = match rng.below(100) {
                0..55 => "en",
                55..95 => "es",
                _ => "pt",
            };
            let title = format!("{brand}: {}", words.text(&mut rng, 7));
            let snippet = format!(
                "{} {brand} {}",
                words.text(&mut rng, 15),
                words.text(&mut rng, 20)
            );
            let body = format!("{title}. {snippet} {}", words.text(&mut rng, 80));
            batch.push(NewMention {
                brand: brand.into(),
                item_key: format!("https://example.com/item/{id}"),
                source,
                url: Some(format!("https://example.com/item/{id}")),
                title,
                snippet,
                body,
                author: None,
                published_at: Some(fetched_at - 600),
                fetched_at,
                lang: lang.into(),
                lang_reliable: lang != "pt",
                compound,
                pos: 0.0,
                neu: 0.5,
                neg: 0.5,
                label: label.into(),
                whole_compound: compound,
                terms: "[]".into(),
                rating: None,
                rating_value: None,
                rating_best: None,
            });
            triage.push(status_for(&mut rng, age, fetched_at));
        }
        let mut tx = store.begin_write().await.unwrap();
        let created = insert_mentions(&mut tx, &batch).await.unwrap();
        for (index, id) in created {
            let Some((status, assignee, responded, resolved)) = &triage[index] else {
                continue;
            };
            sqlx::query(
                "UPDATE mentions SET status = $1, assignee = $2, first_response_at = $3, \
                 resolved_at = $4 WHERE id = $5",
            )
            .bind(*status)
            .bind(*assignee)
            .bind(*responded)
            .bind(*resolved)
            .bind(id)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        done += n;
        if done % 100_000 == 0 {
            println!("  {done} mentions stored");
        }
    }
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(store.writer())
        .await
        .unwrap();
    store.close().await;
}

type Triage = (&'static str, Option<&'static str>, Option<i64>, Option<i64>);

/// A triage state by age: recent mentions mostly new, old ones mostly closed; `None`
/// leaves the mention new and unassigned.
fn status_for(rng: &mut Rng, age: i64, fetched_at: i64) -> Option<Triage> {
    let open_share = if age < 3 * DAY {
        0.8
    } else if age < 14 * DAY {
        0.45
    } else {
        0.2
    };
    let r = rng.unit();
    let status = if r < 0.08 {
        "dismissed"
    } else if r < 0.08 + open_share * 0.75 {
        return None;
    } else if r < 0.08 + open_share {
        "acknowledged"
    } else if r < 0.08 + open_share + (0.92 - open_share) * 0.4 {
        "responded"
    } else {
        "resolved"
    };
    let assignee = (rng.unit() < 0.25).then(|| PEOPLE[rng.below(PEOPLE.len() as u64) as usize]);
    let responded = matches!(status, "responded" | "resolved")
        .then(|| fetched_at + 600 + rng.below(3 * DAY as u64) as i64);
    let resolved = (status == "resolved").then(|| responded.unwrap_or(fetched_at) + 3_600);
    Some((status, assignee, responded, resolved))
}
