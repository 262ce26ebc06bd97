//! Count tails: how many mentions in a window are "too many" for a given expectation.
//!
//! Counts of mentions are Poisson-like, and a Poisson tail is much heavier than a normal
//! one at small means (P(X ≥ 12 | 5) is 0.5 %, a normal z of 3.1 says 0.1 %). Evaluating
//! windows at every mention multiplies those tails, so the threshold is the exact Poisson
//! quantile (normal with a skew correction for large means), stretched by the brand's
//! over-dispersion.

/// Expectations above this use the Cornish–Fisher approximation instead of summing.
const EXACT_BELOW: f64 = 60.0;

/// Upper-tail probability of the standard normal, P(Z ≥ z).
pub fn normal_tail(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// Complementary error function (Chebyshev fit, fractional error < 1.2e-7).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// The count a rolling window of `len_min` minutes must reach so that a Poisson(`mean`)
/// series, scanned continuously, crosses it by chance at most Φ̄(z) times an hour.
///
/// Scanning matters: a window re-evaluated at every mention crosses level k about
/// `(60/len)·(k − mean)·P(X ≥ k)` times an hour (Naus' approximation), far more often than
/// one fixed window would. So this is the smallest k with that rate ≤ Φ̄(z).
pub fn scan_threshold(mean: f64, z: f64, len_min: u32) -> f64 {
    let per_hour = 60.0 / f64::from(len_min.max(1));
    if mean <= 0.0 {
        return 1.0;
    }
    if mean >= EXACT_BELOW {
        // Normal with skew (Cornish–Fisher) at the z whose tail is the budget divided by
        // the scan factor; Φ̄(z) ≈ φ(z)/z, so dividing the tail by f adds 2·ln f to z².
        let mut z_eff = z;
        for _ in 0..4 {
            let factor = per_hour * (z_eff * mean.sqrt()).max(1.0);
            z_eff = (z * z + 2.0 * factor.ln()).max(0.0).sqrt();
        }
        let q = mean + mean.sqrt() * (z_eff + (z_eff * z_eff - 1.0) / (6.0 * mean.sqrt())) + 0.5;
        return q.ceil();
    }
    let budget = normal_tail(z);
    // tail = P(X ≥ k) = 1 − P(X ≤ k−1), accumulated from the pmf.
    let mut pmf = (-mean).exp();
    let mut cdf = 0.0f64;
    let mut k = 0.0f64;
    loop {
        let tail = 1.0 - cdf;
        if per_hour * (k - mean).max(1.0) * tail <= budget || k > mean + 40.0 * mean.sqrt() + 60.0 {
            return k.max(1.0);
        }
        cdf += pmf;
        k += 1.0;
        pmf *= mean / k;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_tail_matches_tables() {
        assert!((normal_tail(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_tail(1.96) - 0.025).abs() < 1e-4);
        assert!((normal_tail(4.0) / 3.167e-5 - 1.0).abs() < 1e-3);
        assert!((normal_tail(-1.0) - 0.841_344_7).abs() < 1e-6);
    }

    #[test]
    fn scan_threshold_small_means() {
        // 60-min window, mean 20: (40−20)·P(X ≥ 40) = 3.2e-4 ≤ Φ̄(3) = 1.35e-3.
        assert_eq!(scan_threshold(20.0, 3.0, 60), 40.0);
        // A 15-min window is scanned four times as often, so it needs more.
        assert!(scan_threshold(5.0, 3.0, 15) > scan_threshold(5.0, 3.0, 60));
        // Mean 0.25, z 4: 4.75·P(X ≥ 5) = 3.1e-5 ≤ Φ̄(4) = 3.2e-5.
        assert_eq!(scan_threshold(0.25, 4.0, 60), 5.0);
    }

    #[test]
    fn scan_threshold_is_continuous_across_the_switch() {
        for z in [2.75, 3.0, 4.0] {
            let below = scan_threshold(EXACT_BELOW - 0.01, z, 60);
            let above = scan_threshold(EXACT_BELOW, z, 60);
            assert!((below - above).abs() <= 2.0, "z {z}: {below} vs {above}");
        }
    }
}
