//! Beyond the history: the conservative curve a lane is planned on past its
//! highest observed day (issue 20 §5).
//!
//! Up to the highest daily spend in the history (the *edge*) the fitted
//! curve is trusted. Past it the data says nothing and the family decides
//! alone, and the P10–P90 band (parameter covariance plus the other
//! families' spread) widens. The conservative curve keeps the fitted value
//! at the edge and discounts every viewer bought past it by the band's
//! growth there:
//!
//! ```text
//! c(s) = f(s) · exp(−z₉₀ · max(0, sd(s) − sd(edge)))     (s > edge)
//! ```
//!
//! with `sd` the log-scale standard deviation of the band. It is the P10 of
//! the curve's *growth* beyond the edge: the level at the edge keeps its own
//! uncertainty (the band there), so `c` is continuous at the edge, never
//! above the fitted curve, and falls further below it the further the plan
//! goes. `c` is cut into chords on a geometric grid and each chord's slope
//! is kept no steeper than the one before (and than the fitted curve's at
//! the edge), so the result is concave and lies below `c`: the planner's
//! linear program stays a concave problem and never promises more than `c`.

use super::fitted::FittedCurve;

/// Chords of the conservative curve between the edge and the end of the
/// planned range (geometric grid).
pub const CONSERVATIVE_CHORDS: usize = 32;

/// z-score of the 90th percentile of a standard normal.
pub const Z90: f64 = 1.281_551_565_545;

/// How the viewers past the edge are discounted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Discount {
    /// The whole fitted value by the band's widening,
    /// `f(s)·e^(−z₉₀(sd(s) − sd(edge)))` (the first rule; kept for the
    /// calibration that compares the rules).
    Level,
    /// Only the growth past the edge, by `z` log-sds of the growth:
    /// `f(e) + (f(s) − f(e))·e^(−z·sd_G(s))`.
    Growth(f64),
}

/// How the lanes' growth errors are pooled into the plan's total.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pooling {
    /// Every lane at its own P10 (`z = z₉₀`).
    Lane,
    /// Independent lanes: lane `i` gets `z₉₀ · a_i / √Σa²`.
    Independent,
    /// Fully correlated within a channel, independent across channels:
    /// lane `i` of channel `c` gets `z₉₀ · A_c / √Σ_c A_c²`, `A_c = Σ_{i∈c} a_i`.
    Channel,
}

/// Each lane's `z` under `pooling`: `a[i]` is lane `i`'s absolute sd of its
/// growth past the edge (viewers/day), `group[i]` its channel. Under
/// `Independent` and `Channel` the discounts (`z_i · a_i`) add up to the
/// P10 of the total's growth, `z₉₀ · σ_total` (the Euler allocation of the
/// total's sd: each lane carries its share of it).
pub fn growth_discount_z(a: &[f64], group: &[usize], pooling: Pooling) -> Vec<f64> {
    let a: Vec<f64> = a
        .iter()
        .map(|x| if x.is_finite() { x.max(0.0) } else { 0.0 })
        .collect();
    match pooling {
        Pooling::Lane => vec![Z90; a.len()],
        Pooling::Independent => {
            let tot = a.iter().map(|x| x * x).sum::<f64>().sqrt();
            a.iter()
                .map(|x| if tot > 0.0 { Z90 * x / tot } else { Z90 })
                .collect()
        }
        Pooling::Channel => {
            let groups = group.iter().copied().max().map_or(0, |g| g + 1);
            let mut sum = vec![0.0; groups];
            for (x, &g) in a.iter().zip(group) {
                sum[g] += x;
            }
            let tot = sum.iter().map(|x| x * x).sum::<f64>().sqrt();
            group
                .iter()
                .map(|&g| if tot > 0.0 { Z90 * sum[g] / tot } else { Z90 })
                .collect()
        }
    }
}

impl FittedCurve {
    /// Highest daily spend in the history, CNY/day: where the data ends.
    pub fn support_edge_cny(&self) -> f64 {
        self.quality.spend_max_cny
    }

    /// Log-scale standard deviation of the band at `spend` (0 where the
    /// band is degenerate).
    pub fn band_sd_ln(&self, spend: f64) -> f64 {
        let (lo, mid, hi) = self.band(spend);
        if !(lo > 0.0 && hi > 0.0 && mid > 0.0) {
            return 0.0;
        }
        // Capped bands are squeezed from above; the lower half is the one
        // the conservative curve uses.
        let sd = (mid / lo).ln() / Z90;
        if sd.is_finite() { sd.max(0.0) } else { 0.0 }
    }

    /// Log-sd of the curve's *growth* past `edge` at `spend` (the value
    /// bought beyond the edge, `f(s) − f(edge)`): the band's widening
    /// `d = sd(s) − sd(edge)` is the log-sd of the ratio `r = f(s)/f(edge)`,
    /// and `ln(r − 1)` moves `r / (r − 1)` times as much as `ln r`.
    pub fn growth_sd_ln(&self, spend: f64, edge: f64) -> f64 {
        let (fe, fs) = (self.value(edge), self.value(spend));
        let d = (self.band_sd_ln(spend) - self.band_sd_ln(edge)).max(0.0);
        if !(fe > 0.0 && fs > fe && d > 0.0) {
            return 0.0;
        }
        let r = fs / fe;
        d * r / (r - 1.0)
    }

