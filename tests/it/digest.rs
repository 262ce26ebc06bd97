//! The weekly digest: its figures for a hand-made week in Madrid (across the October DST
//! change) on both backends, schedule errors refused at load (C03), one digest per
//! recipient and week however often and however interrupted it is queued (A10); the email
//! over real SMTP and the escaping of hostile strings in `email`; the preview in a real
//! headless Chromium in `browser`; the fixture week in `fixture`.

mod browser;
mod email;
mod fixture;

use chrono::{TimeZone, Utc};
use chrono_tz::Tz;
use vigia::config::Config;
use vigia::digest::{Prepared, queue_due, queue_period};
use vigia::store::{self, SourceState, Store};

use crate::support::Db;
use fixture::{H, fixture, local, monday_8am, week};

async fn fixture_week_has_hand_computed_numbers(db: Db) {
    let Some((store, config, _guard)) = fixture(db, 25, "").await else {
        return;
    };
    let spec = &config.digests[0];
    let now = monday_8am().timestamp();
    let prepared = Prepared::new(&store, &config, spec, week(), now)
        .await
        .unwrap();
    let d = &prepared.data;
    assert_eq!(d.period.label(), "2026-W43");
    let [acme, globex] = d.brands.as_slice() else {
        panic!("two brands, in config order: {:?}", d.brands.len());
    };
    assert_eq!(
        (acme.brand.as_str(), globex.brand.as_str()),
        ("Acme", "Globex")
    );

    // Volume and split: the Monday 00:10 and Sunday 23:30 mentions are in, the ones at
    // Sunday 18 Oct 23:50 and Monday 26 Oct 00:30 are not; the dismissed one counts nowhere.
    let c = acme.counts;
    assert_eq!((c.negative, c.neutral, c.positive), (6, 1, 2));
    let p = acme.previous;
    assert_eq!((p.negative, p.neutral, p.positive), (2, 1, 1));
    let per_day: Vec<i64> = acme.daily.iter().map(|d| d.total()).collect();
    assert_eq!(
        per_day,
        [1, 1, 2, 1, 1, 1, 2],
        "local days, Sunday has 25 hours"
    );
    assert_eq!(acme.daily[6].positive, 1, "Sunday 23:30 CET is Sunday");

    // Response times against the 4 h SLA: 1 h, 3 h, 6 h answered of 6 negatives.
    let k = acme.kpis;
    assert_eq!((k.negatives, k.answered, k.within_sla), (6, 3, 2));
    assert_eq!((k.median_secs, k.p90_secs), (Some(3 * H), Some(6 * H)));
    // Open at the week's end: last week's Sunday-night one, and the two still waiting.
    assert_eq!(k.open_at_end, 3);
    assert_eq!(acme.sla_secs, 4 * H);

    // Still unanswered, most negative first; the one from Monday 00:30 is next week's.
    let titles: Vec<&str> = acme.unanswered.iter().map(|m| m.title.as_str()).collect();
    assert_eq!(
        titles,
        ["Refund never came", "Acme negative #9", "Acme negative #1"]
    );
    assert_eq!(acme.unanswered_total, 3);
    assert_eq!(acme.unanswered[1].assignee.as_deref(), Some("ana@x.test"));

    // Sources: by volume, and the ones new this week.
    let top: Vec<(&str, i64, i64)> = acme
        .top_sources
        .iter()
        .map(|s| (s.source.as_str(), s.mentions, s.negative))
        .collect();
    assert_eq!(top, [("forum", 4, 4), ("news", 3, 1), ("reviews", 2, 1)]);
    let new: Vec<(&str, i64)> = acme
        .new_sources
        .iter()
        .map(|s| (s.source.as_str(), s.mentions))
        .collect();
    assert_eq!(new, [("forum", 4), ("reviews", 2)]);

    // Globex: everything new, one open negative, default 24 h SLA, nothing answered.
    assert_eq!((globex.counts.total(), globex.previous.total()), (2, 0));
    assert_eq!(
        (
            globex.kpis.negatives,
            globex.kpis.answered,
            globex.kpis.open_at_end
        ),
        (1, 0, 1)
    );
    assert_eq!(globex.kpis.median_secs, None);
    assert_eq!(globex.sla_secs, 24 * H);

    // The summary is the sum of the sections.
    let t = &d.total;
    assert_eq!(
        (t.counts.total(), t.previous.total(), t.counts.negative),
        (11, 4, 7)
    );
    assert_eq!(
        (t.negatives, t.answered, t.within_sla, t.open_at_end),
        (7, 3, 2, 4)
    );
    let per_day: Vec<i64> = t.daily.iter().map(|d| d.total()).collect();
    assert_eq!(per_day, [1, 2, 3, 1, 1, 1, 2]);

    // Alerts of the week about the covered brands or about no brand.
    let kinds: Vec<(String, usize)> = d.alerts_by_kind();
    assert_eq!(
        kinds,
        [
            ("instant".to_string(), 2),
            ("source-failure".to_string(), 1),
            ("spike".to_string(), 1)
        ]
    );
    assert_eq!(
        d.alerts
            .iter()
            .find(|a| a.kind == "spike")
            .unwrap()
            .mentions,
        3
    );

    // Coverage: blocked now, stale now, and recovered after failing this week.
    let cov: Vec<(&str, SourceState, bool)> = d
        .coverage
        .iter()
        .map(|c| (c.source.as_str(), c.state, c.last_error.is_some()))
        .collect();
    assert_eq!(
        cov,
        [
            ("blocked-site", SourceState::Blocked, true),
            ("quiet", SourceState::Stale, false),
            ("reviews", SourceState::Ok, true),
        ]
    );

    // The same numbers, written: changes vs the previous week and the KPIs.
    let en = prepared
        .render(
            &store,
            &config,
            spec,
            Some("boss@x.test"),
            vigia::alerts::notice::NoticeLang::En,
            vigia::digest::Images::Inline,
        )
        .await
        .unwrap();
    let text = &en.email.text;
    for expected in [
        "Mentions: 11 (+175%)",          // 4 → 11
        "Negative: 64% (+13.6\u{a0}pp)", // 2/4 → 7/11
        "Mentions: 9 (+125%)",           // Acme 4 → 9
        "Negative: 67% (+16.7\u{a0}pp)", // Acme 2/4 → 6/9
        "Within SLA: 33%, 2 of 6 in 4\u{a0}h",
        "Median time to first response: 3\u{a0}h",
        "90th percentile: 6\u{a0}h",
        "Open negatives: 3, at the end of the week",
        "Mentions: 2, none the week before",
        "[\u{2212}0.90] Refund never came",
        "waiting 3\u{a0}d",
        "https://vigia.example.com/mentions/",
        "4 alerts fired: 2 instant, 1 source failure, 1 spike.",
        "held back 4 alert emails this week (4 instant)",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert_eq!(
        en.email.subject,
        "[vigia] All brands, week 43: 11 mentions (+175%), 4 open negatives"
    );
    assert_eq!(
        en.parts.len(),
        3,
        "a chart for the summary and one per brand"
    );
    let es = prepared
        .render(
            &store,
            &config,
            spec,
            Some("equipo@x.test"),
            vigia::alerts::notice::NoticeLang::Es,
            vigia::digest::Images::Inline,
        )
        .await
        .unwrap();
    for expected in [
        "Menciones: 11 (+175\u{202f}%)",
        "Negativas: 64\u{202f}% (+13,6\u{a0}p.\u{a0}p.)",
        "Mediana hasta la primera respuesta: 3\u{a0}h",
        "esperando 3\u{a0}d",
        "retuvo 2 avisos",
        "Saltaron 4 alertas: 2 instantáneas, 1 fallo de fuente, 1 pico.",
        "- news: 3 (1 negativa)",
    ] {
        assert!(
            es.email.text.contains(expected),
            "missing {expected:?} in:\n{}",
            es.email.text
        );
    }
}

#[tokio::test]
async fn digest_fixture_week_has_hand_computed_numbers_sqlite() {
    fixture_week_has_hand_computed_numbers(Db::Sqlite).await;
}

#[tokio::test]
async fn digest_fixture_week_has_hand_computed_numbers_postgres() {
    fixture_week_has_hand_computed_numbers(Db::Postgres).await;
}

fn config_error(digest: &str) -> String {
    let text = format!(
        "[[brand]]\nname = \"Acme\"\n\n[smtp]\nhost = \"127.0.0.1\"\nfrom = \"v@x.test\"\n\n[[digest]]\nname = \"weekly\"\n{digest}"
    );
    Config::from_toml(&text, std::path::Path::new("vigia.toml"))
        .unwrap_err()
        .to_string()
}

#[test]
fn c03_bad_cron_is_refused_at_load_with_line_and_key() {
    let err = config_error("to = [\"a@x.test\"]\ncron = \"0 8 * * MONDAYS\"\n");
    assert!(err.starts_with("vigia.toml:11:"), "{err}");
    assert!(
        err.contains("digest[0].cron") && err.contains("MONDAYS"),
        "{err}"
    );
    let err = config_error("to = [\"a@x.test\"]\ntimezone = \"UTC\"\ncron = \"0 0 8 * * MON\"\n");
    assert!(
        err.starts_with("vigia.toml:12:") && err.contains("five"),
        "{err}"
    );
    let err = config_error("cron = \"0 8 31 2 *\"\nto = [\"a@x.test\"]\n");
    assert!(
        err.starts_with("vigia.toml:10:") && err.contains("never fires"),
        "{err}"
    );
}

#[test]
fn c03_bad_timezone_is_refused_at_load_with_line_and_key() {
    let err =
        config_error("cron = \"0 8 * * MON\"\nto = [\"a@x.test\"]\ntimezone = \"Europe/Madird\"\n");
    assert!(err.starts_with("vigia.toml:12:"), "{err}");
    assert!(
        err.contains("digest[0].timezone") && err.contains("Europe/Madird"),
        "{err}"
    );
}

#[test]
fn c03_digest_recipients_and_brands_are_checked() {
    let err = config_error("cron = \"0 8 * * MON\"\nto = [\"not an address\"]\n");
    assert!(err.contains("digest[0].to[0]"), "{err}");
    let err = config_error("cron = \"0 8 * * MON\"\nto = [\"a@x.test\"]\nbrands = [\"Globex\"]\n");
    assert!(
        err.contains("digest[0].brands[0]") && err.contains("Globex"),
        "{err}"
    );
    let ok = Config::from_toml(
        "[[brand]]\nname = \"Acme\"\n[smtp]\nhost = \"h\"\nfrom = \"v@x.test\"\n[[digest]]\nname = \"w\"\ncron = \"30 7 * * 1\"\ntimezone = \"America/Mexico_City\"\nto = [\"a@x.test\"]\nlang = \"es\"\nbrands = [\"Acme\"]\nperiod = \"week\"\n",
        std::path::Path::new("vigia.toml"),
    )
    .unwrap();
    assert_eq!(ok.digests[0].timezone.name(), "America/Mexico_City");
}

async fn outbox_digests(store: &Store) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = store
        .list_outbox(None, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.message.dedup_key.starts_with("digest:"))
        .map(|r| (r.message.dedup_key, r.message.recipient))
        .collect();
    rows.sort();
    rows
}

