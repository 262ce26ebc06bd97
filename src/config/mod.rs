//! Configuration: `vigia.toml` → typed, validated [`Config`].
//!
//! Config is data: plain serde structs with `deny_unknown_fields`, defaults in one place
//! (the `default_*` functions and `pub const`s below), and errors that name the file, the
//! key and the line, because the person reading the error is editing that file right now.
//! Parsing (syntax and types) and validation (meaning: a brand with no terms, a source with
//! no URL, an interval under the minimum) are two passes so that each error says exactly
//! which rule was broken.

mod delivery;
mod digest;
mod duration;
mod source;
mod starter;
mod toml_located;

pub use delivery::{
    Cidr, DEFAULT_SESSION_TTL, DEFAULT_SMTP_PASSWORD_ENV, DEFAULT_WEB_LISTEN, SmtpConfig,
    WebConfig, WebhookConfig,
};
pub use digest::{CronSchedule, DigestConfig, DigestPeriod};
pub use duration::option as optional_duration;
pub use duration::{format_duration, parse_duration};
pub use source::{DEFAULT_INTERVAL, DEFAULT_STALE_AFTER, MIN_INTERVAL, SourceConfig};
pub use starter::STARTER_CONFIG;
pub use toml_located::{TomlError, from_toml};

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::alerts::rules::{RecipientConfig, RuleConfig};
use crate::sentiment::{Lang, Mode};

/// Default database when the config names none: an SQLite file beside the config.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://vigia.db";
/// How many sources are fetched at the same time.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// Everything vigia needs to run, loaded from one TOML file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where mentions and polling state live.
    #[serde(default)]
    pub database: DatabaseConfig,
    /// How sources are fetched.
    #[serde(default)]
    pub fetch: FetchConfig,
    /// How mentions are scored.
    #[serde(default)]
    pub scoring: ScoringConfig,
    /// The brands to watch.
    #[serde(default, rename = "brand")]
    pub brands: Vec<BrandConfig>,
    /// The places to watch.
    #[serde(default, rename = "source")]
    pub sources: Vec<SourceConfig>,
    /// Alert rules.
    #[serde(default, rename = "rule")]
    pub rules: Vec<RuleConfig>,
    /// Per-recipient language and daily budgets (addresses without an entry get defaults).
    #[serde(default, rename = "recipient")]
    pub recipients: Vec<RecipientConfig>,
    /// The mail server alerts go through.
    pub smtp: Option<SmtpConfig>,
    /// Chat and automation endpoints alerts can also go to.
    #[serde(default, rename = "webhook")]
    pub webhooks: Vec<WebhookConfig>,
    /// The dashboard's address.
    #[serde(default)]
    pub web: WebConfig,
    /// Weekly digest emails (`[[digest]]`).
    #[serde(default, rename = "digest")]
    pub digests: Vec<DigestConfig>,
}

/// `[database]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://path.db` (default) or `postgres://user@host/db`.
    #[serde(default = "default_database_url")]
    pub url: String,
    /// How long a query waits for a connection (reconnecting meanwhile) before the worker
    /// logs an error and tries again later, e.g. "60s" (the default).
    #[serde(default, with = "duration::option")]
    pub acquire_timeout: Option<Duration>,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: default_database_url(),
            acquire_timeout: None,
        }
    }
}

