//! Live alerting end to end: a negative mention in a local feed → alert stored with the
//! mention → grouped → outbox → a real SMTP server on 127.0.0.1. Crash, outage and
//! permanent-failure paths (A04, A06, A07, A09).

use crate::support::{self, Canned, Db, FixtureServer};
use crate::support_smtp::{Fault, SmtpServer};
use vigia::notify::sender::{LEASE, Sender};
use vigia::store::Store;
use vigia::worker;

const FEED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Ledger</title><link>https://ledger.example/</link><description>d</description>
<item><title>Cumbre Bank charged me twice, a total scam</title><link>https://ledger.example/a</link>
<description>Cumbre Bank took my money twice and support is useless. Worst bank ever, avoid.</description></item>
<item><title>Cumbre Bank opens a branch in the old market</title><link>https://ledger.example/b</link>
<description>The branch opens on Monday.</description></item>
</channel></rss>"#;

async fn setup(
    db: Db,
    smtp: &SmtpServer,
) -> Option<(
    vigia::config::Config,
    Store,
    FixtureServer,
    support::DbGuard,
)> {
    let (url, guard) = support::fresh_db(db).await?;
    let s = FixtureServer::start().await;
    s.set("feed.xml", Canned::ok("application/rss+xml", FEED));
    let body = format!(
        "[[brand]]\nname = \"Cumbre Bank\"\n\n[[source]]\nname = \"ledger\"\nurl = \"{}\"\n\n\
         [smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"vigia <alerts@vigia.test>\"\ntimeout = \"5s\"\n\n\
         [web]\nbase_url = \"https://vigia.test\"\n\n\
         [[rule]]\nname = \"negative\"\nkind = \"instant\"\nthreshold = -0.5\ngroup_wait = \"0s\"\nrecipients = [\"ana@x.test\"]\n",
        s.url("feed.xml"),
        smtp.port()
    );
    let config = support::config(&url, s.port, &body);
    let store = support::store(&config).await;
    Some((config, store, s, guard))
}

/// One negative mention → exactly one email, with the alert's story; polling again sends
/// nothing more (A09).
async fn instant_alert_story(db: Db) {
    let smtp = SmtpServer::start().await;
    let Some((config, store, _s, _guard)) = setup(db, &smtp).await else {
        return;
    };
    worker::run_once(&config, store.clone()).await.unwrap();
    let mail = smtp.messages();
    assert_eq!(mail.len(), 1, "one negative mention, one email");
    assert_eq!(mail[0].rcpt, vec!["ana@x.test".to_string()]);
    let parsed = mail[0].parsed();
    let subject = parsed.subject().unwrap_or_default().to_string();
    assert!(subject.contains("Cumbre Bank"), "{subject}");
    let html = parsed.body_html(0).unwrap().to_string();
    assert!(
        html.contains("charged me twice") && html.contains("https://vigia.test/mentions/"),
        "{html}"
    );
    assert!(
        !html.contains("opens a branch"),
        "the neutral mention is not in the alert"
    );
    let sent = store.list_outbox(Some("sent"), 10).await.unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        parsed.message_id().map(|m| format!("<{m}>")),
        Some(sent[0].message.message_id.clone())
    );

    for _ in 0..3 {
        worker::run_once(&config, store.clone()).await.unwrap();
    }
    assert_eq!(smtp.messages().len(), 1, "A09: re-polling sends nothing");
}

#[tokio::test]
async fn instant_alert_story_sqlite() {
    instant_alert_story(Db::Sqlite).await;
}

#[tokio::test]
async fn instant_alert_story_postgres() {
    instant_alert_story(Db::Postgres).await;
}

/// A04: the process dies after the mention (and its alert) committed, before any email:
/// the restarted worker sends exactly one.
#[tokio::test]
async fn a04_alert_survives_a_crash_before_sending() {
    let smtp = SmtpServer::start().await;
    let (config, store, _s, _guard) = setup(Db::Sqlite, &smtp).await.unwrap();
    {
        let p = worker::pipeline(&config, store.clone()).await.unwrap();
        let src = store.list_sources().await.unwrap().remove(0);
        p.poll(&src).await.unwrap();
        // "Killed" here: no alert round ran.
    }
    assert!(smtp.messages().is_empty());
    assert_eq!(store.pending_alerts().await.unwrap().len(), 1);
    let p = worker::pipeline(&config, store.clone()).await.unwrap();
    let sender = Sender::new(&config).unwrap();
    for _ in 0..3 {
        worker::alert_round(&p, &sender).await.unwrap();
    }
    assert_eq!(smtp.messages().len(), 1);
    assert!(store.pending_alerts().await.unwrap().is_empty());
}

