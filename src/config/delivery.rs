//! Where notifications go: `[smtp]`, `[[webhook]]` and the dashboard's `[web]` address
//! (used for links in emails).
//!
//! Secrets never live in the file: the SMTP password and webhook signing secrets are named
//! by environment variable, read when a message is sent, and never logged.

use std::net::IpAddr;
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
    /// Address the dashboard listens on (default [`DEFAULT_WEB_LISTEN`]).
    pub listen: Option<String>,
    /// The dashboard's public address, for links in emails, e.g. `https://vigia.example.com`.
    pub base_url: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed (W09):
    /// addresses or CIDR blocks, e.g. `["127.0.0.1", "10.0.0.0/8"]`. Empty (default): those
    /// headers are ignored, since any client could send them.
    #[serde(default)]
    pub trusted_proxies: Vec<Cidr>,
    /// How long a login lasts without being used (default [`DEFAULT_SESSION_TTL`]).
    #[serde(default, with = "duration::option")]
    pub session_ttl: Option<Duration>,
}

/// Where `vigia serve` listens when `[web] listen` is not set.
pub const DEFAULT_WEB_LISTEN: &str = "127.0.0.1:8080";
/// An idle dashboard session ends after this long.
pub const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(12 * 3600);

impl WebConfig {
    /// The session lifetime, with the default.
    pub fn session_ttl(&self) -> Duration {
        self.session_ttl.unwrap_or(DEFAULT_SESSION_TTL)
    }

    /// True when `peer` is one of the trusted proxies.
    pub fn is_trusted_proxy(&self, peer: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|c| c.contains(peer))
    }
}

/// An IP address block (`10.0.0.0/8`, `::1/128`); a bare address is a block of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    /// The network address.
    pub addr: IpAddr,
    /// Leading bits that must match.
    pub prefix: u8,
}

impl Cidr {
    /// True when `ip` lies in this block (IPv4-mapped IPv6 peers count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl std::str::FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Cidr, String> {
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| {
            format!("\"{s}\" is not an IP address or CIDR block (e.g. \"10.0.0.0/8\")")
        })?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("\"{s}\": the prefix length must be 0..={max}"))?,
        };
        Ok(Cidr { addr, prefix })
    }
}

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Cidr, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::Config;

    #[test]
    fn c01_web_settings_parse_and_bad_proxies_name_key_and_line() {
        let ok = "[web]\nlisten = \"127.0.0.1:9090\"\ntrusted_proxies = [\"10.0.0.0/8\", \"::1\"]\nsession_ttl = \"2h\"\n";
        let c = Config::from_toml(ok, Path::new("vigia.toml")).unwrap();
        assert_eq!(c.web.session_ttl(), Duration::from_secs(7200));
        assert!(c.web.is_trusted_proxy("10.20.30.40".parse().unwrap()));
        assert!(c.web.is_trusted_proxy("::ffff:10.0.0.1".parse().unwrap()));
        assert!(c.web.is_trusted_proxy("::1".parse().unwrap()));
        assert!(!c.web.is_trusted_proxy("11.0.0.1".parse().unwrap()));
        assert_eq!(
            WebConfig::default().session_ttl(),
            DEFAULT_SESSION_TTL,
            "default lifetime"
        );
        let bad =
            "[web]\nbase_url = \"http://localhost:8080\"\ntrusted_proxies = [\"10.0.0.0/33\"]\n";
        let err = Config::from_toml(bad, Path::new("vigia.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("vigia.toml:3:"), "{err}");
        assert!(
            err.contains("web.trusted_proxies[0]") && err.contains("0..=32"),
            "{err}"
        );
        let err = Config::from_toml("[web]\nsession_ttl = \"soon\"\n", Path::new("vigia.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("vigia.toml:2:") && err.contains("web.session_ttl"),
            "{err}"
        );
        let err = Config::from_toml(
            "[web]\ntrusted_proxies = [\"proxy.local\"]\n",
            Path::new("vigia.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("not an IP address"), "{err}");
    }

    #[test]
    fn w09_cidr_blocks_contain_what_they_should() {
        let net: Cidr = "192.168.1.0/24".parse().unwrap();
        assert!(net.contains("192.168.1.200".parse().unwrap()));
        assert!(!net.contains("192.168.2.1".parse().unwrap()));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
        let v6: Cidr = "fd00::/8".parse().unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        assert!(!v6.contains("10.0.0.1".parse().unwrap()));
    }
}
