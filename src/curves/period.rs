//! Rows that cover several days (weekly exports): from the curve of the
//! period's average day to the curve of a day.
//!
//! A weekly row holds the week's spend and viewers; divided by 7 they are
//! the average day's, and a curve fitted to them gives the expected viewers
//! of a week whose days spent *as that week's days did*. A concave curve
//! gives less for uneven days than for the same spend spread evenly
//! (Jensen), so the fitted curve lies below the daily curve by the factor
//!
//! ```text
//! κ(s) = E[v(s·u)] / v(s),   u = a day's spend ÷ its week's mean day
//! ```
//!
//! and a plan that spreads its spend evenly over days gets more than that
//! curve says, and overspends. The spread `u` inside a week is not in a
//! weekly export, so it is an assumption ([`WithinPeriod`]):
//!
//! - `Auto` (the default): a lane's days follow an AR(1) around its level;
//!   the day variance comes from successive weekly differences (a slow
//!   drift in the level is not spread; outlying weeks set aside) and the
//!   persistence φ from their lag-1 correlation pooled over the channel's
//!   lanes ([`persistence`]): independent days (φ = 0) unless a strong
//!   persistence shows. Independent days give the largest spread inside a
//!   week (`6/7` of the day variance, `3 ×` the variance of the weekly
//!   differences); a mild persistence, which weekly means hardly show,
//!   makes the correction too large.
//! - `Flat`: every day of a row spent the same (a team that sets its daily
//!   budget once a week): no correction.
//! - `Cv(c)`: the coefficient of variation of a day's spend inside its
//!   week is `c`.
//!
//! `u` is taken lognormal with mean 1 and that coefficient of variation,
//! κ is computed on the fitted curve's own shape at the lane's median paid
//! row, and the level divided by it ([`FittedCurve::rescale_level`]), so
//! the value, derivative, inverse and band stay one curve. A row of the
//! history is predicted as `κ × value` (what the backtest compares).

use serde::{Deserialize, Serialize};

use super::fitted::FittedCurve;

/// How daily spend varied inside a row that covers several days.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum WithinPeriod {
    /// Estimated from the rows (the default).
    #[default]
    Auto,
    /// Every day of a row spent the same: no correction.
    Flat,
    /// A day's spend has this coefficient of variation inside its row.
    Cv(f64),
}

impl WithinPeriod {
    /// `auto`, `flat` or a coefficient of variation (`0.3`).
    pub fn parse(text: &str) -> Result<WithinPeriod, String> {
        match text.trim() {
            "auto" => Ok(WithinPeriod::Auto),
            "flat" | "none" => Ok(WithinPeriod::Flat),
            t => match t.parse::<f64>() {
                Ok(c) if c.is_finite() && (0.0..=MAX_CV).contains(&c) => Ok(WithinPeriod::Cv(c)),
                _ => Err(format!(
                    "`{t}` is not `auto`, `flat` or a coefficient of variation between 0 and {MAX_CV}"
                )),
            },
        }
    }

    /// As [`WithinPeriod::parse`] reads it.
    pub fn label(&self) -> String {
        match self {
            WithinPeriod::Auto => "auto".into(),
            WithinPeriod::Flat => "flat".into(),
            WithinPeriod::Cv(c) => format!("{c}"),
        }
    }
}

/// Largest coefficient of variation of a day's spend inside its row that
/// is used (estimated or given).
pub const MAX_CV: f64 = 1.5;

/// Fewest pairs of consecutive paid rows behind an estimated spread.
pub const MIN_PAIRS: usize = 6;

/// What one lane's rows say about its spend from row to row: the
/// successive differences of consecutive paid rows (per-day spend ÷ the
/// lane's median paid row; differences beyond 4 robust sd set aside).
#[derive(Clone, Debug, Default)]
pub struct LaneDiffs {
    /// Mean squared relative difference.
    pub var_diff: f64,
    /// Σ δ_t δ_{t−1} and Σ δ² over the pairs of consecutive differences
    /// (for the persistence test pooled over a channel's lanes).
    pub lag_sum: f64,
    /// See `lag_sum`.
    pub lag_sq: f64,
    /// Pairs of consecutive differences.
    pub lag_pairs: usize,
    /// Median per-day spend of the paid rows, CNY.
    pub typical_cny: f64,
}