/// A07: the SMTP server is down for a while: the message waits, then goes out once.
#[tokio::test]
async fn a07_smtp_down_then_up_delivers_once() {
    let smtp = SmtpServer::start().await;
    let (config, store, _s, _guard) = setup(Db::Sqlite, &smtp).await.unwrap();
    smtp.down().await;
    worker::run_once(&config, store.clone()).await.unwrap();
    let pending = store.list_outbox(Some("pending"), 10).await.unwrap();
    assert_eq!((pending.len(), pending[0].attempts), (1, 1));
    assert!(pending[0].last_error.is_some());
    let sender = Sender::new(&config).unwrap();
    let later = vigia::store::now() + 3600;
    // Still down an hour later: retried again, still pending, nothing lost.
    sender.deliver_due(&store, later).await.unwrap();
    assert_eq!(
        store.list_outbox(Some("pending"), 10).await.unwrap()[0].attempts,
        2
    );
    smtp.up().await;
    let done = sender.deliver_due(&store, later + 7200).await.unwrap();
    assert_eq!(done.sent, 1);
    sender
        .deliver_due(&store, later + 7200 + LEASE.as_secs() as i64 + 1)
        .await
        .unwrap();
    assert_eq!(smtp.messages().len(), 1, "delivered once");
}

/// A06 through the sender: 451 is retried, 550 becomes a visible dead letter that is never
/// retried on its own, and `retry_dead` puts it back.
#[tokio::test]
async fn a06_transient_retried_permanent_dead_letter() {
    let smtp = SmtpServer::start().await;
    let (config, store, _s, _guard) = setup(Db::Sqlite, &smtp).await.unwrap();
    smtp.fail_next(1, Fault::Rcpt(451));
    worker::run_once(&config, store.clone()).await.unwrap();
    let row = store
        .list_outbox(Some("pending"), 10)
        .await
        .unwrap()
        .remove(0);
    assert!(
        row.last_error
            .as_deref()
            .unwrap_or_default()
            .contains("451"),
        "{row:?}"
    );
    let sender = Sender::new(&config).unwrap();
    smtp.fail_next(1, Fault::Data(550));
    let t = vigia::store::now() + 3600;
    let done = sender.deliver_due(&store, t).await.unwrap();
    assert_eq!(done.dead, 1);
    let dead = store.list_outbox(Some("dead"), 10).await.unwrap();
    assert!(
        dead[0]
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("550")
    );
    assert_eq!(
        sender.deliver_due(&store, t + 86_400).await.unwrap().sent,
        0,
        "no retry storm"
    );
    assert!(store.retry_dead(dead[0].id, t).await.unwrap());
    assert_eq!(sender.deliver_due(&store, t + 1).await.unwrap().sent, 1);
    assert_eq!(smtp.messages().len(), 1);
}

