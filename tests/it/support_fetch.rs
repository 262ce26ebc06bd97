//! Helpers for the fetch tests: local servers on 127.0.0.1:0 and settings
//! that allow exactly those servers through the private-network guard,
//! plus the misbehaving servers the F tests need.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use futures_util::stream;
use tokio::net::TcpListener;
use url::Url;
use vigia::fetch::{FetchError, FetchSettings, Fetched, Fetcher, Page, Validators};

/// One mebibyte.
pub const MIB: usize = 1024 * 1024;

/// Serves `router` on 127.0.0.1 with an OS-chosen port.
pub async fn serve(router: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    addr
}

/// Settings for tests: only `allowed` servers are reachable, no spacing, no
/// robots.txt (tests that want robots turn it on), short deadlines.
pub fn settings(allowed: &[SocketAddr]) -> FetchSettings {
    FetchSettings {
        allowed_private: allowed.iter().map(ToString::to_string).collect(),
        min_host_spacing: Duration::ZERO,
        respect_robots: false,
        connect_timeout: Duration::from_secs(2),
        total_timeout: Duration::from_secs(5),
        ..FetchSettings::default()
    }
}

/// A fetcher for `settings`, which must be valid.
pub fn fetcher(settings: FetchSettings) -> Fetcher {
    Fetcher::new(settings).expect("test settings build a client")
}

/// `http://<addr><path>`.
pub fn url(addr: SocketAddr, path: &str) -> Url {
    Url::parse(&format!("http://{addr}{path}")).expect("test URL")
}

/// GET `path` on `addr` with no validators.
pub async fn get_at(f: &Fetcher, addr: SocketAddr, path: &str) -> Result<Fetched, FetchError> {
    f.get(&url(addr, path), &Validators::default()).await
}

/// The error of a fetch that must fail; panics with the page otherwise.
pub fn failed(result: Result<Fetched, FetchError>) -> FetchError {
    match result {
        Err(e) => e,
        Ok(other) => panic!("expected an error, got {other:?}"),
    }
}

/// GETs all `paths` on `addr` at once from cloned fetchers; all must give pages.
pub async fn get_all_at_once(f: &Fetcher, addr: SocketAddr, paths: Vec<String>) {
    let tasks: Vec<_> = paths
        .into_iter()
        .map(|path| {
            let f = f.clone();
            tokio::spawn(async move { get_at(&f, addr, &path).await })
        })
        .collect();
    for task in tasks {
        page(task.await.expect("fetch task"));
    }
}

/// A request header as text ("" when absent).
fn header_str(h: &HeaderMap, name: header::HeaderName) -> Option<String> {
    h.get(name).and_then(|v| v.to_str().ok()).map(String::from)
}

/// A shared counter the server bumps and the test reads.
#[derive(Clone, Default)]
pub struct Counter(Arc<AtomicUsize>);

impl Counter {
    /// Adds one, returns the new value.
    pub fn bump(&self) -> usize {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }
    /// Adds `n`.
    pub fn add(&self, n: usize) {
        self.0.fetch_add(n, Ordering::SeqCst);
    }
    /// Subtracts one.
    pub fn dec(&self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
    /// Raises the value to at least `n`.
    pub fn raise_to(&self, n: usize) {
        self.0.fetch_max(n, Ordering::SeqCst);
    }
    /// The current value.
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// The page of a successful fetch; panics with the outcome otherwise.
pub fn page(result: Result<Fetched, FetchError>) -> Page {
    match result {
        Ok(Fetched::Page(p)) => p,
        other => panic!("expected a page, got {other:?}"),
    }
}

/// A server with a single `/ok` route.
pub async fn ok_server() -> SocketAddr {
    serve(Router::new().route("/ok", get(|| async { "fine" }))).await
}

/// A 50 MiB body made on the fly in 64 KiB chunks, counting what was produced.
pub fn big_stream(produced: Counter) -> Body {
    let chunk = bytes::Bytes::from(vec![b'a'; 64 * 1024]);
    let chunks = (50 * MIB) / chunk.len();
    Body::from_stream(stream::iter((0..chunks).map(move |_| {
        produced.add(chunk.len());
        Ok::<_, std::io::Error>(chunk.clone())
    })))
}

/// 64 MiB of zeros, gzipped once per test binary (about 64 KiB on the wire).
pub fn gzip_bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; MIB];
        for _ in 0..64 {
            enc.write_all(&zeros).unwrap();
        }
        enc.finish().unwrap()
    })
}

/// Gzips `data`.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// A response declaring `Content-Encoding: gzip` over `body` as given.
pub fn gzipped(body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_ENCODING, "gzip"),
            (header::CONTENT_TYPE, "text/plain"),
        ],
        body,
    )
        .into_response()
}

/// A server whose `/go?to=URL` redirects to URL.
pub async fn redirector() -> SocketAddr {
    serve(Router::new().route(
        "/go",
        get(
            |axum::extract::RawQuery(q): axum::extract::RawQuery| async move {
                let target = q.unwrap_or_default();
                let target = target.strip_prefix("to=").unwrap_or_default().to_owned();
                Redirect::temporary(&target)
            },
        ),
    ))
    .await
}

