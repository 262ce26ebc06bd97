//! S04: a mention the team deleted stays deleted when its item reappears in a feed (the
//! same feed, another feed, or with an edited title), on SQLite and PostgreSQL. The
//! tombstone is per brand: the same item's mention of another brand is untouched.

use crate::support::{self, Canned, Db, FixtureServer};
use crate::support_smtp::SmtpServer;
use crate::support_workers::{alert_config, rss};
use vigia::store::MentionFilter;
use vigia::worker;

const SCAM: &str = "Cumbre Bank stole my money. Worst bank ever, a total scam.";
const BOTH: &str = "Cumbre Bank and Nimbo Air announce a partnership.";
const NEWS: &str = "Cumbre Bank opened a branch on Main Street.";

fn items(titles: &[(&str, &str, &'static str)]) -> String {
    rss(titles.iter().map(|(title, path, text)| {
        (
            title.to_string(),
            format!("https://e.example/{path}"),
            *text,
        )
    }))
}

async fn s04_story(db: Db) {
    let Some((url, _guard)) = support::fresh_db(db).await else {
        return;
    };
    let s = FixtureServer::start().await;
    s.set(
        "a.xml",
        Canned::ok(
            "application/rss+xml",
            items(&[
                ("Cumbre Bank is a scam", "scam", SCAM),
                ("Cumbre Bank and Nimbo Air", "both", BOTH),
                ("Cumbre Bank branch", "branch", NEWS),
            ]),
        ),
    );
    s.set("b.xml", Canned::ok("application/rss+xml", items(&[])));
    let smtp = SmtpServer::start().await;
    let body = format!(
        "[[brand]]\nname = \"Cumbre Bank\"\n[[brand]]\nname = \"Nimbo Air\"\n\
         [[source]]\nname = \"a\"\nurl = \"{}\"\n[[source]]\nname = \"b\"\nurl = \"{}\"\n{}",
        s.url("a.xml"),
        s.url("b.xml"),
        alert_config(&smtp)
    );
    let config = support::config(&url, s.port, &body);
    let store = support::store(&config).await;
    worker::run_once(&config, store.clone()).await.unwrap();
    let all = store
        .list_mentions(&MentionFilter::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 4, "three items, one naming both brands");
    let alerts_before = store.pending_alerts().await.unwrap().len()
        + sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM alerts WHERE notified_at IS NOT NULL")
            .fetch_one(store.pool())
            .await
            .unwrap() as usize;
    assert_eq!(alerts_before, 1, "the scam item fired");
    assert_eq!(smtp.messages().len(), 1, "and its email went out");

    // The team deletes the scam mention and the partnership's Cumbre Bank mention.
    let find = |brand: &str, path: &str| {
        all.iter()
            .find(|m| {
                m.brand == brand && m.url.as_deref() == Some(&format!("https://e.example/{path}"))
            })
            .unwrap()
            .id
    };
    let (scam, both_cumbre) = (find("Cumbre Bank", "scam"), find("Cumbre Bank", "both"));
    let key: String = sqlx::query_scalar("SELECT item_key FROM mentions WHERE id = $1")
        .bind(scam)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert!(store.delete_mention(scam, "ana").await.unwrap());
    assert!(store.delete_mention(both_cumbre, "ana").await.unwrap());
    assert!(
        !store.delete_mention(scam, "ana").await.unwrap(),
        "already gone"
    );
    assert!(
        !store.delete_mention(999_999, "ana").await.unwrap(),
        "no such mention"
    );
    let events: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM mention_events WHERE mention_id = $1")
            .bind(scam)
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(events, 0, "the triage history goes with the row");
    let (by, at) = store.tombstone("Cumbre Bank", &key).await.unwrap().unwrap();
    assert_eq!(by.as_deref(), Some("ana"));
    assert!(at > 0);
    assert!(
        store.tombstone("Nimbo Air", &key).await.unwrap().is_none(),
        "per brand"
    );

    // The items reappear: in the same feed with an edited title, in another feed, and
    // beside a new item.
    s.set(
        "a.xml",
        Canned::ok(
            "application/rss+xml",
            items(&[
                ("UPDATED: Cumbre Bank is a scam", "scam", SCAM),
                ("Cumbre Bank and Nimbo Air", "both", BOTH),
                ("Cumbre Bank branch", "branch", NEWS),
                ("Cumbre Bank hires", "hires", NEWS),
            ]),
        ),
    );
    s.set(
        "b.xml",
        Canned::ok(
            "application/rss+xml",
            items(&[
                ("Cumbre Bank is a scam", "scam?utm_source=rss", SCAM),
                ("Cumbre Bank and Nimbo Air", "both", BOTH),
            ]),
        ),
    );
    for _ in 0..2 {
        worker::run_once(&config, store.clone()).await.unwrap();
    }
    let now: Vec<(String, String)> = store
        .list_mentions(&MentionFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.brand, m.url.unwrap_or_default()))
        .collect();
    let has = |brand: &str, path: &str| {
        now.contains(&(brand.to_string(), format!("https://e.example/{path}")))
    };
    assert!(
        !has("Cumbre Bank", "scam"),
        "deleted stays deleted: {now:?}"
    );
    assert!(
        !has("Cumbre Bank", "both"),
        "deleted stays deleted: {now:?}"
    );
    assert!(has("Nimbo Air", "both"), "the other brand's mention stays");
    assert!(has("Cumbre Bank", "branch") && has("Cumbre Bank", "hires"));
    assert_eq!(now.len(), 3);
    let alerts_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM alerts")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(
        alerts_after, 1,
        "a deleted mention coming back fires nothing"
    );
    assert_eq!(smtp.messages().len(), 1, "and sends nothing");
}