/// The lane's [`LaneDiffs`], or `None` with fewer than [`MIN_PAIRS`]
/// consecutive paid rows or for daily rows.
pub fn lane_diffs(spend: &[f64], dates: &[i32], period_days: u32) -> Option<LaneDiffs> {
    if period_days <= 1 {
        return None;
    }
    let n = spend.len().min(dates.len());
    let mut paid: Vec<f64> = spend[..n].iter().copied().filter(|s| *s > 0.0).collect();
    paid.sort_by(f64::total_cmp);
    let typical = median_sorted(&paid);
    if typical.is_nan() || typical <= 0.0 {
        return None;
    }
    let p = period_days as i32;
    // δ_j for rows j whose previous row is the period before, both paid.
    let mut diffs: Vec<Option<f64>> = vec![None; n];
    for j in 1..n {
        if spend[j] > 0.0 && spend[j - 1] > 0.0 && dates[j] - dates[j - 1] == p {
            diffs[j] = Some((spend[j] - spend[j - 1]) / typical);
        }
    }
    let mut abs: Vec<f64> = diffs.iter().flatten().map(|d| d.abs()).collect();
    if abs.len() < MIN_PAIRS {
        return None;
    }
    abs.sort_by(f64::total_cmp);
    let cut = 4.0 * 1.4826 * median_sorted(&abs);
    for d in diffs.iter_mut() {
        if d.is_some_and(|x| cut > 0.0 && x.abs() > cut) {
            *d = None;
        }
    }
    let kept: Vec<f64> = diffs.iter().flatten().copied().collect();
    let var_diff = kept.iter().map(|d| d * d).sum::<f64>() / kept.len().max(1) as f64;
    let (mut lag_sum, mut lag_sq, mut lag_pairs) = (0.0, 0.0, 0);
    for j in 1..n {
        if let (Some(a), Some(b)) = (diffs[j - 1], diffs[j]) {
            lag_sum += a * b;
            lag_sq += 0.5 * (a * a + b * b);
            lag_pairs += 1;
        }
    }
    Some(LaneDiffs {
        var_diff,
        lag_sum,
        lag_sq,
        lag_pairs,
        typical_cny: typical,
    })
}

/// `(1/P²) Σ_{i,j<P} φ^|kP + j − i|`: the covariance of two period means
/// `k` periods apart of an AR(1) day series of variance 1.
fn cross(phi: f64, p: u32, k: u32) -> f64 {
    let p = p as i64;
    let mut s = 0.0;
    for i in 0..p {
        for j in 0..p {
            s += phi.powi((k as i64 * p + j - i).unsigned_abs() as i32);
        }
    }
    s / (p * p) as f64
}

/// The lag-1 correlation of successive differences of period means when
/// the days follow an AR(1) of coefficient `phi` (−0.5 at 0).
fn diff_corr(phi: f64, p: u32) -> f64 {
    let (c0, c1, c2) = (cross(phi, p, 0), cross(phi, p, 1), cross(phi, p, 2));
    (2.0 * c1 - c0 - c2) / (2.0 * (c0 - c1))
}

