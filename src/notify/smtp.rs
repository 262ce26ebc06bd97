//! SMTP delivery with lettre: one rendered [`Email`] to one recipient, and a verdict on
//! failure that the outbox can act on.
//!
//! Why it is shaped so:
//! - The Message-ID comes from the outbox row's dedup key ([`message_id`]), so a resend
//!   after a crash (A05) carries the same Message-ID and mail clients thread or drop it
//!   as a duplicate instead of showing two alerts.
//! - No connection pool: the outbox sends a handful of messages per group, and a fresh
//!   connection per message means a server restart never leaves a stale pooled socket.
//! - Failures are sorted once, here, into [`SendError::Transient`] and
//!   [`SendError::Permanent`]. The rule: *permanent* only when retrying the same message
//!   can never work — a 5xx reply (including 535 bad credentials: an operator must act,
//!   and a capped-backoff retry storm against it helps no one), an invalid recipient
//!   address, or a message lettre refuses to build. Everything else is *transient*: 4xx
//!   replies, timeouts, refused or dropped connections, garbled replies, and TLS trouble
//!   (failed handshakes, a server that stops offering STARTTLS, no common AUTH
//!   mechanism). Those are server or configuration states that get fixed, and the
//!   message itself is fine, so the outbox keeps it and delivers it afterwards: an alert
//!   waiting in the queue beats one buried among dead letters.
//! - A message may carry inline parts ([`InlinePart`], the digest's charts): the HTML and
//!   its parts then travel as multipart/related inside the multipart/alternative, so mail
//!   clients show the images in place by Content-ID and never fetch anything remote.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::{Digest, Sha256};

use super::email::Email;
use super::{NotifyError, SendError};

/// Default time allowed for connecting and for each SMTP command.
pub const DEFAULT_SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// How many hex digits of the dedup key's SHA-256 go into a Message-ID.
pub const MESSAGE_ID_HEX_DIGITS: usize = 32;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain text (only for a relay on the same machine or a test server).
    None,
    /// Plain connection upgraded with STARTTLS, which is required (usually port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

/// A part the HTML shows by Content-ID (`<img src="cid:…">`), such as a digest's chart:
/// the JSON form of the outbox's `inline_parts` column.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InlinePart {
    /// The Content-ID, without angle brackets.
    pub cid: String,
    /// MIME type, e.g. `image/png`.
    pub content_type: String,
    /// The bytes, standard base64.
    pub base64: String,
    /// What the part shows, for people who cannot see it (the HTML carries it as `alt`).
    pub alt: String,
}

/// Where and how to send email.
#[derive(Clone)]
pub struct SmtpSettings {
    /// SMTP server host name (also the name its TLS certificate must carry).
    pub host: String,
    /// SMTP server port.
    pub port: u16,
    /// TLS mode.
    pub tls: TlsMode,
    /// User name for AUTH, if the server needs one.
    pub username: Option<String>,
    /// Password for AUTH (read from an environment variable by the caller, never logged).
    pub password: Option<String>,
    /// The From address, e.g. `vigia <alerts@example.com>`.
    pub from: String,
    /// Time allowed for connecting and for each command.
    pub timeout: Duration,
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Sends emails through one SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .finish()
    }
}

/// The header RFC 3834 defines so that auto-responders do not answer alerts.
const AUTO_SUBMITTED: HeaderName = HeaderName::new_from_ascii_str("Auto-Submitted");

impl Mailer {
    /// Checks the settings and prepares a transport (no connection is made yet).
    pub fn new(settings: &SmtpSettings) -> Result<Mailer, NotifyError> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e: lettre::address::AddressError| NotifyError::BadFrom {
                from: settings.from.clone(),
                message: e.to_string(),
            })?;
        let setup = |e: lettre::transport::smtp::Error| NotifyError::SmtpSetup {
            host: settings.host.clone(),
            message: e.to_string(),
        };
        let builder = match settings.tls {
            TlsMode::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            }
            TlsMode::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)
                    .map_err(setup)?
            }
            TlsMode::Tls => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host).map_err(setup)?
            }
        };
        let mut builder = builder.port(settings.port).timeout(Some(settings.timeout));
        if let Some(user) = &settings.username {
            let password = settings.password.clone().unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
        })
    }

    /// The domain of the From address (for [`message_id`]).
    pub fn from_domain(&self) -> &str {
        self.from.email.domain()
    }

    /// Sends `email` to `to` as multipart/alternative (text + HTML) with `message_id`.
    pub async fn send(&self, to: &str, email: &Email, message_id: &str) -> Result<(), SendError> {
        self.send_with_parts(to, email, &[], message_id).await
    }

    /// Sends `email` with `parts` shown inside its HTML: multipart/alternative of the text
    /// and a multipart/related of the HTML and the parts (by Content-ID). Without parts it
    /// is the plain alternative of [`Mailer::send`].
    pub async fn send_with_parts(
        &self,
        to: &str,
        email: &Email,
        parts: &[InlinePart],
        message_id: &str,
    ) -> Result<(), SendError> {
        let body = if parts.is_empty() {
            MultiPart::alternative_plain_html(email.text.clone(), email.html.clone())
        } else {
            let mut related = MultiPart::related().singlepart(SinglePart::html(email.html.clone()));
            for part in parts {
                related = related.singlepart(inline_part(part)?);
            }
            MultiPart::alternative()
                .singlepart(SinglePart::plain(email.text.clone()))
                .multipart(related)
        };
        let to: Mailbox = to.parse().map_err(|e| {
            SendError::Permanent(format!("recipient {to:?} is not a valid address: {e}"))
        })?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(one_line(&email.subject))
            .message_id(Some(one_line(message_id)))
            .date_now()
            .raw_header(HeaderValue::new(
                AUTO_SUBMITTED,
                "auto-generated".to_string(),
            ))
            .multipart(body)
            .map_err(|e| SendError::Permanent(format!("could not build the message: {e}")))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| classify(&e))
    }
}

