//! Periods and due digests: which ISO week a digest reports on, in its own timezone.
//!
//! A period is a local ISO week, Monday 00:00 to the next Monday 00:00 in the digest's
//! timezone, turned into Unix seconds at the edges. Days are computed as local dates first
//! and converted afterwards, so a week that crosses a daylight-saving change is 167 or 169
//! hours long and every one of its seven days still starts at local midnight; the store
//! then counts by those instants ([`crate::store::Store::daily_counts`]).
//!
//! A digest is *due* when its cron fired within the last [`CATCH_UP`]: the worker checks
//! once a minute, and a worker that was down at 08:00 still sends at 09:30, but one started
//! on Wednesday does not mail last week's digest out of the blue. The week reported is the
//! last complete one before the firing. Whether it was already queued is the outbox's
//! business (dedup key per recipient and week), not this file's.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use crate::config::CronSchedule;

/// How long after its cron fired a digest still goes out.
pub const CATCH_UP: Duration = Duration::hours(24);

/// One local ISO week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// The timezone its days are counted in.
    pub tz: Tz,
    /// Its Monday.
    pub monday: NaiveDate,
}

impl Period {
    /// The ISO week containing `date`.
    pub fn containing(date: NaiveDate, tz: Tz) -> Period {
        let back = date.weekday().num_days_from_monday();
        Period {
            tz,
            monday: date - Duration::days(i64::from(back)),
        }
    }

    /// The last complete week before `at`: it ends at the latest local Monday 00:00 that
    /// is not after `at`.
    pub fn before(at: DateTime<Utc>, tz: Tz) -> Period {
        let this = Period::containing(at.with_timezone(&tz).date_naive(), tz);
        if this.start() <= at.timestamp() {
            this.previous()
        } else {
            // `at` falls before this week's first instant (a midnight that does not exist):
            // the week before the previous one is the last complete.
            this.previous().previous()
        }
    }

    /// ISO week `week` of ISO year `year`.
    pub fn iso(year: i32, week: u32, tz: Tz) -> Option<Period> {
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).map(|monday| Period { tz, monday })
    }

    /// The week before.
    pub fn previous(&self) -> Period {
        Period {
            tz: self.tz,
            monday: self.monday - Duration::days(7),
        }
    }

    /// `2026-W44`: the ISO year and week (also the digest's dedup key part).
    pub fn label(&self) -> String {
        let w = self.monday.iso_week();
        format!("{}-W{:02}", w.year(), w.week())
    }

    /// The ISO week number.
    pub fn week_number(&self) -> u32 {
        self.monday.iso_week().week()
    }

    /// The seven local dates, Monday first.
    pub fn dates(&self) -> Vec<NaiveDate> {
        (0..7).map(|d| self.monday + Duration::days(d)).collect()
    }

    /// First second (Unix) of the week.
    pub fn start(&self) -> i64 {
        local_midnight(self.tz, self.monday)
    }

    /// First second (Unix) after the week.
    pub fn end(&self) -> i64 {
        local_midnight(self.tz, self.monday + Duration::days(7))
    }

    /// The first second (Unix) of each of the seven days.
    pub fn day_starts(&self) -> Vec<i64> {
        self.dates()
            .into_iter()
            .map(|d| local_midnight(self.tz, d))
            .collect()
    }
}

/// The first instant of `date` in `tz` (Unix seconds): midnight, or the first valid
/// moment after it where a daylight-saving jump skips midnight.
pub fn local_midnight(tz: Tz, date: NaiveDate) -> i64 {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    let mut t = midnight;
    // Jumps are at most a few hours and always whole quarter hours.
    for _ in 0..16 {
        if let Some(at) = tz.from_local_datetime(&t).earliest() {
            return at.timestamp();
        }
        t += Duration::minutes(15);
    }
    Utc.from_utc_datetime(&midnight).timestamp()
}

/// Which week a preview or a manual run is about: `last-week`, `this-week` or `2026-W44`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodChoice {
    /// The last complete week.
    LastWeek,
    /// The week in progress (what the demo shows: its data is minutes old).
    ThisWeek,
    /// An ISO week.
    Iso(i32, u32),
}

impl std::str::FromStr for PeriodChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!(
                "\"{s}\" is not a period; use last-week, this-week or an ISO week like 2026-W44"
            )
        };
        match s.trim().to_ascii_lowercase().as_str() {
            "last-week" => Ok(PeriodChoice::LastWeek),
            "this-week" => Ok(PeriodChoice::ThisWeek),
            other => {
                let (year, week) = other.split_once("-w").ok_or_else(bad)?;
                let year: i32 = year.parse().map_err(|_| bad())?;
                let week: u32 = week.parse().map_err(|_| bad())?;
                NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).ok_or_else(bad)?;
                Ok(PeriodChoice::Iso(year, week))
            }
        }
    }
}

