//! Recognises pages that refuse us: login walls, 403s, bot walls and CAPTCHAs.
//!
//! A bot wall answers 200 with HTML, so a status check is not enough; parsing
//! it as content would yield no reviews (or garbage) and hide that the source
//! is blocked. Markers come in two strengths: *vendor* markers (challenge
//! scripts, CAPTCHA widgets) are decisive anywhere in the head of the page;
//! *phrases* ("access denied", "captcha") are only trusted in the `<title>` or
//! on a small page, so an article or a feed that merely talks about CAPTCHAs
//! is not mistaken for a wall. Feeds and JSON are never classified by text.

/// How much of the body is inspected.
pub const BLOCK_SCAN_BYTES: usize = 64 * 1024;

/// Pages up to this size count as "small": phrases anywhere in them are trusted.
pub const SMALL_PAGE_BYTES: usize = 16 * 1024;

/// Pages up to this size are trusted when a phrase is in their `<title>`;
/// real articles are usually bigger than any wall page.
pub const TITLE_TRUST_BYTES: usize = 128 * 1024;

/// Markers that only anti-bot pages carry, with the reason reported.
const VENDOR_MARKERS: [(&str, &str); 12] = [
    ("cf-browser-verification", "Cloudflare browser check"),
    ("cf_chl_opt", "Cloudflare challenge"),
    ("/cdn-cgi/challenge-platform/", "Cloudflare challenge"),
    ("cf-turnstile", "Cloudflare Turnstile CAPTCHA"),
    ("g-recaptcha", "reCAPTCHA"),
    ("www.google.com/recaptcha/", "reCAPTCHA"),
    ("h-captcha", "hCaptcha"),
    ("hcaptcha.com/1/api.js", "hCaptcha"),
    ("captcha-delivery.com", "DataDome CAPTCHA"),
    ("px-captcha", "PerimeterX CAPTCHA"),
    ("_incapsula_resource", "Imperva/Incapsula bot wall"),
    ("awswaf", "AWS WAF challenge"),
];

/// Phrases of bot walls and access-denied pages, with the reason reported.
const PHRASES: [(&str, &str); 11] = [
    ("attention required! | cloudflare", "Cloudflare block page"),
    ("just a moment...", "Cloudflare challenge"),
    ("checking your browser", "browser check"),
    ("access denied", "\"Access denied\" page"),
    ("are you a robot", "robot check"),
    ("are you a human", "robot check"),
    ("verify you are human", "robot check"),
    ("unusual traffic", "unusual-traffic block"),
    ("request blocked", "\"Request blocked\" page"),
    ("pardon our interruption", "bot wall"),
    ("captcha", "CAPTCHA page"),
];

/// Says why a response is a refusal rather than content, or `None` for a
/// normal page or feed. Usable by extractors on pages fetched elsewhere.
pub fn classify_block(status: u16, content_type: Option<&str>, body: &[u8]) -> Option<String> {
    wall_in_page(content_type, body)
        .map(|reason| format!("{reason} (HTTP {status})"))
        .or_else(|| refusing_status(status).map(str::to_owned))
}

/// Statuses that refuse us whatever the page says.
fn refusing_status(status: u16) -> Option<&'static str> {
    match status {
        401 => Some("HTTP 401: the page needs a login"),
        403 => Some("HTTP 403: the site forbids access"),
        407 => Some("HTTP 407: a proxy needs a login"),
        451 => Some("HTTP 451: unavailable for legal reasons"),
        _ => None,
    }
}

/// The kind of wall an HTML page is, if it is one.
fn wall_in_page(content_type: Option<&str>, body: &[u8]) -> Option<&'static str> {
    let head = &body[..body.len().min(BLOCK_SCAN_BYTES)];
    if !looks_like_html(content_type, head) {
        return None;
    }
    let text = String::from_utf8_lossy(head).to_lowercase();
    if let Some((_, reason)) = VENDOR_MARKERS.iter().find(|(m, _)| text.contains(m)) {
        return Some(reason);
    }
    let title = title_of(&text).filter(|_| body.len() <= TITLE_TRUST_BYTES);
    let small = body.len() <= SMALL_PAGE_BYTES;
    PHRASES
        .iter()
        .find(|(p, _)| title.is_some_and(|t| t.contains(p)) || (small && text.contains(p)))
        .map(|(_, reason)| *reason)
}