/// `[fetch]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FetchConfig {
    /// Let sources on loopback / private / link-local addresses be polled.
    #[serde(default)]
    pub allow_private_networks: bool,
    /// Exact `host:port` pairs allowed even when private networks are refused.
    #[serde(default)]
    pub allowed_private: Vec<String>,
    /// A URL site owners can visit to learn who polls them; sent in the User-Agent.
    #[serde(default)]
    pub contact_url: Option<String>,
    /// Sources fetched at the same time.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Whole-request deadline (connect + headers + body), e.g. "20s".
    #[serde(default, with = "duration::option")]
    pub timeout: Option<Duration>,
    /// Largest response body accepted, in bytes, counted after decompression.
    #[serde(default)]
    pub max_body_bytes: Option<usize>,
    /// Requests in flight to one host at most.
    #[serde(default)]
    pub per_host_concurrency: Option<usize>,
    /// Minimum time between two requests to one host, e.g. "1s".
    #[serde(default, with = "duration::option")]
    pub min_host_spacing: Option<Duration>,
    /// Honour robots.txt (default true).
    #[serde(default = "default_true")]
    pub respect_robots: bool,
    /// Apply recipes' per-site spacing and concurrency (default true; false only when
    /// polling local copies of recipe pages, as tests do).
    #[serde(default = "default_true")]
    pub recipe_politeness: bool,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            allow_private_networks: false,
            allowed_private: Vec::new(),
            contact_url: None,
            concurrency: DEFAULT_CONCURRENCY,
            timeout: None,
            max_body_bytes: None,
            per_host_concurrency: None,
            min_host_spacing: None,
            respect_robots: true,
            recipe_politeness: true,
        }
    }
}

/// `[scoring]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringConfig {
    /// `vigia` (VADER plus review/complaint vocabulary, default) or `vader` (exact VADER 3.3.2).
    #[serde(default, deserialize_with = "de_mode")]
    pub mode: Mode,
}

/// `[[brand]]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrandConfig {
    /// The brand's name; matched as a whole phrase.
    pub name: String,
    /// Other names also matched ("Banco Cumbre").
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Phrases that contain the brand but are not about it ("Cumbre Bank Arena").
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Force the language of this brand's mentions: `auto` (default), `en` or `es`.
    #[serde(default, deserialize_with = "de_lang")]
    pub lang: Option<Lang>,
    /// How soon a negative mention should get its first response ("4h", "1d"); the
    /// response KPIs measure against it. Default [`DEFAULT_SLA`].
    #[serde(default, with = "optional_duration")]
    pub sla: Option<Duration>,
}

/// The response SLA of a brand that sets none.
pub const DEFAULT_SLA: Duration = Duration::from_secs(24 * 3600);

impl BrandConfig {
    /// The brand's response SLA in seconds.
    pub fn sla_secs(&self) -> i64 {
        self.sla.unwrap_or(DEFAULT_SLA).as_secs() as i64
    }
}

/// Why a config file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: cannot read the config file: {source} (create one with `vigia init`)")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Bad TOML syntax, an unknown key, a wrong type or a missing key (C01).
    #[error("{path}:{line}:{column}: {key}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        key: String,
        message: String,
    },
    /// The file parses but says something vigia cannot do (C02).
    #[error("{path}: {key}: {message}")]
    Invalid {
        path: PathBuf,
        key: String,
        message: String,
    },
}

