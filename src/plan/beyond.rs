//! Past a lane's highest observed day: the planner plans on a conservative
//! continuation of its curve (issue 20 §5; how it is built:
//! [`crate::curves::extrapolation`]).
//!
//! A lane with a [`Beyond`] is the fitted curve up to its edge (the highest
//! daily spend in the history) and the concave piecewise-linear
//! conservative curve from there on. The chords past the edge are the
//! points themselves (no linearisation error: the planner's curve *is* that
//! polyline), so the plan's expected viewers are exactly what the linear
//! program counted.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::input::Lane;
use super::segments::{Segment, SegmentOptions, segment_curve};
use crate::curves::FittedCurve;
use crate::curves::extrapolation::{Discount, Pooling, Z90, growth_discount_z};

/// The conservative continuation of a lane's curve past its edge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Beyond {
    /// Highest daily spend in the history, CNY/day: the fitted curve is used
    /// up to here.
    pub edge_cny_per_day: f64,
    /// `(spend CNY/day, viewers/day)` of a concave polyline, the first at
    /// the edge with the fitted curve's value; flat after the last point.
    pub points: Vec<(f64, f64)>,
}

impl Beyond {
    /// Viewers/day at `day` CNY/day, `None` at or below the edge.
    pub fn value(&self, day: f64) -> Option<f64> {
        if day.is_nan() || day <= self.edge_cny_per_day || self.points.len() < 2 {
            return None;
        }
        for w in self.points.windows(2) {
            let ((s0, v0), (s1, v1)) = (w[0], w[1]);
            if day <= s1 {
                return Some(v0 + (v1 - v0) * (day - s0) / (s1 - s0));
            }
        }
        self.points.last().map(|p| p.1)
    }

    /// Slope (viewers per CNY) just above `day`, `None` at or below the edge.
    pub fn slope(&self, day: f64) -> Option<f64> {
        if day.is_nan() || day < self.edge_cny_per_day || self.points.len() < 2 {
            return None;
        }
        for w in self.points.windows(2) {
            let ((s0, v0), (s1, v1)) = (w[0], w[1]);
            if day < s1 {
                return Some((v1 - v0) / (s1 - s0));
            }
        }
        Some(0.0)
    }

    /// Why the points cannot be planned on, if they cannot.
    pub(crate) fn check(&self, curve_at_edge: f64) -> Result<(), String> {
        let e = self.edge_cny_per_day;
        if !(e.is_finite() && e > 0.0) {
            return Err(format!("beyond-history edge {e} is not a positive spend"));
        }
        let Some(&(s0, v0)) = self.points.first() else {
            return Err("beyond-history curve has no points".into());
        };
        if s0 != e || (v0 - curve_at_edge).abs() > 1e-9 * curve_at_edge.abs().max(1.0) {
            return Err(format!(
                "beyond-history curve starts at ({s0}, {v0}), not at the edge ({e}, {curve_at_edge})"
            ));
        }
        let mut last_slope = f64::INFINITY;
        for w in self.points.windows(2) {
            let ((a, va), (b, vb)) = (w[0], w[1]);
            if !(b.is_finite() && vb.is_finite() && b > a) {
                return Err(format!(
                    "beyond-history points ({a}, {va}) → ({b}, {vb}) are not increasing in spend"
                ));
            }
            let m = (vb - va) / (b - a);
            if !(m >= 0.0 && m <= last_slope * (1.0 + 1e-9)) {
                return Err(format!(
                    "beyond-history curve is not concave and non-decreasing at {a} CNY/day"
                ));
            }
            last_slope = m;
        }
        Ok(())
    }

    /// Its chords from the edge to `end` CNY/day, split at `breaks`.
    pub(crate) fn chords(&self, end: f64, breaks: &[f64]) -> Vec<Segment> {
        let mut marks: Vec<f64> = self
            .points
            .iter()
            .map(|p| p.0)
            .chain(breaks.iter().copied())
            .filter(|&x| x > self.edge_cny_per_day && x < end)
            .chain([end])
            .collect();
        marks.sort_by(f64::total_cmp);
        marks.dedup();
        let mut out = Vec::with_capacity(marks.len());
        let (mut a, mut fa) = (self.edge_cny_per_day, self.points[0].1);
        for b in marks {
            let fb = self.value(b).unwrap_or(fa);
            out.push(Segment {
                start_cny_per_day: a,
                end_cny_per_day: b,
                viewers_per_cny: ((fb - fa) / (b - a)).max(0.0),
            });
            (a, fa) = (b, fb);
        }
        out
    }
}

