//! Canonical URLs: one article, one URL.
//!
//! The same article reaches vigia under many URLs: wrapped in a Google Alerts /
//! Google News redirect, decorated with campaign parameters, with a `#fragment`.
//! Item keys are derived from the canonical form, so each of these must collapse to
//! one string. We only remove what is known to be noise and keep every other query
//! parameter byte for byte (in order), because a parameter we do not know may be
//! what tells two articles apart (`?id=42`).

use url::Url;

/// How many nested redirect wrappers are unwrapped.
const MAX_UNWRAP: usize = 3;

/// Query parameters that only track the reader (compared case-insensitively).
pub const TRACKING_PARAMS: [&str; 36] = [
    "gclid",
    "gclsrc",
    "dclid",
    "gbraid",
    "wbraid",
    "fbclid",
    "msclkid",
    "yclid",
    "twclid",
    "ttclid",
    "li_fat_id",
    "mc_cid",
    "mc_eid",
    "igshid",
    "igsh",
    "ref_src",
    "ref_url",
    "_hsenc",
    "_hsmi",
    "__hstc",
    "__hssc",
    "__hsfp",
    "hsctatracking",
    "mkt_tok",
    "oly_anon_id",
    "oly_enc_id",
    "vero_id",
    "vero_conv",
    "_ga",
    "_gl",
    "wt.mc_id",
    "cmpid",
    "ocid",
    "sr_share",
    "spm",
    "ncid",
];

/// Query parameter prefixes that only track the reader (`utm_source`, `utm_medium`, …).
pub const TRACKING_PREFIXES: [&str; 3] = ["utm_", "pk_", "mtm_"];

/// The canonical form of an http(s) URL; `None` for other schemes or unparsable input.
///
/// Google redirect links (`google.com/url?…&url=X`, or `q=X`) become `X`; tracking
/// parameters and the fragment are dropped; the host is lowercased and a default
/// port removed.
pub fn canonical_url(url: &str) -> Option<String> {
    canonical(url.trim(), 0)
}

/// [`canonical_url`] at a given unwrapping depth.
fn canonical(raw: &str, depth: usize) -> Option<String> {
    let mut url = Url::parse(raw).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return None;
    }
    if depth < MAX_UNWRAP
        && is_google_redirect(&url)
        && let Some(target) = redirect_target(&url)
        && let Some(inner) = canonical(&target, depth + 1)
    {
        return Some(inner);
    }
    url.set_fragment(None);
    if let Some(query) = url.query() {
        let kept: Vec<&str> = query
            .split('&')
            .filter(|pair| !pair.is_empty() && !is_tracking(pair))
            .collect();
        let kept = kept.join("&");
        url.set_query((!kept.is_empty()).then_some(kept.as_str()));
    }
    if let Some(host) = url.host_str()
        && host.ends_with('.')
        && host.len() > 1
    {
        let trimmed = host.trim_end_matches('.').to_owned();
        // A failure leaves the host as it was, which is still a valid URL.
        let _ = url.set_host(Some(&trimmed));
    }
    Some(url.into())
}

/// True for `google.<tld>/url` and `news.google.<tld>/…/url` redirectors.
fn is_google_redirect(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.strip_prefix("www.").unwrap_or(host);
    let host = host.strip_prefix("news.").unwrap_or(host);
    let is_google = host == "google.com" || host.starts_with("google.");
    is_google && url.path().ends_with("/url")
}

/// The `url=` (else `q=`) parameter of a redirect link, if it is an http(s) URL.
fn redirect_target(url: &Url) -> Option<String> {
    let find = |name: &str| {
        url.query_pairs()
            .find(|(k, v)| k == name && (v.starts_with("http://") || v.starts_with("https://")))
            .map(|(_, v)| v.into_owned())
    };
    find("url").or_else(|| find("q"))
}

/// True when one `key=value` query segment is a tracking parameter.
fn is_tracking(pair: &str) -> bool {
    let raw_key = pair.split('=').next().unwrap_or(pair);
    let key = url::form_urlencoded::parse(raw_key.as_bytes())
        .next()
        .map(|(k, _)| k.to_ascii_lowercase())
        .unwrap_or_else(|| raw_key.to_ascii_lowercase());
    TRACKING_PARAMS.contains(&key.as_str()) || TRACKING_PREFIXES.iter().any(|p| key.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn google_alerts_links_are_unwrapped() {
        let wrapped = "https://www.google.com/url?rct=j&sa=t&url=https://news.example.com/cumbre-bank%3Fid%3D7%26utm_source%3Dalert&ct=ga&cd=CAI&usg=AFQ";
        assert_eq!(
            canonical_url(wrapped).as_deref(),
            Some("https://news.example.com/cumbre-bank?id=7")
        );
        let by_q = "http://google.co.uk/url?q=http://Example.org/a#top&sa=U";
        assert_eq!(canonical_url(by_q).as_deref(), Some("http://example.org/a"));
        let news = "https://news.google.com/news/url?sa=t&url=https://example.net/x";
        assert_eq!(
            canonical_url(news).as_deref(),
            Some("https://example.net/x")
        );
    }

    #[test]
    fn google_links_without_a_target_stay() {
        let search = "https://www.google.com/search?q=cumbre";
        assert_eq!(canonical_url(search).as_deref(), Some(search));
        let bad = "https://www.google.com/url?q=javascript:alert(1)";
        assert_eq!(canonical_url(bad).as_deref(), Some(bad));
    }

    #[test]
    fn tracking_parameters_and_fragment_are_dropped() {
        let url =
            "https://Example.COM:443/story?id=3&utm_source=x&UTM_Medium=y&fbclid=z&page=2#comments";
        assert_eq!(
            canonical_url(url).as_deref(),
            Some("https://example.com/story?id=3&page=2")
        );
        assert_eq!(
            canonical_url("http://example.com:80/a?gclid=1&mc_cid=2&mc_eid=3&igshid=4&ref_src=5")
                .as_deref(),
            Some("http://example.com/a")
        );
    }

    #[test]
    fn unknown_parameters_are_kept_in_order() {
        let url = "https://example.com/p?b=2&a=1&ref=home";
        assert_eq!(canonical_url(url).as_deref(), Some(url));
    }

    #[test]
    fn non_http_schemes_are_refused() {
        for url in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "mailto:x@example.com",
            "ftp://example.com/",
            "/relative/path",
            "",
            "data:text/html,hi",
        ] {
            assert_eq!(canonical_url(url), None, "{url}");
        }
    }

    #[test]
    fn non_default_port_and_trailing_dot() {
        assert_eq!(
            canonical_url(" https://EXAMPLE.com.:8443/a ").as_deref(),
            Some("https://example.com:8443/a")
        );
    }
}
