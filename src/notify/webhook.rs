//! Webhooks: the same notice as a JSON POST, either vigia's own JSON or the
//! `{"text": …}` shape that Slack, Mattermost and Teams incoming webhooks accept.
//!
//! Why it is shaped so: the body is built ([`payload`]) separately from sending
//! ([`post`]) so the outbox can store the exact bytes it signs and resends; the HMAC
//! header covers those bytes. Outside text in the Slack shape is mrkdwn-escaped (`&`, `<`,
//! `>`), which also stops a title from forging `<!channel>` pings or `<url|label>` links,
//! and `@` in outside text gets an invisible word joiner after it so `@channel` or
//! `@here` in a title pings no one. Only http(s) URLs are included as links.

use std::fmt;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use url::Url;

use super::SendError;
use super::fmt::flatten;
use super::view::{SightingView, View};
use crate::alerts::notice::{Notice, NoticeLang};

/// Time allowed for one webhook request, connection included.
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);
/// Header carrying `sha256=<hex HMAC-SHA256 of the body>` when a secret is configured.
pub const SIGNATURE_HEADER: &str = "X-Vigia-Signature";
/// Longest piece of a failing response body quoted in an error, in characters.
pub const ERROR_BODY_MAX_CHARS: usize = 200;

/// The shape of the JSON body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// vigia's notice as JSON plus a rendered `text`.
    #[default]
    Json,
    /// `{"text": …}` in mrkdwn for Slack, Mattermost and Teams incoming webhooks.
    Slack,
}

/// One webhook target.
#[derive(Clone)]
pub struct WebhookSettings {
    /// Where to POST.
    pub url: Url,
    /// Body shape.
    pub format: WebhookFormat,
    /// Shared secret for the signature header; never logged.
    pub secret: Option<String>,
}

impl fmt::Debug for WebhookSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSettings")
            .field("url", &self.url.as_str())
            .field("format", &self.format)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// The JSON body for `notice` in `format` and `lang`.
pub fn payload(notice: &Notice, format: WebhookFormat, lang: NoticeLang) -> Value {
    match format {
        WebhookFormat::Json => {
            let mut value = serde_json::to_value(notice).unwrap_or_else(|_| json!({}));
            let view = View::new(notice, lang);
            let text =
                super::email::render_text(notice, lang).unwrap_or_else(|_| plain_summary(&view));
            if let Value::Object(map) = &mut value {
                map.insert("subject".into(), Value::String(view.subject.clone()));
                map.insert("text".into(), Value::String(text));
                map.insert("lang".into(), Value::String(view.lang.into()));
                if let Some(link) = &view.mute_link {
                    map.insert("mute_link".into(), Value::String(link.clone()));
                }
            }
            value
        }
        WebhookFormat::Slack => json!({ "text": slack_text(&View::new(notice, lang)) }),
    }
}

/// `sha256=<hex>`: the HMAC-SHA256 of `body` under `secret`, as sent in [`SIGNATURE_HEADER`].
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        // HMAC accepts keys of any length; this arm cannot happen.
        Err(_) => return String::new(),
    };
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// POSTs `body` (JSON) to the webhook; 2xx is success, 408/429/5xx and network trouble
/// are transient, other statuses permanent.
pub async fn post(
    client: &reqwest::Client,
    settings: &WebhookSettings,
    body: &[u8],
) -> Result<(), SendError> {
    let mut request = client
        .post(settings.url.clone())
        .timeout(WEBHOOK_TIMEOUT)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(
            reqwest::header::USER_AGENT,
            concat!("vigia/", env!("CARGO_PKG_VERSION")),
        )
        .body(body.to_vec());
    if let Some(secret) = &settings.secret {
        request = request.header(SIGNATURE_HEADER, signature(secret, body));
    }
    let host = settings.url.host_str().unwrap_or("").to_string();
    let response = request.send().await.map_err(|e| {
        let text = format!("webhook to {host}: {}", without_url(&e));
        if e.is_builder() {
            SendError::Permanent(text)
        } else {
            SendError::Transient(text)
        }
    })?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let body = response.text().await.unwrap_or_default();
    let text = format!(
        "webhook to {host} answered {status}: {}",
        flatten(&body, ERROR_BODY_MAX_CHARS)
    );
    if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
        Err(SendError::Transient(text))
    } else {
        Err(SendError::Permanent(text))
    }
}

