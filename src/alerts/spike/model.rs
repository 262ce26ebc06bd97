//! The seasonal baseline of one brand: hourly history and the expected count per hour.
//!
//! Refitted once per closed hour (O(history hours), about 700 steps), never per mention,
//! so a replay pays for it only once per brand-hour. The estimate is a three-level
//! shrinkage (empirical Bayes) because the data are sparse where it matters: overall rate
//! → hour-of-day × day class (weekday / weekend) → hour-of-week. Each level is a mean with
//! `k` pseudo-hours of its parent, and `k` is estimated from how much the slots really
//! differ beyond Poisson noise: a strong office rhythm is kept, a flat or quiet brand pools.

use super::SpikeParams;
use super::stats::scan_threshold;

/// Bounds of the pseudo-hours a level borrows from its parent (estimated per brand and level from its own data).
pub const K_BOUNDS: (f64, f64) = (0.25, 50.0);
/// Hours in the "recent" period the trend factor compares with the model.
pub const TREND_HOURS: i64 = 7 * 24;
/// Pseudo-mentions that keep the trend factor near 1 for quiet brands.
pub const TREND_PSEUDO: f64 = 5.0;
/// Bounds of the trend factor.
pub const TREND_BOUNDS: (f64, f64) = (0.5, 2.0);
/// Pseudo-mentions that keep the over-dispersion near 1 for quiet brands.
pub const PSI_PSEUDO: f64 = 20.0;
/// Newest closed hours left out of the fit, so that no evaluation window (≤ 180 min)
/// is ever judged against a baseline that already learnt from the window itself.
pub const FIT_LAG_HOURS: i64 = super::MAX_WINDOW_MIN.div_ceil(60) as i64;
/// A single hour adds at most this many Poisson variances to the dispersion estimate.
pub const RESID_CAP: f64 = 16.0;
/// Bounds of the over-dispersion factor ψ.
pub const PSI_BOUNDS: (f64, f64) = (1.0, 8.0);

const HOURS_PER_WEEK: usize = 168;

/// Hour of the week, Monday 00:00 = 0, for an absolute hour index (hours since the epoch).
pub fn hour_of_week(hour: i64, utc_offset_hours: i32) -> usize {
    // 1970-01-01 was a Thursday: 3 days after a Monday.
    (hour + i64::from(utc_offset_hours) + 72).rem_euclid(HOURS_PER_WEEK as i64) as usize
}

/// Whether an hour of the week falls on Saturday or Sunday.
fn is_weekend(how: usize) -> bool {
    how >= 5 * 24
}

/// Hourly counts of one brand over the history window, plus the hour still open.
#[derive(Debug)]
pub(crate) struct History {
    /// Negatives per closed hour (capped after warm-up), ring indexed by hour mod len.
    neg: Vec<u32>,
    /// All mentions per closed hour, same ring.
    tot: Vec<u32>,
    /// First hour this brand was seen (history never reaches before it).
    pub first_hour: i64,
    /// The open hour (not yet in the ring).
    pub cur_hour: i64,
    /// Negatives in the open hour.
    pub cur_neg: u32,
    /// All mentions in the open hour.
    pub cur_tot: u32,
}

impl History {
    pub fn new(hours: usize, first_hour: i64) -> Self {
        History {
            neg: vec![0; hours],
            tot: vec![0; hours],
            first_hour,
            cur_hour: first_hour,
            cur_neg: 0,
            cur_tot: 0,
        }
    }

    fn len(&self) -> i64 {
        self.neg.len() as i64
    }

    fn slot(&self, hour: i64) -> usize {
        hour.rem_euclid(self.len()) as usize
    }

    /// Oldest closed hour still in the ring.
    pub fn oldest(&self) -> i64 {
        self.first_hour.max(self.cur_hour - self.len())
    }

    /// Count a mention in `hour` (open or closed and still in the ring). Returns false
    /// when the hour is too old to matter.
    pub fn add(&mut self, hour: i64, negative: bool) -> bool {
        if hour == self.cur_hour {
            self.cur_tot += 1;
            self.cur_neg += u32::from(negative);
            true
        } else if hour < self.cur_hour && hour >= self.oldest() {
            let s = self.slot(hour);
            self.tot[s] += 1;
            self.neg[s] += u32::from(negative);
            true
        } else {
            false
        }
    }