/// Whether the body is an HTML page. The body's first tag wins over the
/// header (feeds are often served as text/html, and walls as anything);
/// the header decides only when the start of the body says nothing.
fn looks_like_html(content_type: Option<&str>, head: &[u8]) -> bool {
    let start = String::from_utf8_lossy(&head[..head.len().min(1024)]).to_ascii_lowercase();
    let mut start = start.trim_start_matches('\u{feff}').trim_start();
    if let Some(rest) = start.strip_prefix("<?xml") {
        // XHTML carries an XML declaration too: look at what follows it.
        start = rest
            .split_once("?>")
            .map_or("", |(_, after)| after)
            .trim_start();
    }
    if start.starts_with("<!doctype html") || start.starts_with("<html") {
        return true;
    }
    let feed_like = ["<rss", "<feed", "<rdf:rdf", "<?xml", "{", "["];
    if start.is_empty() || feed_like.iter().any(|p| start.starts_with(p)) {
        return false;
    }
    let ct = content_type.unwrap_or_default().to_ascii_lowercase();
    ct.contains("html")
}

/// The text of the first `<title>` element of lower-cased HTML.
fn title_of(html: &str) -> Option<&str> {
    let open = html.find("<title")?;
    let after = &html[open..];
    let body_start = after.find('>')? + 1;
    let rest = &after[body_start..];
    let end = rest.find("</title").unwrap_or(rest.len().min(512));
    Some(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    const HTML: Option<&str> = Some("text/html; charset=utf-8");

    #[test]
    fn statuses() {
        assert!(classify_block(403, None, b"").is_some());
        assert!(classify_block(401, HTML, b"<html>").is_some());
        assert!(classify_block(200, HTML, b"<html><body>hello</body></html>").is_none());
        assert!(classify_block(404, HTML, b"<html><title>Not found</title></html>").is_none());
    }

    #[test]
    fn walls() {
        let cf = b"<!DOCTYPE html><html><head><title>Just a moment...</title></head>\
            <body><script src=\"/cdn-cgi/challenge-platform/h/g/orchestrate/jsch/v1\"></script></body></html>";
        assert!(classify_block(200, HTML, cf).is_some());
        let cf_untyped = classify_block(503, None, cf).unwrap_or_default();
        assert!(cf_untyped.contains("Cloudflare"), "{cf_untyped}");
        let denied =
            b"<html><head><title>Access Denied</title></head><body>Reference #18.abc</body></html>";
        assert!(classify_block(200, HTML, denied).is_some());
        let recaptcha =
            b"<html><body><div class=\"g-recaptcha\" data-sitekey=\"x\"></div></body></html>";
        assert!(classify_block(200, HTML, recaptcha).is_some());
    }

    #[test]
    fn articles_and_feeds_about_captchas_are_content() {
        let mut article = String::from("<html><head><title>Checkout study</title></head><body>");
        for _ in 0..400 {
            article.push_str("<p>Users said the captcha at checkout made them give up. </p>");
        }
        article.push_str("</body></html>");
        assert!(article.len() > SMALL_PAGE_BYTES);
        assert!(classify_block(200, HTML, article.as_bytes()).is_none());
        let feed = b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Access denied: a story</title>\
            <item><title>Captcha fatigue</title><description>are you a robot?</description></item></channel></rss>";
        assert!(classify_block(200, Some("application/rss+xml"), feed).is_none());
        assert!(classify_block(200, None, feed).is_none());
        // A feed served as text/html is still a feed.
        assert!(classify_block(200, HTML, feed).is_none());
        let xhtml = b"<?xml version=\"1.0\"?>\n<!DOCTYPE html><html><head><title>Access denied</title></head></html>";
        assert!(classify_block(200, Some("application/xhtml+xml"), xhtml).is_some());
        let fragment = b"<div>please solve the captcha</div>";
        assert!(classify_block(200, HTML, fragment).is_some());
        assert!(classify_block(200, Some("text/plain"), fragment).is_none());
    }
}
