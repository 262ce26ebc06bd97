//! Alert rules, Alertmanager-style grouping with an injected clock, budgets, and the
//! `vigia backtest` JSONL contract (issue 5 items 1, 2 and 5; A08).

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use vigia::alerts::backtest::{self, BacktestError};
use vigia::alerts::grouping::{Admit, Budgets, Flush, Grouper};
use vigia::alerts::notice::{RuleKind, Why};
use vigia::alerts::rules::{
    BudgetConfig, Engine, Fired, MentionEvent, RecipientConfig, RuleConfig,
};
use vigia::alerts::spike::synth::{MONDAY_2024, Rng};

const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

fn t(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(MONDAY_2024 + secs, 0).expect("valid time")
}

fn rule(name: &str, kind: RuleKind) -> RuleConfig {
    let mut r = RuleConfig::new(name, kind);
    r.recipients = vec!["team@example.com".into()];
    r
}

fn mention(id: i64, at: i64, compound: f64) -> MentionEvent {
    MentionEvent {
        id,
        brand: "acme".into(),
        source: "news".into(),
        host: "news.example.com".into(),
        url: format!("https://news.example.com/{id}"),
        title: format!("item {id}"),
        compound,
        lang: Some("en".into()),
        published_at: t(at),
        ..MentionEvent::default()
    }
}

fn instant_alert(rule: &str, id: i64, at: i64) -> Fired {
    Fired {
        rule: rule.into(),
        kind: RuleKind::Instant,
        brand: Some("acme".into()),
        at: t(at),
        key: format!("mention:{id}"),
        mention_ids: vec![id],
        why: Why::Instant { threshold: -0.5 },
    }
}

/// Drive a grouper like the worker does: before each alert at time `at`, run every wake-up
/// strictly before `at`; after the last one, run the rest. Flushes are returned in order.
fn drive(g: &mut Grouper, alerts: Vec<(Fired, i64)>) -> Vec<Flush> {
    let mut out = Vec::new();
    for (f, at) in alerts {
        while let Some(w) = g.next_wake().filter(|w| *w < t(at)) {
            out.extend(g.due(w));
        }
        g.add(f, t(at));
    }
    while let Some(w) = g.next_wake() {
        out.extend(g.due(w));
    }
    out
}

fn ids(f: &Flush) -> Vec<i64> {
    f.mention_ids()
}

#[test]
fn grouping_group_wait_batches_then_group_interval_spaces() {
    let mut r = rule("neg", RuleKind::Instant);
    r.group_wait = Some(Duration::from_secs(120));
    r.group_interval = Some(Duration::from_secs(600));
    let mut g = Grouper::new(&[r]);
    let alerts = [(1, 0), (2, 30), (3, 90), (4, 200), (5, 700), (6, 2000)]
        .into_iter()
        .map(|(id, at)| (instant_alert("neg", id, at), at))
        .collect();
    let flushes = drive(&mut g, alerts);
    let got: Vec<(i64, Vec<i64>, bool)> = flushes
        .iter()
        .map(|f| (f.at.timestamp() - MONDAY_2024, ids(f), f.repeat))
        .collect();
    assert_eq!(
        got,
        vec![
            (120, vec![1, 2, 3], false), // group_wait batches the first three
            (720, vec![4, 5], false),    // then one flush per group_interval
            (2000, vec![6], false),      // interval long past: at once
        ]
    );
    assert!(flushes.iter().all(|f| f.first_at == t(0)));
    assert_eq!(
        g.open_groups(),
        0,
        "silent group closes after resolve_timeout"
    );
}

#[test]
fn grouping_zero_group_wait_sends_on_the_next_due_call() {
    let mut r = rule("neg", RuleKind::Instant);
    r.group_wait = Some(Duration::ZERO);
    let mut g = Grouper::new(&[r]);
    assert!(g.add(instant_alert("neg", 1, 10), t(10)));
    assert_eq!(g.next_wake(), Some(t(10)));
    let f = g.due(t(10));
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].at, t(10));
    // The same alert again is a refresh, not a new notification.
    assert!(!g.add(instant_alert("neg", 1, 10), t(20)));
    assert!(g.due(t(20)).is_empty());
}

