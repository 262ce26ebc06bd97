//! Spike detection: a brand's NEGATIVE-mention volume far above its own usual level.
//!
//! This module owns the `spike` rule's arithmetic and nothing else: it sees one event per
//! mention (`brand`, timestamp, negative or not) and answers "is this brand in a negative
//! spike right now?". Grouping, budgets and emails are the caller's job.
//!
//! # Method, and why each choice
//!
//! * **Clock = the mention's published time** (the caller passes fetch time when a mention
//!   has none, and should clamp future dates to the fetch time). A feed polled late must
//!   not look like a burst, and a backtest replays with the mentions' own timestamps.
//! * **History in 1 h buckets over [`DEFAULT_HISTORY_DAYS`] days** (negatives and all
//!   mentions per hour). Four weeks gives four samples of every hour of the week and
//!   twenty of every weekday hour, enough for a seasonal estimate, while old enough data
//!   drops out (memory per brand is fixed: about 8 KB).
//! * **Seasonal baseline with shrinkage** (see [`model`]): the expected negatives for an
//!   hour are the hour-of-week mean, shrunk toward the hour-of-day mean of its day class
//!   (weekday / weekend), itself shrunk toward the brand's overall hourly rate. How hard
//!   each level leans on its parent is estimated from the data (empirical Bayes): a brand
//!   with a strong rhythm keeps its own Monday-10:00 level, a quiet or flat brand pools
//!   and stops chasing noise. A trend factor (last 7 days against the model, clamped to
//!   ×0.5…×2) follows a brand that grows or shrinks. The newest 3 closed hours are left
//!   out of the fit, so no window is judged against a baseline that learnt from it.
//! * **Thresholds from the count distribution, not a normal z** (see `stats`): counts are
//!   Poisson-like, heavy-tailed at small means, and a window re-evaluated at every mention
//!   is a *scan*: it crosses level k about `(60/len)·(k − mean)·P(X ≥ k)` times an hour.
//!   The statistical threshold is the smallest k whose chance crossings stay under Φ̄(z)
//!   per hour — so `z` keeps its usual meaning as a tail size, and the false-alarm rate is
//!   the same for a quiet and a busy brand.
//! * **Over-dispersion ψ ≥ 1** (news days, syndicated copies) is measured on the brand's
//!   own history (each hour's share capped so one past crisis does not count as noise):
//!   counts are treated as Poisson *clusters* of ψ mentions, i.e. the threshold is
//!   `ψ · k(mean/ψ)`.
//! * **Variance floor** ([`SpikeParams::variance_floor`]): a window's expectation is never
//!   taken below 0.25 when judging its tail, so a brand with an all-zero history does not
//!   make a single mention "infinitely unlikely".
//! * **Three thresholds must all pass**: the statistical one, `count ≥ min_count` (a quiet
//!   brand going 0 → 1 or 0 → 2 is not a crisis) and `count ≥ min_ratio·expected` (a huge
//!   brand's +10 % is not a crisis even when it is significant).
//! * **Only negatives count, and their share must rise**: a burst of positive mentions
//!   never adds to the count; and since a lexicon misreads a few percent of any burst as
//!   negative, the negative share of the window must also reach
//!   `min(base_share·min_share_ratio, (1+base_share)/2)`. A launch-day flood with its
//!   usual sprinkle of negatives, or a news day with the usual mix, therefore does not
//!   fire; the price is that a real crisis drowned in a larger positive flood is missed.
//! * **Rolling windows evaluated at every check** ([`SpikeParams::windows_min`], minute
//!   resolution; 60 and 120 min by default, plus 15 min when sensitive): no window waits
//!   for a bucket to close, so a burst fires within minutes and a ramp while it still
//!   rises; the 120-min window catches a sustained doubling the 60-min one may miss. A
//!   window's expectation is the hourly baseline integrated over exactly its minutes.
//! * **Past spikes do not become the baseline**: after warm-up each closed hour is stored
//!   capped at its own threshold, so a crisis raises next week's expectation only a little.
//! * **Once per episode**: after firing, the brand stays "in episode" until every window is
//!   back below `expected + reset_fraction·(threshold − expected)` (hysteresis), so a
//!   crisis hovering around its threshold fires once.
//! * **Warm-up**: nothing fires before [`SpikeParams::warmup_hours`] of history.
//!
//! On the synthetic series in `tests/it/alerts_detect.rs` and the replay set of
//! `benches/spike.rs`, balanced catches about as many incidents as Huginn's rule with
//! about seven times fewer false alarms (figures in the bench output).
//!
//! [`HuginnRule`] (mean + 3σ of the past 14 days of hourly counts, no seasonality, no
//! floor) is kept only as the baseline to beat in `benches/spike.rs`.

mod brand;
mod huginn;
pub mod model;
mod stats;
pub mod synth;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use huginn::{HUGINN_STD_MULTIPLE, HUGINN_WINDOW_DAYS, HuginnPeak, HuginnRule};

use brand::BrandState;