impl Lane {
    /// Expected viewers/day at `day` CNY/day as the planner counts them:
    /// the fitted curve, the conservative one past the edge.
    pub fn value(&self, day: f64) -> f64 {
        self.beyond
            .as_ref()
            .and_then(|b| b.value(day))
            .unwrap_or_else(|| self.curve.value(day))
    }

    /// Cost of the next viewer at `day` CNY/day, CNY.
    pub fn marginal_cost(&self, day: f64) -> f64 {
        match self.beyond.as_ref().and_then(|b| b.slope(day)) {
            Some(m) if m > 0.0 => 1.0 / m,
            Some(_) => f64::INFINITY,
            None => self.curve.marginal_cost(day),
        }
    }

    /// Whether `day` CNY/day is past the edge, on the conservative curve.
    pub fn is_beyond_history(&self, day: f64) -> bool {
        self.beyond
            .as_ref()
            .is_some_and(|b| day > b.edge_cny_per_day * (1.0 + 1e-9) && b.points.len() > 1)
    }
}

impl Beyond {
    /// The same continuation with `factor` times the viewers (as
    /// [`crate::curves::Model::scale_level`]).
    pub fn scale_level(&mut self, factor: f64) {
        for p in &mut self.points {
            p.1 *= factor;
        }
    }

    /// The same continuation with viewers costing `factor` times as much.
    pub fn scale_cost(&mut self, factor: f64) {
        self.edge_cny_per_day *= factor;
        for p in &mut self.points {
            p.0 *= factor;
        }
    }
}

/// How the conservative curve past the highest day is made.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ConservativeRule {
    /// The whole value discounted by the band's widening, each lane at its
    /// own P10 (the first rule).
    Level,
    /// Only the growth past the highest day discounted, each lane by its
    /// share of the P10 of the plan's total growth under `Pooling`.
    Growth(Pooling),
}

/// The rule the planner uses (chosen by the calibration in
/// `tests/it/beyond.rs`; README "The band, checked after pooling; beyond
/// the history").
/// No rule won on all three measures (README); the first one stays: the
/// pooled growth rules cut the regret near the reach but let the plan fall
/// short 7–9 % past 3 × the highest day.
pub const CONSERVATIVE_RULE: ConservativeRule = ConservativeRule::Level;

/// Give every lane whose planned range goes past its highest day
/// (`history_multiple` > 1) the conservative curve of its fit there, under
/// [`CONSERVATIVE_RULE`]. `source[k]` is lane `k`'s index in `fits`.
pub fn attach_conservative(
    lanes: &mut [Lane],
    source: &[usize],
    fits: &[crate::curves::stage::CurveFit],
    history_multiple: f64,
) {
    attach_conservative_with(lanes, source, fits, history_multiple, CONSERVATIVE_RULE);
}

/// [`attach_conservative`] under another `rule`. Under
/// [`ConservativeRule::Growth`] each lane's growth sd is taken at the end of
/// its planned range (`history_multiple ×` its highest day) and the lanes'
/// `z` come from [`growth_discount_z`] over all lanes with a fit.
pub fn attach_conservative_with(
    lanes: &mut [Lane],
    source: &[usize],
    fits: &[crate::curves::stage::CurveFit],
    history_multiple: f64,
    rule: ConservativeRule,
) {
    let found: Vec<Option<(&FittedCurve, f64)>> = lanes
        .iter()
        .zip(source)
        .map(|(l, &i)| {
            let fc = fits.get(i).and_then(|f| f.outcome.fitted())?;
            let edge = l
                .history_max_spend_cny_per_day
                .filter(|e| e.is_finite() && *e > 0.0)?;
            Some((fc, edge))
        })
        .collect();
    let z: Vec<f64> = match rule {
        ConservativeRule::Level => vec![Z90; lanes.len()],
        ConservativeRule::Growth(pooling) => {
            let a: Vec<f64> = found
                .iter()
                .map(|x| {
                    x.map_or(0.0, |(fc, edge)| {
                        let top = history_multiple * edge;
                        let g = fc.value(top) - fc.value(edge);
                        (g.max(0.0) * fc.growth_sd_ln(top, edge)).max(0.0)
                    })
                })
                .collect();
            let mut names: BTreeMap<&str, usize> = BTreeMap::new();
            let group: Vec<usize> = lanes
                .iter()
                .map(|l| {
                    let n = names.len();
                    *names.entry(l.channel.as_str()).or_insert(n)
                })
                .collect();
            growth_discount_z(&a, &group, pooling)
        }
    };
    for ((l, x), z) in lanes.iter_mut().zip(found).zip(z) {
        let Some((fc, edge)) = x else {
            continue;
        };
        let discount = match rule {
            ConservativeRule::Level => Discount::Level,
            ConservativeRule::Growth(_) => Discount::Growth(z),
        };
        let points = fc.conservative_points_rule(edge, history_multiple * edge, discount);
        l.beyond = (points.len() > 1).then_some(Beyond {
            edge_cny_per_day: edge,
            points,
        });
    }
}