#[test]
fn grouping_groups_by_rule_and_brand() {
    let mut g = Grouper::new(&[rule("neg", RuleKind::Instant)]);
    let mut other = instant_alert("neg", 2, 0);
    other.brand = Some("globex".into());
    g.add(instant_alert("neg", 1, 0), t(0));
    g.add(other, t(0));
    let flushes = g.due(t(HOUR));
    assert_eq!(flushes.len(), 2);
    let brands: Vec<_> = flushes.iter().map(|f| f.brand.clone()).collect();
    assert!(brands.contains(&Some("acme".into())) && brands.contains(&Some("globex".into())));
}

#[test]
fn grouping_repeat_interval_for_a_group_still_firing() {
    let mut r = rule("down", RuleKind::SourceFailure);
    r.group_wait = Some(Duration::ZERO);
    r.repeat_interval = Some(Duration::from_secs(4 * 3600));
    let mut g = Grouper::new(&[r]);
    let alert = |at: i64| Fired {
        rule: "down".into(),
        kind: RuleKind::SourceFailure,
        brand: None,
        at: t(at),
        key: "source:feed:0".into(),
        mention_ids: vec![],
        why: Why::SourceFailure {
            source: "feed".into(),
            state: "failing".into(),
            since: t(0),
            last_error: "HTTP 503".into(),
        },
    };
    // Re-reported every hour for 9 hours (still failing), then recovered.
    let alerts = (0..=9).map(|h| (alert(h * HOUR), h * HOUR)).collect();
    let flushes = drive(&mut g, alerts);
    let got: Vec<(i64, bool)> = flushes
        .iter()
        .map(|f| ((f.at.timestamp() - MONDAY_2024) / HOUR, f.repeat))
        .collect();
    // First at once, repeats every 4 h while alive (last report at 9 h + 4 h resolve).
    assert_eq!(got, vec![(0, false), (4, true), (8, true), (12, true)]);
    assert!(flushes.iter().all(|f| f.alerts.len() == 1));
    assert_eq!(g.open_groups(), 0);
}

#[test]
fn a08_thirty_negative_mentions_in_two_minutes_one_grouped_notification() {
    let rules = [rule("negative", RuleKind::Instant)]; // default group_wait 2m
    let mut engine = Engine::new(&rules).expect("rules");
    let mut g = Grouper::new(&rules);
    let mut alerts = Vec::new();
    for i in 0..30 {
        let at = i * 4; // 0 .. 116 s
        for f in engine.observe(&mention(i + 1, at, -0.8)) {
            alerts.push((f, at));
        }
    }
    assert_eq!(alerts.len(), 30, "every mention qualifies");
    let flushes = drive(&mut g, alerts);
    assert_eq!(flushes.len(), 1, "{flushes:#?}");
    assert!(!flushes[0].repeat);
    assert_eq!(ids(&flushes[0]), (1..=30).collect::<Vec<_>>());
    assert_eq!(g.open_groups(), 0, "no repeats: the group closed");
}

#[test]
fn budgets_sixth_instant_email_is_held_and_next_day_resets() {
    let mut recipient = RecipientConfig::new("team@example.com");
    recipient.budget = BudgetConfig {
        instant: Some(5),
        ..BudgetConfig::default()
    };
    let mut b = Budgets::new(&[recipient]);
    let day1 = NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
    let day2 = day1.succ_opt().expect("date");
    for _ in 0..5 {
        assert_eq!(
            b.admit("team@example.com", RuleKind::Instant, day1),
            Admit::Send
        );
    }
    assert_eq!(
        b.admit("team@example.com", RuleKind::Instant, day1),
        Admit::HeldForDigest { held_today: 1 }
    );
    assert_eq!(
        b.admit("team@example.com", RuleKind::Instant, day1),
        Admit::HeldForDigest { held_today: 2 }
    );
    // Other kinds are unlimited by default; other recipients get the default budget.
    assert_eq!(
        b.admit("team@example.com", RuleKind::Spike, day1),
        Admit::Send
    );
    assert_eq!(
        b.admit("other@example.com", RuleKind::Instant, day1),
        Admit::Send
    );
    assert_eq!(b.held_today("team@example.com", RuleKind::Instant, day1), 2);
    // Persisted state survives a restart.
    let json = serde_json::to_string(b.state()).expect("serialize");
    let mut b = Budgets::with_state(
        &[RecipientConfig {
            budget: BudgetConfig {
                instant: Some(5),
                ..BudgetConfig::default()
            },
            ..RecipientConfig::new("team@example.com")
        }],
        serde_json::from_str(&json).expect("deserialize"),
    );
    assert_eq!(
        b.admit("team@example.com", RuleKind::Instant, day1),
        Admit::HeldForDigest { held_today: 3 }
    );
    assert_eq!(
        b.admit("team@example.com", RuleKind::Instant, day2),
        Admit::Send
    );
    assert_eq!(b.held_today("team@example.com", RuleKind::Instant, day2), 0);
}

