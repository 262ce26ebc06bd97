//! The shared KPI definitions (`store::kpi`) on a hand-made week, on both backends: the
//! digest and the overview read these numbers, so they are checked against hand counts.

use vigia::store::Store;

use crate::support::{self, Db};
use crate::support_seed::{Seed, seed};

const DAY: i64 = 86_400;
/// Monday 2026-11-02 00:00 UTC.
const WEEK: i64 = 1_793_577_600;

async fn week_of_mentions(db: Db) -> Option<(Store, support::DbGuard)> {
    let (url, guard) = support::fresh_db(db).await?;
    let store = Store::connect(&url).await.unwrap();
    let h = 3600;
    let mut seeds = vec![
        // Answered in 1 h, 3 h, 30 h; one unanswered; one resolved without a response.
        Seed {
            first_response_at: Some(WEEK + 10 * h + h),
            ..Seed::new("Acme", WEEK + 10 * h, "negative")
        },
        Seed {
            first_response_at: Some(WEEK + DAY + 3 * h),
            ..Seed::new("Acme", WEEK + DAY, "negative")
        },
        Seed {
            first_response_at: Some(WEEK + 2 * DAY + 30 * h),
            ..Seed::new("Acme", WEEK + 2 * DAY, "negative")
        },
        Seed::new("Acme", WEEK + 3 * DAY, "negative"),
        Seed {
            resolved_at: Some(WEEK + 5 * DAY),
            ..Seed::new("Acme", WEEK + 4 * DAY, "negative")
        },
        // A correction to negative counts as negative; one dismissed counts nowhere.
        Seed {
            label_override: Some("negative"),
            ..Seed::new("Acme", WEEK + 6 * DAY, "positive")
        },
        Seed {
            status: "dismissed",
            ..Seed::new("Acme", WEEK + 6 * DAY, "negative")
        },
        Seed::new("Acme", WEEK + 6 * DAY + 23 * h, "positive"),
        Seed::new("Acme", WEEK + 6 * DAY + 23 * h, "neutral"),
        // Previous week and another brand.
        Seed::new("Acme", WEEK - DAY, "negative"),
        Seed::new("Globex", WEEK + DAY, "negative"),
    ];
    seeds[0].title = "first".into();
    seed(&store, &seeds).await;
    Some((store, guard))
}

async fn kpis_match_hand_counts(db: Db) {
    let Some((store, _guard)) = week_of_mentions(db).await else {
        return;
    };
    let end = WEEK + 7 * DAY;
    let acme = store.label_counts(Some("Acme"), WEEK, end).await.unwrap();
    assert_eq!((acme.negative, acme.positive, acme.neutral), (6, 1, 1));
    let all = store.label_counts(None, WEEK, end).await.unwrap();
    assert_eq!(all.total(), 9);

    let starts: Vec<i64> = (0..7).map(|d| WEEK + d * DAY).collect();
    let days = store
        .daily_counts(Some("Acme"), &starts, end)
        .await
        .unwrap();
    let negatives: Vec<i64> = days.iter().map(|d| d.negative).collect();
    assert_eq!(negatives, [1, 1, 1, 1, 1, 0, 1]);
    assert_eq!(days[6].total(), 3);

    let sla = |_: &str| 24 * 3600;
    let k = store
        .response_kpis(Some("Acme"), WEEK, end, &sla)
        .await
        .unwrap();
    assert_eq!((k.negatives, k.answered, k.within_sla), (6, 3, 2));
    assert_eq!(k.median_secs, Some(3 * 3600));
    assert_eq!(k.p90_secs, Some(30 * 3600));
    // Open at the end: the unanswered one, the corrected one and last week's.
    assert_eq!(k.open_at_end, 3);
    assert!((k.sla_share().unwrap() - 2.0 / 6.0).abs() < 1e-9);

    // Before anything was answered, all of the week's negatives up to then were open.
    assert_eq!(
        store
            .open_negatives(Some("Acme"), WEEK + 10 * 3600 + 1)
            .await
            .unwrap(),
        2
    );
    let both = store.response_kpis(None, WEEK, end, &sla).await.unwrap();
    assert_eq!(both.negatives, 7);
}

#[tokio::test]
async fn kpis_match_hand_counts_sqlite() {
    kpis_match_hand_counts(Db::Sqlite).await;
}

#[tokio::test]
async fn kpis_match_hand_counts_postgres() {
    kpis_match_hand_counts(Db::Postgres).await;
}
