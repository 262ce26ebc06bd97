//! Fetches one URL politely and safely; knows nothing of sources or parsing.
//!
//! The scheduler hands [`Fetcher::get`] a URL and the validators it stored;
//! it gets back a [`Page`], [`Fetched::NotModified`], or a typed
//! [`FetchError`] it can store as `last_error` and use for backoff. All the
//! rules a good citizen follows live here, in this order, so one reading of
//! `get` shows them: the private-network guard (URL, every redirect hop and
//! every DNS answer, see `guard.rs`), a host paused by Retry-After, robots.txt,
//! the per-host concurrency cap and spacing, then the request with connect and
//! total deadlines and a body cap counted after decompression. One
//! `reqwest::Client` (one connection pool) is shared by every clone.
//!
//! Redirects are followed inside reqwest (our policy guards every hop), so
//! robots.txt and the host gate are those of the URL asked for, not of a
//! redirect's target; a source that always redirects should be configured
//! with its final URL. No proxy is ever used: through one, the guard would
//! check the proxy's address instead of the address the proxy dials.

mod block;
mod error;
mod guard;
mod politeness;
mod response;
mod robots;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, IF_MODIFIED_SINCE, IF_NONE_MATCH};
use url::Url;

pub use block::{BLOCK_SCAN_BYTES, classify_block};
pub use error::FetchError;
pub use guard::{check_url, is_non_public};
pub use robots::{ROBOTS_AGENT, ROBOTS_ERROR_TTL, ROBOTS_MAX_BYTES, ROBOTS_TTL, RobotsTxt};

use error::from_reqwest;
use guard::{Guard, GuardedResolver, redirect_policy};
use politeness::{Hosts, host_key};
use response::{Overflow, header_text, max_age_of, read_capped, retry_after_of, validators_of};
use robots::{Cached, Verdict, path_and_query};

/// Time allowed to open a TCP (and TLS) connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Deadline for a whole request, body included.
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(20);
/// Redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 10;
/// Largest body accepted, counted after decompression.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;
/// Requests in flight to one host at a time.
pub const PER_HOST_CONCURRENCY: usize = 2;
/// Minimum time between the starts of two requests to one host.
pub const MIN_HOST_SPACING: Duration = Duration::from_secs(1);
/// Longest pause a server's Retry-After can impose.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);
/// Pause after a 429 that does not say how long to wait.
pub const DEFAULT_RATE_LIMIT_PAUSE: Duration = Duration::from_secs(60);
/// The Accept header: feeds first, then HTML (review pages), then anything.
pub const ACCEPT_VALUE: &str = "application/rss+xml, application/atom+xml, application/feed+json, \
     application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, text/html;q=0.8, \
     application/xhtml+xml;q=0.8, */*;q=0.5";

/// How the fetcher behaves; `Default` gives the production values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchSettings {
    /// Let sources on loopback / private / link-local addresses be fetched.
    pub allow_private_networks: bool,
    /// Exact `host:port` pairs always allowed even when private (tests, demo, one internal host).
    pub allowed_private: Vec<String>,
    /// The User-Agent header, see [`user_agent`].
    pub user_agent: String,
    /// Time allowed to connect.
    pub connect_timeout: Duration,
    /// Deadline for the whole request, body included.
    pub total_timeout: Duration,
    /// Body cap after decompression.
    pub max_body_bytes: usize,
    /// Redirects followed before [`FetchError::TooManyRedirects`].
    pub max_redirects: usize,
    /// Requests in flight to one host.
    pub per_host_concurrency: usize,
    /// Minimum spacing between request starts to one host.
    pub min_host_spacing: Duration,
    /// Honour robots.txt (RFC 9309).
    pub respect_robots: bool,
    /// Clamp for a server's Retry-After.
    pub max_retry_after: Duration,
}

impl Default for FetchSettings {
    fn default() -> FetchSettings {
        FetchSettings {
            allow_private_networks: false,
            allowed_private: Vec::new(),
            user_agent: user_agent(None),
            connect_timeout: CONNECT_TIMEOUT,
            total_timeout: TOTAL_TIMEOUT,
            max_body_bytes: MAX_BODY_BYTES,
            max_redirects: MAX_REDIRECTS,
            per_host_concurrency: PER_HOST_CONCURRENCY,
            min_host_spacing: MIN_HOST_SPACING,
            respect_robots: true,
            max_retry_after: MAX_RETRY_AFTER,
        }
    }
}

/// The User-Agent: `vigia/<version>`, plus `(+<contact>)` when a contact URL is configured.
pub fn user_agent(contact_url: Option<&str>) -> String {
    let version = env!("CARGO_PKG_VERSION");
    match contact_url.map(str::trim).filter(|c| !c.is_empty()) {
        Some(contact) => format!("vigia/{version} (+{contact})"),
        None => format!("vigia/{version}"),
    }
}

/// ETag / Last-Modified from the previous fetch, sent back as a conditional GET.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Validators {
    /// The ETag header, verbatim (quotes and `W/` included).
    pub etag: Option<String>,
    /// The Last-Modified header, verbatim.
    pub last_modified: Option<String>,
}

