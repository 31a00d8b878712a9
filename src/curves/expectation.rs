//! The expectation correction: from the log-scale fit (a median day) to the
//! expected viewers of the average day of a week.

use super::family::{Family, Shape};
use super::linalg::Vec9;
use super::lm::Prepared;

/// Viewers ÷ prediction ratios above `e^(4σ)` (σ the robust sd of the log
/// residuals) are outlier days and are left out of the expectation
/// correction, as the Huber loss sets them aside in the fit: for log-normal
/// noise this cut loses < 0.05 % of the mean up to σ = 0.6, and a 10×
/// bot day cannot inflate the level.
pub(crate) const SMEAR_CAP_SIGMAS: f64 = 4.0;

/// The retransformation from the log-scale fit (a median day) to expected
/// viewers: the mean over the fit days of viewers ÷ the fit's prediction
/// (Duan's smearing estimate on the viewer scale, so zero-viewer days count
/// as zero), outlier days beyond `e^(4σ)` left out; 1 when it cannot be
/// computed. Its sampling error is that of the level, which the intercepts'
/// covariance already carries (the two are one estimate).
pub(super) fn smearing(fam: Family, th: &Vec9, d: &Prepared, sigma: f64) -> f64 {
    let n = d.len();
    if n == 0 {
        return 1.0;
    }
    let sh = Shape::new(fam, [th[0], th[1]]);
    let cap = (SMEAR_CAP_SIGMAS * sigma.max(0.05)).exp();
    // Kernel weights around the middle of the spend range (Gaussian in log
    // spend, bandwidth 0.7 × its sd): where the family is not the true one
    // its curve bends differently, and a plain mean over all days would
    // carry that misfit into the level at typical spend (−0.6 % at σ 0.5,
    // −2 % on small-count lanes when the selection picked another family);
    // the kernel keeps ≈ 75 % of the days' weight.
    let mean_lns = d.mean_lns();
    let sd_lns = (d.lns.iter().map(|l| (l - mean_lns).powi(2)).sum::<f64>() / n as f64).sqrt();
    let h = SMEAR_BANDWIDTH * sd_lns;
    let q: Vec<f64> = (0..n)
        .map(|i| {
            let pred = (th[2 + d.wd[i] as usize] + sh.eval(d.s[i], d.lns[i]).0).exp();
            d.v[i] / pred
        })
        .collect();
    let w: Vec<f64> = (0..n)
        .map(|i| {
            if q[i].is_nan() || q[i] > cap {
                0.0
            } else if h > 1e-9 {
                (-0.5 * ((d.lns[i] - mean_lns) / h).powi(2)).exp()
            } else {
                1.0
            }
        })
        .collect();
    let sw: f64 = w.iter().sum();
    let mean = (0..n).map(|i| w[i] * q[i]).sum::<f64>() / sw;
    if sw > 0.0 && mean.is_finite() && mean > 0.0 {
        mean
    } else {
        1.0
    }
}

/// Bandwidth of the expectation correction's kernel, in sd of log spend.
const SMEAR_BANDWIDTH: f64 = 0.7;

/// Weekday factors normalised to arithmetic mean 1 (so the curve is the
/// average day of a week) and the log level of the expected average day,
/// given the smearing factor.
pub(super) fn expected_day(th: &Vec9, smear: f64) -> ([f64; 7], f64) {
    let (gm, level) = weekday_factors(th);
    let am = gm.iter().sum::<f64>() / 7.0;
    (gm.map(|f| f / am), level + am.ln() + smear.ln())
}

pub(super) fn weekday_factors(th: &Vec9) -> ([f64; 7], f64) {
    let level = th[2..].iter().sum::<f64>() / 7.0;
    let mut f = [1.0; 7];
    for (d, v) in f.iter_mut().enumerate() {
        *v = (th[2 + d] - level).exp();
    }
    (f, level)
}
