//! The triage inbox (`store::inbox`) on a hand-made set of mentions, on both backends: every
//! filter, every order, pages, totals and counts per status, and W05 (search text and sort
//! names are data, never SQL). Triage actions are in the `triage` submodule, writes during a
//! worker batch (W08) in `w08`.

use vigia::store::inbox::{AssigneeFilter, COUNT_CAP, InboxQuery, Sort, UnknownSort};
use vigia::store::triage::Action;
use vigia::store::{Store, insert_mentions};

use crate::support::{self, Db, DbGuard};
use crate::support_seed::{Seed, seed};

mod triage;
mod w08;

/// 2026-09-20, a fixed "now" for the seeds.
const T: i64 = 1_790_000_000;
const DAY: i64 = 86_400;

/// Ten mentions covering every filter value; `ids[i]` is seed `i`.
async fn seeded(db: Db) -> Option<(Store, DbGuard, Vec<i64>)> {
    let (url, guard) = support::fresh_db(db).await?;
    let store = Store::connect(&url).await.unwrap();
    let s = |brand, source, title: &str, at, label, compound, lang, status| Seed {
        source,
        title: title.to_string(),
        compound,
        lang,
        status,
        ..Seed::new(brand, at, label)
    };
    let mut seeds = vec![
        s(
            "Acme",
            "reviews",
            "Refund never came",
            T,
            "negative",
            -0.9,
            "en",
            "new",
        ),
        s(
            "Acme",
            "news",
            "Acme abre tienda en Madrid",
            T + 100,
            "neutral",
            0.0,
            "es",
            "new",
        ),
        s(
            "Acme",
            "reviews",
            "Waiting two hours on hold",
            T + 200,
            "negative",
            -0.4,
            "en",
            "acknowledged",
        ),
        s(
            "Globex",
            "news",
            "Globex refund policy praised",
            T + 300,
            "positive",
            0.6,
            "en",
            "new",
        ),
        s(
            "Globex",
            "reviews",
            "Servicio pésimo, reembolso pendiente",
            T + 400,
            "negative",
            -0.7,
            "es",
            "responded",
        ),
        s(
            "Acme",
            "news",
            "50% off, great deal",
            T + 500,
            "positive",
            0.5,
            "en",
            "resolved",
        ),
        s(
            "Acme",
            "forum",
            "snake_case fan club",
            T + 600,
            "neutral",
            0.0,
            "en",
            "dismissed",
        ),
        s(
            "Acme",
            "reviews",
            "' OR 1=1-- hacker title",
            T + 700,
            "negative",
            -0.2,
            "en",
            "new",
        ),
        s(
            "Globex",
            "forum",
            "old complaint still open",
            T - 10 * DAY,
            "negative",
            -0.3,
            "pt",
            "new",
        ),
        s(
            "Acme",
            "reviews",
            "nice people, wrong score",
            T + 800,
            "positive",
            0.3,
            "en",
            "new",
        ),
    ];
    seeds[4].first_response_at = Some(T + 500);
    seeds[5].resolved_at = Some(T + 900);
    seeds[9].label_override = Some("negative");
    let ids = seed(&store, &seeds).await;
    Some((store, guard, ids))
}

/// The seed numbers of a page, in order.
fn seeds_of(page: &[vigia::store::inbox::InboxItem], ids: &[i64]) -> Vec<usize> {
    page.iter()
        .map(|item| {
            ids.iter()
                .position(|id| *id == item.id)
                .expect("a seeded id")
        })
        .collect()
}

async fn list(store: &Store, ids: &[i64], q: InboxQuery) -> Vec<usize> {
    seeds_of(&store.inbox(&q).await.unwrap().items, ids)
}

fn all(q: InboxQuery) -> InboxQuery {
    InboxQuery {
        status: Some("all".into()),
        ..q
    }
}