async fn a10_queued_twice_or_interrupted_is_one_per_recipient(db: Db) {
    let Some((store, config, _guard)) = fixture(db, 25, "").await else {
        return;
    };
    let mut config = config;
    config.digests[0].to = vec!["a@x.test".into(), "b@x.test".into(), "C@x.test".into()];

    // Not due before Monday 08:00 Madrid; due at 08:00:30.
    let early = monday_8am() - chrono::Duration::minutes(1);
    assert!(queue_due(&store, &config, early).await.unwrap().is_empty());

    // The run dies between the first and the second recipient: a trigger makes the second
    // insert fail, as a crash at that point would.
    let (create, drop) = match store.backend() {
        store::Backend::Sqlite => (
            vec![
                "CREATE TRIGGER crash BEFORE INSERT ON outbox WHEN NEW.recipient = 'b@x.test' \
                  BEGIN SELECT RAISE(ABORT, 'simulated crash'); END",
            ],
            vec!["DROP TRIGGER crash"],
        ),
        store::Backend::Postgres => (
            vec![
                "CREATE FUNCTION crash() RETURNS trigger AS $$ BEGIN IF NEW.recipient = 'b@x.test' \
                 THEN RAISE EXCEPTION 'simulated crash'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER crash BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION crash()",
            ],
            vec!["DROP TRIGGER crash ON outbox", "DROP FUNCTION crash()"],
        ),
    };
    for sql in &create {
        sqlx::query(sql).execute(store.writer()).await.unwrap();
    }
    let at = monday_8am() + chrono::Duration::seconds(30);
    let err = queue_due(&store, &config, at).await.unwrap_err();
    assert!(err.to_string().contains("simulated crash"), "{err}");
    assert_eq!(
        outbox_digests(&store).await,
        [(
            "digest:weekly:a@x.test:2026-W43".to_string(),
            "a@x.test".to_string()
        )],
        "the first recipient's digest was committed before the crash"
    );
    for sql in &drop {
        sqlx::query(sql).execute(store.writer()).await.unwrap();
    }

    // The restarted run queues the rest and not the first again; later runs add nothing.
    let second = queue_due(&store, &config, at + chrono::Duration::minutes(1))
        .await
        .unwrap();
    let new: Vec<(&str, bool)> = second
        .iter()
        .map(|q| (q.recipient.as_str(), q.new))
        .collect();
    assert_eq!(
        new,
        [("a@x.test", false), ("b@x.test", true), ("C@x.test", true)]
    );
    let third = queue_due(&store, &config, at + chrono::Duration::hours(3))
        .await
        .unwrap();
    assert!(third.iter().all(|q| !q.new), "{third:?}");
    queue_period(&store, &config, &config.digests[0], week(), at)
        .await
        .unwrap();
    assert_eq!(
        outbox_digests(&store).await,
        [
            (
                "digest:weekly:a@x.test:2026-W43".to_string(),
                "a@x.test".to_string()
            ),
            (
                "digest:weekly:b@x.test:2026-W43".to_string(),
                "b@x.test".to_string()
            ),
            (
                "digest:weekly:c@x.test:2026-W43".to_string(),
                "C@x.test".to_string()
            ),
        ]
    );
    // A day after the firing it is no longer due; the next Monday is the next week.
    assert!(
        queue_due(&store, &config, at + chrono::Duration::hours(25))
            .await
            .unwrap()
            .is_empty()
    );
    let next = queue_due(&store, &config, at + chrono::Duration::days(7))
        .await
        .unwrap();
    assert!(
        next.iter().all(|q| q.new && q.period == "2026-W44"),
        "{next:?}"
    );
}