/// A server counting every request it receives.
pub async fn counting_server(hits: Counter) -> SocketAddr {
    serve(Router::new().fallback(move || {
        let hits = hits.clone();
        async move {
            hits.bump();
            "reached"
        }
    }))
    .await
}

/// A server answering `code` with `retry_after` on /limited, counting hits; /ok is fine.
pub async fn limiting_server(code: u16, retry_after: Option<String>, hits: Counter) -> SocketAddr {
    let router = Router::new()
        .route(
            "/limited",
            get(move || {
                let (hits, ra) = (hits.clone(), retry_after.clone());
                async move {
                    hits.bump();
                    let mut r = StatusCode::from_u16(code).unwrap().into_response();
                    if let Some(ra) = ra {
                        r.headers_mut()
                            .insert(header::RETRY_AFTER, ra.parse().unwrap());
                    }
                    r
                }
            }),
        )
        .route("/ok", get(|| async { "fine" }));
    serve(router).await
}

/// A site with robots.txt `robots` (status `robots_status`), counting fetches of robots and pages.
pub async fn robots_site(
    robots_status: u16,
    robots: &'static str,
    robot_hits: Counter,
    page_hits: Counter,
) -> SocketAddr {
    let router = Router::new()
        .route(
            "/robots.txt",
            get(move || {
                let hits = robot_hits.clone();
                async move {
                    hits.bump();
                    (StatusCode::from_u16(robots_status).unwrap(), robots)
                }
            }),
        )
        .fallback(move || {
            let hits = page_hits.clone();
            async move {
                hits.bump();
                "page"
            }
        });
    serve(router).await
}

/// A TLS listener with a self-signed certificate for `localhost`; counts
/// accepted connections and completed handshakes (there should be none).
pub async fn self_signed_tls_server() -> (SocketAddr, Counter, Counter) {
    use tokio_rustls::rustls;
    let rcgen::CertifiedKey { cert, key_pair } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("rcgen");
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(key_pair.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert.der().clone()], key)
    .expect("server cert");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let connections = Counter::default();
    let handshakes = Counter::default();
    let (c, h) = (connections.clone(), handshakes.clone());
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            c.bump();
            let (acceptor, h) = (acceptor.clone(), h.clone());
            tokio::spawn(async move {
                if acceptor.accept(sock).await.is_ok() {
                    h.bump();
                }
            });
        }
    });
    (addr, connections, handshakes)
}

/// A listener that accepts connections and never answers.
pub async fn silent_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    addr
}

