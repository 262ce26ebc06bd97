//! Spike detector bench: recall, detection delay, false alarms and replay speed of our
//! detector at each sensitivity against Huginn's rule, on a generated replay set.
//!
//! The set: ten brand profiles (quiet to very busy, flat or with office-hour rhythm,
//! growing, over-dispersed with syndicated copies) × three seeds, ten weeks each, with
//! injected incidents (sharp burst, one-hour surge, three-hour doubling, six-hour ramp,
//! night surge) and benign events (positive flood with a few misread negatives, news day
//! with the usual sentiment mix, holiday lull). Run: `cargo bench --bench spike`.

use std::time::Instant;

use vigia::alerts::spike::synth::{MONDAY_2024, Rng, SynthMention, office_factor, spread_hour};
use vigia::alerts::spike::{HuginnRule, Sensitivity, SpikeDetector};
use vigia::alerts::spreading::{SpreadingDetector, SpreadingParams, StoryMention};

const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;
const WEEKS: i64 = 10;
/// False alarms are counted from here (Huginn needs 14 days; ours warms up in 3).
const EVAL_FROM_DAY: i64 = 14;
/// Incidents and benign events are placed from here on.
const EVENTS_FROM_DAY: i64 = 21;
/// A fire up to this long after an incident ends still counts as detecting it.
const GRACE: i64 = HOUR;

struct Profile {
    name: &'static str,
    neg: f64,
    pos: f64,
    office: f64,
    growth: f64,
    overdispersed: bool,
}

