//! Notification delivery: email rendering (both languages, every kind), SMTP against a
//! real server on loopback (A01, A02, A03, A06); webhooks in the `webhook` submodule.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use mail_parser::MimeHeaders;
use vigia::alerts::notice::{Notice, NoticeLang, NoticeMention, RuleKind, Sighting, Why};
use vigia::notify::email::{self, Email};
use vigia::notify::smtp::{Mailer, SmtpSettings, TlsMode, message_id};
use vigia::notify::{NotifyError, SendError};

use crate::support_smtp::{Fault, SmtpServer};

mod webhook;

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 3, h, m, 0)
        .single()
        .expect("valid time")
}

fn mention(id: i64, title: &str, url: &str) -> NoticeMention {
    let snippet = "Customers say Acme kept the money and Acme support never answered.".to_string();
    NoticeMention {
        id,
        title: title.to_string(),
        source: "Trustpilot reviews".to_string(),
        url: Some(url.to_string()),
        highlight: vec![(14, 18), (38, 42)],
        snippet,
        compound: -0.82,
        label: "negative".to_string(),
        top_terms: vec![("never".to_string(), -0.4), ("kept".to_string(), -0.2)],
        published_at: at(13, 40),
        rating: Some(0.2),
    }
}

fn notice(kind: RuleKind) -> Notice {
    let why = match kind {
        RuleKind::Instant => Why::Instant { threshold: -0.6 },
        RuleKind::Spike => Why::Spike {
            count: 14,
            baseline: 2.1,
            threshold: 8.0,
            window_minutes: 60,
        },
        RuleKind::Spreading => Why::Spreading {
            first: Sighting {
                host: "first-blog.example".into(),
                url: "https://first-blog.example/a".into(),
                at: at(11, 0),
            },
            picked_up_by: vec![
                Sighting {
                    host: "news-two.example".into(),
                    url: "https://news-two.example/b".into(),
                    at: at(12, 0),
                },
                Sighting {
                    host: "forum-three.example".into(),
                    url: "https://forum-three.example/c".into(),
                    at: at(12, 30),
                },
            ],
        },
        RuleKind::SourceFailure => Why::SourceFailure {
            source: "acme-reviews".into(),
            state: "failing".into(),
            since: at(9, 0),
            last_error: "HTTP 503 from reviews.example".into(),
        },
        RuleKind::Unanswered => Why::Unanswered {
            waited_secs: 6 * 3600 + 20 * 60,
            sla_secs: 8 * 3600,
        },
    };
    let mentions = if kind == RuleKind::SourceFailure {
        Vec::new()
    } else {
        vec![
            mention(41, "Acme took my money", "https://reviews.example/r/41"),
            mention(42, "Never again", "https://reviews.example/r/42"),
        ]
    };
    Notice {
        rule: format!("acme-{}", kind.as_str()),
        kind,
        brand: (kind != RuleKind::SourceFailure).then(|| "Acme".to_string()),
        fired_at: at(14, 5),
        why,
        mentions,
        more_mentions: if kind == RuleKind::SourceFailure {
            0
        } else {
            3
        },
        repeat: true,
        held_for_digest: 2,
        dashboard: Some("https://vigia.example.com/".into()),
    }
}

fn settings(port: u16) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        tls: TlsMode::None,
        username: None,
        password: None,
        from: "vigia <alerts@example.com>".into(),
        timeout: Duration::from_secs(10),
    }
}

async fn server_and_mailer() -> (SmtpServer, Mailer) {
    let server = SmtpServer::start().await;
    let mailer = Mailer::new(&settings(server.port())).expect("mailer");
    (server, mailer)
}