async fn filters_sorts_and_counts(db: Db) {
    let Some((store, _guard, ids)) = seeded(db).await else {
        return;
    };
    let q = InboxQuery::default;

    // The default view: open mentions by urgency. Negative and unanswered first by
    // negativity, where ten days of waiting (0.5) lift seed 8 (−0.3) above seed 2 (−0.4);
    // the corrected-to-negative seed 9 leads the rest; then the others, oldest first.
    let page = store.inbox(&q()).await.unwrap();
    assert_eq!(seeds_of(&page.items, &ids), [0, 8, 2, 7, 9, 1, 3]);
    assert_eq!(page.total, 7);
    let counts: Vec<(&str, i64)> = page
        .status_counts
        .iter()
        .map(|(s, n)| (s.as_str(), *n))
        .collect();
    assert_eq!(
        counts,
        [
            ("new", 6),
            ("acknowledged", 1),
            ("responded", 1),
            ("resolved", 1),
            ("dismissed", 1)
        ]
    );
    let first = &page.items[0];
    assert_eq!(
        (
            first.brand.as_str(),
            first.source.as_str(),
            first.label.as_str()
        ),
        ("Acme", "reviews", "negative")
    );
    assert_eq!((first.fetched_at, first.status.as_str()), (T, "new"));
    // The effective label is what the inbox shows.
    let corrected = page.items.iter().find(|i| i.id == ids[9]).unwrap();
    assert_eq!(corrected.label, "negative");

    // Other orders.
    let sorted = |sort| InboxQuery { sort, ..q() };
    assert_eq!(
        list(&store, &ids, sorted(Sort::Newest)).await,
        [9, 7, 3, 2, 1, 0, 8]
    );
    assert_eq!(
        list(&store, &ids, sorted(Sort::Oldest)).await,
        [8, 0, 1, 2, 3, 7, 9]
    );
    assert_eq!(
        list(&store, &ids, sorted(Sort::MostNegative)).await,
        [0, 2, 8, 7, 1, 9, 3]
    );

    // Status: one, every, unknown (matches nothing, is not an error).
    let status = |s: &str| InboxQuery {
        status: Some(s.into()),
        ..q()
    };
    let responded = store.inbox(&status("responded")).await.unwrap();
    assert_eq!(
        (seeds_of(&responded.items, &ids), responded.total),
        (vec![4], 1)
    );
    assert_eq!(responded.status_counts, page.status_counts);
    let every = store.inbox(&status("all")).await.unwrap();
    assert_eq!(every.total, 10);
    // Closed ones come after every open one; answered (seed 4) after unanswered.
    assert_eq!(seeds_of(&every.items, &ids)[..7], [0, 8, 2, 7, 9, 1, 3]);
    assert_eq!(seeds_of(&every.items, &ids)[7..], [5, 6, 4]);
    let unknown = store.inbox(&status("x' OR 1=1--")).await.unwrap();
    assert_eq!((unknown.items.len(), unknown.total), (0, 0));

    // One filter at a time (open mentions unless said otherwise).
    let brand = store
        .inbox(&InboxQuery {
            brand: Some("Globex".into()),
            ..q()
        })
        .await
        .unwrap();
    assert_eq!(seeds_of(&brand.items, &ids), [8, 3]);
    let globex_counts: Vec<i64> = brand.status_counts.iter().map(|(_, n)| *n).collect();
    assert_eq!(globex_counts, [2, 0, 1, 0, 0]);
    let label = |l: &str| InboxQuery {
        label: Some(l.into()),
        ..q()
    };
    assert_eq!(list(&store, &ids, label("negative")).await, [0, 8, 2, 7, 9]);
    assert_eq!(list(&store, &ids, all(label("positive"))).await, [3, 5]);
    let source = InboxQuery {
        source: Some("reviews".into()),
        ..q()
    };
    assert_eq!(list(&store, &ids, source).await, [0, 2, 7, 9]);
    let lang = InboxQuery {
        lang: Some("es".into()),
        ..q()
    };
    assert_eq!(list(&store, &ids, all(lang)).await, [1, 4]);
    // Date range: fetched in [from, to).
    let range = InboxQuery {
        from: Some(T + 100),
        to: Some(T + 300),
        ..q()
    };
    assert_eq!(list(&store, &ids, range).await, [2, 1]);
    // Filters combine.
    let combined = InboxQuery {
        brand: Some("Acme".into()),
        label: Some("negative".into()),
        source: Some("reviews".into()),
        lang: Some("en".into()),
        from: Some(T),
        to: Some(T + 750),
        ..q()
    };
    assert_eq!(list(&store, &ids, combined).await, [0, 2, 7]);

    // Free text: words, each the start of a word, in any case; all of them required.
    let text = |t: &str| InboxQuery {
        text: Some(t.into()),
        ..q()
    };
    assert_eq!(list(&store, &ids, text("refund")).await, [0, 3]);
    assert_eq!(list(&store, &ids, text("REFUND policy")).await, [3]);
    assert_eq!(list(&store, &ids, all(text("reemb"))).await, [4]);
    assert_eq!(list(&store, &ids, text("efund")).await, Vec::<usize>::new());
    let brand_text = |b: &str| InboxQuery {
        brand: Some(b.into()),
        ..text("refund")
    };
    assert_eq!(list(&store, &ids, brand_text("Acme")).await, [0]);
    assert_eq!(list(&store, &ids, brand_text("Globex")).await, [3]);
    assert_eq!(list(&store, &ids, text("   ")).await.len(), 7);
    // Accents fold on both backends, in the text and in the search.
    assert_eq!(list(&store, &ids, all(text("pesimo"))).await, [4]);
    assert_eq!(list(&store, &ids, all(text("PÉSIMO reembólso"))).await, [4]);
    assert_eq!(
        list(&store, &ids, all(text("pesima"))).await,
        Vec::<usize>::new()
    );

    // Assignee, set through triage.
    store
        .triage(
            ids[0],
            "lead@x.test",
            &Action::Assign(Some("ana@x.test".into())),
            None,
            T + 1_000,
        )
        .await
        .unwrap();
    store
        .triage(
            ids[2],
            "lead@x.test",
            &Action::Assign(Some("bob@x.test".into())),
            None,
            T + 1_000,
        )
        .await
        .unwrap();
    let who = |a| InboxQuery { assignee: a, ..q() };
    let ana = AssigneeFilter::Person("ana@x.test".into());
    assert_eq!(list(&store, &ids, who(ana)).await, [0]);
    assert_eq!(
        list(&store, &ids, who(AssigneeFilter::Nobody)).await,
        [8, 7, 9, 1, 3]
    );
    assert_eq!(
        list(&store, &ids, who(AssigneeFilter::Anyone)).await.len(),
        7
    );

    // Pages: the same order cut in pieces, the total on every page.
    let mut pages = Vec::new();
    for page in 1..=5 {
        let p = store
            .inbox(&InboxQuery {
                page,
                per_page: 2,
                ..q()
            })
            .await
            .unwrap();
        assert_eq!(p.total, 7);
        pages.push(seeds_of(&p.items, &ids));
    }
    assert_eq!(pages, [vec![0, 8], vec![2, 7], vec![9, 1], vec![3], vec![]]);
    // per_page 0 means 1; page 0 means 1.
    let tiny = InboxQuery {
        page: 0,
        per_page: 0,
        ..q()
    };
    assert_eq!(list(&store, &ids, tiny).await, [0]);

    // The export: no paging, same order, at most the limit.
    let export = store.inbox_all(&q(), 1_000).await.unwrap();
    assert_eq!(seeds_of(&export, &ids), [0, 8, 2, 7, 9, 1, 3]);
    assert_eq!(store.inbox_all(&q(), 3).await.unwrap().len(), 3);

    // Facets for the filter form.
    let f = store.facets().await.unwrap();
    assert_eq!(f.brands, ["Acme", "Globex"]);
    assert_eq!(f.sources, ["forum", "news", "reviews"]);
    assert_eq!(f.langs, ["en", "es", "pt"]);
    assert_eq!(f.assignees, ["ana@x.test", "bob@x.test"]);

    // Brand + label + text, before and after a correction of the label (the search index
    // follows the label people see).
    let negatives = |b: &str| InboxQuery {
        brand: Some(b.into()),
        label: Some("negative".into()),
        ..text("refund")
    };
    assert_eq!(list(&store, &ids, negatives("Acme")).await, [0]);
    assert_eq!(
        list(&store, &ids, negatives("Globex")).await,
        Vec::<usize>::new()
    );
    store
        .triage(
            ids[3],
            "lead@x.test",
            &Action::Relabel(Some("negative".into())),
            None,
            T + 1_000,
        )
        .await
        .unwrap();
    assert_eq!(list(&store, &ids, negatives("Globex")).await, [3]);
    store
        .triage(
            ids[3],
            "lead@x.test",
            &Action::Relabel(None),
            None,
            T + 1_000,
        )
        .await
        .unwrap();
    assert_eq!(
        list(&store, &ids, negatives("Globex")).await,
        Vec::<usize>::new()
    );
}