/// A05: the worker dies after the server's 250 but before recording "sent": the row comes
/// back when its lease ends and goes out again, once, with the same Message-ID.
#[tokio::test]
async fn a05_crash_after_250_duplicates_at_most_once_with_same_message_id() {
    use vigia::notify::email::Email;
    use vigia::notify::smtp::{Mailer, SmtpSettings, TlsMode};
    let smtp = SmtpServer::start().await;
    let (config, store, _s, _guard) = setup(Db::Sqlite, &smtp).await.unwrap();
    smtp.down().await;
    worker::run_once(&config, store.clone()).await.unwrap(); // queued, not delivered
    smtp.up().await;
    let now = vigia::store::now() + 3600;
    // The doomed worker: claims the row, the server says 250, then the process dies.
    let row = store
        .claim_outbox(now, LEASE.as_secs() as i64, 10)
        .await
        .unwrap()
        .remove(0);
    let mailer = Mailer::new(&SmtpSettings {
        host: "127.0.0.1".into(),
        port: smtp.port(),
        tls: TlsMode::None,
        username: None,
        password: None,
        from: "vigia <alerts@vigia.test>".into(),
        timeout: std::time::Duration::from_secs(5),
    })
    .unwrap();
    let email = Email {
        subject: row.message.subject.clone(),
        text: row.message.body_text.clone(),
        html: row.message.body_html.clone().unwrap_or_default(),
    };
    mailer
        .send(&row.message.recipient, &email, &row.message.message_id)
        .await
        .unwrap();
    // Another worker, within the lease: nothing to do.
    let sender = Sender::new(&config).unwrap();
    assert_eq!(sender.deliver_due(&store, now + 1).await.unwrap().sent, 0);
    // After the lease: one more copy, then never again.
    let after = now + LEASE.as_secs() as i64 + 1;
    assert_eq!(sender.deliver_due(&store, after).await.unwrap().sent, 1);
    assert_eq!(
        sender
            .deliver_due(&store, after + 86_400)
            .await
            .unwrap()
            .sent,
        0
    );
    let mail = smtp.messages();
    assert_eq!(mail.len(), 2, "at most one duplicate");
    let ids: Vec<Option<String>> = mail
        .iter()
        .map(|m| m.parsed().message_id().map(str::to_owned))
        .collect();
    assert_eq!(
        ids[0], ids[1],
        "same Message-ID, so mail clients thread or drop the copy"
    );
}

