//! Backtest speed: mentions replayed per minute through `vigia::alerts::backtest::run`
//! (JSONL parsing, sorting check, rules, grouping, budgets, output). Goal: ≥ 1,000,000
//! mentions a minute (issue 5). Run: `cargo bench --bench backtest`.
//!
//! Input: ~2M generated mentions (40 brands × 6 weeks, office-hour rhythm, a third
//! negative, titles and short texts, a few injected negative bursts), built in memory,
//! replayed once with spike + instant rules and once with a spreading rule added (which
//! keeps and shingles every text).

use std::fmt::Write as _;
use std::time::Instant;

use chrono::DateTime;
use vigia::alerts::backtest;
use vigia::alerts::notice::RuleKind;
use vigia::alerts::rules::RuleConfig;
use vigia::alerts::spike::synth::{MONDAY_2024, Rng, office_factor};

const BRANDS: u32 = 40;
const WEEKS: i64 = 6;
const HOUR: i64 = 3600;
/// Mean mentions per brand-hour at the office-hour peak factor 1.
const RATE: f64 = 32.0;

const WORDS: [&str; 16] = [
    "service", "delivery", "refund", "price", "support", "quality", "store", "order", "late",
    "broken", "great", "awful", "fast", "team", "app", "update",
];

fn generate() -> (String, usize) {
    let mut rng = Rng::new(42);
    let mut out = String::with_capacity(2_000_000 * 330);
    let mut n = 0usize;
    for h in 0..WEEKS * 7 * 24 {
        let hour_start = MONDAY_2024 + h * HOUR;
        let factor = office_factor(hour_start / HOUR, 3.0);
        for b in 0..BRANDS {
            let burst = h % (24 * 9) == i64::from(b) * 5 + 100;
            let count = rng.poisson(RATE * factor) + if burst { 80 } else { 0 };
            for k in 0..count {
                let secs = hour_start + i64::from(k) * HOUR / i64::from(count.max(1));
                let compound = if burst || rng.unit() < 0.33 {
                    -0.3 - 0.6 * rng.unit()
                } else {
                    0.7 * rng.unit()
                };
                let at = DateTime::from_timestamp(secs, 0)
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default();
                let w = |rng: &mut Rng| WORDS[rng.below(WORDS.len() as u64) as usize];
                let title = format!("{} {} {}", w(&mut rng), w(&mut rng), w(&mut rng));
                let text = format!(
                    "brand{b} {title} {} {} {} {}",
                    w(&mut rng),
                    w(&mut rng),
                    w(&mut rng),
                    w(&mut rng)
                );
                let host = rng.below(200);
                let _ = writeln!(
                    out,
                    r#"{{"id":{n},"brand":"brand{b}","published_at":"{at}","compound":{compound:.4},"url":"https://site{host}.example/{n}","title":"{title}","source":"feed{host}","text":"{text}","lang":"en"}}"#
                );
                n += 1;
            }
        }
    }
    (out, n)
}

fn rule(name: &str, kind: RuleKind) -> RuleConfig {
    let mut r = RuleConfig::new(name, kind);
    r.recipients = vec!["team@example.com".into()];
    r
}

fn main() {
    let t0 = Instant::now();
    let (input, n) = generate();
    println!(
        "generated {n} mentions ({:.0} MB JSONL) in {:.1} s",
        input.len() as f64 / 1e6,
        t0.elapsed().as_secs_f64()
    );
    let mut instant = rule("instant", RuleKind::Instant);
    instant.threshold = Some(-0.85);
    let base = vec![rule("spike", RuleKind::Spike), instant];
    let mut with_spreading = base.clone();
    with_spreading.push(rule("spreading", RuleKind::Spreading));
    for (label, rules) in [
        ("spike + instant", base),
        ("spike + instant + spreading", with_spreading),
    ] {
        let start = Instant::now();
        let mut out = Vec::new();
        let summary = match backtest::run(input.as_bytes(), &rules, &[], &mut out) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("backtest failed: {e}");
                std::process::exit(1);
            }
        };
        let secs = start.elapsed().as_secs_f64();
        let per_min = summary.mentions as f64 / secs * 60.0;
        let spikes = String::from_utf8_lossy(&out)
            .lines()
            .filter(|l| l.contains(r#""kind":"spike""#))
            .count();
        println!(
            "{label:<28} {} mentions in {secs:.2} s = {:.2} M mentions/minute (goal ≥ 1 M) | \
             {} alerts, {} notifications ({spikes} spike), {} held for digest",
            summary.mentions,
            per_min / 1e6,
            summary.alerts,
            summary.notifications,
            summary.held_for_digest
        );
    }
}