#[tokio::test]
async fn a10_digest_queued_twice_or_interrupted_is_one_per_recipient_sqlite() {
    a10_queued_twice_or_interrupted_is_one_per_recipient(Db::Sqlite).await;
}

#[tokio::test]
async fn a10_digest_queued_twice_or_interrupted_is_one_per_recipient_postgres() {
    a10_queued_twice_or_interrupted_is_one_per_recipient(Db::Postgres).await;
}

#[test]
fn digest_period_boundaries_follow_local_midnights_across_dst() {
    // Madrid, the week the clocks go back: 169 hours, Sunday has 25.
    let p = week();
    assert_eq!(p.start(), local(19, 0, 0));
    assert_eq!(p.end(), local(26, 0, 0));
    assert_eq!(p.end() - p.start(), 169 * H);
    assert_eq!(p.end() - p.day_starts()[6], 25 * H);
    // Mexico City has no DST since 2022: a Monday 08:00 digest there reports the week
    // that ended at Monday 00:00 CST (06:00 UTC).
    let mx: Tz = "America/Mexico_City".parse().unwrap();
    let cron = vigia::config::CronSchedule::parse("0 8 * * MON").unwrap();
    let at = Utc.with_ymd_and_hms(2026, 11, 2, 14, 1, 0).unwrap();
    let (fired, period) = vigia::digest::schedule::due(&cron, mx, at).unwrap();
    assert_eq!(fired, Utc.with_ymd_and_hms(2026, 11, 2, 14, 0, 0).unwrap());
    assert_eq!(period.label(), "2026-W44");
    assert_eq!(
        period.end(),
        Utc.with_ymd_and_hms(2026, 11, 2, 6, 0, 0)
            .unwrap()
            .timestamp()
    );
}