/// Day-to-day persistence φ of the spend of a channel's lanes: 0 unless
/// the pooled lag-1 correlation of their successive differences is above
/// its value for independent days (−0.5) by more than 3 standard errors
/// (√(0.5 / n)); then the AR(1) coefficient that gives that correlation.
/// Weekly means hardly show a mild persistence (φ 0.5 moves the
/// correlation by 0.06), so only a strong one is found; a mild one leaves
/// the correction for independent days, an upper bound.
pub fn persistence(lanes: &[&LaneDiffs], period_days: u32) -> f64 {
    let (num, den, n) = lanes.iter().fold((0.0, 0.0, 0usize), |acc, d| {
        (acc.0 + d.lag_sum, acc.1 + d.lag_sq, acc.2 + d.lag_pairs)
    });
    if n < MIN_PAIRS || den <= 0.0 || period_days <= 1 {
        return 0.0;
    }
    let c = (num / den).clamp(-0.5, 0.999);
    if c <= -0.5 + 3.0 * (0.5 / n as f64).sqrt() {
        return 0.0;
    }
    let (mut lo, mut hi) = (0.0f64, 0.9999f64);
    if diff_corr(hi, period_days) <= c {
        return hi;
    }
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if diff_corr(mid, period_days) < c {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The coefficient of variation of a day's spend around its row's mean
/// day, for AR(1) days of coefficient `phi`: the day variance from the
/// successive differences (Var δ = 2σ²(C₀ − C₁)), its within-row share
/// 1 − C₀. At φ = 0: √(3 Var δ).
pub fn within_cv(d: &LaneDiffs, phi: f64, period_days: u32) -> f64 {
    let (c0, c1) = (cross(phi, period_days, 0), cross(phi, period_days, 1));
    let cv2 = d.var_diff * (1.0 - c0) / (2.0 * (c0 - c1)).max(1e-12);
    let cv = cv2.max(0.0).sqrt();
    if cv.is_finite() { cv.min(MAX_CV) } else { 0.0 }
}

/// κ = E[v(s·u)] / v(s) on `fc`'s curve (with its cap) for lognormal `u`
/// of mean 1 and coefficient of variation `cv`: 1 at `cv` 0, < 1 for a
/// concave curve. A 401-point rule over ±8 sd of the normal.
pub fn spread_factor(fc: &FittedCurve, spend: f64, cv: f64) -> f64 {
    spread_factor_of(|s| fc.value(s), spend, cv)
}

/// [`spread_factor`] of any curve `v`.
pub fn spread_factor_of(v: impl Fn(f64) -> f64, spend: f64, cv: f64) -> f64 {
    let at = v(spend);
    if !(cv > 0.0 && spend > 0.0 && at > 0.0) {
        return 1.0;
    }
    let sigma = (1.0 + cv * cv).ln().sqrt();
    let n = 400;
    let (lo, hi) = (-8.0, 8.0);
    let h = (hi - lo) / n as f64;
    let (mut num, mut den) = (0.0, 0.0);
    for k in 0..=n {
        let z = lo + h * k as f64;
        let w = (-0.5 * z * z).exp() * if k == 0 || k == n { 0.5 } else { 1.0 };
        let u = (sigma * z - 0.5 * sigma * sigma).exp();
        num += w * v(spend * u);
        den += w;
    }
    let k = num / den / at;
    if k.is_finite() && k > 0.0 { k } else { 1.0 }
}

fn median_sorted(v: &[f64]) -> f64 {
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// The spread of one fitted lane: the coefficient of variation assumed
/// inside a row and κ at the lane's median paid row, or `None` for daily
/// rows, `Flat`, or too few rows to estimate it (`phi`: the channel's
/// [`persistence`]).
pub fn lane_spread(
    fc: &FittedCurve,
    diffs: Option<&LaneDiffs>,
    phi: f64,
    period_days: u32,
    within: WithinPeriod,
) -> Option<(f64, f64)> {
    if period_days <= 1 {
        return None;
    }
    let d = diffs?;
    let cv = match within {
        WithinPeriod::Flat => return None,
        WithinPeriod::Cv(c) => c.min(MAX_CV),
        WithinPeriod::Auto => within_cv(d, phi, period_days),
    };
    Some((cv, spread_factor(fc, d.typical_cny, cv)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::Rng;

    #[test]
    fn spread_factor_is_exact_for_a_power_curve_and_one_for_a_line() {
        // v = c s^b, u lognormal of mean 1: E[u^b] = exp(b(b − 1)σ²/2).
        for (b, cv) in [(0.5, 0.3), (0.3, 0.8), (0.8, 1.2)] {
            let sigma2 = (1.0f64 + cv * cv).ln();
            let exact = (b * (b - 1.0) * sigma2 / 2.0).exp();
            let k = spread_factor_of(|s: f64| 3.0 * s.powf(b), 1_000.0, cv);
            assert!(
                (k / exact - 1.0).abs() < 1e-9,
                "b {b} cv {cv}: {k} vs {exact}"
            );
        }
        assert!((spread_factor_of(|s| 2.0 * s, 500.0, 0.7) - 1.0).abs() < 1e-9);
        assert_eq!(spread_factor_of(|s: f64| s.sqrt(), 500.0, 0.0), 1.0);
    }

    #[test]
    fn ar1_moments_of_period_means() {
        // Independent days: the covariance of a week's mean is 1/7, none
        // between weeks, and successive differences correlate at −1/2.
        assert!((cross(0.0, 7, 0) - 1.0 / 7.0).abs() < 1e-15);
        assert_eq!(cross(0.0, 7, 1), 0.0);
        assert!((diff_corr(0.0, 7) + 0.5).abs() < 1e-12);
        // A day series that never moves: every mean is the same.
        assert!((cross(1.0, 7, 0) - 1.0).abs() < 1e-12);
        // More persistence, more correlation (monotone: what the bisection
        // of `persistence` needs).
        let c: Vec<f64> = [0.0, 0.3, 0.6, 0.9, 0.99]
            .iter()
            .map(|&p| diff_corr(p, 7))
            .collect();
        assert!(c.windows(2).all(|w| w[0] < w[1]), "{c:?}");
        // Daily rows: nothing to correct.
        assert!(lane_diffs(&[1.0; 20], &(0..20).collect::<Vec<_>>(), 1).is_none());
    }

    /// Weekly means of `weeks` weeks of AR(1) days (mean 1000, sd 300)
    /// from `seed`.
    fn weekly_means(phi: f64, weeks: usize, seed: u64) -> (Vec<f64>, Vec<i32>, f64) {
        let mut rng = Rng::new(seed);
        let mut x = rng.normal();
        let mut means = Vec::new();
        let mut within = 0.0;
        for _ in 0..weeks {
            let mut days = [0.0; 7];
            for d in &mut days {
                x = phi * x + (1.0 - phi * phi).sqrt() * rng.normal();
                *d = 1_000.0 + 300.0 * x;
            }
            let m = days.iter().sum::<f64>() / 7.0;
            within += days.iter().map(|d| (d - m).powi(2)).sum::<f64>() / 7.0;
            means.push(m);
        }
        let dates = (0..weeks as i32).map(|w| 7 * w).collect();
        (means, dates, (within / weeks as f64).sqrt() / 1_000.0)
    }

    #[test]
    fn within_cv_recovers_the_spread_inside_weeks() {
        // 400 lanes of 52 weeks: the pooled estimate of the within-week
        // coefficient of variation (0.3 × √(6/7) = 0.278 for independent
        // days) within 3 %, per lane within 30 % for 95 % of lanes.
        for phi in [0.0, 0.9] {
            let lanes: Vec<(LaneDiffs, f64)> = (0..400)
                .map(|i| {
                    let (m, d, truth) = weekly_means(phi, 52, 1_000 + i);
                    (lane_diffs(&m, &d, 7).unwrap(), truth)
                })
                .collect();
            let refs: Vec<&LaneDiffs> = lanes.iter().map(|l| &l.0).collect();
            let p = persistence(&refs, 7);
            if phi == 0.0 {
                assert_eq!(p, 0.0);
            } else {
                assert!((0.8..0.95).contains(&p), "persistence {p}");
            }
            let est: Vec<f64> = lanes.iter().map(|l| within_cv(&l.0, p, 7)).collect();
            let truth: f64 = lanes.iter().map(|l| l.1).sum::<f64>() / 400.0;
            let mean = est.iter().sum::<f64>() / 400.0;
            assert!(
                (mean / truth - 1.0).abs() < 0.03,
                "φ {phi}: {mean} vs {truth}"
            );
            let close = est
                .iter()
                .filter(|e| (*e / truth - 1.0).abs() < 0.3)
                .count();
            assert!(close >= 380, "φ {phi}: {close} of 400 within 30 %");
        }
    }

    #[test]
    fn persistence_test_rarely_fires_on_independent_days() {
        // A channel of 10 lanes × 52 weeks of independent days: the 3-sd
        // test fires on ~0.13 % of channels; at most 4 of 400 here
        // (P(> 4) < 1e-3 for a rate of 0.5 %).
        let fired = (0..400u64)
            .filter(|c| {
                let lanes: Vec<LaneDiffs> = (0..10)
                    .map(|i| {
                        let (m, d, _) = weekly_means(0.0, 52, 50_000 + 10 * c + i);
                        lane_diffs(&m, &d, 7).unwrap()
                    })
                    .collect();
                persistence(&lanes.iter().collect::<Vec<_>>(), 7) > 0.0
            })
            .count();
        assert!(fired <= 4, "{fired} of 400 channels");
    }

    #[test]
    fn parse_and_label_round_trip() {
        for w in [
            WithinPeriod::Auto,
            WithinPeriod::Flat,
            WithinPeriod::Cv(0.35),
        ] {
            assert_eq!(WithinPeriod::parse(&w.label()), Ok(w));
        }
        assert!(WithinPeriod::parse("2.5").is_err());
        assert!(
            WithinPeriod::parse("weekly")
                .unwrap_err()
                .contains("`weekly`")
        );
    }
}
