//! Seeding the store with mentions of chosen time, label and triage state, for the tests of
//! what is computed from them (KPIs, digest, dashboard). Goes through the real insert.

use vigia::store::{NewMention, Store, insert_mentions};

/// One mention to seed; `Seed::new` fills the rest with plain values.
#[derive(Debug, Clone)]
pub struct Seed {
    pub brand: &'static str,
    pub source: &'static str,
    pub title: String,
    pub fetched_at: i64,
    pub label: &'static str,
    pub compound: f64,
    pub lang: &'static str,
    pub status: &'static str,
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub label_override: Option<&'static str>,
    /// The original's URL (default `https://example.com/{i}`).
    pub url: Option<String>,
    /// Who the mention is assigned to.
    pub assignee: Option<&'static str>,
}

impl Seed {
    /// A mention of `brand` fetched at `fetched_at` with this label.
    pub fn new(brand: &'static str, fetched_at: i64, label: &'static str) -> Seed {
        let compound = match label {
            "negative" => -0.6,
            "positive" => 0.6,
            _ => 0.0,
        };
        Seed {
            brand,
            source: "seeded",
            title: format!("{brand} {label} at {fetched_at}"),
            fetched_at,
            label,
            compound,
            lang: "en",
            status: "new",
            first_response_at: None,
            resolved_at: None,
            label_override: None,
            url: None,
            assignee: None,
        }
    }
}

/// The seeds as the pipeline would hand them to the store (same keys every time).
pub fn batch(seeds: &[Seed]) -> Vec<NewMention> {
    seeds
        .iter()
        .enumerate()
        .map(|(i, s)| NewMention {
            brand: s.brand.into(),
            item_key: format!("seed-{i}-{}", s.title),
            source: s.source.into(),
            url: Some(
                s.url
                    .clone()
                    .unwrap_or_else(|| format!("https://example.com/{i}")),
            ),
            title: s.title.clone(),
            snippet: s.title.clone(),
            body: s.title.clone(),
            author: None,
            published_at: Some(s.fetched_at),
            fetched_at: s.fetched_at,
            lang: s.lang.into(),
            lang_reliable: true,
            compound: s.compound,
            pos: 0.0,
            neu: 1.0,
            neg: 0.0,
            label: s.label.into(),
            whole_compound: s.compound,
            terms: "[]".into(),
            rating: None,
            rating_value: None,
            rating_best: None,
        })
        .collect()
}

/// Insert the seeds; returns their ids in order.
pub async fn seed(store: &Store, seeds: &[Seed]) -> Vec<i64> {
    let batch = batch(seeds);
    let mut tx = store.begin_write().await.unwrap();
    let mut created = insert_mentions(&mut tx, &batch).await.unwrap();
    tx.commit().await.unwrap();
    created.sort();
    assert_eq!(created.len(), seeds.len(), "every seed is new");
    let ids: Vec<i64> = created.into_iter().map(|(_, id)| id).collect();
    for (s, id) in seeds.iter().zip(&ids) {
        sqlx::query(
            "UPDATE mentions SET status = $1, first_response_at = $2, resolved_at = $3, \
             label_override = $4, assignee = $5 WHERE id = $6",
        )
        .bind(s.status)
        .bind(s.first_response_at)
        .bind(s.resolved_at)
        .bind(s.label_override)
        .bind(s.assignee)
        .bind(*id)
        .execute(store.writer())
        .await
        .unwrap();
    }
    ids
}