/// Default history kept per brand, in days.
pub const DEFAULT_HISTORY_DAYS: u32 = 28;
/// Default evaluation windows, in minutes (0 = unused slot).
pub const DEFAULT_WINDOWS_MIN: [u32; MAX_WINDOWS] = [60, 120, 0];
/// Most evaluation windows a detector evaluates.
pub const MAX_WINDOWS: usize = 3;
/// Longest evaluation window, in minutes (the size of the per-brand minute ring).
pub const MAX_WINDOW_MIN: u32 = 180;
/// Default floor of a window's expected count when judging its tail (never divide by ~0).
pub const DEFAULT_VARIANCE_FLOOR: f64 = 0.25;
/// Default hours of history before a brand can fire.
pub const DEFAULT_WARMUP_HOURS: u32 = 72;
/// Default hysteresis: an episode ends below expected + this fraction of the margin.
pub const DEFAULT_RESET_FRACTION: f64 = 0.5;
/// Default factor the negative share must rise by over the brand's usual share.
pub const DEFAULT_MIN_SHARE_RATIO: f64 = 1.3;

/// How eager a spike rule is; each preset is a documented [`SpikeParams`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Sensitivity {
    /// z 3.0, ≥ 4 negatives, ≥ 1.3× expected; 15/60/120-min windows (~0.4 false alarms
    /// per brand-week on the bench).
    Sensitive,
    /// z 3.25, ≥ 6 negatives, ≥ 1.5× expected; 60/120-min windows (~0.25 per brand-week).
    #[default]
    Balanced,
    /// z 4.0, ≥ 8 negatives, ≥ 2× expected; 60/120-min windows (~0.08 per brand-week).
    Conservative,
}

impl Sensitivity {
    /// All presets, most to least eager.
    pub const ALL: [Sensitivity; 3] = [
        Sensitivity::Sensitive,
        Sensitivity::Balanced,
        Sensitivity::Conservative,
    ];

    /// The documented parameters of this preset.
    pub fn params(self) -> SpikeParams {
        let base = SpikeParams {
            sensitivity: self,
            z: 3.25,
            min_count: 6,
            min_ratio: 1.5,
            history_days: DEFAULT_HISTORY_DAYS,
            windows_min: DEFAULT_WINDOWS_MIN,
            variance_floor: DEFAULT_VARIANCE_FLOOR,
            min_share_ratio: DEFAULT_MIN_SHARE_RATIO,
            warmup_hours: DEFAULT_WARMUP_HOURS,
            reset_fraction: DEFAULT_RESET_FRACTION,
            utc_offset_hours: 0,
        };
        match self {
            Sensitivity::Sensitive => SpikeParams {
                z: 3.0,
                min_count: 4,
                min_ratio: 1.3,
                windows_min: [15, 60, 120],
                ..base
            },
            Sensitivity::Balanced => base,
            Sensitivity::Conservative => SpikeParams {
                z: 4.0,
                min_count: 8,
                min_ratio: 2.0,
                ..base
            },
        }
    }

    /// The lowercase name used in config files.
    pub fn as_str(self) -> &'static str {
        match self {
            Sensitivity::Sensitive => "sensitive",
            Sensitivity::Balanced => "balanced",
            Sensitivity::Conservative => "conservative",
        }
    }
}

/// Tunable parameters of a [`SpikeDetector`]; start from [`Sensitivity::params`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpikeParams {
    /// The preset these parameters came from (reported in every [`Spike`]).
    pub sensitivity: Sensitivity,
    /// Tail size as a normal quantile: a window's chance crossings stay under Φ̄(z)/hour.
    pub z: f64,
    /// Negatives a window must hold, whatever the statistics say.
    pub min_count: u32,
    /// A window must hold at least this multiple of its expected count.
    pub min_ratio: f64,
    /// Days of hourly history the baseline learns from.
    pub history_days: u32,
    /// Rolling evaluation windows in minutes (0 = unused), each ≤ [`MAX_WINDOW_MIN`].
    pub windows_min: [u32; MAX_WINDOWS],
    /// Floor of a window's expected count (= Poisson variance) when judging its tail.
    pub variance_floor: f64,
    /// The negative share of a window must reach the usual share times this (0 = off).
    pub min_share_ratio: f64,
    /// Hours of history needed before anything fires.
    pub warmup_hours: u32,
    /// Hysteresis: an episode ends when every window is below
    /// `expected + reset_fraction·(threshold − expected)`.
    pub reset_fraction: f64,
    /// Offset added to UTC to get the brand's local hour (for the weekday/weekend split).
    pub utc_offset_hours: i32,
}

impl Default for SpikeParams {
    fn default() -> Self {
        Sensitivity::default().params()
    }
}

