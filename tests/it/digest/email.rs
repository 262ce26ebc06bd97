//! The digest as an email: queued, sent by the real sender to a real SMTP listener, and
//! read back as MIME; and every template with hostile strings (W06, A03).

use mail_parser::{MessageParser, MimeHeaders, PartType};
use vigia::alerts::notice::NoticeLang;
use vigia::digest::{Images, Prepared, queue_period};
use vigia::notify::sender::Sender;
use vigia::store::{NewAlert, Store};

use super::fixture::{fixture, monday_8am, week};
use crate::support::{self, Db};
use crate::support_seed::{Seed, seed};
use crate::support_smtp::SmtpServer;

/// Decodes a PNG fully; returns (width, height).
fn decode_png(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR", "IHDR first");
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .expect("PNG header decodes");
    let mut buf = vec![0; reader.output_buffer_size().expect("sane size")];
    let info = reader.next_frame(&mut buf).expect("PNG pixels decode");
    assert!(
        buf.iter().any(|&b| b != 0xff),
        "the chart is not blank white"
    );
    (info.width, info.height)
}

#[tokio::test]
async fn digest_email_arrives_as_multipart_with_cid_charts_in_english_and_spanish() {
    let smtp = SmtpServer::start().await;
    let Some((store, config, _guard)) = fixture(Db::Sqlite, smtp.port(), "").await else {
        return;
    };
    let queued = queue_period(&store, &config, &config.digests[0], week(), monday_8am())
        .await
        .unwrap();
    assert_eq!(queued.iter().filter(|q| q.new).count(), 2);
    let sender = Sender::new(&config).unwrap();
    let done = sender
        .deliver_due(&store, vigia::store::now())
        .await
        .unwrap();
    assert_eq!((done.sent, done.retried, done.dead), (2, 0, 0));

    let mut messages = smtp.messages();
    messages.sort_by(|a, b| a.rcpt.cmp(&b.rcpt));
    assert_eq!(messages.len(), 2);
    for (received, lang) in messages.iter().zip([NoticeLang::En, NoticeLang::Es]) {
        let msg = MessageParser::default()
            .parse(&received.data)
            .expect("MIME parses");
        let subject = msg.subject().unwrap_or_default().to_string();
        match lang {
            NoticeLang::En => {
                assert_eq!(received.rcpt, ["boss@x.test"]);
                assert!(
                    subject.starts_with("[vigia] All brands, week 43: 11 mentions"),
                    "{subject}"
                );
            }
            NoticeLang::Es => {
                assert_eq!(received.rcpt, ["equipo@x.test"]);
                assert!(
                    subject.starts_with("[vigia] Todas las marcas, semana 43: 11 menciones"),
                    "{subject}"
                );
            }
        }
        // The Message-ID derives from the digest's dedup key.
        let key = vigia::digest::dedup_key("weekly", &received.rcpt[0], &week());
        assert_eq!(
            format!("<{}>", msg.message_id().unwrap()),
            vigia::notify::smtp::message_id(&key, "vigia.test")
        );
        // multipart/alternative(text/plain, multipart/related(text/html, image/png…)).
        let root = &msg.parts[0];
        let ct = root.content_type().unwrap();
        assert_eq!(
            (ct.ctype(), ct.subtype()),
            ("multipart", Some("alternative"))
        );
        let PartType::Multipart(children) = &root.body else {
            panic!("root is multipart");
        };
        assert_eq!(children.len(), 2);
        let text = &msg.parts[children[0] as usize];
        assert_eq!(text.content_type().unwrap().subtype(), Some("plain"));
        let related = &msg.parts[children[1] as usize];
        let rct = related.content_type().unwrap();
        assert_eq!((rct.ctype(), rct.subtype()), ("multipart", Some("related")));
        let PartType::Multipart(inner) = &related.body else {
            panic!("related is multipart");
        };
        let html = msg.parts[inner[0] as usize]
            .text_contents()
            .unwrap()
            .to_string();
        assert!(html.contains("<table role=\"presentation\""));
        let images: Vec<_> = inner[1..].iter().map(|&i| &msg.parts[i as usize]).collect();
        assert_eq!(images.len(), 3, "summary + Acme + Globex charts");
        for image in images {
            let ict = image.content_type().unwrap();
            assert_eq!((ict.ctype(), ict.subtype()), ("image", Some("png")));
            let cid = image.content_id().expect("inline part has a Content-ID");
            let cid = cid.trim_matches(['<', '>']);
            let reference = format!("src=\"cid:{cid}\"");
            let at = html
                .find(&reference)
                .unwrap_or_else(|| panic!("HTML references {cid}"));
            let img_tag = &html[html[..at].rfind("<img").unwrap()..];
            let img_tag = &img_tag[..img_tag.find('>').unwrap()];
            assert!(
                img_tag.contains(" alt=\"") && !img_tag.contains("alt=\"\""),
                "{img_tag}"
            );
            let (w, h) = decode_png(image.contents());
            assert_eq!((w, h), (1120, 280), "drawn at twice the display size");
        }
        let text = msg.body_text(0).unwrap();
        let (per_day, unanswered) = match lang {
            NoticeLang::En => ("Mon 19: 1 | Tue 20: 2 | Wed 21: 3", "Still unanswered:"),
            NoticeLang::Es => ("lun 19: 1 | mar 20: 2 | mié 21: 3", "Aún sin respuesta:"),
        };
        assert!(
            text.contains(per_day) && text.contains(unanswered),
            "{text}"
        );
        assert!(html.contains(&format!(
            "lang=\"{}\"",
            if lang == NoticeLang::Es { "es" } else { "en" }
        )));
    }
}