/// A11: two senders on PostgreSQL deliver a burst of notifications: each message once.
#[tokio::test]
async fn a11_two_senders_on_postgres_send_each_message_once() {
    let smtp = SmtpServer::start().await;
    let Some((config, store, _s, _guard)) = setup(Db::Postgres, &smtp).await else {
        return;
    };
    let messages: Vec<vigia::store::NewOutbox> = (0..40)
        .map(|i| vigia::store::NewOutbox {
            dedup_key: format!("burst-{i}"),
            channel: "email".into(),
            recipient: format!("user{i}@x.test"),
            rule: "negative".into(),
            brand: Some("Cumbre Bank".into()),
            subject: format!("message {i}"),
            body_text: "text".into(),
            body_html: Some("<p>html</p>".into()),
            payload: None,
            message_id: format!("<burst-{i}@vigia.test>"),
        })
        .collect();
    let mut tx = store.begin_write().await.unwrap();
    vigia::store::queue_notification(&mut tx, &messages, &[], 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut workers = Vec::new();
    for _ in 0..2 {
        let (store, config) = (store.clone(), config.clone());
        workers.push(tokio::spawn(async move {
            let sender = Sender::new(&config).unwrap();
            let mut sent = 0;
            for _ in 0..10 {
                sent += sender.deliver_due(&store, 10).await.unwrap().sent;
            }
            sent
        }));
    }
    let mut total = 0;
    for w in workers {
        total += w.await.unwrap();
    }
    assert_eq!(total, 40);
    let mail = smtp.messages();
    assert_eq!(mail.len(), 40);
    let unique: std::collections::HashSet<_> = mail.iter().map(|m| m.rcpt.clone()).collect();
    assert_eq!(unique.len(), 40, "nobody got a message twice");
}

/// A webhook rule posts the notice through the outbox; a source-failure rule emails when a
/// source keeps failing.
#[tokio::test]
async fn webhook_and_source_failure_rules_deliver() {
    use axum::Router;
    use axum::routing::post;
    use std::sync::{Arc, Mutex};
    let smtp = SmtpServer::start().await;
    /// (signature header, body) of each POST the hook received.
    type Posts = Arc<Mutex<Vec<(Option<String>, String)>>>;
    let received: Posts = Arc::default();
    let seen = received.clone();
    let app = Router::new().route(
        "/hook",
        post(move |headers: axum::http::HeaderMap, body: String| {
            let seen = seen.clone();
            async move {
                let sig = headers
                    .get("x-vigia-signature")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                seen.lock().unwrap().push((sig, body));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let (url, _guard) = support::fresh_db(Db::Sqlite).await.unwrap();
    let s = FixtureServer::start().await;
    s.set("feed.xml", Canned::ok("application/rss+xml", FEED));
    s.set(
        "down.xml",
        Canned {
            status: 500,
            content_type: "text/plain",
            body: b"down".to_vec(),
            etag: None,
        },
    );
    // SAFETY of the test: a fixed variable name only this test reads.
    unsafe { std::env::set_var("VIGIA_TEST_HOOK_SECRET", "s3cret") };
    let body = format!(
        "[[brand]]\nname = \"Cumbre Bank\"\n\n\
         [[source]]\nname = \"ledger\"\nurl = \"{}\"\n\n[[source]]\nname = \"down\"\nurl = \"{}\"\n\n\
         [smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"vigia <alerts@vigia.test>\"\n\n\
         [[webhook]]\nname = \"ops\"\nurl = \"http://127.0.0.1:{hook_port}/hook\"\nformat = \"slack\"\nsecret_env = \"VIGIA_TEST_HOOK_SECRET\"\n\n\
         [[rule]]\nname = \"negative\"\nkind = \"instant\"\ngroup_wait = \"0s\"\nwebhooks = [\"ops\"]\n\n\
         [[rule]]\nname = \"source-down\"\nkind = \"source-failure\"\nafter = \"1s\"\ngroup_wait = \"0s\"\nrecipients = [\"ops@x.test\"]\n",
        s.url("feed.xml"),
        s.url("down.xml"),
        smtp.port()
    );
    let config = support::config(&url, s.port, &body);
    let store = support::store(&config).await;
    worker::run_once(&config, store.clone()).await.unwrap();
    {
        let hooks = received.lock().unwrap();
        assert_eq!(hooks.len(), 1, "one grouped webhook post");
        let (sig, payload) = &hooks[0];
        assert!(
            sig.as_deref().unwrap_or_default().starts_with("sha256="),
            "signed"
        );
        let v: serde_json::Value = serde_json::from_str(payload).unwrap();
        assert!(
            v["text"].as_str().unwrap().contains("Cumbre Bank"),
            "{payload}"
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    worker::run_once(&config, store.clone()).await.unwrap();
    let mail = smtp.messages();
    assert_eq!(mail.len(), 1, "the failing source is reported once");
    let text = mail[0].parsed().body_text(0).unwrap().to_string();
    assert!(text.contains("down") && text.contains("500"), "{text}");
    worker::run_once(&config, store.clone()).await.unwrap();
    assert_eq!(smtp.messages().len(), 1, "once per failure episode");
}

/// A poll whose commit fails is retried; the spike detector must not count its mentions
/// twice. Four negatives in an hour are below the balanced preset's minimum of six; seen
/// twice they would be eight and fire a phantom spike. Two detectors live through the same
/// failed save: one rebuilt from the store as the worker does (`rolled_back` →
/// `rebuild_if_stale`), one left as it was (the control, which does fire).
async fn a_rolled_back_poll_is_not_counted_twice_by_the_spike_detector(db: Db) {
    use crate::support_seed::{Seed, batch, seed};
    use vigia::alerts::live::Live;
    use vigia::store::now;

    let Some((url, _guard)) = support::fresh_db(db).await else {
        return;
    };
    let config = vigia::config::Config::from_toml(
        &format!(
            "[database]\nurl = \"{url}\"\n\n[[brand]]\nname = \"Acme\"\n\n\
             [smtp]\nhost = \"127.0.0.1\"\nport = 9\ntls = \"none\"\nfrom = \"alerts@vigia.test\"\n\n\
             [[rule]]\nname = \"spike\"\nkind = \"spike\"\nsensitivity = \"balanced\"\n\
             group_wait = \"0s\"\nrecipients = [\"ana@x.test\"]\n"
        ),
        std::path::Path::new("rollback.toml"),
    )
    .unwrap();
    let store = Store::connect(&url).await.unwrap();
    // Four quiet weeks: one negative and four positives a day.
    let t = now();
    let mut history = Vec::new();
    for day in 1..=27 {
        for k in 0..5 {
            let at = t - day * 86_400 + k * 3 * 3600;
            let label = if k == 0 { "negative" } else { "positive" };
            history.push(Seed::new("Acme", at, label));
        }
    }
    seed(&store, &history).await;
    let live = Live::new(&config).unwrap().unwrap();
    let control = Live::new(&config).unwrap().unwrap();
    for l in [&live, &control] {
        l.warm(&store, chrono::Utc::now()).await.unwrap();
    }
    let burst: Vec<Seed> = (0..4)
        .map(|i| Seed {
            title: format!("Acme burst {i}"),
            compound: -0.8,
            ..Seed::new("Acme", t - 3000 + i * 600, "negative")
        })
        .collect();
    let burst = batch(&burst);
    // The first try: both detectors count the burst, then the commit fails.
    assert_eq!(
        fire(&store, &live, &burst, false).await,
        0,
        "four are not a spike"
    );
    assert_eq!(fire(&store, &control, &burst, false).await, 0);
    live.rolled_back();
    // The retry.
    let control_fired = fire(&store, &control, &burst, false).await;
    assert_eq!(
        control_fired, 1,
        "the control counts eight: the bug this guards against"
    );
    live.rebuild_if_stale(&store, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(
        fire(&store, &live, &burst, true).await,
        0,
        "rebuilt: four, counted once"
    );
    // The rebuilt detectors still work: four more stored negatives make eight, a spike.
    let more: Vec<Seed> = (0..4)
        .map(|i| Seed {
            title: format!("Acme second burst {i}"),
            compound: -0.8,
            ..Seed::new("Acme", t - 2700 + i * 600, "negative")
        })
        .collect();
    let fired = fire(&store, &live, &batch(&more), true).await;
    assert_eq!(fired, 1, "eight stored negatives in the hour fire once");
}

/// Store `batch` and run it through `live` in one transaction, committed or rolled back;
/// how many alerts fired.
async fn fire(
    store: &Store,
    live: &vigia::alerts::live::Live,
    batch: &[vigia::store::NewMention],
    commit: bool,
) -> usize {
    let mut tx = store.begin_write().await.unwrap();
    let new = vigia::store::insert_mentions(&mut tx, batch).await.unwrap();
    let created: Vec<(i64, &vigia::store::NewMention)> =
        new.iter().map(|(i, id)| (*id, &batch[*i])).collect();
    let fired = live.fire(&mut tx, &created).await.unwrap();
    if commit {
        tx.commit().await.unwrap();
    } // else dropped: rolled back
    fired.len()
}

/// An alert stored by a worker that then died for good (never restarted) is adopted by a
/// worker that was already running, once it has waited longer than its rule could hold
/// it, and notified once; an alert a live worker still holds, if adopted too, is still
/// notified once (the first to notify claims it) and repeated once (the other forgets it).
async fn alerts_left_by_a_dead_worker_are_adopted_and_notified_once(db: Db) {
    use crate::support_seed::{Seed, batch};
    use vigia::alerts::live::{Live, ORPHAN_GRACE};

    let Some((url, _guard)) = support::fresh_db(db).await else {
        return;
    };
    let config = vigia::config::Config::from_toml(
        &format!(
            "[database]\nurl = \"{url}\"\n\n[[brand]]\nname = \"Acme\"\n\n\
             [smtp]\nhost = \"127.0.0.1\"\nport = 9\ntls = \"none\"\nfrom = \"alerts@vigia.test\"\n\n\
             [[rule]]\nname = \"negative\"\nkind = \"instant\"\nthreshold = -0.5\n\
             group_wait = \"0s\"\ngroup_interval = \"1m\"\nrepeat_interval = \"10m\"\n\
             resolve_timeout = \"1h\"\nrecipients = [\"ana@x.test\"]\n"
        ),
        std::path::Path::new("orphans.toml"),
    )
    .unwrap();
    let store = Store::connect(&url).await.unwrap();
    let outbox = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM outbox")
            .fetch_one(store.pool())
            .await
            .unwrap()
    };
    let now = chrono::Utc::now();
    let survivor = Live::new(&config).unwrap().unwrap();
    survivor.warm(&store, now).await.unwrap();

    // Another worker stores an alert, then dies before notifying it.
    let doomed = Live::new(&config).unwrap().unwrap();
    let t = vigia::store::now();
    let first = batch(&[Seed {
        compound: -0.9,
        ..Seed::new("Acme", t - 30, "negative")
    }]);
    assert_eq!(fire(&store, &doomed, &first, true).await, 1);
    drop(doomed);

    // Not before its rule could have let it go (group_interval 1 min + grace).
    assert_eq!(survivor.adopt_orphans(&store, now).await.unwrap(), 0);
    let later = now + chrono::Duration::minutes(1) + ORPHAN_GRACE + chrono::Duration::seconds(31);
    assert_eq!(survivor.adopt_orphans(&store, later).await.unwrap(), 1);
    assert_eq!(
        survivor.adopt_orphans(&store, later).await.unwrap(),
        0,
        "held now"
    );
    assert_eq!(survivor.notify_due(&store, later).await.unwrap(), 1);
    assert_eq!(outbox().await, 1);
    assert!(store.pending_alerts().await.unwrap().is_empty());

    // A slow but live worker: the survivor adopts its alert too; it goes out once.
    let slow = Live::new(&config).unwrap().unwrap();
    let second = batch(&[Seed {
        compound: -0.9,
        title: "Acme second".into(),
        ..Seed::new("Acme", t - 20, "negative")
    }]);
    let fired = {
        let mut tx = store.begin_write().await.unwrap();
        let new = vigia::store::insert_mentions(&mut tx, &second)
            .await
            .unwrap();
        let created: Vec<(i64, &vigia::store::NewMention)> =
            new.iter().map(|(i, id)| (*id, &second[*i])).collect();
        let fired = slow.fire(&mut tx, &created).await.unwrap();
        tx.commit().await.unwrap();
        fired
    };
    slow.fired_committed(fired, now);
    let much_later = later + chrono::Duration::minutes(10);
    assert_eq!(survivor.adopt_orphans(&store, much_later).await.unwrap(), 1);
    let sent = survivor.notify_due(&store, much_later).await.unwrap()
        + slow.notify_due(&store, much_later).await.unwrap();
    assert_eq!(sent, 1, "one notification between the two workers");
    assert_eq!(outbox().await, 2);
    // Ten minutes on, the group repeats: from the worker that notified it, not from both.
    let repeat_at = much_later + chrono::Duration::minutes(11);
    let repeats = survivor.notify_due(&store, repeat_at).await.unwrap()
        + slow.notify_due(&store, repeat_at).await.unwrap();
    assert_eq!(repeats, 1, "one repeat between the two workers");
    assert_eq!(outbox().await, 3);
}

/// An `unanswered` rule: an open negative mention with no response fires once when it has
/// waited three quarters of its brand's `sla` (6 h of 8 h here); answered, resolved,
/// positive, younger and week-old ones do not; a second worker does not fire it again;
/// one answered before its reminder goes out gets no reminder.
async fn unanswered_negatives_fire_once_at_three_quarters_of_the_sla(db: Db) {
    use crate::support_seed::{Seed, seed};
    use vigia::alerts::live::Live;

    let Some((url, _guard)) = support::fresh_db(db).await else {
        return;
    };
    let config = vigia::config::Config::from_toml(
        &format!(
            "[database]\nurl = \"{url}\"\n\n[[brand]]\nname = \"Acme\"\nsla = \"8h\"\n\n\
             [smtp]\nhost = \"127.0.0.1\"\nport = 9\ntls = \"none\"\nfrom = \"alerts@vigia.test\"\n\n\
             [[rule]]\nname = \"waiting\"\nkind = \"unanswered\"\ngroup_wait = \"0s\"\n\
             recipients = [\"ana@x.test\"]\n"
        ),
        std::path::Path::new("unanswered.toml"),
    )
    .unwrap();
    let store = Store::connect(&url).await.unwrap();
    let t = vigia::store::now();
    let h = 3600;
    let ids = seed(
        &store,
        &[
            Seed {
                title: "Acme lost my parcel".into(),
                ..Seed::new("Acme", t - 7 * h, "negative")
            },
            Seed::new("Acme", t - 5 * h, "negative"),
            Seed {
                first_response_at: Some(t - 6 * h),
                ..Seed::new("Acme", t - 7 * h - 1, "negative")
            },
            Seed::new("Acme", t - 7 * h - 2, "positive"),
            Seed {
                status: "resolved",
                resolved_at: Some(t - h),
                ..Seed::new("Acme", t - 7 * h - 3, "negative")
            },
            Seed::new("Acme", t - 10 * 24 * h, "negative"),
        ],
    )
    .await;
    let now = chrono::DateTime::from_timestamp(t, 0).unwrap();
    let live = Live::new(&config).unwrap().unwrap();
    assert_eq!(live.unanswered(&store, now).await.unwrap(), 1);
    assert_eq!(live.unanswered(&store, now).await.unwrap(), 0, "once");
    let pending = store.pending_alerts().await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].alert.mention_ids, vec![ids[0]]);
    assert_eq!(pending[0].alert.kind, "unanswered");

    // It is assigned to Bob, whose dashboard is in Spanish: he hears about it too.
    let bob = store
        .create_user(
            "bob@x.test",
            "a long password",
            vigia::store::accounts::Role::Member,
            t,
        )
        .await
        .unwrap();
    store
        .set_preferences(bob.id, Some("es"), None)
        .await
        .unwrap();
    store
        .triage(
            ids[0],
            "ana@x.test",
            &vigia::store::triage::Action::Assign(Some("bob@x.test".into())),
            None,
            t,
        )
        .await
        .unwrap();
    assert_eq!(live.notify_due(&store, now).await.unwrap(), 2);
    let (subject, text): (String, String) =
        sqlx::query_as("SELECT subject, body_text FROM outbox WHERE recipient = 'ana@x.test'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    let bobs: String =
        sqlx::query_scalar("SELECT subject FROM outbox WHERE recipient = 'bob@x.test'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert!(bobs.contains("sigue sin respuesta"), "{bobs}");
    assert!(
        subject.contains("Acme") && subject.contains("still unanswered: Acme lost my parcel"),
        "{subject}"
    );
    assert!(
        text.contains("waited 7 h without a response") && text.contains("target is 8 h"),
        "{text}"
    );

    // Two hours on, the 5-hour-old one has waited 7 h too; another worker (a fresh
    // `Live`) finds nothing left to fire for the first.
    let later = now + chrono::Duration::hours(2);
    let other = Live::new(&config).unwrap().unwrap();
    assert_eq!(other.unanswered(&store, later).await.unwrap(), 1);
    assert_eq!(live.unanswered(&store, later).await.unwrap(), 0);
    let fired: Vec<i64> = store
        .pending_alerts()
        .await
        .unwrap()
        .into_iter()
        .flat_map(|a| a.alert.mention_ids)
        .collect();
    assert_eq!(fired, vec![ids[1]]);

    // Answered before its notification went out: no reminder, and nothing left pending.
    store
        .triage(
            ids[1],
            "ana@x.test",
            &vigia::store::triage::Action::Responded { url: None, at: t },
            None,
            t,
        )
        .await
        .unwrap();
    assert_eq!(other.notify_due(&store, later).await.unwrap(), 0);
    assert!(store.pending_alerts().await.unwrap().is_empty());
    let outbox: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(outbox, 2, "only the first reminder (to Ana and Bob)");
}

#[tokio::test]
async fn a_rolled_back_poll_is_not_counted_twice_by_the_spike_detector_sqlite() {
    a_rolled_back_poll_is_not_counted_twice_by_the_spike_detector(Db::Sqlite).await;
}

#[tokio::test]
async fn a_rolled_back_poll_is_not_counted_twice_by_the_spike_detector_postgres() {
    a_rolled_back_poll_is_not_counted_twice_by_the_spike_detector(Db::Postgres).await;
}

#[tokio::test]
async fn alerts_left_by_a_dead_worker_are_adopted_and_notified_once_sqlite() {
    alerts_left_by_a_dead_worker_are_adopted_and_notified_once(Db::Sqlite).await;
}

#[tokio::test]
async fn alerts_left_by_a_dead_worker_are_adopted_and_notified_once_postgres() {
    alerts_left_by_a_dead_worker_are_adopted_and_notified_once(Db::Postgres).await;
}

#[tokio::test]
async fn unanswered_negatives_fire_once_at_three_quarters_of_the_sla_sqlite() {
    unanswered_negatives_fire_once_at_three_quarters_of_the_sla(Db::Sqlite).await;
}

#[tokio::test]
async fn unanswered_negatives_fire_once_at_three_quarters_of_the_sla_postgres() {
    unanswered_negatives_fire_once_at_three_quarters_of_the_sla(Db::Postgres).await;
}