/// Why a [`SpikeParams`] was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpikeParamsError {
    /// z or min_ratio is not a positive finite number.
    #[error("spike rule: `{0}` must be a positive number; use a sensitivity preset's value")]
    NotPositive(&'static str),
    /// No window, or a window longer than the minute ring.
    #[error(
        "spike rule: windows must be 1..={MAX_WINDOW_MIN} minutes and at least one must be set; got {0:?}"
    )]
    Windows([u32; MAX_WINDOWS]),
    /// History too short to hold a week (the baseline is weekly).
    #[error("spike rule: history_days must be 7..=365 (got {0}); 28 is the default")]
    History(u32),
    /// reset_fraction outside 0..=1.
    #[error("spike rule: reset_fraction must be between 0 and 1 (got {0})")]
    ResetFraction(f64),
}

impl SpikeParams {
    /// Check the parameters; the detector refuses invalid ones.
    pub fn validate(&self) -> Result<(), SpikeParamsError> {
        for (name, v) in [
            ("z", self.z),
            ("min_ratio", self.min_ratio),
            ("variance_floor", self.variance_floor),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(SpikeParamsError::NotPositive(name));
            }
        }
        if !(self.min_share_ratio.is_finite() && self.min_share_ratio >= 0.0) {
            return Err(SpikeParamsError::NotPositive("min_share_ratio"));
        }
        let w = self.windows_min;
        if w.iter().all(|&m| m == 0) || w.iter().any(|&m| m > MAX_WINDOW_MIN) {
            return Err(SpikeParamsError::Windows(w));
        }
        if !(7..=365).contains(&self.history_days) {
            return Err(SpikeParamsError::History(self.history_days));
        }
        if !(0.0..=1.0).contains(&self.reset_fraction) {
            return Err(SpikeParamsError::ResetFraction(self.reset_fraction));
        }
        Ok(())
    }
}

/// One fired spike: "N negative mentions in the last hour vs a usual M".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spike {
    /// The brand in a spike.
    pub brand: String,
    /// When the detector fired (the `now` of the check).
    pub fired_at: DateTime<Utc>,
    /// Start of the window that fired (its end is `fired_at`).
    pub window_start: DateTime<Utc>,
    /// Negative mentions in that window.
    pub count: u32,
    /// Expected negatives in that window (the brand's usual level for that time).
    pub baseline: f64,
    /// The count the window had to reach.
    pub threshold: f64,
    /// (count − baseline) / σ, σ² = max(ψ·baseline, variance floor): how unusual it is.
    pub z: f64,
    /// The preset the rule runs at.
    pub sensitivity: Sensitivity,
}

/// Per-brand incremental spike detector: `observe` every mention, `check` when you like.
#[derive(Debug)]
pub struct SpikeDetector {
    params: SpikeParams,
    brands: HashMap<String, BrandState>,
}

impl SpikeDetector {
    /// A detector running one of the presets.
    pub fn new(sensitivity: Sensitivity) -> Self {
        SpikeDetector {
            params: sensitivity.params(),
            brands: HashMap::new(),
        }
    }

    /// A detector with custom parameters (checked first).
    pub fn with_params(params: SpikeParams) -> Result<Self, SpikeParamsError> {
        params.validate()?;
        Ok(SpikeDetector {
            params,
            brands: HashMap::new(),
        })
    }

    /// The parameters in force.
    pub fn params(&self) -> &SpikeParams {
        &self.params
    }

    /// Record one mention of `brand` published at `ts`.
    pub fn observe(&mut self, brand: &str, ts: DateTime<Utc>, is_negative: bool) {
        let secs = ts.timestamp();
        let state = match self.brands.get_mut(brand) {
            Some(s) => s,
            None => self
                .brands
                .entry(brand.to_owned())
                .or_insert_with(|| BrandState::new(&self.params, secs)),
        };
        state.observe(&self.params, secs, is_negative);
    }

    /// Is `brand` in a new spike at `now`? Fires once per episode.
    pub fn check(&mut self, brand: &str, now: DateTime<Utc>) -> Option<Spike> {
        let state = self.brands.get_mut(brand)?;
        let fired = state.check(&self.params, now.timestamp())?;
        Some(Spike {
            brand: brand.to_owned(),
            fired_at: now,
            window_start: DateTime::from_timestamp(fired.window_start, 0).unwrap_or(now),
            count: fired.count,
            baseline: fired.expected,
            threshold: fired.threshold,
            z: fired.z,
            sensitivity: self.params.sensitivity,
        })
    }

    /// `observe` then `check` at the mention's own time (what a replay does).
    pub fn observe_and_check(
        &mut self,
        brand: &str,
        ts: DateTime<Utc>,
        is_negative: bool,
    ) -> Option<Spike> {
        self.observe(brand, ts, is_negative);
        self.check(brand, ts)
    }

    /// The expected negatives for `brand` in the hour starting at `hour_start` (for emails
    /// and diagnostics); `None` for an unknown brand.
    pub fn expected_hour(&self, brand: &str, hour_start: DateTime<Utc>) -> Option<f64> {
        let state = self.brands.get(brand)?;
        Some(state.expected_hour(&self.params, hour_start.timestamp().div_euclid(3600)))
    }

    /// Number of brands tracked.
    pub fn brand_count(&self) -> usize {
        self.brands.len()
    }
}