/// The outcome of a successful fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
#[expect(
    clippy::large_enum_variant,
    reason = "one value per fetch, moved once; boxing would only add an allocation"
)]
pub enum Fetched {
    /// 304: nothing changed since the validators were stored; no body was read.
    NotModified,
    /// A 2xx page with its body.
    Page(Page),
}

/// A fetched 2xx response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The URL after redirects.
    pub final_url: Url,
    /// The HTTP status (2xx).
    pub status: u16,
    /// The Content-Type header, verbatim (charset included).
    pub content_type: Option<String>,
    /// The decoded body (at most `max_body_bytes`).
    pub body: Bytes,
    /// Validators to store for the next conditional GET.
    pub validators: Validators,
    /// Cache-Control max-age, a hint for the next check.
    pub max_age: Option<Duration>,
}

/// Fetches URLs; cheap to clone, all clones share one client, host gates and robots cache.
#[derive(Clone)]
pub struct Fetcher {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

struct Inner {
    client: reqwest::Client,
    settings: FetchSettings,
    guard: Arc<Guard>,
    hosts: Hosts,
    robots: robots::RobotsCache,
}

impl Fetcher {
    /// Builds the HTTP client (rustls, guarded resolver and redirect policy, no proxy).
    pub fn new(settings: FetchSettings) -> Result<Fetcher, FetchError> {
        let guard = Arc::new(Guard::new(
            settings.allow_private_networks,
            &settings.allowed_private,
        )?);
        let client = reqwest::Client::builder()
            .use_rustls_tls()
            .user_agent(settings.user_agent.as_str())
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.total_timeout)
            .redirect(redirect_policy(Arc::clone(&guard), settings.max_redirects))
            .dns_resolver(Arc::new(GuardedResolver::new(Arc::clone(&guard))))
            .no_proxy()
            .referer(false)
            .build()
            .map_err(|e| FetchError::Client {
                detail: e.to_string(),
            })?;
        Ok(Fetcher {
            inner: Arc::new(Inner {
                client,
                hosts: Hosts::new(settings.per_host_concurrency, settings.min_host_spacing),
                guard,
                settings,
                robots: robots::RobotsCache::default(),
            }),
        })
    }

    /// The settings this fetcher was built with.
    pub fn settings(&self) -> &FetchSettings {
        &self.inner.settings
    }

    /// Whether `url` may be fetched at all under these settings (scheme,
    /// userinfo, IP-literal hosts); names are checked again on their DNS answer.
    pub fn check(&self, url: &Url) -> Result<(), FetchError> {
        self.inner.guard.check_target(url)
    }

    /// Give the host of `url` its own concurrency cap and request spacing (a recipe's
    /// politeness settings; the stricter policy wins when two recipes share a host).
    pub fn set_host_policy(&self, url: &Url, concurrency: usize, spacing: std::time::Duration) {
        self.inner
            .hosts
            .set_policy(&host_key(url), concurrency, spacing);
    }

    /// When the URL's host is paused by an earlier Retry-After, the end of the pause.
    pub fn host_paused_until(&self, url: &Url) -> Option<std::time::SystemTime> {
        self.inner.hosts.paused_until(&host_key(url))
    }

    /// Fetches `url` once, conditionally when `validators` are set.
    pub async fn get(&self, url: &Url, validators: &Validators) -> Result<Fetched, FetchError> {
        let inner = &self.inner;
        inner.guard.check_target(url)?;
        let host = host_key(url);
        self.not_paused(&host)?;
        if inner.settings.respect_robots {
            self.check_robots(url).await?;
        }
        let _slot = inner.hosts.acquire(&host).await;
        // Another request may have been told to slow down while we waited.
        self.not_paused(&host)?;

        let mut request = inner.client.get(url.clone()).header(ACCEPT, ACCEPT_VALUE);
        if let Some(etag) = &validators.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(date) = &validators.last_modified {
            request = request.header(IF_MODIFIED_SINCE, date);
        }
        let response = request.send().await.map_err(|e| from_reqwest(&e))?;
        let status = response.status();
        tracing::debug!(url = %url, final_url = %response.url(), status = status.as_u16(), "response");
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(self.refusal(&host, response).await);
        }

