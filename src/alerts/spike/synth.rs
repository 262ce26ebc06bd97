//! Deterministic synthetic mention series for the spike tests, the bench and the demo.
//!
//! A seeded xorshift generator and a Poisson sampler are all it needs: the same seed
//! always gives the same series, so a test that passes once passes forever, and no
//! random-number crate is pulled into the library for it.

use chrono::{DateTime, Utc};

/// A small seeded pseudo-random generator (xorshift64*), not for cryptography.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (0 is replaced by a fixed non-zero seed).
    pub fn new(seed: u64) -> Self {
        Rng(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform integer in [0, n) (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u = self.unit().max(1e-300);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// Poisson with mean `lambda` (exact below 30, normal approximation above).
    pub fn poisson(&mut self, lambda: f64) -> u32 {
        if lambda <= 0.0 {
            return 0;
        }
        if lambda < 30.0 {
            let limit = (-lambda).exp();
            let mut k = 0u32;
            let mut p = self.unit();
            while p > limit {
                k += 1;
                p *= self.unit();
            }
            k
        } else {
            (lambda + lambda.sqrt() * self.normal()).round().max(0.0) as u32
        }
    }
}

/// One synthetic mention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SynthMention {
    /// Unix seconds of publication.
    pub secs: i64,
    /// Index of the brand in the caller's list.
    pub brand: u32,
    /// Whether the mention scored negative.
    pub negative: bool,
}

impl SynthMention {
    /// The publication time as a `DateTime`.
    pub fn at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.secs, 0).unwrap_or_default()
    }
}

/// Push `n` mentions of `brand` spread uniformly over the hour starting at `hour_start`.
pub fn spread_hour(
    rng: &mut Rng,
    out: &mut Vec<SynthMention>,
    brand: u32,
    hour_start: i64,
    n: u32,
    negative: bool,
) {
    for _ in 0..n {
        out.push(SynthMention {
            secs: hour_start + rng.below(3600) as i64,
            brand,
            negative,
        });
    }
}

/// Hours per week with the "office" rhythm: weekday 09:00–17:59 → `peak`, else 1.0.
pub fn office_factor(hour: i64, peak: f64) -> f64 {
    let how = super::model::hour_of_week(hour, 0);
    if how < 5 * 24 && (9..18).contains(&(how % 24)) {
        peak
    } else {
        1.0
    }
}

/// 2024-01-01 00:00 UTC, a Monday: where synthetic series start.
pub const MONDAY_2024: i64 = 1_704_067_200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_series() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn poisson_mean_is_close() {
        let mut r = Rng::new(42);
        for lambda in [0.5, 5.0, 80.0] {
            let n = 20_000;
            let sum: u64 = (0..n).map(|_| u64::from(r.poisson(lambda))).sum();
            let mean = sum as f64 / f64::from(n);
            assert!(
                (mean - lambda).abs() < lambda * 0.05 + 0.05,
                "{lambda}: {mean}"
            );
        }
    }
}