    /// The conservative value before it is made concave, under `rule`.
    fn conservative_raw(&self, spend: f64, edge: f64, sd_edge: f64, rule: Discount) -> f64 {
        let v = self.value(spend);
        if spend <= edge {
            return v;
        }
        match rule {
            Discount::Level => {
                let extra = (self.band_sd_ln(spend) - sd_edge).max(0.0);
                v * (-Z90 * extra).exp()
            }
            Discount::Growth(z) => {
                let fe = self.value(edge);
                let g = (v - fe).max(0.0);
                fe + g * (-z.max(0.0) * self.growth_sd_ln(spend, edge)).exp()
            }
        }
    }

    /// Points `(spend CNY/day, viewers/day)` of the concave piecewise-linear
    /// conservative curve from the edge ([`FittedCurve::support_edge_cny`])
    /// to `top` (CNY/day), the first at the edge with the fitted value.
    /// Empty when `top` is not past the edge or the edge is unknown.
    pub fn conservative_points(&self, top: f64) -> Vec<(f64, f64)> {
        self.conservative_points_from(self.support_edge_cny(), top)
    }

    /// [`FittedCurve::conservative_points`] from another edge (the planner's
    /// highest day of the lane, which counts every day of the history).
    pub fn conservative_points_from(&self, edge: f64, top: f64) -> Vec<(f64, f64)> {
        self.conservative_points_rule(edge, top, Discount::Level)
    }

    /// [`FittedCurve::conservative_points_from`] with the growth discounted
    /// under `rule` (the planner's: [`Discount::Growth`] at the lane's share
    /// of the plan's total, [`growth_discount_z`]).
    pub fn conservative_points_rule(&self, edge: f64, top: f64, rule: Discount) -> Vec<(f64, f64)> {
        if !(edge.is_finite() && edge > 0.0 && top.is_finite() && top > edge) {
            return Vec::new();
        }
        let sd_edge = self.band_sd_ln(edge);
        let f_edge = self.value(edge);
        let mut pts = vec![(edge, f_edge)];
        let mut slope_max = self.curve.derivative(edge);
        if !slope_max.is_finite() || slope_max < 0.0 {
            slope_max = 0.0;
        }
        let ratio = top / edge;
        let (mut s0, mut v0) = (edge, f_edge);
        for k in 1..=CONSERVATIVE_CHORDS {
            let s = if k == CONSERVATIVE_CHORDS {
                top
            } else {
                edge * ratio.powf(k as f64 / CONSERVATIVE_CHORDS as f64)
            };
            let raw = self.conservative_raw(s, edge, sd_edge, rule);
            let mut m = (raw - v0) / (s - s0);
            if !m.is_finite() || m < 0.0 {
                m = 0.0;
            }
            m = m.min(slope_max);
            // A chord that adds less than a millionth of the value is flat:
            // its slope would be rounding, and the next one could not be
            // kept below it.
            if m * (s - s0) < 1e-6 * v0.abs() {
                m = 0.0;
            }
            slope_max = m;
            let v = v0 + m * (s - s0);
            pts.push((s, v));
            (s0, v0) = (s, v);
        }
        pts
    }

    /// The conservative value at `spend` (CNY/day): the fitted value up to
    /// the edge, the concave conservative curve past it.
    pub fn conservative_value(&self, spend: f64) -> f64 {
        let edge = self.support_edge_cny();
        if spend.is_nan() || spend <= edge {
            return self.value(spend);
        }
        let pts = self.conservative_points(spend);
        pts.last().map_or_else(|| self.value(spend), |p| p.1)
    }
}

#[cfg(test)]
mod tests {
    use crate::curves::fit::{FitOptions, SeriesData, fit_series};
    use crate::curves::model::Model;
    use crate::curves::sim::{SynthSpec, generate};

    #[test]
    fn conservative_curve_is_continuous_concave_and_below_the_fit() {
        let truth = Model::Exp {
            vmax: 6_000.0,
            k_cny: 3_000.0,
        };
        let s = generate(&SynthSpec::new(truth, 1_500.0, 11));
        let data = SeriesData {
            spend_cny: &s.spend_cny,
            viewers: &s.viewers,
            weekday: &s.weekday,
            cap_viewers_per_day: None,
        };
        let out = fit_series(&data, &FitOptions::default(), None);
        let f = out.fitted().unwrap();
        let edge = f.support_edge_cny();
        assert!(edge > 0.0);
        let pts = f.conservative_points(4.0 * edge);
        assert_eq!(pts.len(), super::CONSERVATIVE_CHORDS + 1);
        assert_eq!(pts[0], (edge, f.value(edge)));
        assert!((pts.last().unwrap().0 - 4.0 * edge).abs() < 1e-9 * edge);
        let mut last_slope = f.curve.derivative(edge) * (1.0 + 1e-12);
        for w in pts.windows(2) {
            let m = (w[1].1 - w[0].1) / (w[1].0 - w[0].0);
            assert!(m >= 0.0 && m <= last_slope, "slope {m} after {last_slope}");
            last_slope = m;
            assert!(w[1].1 <= f.value(w[1].0) * (1.0 + 1e-12));
        }
        // The band widens past the edge, so the curve falls below the fit.
        let far = pts.last().unwrap().1;
        assert!(far < f.value(4.0 * edge) * 0.999, "{far}");
        assert_eq!(f.conservative_value(0.5 * edge), f.value(0.5 * edge));
        assert_eq!(f.conservative_value(4.0 * edge), far);
        assert!(f.conservative_points(edge).is_empty());
    }
}