#[test]
fn instant_threshold_and_filters() {
    let mut r = rule("reviews", RuleKind::Instant);
    r.threshold = Some(-0.6);
    r.sources = vec!["Trustpilot".into()];
    r.langs = vec!["es".into()];
    r.max_rating = Some(0.4);
    let mut e = Engine::new(&[r]).expect("rules");
    let base = |compound: f64| MentionEvent {
        source: "trustpilot".into(),
        lang: Some("es".into()),
        rating: Some(0.2),
        ..mention(1, 0, compound)
    };
    assert_eq!(e.observe(&base(-0.6)).len(), 1, "at the threshold fires");
    assert!(e.observe(&base(-0.59)).is_empty(), "above the threshold");
    let wrong_source = MentionEvent {
        source: "news".into(),
        ..base(-0.9)
    };
    assert!(e.observe(&wrong_source).is_empty());
    let wrong_lang = MentionEvent {
        lang: Some("en".into()),
        ..base(-0.9)
    };
    assert!(e.observe(&wrong_lang).is_empty());
    let no_lang = MentionEvent {
        lang: None,
        ..base(-0.9)
    };
    assert!(e.observe(&no_lang).is_empty());
    let good_rating = MentionEvent {
        rating: Some(0.8),
        ..base(-0.9)
    };
    assert!(e.observe(&good_rating).is_empty());
    let no_rating = MentionEvent {
        rating: None,
        ..base(-0.9)
    };
    assert!(
        e.observe(&no_rating).is_empty(),
        "max_rating needs a rating"
    );
}

#[test]
fn source_failure_fires_after_x_once_per_episode() {
    let mut r = rule("down", RuleKind::SourceFailure);
    r.after = Some(Duration::from_secs(3600));
    let mut e = Engine::new(&[r]).expect("rules");
    let since = Some(t(0));
    assert!(
        e.source_state("feed", "failing", since, "HTTP 503", t(1800))
            .is_empty()
    );
    let fired = e.source_state("feed", "failing", since, "HTTP 503", t(3600));
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].brand, None);
    match &fired[0].why {
        Why::SourceFailure {
            source, last_error, ..
        } => assert_eq!((source.as_str(), last_error.as_str()), ("feed", "HTTP 503")),
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        e.source_state("feed", "failing", since, "HTTP 503", t(7200))
            .is_empty()
    );
    // Recovered, then failing again: a new episode fires again after `after`.
    assert!(e.source_state("feed", "ok", None, "", t(8000)).is_empty());
    let again = Some(t(9000));
    assert!(
        e.source_state("feed", "blocked", again, "403", t(9000))
            .is_empty()
    );
    assert_eq!(
        e.source_state("feed", "blocked", again, "403", t(12_600))
            .len(),
        1
    );
}

#[test]
fn spreading_rule_reports_origin_and_pickups() {
    let mut r = rule("story", RuleKind::Spreading);
    r.hosts = Some(3);
    let mut e = Engine::new(&[r]).expect("rules");
    let text = "Acme recalls thousands of kettles after fire reports from angry customers";
    let mut fired = Vec::new();
    for (i, host) in ["a.example", "b.example", "c.example"].iter().enumerate() {
        let i = i as i64;
        let m = MentionEvent {
            host: (*host).into(),
            url: format!("https://{host}/story"),
            title: "Acme kettle recall".into(),
            text: text.into(),
            ..mention(i + 1, i * 600, -0.7)
        };
        fired.extend(e.observe(&m));
    }
    assert_eq!(fired.len(), 1, "{fired:#?}");
    match &fired[0].why {
        Why::Spreading {
            first,
            picked_up_by,
        } => {
            assert_eq!(first.host, "a.example");
            let hosts: Vec<&str> = picked_up_by.iter().map(|s| s.host.as_str()).collect();
            assert_eq!(hosts, ["b.example", "c.example"]);
        }
        other => panic!("unexpected {other:?}"),
    }
}