    /// Close the open hour with `neg` stored in place of its negatives, open `to`, and
    /// zero the hours skipped in between.
    pub fn close_until(&mut self, to: i64, neg: u32) {
        let s = self.slot(self.cur_hour);
        self.neg[s] = neg;
        self.tot[s] = self.cur_tot;
        let gap = (to - self.cur_hour - 1).min(self.len());
        for h in (to - gap)..to {
            let s = self.slot(h);
            self.neg[s] = 0;
            self.tot[s] = 0;
        }
        self.cur_hour = to;
        self.cur_neg = 0;
        self.cur_tot = 0;
    }
}

/// Fitted baseline: expected negatives for each hour of the week, dispersion, usual share.
#[derive(Debug, Clone)]
pub(crate) struct Model {
    /// Expected negatives per hour, by hour of week, trend included.
    pub expected: [f64; HOURS_PER_WEEK],
    /// Over-dispersion ψ ≥ 1: variance = ψ·mean.
    pub psi: f64,
    /// Usual share of negatives among all mentions.
    pub share: f64,
    /// Closed hours the fit used.
    pub hours: i64,
}

impl Model {
    pub fn empty() -> Self {
        Model {
            expected: [0.0; HOURS_PER_WEEK],
            psi: 1.0,
            share: 0.5,
            hours: 0,
        }
    }

    /// Expected negatives in absolute hour `hour`.
    pub fn expected_hour(&self, hour: i64, p: &SpikeParams) -> f64 {
        self.expected[hour_of_week(hour, p.utc_offset_hours)]
    }

    /// Expected negatives in the minutes `first..=last` (absolute minute indices).
    pub fn expected_minutes(&self, first: i64, last: i64, p: &SpikeParams) -> f64 {
        let mut sum = 0.0;
        let mut h = first.div_euclid(60);
        while h * 60 <= last {
            let lo = first.max(h * 60);
            let hi = last.min(h * 60 + 59);
            sum += self.expected_hour(h, p) * (hi - lo + 1) as f64 / 60.0;
            h += 1;
        }
        sum
    }

    /// Standard deviation of a window count whose expectation is `e` (for reporting z).
    pub fn sigma(&self, e: f64, p: &SpikeParams) -> f64 {
        (self.psi * e).max(p.variance_floor).sqrt()
    }

    /// The count a window of `len_min` minutes with expectation `e` must reach to fire.
    pub fn threshold(&self, e: f64, len_min: u32, p: &SpikeParams) -> f64 {
        // Over-dispersed counts behave like Poisson *clusters* (a story and its syndicated
        // copies): mean/ψ clusters of ψ mentions each. Judge the cluster count, scale back.
        let mean = e.max(p.variance_floor);
        let stat = self.psi * scan_threshold(mean / self.psi, p.z, len_min);
        stat.max(f64::from(p.min_count)).max(p.min_ratio * e)
    }

    /// Refit from the closed hours of `h`.
    pub fn fit(h: &History, p: &SpikeParams) -> Model {
        let (from, to) = (h.oldest(), h.cur_hour - FIT_LAG_HOURS);
        let mut s_how = [0.0f64; HOURS_PER_WEEK];
        let mut n_how = [0.0f64; HOURS_PER_WEEK];
        let mut s_cls = [[0.0f64; 24]; 2];
        let mut n_cls = [[0.0f64; 24]; 2];
        let (mut s_all, mut t_all) = (0.0f64, 0.0f64);
        for hour in from..to {
            let s = h.slot(hour);
            let x = f64::from(h.neg[s]);
            let how = hour_of_week(hour, p.utc_offset_hours);
            let c = usize::from(is_weekend(how));
            s_how[how] += x;
            n_how[how] += 1.0;
            s_cls[c][how % 24] += x;
            n_cls[c][how % 24] += 1.0;
            s_all += x;
            t_all += f64::from(h.tot[s]);
        }
        let n = (to - from) as f64;
        let mut m = Model::empty();
        m.hours = to - from;
        if n <= 0.0 {
            return m;
        }
        let rate = s_all / n;
        let parent_rate = |_: usize| rate;
        let k_cls = shrink_strength(
            s_cls.as_flattened(),
            n_cls.as_flattened(),
            parent_rate,
            rate,
        );
        let mut cls = [0.0f64; 48];
        for (j, c) in cls.iter_mut().enumerate() {
            let (s, n) = (s_cls.as_flattened()[j], n_cls.as_flattened()[j]);
            *c = (s + k_cls * rate) / (n + k_cls);
        }
        let class_of = |how: usize| usize::from(is_weekend(how)) * 24 + how % 24;
        let k_how = shrink_strength(&s_how, &n_how, |how| cls[class_of(how)], rate);
        let mut base = [0.0f64; HOURS_PER_WEEK];
        for (how, b) in base.iter_mut().enumerate() {
            let parent = cls[class_of(how)];
            *b = (s_how[how] + k_how * parent) / (n_how[how] + k_how);
        }
        // Dispersion with each hour's share capped (one past crisis must not make a quiet
        // brand look noisy for four weeks); trend over the recent week.
        let (mut resid, mut mean_sum) = (0.0f64, 0.0f64);
        let (mut s_recent, mut e_recent) = (0.0f64, 0.0f64);
        for hour in from..to {
            let x = f64::from(h.neg[h.slot(hour)]);
            let e = base[hour_of_week(hour, p.utc_offset_hours)];
            resid += ((x - e) * (x - e)).min(RESID_CAP * e.max(1.0));
            mean_sum += e;
            if hour >= to - TREND_HOURS {
                s_recent += x;
                e_recent += e;
            }
        }
        m.psi = ((resid + PSI_PSEUDO) / (mean_sum + PSI_PSEUDO)).clamp(PSI_BOUNDS.0, PSI_BOUNDS.1);
        let trend = ((s_recent + TREND_PSEUDO) / (e_recent + TREND_PSEUDO))
            .clamp(TREND_BOUNDS.0, TREND_BOUNDS.1);
        for (e, b) in m.expected.iter_mut().zip(base) {
            *e = b * trend;
        }
        m.share = (s_all + 1.0) / (t_all + 2.0);
        m
    }
}