const PROFILES: [Profile; 10] = [
    Profile {
        name: "quiet",
        neg: 1.0 / 24.0,
        pos: 4.0 / 24.0,
        office: 1.0,
        growth: 1.0,
        overdispersed: false,
    },
    Profile {
        name: "quiet-office",
        neg: 0.05,
        pos: 0.2,
        office: 4.0,
        growth: 1.0,
        overdispersed: false,
    },
    Profile {
        name: "small",
        neg: 0.5,
        pos: 1.5,
        office: 1.0,
        growth: 1.0,
        overdispersed: false,
    },
    Profile {
        name: "small-office",
        neg: 0.4,
        pos: 1.2,
        office: 5.0,
        growth: 1.0,
        overdispersed: true,
    },
    Profile {
        name: "mid",
        neg: 3.0,
        pos: 9.0,
        office: 3.0,
        growth: 1.0,
        overdispersed: false,
    },
    Profile {
        name: "mid-noisy",
        neg: 5.0,
        pos: 15.0,
        office: 1.0,
        growth: 1.0,
        overdispersed: true,
    },
    Profile {
        name: "busy",
        neg: 20.0,
        pos: 60.0,
        office: 1.0,
        growth: 1.0,
        overdispersed: false,
    },
    Profile {
        name: "busy-office",
        neg: 6.0,
        pos: 20.0,
        office: 5.0,
        growth: 1.0,
        overdispersed: true,
    },
    Profile {
        name: "growing",
        neg: 8.0,
        pos: 30.0,
        office: 2.0,
        growth: 1.8,
        overdispersed: false,
    },
    Profile {
        name: "big",
        neg: 80.0,
        pos: 300.0,
        office: 2.0,
        growth: 1.0,
        overdispersed: true,
    },
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Shape {
    Sharp,
    Surge,
    Sustained,
    Ramp,
    Night,
}

const SHAPES: [Shape; 5] = [
    Shape::Sharp,
    Shape::Surge,
    Shape::Sustained,
    Shape::Ramp,
    Shape::Night,
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Benign {
    PositiveFlood,
    NewsDay,
    Holiday,
}

struct Incident {
    brand: u32,
    start: i64,
    end: i64,
    shape: Shape,
}

struct Set {
    names: Vec<String>,
    mentions: Vec<SynthMention>,
    incidents: Vec<Incident>,
    benign: Vec<(u32, i64, i64, Benign)>,
}

/// Expected negatives per hour for a profile at absolute hour `hour` (no noise).
fn base_rate(p: &Profile, hour: i64) -> f64 {
    let t = (hour * HOUR - MONDAY_2024) as f64 / (WEEKS * 7 * DAY) as f64;
    p.neg * office_factor(hour, p.office) * (1.0 + (p.growth - 1.0) * t)
}

fn generate(seeds: u64) -> Set {
    let mut set = Set {
        names: vec![],
        mentions: vec![],
        incidents: vec![],
        benign: vec![],
    };
    let hours = WEEKS * 7 * 24;
    for seed in 1..=seeds {
        for p in &PROFILES {
            let b = set.names.len() as u32;
            set.names.push(format!("{}-{seed}", p.name));
            let mut rng = Rng::new(seed * 1000 + u64::from(b) + 1);
            // Events: one of each incident shape and each benign kind, on distinct days.
            let mut days: Vec<i64> = (EVENTS_FROM_DAY..WEEKS * 7 - 1).collect();
            let mut pick_day = |rng: &mut Rng| {
                let i = rng.below(days.len() as u64) as usize;
                days.swap_remove(i)
            };
            let mut extra: Vec<(i64, i64, f64, f64)> = vec![]; // (start, end, neg/h, pos/h)
            for shape in SHAPES {
                let day = pick_day(&mut rng);
                let hour = if shape == Shape::Night {
                    1 + rng.below(3) as i64
                } else {
                    9 + rng.below(8) as i64
                };
                let start = MONDAY_2024 + day * DAY + hour * HOUR + rng.below(60) as i64 * 60;
                let base = base_rate(p, start / HOUR);
                let (end, parts): (i64, Vec<(i64, i64, f64)>) = match shape {
                    Shape::Sharp => (
                        start + HOUR / 2,
                        vec![(start, start + HOUR / 2, 2.0 * (3.0 * base).max(8.0))],
                    ),
                    Shape::Surge | Shape::Night => (
                        start + HOUR,
                        vec![(start, start + HOUR, (2.0 * base).max(8.0))],
                    ),
                    Shape::Sustained => (
                        start + 3 * HOUR,
                        vec![(start, start + 3 * HOUR, base.max(4.0))],
                    ),
                    Shape::Ramp => {
                        let parts = (0..6)
                            .map(|k| {
                                let s = start + k * HOUR;
                                (s, s + HOUR, 4.0 * base.max(0.75) * (k as f64 + 0.5) / 6.0)
                            })
                            .collect();
                        (start + 6 * HOUR, parts)
                    }
                };
                for (s, e, neg) in parts {
                    extra.push((s, e, neg, 0.3 * neg));
                }
                set.incidents.push(Incident {
                    brand: b,
                    start,
                    end,
                    shape,
                });
            }
            let mut mult: Vec<(i64, i64, f64)> = vec![];
            for kind in [Benign::PositiveFlood, Benign::NewsDay, Benign::Holiday] {
                let day = pick_day(&mut rng);
                let start = MONDAY_2024 + day * DAY + (8 + rng.below(8) as i64) * HOUR;
                let total = base_rate(p, start / HOUR) * (1.0 + p.pos / p.neg);
                match kind {
                    Benign::PositiveFlood => {
                        let flood = 10.0 * total + 50.0;
                        extra.push((start, start + 2 * HOUR, 0.05 * flood, flood));
                        set.benign.push((b, start, start + 2 * HOUR, kind));
                    }
                    Benign::NewsDay => {
                        mult.push((start, start + 6 * HOUR, 3.0));
                        set.benign.push((b, start, start + 6 * HOUR, kind));
                    }
                    Benign::Holiday => {
                        let s = MONDAY_2024 + day * DAY;
                        mult.push((s, s + DAY, 0.3));
                        set.benign.push((b, s, s + DAY, kind));
                    }
                }
            }
            let mut day_level = 1.0;
            for h in 0..hours {
                let hs = MONDAY_2024 + h * HOUR;
                if h % 24 == 0 {
                    day_level = (0.15 * rng.normal()).exp();
                }
                let mut level = day_level;
                if p.overdispersed {
                    level *= (0.2 * rng.normal()).exp();
                }
                for &(s, e, m) in &mult {
                    if hs >= s && hs < e {
                        level *= m;
                    }
                }
                let neg = base_rate(p, hs / HOUR) * level;
                let pos = neg * p.pos / p.neg;
                for (lambda, negative) in [(neg, true), (pos, false)] {
                    let n = rng.poisson(lambda);
                    if p.overdispersed && negative {
                        // Syndication: a fifth of negatives come with 1–3 copies minutes apart.
                        let mut tmp = vec![];
                        spread_hour(&mut rng, &mut tmp, b, hs, n, true);
                        for m in tmp {
                            set.mentions.push(m);
                            if rng.below(5) == 0 {
                                for c in 0..1 + rng.below(3) as i64 {
                                    let secs = (m.secs + 60 * (c + 1)).min(hs + HOUR - 1);
                                    set.mentions.push(SynthMention { secs, ..m });
                                }
                            }
                        }
                    } else {
                        spread_hour(&mut rng, &mut set.mentions, b, hs, n, negative);
                    }
                }
                for &(s, e, neg, pos) in &extra {
                    let overlap = (e.min(hs + HOUR) - s.max(hs)).max(0);
                    if overlap == 0 {
                        continue;
                    }
                    let f = overlap as f64 / HOUR as f64;
                    for (rate, negative) in [(neg, true), (pos, false)] {
                        for _ in 0..rng.poisson(rate * f) {
                            let secs = s.max(hs) + rng.below(overlap as u64) as i64;
                            set.mentions.push(SynthMention {
                                secs,
                                brand: b,
                                negative,
                            });
                        }
                    }
                }
            }
        }
    }
    set.mentions.sort_unstable();
    set
}

#[derive(Default)]
struct Score {
    detected: Vec<(Shape, i64)>,
    missed: Vec<Shape>,
    false_alarms: usize,
    benign_alarms: usize,
    per_min: f64,
}

fn score(set: &Set, fires: &[(u32, i64)], elapsed: f64) -> Score {
    let mut s = Score {
        per_min: set.mentions.len() as f64 / elapsed * 60.0,
        ..Score::default()
    };
    for inc in &set.incidents {
        let first = fires
            .iter()
            .filter(|&&(b, t)| b == inc.brand && t >= inc.start && t <= inc.end + GRACE)
            .map(|&(_, t)| t)
            .min();
        match first {
            Some(t) => s.detected.push((inc.shape, t - inc.start)),
            None => s.missed.push(inc.shape),
        }
    }
    for &(b, t) in fires {
        if t < MONDAY_2024 + EVAL_FROM_DAY * DAY {
            continue;
        }
        let in_incident = set
            .incidents
            .iter()
            .any(|i| i.brand == b && t >= i.start && t <= i.end + GRACE);
        if in_incident {
            continue;
        }
        s.false_alarms += 1;
        if set
            .benign
            .iter()
            .any(|&(bb, st, e, _)| bb == b && t >= st && t <= e + GRACE)
        {
            s.benign_alarms += 1;
        }
    }
    s
}

fn percentile(v: &mut [i64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_unstable();
    v[((v.len() - 1) as f64 * q).round() as usize] as f64 / 60.0
}

fn print_row(name: &str, set: &Set, s: &Score) {
    let brand_weeks = set.names.len() as f64 * (WEEKS * 7 - EVAL_FROM_DAY) as f64 / 7.0;
    let mut delays: Vec<i64> = s.detected.iter().map(|&(_, d)| d).collect();
    let by_shape: Vec<String> = SHAPES
        .iter()
        .map(|sh| {
            let hit = s.detected.iter().filter(|(x, _)| x == sh).count();
            let all = hit + s.missed.iter().filter(|x| *x == sh).count();
            format!("{hit}/{all}")
        })
        .collect();
    println!(
        "| {name:<13} | {:>3}/{:<3} {:>5.1}% | {:>6.1} | {:>6.1} | {:>4} | {:>6.3} | {:>6} | {} | {:>7.1} |",
        s.detected.len(),
        set.incidents.len(),
        100.0 * s.detected.len() as f64 / set.incidents.len() as f64,
        percentile(&mut delays, 0.5),
        percentile(&mut delays, 0.9),
        s.false_alarms,
        s.false_alarms as f64 / brand_weeks,
        s.benign_alarms,
        by_shape.join(" "),
        s.per_min / 1e6,
    );
}

/// Per profile: detected/total incidents and false alarms.
fn print_profiles(name: &str, set: &Set, fires: &[(u32, i64)]) {
    let mut cells = vec![];
    for (pi, p) in PROFILES.iter().enumerate() {
        let of_profile = |b: u32| b as usize % PROFILES.len() == pi;
        let sub: Vec<(u32, i64)> = fires
            .iter()
            .copied()
            .filter(|&(b, _)| of_profile(b))
            .collect();
        let s = score(set, &sub, 1.0);
        let own = set.incidents.iter().filter(|i| of_profile(i.brand)).count();
        let missed_here = set
            .incidents
            .iter()
            .filter(|i| of_profile(i.brand))
            .filter(|i| {
                !sub.iter()
                    .any(|&(b, t)| b == i.brand && t >= i.start && t <= i.end + GRACE)
            })
            .count();
        cells.push(format!(
            "{} {}/{} FA {}",
            p.name,
            own - missed_here,
            own,
            s.false_alarms
        ));
    }
    println!("{name:<13} {}", cells.join(" | "));
}

fn run_ours(set: &Set, sens: Sensitivity) -> (Vec<(u32, i64)>, f64) {
    let mut det = SpikeDetector::new(sens);
    let mut fires = vec![];
    let t0 = Instant::now();
    for m in &set.mentions {
        let brand = &set.names[m.brand as usize];
        if let Some(s) = det.observe_and_check(brand, m.at(), m.negative) {
            fires.push((m.brand, s.fired_at.timestamp()));
        }
    }
    (fires, t0.elapsed().as_secs_f64())
}

fn run_huginn(set: &Set) -> (Vec<(u32, i64)>, f64) {
    let mut rule = HuginnRule::new();
    let mut fires = vec![];
    let t0 = Instant::now();
    for m in &set.mentions {
        let brand = &set.names[m.brand as usize];
        rule.observe(brand, m.at(), m.negative);
        if let Some(p) = rule.check(brand, m.at()) {
            fires.push((m.brand, p.fired_at.timestamp()));
        }
    }
    (fires, t0.elapsed().as_secs_f64())
}

/// Spreading-story replay speed on generated headlines (what the backtest feeds it).
fn spreading_speed() {
    let words: Vec<String> = (0..5000).map(|i| format!("w{i}")).collect();
    let mut rng = Rng::new(99);
    let n = 1_000_000;
    let mut titles = Vec::with_capacity(n);
    let mut stories: Vec<String> = vec![];
    for _ in 0..n {
        if !stories.is_empty() && rng.below(50) == 0 {
            titles.push(stories[rng.below(stories.len() as u64) as usize].clone());
        } else {
            let t: Vec<&str> = (0..9)
                .map(|_| words[rng.below(5000) as usize].as_str())
                .collect();
            let t = t.join(" ");
            if rng.below(100) == 0 {
                stories.push(t.clone());
            }
            titles.push(t);
        }
    }
    let mut det = SpreadingDetector::new(SpreadingParams::default());
    let t0 = Instant::now();
    let mut fired = 0;
    for (i, title) in titles.iter().enumerate() {
        let secs = MONDAY_2024 + (i as i64) * 2;
        let host = format!("h{}.example", i % 40);
        let m = StoryMention {
            brand: if i % 2 == 0 { "acme" } else { "globex" },
            ts: chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default(),
            host: &host,
            url: "https://example.com/x",
            title,
            text: "",
            is_negative: true,
        };
        fired += usize::from(det.observe(&m).is_some());
    }
    let el = t0.elapsed().as_secs_f64();
    println!(
        "\nspreading: {n} headlines (2 brands, one every 2 s, 6 h window ≈ 5,400 indexed per brand): {:.2} M mentions/min, {fired} stories fired",
        n as f64 / el * 60.0 / 1e6
    );
}

fn main() {
    let t0 = Instant::now();
    let set = generate(3);
    println!(
        "replay set: {} brands × {WEEKS} weeks, {} mentions ({} negative), {} incidents, {} benign events (generated in {:.1} s)",
        set.names.len(),
        set.mentions.len(),
        set.mentions.iter().filter(|m| m.negative).count(),
        set.incidents.len(),
        set.benign.len(),
        t0.elapsed().as_secs_f64()
    );
    println!(
        "false alarms counted from day {EVAL_FROM_DAY}; an incident is detected by a fire between its start and 1 h after its end\n"
    );
    println!(
        "| detector      | recall            | med delay min | p90 delay min | FA | FA/brand-week | FA in benign | by shape: sharp surge sustained ramp night | M mentions/min |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut all = vec![];
    for sens in Sensitivity::ALL {
        let (fires, el) = run_ours(&set, sens);
        print_row(sens.as_str(), &set, &score(&set, &fires, el));
        all.push((sens.as_str(), fires));
    }
    let (fires, el) = run_huginn(&set);
    print_row("huginn", &set, &score(&set, &fires, el));
    all.push(("huginn", fires));
    println!("\nby profile (incidents detected/total, false alarms):");
    for (name, fires) in &all {
        print_profiles(name, &set, fires);
    }
    spreading_speed();
}