#[tokio::test]
async fn inbox_filters_sorts_and_counts_sqlite() {
    filters_sorts_and_counts(Db::Sqlite).await;
}

#[tokio::test]
async fn inbox_filters_sorts_and_counts_postgres() {
    filters_sorts_and_counts(Db::Postgres).await;
}

/// W05 at the store: search text with SQL and LIKE metacharacters is matched as data, and
/// a sort name that is not ours is an error before any SQL exists.
async fn w05_search_text_is_data(db: Db) {
    let Some((store, _guard, ids)) = seeded(db).await else {
        return;
    };
    let text = |t: &str| {
        all(InboxQuery {
            text: Some(t.into()),
            ..InboxQuery::default()
        })
    };
    // The words of `' OR 1=1--` are "OR", "1", "1": only the title that has them.
    assert_eq!(list(&store, &ids, text("' OR 1=1--")).await, [7]);
    // No letters or digits: the exact text, wildcards escaped.
    assert_eq!(list(&store, &ids, text("%")).await, [5]);
    assert_eq!(list(&store, &ids, text("_")).await, [6]);
    assert_eq!(list(&store, &ids, text("\\")).await, Vec::<usize>::new());
    assert_eq!(list(&store, &ids, text("%%_")).await, Vec::<usize>::new());
    // FTS syntax is not interpreted either.
    for t in [
        "\"",
        "refund*",
        "NEAR(refund came)",
        "title:refund",
        "-refund",
        "refund OR x",
    ] {
        let page = store.inbox(&text(t)).await.unwrap();
        assert!(page.items.len() <= 2, "{t}: {:?}", page.items);
    }
    // Filters carrying SQL find nothing and break nothing.
    let evil = "x' OR '1'='1";
    let q = InboxQuery {
        brand: Some(evil.into()),
        ..all(InboxQuery::default())
    };
    let page = store.inbox(&q).await.unwrap();
    assert_eq!((page.items.len(), page.total), (0, 0));
    assert_eq!("id;DROP TABLE x".parse::<Sort>(), Err(UnknownSort));
    assert_eq!("urgency".parse::<Sort>(), Ok(Sort::Urgency));
    assert_eq!(store.count_mentions().await.unwrap(), 10);
}