/// The lane's chords on `[0, end]` CNY/day with breakpoints at `breaks`:
/// the fitted curve's (within `opts.tolerance`) up to the edge, the
/// conservative polyline's past it.
pub fn lane_chords(l: &Lane, end: f64, breaks: &[f64], opts: &SegmentOptions) -> Vec<Segment> {
    match &l.beyond {
        Some(b) if b.points.len() > 1 && end > b.edge_cny_per_day => {
            let edge = b.edge_cny_per_day;
            let below: Vec<f64> = breaks.iter().copied().filter(|&x| x < edge).collect();
            let mut segs = segment_curve(&l.curve, edge, &below, opts);
            segs.extend(b.chords(end, breaks));
            segs
        }
        _ => segment_curve(&l.curve, end, breaks, opts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curves::{Curve, Model};
    use crate::plan::segments::pwl_value;

    fn lane() -> Lane {
        let model = Model::Exp {
            vmax: 1_000.0,
            k_cny: 500.0,
        };
        let mut l = Lane::new("r", "c", Curve::uncapped(model));
        let edge = 400.0;
        let fe = model.value(edge);
        l.beyond = Some(Beyond {
            edge_cny_per_day: edge,
            points: vec![(edge, fe), (600.0, fe + 100.0), (1_000.0, fe + 140.0)],
        });
        l.history_max_spend_cny_per_day = Some(edge);
        l
    }

    #[test]
    fn polyline_past_the_edge_is_what_the_segments_and_value_say() {
        let l = lane();
        let b = l.beyond.as_ref().unwrap();
        b.check(l.curve.value(400.0)).unwrap();
        assert_eq!(l.value(300.0), l.curve.value(300.0));
        let fe = l.curve.value(400.0);
        assert!((l.value(500.0) - (fe + 50.0)).abs() < 1e-9);
        assert!((l.value(800.0) - (fe + 120.0)).abs() < 1e-9);
        assert_eq!(l.value(2_000.0), fe + 140.0);
        assert!((l.marginal_cost(500.0) - 2.0).abs() < 1e-12);
        assert!((l.marginal_cost(700.0) - 10.0).abs() < 1e-12);
        assert_eq!(l.marginal_cost(1_000.0), f64::INFINITY);
        assert!(l.is_beyond_history(401.0) && !l.is_beyond_history(400.0));
        let segs = lane_chords(&l, 900.0, &[750.0], &SegmentOptions::default());
        for s in [100.0, 399.0, 450.0, 620.0, 750.0, 900.0] {
            let got = pwl_value(&segs, s);
            assert!(
                (got - l.value(s)).abs() <= 1e-3 * l.value(s) + 1e-9,
                "{s}: {got} vs {}",
                l.value(s)
            );
        }
        assert!(segs.iter().any(|s| s.end_cny_per_day == 750.0));
        assert_eq!(segs.last().unwrap().end_cny_per_day, 900.0);
        // Concave: chord slopes never rise.
        for w in segs.windows(2) {
            assert!(w[1].viewers_per_cny <= w[0].viewers_per_cny * (1.0 + 1e-9));
        }
    }

    #[test]
    fn bad_polylines_are_named() {
        let l = lane();
        let mut b = l.beyond.clone().unwrap();
        b.points[2].1 = b.points[1].1 + 500.0;
        let e = b.check(l.curve.value(400.0)).unwrap_err();
        assert!(e.contains("not concave"), "{e}");
        let mut b = l.beyond.clone().unwrap();
        b.points[0].1 += 1.0;
        assert!(b.check(l.curve.value(400.0)).unwrap_err().contains("edge"));
    }
}