        let headers = response.headers().clone();
        let final_url = response.url().clone();
        let content_type = header_text(&headers, CONTENT_TYPE);
        let body = read_capped(response, inner.settings.max_body_bytes, Overflow::Fail).await?;
        if let Some(reason) = classify_block(status.as_u16(), content_type.as_deref(), &body) {
            return Err(FetchError::Blocked { reason });
        }
        Ok(Fetched::Page(Page {
            final_url,
            status: status.as_u16(),
            content_type,
            validators: validators_of(&headers),
            max_age: max_age_of(&headers),
            body,
        }))
    }

    /// Fails with [`FetchError::HostPaused`] while the host is paused.
    fn not_paused(&self, host: &str) -> Result<(), FetchError> {
        match self.inner.hosts.paused_until(host) {
            Some(until) => Err(FetchError::HostPaused { until }),
            None => Ok(()),
        }
    }

    /// On 429, or 503 with Retry-After: pauses the host and returns
    /// [`FetchError::RateLimited`] (a 429 without a usable delay pauses for
    /// [`DEFAULT_RATE_LIMIT_PAUSE`]).
    fn rate_limited(&self, host: &str, response: &reqwest::Response) -> Option<FetchError> {
        let max = self.inner.settings.max_retry_after;
        let wait = match (
            response.status().as_u16(),
            retry_after_of(response.headers(), max),
        ) {
            (429, wait) => wait.unwrap_or(DEFAULT_RATE_LIMIT_PAUSE).min(max),
            (503, Some(wait)) => wait,
            _ => return None,
        };
        self.inner.hosts.pause(host, wait);
        tracing::info!(
            host,
            status = response.status().as_u16(),
            wait_secs = wait.as_secs(),
            "host asked us to slow down; pausing it"
        );
        Some(FetchError::RateLimited { retry_after: wait })
    }

    /// The error for a non-2xx response: rate limit, refusal (by status or
    /// by a bot-wall page), a redirect we could not follow, or the status.
    async fn refusal(&self, host: &str, response: reqwest::Response) -> FetchError {
        if let Some(limited) = self.rate_limited(host, &response) {
            return limited;
        }
        let code = response.status().as_u16();
        if response.status().is_redirection() {
            return FetchError::BadRedirect { code };
        }
        let retry_after = retry_after_of(response.headers(), self.inner.settings.max_retry_after);
        let content_type = header_text(response.headers(), CONTENT_TYPE);
        // Walls often answer 403 or 503: a glance at the page names the wall.
        let head = if matches!(code, 401 | 403 | 407 | 451 | 503) {
            read_capped(response, BLOCK_SCAN_BYTES, Overflow::Truncate)
                .await
                .unwrap_or_default()
        } else {
            Bytes::new()
        };
        match classify_block(code, content_type.as_deref(), &head) {
            Some(reason) => FetchError::Blocked { reason },
            None => FetchError::Status { code, retry_after },
        }
    }

    /// Fails with [`FetchError::RobotsDisallowed`] when robots.txt forbids `url`.
    async fn check_robots(&self, url: &Url) -> Result<(), FetchError> {
        let path = path_and_query(url);
        if path == "/robots.txt" {
            return Ok(());
        }
        let origin = url.origin().ascii_serialization();
        let slot = self.inner.robots.slot(&origin);
        let mut cached = slot.lock().await;
        let verdict = match cached.as_ref().and_then(Cached::fresh) {
            Some(verdict) => verdict,
            None => {
                let entry = Cached::new(self.fetch_robots(&origin).await?);
                let verdict = entry.verdict();
                *cached = Some(entry);
                verdict
            }
        };
        drop(cached);
        match &*verdict {
            Verdict::AllowAll => Ok(()),
            Verdict::Rules(rules) if rules.allows(&path) => Ok(()),
            Verdict::Rules(_) => Err(FetchError::RobotsDisallowed { path }),
            Verdict::Unavailable(reason) => Err(FetchError::RobotsUnavailable {
                reason: reason.clone(),
            }),
        }
    }

    /// Fetches and judges an origin's robots.txt. Network errors are returned
    /// (and not cached): the page itself would fail the same way.
    async fn fetch_robots(&self, origin: &str) -> Result<Verdict, FetchError> {
        let url =
            Url::parse(&format!("{origin}/robots.txt")).map_err(|e| FetchError::InvalidUrl {
                url: origin.to_owned(),
                reason: e.to_string(),
            })?;
        let host = host_key(&url);
        let _slot = self.inner.hosts.acquire(&host).await;
        let response = match self
            .inner
            .client
            .get(url)
            .header(ACCEPT, "text/plain")
            .send()
            .await
        {
            Ok(r) => r,
            // RFC 9309: redirects that do not end are "unavailable" (4xx-like).
            Err(e)
                if e.is_redirect() && matches!(from_reqwest(&e), FetchError::TooManyRedirects) =>
            {
                return Ok(Verdict::AllowAll);
            }
            Err(e) => return Err(from_reqwest(&e)),
        };
        let status = response.status();
        if status.is_success() {
            let body = read_capped(response, ROBOTS_MAX_BYTES, Overflow::Truncate).await?;
            let text = String::from_utf8_lossy(&body);
            return Ok(Verdict::Rules(RobotsTxt::parse(&text, ROBOTS_AGENT)));
        }
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            // Pause the host if it said how long; robots stay unknown meanwhile.
            if let Some(limited) = self.rate_limited(&host, &response) {
                return Err(limited);
            }
            return Ok(Verdict::Unavailable(format!(
                "robots.txt answered HTTP {}",
                status.as_u16()
            )));
        }
        Ok(Verdict::AllowAll)
    }
}
