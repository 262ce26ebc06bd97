//! One brand's live state: a minute ring for the rolling windows, the hourly history, the
//! fitted model and the episode flag. Everything per mention is O(windows); refits happen
//! when an hour closes.

use super::model::{History, Model};
use super::{MAX_WINDOW_MIN, MAX_WINDOWS, SpikeParams};

const RING: usize = MAX_WINDOW_MIN as usize;
/// Marker for "no minute seen yet".
const NO_MINUTE: i64 = i64::MIN;

/// What a firing window looked like.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fired {
    /// Unix seconds of the window's first minute.
    pub window_start: i64,
    pub count: u32,
    pub expected: f64,
    pub threshold: f64,
    pub z: f64,
}

#[derive(Debug)]
pub(crate) struct BrandState {
    /// Negatives per minute, indexed by absolute minute mod RING.
    ring_neg: [u32; RING],
    /// All mentions per minute, same ring.
    ring_tot: [u32; RING],
    /// Newest minute the ring covers.
    head: i64,
    /// Running negatives per evaluation window ending at `head`.
    win_neg: [u32; MAX_WINDOWS],
    /// Running totals per evaluation window ending at `head`.
    win_tot: [u32; MAX_WINDOWS],
    history: History,
    model: Model,
    in_episode: bool,
}

impl BrandState {
    pub fn new(p: &SpikeParams, first_secs: i64) -> Self {
        BrandState {
            ring_neg: [0; RING],
            ring_tot: [0; RING],
            head: NO_MINUTE,
            win_neg: [0; MAX_WINDOWS],
            win_tot: [0; MAX_WINDOWS],
            history: History::new(p.history_days as usize * 24, first_secs.div_euclid(3600)),
            model: Model::empty(),
            in_episode: false,
        }
    }

    pub fn observe(&mut self, p: &SpikeParams, secs: i64, negative: bool) {
        self.advance(p, secs);
        let hour = secs.div_euclid(3600);
        if !self.history.add(hour, negative) {
            return;
        }
        let minute = secs.div_euclid(60);
        if self.head - minute >= RING as i64 {
            return;
        }
        let slot = minute.rem_euclid(RING as i64) as usize;
        self.ring_tot[slot] += 1;
        self.ring_neg[slot] += u32::from(negative);
        for (w, &len) in p.windows_min.iter().enumerate() {
            if len > 0 && minute > self.head - i64::from(len) {
                self.win_tot[w] += 1;
                self.win_neg[w] += u32::from(negative);
            }
        }
    }

    /// Move the clock forward to `secs`: slide the minute ring and close hours.
    fn advance(&mut self, p: &SpikeParams, secs: i64) {
        let hour = secs.div_euclid(3600);
        if hour > self.history.cur_hour {
            let neg = self.capped(p, self.history.cur_hour, self.history.cur_neg);
            self.history.close_until(hour, neg);
            self.model = Model::fit(&self.history, p);
        }
        let minute = secs.div_euclid(60);
        if self.head == NO_MINUTE || minute - self.head >= RING as i64 {
            self.ring_neg = [0; RING];
            self.ring_tot = [0; RING];
            self.win_neg = [0; MAX_WINDOWS];
            self.win_tot = [0; MAX_WINDOWS];
            self.head = self.head.max(minute);
            if self.head == NO_MINUTE {
                self.head = minute;
            }
            return;
        }
        while self.head < minute {
            let t = self.head + 1;
            for (w, &len) in p.windows_min.iter().enumerate() {
                if len > 0 {
                    let leaving = (t - i64::from(len)).rem_euclid(RING as i64) as usize;
                    self.win_neg[w] -= self.ring_neg[leaving];
                    self.win_tot[w] -= self.ring_tot[leaving];
                }
            }
            let slot = t.rem_euclid(RING as i64) as usize;
            self.ring_neg[slot] = 0;
            self.ring_tot[slot] = 0;
            self.head = t;
        }
    }

    /// The negatives stored for a closing hour: after warm-up, capped at the hour's own
    /// threshold so that a past spike does not become the new normal.
    fn capped(&self, p: &SpikeParams, hour: i64, neg: u32) -> u32 {
        if self.model.hours < i64::from(p.warmup_hours) {
            return neg;
        }
        let cap = self
            .model
            .threshold(self.model.expected_hour(hour, p), 60, p)
            .ceil();
        if f64::from(neg) > cap {
            cap as u32
        } else {
            neg
        }
    }

    pub fn expected_hour(&self, p: &SpikeParams, hour: i64) -> f64 {
        self.model.expected_hour(hour, p)
    }

    pub fn check(&mut self, p: &SpikeParams, now_secs: i64) -> Option<Fired> {
        self.advance(p, now_secs);
        if self.model.hours < i64::from(p.warmup_hours) {
            return None;
        }
        let required_share = if p.min_share_ratio > 0.0 {
            let s = self.model.share;
            (s * p.min_share_ratio).min((1.0 + s) / 2.0)
        } else {
            0.0
        };
        let mut best: Option<Fired> = None;
        let mut all_reset = true;
        for (w, &len) in p.windows_min.iter().enumerate() {
            if len == 0 {
                continue;
            }
            let first = self.head - i64::from(len) + 1;
            let e = self.model.expected_minutes(first, self.head, p);
            let thr = self.model.threshold(e, len, p);
            let count = self.win_neg[w];
            let c = f64::from(count);
            if c >= e + p.reset_fraction * (thr - e) {
                all_reset = false;
            }
            let share = c / f64::from(self.win_tot[w].max(1));
            if c >= thr && share >= required_share {
                let z = (c - e) / self.model.sigma(e, p);
                if best.is_none_or(|b| z > b.z) {
                    best = Some(Fired {
                        window_start: first * 60,
                        count,
                        expected: e,
                        threshold: thr.ceil(),
                        z,
                    });
                }
            }
        }
        if self.in_episode {
            if all_reset {
                self.in_episode = false;
            }
            return None;
        }
        if best.is_some() {
            self.in_episode = true;
        }
        best
    }
}