/// HTML text with minijinja's entity escapes decoded, to look for URLs and phrases.
fn unescape(html: &str) -> String {
    html.replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn normalize(s: &str) -> String {
    s.replace("\r\n", "\n")
}

#[test]
fn every_template_renders_every_kind_in_both_languages() {
    let kinds = [
        RuleKind::Instant,
        RuleKind::Spike,
        RuleKind::Spreading,
        RuleKind::SourceFailure,
        RuleKind::Unanswered,
    ];
    for kind in kinds {
        for lang in [NoticeLang::En, NoticeLang::Es] {
            let n = notice(kind);
            let e =
                email::render(&n, lang).unwrap_or_else(|err| panic!("{kind:?} {lang:?}: {err}"));
            let ctx = format!("{kind:?} {lang:?}");
            assert!(e.subject.starts_with("[vigia] "), "{ctx}: {}", e.subject);
            assert!(!e.subject.contains(['\r', '\n']), "{ctx}");
            assert!(
                e.subject.chars().count() <= email::SUBJECT_MAX_CHARS,
                "{ctx}"
            );
            assert!(
                e.html.contains("<table") && !e.html.contains("<script"),
                "{ctx}"
            );
            assert!(!e.html.contains("src=\"http"), "{ctx}: no external assets");
            for body in [&e.text, &unescape(&e.html)] {
                let (held, more, mute) = match lang {
                    NoticeLang::En => (
                        "2 more alerts of this rule today will be in your next digest",
                        "3 more mentions",
                        "https://vigia.example.com/alerts?mute=acme-",
                    ),
                    NoticeLang::Es => (
                        "2 alertas más de esta regla hoy irán en tu próximo resumen",
                        "3 menciones más",
                        "https://vigia.example.com/alerts?mute=acme-",
                    ),
                };
                assert!(body.contains(held), "{ctx}: held line missing");
                assert!(body.contains(mute), "{ctx}: mute link missing");
                if kind != RuleKind::SourceFailure {
                    assert!(body.contains(more), "{ctx}: more line missing");
                    assert!(
                        body.contains("https://vigia.example.com/mentions/41"),
                        "{ctx}"
                    );
                    assert!(body.contains("https://reviews.example/r/41"), "{ctx}");
                    assert!(
                        body.contains("Trustpilot reviews") && body.contains("never"),
                        "{ctx}"
                    );
                }
                match (kind, lang) {
                    (RuleKind::Spike, NoticeLang::En) => {
                        assert!(
                            body.contains("14 negative mentions in the last 60 min vs a usual 2.1"),
                            "{ctx}"
                        )
                    }
                    (RuleKind::Spike, NoticeLang::Es) => {
                        assert!(
                            body.contains(
                                "14 menciones negativas en los últimos 60 min frente a 2,1"
                            ),
                            "{ctx}"
                        )
                    }
                    (RuleKind::Spreading, _) => {
                        assert!(
                            body.contains("first-blog.example")
                                && body.contains("forum-three.example"),
                            "{ctx}"
                        )
                    }
                    (RuleKind::SourceFailure, _) => {
                        assert!(
                            body.contains("acme-reviews")
                                && body.contains("HTTP 503 from reviews.example"),
                            "{ctx}"
                        );
                        assert!(
                            body.contains("3 ") && body.contains(" 2024, 09:00 UTC"),
                            "{ctx}"
                        );
                    }
                    (RuleKind::Unanswered, NoticeLang::En) => assert!(
                        body.contains("waited 6 h 20 min") && body.contains("target is 8 h"),
                        "{ctx}"
                    ),
                    (RuleKind::Unanswered, NoticeLang::Es) => assert!(
                        body.contains("llevan 6 h 20 min") && body.contains("es 8 h"),
                        "{ctx}"
                    ),
                    (RuleKind::Instant, NoticeLang::En) => assert!(body.contains("-0.60"), "{ctx}"),
                    (RuleKind::Instant, NoticeLang::Es) => assert!(body.contains("-0,60"), "{ctx}"),
                }
            }
            if kind != RuleKind::SourceFailure {
                assert!(e.html.contains(">Acme</mark>"), "{ctx}: brand highlighted");
                assert!(e.text.contains("*Acme*"), "{ctx}: brand marked in text");
            }
            let still = if lang == NoticeLang::En {
                "still firing"
            } else {
                "sigue activa"
            };
            assert!(e.subject.contains(still), "{ctx}: {}", e.subject);
        }
    }
    // Without a dashboard: no dashboard links, and the config instruction for muting.
    let mut n = notice(RuleKind::Instant);
    n.dashboard = None;
    let e = email::render(&n, NoticeLang::En).expect("render");
    assert!(!e.text.contains("/mentions/") && e.text.contains("[[rule]] named \"acme-instant\""));
    let e = email::render(&n, NoticeLang::Es).expect("render");
    assert!(unescape(&e.html).contains("[[rule]] llamado «acme-instant»"));
}

#[tokio::test]
async fn a01_subject_with_crlf_bcc_is_one_header_and_recipients_unchanged() {
    let (server, mailer) = server_and_mailer().await;
    let mut n = notice(RuleKind::Instant);
    n.mentions[0].title = "Acme refund\r\nBcc: x@y\r\nX-Injected: 1\n\rTo: evil@example.org".into();
    let e = email::render(&n, NoticeLang::En).expect("render");
    assert!(!e.subject.chars().any(char::is_control));
    mailer
        .send("team@example.com", &e, "<a01@example.com>")
        .await
        .expect("sent");
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m.rcpt, ["team@example.com"]);
    assert_eq!(m.header_all("Subject").len(), 1, "{:?}", m.headers());
    assert!(m.header_all("Bcc").is_empty() && m.header_all("X-Injected").is_empty());
    assert_eq!(m.header_all("To"), ["team@example.com"]);
    let subject = m.parsed().subject().map(str::to_string).unwrap_or_default();
    assert!(subject.contains("Acme refund Bcc: x@y"), "{subject}");
}

