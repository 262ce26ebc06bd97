//! Fetch behaviour against real local servers (test plan F01–F19).
//! The servers live in `support_fetch.rs`; each test here states one rule.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::net::TcpListener;
use url::Url;
use vigia::fetch::{
    FetchError, Fetched, MAX_BODY_BYTES, PER_HOST_CONCURRENCY, Validators, check_url,
    classify_block, user_agent,
};

use crate::support_fetch::{
    ARTICLE, CLOUDFLARE_WALL, Counter, ETAG, FEED, LAST_MODIFIED, MIB, big_body_server,
    chain_server, conditional_server, counting_server, echo_server, failed, fetcher, gauge_server,
    get_all_at_once, get_at, gzip_bomb, gzip_server, limiting_server, ok_server, page, redirector,
    robots_site, self_signed_tls_server, settings, silent_server, start_log_server, trickle_server,
    url, wall_server,
};

const TOO_LARGE: FetchError = FetchError::TooLarge {
    cap: MAX_BODY_BYTES,
};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn is_private(err: &FetchError) -> bool {
    matches!(err, FetchError::PrivateAddress { .. })
}

#[tokio::test]
async fn f01_silent_server_times_out_and_others_keep_working() {
    let (silent, good) = (silent_server().await, ok_server().await);
    let mut s = settings(&[silent, good]);
    s.total_timeout = secs(1);
    let f = fetcher(s);
    let err = failed(get_at(&f, silent, "/feed").await);
    assert_eq!(err, FetchError::Timeout);
    assert!(err.is_transient());
    assert_eq!(&page(get_at(&f, good, "/ok").await).body[..], b"fine");
}

#[tokio::test]
async fn f02_trickling_body_hits_the_total_deadline() {
    let addr = trickle_server().await;
    let mut s = settings(&[addr]);
    s.total_timeout = secs(2);
    let err = failed(get_at(&fetcher(s), addr, "/slow").await);
    assert_eq!(err, FetchError::Timeout);
}

#[tokio::test]
async fn f03_huge_body_stops_at_the_cap_without_buffering_it() {
    let (declared, chunked) = (Counter::default(), Counter::default());
    let addr = big_body_server(declared.clone(), chunked.clone()).await;
    let f = fetcher(settings(&[addr]));
    for path in ["/declared", "/chunked"] {
        let err = failed(get_at(&f, addr, path).await);
        assert_eq!(err, TOO_LARGE, "{path}");
        assert!(!err.is_transient());
    }
    // Streaming: the server never got to push the whole 50 MiB.
    for produced in [declared.get(), chunked.get()] {
        assert!(produced < 40 * MIB, "produced {produced} bytes");
    }
}

#[tokio::test]
async fn f04_gzip_bomb_is_capped_on_decoded_bytes() {
    assert!(gzip_bomb().len() < MIB, "the bomb is small on the wire");
    let addr = gzip_server().await;
    let err = failed(get_at(&fetcher(settings(&[addr])), addr, "/bomb").await);
    assert_eq!(err, TOO_LARGE);
}

#[tokio::test]
async fn f05_broken_gzip_is_a_decode_error_and_the_next_fetch_works() {
    let addr = gzip_server().await;
    let f = fetcher(settings(&[addr]));
    for path in ["/plain", "/truncated"] {
        let err = failed(get_at(&f, addr, path).await);
        assert!(matches!(err, FetchError::Decode { .. }), "{path}: {err:?}");
    }
    let p = page(get_at(&f, addr, "/good").await);
    assert_eq!(&p.body[..], b"hello, decoded");
}

#[tokio::test]
async fn f06_redirect_loops_and_long_chains_are_refused() {
    let addr = chain_server().await;
    let f = fetcher(settings(&[addr]));
    for path in ["/loop", "/chain/11"] {
        let err = failed(get_at(&f, addr, path).await);
        assert_eq!(err, FetchError::TooManyRedirects, "{path}");
    }
    let p = page(get_at(&f, addr, "/chain/10").await);
    assert_eq!(p.final_url.path(), "/chain/0");
    assert_eq!(&p.body[..], b"arrived");
}