/// `/slow` sends one byte per second for a minute.
pub async fn trickle_server() -> SocketAddr {
    let drip = || {
        stream::unfold(0u32, |n| async move {
            if n >= 60 {
                return None;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
            let byte = bytes::Bytes::from_static(b"x");
            Some((Ok::<_, std::io::Error>(byte), n + 1))
        })
    };
    serve(Router::new().route(
        "/slow",
        get(move || async move { Body::from_stream(drip()) }),
    ))
    .await
}

/// `/declared` (with Content-Length) and `/chunked` (without) stream 50 MiB,
/// counting what each produced.
pub async fn big_body_server(declared: Counter, chunked: Counter) -> SocketAddr {
    let router = Router::new()
        .route(
            "/declared",
            get(move || {
                let d = declared.clone();
                async move {
                    let mut r = big_stream(d).into_response();
                    let len = (50 * MIB).to_string().parse().expect("header value");
                    r.headers_mut().insert(header::CONTENT_LENGTH, len);
                    r
                }
            }),
        )
        .route(
            "/chunked",
            get(move || {
                let c = chunked.clone();
                async move { big_stream(c) }
            }),
        );
    serve(router).await
}

/// `/bomb` (64 MiB of zeros gzipped), `/plain` (says gzip, is not),
/// `/truncated` (half a gzip stream) and `/good` (proper gzip).
pub async fn gzip_server() -> SocketAddr {
    let router = Router::new()
        .route("/bomb", get(|| async { gzipped(gzip_bomb().to_vec()) }))
        .route(
            "/plain",
            get(|| async { gzipped(b"plain text, not gzip".to_vec()) }),
        )
        .route(
            "/truncated",
            get(|| async {
                let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
                let full = gzip(&data);
                gzipped(full[..full.len() / 2].to_vec())
            }),
        )
        .route("/good", get(|| async { gzipped(gzip(b"hello, decoded")) }));
    serve(router).await
}

/// `/loop` redirects to itself; `/chain/N` redirects N times, then says "arrived".
pub async fn chain_server() -> SocketAddr {
    let router = Router::new()
        .route("/loop", get(|| async { Redirect::temporary("/loop") }))
        .route(
            "/chain/{n}",
            get(|Path(n): Path<u32>| async move {
                match n.checked_sub(1) {
                    None => "arrived".into_response(),
                    Some(next) => Redirect::to(&format!("/chain/{next}")).into_response(),
                }
            }),
        );
    serve(router).await
}

/// The If-None-Match and If-Modified-Since a server saw.
pub type SeenValidators = (Option<String>, Option<String>);

/// The ETag the conditional server hands out.
pub const ETAG: &str = "\"v1\"";
/// The Last-Modified the conditional server hands out.
pub const LAST_MODIFIED: &str = "Wed, 21 Oct 2015 07:28:00 GMT";

/// `/feed` answers 304 to our ETag or date, else 200 with validators; logs what it saw.
pub async fn conditional_server(seen: Arc<Mutex<Vec<SeenValidators>>>) -> SocketAddr {
    let router = Router::new().route(
        "/feed",
        get(move |h: HeaderMap| {
            let seen = seen.clone();
            async move {
                let inm = header_str(&h, header::IF_NONE_MATCH);
                let ims = header_str(&h, header::IF_MODIFIED_SINCE);
                let fresh = inm.as_deref() == Some(ETAG) || ims.as_deref() == Some(LAST_MODIFIED);
                seen.lock().expect("log").push((inm, ims));
                if fresh {
                    return StatusCode::NOT_MODIFIED.into_response();
                }
                let headers = [
                    (header::ETAG, ETAG),
                    (header::LAST_MODIFIED, LAST_MODIFIED),
                    (header::CACHE_CONTROL, "max-age=900"),
                    (header::CONTENT_TYPE, "application/rss+xml"),
                ];
                (headers, "<rss version=\"2.0\"><channel/></rss>").into_response()
            }
        }),
    );
    serve(router).await
}

/// `/slow/N` takes 20 ms; the server tracks requests in flight and their peak.
pub async fn gauge_server(hits: Counter, peak: Counter) -> SocketAddr {
    let in_flight = Counter::default();
    let router = Router::new().route(
        "/slow/{n}",
        get(move || {
            let (i, p, h) = (in_flight.clone(), peak.clone(), hits.clone());
            async move {
                h.bump();
                p.raise_to(i.bump());
                tokio::time::sleep(Duration::from_millis(20)).await;
                i.dec();
                "ok"
            }
        }),
    );
    serve(router).await
}

/// `/p/N` logs when each request arrived.
pub async fn start_log_server(starts: Arc<Mutex<Vec<Instant>>>) -> SocketAddr {
    let router = Router::new().route(
        "/p/{n}",
        get(move || {
            let log = starts.clone();
            async move {
                log.lock().expect("log").push(Instant::now());
                "ok"
            }
        }),
    );
    serve(router).await
}

/// A Cloudflare-style challenge page.
pub const CLOUDFLARE_WALL: &str = "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title>\
<meta http-equiv=\"refresh\" content=\"390\"></head><body><div id=\"challenge-stage\"></div>\
<script>window._cf_chl_opt={cvId: '3'};</script></body></html>";

/// An ordinary news page.
pub const ARTICLE: &str = "<!DOCTYPE html><html><head><title>Cumbre Bank opens a branch</title></head>\
<body><article><h1>Cumbre Bank opens a branch</h1><p>Customers welcomed the new hours.</p></article></body></html>";

/// A feed whose items talk about CAPTCHAs and access denied.
pub const FEED: &str = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Security news</title>\
<item><title>Access denied: why CAPTCHA walls annoy customers</title><description>Are you a robot?</description></item>\
</channel></rss>";

/// `/forbidden` 403, `/login` 401, `/wall` a 200 challenge, `/challenge` a 503
/// challenge, `/article` and `/feed` content.
pub async fn wall_server() -> SocketAddr {
    let html = |body: &'static str| ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body);
    let rss = [(header::CONTENT_TYPE, "application/rss+xml")];
    let router = Router::new()
        .route(
            "/forbidden",
            get(move || async move { (StatusCode::FORBIDDEN, html(ARTICLE)) }),
        )
        .route("/login", get(|| async { StatusCode::UNAUTHORIZED }))
        .route("/wall", get(move || async move { html(CLOUDFLARE_WALL) }))
        .route(
            "/challenge",
            get(move || async move { (StatusCode::SERVICE_UNAVAILABLE, html(CLOUDFLARE_WALL)) }),
        )
        .route("/article", get(move || async move { html(ARTICLE) }))
        .route("/feed", get(move || async move { (rss, FEED) }));
    serve(router).await
}

/// `/echo` answers with the request's User-Agent and Accept, one per line;
/// `/gone` is 404 and `/boom` is 500.
pub async fn echo_server() -> SocketAddr {
    let router = Router::new()
        .route(
            "/echo",
            get(|h: HeaderMap| async move {
                let ua = header_str(&h, header::USER_AGENT).unwrap_or_default();
                let accept = header_str(&h, header::ACCEPT).unwrap_or_default();
                format!("{ua}\n{accept}")
            }),
        )
        .route("/gone", get(|| async { StatusCode::NOT_FOUND }))
        .route("/boom", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }));
    serve(router).await
}
