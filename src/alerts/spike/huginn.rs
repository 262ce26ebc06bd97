//! Huginn's peak rule, kept only as the floor our detector must beat (see the bench).
//!
//! Huginn's PeakDetectorAgent flags a value above mean + 3σ of the values of the past two
//! weeks, with no seasonality, no variance floor and no minimum count. Here the value is
//! the brand's hourly count of negatives (silent hours count as 0). We give it two
//! advantages over the original so the comparison is about the statistic, not the
//! plumbing: it evaluates the open hour at every check (the original waits until the
//! value after the peak is lower, one bucket late) and it re-arms as soon as an hour closes
//! below threshold (the original waits two days between peaks).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

/// Days of hourly history Huginn's rule averages over.
pub const HUGINN_WINDOW_DAYS: i64 = 14;
/// Standard deviations above the mean Huginn's rule needs.
pub const HUGINN_STD_MULTIPLE: f64 = 3.0;
/// Huginn needs more than this many values before it judges anything.
const HUGINN_MIN_VALUES: i64 = 4;
const WINDOW_HOURS: usize = (HUGINN_WINDOW_DAYS * 24) as usize;

/// A peak found by [`HuginnRule`].
#[derive(Debug, Clone, PartialEq)]
pub struct HuginnPeak {
    /// The brand.
    pub brand: String,
    /// When the rule fired.
    pub fired_at: DateTime<Utc>,
    /// Negatives in the open hour.
    pub count: u32,
    /// Mean hourly negatives over the past 14 days.
    pub baseline: f64,
    /// mean + 3σ.
    pub threshold: f64,
}

#[derive(Debug)]
struct Series {
    ring: Vec<u32>,
    first_hour: i64,
    cur_hour: i64,
    cur: u32,
    sum: f64,
    sum_sq: f64,
    in_episode: bool,
}

impl Series {
    fn new(hour: i64) -> Self {
        Series {
            ring: vec![0; WINDOW_HOURS],
            first_hour: hour,
            cur_hour: hour,
            cur: 0,
            sum: 0.0,
            sum_sq: 0.0,
            in_episode: false,
        }
    }

    fn values(&self) -> i64 {
        (self.cur_hour - self.first_hour).min(WINDOW_HOURS as i64)
    }

    fn stats(&self) -> (f64, f64) {
        let n = self.values().max(1) as f64;
        let mean = self.sum / n;
        let var = (self.sum_sq / n - mean * mean).max(0.0);
        (mean, var.sqrt())
    }

    fn push(&mut self, hour: i64, value: u32) {
        let slot = hour.rem_euclid(WINDOW_HOURS as i64) as usize;
        if hour - self.first_hour >= WINDOW_HOURS as i64 {
            let old = f64::from(self.ring[slot]);
            self.sum -= old;
            self.sum_sq -= old * old;
        }
        self.ring[slot] = value;
        let v = f64::from(value);
        self.sum += v;
        self.sum_sq += v * v;
    }

    fn advance(&mut self, hour: i64) {
        if hour <= self.cur_hour {
            return;
        }
        // Closing an hour at or below threshold ends the episode (re-arms the rule).
        let (mean, sd) = self.stats();
        if f64::from(self.cur) <= mean + HUGINN_STD_MULTIPLE * sd {
            self.in_episode = false;
        }
        if hour - self.cur_hour > WINDOW_HOURS as i64 {
            // Silence longer than the window: every value in it is zero.
            self.ring.iter_mut().for_each(|v| *v = 0);
            self.sum = 0.0;
            self.sum_sq = 0.0;
            self.in_episode = false;
        } else {
            self.push(self.cur_hour, self.cur);
            for h in self.cur_hour + 1..hour {
                self.push(h, 0);
            }
        }
        self.cur_hour = hour;
        self.cur = 0;
    }
}

/// Huginn's rule: the open hour's negatives above mean + 3σ of the past 14 days.
#[derive(Debug, Default)]
pub struct HuginnRule {
    brands: HashMap<String, Series>,
}

impl HuginnRule {
    /// An empty rule.
    pub fn new() -> Self {
        HuginnRule::default()
    }

    /// Record one mention (only negatives are counted).
    pub fn observe(&mut self, brand: &str, ts: DateTime<Utc>, is_negative: bool) {
        let hour = ts.timestamp().div_euclid(3600);
        let s = match self.brands.get_mut(brand) {
            Some(s) => s,
            None => self
                .brands
                .entry(brand.to_owned())
                .or_insert_with(|| Series::new(hour)),
        };
        s.advance(hour);
        if hour == s.cur_hour {
            s.cur += u32::from(is_negative);
        }
    }

    /// Does the open hour of `brand` peak at `now`? Fires once per episode.
    pub fn check(&mut self, brand: &str, now: DateTime<Utc>) -> Option<HuginnPeak> {
        let s = self.brands.get_mut(brand)?;
        s.advance(now.timestamp().div_euclid(3600));
        if s.values() <= HUGINN_MIN_VALUES || s.in_episode {
            return None;
        }
        let (mean, sd) = s.stats();
        let threshold = mean + HUGINN_STD_MULTIPLE * sd;
        if f64::from(s.cur) > threshold {
            s.in_episode = true;
            return Some(HuginnPeak {
                brand: brand.to_owned(),
                fired_at: now,
                count: s.cur,
                baseline: mean,
                threshold,
            });
        }
        None
    }
}