#[tokio::test]
async fn f07_redirect_to_private_addresses_is_refused() {
    let hits = Counter::default();
    let target = counting_server(hits.clone()).await;
    let front = redirector().await;
    let port = target.port();
    let f = fetcher(settings(&[front]));
    for dest in [
        format!("http://127.0.0.1:{port}/"),
        format!("http://[::1]:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        format!("http://2130706433:{port}/"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://10.0.0.1/".to_owned(),
        "http://100.64.0.1/".to_owned(),
        "http://0.0.0.0/".to_owned(),
        "http://[fd00::1]/".to_owned(),
    ] {
        let err = failed(get_at(&f, front, &format!("/go?to={dest}")).await);
        assert!(is_private(&err), "{dest}: {err:?}");
        assert!(!err.is_transient());
    }
    // Direct IP-literal URLs are checked before anything is sent.
    let err = failed(get_at(&f, target, "/").await);
    assert!(is_private(&err), "{err:?}");
    assert_eq!(hits.get(), 0, "the private target was never reached");

    // Explicitly allowed: the same redirect goes through.
    let mut open = settings(&[]);
    open.allow_private_networks = true;
    let to = format!("/go?to=http://127.0.0.1:{port}/x");
    let p = page(get_at(&fetcher(open), front, &to).await);
    assert_eq!(&p.body[..], b"reached");
    assert_eq!(hits.get(), 1);
}

#[tokio::test]
async fn f08_hostname_resolving_to_loopback_is_refused() {
    let hits = Counter::default();
    let target = counting_server(hits.clone()).await;
    let front = redirector().await;
    let port = target.port();
    // 127.0.0.1:port is allowed, but the *name* localhost is checked on its DNS answer.
    let f = fetcher(settings(&[front, target]));
    let none = Validators::default();
    let direct = Url::parse(&format!("http://localhost:{port}/")).unwrap();
    assert!(is_private(&failed(f.get(&direct, &none).await)));
    let via = format!("/go?to=http://localhost:{port}/");
    assert!(is_private(&failed(get_at(&f, front, &via).await)));
    assert_eq!(hits.get(), 0);

    // Listing the name with its port lets it resolve privately, on that port only.
    let mut s = settings(&[]);
    s.allowed_private = vec![format!("localhost:{port}")];
    let named = fetcher(s);
    assert_eq!(&page(named.get(&direct, &none).await).body[..], b"reached");
    let other_port = Url::parse(&format!("http://localhost:{}/", front.port())).unwrap();
    assert!(is_private(&failed(named.get(&other_port, &none).await)));
}

#[tokio::test]
async fn f09_userinfo_tricks_are_rejected() {
    for raw in [
        "http://127.0.0.1\\@example.com/",
        "http://example.com@10.0.0.1/",
        "http://user:secret@example.com/feed",
        "HTTPS://example.com%40evil@127.0.0.1/",
    ] {
        let err = check_url(raw).unwrap_err();
        let userinfo = matches!(err, FetchError::UserInfoNotAllowed { .. });
        assert!(userinfo, "{raw}: {err:?}");
    }
    assert!(check_url("https://example.com/@brand/rss").is_ok());
    // A URL built elsewhere is checked again by the fetcher, before any request.
    let hits = Counter::default();
    let addr = counting_server(hits.clone()).await;
    let sneaky = Url::parse(&format!("http://example.com@{addr}/")).unwrap();
    let f = fetcher(settings(&[addr]));
    let err = failed(f.get(&sneaky, &Validators::default()).await);
    assert!(
        matches!(err, FetchError::UserInfoNotAllowed { .. }),
        "{err:?}"
    );
    assert_eq!(hits.get(), 0);
}

#[tokio::test]
async fn f10_only_http_and_https_schemes() {
    for raw in [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "gopher://example.com/1",
        "data:text/xml,<rss/>",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
    ] {
        let err = check_url(raw).unwrap_err();
        let refused = matches!(err, FetchError::SchemeNotAllowed { .. });
        assert!(refused, "{raw}: {err:?}");
    }
    let upper = check_url("HTTPS://Example.COM/Feed").unwrap();
    assert_eq!(upper.as_str(), "https://example.com/Feed");
    let file = Url::parse("file:///etc/passwd").unwrap();
    let err = failed(
        fetcher(settings(&[]))
            .get(&file, &Validators::default())
            .await,
    );
    assert!(
        matches!(err, FetchError::SchemeNotAllowed { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn f11_conditional_get_returns_not_modified() {
    let seen = Arc::default();
    let addr = conditional_server(Arc::clone(&seen)).await;
    let f = fetcher(settings(&[addr]));
    let first = page(get_at(&f, addr, "/feed").await);
    assert_eq!(first.validators.etag.as_deref(), Some(ETAG));
    let lm = first.validators.last_modified.as_deref();
    assert_eq!(lm, Some(LAST_MODIFIED));
    assert_eq!(first.max_age, Some(secs(900)));
    assert_eq!(first.content_type.as_deref(), Some("application/rss+xml"));
    assert_eq!(first.status, 200);

    let feed = url(addr, "/feed");
    let again = f.get(&feed, &first.validators).await.unwrap();
    assert_eq!(again, Fetched::NotModified);
    let only_date = Validators {
        etag: None,
        last_modified: Some(LAST_MODIFIED.to_owned()),
    };
    assert_eq!(
        f.get(&feed, &only_date).await.unwrap(),
        Fetched::NotModified
    );

    let seen = seen.lock().unwrap().clone();
    let (etag, date) = (Some(ETAG.to_owned()), Some(LAST_MODIFIED.to_owned()));
    assert_eq!(seen, vec![(None, None), (etag, date.clone()), (None, date)]);
}

#[tokio::test]
async fn f12_server_ignoring_validators_gives_the_page_again() {
    let addr = conditional_server(Arc::default()).await;
    let f = fetcher(settings(&[addr]));
    let stale = Validators {
        etag: Some("\"v0\"".into()),
        last_modified: None,
    };
    let p = page(f.get(&url(addr, "/feed"), &stale).await);
    assert_eq!(&p.body[..], b"<rss version=\"2.0\"><channel/></rss>");
    assert_eq!(p.validators.etag.as_deref(), Some(ETAG));
}

#[tokio::test]
async fn f13_429_retry_after_seconds_pauses_the_host() {
    let hits = Counter::default();
    let addr = limiting_server(429, Some("120".into()), hits.clone()).await;
    let mut s = settings(&[addr]);
    s.allowed_private.push(format!("localhost:{}", addr.port()));
    let f = fetcher(s);
    let err = failed(get_at(&f, addr, "/limited").await);
    let limited = FetchError::RateLimited {
        retry_after: secs(120),
    };
    assert_eq!(err, limited);
    assert_eq!(err.retry_after(), Some(secs(120)));
    assert!(err.is_transient());
    // The whole host is paused: no request goes out, not even to another path.
    for path in ["/limited", "/ok"] {
        let err = failed(get_at(&f, addr, path).await);
        assert!(matches!(err, FetchError::HostPaused { .. }), "{err:?}");
        let left = err.retry_after().unwrap_or_default();
        assert!(left > secs(100) && left <= secs(120), "{left:?}");
    }
    assert_eq!(hits.get(), 1);
    assert!(f.host_paused_until(&url(addr, "/")).is_some());
    // Another host (same server under another name) keeps polling.
    let other = Url::parse(&format!("http://localhost:{}/ok", addr.port())).unwrap();
    let p = page(f.get(&other, &Validators::default()).await);
    assert_eq!(&p.body[..], b"fine");
}

#[tokio::test]
async fn f13_429_retry_after_http_date_and_clamp() {
    let date = httpdate::fmt_http_date(SystemTime::now() + secs(3600));
    let addr = limiting_server(429, Some(date), Counter::default()).await;
    let err = failed(get_at(&fetcher(settings(&[addr])), addr, "/limited").await);
    assert!(matches!(err, FetchError::RateLimited { .. }), "{err:?}");
    let wait = err.retry_after().unwrap_or_default();
    assert!(wait > secs(3500) && wait <= secs(3600), "{wait:?}");

    let addr = limiting_server(429, Some("864000".into()), Counter::default()).await;
    let mut s = settings(&[addr]);
    s.max_retry_after = secs(600);
    let f = fetcher(s);
    let err = failed(get_at(&f, addr, "/limited").await);
    let clamped = FetchError::RateLimited {
        retry_after: secs(600),
    };
    assert_eq!(err, clamped);
    let until = f.host_paused_until(&url(addr, "/")).expect("paused");
    assert!(until <= SystemTime::now() + secs(600));
}

#[tokio::test]
async fn f14_503_with_retry_after_pauses_the_host() {
    let hits = Counter::default();
    let addr = limiting_server(503, Some("30".into()), hits.clone()).await;
    let f = fetcher(settings(&[addr]));
    let err = failed(get_at(&f, addr, "/limited").await);
    let limited = FetchError::RateLimited {
        retry_after: secs(30),
    };
    assert_eq!(err, limited);
    let err = failed(get_at(&f, addr, "/limited").await);
    assert!(matches!(err, FetchError::HostPaused { .. }), "{err:?}");
    assert_eq!(hits.get(), 1);

    // A bare 503 is a plain transient status error and pauses nothing.
    let hits = Counter::default();
    let addr = limiting_server(503, None, hits.clone()).await;
    let f = fetcher(settings(&[addr]));
    let bare = FetchError::Status {
        code: 503,
        retry_after: None,
    };
    for _ in 0..2 {
        let err = failed(get_at(&f, addr, "/limited").await);
        assert_eq!(err, bare);
        assert!(err.is_transient());
    }
    assert_eq!(hits.get(), 2);
}

#[tokio::test]
async fn f15_errors_are_classified_for_backoff() {
    let addr = echo_server().await;
    let f = fetcher(settings(&[addr]));
    let gone = failed(get_at(&f, addr, "/gone").await);
    let not_found = FetchError::Status {
        code: 404,
        retry_after: None,
    };
    assert_eq!(gone, not_found);
    assert!(!gone.is_transient() && !gone.is_blocked());
    assert!(failed(get_at(&f, addr, "/boom").await).is_transient());
    // A refused connection is transient too.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = closed.local_addr().unwrap();
    drop(closed);
    let err = failed(get_at(&fetcher(settings(&[dead])), dead, "/").await);
    assert!(matches!(err, FetchError::Connect { .. }), "{err:?}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn f16_per_host_concurrency_cap_holds_under_fifty_requests() {
    let (hits, peak) = (Counter::default(), Counter::default());
    let addr = gauge_server(hits.clone(), peak.clone()).await;
    let f = fetcher(settings(&[addr]));
    get_all_at_once(&f, addr, (0..50).map(|n| format!("/slow/{n}")).collect()).await;
    assert_eq!(hits.get(), 50);
    assert!(peak.get() >= 1);
    assert!(peak.get() <= PER_HOST_CONCURRENCY, "peak {}", peak.get());
}

#[tokio::test]
async fn f16_minimum_spacing_between_request_starts() {
    let starts = Arc::default();
    let addr = start_log_server(Arc::clone(&starts)).await;
    let spacing = Duration::from_millis(200);
    let mut s = settings(&[addr]);
    s.min_host_spacing = spacing;
    s.per_host_concurrency = 5;
    let f = fetcher(s);
    let before = Instant::now();
    get_all_at_once(&f, addr, (0..5).map(|n| format!("/p/{n}")).collect()).await;
    let mut starts = starts.lock().unwrap().clone();
    starts.sort();
    assert_eq!(starts.len(), 5);
    // The fifth start was reserved four spacings after the first: a hard bound.
    assert!(
        starts[4] - before >= spacing * 4,
        "{:?}",
        starts[4] - before
    );
    // Arrival times jitter around the reserved starts, so each gap gets slack;
    // without spacing all five would arrive within a few milliseconds.
    for pair in starts.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= spacing / 2, "requests only {gap:?} apart");
    }
}

#[tokio::test]
async fn f17_bad_tls_certificate_is_an_error_never_retried_insecurely() {
    let (addr, connections, handshakes) = self_signed_tls_server().await;
    let mut s = settings(&[]);
    s.allowed_private = vec![format!("localhost:{}", addr.port())];
    let target = Url::parse(&format!("https://localhost:{}/feed", addr.port())).unwrap();
    let err = failed(fetcher(s).get(&target, &Validators::default()).await);
    assert!(matches!(err, FetchError::Tls { .. }), "{err:?}");
    assert!(!err.is_transient());
    // Let the server finish judging the handshake before counting.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(handshakes.get(), 0, "no TLS session was ever completed");
    assert!(connections.get() >= 1, "the server was reached");
}

const ROBOTS: &str = "User-agent: *\nDisallow: /\n\nUser-agent: vigia\nDisallow: /private/\nAllow: /private/press$\n";

#[tokio::test]
async fn f18_robots_txt_disallow_is_honoured_and_cached() {
    let (robot_hits, page_hits) = (Counter::default(), Counter::default());
    let addr = robots_site(200, ROBOTS, robot_hits.clone(), page_hits.clone()).await;
    let mut s = settings(&[addr]);
    s.respect_robots = true;
    let f = fetcher(s);
    let err = failed(get_at(&f, addr, "/private/reviews").await);
    let path = "/private/reviews".to_owned();
    assert_eq!(err, FetchError::RobotsDisallowed { path });
    assert!(err.is_blocked());
    assert_eq!(page_hits.get(), 0, "a disallowed page is never requested");
    page(get_at(&f, addr, "/private/press").await);
    page(get_at(&f, addr, "/feed.xml").await);
    get_all_at_once(&f, addr, (0..10).map(|n| format!("/news/{n}")).collect()).await;
    assert_eq!(page_hits.get(), 12);
    assert_eq!(robot_hits.get(), 1, "robots.txt is fetched once and cached");
}

#[tokio::test]
async fn f18_missing_robots_allows_and_broken_robots_disallows() {
    let (robot_hits, page_hits) = (Counter::default(), Counter::default());
    let missing = robots_site(404, "", robot_hits.clone(), page_hits.clone()).await;
    let mut s = settings(&[missing]);
    s.respect_robots = true;
    page(get_at(&fetcher(s), missing, "/anything").await);
    assert_eq!((robot_hits.get(), page_hits.get()), (1, 1));

    let (robot_hits, page_hits) = (Counter::default(), Counter::default());
    let broken = robots_site(500, "oops", robot_hits.clone(), page_hits.clone()).await;
    let mut s = settings(&[broken]);
    s.respect_robots = true;
    let f = fetcher(s);
    for _ in 0..2 {
        let err = failed(get_at(&f, broken, "/anything").await);
        let unavailable = matches!(err, FetchError::RobotsUnavailable { .. });
        assert!(unavailable, "{err:?}");
        assert!(err.is_transient());
    }
    assert_eq!((robot_hits.get(), page_hits.get()), (1, 0));
}

#[tokio::test]
async fn f19_bot_walls_and_403_are_blocked_but_content_is_not() {
    let addr = wall_server().await;
    let f = fetcher(settings(&[addr]));
    for (path, why) in [
        ("/forbidden", "403"),
        ("/login", "401"),
        ("/wall", "Cloudflare"),
        ("/challenge", "Cloudflare"),
    ] {
        let err = failed(get_at(&f, addr, path).await);
        let reason = match &err {
            FetchError::Blocked { reason } => reason.clone(),
            other => panic!("{path}: {other:?}"),
        };
        assert!(reason.contains(why), "{path}: {reason}");
        assert!(err.is_blocked());
    }
    let article = page(get_at(&f, addr, "/article").await);
    assert_eq!(&article.body[..], ARTICLE.as_bytes());
    let feed = page(get_at(&f, addr, "/feed").await);
    assert_eq!(&feed.body[..], FEED.as_bytes());
    // The classifier is public for extractors.
    let html = Some("text/html");
    assert!(classify_block(200, html, CLOUDFLARE_WALL.as_bytes()).is_some());
    assert!(classify_block(200, html, ARTICLE.as_bytes()).is_none());
}

#[tokio::test]
async fn user_agent_names_vigia_and_the_contact_and_accept_suits_feeds() {
    let addr = echo_server().await;
    let mut s = settings(&[addr]);
    s.user_agent = user_agent(Some("https://example.com/about-our-bot"));
    let p = page(get_at(&fetcher(s), addr, "/echo").await);
    let text = String::from_utf8_lossy(&p.body).into_owned();
    let (ua, accept) = text.split_once('\n').unwrap();
    assert!(ua.starts_with("vigia/"), "{ua}");
    assert!(ua.contains("+https://example.com/about-our-bot"), "{ua}");
    let feeds_and_html = accept.contains("application/rss+xml") && accept.contains("text/html");
    assert!(feeds_and_html, "{accept}");
    assert!(!user_agent(None).contains('('));
}
