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

/// Median of values already sorted ascending. `None` when empty.
pub(crate) fn median_sorted(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some(0.5 * (sorted[n / 2 - 1] + sorted[n / 2])),
    }
}

/// The lowest cluster of a lane's residuals: where its clean days sit when
/// bots (which only ever add viewers) sit above them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Split {
    /// Centre of the lowest cluster.
    pub center: f64,
    /// Its robust σ, from its lower half only (bots cannot reach it).
    pub sigma: f64,
    /// Share of the values at least `split_z` σ above the centre.
    pub upper_share: f64,
}

/// Half-width of the window the median shift of [`lowest_cluster`] moves,
/// in natural-log units (×1.65 either side).
pub(crate) const CLUSTER_HALF_WINDOW: f64 = 0.5;

/// The lowest cluster of `sorted` (ascending, finite): a median shift (the
/// window `centre ± half_window` moved to its own median until it stops)
/// started at the 10th percentile, so it climbs to the nearest mode from
/// below and never reaches a cluster 3 windows higher; σ is 1.4826 × the
/// median distance of the values below the centre (the cluster's lower
/// half, which bots cannot reach), at least `floor`. `None` with fewer than
/// `min_points` values.
pub(crate) fn lowest_cluster(
    sorted: &[f64],
    half_window: f64,
    floor: f64,
    split_z: f64,
    min_points: usize,
) -> Option<Split> {
    let n = sorted.len();
    if n < min_points.max(3) {
        return None;
    }
    let mut c = sorted[n / 10];
    for _ in 0..64 {
        let lo = sorted.partition_point(|&v| v < c - half_window);
        let hi = sorted.partition_point(|&v| v <= c + half_window);
        let Some(next) = median_sorted(&sorted[lo..hi]) else {
            break;
        };
        if (next - c).abs() <= 1e-12 {
            break;
        }
        c = next;
    }
    let below = sorted.partition_point(|&v| v < c);
    let sigma = match median_sorted(&sorted[..below]) {
        Some(q) if below >= 3 => (MAD_TO_SIGMA * (c - q)).max(floor),
        _ => floor,
    };
    let cut = c + split_z * sigma;
    let upper = n - sorted.partition_point(|&v| v < cut);
    Some(Split {
        center: c,
        sigma,
        upper_share: upper as f64 / n as f64,
    })
}