/// Two weeks of a small brand's mentions (≈1 negative and 4 positives an hour), as JSONL.
fn history_jsonl(seed: u64, days: i64) -> Vec<String> {
    let mut rng = Rng::new(seed);
    let mut mentions = Vec::new();
    for h in 0..days * 24 {
        for (rate, compound) in [(1.0, -0.6), (4.0, 0.6)] {
            let n = rng.poisson(rate);
            for k in 0..n {
                mentions.push((h * HOUR + i64::from(k) * HOUR / i64::from(n), compound));
            }
        }
    }
    mentions.sort_by_key(|m| m.0);
    mentions
        .into_iter()
        .map(|(at, compound)| line("acme", at, compound))
        .collect()
}

fn line(brand: &str, at: i64, compound: f64) -> String {
    serde_json::json!({
        "brand": brand,
        "published_at": t(at).to_rfc3339(),
        "compound": compound,
        "url": format!("https://example.com/{at}"),
        "title": "a title",
        "source": "feed",
        "extra": {"ignored": [1, 2, 3]},
    })
    .to_string()
}

fn run_backtest(lines: &[String], rules: &[RuleConfig]) -> (Vec<Value>, backtest::BacktestSummary) {
    let input = lines.join("\n");
    let mut out = Vec::new();
    let summary = backtest::run(input.as_bytes(), rules, &[], &mut out).expect("backtest runs");
    let text = String::from_utf8(out).expect("utf-8 output");
    let values = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each output line is JSON"))
        .collect();
    (values, summary)
}

const BURST_AT: i64 = 14 * DAY + 10 * HOUR;

#[test]
fn backtest_jsonl_contract_spike_fires_with_count_and_baseline() {
    let mut lines = history_jsonl(7, 14);
    for k in 0..30 {
        lines.push(line("acme", BURST_AT + k * 60, -0.8)); // 30 negatives in 30 min
    }
    lines.push(line("acme", BURST_AT + 3 * HOUR, 0.5));
    let (out, summary) = run_backtest(&lines, &[rule("negative-spike", RuleKind::Spike)]);
    assert_eq!(summary.mentions, lines.len() as u64);
    assert!(!summary.reordered);
    let burst: Vec<&Value> = out
        .iter()
        .filter(|v| {
            v["fired_at"]
                .as_str()
                .is_some_and(|s| s >= t(BURST_AT).to_rfc3339().as_str())
        })
        .collect();
    assert_eq!(burst.len(), 1, "{out:#?}");
    let v = burst[0];
    for key in ["rule", "kind", "brand", "fired_at", "count", "baseline"] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["rule"], "negative-spike");
    assert_eq!(v["kind"], "spike");
    assert_eq!(v["brand"], "acme");
    let fired_at = DateTime::parse_from_rfc3339(v["fired_at"].as_str().expect("string"))
        .expect("RFC 3339")
        .with_timezone(&Utc);
    assert!(
        fired_at < t(BURST_AT + 30 * 60),
        "fires while the burst runs: {fired_at}"
    );
    let count = v["count"].as_u64().expect("integer count");
    let baseline = v["baseline"].as_f64().expect("numeric baseline");
    assert!(count >= 6 && (count as f64) > baseline * 1.5, "{v}");
    assert_eq!(v["repeat"], false);
    assert_eq!(v["recipients"], serde_json::json!(["team@example.com"]));
    assert_eq!(
        v["mention_ids"].as_array().map(Vec::len),
        Some(count as usize)
    );
}

