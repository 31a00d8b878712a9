//! Robust statistics: medians, MAD spreads and a binned-median fit in
//! log–log space. Nothing here uses a mean, so a few bot rows cannot move
//! the norms they are measured against.

/// 1.4826 × MAD estimates σ for normally distributed data.
pub(crate) const MAD_TO_SIGMA: f64 = 1.482_6;

/// Natural log, to about 1e-8 relative, several times faster than
/// `f64::ln` (screening takes millions of logs). Finite `x > 0` only; other
/// inputs give NaN.
#[inline]
pub(crate) fn fast_ln(x: f64) -> f64 {
    if !(x > 0.0 && x.is_finite()) || x < f64::MIN_POSITIVE {
        return x.ln();
    }
    let bits = x.to_bits();
    let mut exponent = ((bits >> 52) & 0x7ff) as i64 - 1023;
    // Mantissa in [1, 2), folded into [√½, √2).
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        exponent += 1;
    }
    // ln m = 2 atanh t, t = (m − 1)/(m + 1), |t| < 0.172.
    let t = (m - 1.0) / (m + 1.0);
    let t2 = t * t;
    let series = 1.0 + t2 * (1.0 / 3.0 + t2 * (1.0 / 5.0 + t2 * (1.0 / 7.0 + t2 * (1.0 / 9.0))));
    exponent as f64 * std::f64::consts::LN_2 + 2.0 * t * series
}

/// A sorted window of values for running medians.
#[derive(Debug, Default)]
pub(crate) struct SortedWindow {
    values: Vec<f64>,
}