#[tokio::test]
async fn w05_search_text_is_data_sqlite() {
    w05_search_text_is_data(Db::Sqlite).await;
}

#[tokio::test]
async fn w05_search_text_is_data_postgres() {
    w05_search_text_is_data(Db::Postgres).await;
}

/// Counts stop at the cap: more than `COUNT_CAP` new mentions read as `COUNT_CAP + 1`, and
/// the smaller piles stay exact.
async fn counts_are_capped(db: Db) {
    let Some((url, _guard)) = support::fresh_db(db).await else {
        return;
    };
    let store = Store::connect(&url).await.unwrap();
    let mut tx = store.begin_write().await.unwrap();
    let created = insert_mentions(&mut tx, &w08::batch(COUNT_CAP as usize + 5))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    for (_, id) in &created[..3] {
        store
            .triage(*id, "ana@x.test", &Action::Resolve, None, T)
            .await
            .unwrap();
    }
    let page = store.inbox(&InboxQuery::default()).await.unwrap();
    assert_eq!(page.total, COUNT_CAP + 1);
    assert_eq!(page.status_counts[0], ("new".to_string(), COUNT_CAP + 1));
    assert_eq!(page.status_counts[3], ("resolved".to_string(), 3));
    assert_eq!(page.items.len(), 50);
}

#[tokio::test]
async fn inbox_counts_are_capped_sqlite() {
    counts_are_capped(Db::Sqlite).await;
}

#[tokio::test]
async fn inbox_counts_are_capped_postgres() {
    counts_are_capped(Db::Postgres).await;
}

/// A source's weight (config) scales its mentions' negativity in the urgency order, for new
/// mentions and, after a change, for the ones already stored.
async fn source_weight_orders_urgency(db: Db) {
    let Some((url, _guard)) = support::fresh_db(db).await else {
        return;
    };
    let source = |weight: f64| {
        format!(
            "[[brand]]\nname = \"Acme\"\n[[source]]\nname = \"reviews\"\nurl = \"https://reviews.example/feed\"\nweight = {weight}\n"
        )
    };
    let config = support::config(&url, 1, &source(3.0));
    let store = support::store(&config).await;
    store.sync_sources(&config.sources).await.unwrap();
    let ids = seed(
        &store,
        &[
            Seed {
                compound: -0.3,
                source: "reviews",
                ..Seed::new("Acme", T, "negative")
            },
            Seed {
                compound: -0.8,
                source: "elsewhere",
                ..Seed::new("Acme", T, "negative")
            },
        ],
    )
    .await;
    let order = || async {
        let page = store.inbox(&InboxQuery::default()).await.unwrap();
        page.items.iter().map(|i| i.id).collect::<Vec<_>>()
    };
    // −0.3 × 3 = 0.9 beats −0.8 × 1.
    assert_eq!(order().await, [ids[0], ids[1]]);
    let config = support::config(&url, 1, &source(1.0));
    store.sync_sources(&config.sources).await.unwrap();
    assert_eq!(order().await, [ids[1], ids[0]]);
}

#[tokio::test]
async fn source_weight_orders_urgency_sqlite() {
    source_weight_orders_urgency(Db::Sqlite).await;
}

#[tokio::test]
async fn source_weight_orders_urgency_postgres() {
    source_weight_orders_urgency(Db::Postgres).await;
}
