//! Where notifications go: `[smtp]`, `[[webhook]]` and the dashboard's `[web]` address
//! (used for links in emails).
//!
//! Secrets never live in the file: the SMTP password and webhook signing secrets are named
//! by environment variable, read when a message is sent, and never logged.

use std::time::Duration;

use serde::Deserialize;

use super::duration;
use crate::notify::smtp::TlsMode;
use crate::notify::webhook::WebhookFormat;

/// Environment variable read for the SMTP password unless `password_env` names another.
pub const DEFAULT_SMTP_PASSWORD_ENV: &str = "VIGIA_SMTP_PASSWORD";

/// `[smtp]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// Mail server host name.
    pub host: String,
    /// Port (default: 25 for `none`, 587 for `starttls`, 465 for `tls`).
    pub port: Option<u16>,
    /// `none`, `starttls` (default) or `tls`.
    #[serde(default)]
    pub tls: TlsMode,
    /// Login name, when the server wants one.
    pub username: Option<String>,
    /// Environment variable holding the password (default `VIGIA_SMTP_PASSWORD`).
    pub password_env: Option<String>,
    /// The From address, e.g. `vigia <alerts@example.com>`.
    pub from: String,
    /// Deadline for one delivery (default 30s).
    #[serde(default, with = "duration::option")]
    pub timeout: Option<Duration>,
}

impl SmtpConfig {
    /// The port, with the default for the TLS mode.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            TlsMode::None => 25,
            TlsMode::Starttls => 587,
            TlsMode::Tls => 465,
        })
    }

    /// The password from its environment variable, if set.
    pub fn password(&self) -> Option<String> {
        let var = self
            .password_env
            .as_deref()
            .unwrap_or(DEFAULT_SMTP_PASSWORD_ENV);
        std::env::var(var).ok().filter(|p| !p.is_empty())
    }
}

/// `[[webhook]]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Name used by rules (`webhooks = ["ops"]`).
    pub name: String,
    /// The URL that receives a JSON POST.
    pub url: String,
    /// `json` (the full notice, default) or `slack` (Slack, Mattermost, Teams incoming
    /// webhooks).
    #[serde(default)]
    pub format: WebhookFormat,
    /// Environment variable with the HMAC signing secret (`X-Vigia-Signature`).
    pub secret_env: Option<String>,
}

impl WebhookConfig {
    /// The signing secret from its environment variable, if configured and set.
    pub fn secret(&self) -> Option<String> {
        self.secret_env
            .as_deref()
            .and_then(|v| std::env::var(v).ok())
            .filter(|s| !s.is_empty())
    }
}

/// `[web]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebConfig {
    /// Address the dashboard listens on (the dashboard arrives in a later release).
    pub listen: Option<String>,
    /// The dashboard's public address, for links in emails, e.g. `https://vigia.example.com`.
    pub base_url: Option<String>,
}
