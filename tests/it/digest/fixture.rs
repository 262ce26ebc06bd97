//! The digest's fixture: a hand-made week in Madrid (ISO 2026-W43, across the October
//! DST change) with two brands, alerts, budget holds and sources in every state, whose
//! figures the tests in `digest` compute by hand.

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use vigia::config::Config;
use vigia::digest::Period;
use vigia::fetch::Validators;
use vigia::store::{self, NewAlert, PollOutcome, PollRecord, SourceState, Store};

use crate::support::{self, Db};
use crate::support_seed::{Seed, seed};

pub const H: i64 = 3600;

pub fn madrid() -> Tz {
    "Europe/Madrid".parse().unwrap()
}

/// Local time in Madrid as Unix seconds.
pub fn local(d: u32, h: u32, m: u32) -> i64 {
    madrid()
        .with_ymd_and_hms(2026, 10, d, h, m, 0)
        .earliest()
        .unwrap()
        .timestamp()
}

/// The fixture week: ISO 2026-W43, Mon 19 Oct 00:00 CEST to Mon 26 Oct 00:00 CET (the
/// clocks go back on Sunday 25 Oct, so it lasts 169 hours).
pub fn week() -> Period {
    Period::iso(2026, 43, madrid()).unwrap()
}

/// Monday 26 Oct 2026, 08:00 in Madrid: when the digest goes out.
pub fn monday_8am() -> DateTime<Utc> {
    Utc.timestamp_opt(local(26, 8, 0), 0).unwrap()
}

/// The fixture's config: two brands (Acme with a 4 h SLA), five sources, a digest to an
/// English and a Spanish reader, SMTP on `smtp_port`.
pub fn fixture_config(db_url: &str, smtp_port: u16, extra: &str) -> Config {
    let body = format!(
        r#"
[[brand]]
name = "Acme"
sla = "4h"

[[brand]]
name = "Globex"

[[source]]
name = "forum"
url = "https://forum.example/rss"

[[source]]
name = "news"
url = "https://news.example/rss"

[[source]]
name = "reviews"
url = "https://reviews.example/rss"

[[source]]
name = "blocked-site"
url = "https://blocked.example/rss"

[[source]]
name = "quiet"
url = "https://quiet.example/rss"

[smtp]
host = "127.0.0.1"
port = {smtp_port}
tls = "none"
from = "vigia <digest@vigia.test>"

[web]
base_url = "https://vigia.example.com"

[[recipient]]
address = "equipo@x.test"
lang = "es"

[[digest]]
name = "weekly"
cron = "0 8 * * MON"
timezone = "Europe/Madrid"
to = ["boss@x.test", "equipo@x.test"]
{extra}
"#
    );
    support::config(db_url, 1, &body)
}

/// The hand-made week (see the assertions for what each seed is for).
pub async fn seed_week(store: &Store) -> Vec<i64> {
    let neg = |brand, at| Seed::new(brand, at, "negative");
    let mut seeds = vec![
        // Previous week (W42), all from "news": one answered, one open (fetched on
        // Sunday 18 Oct 23:50 CEST, ten minutes before W43 begins), one positive, one neutral.
        Seed {
            source: "news",
            first_response_at: Some(local(13, 12, 0)),
            ..neg("Acme", local(13, 10, 0))
        },
        Seed {
            source: "news",
            ..neg("Acme", local(18, 23, 50))
        },
        Seed {
            source: "news",
            ..Seed::new("Acme", local(14, 9, 0), "positive")
        },
        Seed {
            source: "news",
            ..Seed::new("Acme", local(15, 9, 0), "neutral")
        },
        // W43, Acme. Answered after 1 h (ten minutes into the week), 3 h and 6 h.
        Seed {
            source: "forum",
            first_response_at: Some(local(19, 0, 10) + H),
            ..neg("Acme", local(19, 0, 10))
        },
        Seed {
            source: "forum",
            first_response_at: Some(local(20, 10, 0) + 3 * H),
            ..neg("Acme", local(20, 10, 0))
        },
        Seed {
            source: "forum",
            first_response_at: Some(local(21, 9, 0) + 6 * H),
            ..neg("Acme", local(21, 9, 0))
        },
        // Resolved without a response.
        Seed {
            source: "news",
            status: "resolved",
            resolved_at: Some(local(22, 10, 0)),
            ..neg("Acme", local(21, 15, 0))
        },
        // Still open: the most negative, and one acknowledged and assigned.
        Seed {
            source: "reviews",
            compound: -0.9,
            title: "Refund never came".into(),
            url: Some("https://reviews.example/r/1".into()),
            ..neg("Acme", local(22, 12, 0))
        },
        Seed {
            source: "forum",
            compound: -0.7,
            status: "acknowledged",
            assignee: Some("ana@x.test"),
            ..neg("Acme", local(23, 15, 0))
        },
        Seed {
            source: "news",
            ..Seed::new("Acme", local(24, 11, 0), "positive")
        },
        // Sunday 25 Oct: after the clocks went back, and at 23:30 CET, the last half hour.
        Seed {
            source: "reviews",
            ..Seed::new("Acme", local(25, 12, 0), "neutral")
        },
        Seed {
            source: "news",
            ..Seed::new("Acme", local(25, 23, 30), "positive")
        },
        // Dismissed: counts nowhere.
        Seed {
            source: "forum",
            status: "dismissed",
            ..neg("Acme", local(22, 13, 0))
        },
        // Monday 26 Oct 00:30 CET: the next week.
        Seed {
            source: "news",
            ..neg("Acme", local(26, 0, 30))
        },
        // Globex: nothing the week before; one open negative and one positive.
        Seed {
            source: "forum",
            ..neg("Globex", local(20, 9, 0))
        },
        Seed {
            source: "news",
            ..Seed::new("Globex", local(21, 10, 0), "positive")
        },
    ];
    for (i, s) in seeds.iter_mut().enumerate() {
        if s.title.contains(" at ") {
            s.title = format!("{} {} #{i}", s.brand, s.label);
        }
    }
    seed(store, &seeds).await
}

