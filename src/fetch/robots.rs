//! robots.txt (RFC 9309): a small parser, the matching rules, and a cache.
//!
//! Only what RFC 9309 defines is read: `user-agent` groups and their `allow` /
//! `disallow` rules with `*` and `$`. The group for our product token
//! ([`ROBOTS_AGENT`]) wins over `*`; several groups naming the same agent are
//! merged; the longest matching pattern decides and `allow` wins a tie. The
//! cache keeps one verdict per origin (scheme, host, port) behind an async
//! mutex, so fifty concurrent requests to one site fetch robots.txt once.
//! What to do when robots.txt is missing or broken is also RFC 9309's: a 4xx
//! allows everything, a 5xx (or 429) disallows everything for a short while.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use url::Url;

/// The product token matched against `User-agent:` lines.
pub const ROBOTS_AGENT: &str = "vigia";
/// How long a fetched robots.txt (or its 4xx "allow all") is trusted.
pub const ROBOTS_TTL: Duration = Duration::from_secs(12 * 60 * 60);
/// How long a 5xx/429 robots.txt keeps the site disallowed before we ask again.
pub const ROBOTS_ERROR_TTL: Duration = Duration::from_secs(10 * 60);
/// The most of a robots.txt that is read (RFC 9309 asks for at least 500 KiB).
pub const ROBOTS_MAX_BYTES: usize = 512 * 1024;

/// One `allow` or `disallow` line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    allow: bool,
    /// The path pattern, percent-encoding normalised.
    pattern: String,
}

/// The rules of a robots.txt that apply to one user agent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RobotsTxt {
    rules: Vec<Rule>,
}

impl RobotsTxt {
    /// Parses robots.txt text and keeps the rules for `agent` (else for `*`).
    pub fn parse(text: &str, agent: &str) -> RobotsTxt {
        let agent = agent.to_ascii_lowercase();
        let mut groups: Vec<(Vec<String>, Vec<Rule>)> = Vec::new();
        let mut last_was_agent = false;
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or_default().trim();
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let key = key.trim().to_ascii_lowercase();
            let value = value.trim();
            match key.as_str() {
                "user-agent" => {
                    if !last_was_agent {
                        groups.push((Vec::new(), Vec::new()));
                    }
                    if let Some((agents, _)) = groups.last_mut() {
                        agents.push(product_token(value));
                    }
                    last_was_agent = true;
                }
                "allow" | "disallow" => {
                    last_was_agent = false;
                    // Rules before any user-agent line belong to no group.
                    let Some((_, rules)) = groups.last_mut() else {
                        continue;
                    };
                    if !value.is_empty() {
                        rules.push(Rule {
                            allow: key == "allow",
                            pattern: normalise(value),
                        });
                    }
                }
                // Sitemap, crawl-delay and unknown keys neither start nor end a group.
                _ => {}
            }
        }
        let pick = |name: &str| -> Vec<Rule> {
            groups
                .iter()
                .filter(|(agents, _)| agents.iter().any(|a| a == name))
                .flat_map(|(_, rules)| rules.iter().cloned())
                .collect()
        };
        let ours = groups.iter().any(|(agents, _)| agents.contains(&agent));
        RobotsTxt {
            rules: if ours { pick(&agent) } else { pick("*") },
        }
    }

    /// Whether `path` (path plus `?query`, as sent) may be fetched.
    pub fn allows(&self, path: &str) -> bool {
        if path == "/robots.txt" {
            return true;
        }
        let path = normalise(path);
        let mut best: Option<&Rule> = None;
        for rule in &self.rules {
            if !pattern_matches(&rule.pattern, &path) {
                continue;
            }
            let better = match best {
                None => true,
                Some(b) => {
                    rule.pattern.len() > b.pattern.len()
                        || (rule.pattern.len() == b.pattern.len() && rule.allow && !b.allow)
                }
            };
            if better {
                best = Some(rule);
            }
        }
        best.is_none_or(|r| r.allow)
    }

    /// Whether this URL's path and query may be fetched.
    pub fn allows_url(&self, url: &Url) -> bool {
        self.allows(&path_and_query(url))
    }
}

/// The part of a URL that robots.txt rules are matched against.
pub(crate) fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