#[tokio::test]
async fn s04_deleted_mention_stays_deleted_sqlite() {
    s04_story(Db::Sqlite).await;
}

#[tokio::test]
async fn s04_deleted_mention_stays_deleted_postgres() {
    s04_story(Db::Postgres).await;
}

/// S04 under a race (PostgreSQL, READ COMMITTED): the mention is deleted after the poll's
/// tombstone check but before its INSERT reaches the row (a trigger holds the INSERT for a
/// second). The INSERT then no longer conflicts with the old row; the mention must still
/// stay deleted.
#[tokio::test]
async fn s04_a_delete_during_the_insert_still_wins_postgres() {
    use crate::support_seed::{Seed, batch, seed};
    let Some((url, _guard)) = support::fresh_db(Db::Postgres).await else {
        return;
    };
    let store = vigia::store::Store::connect(&url).await.unwrap();
    let seeds = [Seed::new("Acme", vigia::store::now() - 60, "negative")];
    let id = seed(&store, &seeds).await[0];
    for sql in [
        "CREATE FUNCTION vigia_test_slow_insert() RETURNS trigger AS $$ \
         BEGIN PERFORM pg_sleep(1.5); RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER vigia_test_slow BEFORE INSERT ON mentions \
         FOR EACH ROW EXECUTE FUNCTION vigia_test_slow_insert()",
    ] {
        sqlx::query(sql).execute(store.writer()).await.unwrap();
    }
    let poll = {
        let store = store.clone();
        let again = batch(&seeds);
        tokio::spawn(async move {
            let mut tx = store.begin_write().await.unwrap();
            let created = vigia::store::insert_mentions(&mut tx, &again)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            created
        })
    };
    // The poll is inside its INSERT now (past the tombstone check), held by the trigger.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(store.delete_mention(id, "ana@acme.test").await.unwrap());
    let created = poll.await.unwrap();
    assert!(
        created.is_empty(),
        "the deleted mention came back: {created:?}"
    );
    assert_eq!(store.count_mentions().await.unwrap(), 0);
    let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mention_events")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(events, 0, "no history for a mention that is not there");
}