#[test]
fn backtest_positive_burst_does_not_fire_and_order_does_not_matter() {
    let mut lines = history_jsonl(7, 14);
    for k in 0..300 {
        lines.push(line("acme", BURST_AT + k * 12, 0.8)); // 300 positives in an hour
    }
    let rules = [rule("negative-spike", RuleKind::Spike)];
    let (sorted_out, _) = run_backtest(&lines, &rules);
    let late: Vec<_> = sorted_out
        .iter()
        .filter(|v| {
            v["fired_at"]
                .as_str()
                .is_some_and(|s| s >= t(BURST_AT).to_rfc3339().as_str())
        })
        .collect();
    assert!(late.is_empty(), "a positive burst is no crisis: {late:#?}");
    // Reversed input is sorted back into time order: identical notifications.
    lines.reverse();
    let (reversed_out, summary) = run_backtest(&lines, &rules);
    assert!(summary.reordered);
    assert_eq!(reversed_out.len(), sorted_out.len());
    for (a, b) in reversed_out.iter().zip(&sorted_out) {
        assert_eq!(
            (&a["fired_at"], &a["count"], &a["baseline"]),
            (&b["fired_at"], &b["count"], &b["baseline"])
        );
    }
}

#[test]
fn backtest_instant_budget_marks_held_for_digest() {
    let mut r = rule("neg", RuleKind::Instant);
    r.group_wait = Some(Duration::ZERO);
    r.group_interval = Some(Duration::from_secs(60));
    let recipients = [RecipientConfig {
        budget: BudgetConfig {
            instant: Some(5),
            ..BudgetConfig::default()
        },
        ..RecipientConfig::new("team@example.com")
    }];
    // One negative mention every 10 minutes for a day and a bit: one email each.
    let lines: Vec<String> = (0..150).map(|i| line("acme", i * 600, -0.9)).collect();
    let mut out = Vec::new();
    let summary = backtest::run(lines.join("\n").as_bytes(), &[r], &recipients, &mut out)
        .expect("backtest runs");
    let values: Vec<Value> = String::from_utf8(out)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(values.len(), 150);
    let sent_on = |day: &str| {
        values
            .iter()
            .filter(|v| v["fired_at"].as_str().is_some_and(|s| s.starts_with(day)))
            .filter(|v| v["recipients"].as_array().is_some_and(|a| !a.is_empty()))
            .count()
    };
    assert_eq!(sent_on("2024-01-01"), 5);
    assert_eq!(sent_on("2024-01-02"), 5, "the next day resets");
    assert_eq!(summary.held_for_digest, 150 - 10);
    assert_eq!(
        values[5]["held_for_digest"],
        serde_json::json!(["team@example.com"])
    );
    assert!(
        values
            .iter()
            .all(|v| v["baseline"].is_null() && v["count"] == 1)
    );
}

#[test]
fn backtest_malformed_line_names_its_number() {
    let rules = [rule("negative-spike", RuleKind::Spike)];
    let cases = [
        ("{\"brand\":\"acme\"", 3, "EOF"),
        (
            "{\"brand\":\"acme\",\"published_at\":\"yesterday\",\"compound\":-0.5}",
            3,
            "RFC 3339",
        ),
        (
            "{\"brand\":\"acme\",\"published_at\":\"2024-01-01T00:00:00Z\"}",
            3,
            "compound",
        ),
        (
            "{\"brand\":\"acme\",\"published_at\":\"2024-01-01T00:00:00Z\",\"compound\":7}",
            3,
            "outside",
        ),
        ("not json", 3, "expected"),
    ];
    for (bad, line_no, needle) in cases {
        let input = format!(
            "{}\n\n{bad}\n{}\n",
            line("acme", 0, 0.1),
            line("acme", 60, 0.1)
        );
        let err = backtest::run(input.as_bytes(), &rules, &[], Vec::new()).expect_err(bad);
        match &err {
            BacktestError::Line { line, message } => {
                assert_eq!(*line, line_no, "{err}");
                assert!(message.contains(needle), "{bad}: {message}");
            }
            other => panic!("{bad}: unexpected error {other}"),
        }
        assert!(err.to_string().contains("line 3"), "{err}");
    }
}

#[test]
fn backtest_refuses_invalid_rules() {
    let mut r = rule("neg", RuleKind::Instant);
    r.threshold = Some(3.0);
    let err = backtest::run(&b""[..], &[r], &[], Vec::new()).expect_err("refused");
    assert!(matches!(err, BacktestError::Rules(_)), "{err}");
    assert!(err.to_string().contains("threshold"), "{err}");
}
