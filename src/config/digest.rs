//! `[[digest]]` entries: when the weekly digest goes out, to whom, in which language and
//! about which brands.
//!
//! The cron expression and the timezone are parsed while the file is deserialized, not
//! when the digest is due, so a typo is refused at load with the file, the key and the
//! line (C03) instead of silently never sending on Monday. Cron is the usual five fields
//! (minute hour day-of-month month day-of-week, `0 8 * * MON`), parsed by `croner` with
//! POSIX weekdays (1 = Monday, 0 and 7 = Sunday) and no seconds or year field: the
//! format people know from crontab, nothing that would surprise them.

use std::str::FromStr;

use chrono::Utc;
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use serde::{Deserialize, Deserializer};

use crate::alerts::notice::NoticeLang;
use crate::alerts::rules::RecipientConfig;

/// One `[[digest]]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestConfig {
    /// Unique name; part of the dedup key, so renaming a digest sends the current week again.
    pub name: String,
    /// When it goes out: five-field cron in `timezone` ("0 8 * * MON").
    pub cron: CronSchedule,
    /// IANA timezone of the schedule and of the period's days (default UTC).
    #[serde(default = "utc", deserialize_with = "de_timezone")]
    pub timezone: Tz,
    /// Recipient addresses; a `[[recipient]]` entry for an address gives its language.
    pub to: Vec<String>,
    /// Language for every recipient (`en` or `es`); unset: each recipient's own, else en.
    #[serde(default)]
    pub lang: Option<NoticeLang>,
    /// The brands covered (names of `[[brand]]`s); empty: all of them.
    #[serde(default)]
    pub brands: Vec<String>,
    /// The period reported: only `week` (the ISO week before the cron firing).
    #[serde(default)]
    pub period: DigestPeriod,
}

/// What a digest reports on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DigestPeriod {
    /// The ISO week, Monday 00:00 to Monday 00:00 in the digest's timezone.
    #[default]
    Week,
}

/// A parsed five-field cron expression, with the text it came from.
#[derive(Debug, Clone)]
pub struct CronSchedule {
    /// As written in the config.
    pub text: String,
    /// Parsed.
    pub cron: Cron,
}

impl CronSchedule {
    /// Parse a five-field cron expression; the error says what to write instead.
    pub fn parse(text: &str) -> Result<CronSchedule, String> {
        let fields = text.split_whitespace().count();
        if fields != 5 && !text.trim_start().starts_with('@') {
            return Err(format!(
                "\"{}\" has {fields} fields; a digest's cron has five: minute hour \
                 day-of-month month day-of-week, e.g. \"0 8 * * MON\"",
                text.escape_debug()
            ));
        }
        let parser = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build();
        let cron = parser.parse(text).map_err(|e| {
            format!(
                "\"{}\" is not a valid cron expression ({e}); e.g. \"0 8 * * MON\" is Mondays at 08:00",
                text.escape_debug()
            )
        })?;
        // A pattern such as "0 8 30 2 *" parses but never fires: refuse it now.
        cron.find_next_occurrence(&Utc::now(), false).map_err(|_| {
            format!(
                "\"{}\" never fires (no such date); check the day and month fields",
                text.escape_debug()
            )
        })?;
        Ok(CronSchedule {
            text: text.to_owned(),
            cron,
        })
    }
}

impl<'de> Deserialize<'de> for CronSchedule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        CronSchedule::parse(&text).map_err(serde::de::Error::custom)
    }
}

fn utc() -> Tz {
    Tz::UTC
}

fn de_timezone<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
    let text = String::deserialize(d)?;
    Tz::from_str(text.trim()).map_err(|_| {
        serde::de::Error::custom(format!(
            "unknown timezone \"{}\"; use an IANA name such as \"Europe/Madrid\", \
             \"America/Mexico_City\" or \"UTC\"",
            text.escape_debug()
        ))
    })
}

/// Check the meaning of every `[[digest]]`: names, recipients, brands. The error is
/// (key, message) with the key in the file's terms (`digest[0].to[1]`).
pub fn validate(
    digests: &[DigestConfig],
    brand_names: &[String],
    has_smtp: bool,
) -> Result<(), (String, String)> {
    let mut names = std::collections::HashSet::new();
    for (i, d) in digests.iter().enumerate() {
        let key = format!("digest[{i}]");
        if d.name.trim().is_empty() {
            return Err((format!("{key}.name"), "a digest needs a name".into()));
        }
        if !names.insert(d.name.trim().to_lowercase()) {
            return Err((
                format!("{key}.name"),
                format!("digest \"{}\" is defined twice", d.name),
            ));
        }
        if d.to.is_empty() {
            return Err((
                format!("{key}.to"),
                "a digest needs at least one address, e.g. to = [\"team@example.com\"]".into(),
            ));
        }
        for (j, address) in d.to.iter().enumerate() {
            RecipientConfig::new(address)
                .validate()
                .map_err(|(_, m)| (format!("{key}.to[{j}]"), m))?;
        }
        for (j, brand) in d.brands.iter().enumerate() {
            if !brand_names.iter().any(|b| b == brand) {
                return Err((
                    format!("{key}.brands[{j}]"),
                    format!("no [[brand]] is named \"{brand}\""),
                ));
            }
        }
        if !has_smtp {
            return Err((
                format!("{key}.to"),
                "digests are emails: they need an [smtp] table".into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_fields_parse_six_and_nonsense_do_not() {
        assert!(CronSchedule::parse("0 8 * * MON").is_ok());
        assert!(CronSchedule::parse("30 7 * * 1-5").is_ok());
        assert!(CronSchedule::parse("@weekly").is_ok());
        let six = CronSchedule::parse("0 0 8 * * MON").unwrap_err();
        assert!(six.contains("6 fields"), "{six}");
        let bad = CronSchedule::parse("61 8 * * MON").unwrap_err();
        assert!(bad.contains("not a valid cron"), "{bad}");
        let never = CronSchedule::parse("0 8 30 2 *").unwrap_err();
        assert!(never.contains("never fires"), "{never}");
    }

    #[test]
    fn the_starter_configs_digest_example_loads_when_uncommented() {
        let mut text = String::new();
        let mut inside = false;
        for line in crate::config::STARTER_CONFIG.lines() {
            inside |= line == "# [[digest]]";
            let line = if inside {
                line.strip_prefix("# ").unwrap_or(line)
            } else {
                line
            };
            text.push_str(line);
            text.push('\n');
        }
        text.push_str("\n[smtp]\nhost = \"localhost\"\nfrom = \"v@example.com\"\n");
        let c =
            crate::config::Config::from_toml(&text, std::path::Path::new("vigia.toml")).unwrap();
        assert_eq!(c.digests.len(), 1);
        assert_eq!(c.digests[0].timezone.name(), "Europe/Madrid");
        assert_eq!(c.digests[0].lang, Some(NoticeLang::Es));
    }

    #[test]
    fn monday_is_one_as_in_crontab() {
        let s = CronSchedule::parse("0 8 * * 1").unwrap();
        let from = chrono::DateTime::parse_from_rfc3339("2026-10-28T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let next = s.cron.find_next_occurrence(&from, false).unwrap();
        assert_eq!(next.to_rfc3339(), "2026-11-02T08:00:00+00:00");
    }
}