impl Config {
    /// Read, parse and validate a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Config::from_toml(&text, path)
    }

    /// Parse and validate TOML text; `path` is only used in error messages.
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut config = parse(text, path)?;
        config.validate(path)?;
        Ok(config)
    }

    /// The meaning checks that serde cannot express (C02).
    fn validate(&mut self, path: &Path) -> Result<(), ConfigError> {
        let invalid = |key: String, message: String| ConfigError::Invalid {
            path: path.to_owned(),
            key,
            message,
        };
        if self.fetch.concurrency == 0 {
            return Err(invalid(
                "fetch.concurrency".into(),
                "must be at least 1".into(),
            ));
        }
        let mut names = HashSet::new();
        for (i, brand) in self.brands.iter().enumerate() {
            let key = format!("brand[{i}]");
            if brand.name.trim().is_empty() {
                return Err(invalid(
                    format!("{key}.name"),
                    "a brand needs a name to match (the brand has no terms)".into(),
                ));
            }
            if let Some(a) = brand.aliases.iter().position(|a| a.trim().is_empty()) {
                return Err(invalid(
                    format!("{key}.aliases[{a}]"),
                    "an alias cannot be empty".into(),
                ));
            }
            if !names.insert(brand.name.trim().to_lowercase()) {
                return Err(invalid(
                    format!("{key}.name"),
                    format!("brand \"{}\" is defined twice", brand.name),
                ));
            }
        }
        let mut names = HashSet::new();
        for (i, source) in self.sources.iter().enumerate() {
            let key = format!("source[{i}]");
            if source.name.trim().is_empty() {
                return Err(invalid(
                    format!("{key}.name"),
                    "a source needs a name".into(),
                ));
            }
            if !names.insert(source.name.as_str()) {
                return Err(invalid(
                    format!("{key}.name"),
                    format!("source \"{}\" is defined twice", source.name),
                ));
            }
        }
        let mut names = HashSet::new();
        for (i, hook) in self.webhooks.iter().enumerate() {
            if !names.insert(hook.name.as_str()) {
                return Err(invalid(
                    format!("webhook[{i}].name"),
                    format!("webhook \"{}\" is defined twice", hook.name),
                ));
            }
            crate::fetch::check_url(&hook.url)
                .map_err(|e| invalid(format!("webhook[{i}].url"), e.to_string()))?;
        }
        let brand_names: Vec<String> = self.brands.iter().map(|b| b.name.clone()).collect();
        crate::alerts::rules::validate_all(&self.rules, &self.recipients, &brand_names)
            .map_err(|(key, message)| invalid(key, message))?;
        for (i, rule) in self.rules.iter().enumerate() {
            for (j, hook) in rule.webhooks.iter().enumerate() {
                if !self.webhooks.iter().any(|w| &w.name == hook) {
                    return Err(invalid(
                        format!("rule[{i}].webhooks[{j}]"),
                        format!("no [[webhook]] is named \"{hook}\""),
                    ));
                }
            }
            if !rule.recipients.is_empty() && self.smtp.is_none() {
                return Err(invalid(
                    format!("rule[{i}].recipients"),
                    "emails need an [smtp] table (or send this rule to webhooks only)".into(),
                ));
            }
        }
        if let Some(base) = &self.web.base_url {
            crate::fetch::check_url(base)
                .map_err(|e| invalid("web.base_url".into(), e.to_string()))?;
        }
        for (i, source) in self.sources.iter().enumerate() {
            if let Some(b) = &source.brand
                && !self.brands.iter().any(|brand| &brand.name == b)
            {
                return Err(invalid(
                    format!("source[{i}].brand"),
                    format!("no [[brand]] is named \"{b}\""),
                ));
            }
        }
        digest::validate(&self.digests, &brand_names, self.smtp.is_some())
            .map_err(|(key, message)| invalid(key, message))?;
        for (i, source) in self.sources.iter_mut().enumerate() {
            source
                .resolve()
                .map_err(|(key, message)| invalid(format!("source[{i}].{key}"), message))?;
        }
        Ok(())
    }
}

/// Deserialize, naming the file, the key and the line on error (C01).
fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    toml_located::from_toml(text).map_err(|e| ConfigError::Parse {
        path: path.to_owned(),
        line: e.line,
        column: e.column,
        key: e.key,
        message: e.message,
    })
}

fn default_database_url() -> String {
    DEFAULT_DATABASE_URL.to_string()
}

fn default_concurrency() -> usize {
    DEFAULT_CONCURRENCY
}

fn default_true() -> bool {
    true
}

fn de_mode<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Mode, D::Error> {
    let s = String::deserialize(d)?;
    s.parse().map_err(|_| {
        serde::de::Error::custom(format!("unknown mode \"{s}\", expected vigia or vader"))
    })
}

