//! Every page for a logged-in person, in English and Spanish; the overview's KPIs from
//! `store::kpi`; sources and alerts pages; `/healthz` and `/metrics`.

use reqwest::StatusCode;
use vigia::store::accounts::Role;
use vigia::store::{NewAlert, NewOutbox, insert_alerts, now, queue_notification};

use crate::support::Db;
use crate::support_seed::{Seed, seed};
use crate::support_web::start;

async fn pages_render_for_every_role(db: Db) {
    let Some(app) = start(db, "").await else {
        return;
    };
    let t = now();
    let ids = seed(
        &app.store,
        &[
            Seed::new("Acme", t - 3600, "negative"),
            Seed::new("Globex", t - 7200, "positive"),
        ],
    )
    .await;
    for (email, role) in [
        ("v@acme.test", Role::Viewer),
        ("m@acme.test", Role::Member),
        ("a@acme.test", Role::Admin),
    ] {
        let mut c = app.logged_in(email, role).await;
        // Every page in the route table (a new one is covered the moment it exists), plus
        // a few with parameters.
        let table = vigia::web::routes::table();
        let pages = table.iter().filter(|r| {
            r.verb == vigia::web::routes::Verb::Get
                && matches!(r.access, vigia::web::auth::Access::Page)
                && !r.path.contains('{')
        });
        let mut paths: Vec<&str> = pages.map(|r| r.example).collect();
        assert!(
            paths.contains(&"/team") && paths.contains(&"/settings"),
            "{paths:?}"
        );
        paths.extend([
            "/inbox?status=all&sort=newest",
            "/alerts?mute=very-negative",
        ]);
        for path in paths {
            let resp = c.get(path).await;
            assert_eq!(
                resp.status,
                StatusCode::OK,
                "{path} as {email}: {}",
                resp.body
            );
            assert!(
                resp.body.contains(email),
                "{path}: the header names who is logged in"
            );
            assert_eq!(resp.headers["cache-control"], "no-store");
        }
        let page = c.get(&format!("/mentions/{}", ids[0])).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_eq!(
            page.body.contains("action\" value=\"acknowledge\""),
            role >= Role::Member,
            "only people who may triage see the actions"
        );
        assert_eq!(
            c.get("/mentions/999999").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(c.get("/no/such/page").await.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn pages_render_for_every_role_sqlite() {
    pages_render_for_every_role(Db::Sqlite).await;
}

#[tokio::test]
async fn pages_render_for_every_role_postgres() {
    pages_render_for_every_role(Db::Postgres).await;
}

#[tokio::test]
async fn i18n_spanish_from_the_browser_then_from_the_saved_preference() {
    let app = start(Db::Sqlite, "").await.unwrap();
    let mut c = app.logged_in("ana@acme.test", Role::Member).await;
    let es = c
        .send(
            reqwest::Method::GET,
            "/inbox",
            &[("accept-language", "es-MX,es;q=0.9,en;q=0.5")],
            None,
        )
        .await;
    assert!(
        es.body.contains("<html lang=\"es\">"),
        "{}",
        &es.body[..200]
    );
    assert!(es.body.contains("Bandeja de entrada") && es.body.contains("Cerrar sesión"));
    let en = c.get("/inbox").await;
    assert!(en.body.contains("<html lang=\"en\">") && en.body.contains("Log out"));
    // A saved preference beats the browser, and dates follow the saved timezone.
    c.post(
        "/settings",
        &[("lang", "es"), ("timezone", "America/Mexico_City")],
    )
    .await;
    let t = 1_768_447_800; // 2026-01-15 03:30 UTC = 14/01/2026 21:30 in Mexico City
    let id = seed(&app.store, &[Seed::new("Acme", t, "negative")]).await[0];
    let page = c.get(&format!("/mentions/{id}")).await;
    assert!(page.body.contains("Volver a la bandeja"), "{}", page.body);
    assert!(
        page.body.contains("14/01/2026 21:30"),
        "local time in Spanish format"
    );
    let login = c
        .send(
            reqwest::Method::GET,
            "/login",
            &[("accept-language", "es")],
            None,
        )
        .await;
    assert!(login.body.contains("Iniciar sesión"));
}

#[tokio::test]
async fn overview_shows_kpis_from_the_shared_definitions() {
    let app = start(Db::Sqlite, "").await.unwrap();
    let t = now();
    let h = 3600;
    seed(
        &app.store,
        &[
            // Acme (SLA 4 h): answered in 1 h and in 6 h; one still open; one positive.
            Seed {
                first_response_at: Some(t - 9 * h),
                ..Seed::new("Acme", t - 10 * h, "negative")
            },
            Seed {
                first_response_at: Some(t - 2 * h),
                ..Seed::new("Acme", t - 8 * h, "negative")
            },
            Seed::new("Acme", t - 5 * h, "negative"),
            Seed::new("Acme", t - 5 * h, "positive"),
        ],
    )
    .await;
    let mut c = app.logged_in("ana@acme.test", Role::Viewer).await;
    let page = c.get("/overview").await;
    let acme = &page.body
        [page.body.find("<h2>Acme</h2>").unwrap()..page.body.find("<h2>Globex</h2>").unwrap()];
    assert!(acme.contains("data-kpi=\"open-negatives\">1<"), "{acme}");
    // Nearest-rank median of [1 h, 6 h] is 1 h; 1 of 3 negatives within the 4 h target.
    assert!(acme.contains("data-kpi=\"median-response\">1 h<"), "{acme}");
    assert!(acme.contains("data-kpi=\"within-sla\">33 %<"), "{acme}");
    assert!(
        acme.contains("<svg") && acme.contains("class=\"negative\""),
        "chart drawn"
    );
    let kpis = app
        .store
        .response_kpis(Some("Acme"), t - 30 * 86_400, t + 1, &|_| 4 * h)
        .await
        .unwrap();
    assert_eq!((kpis.negatives, kpis.answered, kpis.within_sla), (3, 2, 1));
}

#[tokio::test]
async fn sources_alerts_healthz_and_metrics() {
    let extra = "[[source]]\nname = \"acme-news\"\nurl = \"https://news.example/rss\"\n";
    let app = start(Db::Sqlite, extra).await.unwrap();
    app.store.sync_sources(&app.config.sources).await.unwrap();
    let t = now();
    let ids = seed(&app.store, &[Seed::new("Acme", t, "negative")]).await;
    let mut tx = app.store.begin_write().await.unwrap();
    let alert = NewAlert {
        dedup_key: "k1".into(),
        rule: "very-negative".into(),
        kind: "instant".into(),
        brand: Some("Acme".into()),
        fired_at: t,
        mention_ids: ids.clone(),
        why: "{}".into(),
    };
    let alert_ids = insert_alerts(&mut tx, &[alert]).await.unwrap();
    let message = NewOutbox {
        dedup_key: "m1".into(),
        channel: "email".into(),
        recipient: "team@acme.test".into(),
        rule: "very-negative".into(),
        brand: Some("Acme".into()),
        subject: "Negative mention of Acme".into(),
        body_text: "x".into(),
        body_html: None,
        payload: None,
        message_id: "<m1@vigia>".into(),
    };
    queue_notification(&mut tx, &[message], &alert_ids, t)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let row = app.store.claim_outbox(t, 60, 10).await.unwrap().remove(0);
    app.store
        .outbox_dead(row.id, "550 mailbox unavailable")
        .await
        .unwrap();

    let mut admin = app.logged_in("adam@acme.test", Role::Admin).await;
    let sources = admin.get("/sources").await;
    assert!(
        sources.body.contains("acme-news") && sources.body.contains("health-new"),
        "{}",
        sources.body
    );
    let alerts = admin.get("/alerts").await;
    assert!(
        alerts.body.contains("very-negative")
            && alerts.body.contains(&format!("/mentions/{}", ids[0]))
    );
    assert!(alerts.body.contains("550 mailbox unavailable"));
    assert!(
        alerts
            .body
            .contains(&format!("/alerts/outbox/{}/retry", row.id)),
        "admins get a retry button"
    );
    let muted = admin.get("/alerts?mute=other-rule").await;
    assert!(!muted.body.contains("/alerts/outbox/") && muted.body.contains("other-rule"));
    let retried = admin
        .post(&format!("/alerts/outbox/{}/retry", row.id), &[])
        .await;
    assert_eq!(retried.location().as_deref(), Some("/alerts?done=retried"));
    let pending = app.store.list_outbox(Some("pending"), 10).await.unwrap();
    assert_eq!(pending.len(), 1, "the dead letter is queued again");

    let mut anon = crate::support_web::Client::new(&app.base);
    let health = anon.get("/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&health.body).unwrap();
    assert_eq!(v["database"], "ok");
    assert!(v["schema_version"].as_i64().unwrap() >= 4);
    assert!(
        !health.body.contains("sqlite"),
        "no database address in the answer"
    );

    let metrics = admin.get("/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    for line in [
        "vigia_source_polls_total{source=\"acme-news\"} 0",
        "vigia_sources{state=\"new\"} 1",
        "vigia_mentions{label=\"negative\",status=\"new\"} 1",
        "vigia_alerts_total{rule=\"very-negative\",kind=\"instant\"} 1",
        "vigia_outbox_messages{status=\"pending\"} 1",
        "vigia_outbox_messages{status=\"dead\"} 0",
        "# TYPE vigia_mentions gauge",
    ] {
        assert!(
            metrics.body.lines().any(|l| l == line),
            "missing {line}:\n{}",
            metrics.body
        );
    }
}

#[tokio::test]
async fn healthz_says_503_and_pages_hide_database_details_when_the_database_is_gone() {
    let app = start(Db::Sqlite, "").await.unwrap();
    let mut c = app.logged_in("ana@acme.test", Role::Member).await;
    app.store.close().await;
    let resp = crate::support_web::Client::new(&app.base)
        .get("/healthz")
        .await;
    assert_eq!(resp.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(resp.body.contains("unreachable"));
    let page = c.get("/inbox").await;
    assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(page.body.contains("Something went wrong"), "{}", page.body);
    for secret in ["sqlite", "vigia.db", "pool", "closed"] {
        assert!(
            !page.body.to_lowercase().contains(secret),
            "{secret} leaked: {}",
            page.body
        );
    }
}

#[tokio::test]
async fn inbox_marks_open_unanswered_negatives_past_their_brands_target() {
    // Acme's target is 4 h in the test config; Globex has the default 24 h.
    let app = start(Db::Sqlite, "").await.unwrap();
    let t = now();
    let h = 3600;
    seed(
        &app.store,
        &[
            Seed::new("Acme", t - 5 * h, "negative"),
            Seed::new("Acme", t - 3 * h, "negative"),
            Seed {
                first_response_at: Some(t - 4 * h),
                ..Seed::new("Acme", t - 6 * h, "negative")
            },
            Seed::new("Acme", t - 7 * h, "positive"),
            Seed::new("Globex", t - 5 * h, "negative"),
        ],
    )
    .await;
    let mut c = app.logged_in("ana@acme.test", Role::Viewer).await;
    let page = c.get("/inbox?status=all").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.body.matches("class=\"badge overdue\"").count(),
        1,
        "only the 5-hour-old unanswered Acme negative"
    );
    assert!(page.body.contains("past the 4 h target"));
    c.post("/settings", &[("lang", "es"), ("timezone", "")])
        .await;
    let page = c.get("/inbox").await;
    assert!(page.body.contains("fuera del objetivo de 4 h"));
}