#[tokio::test]
async fn a02_lone_dot_lines_arrive_intact() {
    let (server, mailer) = server_and_mailer().await;
    let text = "line one\n.\nline two\r\n.\r\nline three\n..\n.leading dot\nend";
    let html = "<p>a</p>\r\n.\r\n<p>b</p>\n.\n<p>end</p>";
    let e = Email {
        subject: "dots".into(),
        text: text.into(),
        html: html.into(),
    };
    mailer
        .send("team@example.com", &e, "<a02@example.com>")
        .await
        .expect("sent");
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    let parsed = messages[0].parsed();
    let got_text = parsed.body_text(0).expect("text part").to_string();
    let got_html = parsed.body_html(0).expect("html part").to_string();
    assert_eq!(normalize(got_text.trim_end()), normalize(text));
    assert_eq!(normalize(got_html.trim_end()), normalize(html));
}

#[tokio::test]
async fn a03_template_syntax_and_markup_in_outside_text_are_literal() {
    let (server, mailer) = server_and_mailer().await;
    let evil = "{{7*7}} {% if true %}yes{% endif %} <script>alert(1)</script>";
    let mut n = notice(RuleKind::Instant);
    n.rule = "rule {{ 111*9 }}".into();
    n.mentions[0].title = evil.into();
    n.mentions[0].snippet = format!("Acme {evil}");
    n.mentions[0].highlight = vec![(0, 4)];
    n.mentions[0].source = "<b>src</b>{{ v.t }}".into();
    for lang in [NoticeLang::En, NoticeLang::Es] {
        let e = email::render(&n, lang).expect("render");
        for body in [&e.text, &e.html, &e.subject] {
            assert!(
                !body.contains("49") && !body.contains("999"),
                "evaluated: {body}"
            );
            assert!(body.contains("{{7*7}}") && body.contains("{% if true %}yes{% endif %}"));
        }
        assert!(
            e.text.contains("<script>alert(1)</script>"),
            "plain text shows it literally"
        );
        assert!(!e.html.contains("<script") && !e.html.contains("<b>src"));
        assert!(e.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(e.html.contains("&lt;b&gt;src"));
    }
    let e = email::render(&n, NoticeLang::En).expect("render");
    mailer
        .send("team@example.com", &e, "<a03@example.com>")
        .await
        .expect("sent");
    let received = server.messages();
    let html = received[0].parsed().body_html(0).expect("html").to_string();
    assert!(!html.contains("<script") && html.contains("{{7*7}}"));
}

#[test]
fn w06_javascript_links_are_shown_as_text_not_links() {
    let mut n = notice(RuleKind::Instant);
    n.mentions[0].url = Some("javascript:alert(document.cookie)".into());
    n.mentions[1].url = Some("data:text/html,<script>x</script>".into());
    if let Why::Instant { .. } = n.why {
        n.why = Why::Spreading {
            first: Sighting {
                host: "h".into(),
                url: "javascript:alert(2)".into(),
                at: at(1, 0),
            },
            picked_up_by: Vec::new(),
        };
        n.kind = RuleKind::Spreading;
    }
    for lang in [NoticeLang::En, NoticeLang::Es] {
        let e = email::render(&n, lang).expect("render");
        let lower = e.html.to_ascii_lowercase();
        assert!(!lower.contains("href=\"javascript") && !lower.contains("href=\"data"));
        let html = unescape(&e.html);
        assert!(
            html.contains("javascript:alert(document.cookie)"),
            "shown as text"
        );
        assert!(
            e.html
                .contains("href=\"https://vigia.example.com/mentions/41\""),
            "plain URL in href"
        );
    }
    // A dashboard base that is not http(s) gives no links at all.
    n.dashboard = Some("javascript:alert(3)//".into());
    let e = email::render(&n, NoticeLang::En).expect("render");
    assert!(!e.html.to_ascii_lowercase().contains("href=\"javascript"));
}

#[tokio::test]
async fn multipart_message_has_text_html_and_our_message_id() {
    let (server, mailer) = server_and_mailer().await;
    let e = email::render(&notice(RuleKind::Spike), NoticeLang::Es).expect("render");
    let id = message_id("outbox:acme-spike:team@example.com:1", mailer.from_domain());
    assert_eq!(
        id,
        message_id("outbox:acme-spike:team@example.com:1", "example.com")
    );
    mailer
        .send("Team <team@example.com>", &e, &id)
        .await
        .expect("sent");
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m.from, "alerts@example.com");
    assert_eq!(m.rcpt, ["team@example.com"]);
    assert_eq!(m.header_all("Message-ID"), std::slice::from_ref(&id));
    assert_eq!(m.header_all("Auto-Submitted"), ["auto-generated"]);
    let parsed = m.parsed();
    let ct = parsed.content_type().expect("content type");
    assert_eq!(
        (ct.ctype(), ct.subtype()),
        ("multipart", Some("alternative"))
    );
    assert_eq!(parsed.message_id(), Some(id.trim_matches(['<', '>'])));
    assert_eq!(parsed.subject(), Some(e.subject.as_str()));
    assert_eq!(
        normalize(parsed.body_text(0).expect("text").trim_end()),
        normalize(e.text.trim_end())
    );
    assert_eq!(
        normalize(parsed.body_html(0).expect("html").trim_end()),
        normalize(e.html.trim_end())
    );
}