/// Alerts, budget holds and source health for the week.
pub async fn seed_rest(store: &Store, config: &Config) {
    let alert =
        |key: &str, kind: &str, brand: Option<&str>, at: i64, mentions: Vec<i64>| NewAlert {
            dedup_key: key.into(),
            rule: format!("{kind}-rule"),
            kind: kind.into(),
            brand: brand.map(str::to_owned),
            fired_at: at,
            mention_ids: mentions,
            why: "{}".into(),
        };
    let mut tx = store.begin_write().await.unwrap();
    store::insert_alerts(
        &mut tx,
        &[
            alert("a1", "instant", Some("Acme"), local(20, 10, 5), vec![6]),
            alert(
                "a2",
                "spike",
                Some("Acme"),
                local(22, 12, 30),
                vec![9, 10, 14],
            ),
            alert("a3", "source-failure", None, local(23, 9, 0), vec![]),
            alert("a4", "instant", Some("Globex"), local(20, 9, 5), vec![16]),
            // Not counted: the week before, and a brand the digest does not cover.
            alert("a5", "instant", Some("Acme"), local(17, 9, 0), vec![1]),
            alert("a6", "instant", Some("Other"), local(21, 9, 0), vec![]),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    for (recipient, day, held) in [
        ("boss@x.test", "2026-10-20", 3),
        ("Boss@x.test", "2026-10-25", 1),
        ("boss@x.test", "2026-10-26", 5),
        ("equipo@x.test", "2026-10-21", 2),
    ] {
        sqlx::query(
            "INSERT INTO alert_budget (recipient, kind, day, sent, held) VALUES ($1, 'instant', $2, 10, $3)",
        )
        .bind(recipient)
        .bind(day)
        .bind(held)
        .execute(store.writer())
        .await
        .unwrap();
    }
    store.sync_sources(&config.sources).await.unwrap();
    let id =
        |rows: &[store::SourceRow], name: &str| rows.iter().find(|s| s.name == name).unwrap().id;
    let rows = store.list_sources().await.unwrap();
    let fetched = |at: i64| PollRecord {
        checked_at: at,
        next_check_at: at + 900,
        outcome: PollOutcome::Fetched {
            validators: Validators::default(),
            items_seen: 10,
            new_mentions: 1,
        },
    };
    let failed = |at: i64, state: SourceState, error: &str| PollRecord {
        checked_at: at,
        next_check_at: at + 900,
        outcome: PollOutcome::Failed {
            state,
            error: error.into(),
            raw: None,
        },
    };
    let now = monday_8am().timestamp();
    for name in ["forum", "news"] {
        store
            .record_poll(id(&rows, name), &fetched(now - H))
            .await
            .unwrap();
    }
    // Nothing new for ten days: stale.
    store
        .record_poll(id(&rows, "quiet"), &fetched(now - 240 * H))
        .await
        .unwrap();
    // Failed on Wednesday, fine again since Sunday: listed as recovered, with its error.
    store
        .record_poll(
            id(&rows, "reviews"),
            &failed(local(21, 6, 0), SourceState::Failing, "timed out after 20s"),
        )
        .await
        .unwrap();
    store
        .record_poll(id(&rows, "reviews"), &fetched(local(25, 6, 0)))
        .await
        .unwrap();
    store
        .record_poll(
            id(&rows, "blocked-site"),
            &failed(local(24, 6, 0), SourceState::Blocked, "HTTP 403: bot wall"),
        )
        .await
        .unwrap();
}

/// A fresh store with the whole fixture, and its config.
pub async fn fixture(
    db: Db,
    smtp_port: u16,
    extra: &str,
) -> Option<(Store, Config, support::DbGuard)> {
    let (url, guard) = support::fresh_db(db).await?;
    let config = fixture_config(&url, smtp_port, extra);
    let store = Store::connect(&url).await.unwrap();
    seed_week(&store).await;
    seed_rest(&store, &config).await;
    Some((store, config, guard))
}