/// One inline part as a MIME part; a part that cannot be decoded will never send.
fn inline_part(part: &InlinePart) -> Result<SinglePart, SendError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(part.base64.as_bytes())
        .map_err(|e| {
            SendError::Permanent(format!("inline part {} is not base64: {e}", part.cid))
        })?;
    let content_type = ContentType::parse(&part.content_type).map_err(|e| {
        SendError::Permanent(format!(
            "inline part {} has a bad content type {:?}: {e}",
            part.cid, part.content_type
        ))
    })?;
    Ok(Attachment::new_inline(one_line(&part.cid)).body(bytes, content_type))
}

/// The domain of the configured From address, for Message-IDs of queued messages (alerts,
/// digests, assignments); `localhost` without `[smtp]`.
pub fn sender_domain(config: &crate::config::Config) -> String {
    let from = config
        .smtp
        .as_ref()
        .map_or("vigia@localhost", |s| s.from.as_str());
    from.rsplit('@')
        .next()
        .unwrap_or("localhost")
        .trim_end_matches('>')
        .to_string()
}

/// A stable Message-ID for an outbox dedup key: the same key always gives the same id.
pub fn message_id(dedup_key: &str, from_domain: &str) -> String {
    let digest = Sha256::digest(dedup_key.as_bytes());
    let hex: String = digest
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        .chars()
        .take(MESSAGE_ID_HEX_DIGITS)
        .collect();
    let domain: String = from_domain
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        .collect();
    let domain = if domain.is_empty() {
        "vigia.invalid"
    } else {
        &domain
    };
    format!("<{hex}@{domain}>")
}

/// Sorts a lettre error into transient or permanent (see the module doc for why).
fn classify(e: &lettre::transport::smtp::Error) -> SendError {
    let text = e.to_string();
    if e.is_permanent() {
        SendError::Permanent(text)
    } else {
        // 4xx replies, timeouts, network and connection errors, TLS trouble, garbled
        // replies, server capability mismatches (lettre's "client" errors).
        SendError::Transient(text)
    }
}

/// Belt and braces: a header value never carries a line break (the renderer already
/// guarantees it for subjects).
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_id_is_stable_and_distinct() {
        let a = message_id("rule:acme:42", "example.com");
        assert_eq!(a, message_id("rule:acme:42", "example.com"));
        assert_ne!(a, message_id("rule:acme:43", "example.com"));
        assert!(a.starts_with('<') && a.ends_with("@example.com>"));
        assert_eq!(a.len(), 1 + MESSAGE_ID_HEX_DIGITS + "@example.com>".len());
        assert_eq!(message_id("k", "\r\n>"), message_id("k", ""));
        assert!(message_id("k", "").ends_with("@vigia.invalid>"));
    }

    #[test]
    fn debug_hides_the_password() {
        let s = SmtpSettings {
            host: "mail.example.com".into(),
            port: 587,
            tls: TlsMode::Starttls,
            username: Some("u".into()),
            password: Some("hunter2".into()),
            from: "a@example.com".into(),
            timeout: DEFAULT_SMTP_TIMEOUT,
        };
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn bad_from_is_reported() {
        let s = SmtpSettings {
            host: "localhost".into(),
            port: 25,
            tls: TlsMode::None,
            username: None,
            password: None,
            from: "not an address".into(),
            timeout: DEFAULT_SMTP_TIMEOUT,
        };
        assert!(matches!(Mailer::new(&s), Err(NotifyError::BadFrom { .. })));
    }
}