/// Pseudo-hours a level borrows from its parent, estimated from the data (empirical
/// Bayes, method of moments): k = rate / τ², where τ² is how much the slot means really
/// differ from their parents once Poisson noise (rate / n per slot) is taken out. A brand
/// with a strong rhythm gets k near 0 (its own slots are trusted), a quiet or flat brand a
/// large k (slots pool with their parent and stop chasing noise).
fn shrink_strength(sums: &[f64], counts: &[f64], parent: impl Fn(usize) -> f64, rate: f64) -> f64 {
    let (mut dev, mut noise, mut slots) = (0.0f64, 0.0f64, 0.0f64);
    for (j, (&s, &n)) in sums.iter().zip(counts).enumerate() {
        if n > 0.0 {
            let d = s / n - parent(j);
            dev += d * d;
            noise += parent(j).max(rate * 0.1) / n;
            slots += 1.0;
        }
    }
    if slots == 0.0 {
        return K_BOUNDS.1;
    }
    let tau2 = (dev - noise) / slots;
    if tau2 <= 0.0 {
        return K_BOUNDS.1;
    }
    (rate / tau2).clamp(K_BOUNDS.0, K_BOUNDS.1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::spike::Sensitivity;

    #[test]
    fn hour_of_week_starts_monday() {
        // 2024-01-01 00:00 UTC was a Monday.
        let monday = 1_704_067_200 / 3600;
        assert_eq!(hour_of_week(monday, 0), 0);
        assert_eq!(hour_of_week(monday + 24 * 6 + 3, 0), 147);
        assert!(is_weekend(hour_of_week(monday + 24 * 5, 0)));
        assert!(!is_weekend(hour_of_week(monday + 24 * 4 + 23, 0)));
        assert_eq!(hour_of_week(monday, 2), 2);
    }

    #[test]
    fn fit_learns_weekday_business_peak() {
        let p = Sensitivity::Balanced.params();
        let monday = 1_704_067_200 / 3600;
        let mut h = History::new(28 * 24, monday);
        for hour in monday..monday + 28 * 24 {
            let how = hour_of_week(hour, 0);
            let peak = !is_weekend(how) && (9..18).contains(&(how % 24));
            h.cur_neg = if peak { 10 } else { 2 };
            h.close_until(hour + 1, h.cur_neg);
        }
        let m = Model::fit(&h, &p);
        let mon10 = m.expected[10];
        let sun03 = m.expected[6 * 24 + 3];
        assert!((mon10 - 10.0).abs() < 0.5, "monday 10:00 expected {mon10}");
        assert!((sun03 - 2.0).abs() < 0.5, "sunday 03:00 expected {sun03}");
        assert!(m.psi >= 1.0);
    }

    #[test]
    fn quiet_brand_falls_back_to_overall_rate() {
        let p = Sensitivity::Balanced.params();
        let start = 1_704_067_200 / 3600;
        let mut h = History::new(28 * 24, start);
        for hour in start..start + 28 * 24 {
            // one negative a day, always at 14:00
            let neg = u32::from(hour % 24 == 14);
            h.close_until(hour + 1, neg);
        }
        let m = Model::fit(&h, &p);
        assert!(m.expected.iter().all(|&e| e < 1.0 && e > 0.0));
    }
}