/// Hostile strings everywhere the outside world reaches the digest.
const BRAND: &str = "Acme \"><img src=x onerror=alert(1)>";
const HOSTILE_TITLE: &str = "<script>alert('t')</script> {{7*7}} {% if true %}x{% endif %}";

async fn hostile_store(base_url: Option<&str>) -> (Store, vigia::config::Config, support::DbGuard) {
    let (url, guard) = support::fresh_db(Db::Sqlite).await.unwrap();
    let web = base_url.map_or(String::new(), |b| format!("[web]\nbase_url = \"{b}\"\n"));
    let body = format!(
        "[[brand]]\nname = '{BRAND}'\n\n[[source]]\nname = \"<b>src</b>\"\nurl = \"https://s.example/rss\"\n\n[smtp]\nhost = \"127.0.0.1\"\nfrom = \"v@x.test\"\n\n{web}[[digest]]\nname = \"<i>weekly</i>\"\ncron = \"0 8 * * MON\"\ntimezone = \"Europe/Madrid\"\nto = [\"boss@x.test\"]\n"
    );
    let config = support::config(&url, 1, &body);
    let store = Store::connect(&url).await.unwrap();
    let at = super::fixture::local(21, 10, 0);
    let seeds = vec![
        Seed {
            source: "<script>alert('source')</script>",
            title: HOSTILE_TITLE.into(),
            url: Some("javascript:alert(document.cookie)".into()),
            assignee: Some("\"><svg onload=alert(1)>"),
            ..Seed::new(BRAND, at, "negative")
        },
        Seed {
            title: "plain title".into(),
            url: Some("https://example.com/ok?a=1&b=\"2\"".into()),
            ..Seed::new(BRAND, at + 60, "negative")
        },
    ];
    seed(&store, &seeds).await;
    let mut tx = store.begin_write().await.unwrap();
    vigia::store::insert_alerts(
        &mut tx,
        &[NewAlert {
            dedup_key: "h1".into(),
            rule: "<script>rule</script>".into(),
            kind: "<b>kind</b>".into(),
            brand: Some(BRAND.into()),
            fired_at: at,
            mention_ids: vec![1],
            why: "{}".into(),
        }],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    store.sync_sources(&config.sources).await.unwrap();
    let id = store.list_sources().await.unwrap()[0].id;
    store
        .record_poll(
            id,
            &vigia::store::PollRecord {
                checked_at: at,
                next_check_at: at + 60,
                outcome: vigia::store::PollOutcome::Failed {
                    state: vigia::store::SourceState::Blocked,
                    error: "<script>alert('error')</script> javascript:alert(1)".into(),
                    raw: None,
                },
            },
        )
        .await
        .unwrap();
    (store, config, guard)
}

fn assert_no_markup_from_outside(html: &str) {
    for bad in [
        "<script",
        "<img src=x",
        "<svg",
        "<b>",
        "<i>weekly",
        "javascript:alert(document",
        "href=\"javascript",
        "onerror=alert(1)>",
    ] {
        assert!(!html.contains(bad), "{bad:?} leaked into the HTML");
    }
    assert!(html.contains("&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;"));
    assert!(
        html.contains("{{7*7}}"),
        "template syntax in data stays literal"
    );
    assert!(html.contains("Acme &quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    // Every link is http(s); every image is ours.
    for (attr, allowed) in [
        ("href=\"", &["http://", "https://"][..]),
        ("src=\"", &["cid:", "data:image/png;base64,"][..]),
    ] {
        for (i, _) in html.match_indices(attr) {
            let value = &html[i + attr.len()..];
            assert!(
                allowed.iter().any(|p| value.starts_with(p)),
                "unexpected {attr}{}",
                &value[..value.len().min(60)]
            );
        }
    }
}

#[tokio::test]
async fn w06_a03_every_digest_template_escapes_hostile_strings() {
    for base_url in [Some("https://vigia.example.com/"), None] {
        let (store, config, _guard) = hostile_store(base_url).await;
        let spec = &config.digests[0];
        let now = super::fixture::monday_8am().timestamp();
        let prepared = Prepared::new(&store, &config, spec, week(), now)
            .await
            .unwrap();
        for lang in [NoticeLang::En, NoticeLang::Es] {
            for images in [Images::Inline, Images::DataUri] {
                let r = prepared
                    .render(&store, &config, spec, Some("boss@x.test"), lang, images)
                    .await
                    .unwrap();
                assert_no_markup_from_outside(&r.email.html);
                // The plain text shows outside text as it is (nothing to escape there), but
                // never a javascript: link, and template syntax stays literal.
                assert!(
                    r.email.text.contains("{{7*7}}")
                        && !r.email.text.contains("javascript:alert(document")
                );
                assert!(!r.email.subject.contains('\n'));
                match base_url {
                    // Links go to the dashboard, the http(s) original beside it.
                    Some(_) => {
                        assert!(
                            r.email
                                .html
                                .contains("href=\"https://vigia.example.com/mentions/1\"")
                        );
                        assert!(
                            r.email
                                .html
                                .contains("href=\"https://example.com/ok?a=1&amp;b=%222%22\"")
                        );
                    }
                    // No dashboard: the original when it is http(s), no link otherwise.
                    None => {
                        assert!(!r.email.html.contains("/mentions/"));
                        assert!(
                            r.email
                                .html
                                .contains("href=\"https://example.com/ok?a=1&amp;b=%222%22\"")
                        );
                        assert_eq!(
                            r.email.html.matches("href=").count(),
                            1,
                            "only the http original"
                        );
                    }
                }
            }
        }
    }
}

#[tokio::test]
async fn digest_running_worker_queues_and_sends_a_due_digest() {
    let smtp = SmtpServer::start().await;
    let (url, _guard) = support::fresh_db(Db::Sqlite).await.unwrap();
    // Every minute: due as soon as the worker starts; the week reported is last week.
    let body = format!(
        "[[brand]]\nname = \"Acme\"\n\n[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"v@vigia.test\"\n\n[[digest]]\nname = \"ops\"\ncron = \"* * * * *\"\nto = [\"ops@x.test\"]\n",
        smtp.port()
    );
    let config = support::config(&url, 1, &body);
    let store = Store::connect(&url).await.unwrap();
    let last_week =
        vigia::digest::PeriodChoice::LastWeek.resolve(chrono_tz::Tz::UTC, chrono::Utc::now());
    seed(
        &store,
        &[Seed::new("Acme", last_week.start() + 3600, "negative")],
    )
    .await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = {
        let (config, store) = (config.clone(), store.clone());
        tokio::spawn(async move { vigia::worker::run(&config, store, stopped).await })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while smtp.messages().is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    stop.send(true).unwrap();
    worker.await.unwrap().unwrap();
    let messages = smtp.messages();
    assert_eq!(
        messages.len(),
        1,
        "one digest delivered by the running worker"
    );
    let msg = messages[0].parsed();
    let subject = msg.subject().unwrap_or_default();
    assert!(
        subject.starts_with(&format!(
            "[vigia] Acme, week {}: 1 mention",
            last_week.week_number()
        )),
        "{subject}"
    );
    let key = vigia::digest::dedup_key("ops", "ops@x.test", &last_week);
    let rows = store.list_outbox(Some("sent"), 10).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].message.dedup_key, key);
}