/// Theil–Sen slope of y on x: the median of the slopes between every two
/// points at least `min_dx` apart in x. `None` without such a pair.
pub(crate) fn theil_sen_slope(points: &[(f64, f64)], min_dx: f64) -> Option<f64> {
    let mut slopes = Vec::with_capacity(points.len() * points.len().saturating_sub(1) / 2);
    for (i, a) in points.iter().enumerate() {
        for b in &points[i + 1..] {
            let dx = b.0 - a.0;
            if dx.abs() >= min_dx {
                slopes.push((b.1 - a.1) / dx);
            }
        }
    }
    median_in_place(&mut slopes)
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
        Self::through(points, per_bin, 2, max_bins, min_points, None, scratch)
    }

    /// The same with at least `min_bins` bins (when there are as many
    /// points): a curve through few days that must still bend.
    pub(crate) fn with_min_bins(
        points: &mut [(f64, f64)],
        per_bin: usize,
        min_bins: usize,
        max_bins: usize,
        min_points: usize,
        scratch: &mut Vec<f64>,
    ) -> Option<Self> {
        Self::through(
            points, per_bin, min_bins, max_bins, min_points, None, scratch,
        )
    }

    /// The same through each bin's `q`-quantile of y instead of its median:
    /// with q = 0.1 it follows the clean days of a lane whose other days
    /// carry bots (which only ever raise y), whatever their share.
    pub(crate) fn low_quantile(
        points: &mut [(f64, f64)],
        per_bin: usize,
        max_bins: usize,
        min_points: usize,
        q: f64,
        scratch: &mut Vec<f64>,
    ) -> Option<Self> {
        Self::through(points, per_bin, 2, max_bins, min_points, Some(q), scratch)
    }

    fn through(
        points: &mut [(f64, f64)],
        per_bin: usize,
        min_bins: usize,
        max_bins: usize,
        min_points: usize,
        quantile: Option<f64>,
        scratch: &mut Vec<f64>,
    ) -> Option<Self> {
        let n = points.len();
        if n < min_points.max(2) {
            return None;
        }
        points.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let lo = min_bins.clamp(2, n);
        let bins = (n / per_bin.max(1)).clamp(lo, max_bins.max(lo));
        let mut xs = Vec::with_capacity(bins);
        let mut ys = Vec::with_capacity(bins);
        for k in 0..bins {
            let bin = &points[k * n / bins..(k + 1) * n / bins];
            scratch.clear();
            scratch.extend(bin.iter().map(|p| p.0));
            let x = median_in_place(scratch)?;
            scratch.clear();
            scratch.extend(bin.iter().map(|p| p.1));
            let y = match quantile {
                None => median_in_place(scratch)?,
                Some(q) if !scratch.is_empty() => {
                    let i = ((scratch.len() - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize;
                    *scratch.select_nth_unstable_by(i, f64::total_cmp).1
                }
                Some(_) => return None,
            };
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

    #[test]
    fn lowest_cluster_finds_the_clean_days_under_a_bot_majority() {
        // 30 % clean days around 0 (σ 0.2), 70 % bot days 1.6–3.4 higher;
        // 200 draws (a draw's σ estimate has a standard error of ≈ 0.04
        // with 90 clean days: 400 draws gave mean 0.205, worst centre 0.08).
        let mut rng = crate::synth::Rng::new(5);
        let mut sigmas = 0.0;
        for _ in 0..200 {
            let mut v: Vec<f64> = (0..300)
                .map(|i| {
                    let noise = 0.2 * rng.normal();
                    if i % 10 < 3 {
                        noise
                    } else {
                        noise + rng.range(1.6, 3.4)
                    }
                })
                .collect();
            v.sort_by(f64::total_cmp);
            let s = lowest_cluster(&v, CLUSTER_HALF_WINDOW, 0.08, 4.0, 12).unwrap();
            assert!(s.center.abs() < 0.12, "{s:?}");
            assert!((s.upper_share - 0.7).abs() < 0.015, "{s:?}");
            sigmas += s.sigma;
        }
        assert!((sigmas / 200.0 - 0.2).abs() < 0.015, "{}", sigmas / 200.0);
        // One population: the centre is its median, (almost) nothing is
        // "upper".
        for _ in 0..50 {
            let mut one: Vec<f64> = (0..300).map(|_| 0.2 * rng.normal()).collect();
            one.sort_by(f64::total_cmp);
            let s = lowest_cluster(&one, CLUSTER_HALF_WINDOW, 0.08, 4.0, 12).unwrap();
            assert!(s.center.abs() < 0.06 && s.upper_share < 0.02, "{s:?}");
        }
        let few = [0.0, 0.1, 0.2, 0.3, 0.4];
        assert!(lowest_cluster(&few, CLUSTER_HALF_WINDOW, 0.08, 4.0, 12).is_none());
    }

    #[test]
    fn theil_sen_ignores_a_few_wild_points() {
        let mut pts: Vec<(f64, f64)> = (0..40)
            .map(|i| (f64::from(i) / 10.0, 1.0 - 0.3 * f64::from(i) / 10.0))
            .collect();
        pts.push((1.0, 9.0));
        pts.push((2.0, 9.0));
        let b = theil_sen_slope(&pts, 0.05).unwrap();
        assert!((b + 0.3).abs() < 0.02, "{b}");
        assert_eq!(theil_sen_slope(&[(1.0, 1.0), (1.0, 2.0)], 0.05), None);
        assert_eq!(median_sorted(&[1.0, 2.0, 4.0, 8.0]), Some(3.0));
    }
}