/// `Vigia/1.0` in a user-agent line names the product token `vigia`.
fn product_token(value: &str) -> String {
    value
        .split(['/', ' ', '\t'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// Percent-encodes non-ASCII bytes and upper-cases existing `%xx` escapes, so
/// a pattern written with raw UTF-8 matches the encoded path a URL carries.
fn normalise(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            out.push('%');
            out.push(char::from(bytes[i + 1].to_ascii_uppercase()));
            out.push(char::from(bytes[i + 2].to_ascii_uppercase()));
            i += 3;
        } else if b.is_ascii() && !b.is_ascii_control() && b != b' ' {
            out.push(char::from(b));
            i += 1;
        } else {
            out.push_str(&format!("%{b:02X}"));
            i += 1;
        }
    }
    out
}

/// Matches a robots.txt pattern: `*` is any run of characters, a final `$`
/// anchors the end, anything else is a prefix match.
fn pattern_matches(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = path.strip_prefix(first) else {
        return false;
    };
    let middle: Vec<&str> = parts.collect();
    let Some((last, middle)) = middle.split_last() else {
        // No `*` at all.
        return !anchored || rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    if anchored {
        rest.ends_with(last)
    } else {
        rest.contains(last)
    }
}

/// What we know about one origin's robots.txt.
#[derive(Debug, Clone)]
pub(crate) enum Verdict {
    /// robots.txt was read; these rules apply.
    Rules(RobotsTxt),
    /// robots.txt is missing (4xx): everything is allowed.
    AllowAll,
    /// robots.txt answered 5xx/429: nothing is allowed for now.
    Unavailable(String),
}

/// A verdict and when it was reached.
#[derive(Debug, Clone)]
pub(crate) struct Cached {
    at: Instant,
    verdict: Arc<Verdict>,
}

impl Cached {
    /// A verdict reached now.
    pub(crate) fn new(verdict: Verdict) -> Cached {
        Cached {
            at: Instant::now(),
            verdict: Arc::new(verdict),
        }
    }

    /// The verdict, fresh or not.
    pub(crate) fn verdict(&self) -> Arc<Verdict> {
        Arc::clone(&self.verdict)
    }

    /// The verdict, if it is still fresh.
    pub(crate) fn fresh(&self) -> Option<Arc<Verdict>> {
        let ttl = match *self.verdict {
            Verdict::Unavailable(_) => ROBOTS_ERROR_TTL,
            _ => ROBOTS_TTL,
        };
        (self.at.elapsed() < ttl).then(|| self.verdict())
    }
}

/// One slot per origin; the async mutex makes concurrent callers wait for one fetch.
pub(crate) type Slot = Arc<tokio::sync::Mutex<Option<Cached>>>;

/// All origins' robots.txt verdicts.
#[derive(Default)]
pub(crate) struct RobotsCache {
    slots: Mutex<HashMap<String, Slot>>,
}

impl RobotsCache {
    /// The slot of an origin (`scheme://host:port`).
    pub(crate) fn slot(&self, origin: &str) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(slots.entry(origin.to_owned()).or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TXT: &str = "\
# comment
User-agent: *
Disallow: /private
Disallow: /*.pdf$

User-agent: Vigia/2.0
User-agent: other
Disallow: /no-vigia   # trailing comment
Allow: /no-vigia/ok$
Allow: /shop/*/public
Disallow: /shop/
Sitemap: https://example.com/sitemap.xml
Disallow: /search?q=*&page=

User-agent: vigia
Disallow: /merged
";

    #[test]
    fn our_group_wins_and_groups_merge() {
        let r = RobotsTxt::parse(TXT, ROBOTS_AGENT);
        assert!(r.allows("/private"), "the * group does not apply to us");
        assert!(!r.allows("/no-vigia"));
        assert!(!r.allows("/no-vigia/page"));
        assert!(r.allows("/no-vigia/ok"));
        assert!(!r.allows("/no-vigia/ok/more"));
        assert!(!r.allows("/merged/x"));
        assert!(!r.allows("/shop/a/b"));
        assert!(r.allows("/shop/a/public/x"));
        assert!(!r.allows("/search?q=x&page=2"));
        assert!(r.allows("/search?q=x"));
        assert!(r.allows("/robots.txt"));
        assert!(r.allows("/"));
    }

    #[test]
    fn star_group_when_we_are_not_named() {
        let r = RobotsTxt::parse(TXT, "somebot");
        assert!(!r.allows("/private/x"));
        assert!(!r.allows("/doc.pdf"));
        assert!(r.allows("/doc.pdf?x=1"));
        assert!(r.allows("/no-vigia"));
    }

    #[test]
    fn empty_and_odd_files() {
        assert!(RobotsTxt::parse("", ROBOTS_AGENT).allows("/x"));
        let all = RobotsTxt::parse("User-agent: *\nDisallow: /\n", ROBOTS_AGENT);
        assert!(!all.allows("/x"));
        assert!(!all.allows("/"));
        let none = RobotsTxt::parse("User-agent: *\nDisallow:\n", ROBOTS_AGENT);
        assert!(none.allows("/x"));
        let orphan = RobotsTxt::parse("Disallow: /\n", ROBOTS_AGENT);
        assert!(orphan.allows("/x"));
        let tie = RobotsTxt::parse("User-agent: *\nDisallow: /a\nAllow: /a\n", ROBOTS_AGENT);
        assert!(tie.allows("/a"));
        let crlf = RobotsTxt::parse("User-agent: *\r\nDisallow: /b\r\n", ROBOTS_AGENT);
        assert!(!crlf.allows("/b"));
    }

    #[test]
    fn percent_encoding_is_normalised() {
        let r = RobotsTxt::parse("User-agent: *\nDisallow: /café\nDisallow: /%7ejoe\n", "x");
        assert!(!r.allows("/caf%C3%A9/menu"));
        assert!(!r.allows("/%7Ejoe"));
    }

    #[test]
    fn wildcard_matching() {
        assert!(pattern_matches("/a*b*c", "/a-x-b-y-c-z"));
        assert!(!pattern_matches("/a*b*c$", "/a-x-b-y-c-z"));
        assert!(pattern_matches("/a*b*c$", "/abcbc"));
        assert!(pattern_matches("*", "/anything"));
        assert!(pattern_matches("/x$", "/x"));
        assert!(!pattern_matches("/x$", "/xy"));
        assert!(pattern_matches("/**", "/"));
    }
}