impl SortedWindow {
    pub(crate) fn with_capacity(n: usize) -> Self {
        SortedWindow {
            values: Vec::with_capacity(n),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }

    pub(crate) fn insert(&mut self, v: f64) {
        let i = self.values.partition_point(|x| x.total_cmp(&v).is_lt());
        self.values.insert(i, v);
    }

    /// Remove one copy of `v` (which must have been inserted).
    pub(crate) fn remove(&mut self, v: f64) {
        let i = self.values.partition_point(|x| x.total_cmp(&v).is_lt());
        debug_assert!(
            self.values
                .get(i)
                .is_some_and(|x| x.to_bits() == v.to_bits())
        );
        if i < self.values.len() {
            self.values.remove(i);
        }
    }

    pub(crate) fn median(&self) -> Option<f64> {
        let n = self.values.len();
        match n {
            0 => None,
            _ if n % 2 == 1 => Some(self.values[n / 2]),
            _ => Some(0.5 * (self.values[n / 2 - 1] + self.values[n / 2])),
        }
    }
}

/// Median of `values`, reordering them. `None` when empty.
pub(crate) fn median_in_place(values: &mut [f64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let mid = n / 2;
    let (left, m, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *m;
    if n % 2 == 1 {
        return Some(upper);
    }
    let lower = left.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some(0.5 * (lower + upper))
}

/// Median and robust σ (1.4826 × MAD, at least `floor`) of `values`,
/// reordering them and using `scratch` for the deviations.
pub(crate) fn median_sigma(
    values: &mut [f64],
    scratch: &mut Vec<f64>,
    floor: f64,
) -> Option<(f64, f64)> {
    let med = median_in_place(values)?;
    scratch.clear();
    scratch.extend(values.iter().map(|v| (v - med).abs()));
    let mad = median_in_place(scratch).unwrap_or(0.0);
    Some((med, (MAD_TO_SIGMA * mad).max(floor)))
}

/// A piecewise-linear curve through binned medians of (x, y), sorted by x.
/// In log spend × log viewers it follows saturation without assuming a
/// model family.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct BinnedFit {
    xs: Vec<f64>,
    ys: Vec<f64>,
}

/// Steepest and flattest slopes used beyond the outer bins (log–log:
/// viewers grow at most a little faster than spend, and never fall).
const MIN_END_SLOPE: f64 = 0.0;
const MAX_END_SLOPE: f64 = 1.5;

impl BinnedFit {
    /// Fit through `points` (reordered by x). Each bin holds about
    /// `per_bin` points, with between 2 and `max_bins` bins. `None` with
    /// fewer than `min_points` points.
    pub(crate) fn new(
        points: &mut [(f64, f64)],
        per_bin: usize,
        max_bins: usize,
        min_points: usize,
        scratch: &mut Vec<f64>,
    ) -> Option<Self> {
        let n = points.len();
        if n < min_points.max(2) {
            return None;
        }
        points.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let bins = (n / per_bin.max(1)).clamp(2, max_bins.max(2));
        let mut xs = Vec::with_capacity(bins);
        let mut ys = Vec::with_capacity(bins);
        for k in 0..bins {
            let bin = &points[k * n / bins..(k + 1) * n / bins];
            scratch.clear();
            scratch.extend(bin.iter().map(|p| p.0));
            let x = median_in_place(scratch)?;
            scratch.clear();
            scratch.extend(bin.iter().map(|p| p.1));
            let y = median_in_place(scratch)?;
            // Ties in x (many days at the same spend) merge into one knot.
            if let Some(&last) = xs.last()
                && x - last < 1e-9
            {
                let j = ys.len() - 1;
                ys[j] = 0.5 * (ys[j] + y);
                continue;
            }
            xs.push(x);
            ys.push(y);
        }
        Some(BinnedFit { xs, ys })
    }

    /// The fitted y at `x`: interpolated between knots, extended beyond them
    /// with the end segment's slope (clamped to a plausible range).
    pub(crate) fn at(&self, x: f64) -> f64 {
        let n = self.xs.len();
        if n == 1 {
            return self.ys[0];
        }
        let slope = |i: usize| (self.ys[i + 1] - self.ys[i]) / (self.xs[i + 1] - self.xs[i]);
        if x <= self.xs[0] {
            let s = slope(0).clamp(MIN_END_SLOPE, MAX_END_SLOPE);
            return self.ys[0] + s * (x - self.xs[0]);
        }
        if x >= self.xs[n - 1] {
            let s = slope(n - 2).clamp(MIN_END_SLOPE, MAX_END_SLOPE);
            return self.ys[n - 1] + s * (x - self.xs[n - 1]);
        }
        let i = self.xs.partition_point(|&k| k <= x) - 1;
        let t = (x - self.xs[i]) / (self.xs[i + 1] - self.xs[i]);
        self.ys[i] + t * (self.ys[i + 1] - self.ys[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_ln_matches_ln() {
        for x in [
            1e-300, 1e-5, 0.3, 0.5, 0.70712, 1.0, 1.41422, 2.0, 3.5, 1234.5, 2.9e6, 1e300,
        ] {
            let (a, b) = (fast_ln(x), x.ln());
            assert!((a - b).abs() <= 1e-8 * b.abs().max(1.0), "{x}: {a} vs {b}");
        }
        assert!(fast_ln(0.0).is_infinite() && fast_ln(-1.0).is_nan());
    }

    #[test]
    fn sorted_window_gives_running_medians() {
        let mut w = SortedWindow::with_capacity(4);
        for v in [5.0, 1.0, 3.0, 9.0] {
            w.insert(v);
        }
        assert_eq!(w.median(), Some(4.0));
        w.remove(9.0);
        assert_eq!((w.len(), w.median()), (3, Some(3.0)));
        w.remove(1.0);
        w.remove(3.0);
        w.remove(5.0);
        assert_eq!(w.median(), None);
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median_in_place(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median_in_place(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median_in_place(&mut []), None);
    }

    #[test]
    fn mad_sigma_ignores_outliers() {
        let mut v: Vec<f64> = (0..101).map(|i| f64::from(i) / 100.0).collect();
        v.push(1e9);
        v.push(1e9);
        let (med, sigma) = median_sigma(&mut v, &mut Vec::new(), 0.0).unwrap();
        assert!((med - 0.51).abs() < 0.011, "{med}");
        // Uniform on [0, 1]: MAD = 0.25, σ estimate ≈ 0.37.
        assert!((sigma - 0.3707).abs() < 0.02, "{sigma}");
        let (_, floored) = median_sigma(&mut [1.0, 1.0, 1.0], &mut Vec::new(), 0.05).unwrap();
        assert_eq!(floored, 0.05);
    }

    #[test]
    fn binned_fit_follows_a_concave_curve() {
        // y = sqrt(x) in log–log is a line of slope 0.5 … plus a bend.
        let mut pts: Vec<(f64, f64)> = (1..=400)
            .map(|i| {
                let x = f64::from(i).ln();
                (x, (1.0 - (-f64::from(i) / 150.0).exp()).ln())
            })
            .collect();
        let fit = BinnedFit::new(&mut pts, 40, 16, 10, &mut Vec::new()).unwrap();
        for i in [20, 100, 200, 390] {
            let x = f64::from(i).ln();
            let truth = (1.0 - (-f64::from(i) / 150.0).exp()).ln();
            assert!(
                (fit.at(x) - truth).abs() < 0.08,
                "{i}: {} vs {truth}",
                fit.at(x)
            );
        }
        // Beyond the last knot the slope is clamped at ≥ 0 (no falling norm).
        assert!(fit.at(10.0) >= fit.at(6.0) - 1e-12);
        assert!(BinnedFit::new(&mut pts[..5], 40, 16, 10, &mut Vec::new()).is_none());
    }
}