/// A reqwest error without its URL (webhook URLs often carry a token in the path).
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_builder() {
        "invalid request"
    } else {
        "request failed"
    };
    match std::error::Error::source(e) {
        Some(source) => format!("{kind} ({source})"),
        None => kind.to_string(),
    }
}

/// Escapes outside text for mrkdwn and defuses `@mentions`.
fn mrkdwn(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '@' => out.push_str("@\u{2060}"),
            c => out.push(c),
        }
    }
    out
}

/// A link for mrkdwn: only `&`, `<` and `>` are escaped (the URL is already normalized,
/// so it has no spaces or angle brackets; `@` must stay intact in a URL).
fn mrkdwn_url(url: &str) -> String {
    url.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A sighting in mrkdwn: host, time and (http only) link.
fn place(s: &SightingView) -> String {
    let link = match (&s.link, &s.url_text) {
        (Some(link), _) => format!(" {}", mrkdwn_url(link)),
        (None, Some(text)) => format!(" ({})", mrkdwn(text)),
        (None, None) => String::new(),
    };
    format!("{}, {}{link}", mrkdwn(&s.host), mrkdwn(&s.at))
}

/// The Slack-style text: heading, why, sightings, mentions, and how to mute.
fn slack_text(v: &View) -> String {
    let mut lines = vec![format!("*{}*", mrkdwn(&v.subject))];
    if let Some(repeat) = &v.repeat {
        lines.push(format!("_{}_", mrkdwn(repeat)));
    }
    lines.extend(v.why.iter().map(|l| mrkdwn(l)));
    if let Some(s) = &v.origin {
        lines.push(format!("{}: {}", v.t.started, place(s)));
    }
    if !v.sightings.is_empty() {
        lines.push(format!("{}:", v.t.picked_up));
    }
    for s in &v.sightings {
        lines.push(format!("• {}", place(s)));
    }
    if !v.mentions.is_empty() {
        lines.push(format!("*{}*", v.t.mentions));
    }
    for m in &v.mentions {
        let snippet: String = m.snippet.iter().map(|s| s.text.as_str()).collect();
        lines.push(format!(
            "• *{}* ({}, {} {}, {})",
            mrkdwn(&m.title),
            mrkdwn(&m.source),
            v.t.score,
            mrkdwn(&m.score),
            mrkdwn(&m.label)
        ));
        lines.push(format!("> {}", mrkdwn(&flatten(&snippet, 300))));
        if let Some(link) = &m.link {
            lines.push(format!("{}: {}", v.t.original, mrkdwn_url(link)));
        }
        if let Some(link) = &m.dashboard {
            lines.push(format!("{}: {}", v.t.dashboard, mrkdwn_url(link)));
        }
    }
    lines.extend(v.more.iter().chain(&v.held).map(|l| mrkdwn(l)));
    match &v.mute_link {
        Some(link) => lines.push(format!("{} {}", mrkdwn(&v.mute_text), mrkdwn_url(link))),
        None => lines.push(mrkdwn(&v.mute_text)),
    }
    lines.join("\n")
}

/// A last-resort text when the text template fails (it cannot, but a webhook must not
/// go out empty).
fn plain_summary(v: &View) -> String {
    let mut lines = vec![v.subject.clone()];
    lines.extend(v.why.iter().cloned());
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mrkdwn_escapes_control_sequences() {
        assert_eq!(
            mrkdwn("<!channel> & <https://x|y>"),
            "&lt;!channel&gt; &amp; &lt;https://x|y&gt;"
        );
        assert_eq!(mrkdwn("@here"), "@\u{2060}here");
    }

    #[test]
    fn signature_matches_a_known_vector() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