#[tokio::test]
async fn a06_smtp_4xx_is_transient_and_5xx_permanent() {
    let (server, mailer) = server_and_mailer().await;
    let e = email::render(&notice(RuleKind::Instant), NoticeLang::En).expect("render");
    let cases = [
        (Fault::Rcpt(421), true),
        (Fault::Rcpt(451), true),
        (Fault::Data(421), true),
        (Fault::Data(451), true),
        (Fault::Drop, true),
        (Fault::Rcpt(550), false),
        (Fault::Rcpt(553), false),
        (Fault::Data(550), false),
        (Fault::Data(554), false),
    ];
    for (fault, transient) in cases {
        server.fail_next(1, fault);
        let got = mailer
            .send("team@example.com", &e, "<a06@example.com>")
            .await;
        match got {
            Err(SendError::Transient(_)) if transient => {}
            Err(SendError::Permanent(_)) if !transient => {}
            other => panic!("{fault:?}: expected transient={transient}, got {other:?}"),
        }
    }
    assert!(
        server.messages().is_empty(),
        "no scripted failure delivered anything"
    );
    // The faults are used up: the retry goes through.
    mailer
        .send("team@example.com", &e, "<a06@example.com>")
        .await
        .expect("retry delivers");
    assert_eq!(server.messages().len(), 1);
    // An invalid recipient is permanent without talking to the server.
    let before = server.connections();
    let bad = mailer.send("not an address", &e, "<a06@example.com>").await;
    assert!(matches!(bad, Err(SendError::Permanent(_))), "{bad:?}");
    assert_eq!(server.connections(), before);
}

#[tokio::test]
async fn a06_smtp_down_is_transient_then_delivers_when_back() {
    let (server, mailer) = server_and_mailer().await;
    let e = email::render(&notice(RuleKind::Spreading), NoticeLang::En).expect("render");
    server.down().await;
    let got = mailer
        .send("team@example.com", &e, "<down@example.com>")
        .await;
    assert!(matches!(got, Err(SendError::Transient(_))), "{got:?}");
    server.up().await;
    mailer
        .send("team@example.com", &e, "<down@example.com>")
        .await
        .expect("delivered after up");
    assert_eq!(server.messages().len(), 1);
}

#[tokio::test]
async fn a06_tls_failures_are_transient() {
    let server = SmtpServer::start().await;
    let e = email::render(&notice(RuleKind::Instant), NoticeLang::En).expect("render");
    // TLS from the first byte against a plain-text server: the handshake fails.
    let mut s = settings(server.port());
    s.tls = TlsMode::Tls;
    let got = Mailer::new(&s)
        .expect("mailer")
        .send("team@example.com", &e, "<t@example.com>")
        .await;
    assert!(matches!(got, Err(SendError::Transient(_))), "{got:?}");
    // STARTTLS required, but the server does not offer it.
    s.tls = TlsMode::Starttls;
    let got = Mailer::new(&s)
        .expect("mailer")
        .send("team@example.com", &e, "<t@example.com>")
        .await;
    assert!(matches!(got, Err(SendError::Transient(_))), "{got:?}");
    assert!(server.messages().is_empty());
}

#[test]
fn smtp_settings_with_bad_from_are_refused() {
    let mut s = settings(25);
    s.from = "vigia at example".into();
    assert!(matches!(Mailer::new(&s), Err(NotifyError::BadFrom { .. })));
}