fn de_lang<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Lang>, D::Error> {
    let s = String::deserialize(d)?;
    match s.to_ascii_lowercase().as_str() {
        "auto" => Ok(None),
        "en" => Ok(Some(Lang::En)),
        "es" => Ok(Some(Lang::Es)),
        _ => Err(serde::de::Error::custom(format!(
            "unknown language \"{s}\", expected auto, en or es"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config, ConfigError> {
        Config::from_toml(text, Path::new("vigia.toml"))
    }

    #[test]
    fn starter_config_loads() {
        let c = load(STARTER_CONFIG).expect("starter config must load");
        assert!(!c.brands.is_empty());
        assert!(!c.sources.is_empty());
    }

    #[test]
    fn c01_unknown_key_names_file_key_and_line() {
        let err = load("[[brand]]\nname = \"Acme\"\n\n[[source]]\nname = \"a\"\nurl = \"https://example.com/rss\"\nintreval = \"15m\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("vigia.toml:7:"), "{err}");
        assert!(err.contains("intreval"), "{err}");
    }

    #[test]
    fn c01_wrong_type_names_the_key() {
        let err = load("[fetch]\nallow_private_networks = \"yes\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("vigia.toml:2:"), "{err}");
        assert!(err.contains("fetch.allow_private_networks"), "{err}");
    }

    #[test]
    fn c01_missing_required_key_names_it() {
        let err = load("[[brand]]\naliases = [\"x\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("brand[0]"), "{err}");
        assert!(err.contains("name"), "{err}");
        assert!(err.starts_with("vigia.toml:1:"), "{err}");
    }

    #[test]
    fn c01_bad_duration_is_refused_with_its_key() {
        let err = load("[[source]]\nname = \"a\"\nurl = \"https://e.com/\"\ninterval = \"soon\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("source[0].interval"), "{err}");
        assert!(err.starts_with("vigia.toml:4:"), "{err}");
    }

    #[test]
    fn c02_brand_without_terms_is_refused() {
        let err = load("[[brand]]\nname = \"  \"\n").unwrap_err().to_string();
        assert!(err.contains("brand[0].name"), "{err}");
    }

    #[test]
    fn c02_source_without_url_is_refused() {
        let err = load("[[source]]\nname = \"a\"\n").unwrap_err().to_string();
        assert!(
            err.contains("source[0].url") && err.contains("no URL"),
            "{err}"
        );
    }

    #[test]
    fn c02_interval_under_minimum_is_refused() {
        let err = load("[[source]]\nname = \"a\"\nurl = \"https://e.com/\"\ninterval = \"1s\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("source[0].interval") && err.contains("minimum"),
            "{err}"
        );
    }

    #[test]
    fn c02_duplicate_source_is_refused() {
        let err = load("[[source]]\nname = \"a\"\nurl = \"https://e.com/\"\n[[source]]\nname = \"a\"\nurl = \"https://f.com/\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("defined twice"), "{err}");
    }

    #[test]
    fn rules_recipients_and_delivery_load_and_are_checked() {
        let base = "[[brand]]\nname = \"Acme\"\n[smtp]\nhost = \"127.0.0.1\"\ntls = \"none\"\nfrom = \"vigia@x.test\"\n[[webhook]]\nname = \"ops\"\nurl = \"https://hooks.example/x\"\nformat = \"slack\"\n";
        let ok = format!(
            "{base}[[rule]]\nname = \"neg\"\nkind = \"instant\"\nthreshold = -0.6\nrecipients = [\"ana@x.test\"]\nwebhooks = [\"ops\"]\n[[recipient]]\naddress = \"ana@x.test\"\nlang = \"es\"\nbudget = {{ instant = 5 }}\n"
        );
        let c = load(&ok).unwrap();
        assert_eq!(
            (c.rules.len(), c.recipients.len(), c.smtp.unwrap().port()),
            (1, 1, 25)
        );
        let err = load(&ok.replace("webhooks = [\"ops\"]", "webhooks = [\"pager\"]"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("rule[0].webhooks[0]"), "{err}");
        let err = load(&ok.replace(
            "kind = \"instant\"",
            "kind = \"instant\"\nbrand = \"Globex\"",
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("rule[0].brand"), "{err}");
        let err = load(&ok.replace("kind = \"instant\"", "kind = \"sometimes\""))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("rule[0].kind") && err.contains("vigia.toml:"),
            "{err}"
        );
    }

    #[test]
    fn f10_source_with_file_scheme_is_refused_at_load() {
        let err = load("[[source]]\nname = \"a\"\nurl = \"FILE:///etc/passwd\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("source[0].url"), "{err}");
    }
}