impl PeriodChoice {
    /// The period this choice names at `now` in `tz`.
    pub fn resolve(self, tz: Tz, now: DateTime<Utc>) -> Period {
        match self {
            PeriodChoice::LastWeek => Period::before(now, tz),
            PeriodChoice::ThisWeek => Period::containing(now.with_timezone(&tz).date_naive(), tz),
            PeriodChoice::Iso(y, w) => Period::iso(y, w, tz).unwrap_or_else(|| {
                // Checked when parsed; fall back to last week rather than panic.
                Period::before(now, tz)
            }),
        }
    }
}

/// The latest firing of `cron` in `tz` at or before `now`, when it is recent enough to
/// act on ([`CATCH_UP`]), with the week it reports on.
pub fn due(cron: &CronSchedule, tz: Tz, now: DateTime<Utc>) -> Option<(DateTime<Utc>, Period)> {
    let local_now = now.with_timezone(&tz);
    let fired = cron
        .cron
        .find_previous_occurrence(&local_now, true)
        .ok()?
        .with_timezone(&Utc);
    (now - fired <= CATCH_UP).then(|| (fired, Period::before(fired, tz)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_week_across_the_october_dst_change_in_madrid_has_169_hours() {
        let tz: Tz = "Europe/Madrid".parse().unwrap();
        let p = Period::iso(2026, 43, tz).unwrap();
        assert_eq!(p.monday.to_string(), "2026-10-19");
        assert_eq!(p.label(), "2026-W43");
        // Mon 19 Oct 00:00 CEST = 18 Oct 22:00 UTC; Mon 26 Oct 00:00 CET = 25 Oct 23:00 UTC.
        assert_eq!(p.start(), utc("2026-10-18T22:00:00Z").timestamp());
        assert_eq!(p.end(), utc("2026-10-25T23:00:00Z").timestamp());
        assert_eq!(p.end() - p.start(), 169 * 3600);
        let days = p.day_starts();
        assert_eq!(days[6], utc("2026-10-24T22:00:00Z").timestamp());
        assert_eq!(p.end() - days[6], 25 * 3600, "Sunday 25 Oct has 25 hours");
    }

    #[test]
    fn before_and_choices() {
        let tz: Tz = "America/Mexico_City".parse().unwrap();
        // Monday 2 Nov 2026 08:00 in Mexico City (UTC-6) = 14:00 UTC.
        let at = utc("2026-11-02T14:00:00Z");
        let p = Period::before(at, tz);
        assert_eq!(p.label(), "2026-W44");
        assert_eq!(p.end(), utc("2026-11-02T06:00:00Z").timestamp());
        // Exactly at Monday 00:00 local, the week that just ended.
        assert_eq!(
            Period::before(utc("2026-11-02T06:00:00Z"), tz).label(),
            "2026-W44"
        );
        assert_eq!(
            Period::before(utc("2026-11-02T05:59:59Z"), tz).label(),
            "2026-W43"
        );
        assert_eq!(PeriodChoice::ThisWeek.resolve(tz, at).label(), "2026-W45");
        let c: PeriodChoice = "2026-W01".parse().unwrap();
        assert_eq!(c.resolve(tz, at).monday.to_string(), "2025-12-29");
        assert!("2026-W54".parse::<PeriodChoice>().is_err());
        assert!("yesterday".parse::<PeriodChoice>().is_err());
        assert_eq!("Last-Week".parse(), Ok(PeriodChoice::LastWeek));
    }

    #[test]
    fn due_within_catch_up_only() {
        let cron = CronSchedule::parse("0 8 * * MON").unwrap();
        let tz: Tz = "Europe/Madrid".parse().unwrap();
        // Monday 2 Nov 2026 08:00 CET = 07:00 UTC.
        let (fired, p) = due(&cron, tz, utc("2026-11-02T07:00:30Z")).unwrap();
        assert_eq!(fired, utc("2026-11-02T07:00:00Z"));
        assert_eq!(p.label(), "2026-W44");
        assert!(due(&cron, tz, utc("2026-11-02T06:59:00Z")).is_none());
        assert!(due(&cron, tz, utc("2026-11-03T06:59:00Z")).is_some());
        assert!(due(&cron, tz, utc("2026-11-04T07:00:00Z")).is_none());
    }
}
