//! Summary statistics of the fit's days and residuals.

pub(super) fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Robust scale: 1.4826 × median absolute deviation from 0.
pub(super) fn mad_scale(r: &[f64]) -> f64 {
    let mut a: Vec<f64> = r.iter().map(|x| x.abs()).collect();
    1.4826 * median(&mut a)
}

/// Linear-interpolated percentile (`q` in 0..=1) of sorted data.
pub(super) fn percentile_sorted(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let pos = q * (v.len() - 1) as f64;
    let i = pos.floor() as usize;
    let j = (i + 1).min(v.len() - 1);
    let f = pos - i as f64;
    v[i] * (1.0 - f) + v[j] * f
}

pub(super) fn r2_log(resid: &[f64], y: &[f64]) -> f64 {
    let n = y.len().max(1) as f64;
    let mean = y.iter().sum::<f64>() / n;
    let ss_tot: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
    let ss_res: f64 = resid.iter().map(|r| r * r).sum();
    if ss_tot > 1e-12 * n {
        1.0 - ss_res / ss_tot
    } else {
        0.0
    }
}
