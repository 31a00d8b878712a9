//! Adaptive piecewise-linear cuts of a concave curve on the spend axis.
//!
//! Breakpoints lie on the curve, so each segment is a chord and the
//! piecewise-linear function `p` satisfies `p ≤ f`. For a chord over `[a, b]`
//! of a concave `f` with end slopes `f'(a) = p₀ ≥ m ≥ q = f'(b)` (`m` the
//! chord slope), the gap `f − chord` is at most the height of the triangle
//! made by the two end tangents: `h = (p₀ − m)(m − q)(b − a) / (p₀ − q)`.
//! A segment is accepted when `h ≤ tol · f(a)` (viewers short at any spend in
//! the segment, relative) and `h / m ≤ tol · a` (extra spend needed for any
//! viewer level, relative; the inverse curve is convex and its chord gap is
//! `h / m`). Both are rigorous upper bounds, so the true error is below `tol`
//! everywhere above the first breakpoint. A segment starting at 0 with a
//! finite slope `p₀` is accepted when `(p₀ − m) / m ≤ tol`. Curves with an
//! infinite slope at 0 get a first segment `[0, low]` with no guarantee.

use serde::{Deserialize, Serialize};

use crate::curves::{Curve, Model};

/// Default support limit: a lane is planned up to 1.5 × its highest daily
/// spend in the history (`[plan] max_extrapolation`).
pub const DEFAULT_MAX_EXTRAPOLATION: f64 = 1.5;

/// How curves are cut into linear segments.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SegmentOptions {
    /// Maximum relative linearisation error, both in viewers at a given spend
    /// and in spend needed for given viewers (0.001 = 0.1 %).
    pub tolerance: f64,
    /// Planned range ends where the curve reaches this fraction of its
    /// saturation level…
    pub saturation_fraction: f64,
    /// …or at this multiple of the lane's historical max daily spend (the
    /// support limit: beyond the history the fitted family decides alone),
    /// whichever is lower (and never beyond a reach cap).
    pub history_multiple: f64,
    /// For curves with an infinite slope at 0 (Hill a < 1, power b < 1) the
    /// first segment is `[0, low_fraction × range end]`; the error bound holds
    /// above it.
    pub low_fraction: f64,
    /// …but never below this spend, CNY/day (tiny first segments next to
    /// wide ones make the LP badly scaled; a few fen a day is no money).
    pub low_floor_cny_per_day: f64,
}

impl Default for SegmentOptions {
    fn default() -> Self {
        SegmentOptions {
            tolerance: 1e-3,
            saturation_fraction: 0.995,
            history_multiple: DEFAULT_MAX_EXTRAPOLATION,
            low_fraction: 1e-6,
            low_floor_cny_per_day: 0.01,
        }
    }
}

/// One chord of a curve, on the daily spend axis.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// Start of the segment, CNY/day.
    pub start_cny_per_day: f64,
    /// End of the segment, CNY/day.
    pub end_cny_per_day: f64,
    /// Chord slope: viewers/day per CNY/day (= viewers per CNY over any horizon).
    pub viewers_per_cny: f64,
}

impl Segment {
    /// Width, CNY/day.
    pub fn width_cny_per_day(&self) -> f64 {
        self.end_cny_per_day - self.start_cny_per_day
    }
}

/// Upper end of the planned daily-spend range of a curve: the lowest of the
/// reach-cap spend, the spend reaching `saturation_fraction` of saturation,
/// and `history_multiple ×` the historical max daily spend. `None` if none
/// applies (an uncapped power curve without history).
pub fn planned_range_cny_per_day(
    curve: &Curve,
    history_max_cny_per_day: Option<f64>,
    opts: &SegmentOptions,
) -> Option<f64> {
    let mut top = f64::INFINITY;
    if let Some(cs) = curve.cap_spend() {
        top = top.min(cs);
    }
    let sat = curve.model.saturation();
    if sat.is_finite()
        && let Some(s) = curve.model.inverse(opts.saturation_fraction * sat)
    {
        top = top.min(s);
    }
    if let Some(h) = history_max_cny_per_day
        && h > 0.0
    {
        top = top.min(opts.history_multiple * h);
    }
    (top.is_finite() && top > 0.0).then_some(top)
}

/// True when the model's slope at 0 is infinite (Hill a < 1, power b < 1).
pub fn infinite_slope_at_zero(model: &Model) -> bool {
    model.derivative(0.0).is_infinite()
}

/// Lower end of the range where the error bound is guaranteed, CNY/day:
/// `max(low_fraction × top, low_floor)` (at most `top`) for curves with an
/// infinite slope at 0, else 0.
pub fn guaranteed_from_cny_per_day(model: &Model, top: f64, opts: &SegmentOptions) -> f64 {
    if infinite_slope_at_zero(model) {
        (opts.low_fraction * top)
            .max(opts.low_floor_cny_per_day)
            .min(top)
    } else {
        0.0
    }
}

struct Probe<'a> {
    m: &'a Model,
    tol: f64,
    a: f64,
    fa: f64,
    pa: f64,
}

impl Probe<'_> {
    /// Whether the chord `[a, a + d]` meets the error bound; returns its
    /// value at the end.
    fn ok(&self, d: f64) -> (bool, f64) {
        let b = self.a + d;
        let fb = self.m.value(b);
        let m = (fb - self.fa) / d;
        if m.is_nan() || m <= 0.0 {
            return (false, fb);
        }
        if self.a == 0.0 {
            return ((self.pa - m) <= self.tol * m, fb);
        }
        let q = self.m.derivative(b);
        let den = self.pa - q;
        let h = if den > 0.0 {
            ((self.pa - m).max(0.0) * (m - q).max(0.0) / den) * d
        } else {
            0.0
        };
        (h <= self.tol * self.fa && h <= self.tol * self.a * m, fb)
    }
}

/// Cuts `curve` on `[0, top]` (CNY/day) into chords meeting `opts.tolerance`,
/// with a breakpoint at each of `extra_breaks` inside `(0, top)`.
pub fn segment_curve(
    curve: &Curve,
    top: f64,
    extra_breaks: &[f64],
    opts: &SegmentOptions,
) -> Vec<Segment> {
    let model = &curve.model;
    let mut out = Vec::new();
    if top.is_nan() || top <= 0.0 {
        return out;
    }
    let mut marks: Vec<f64> = extra_breaks
        .iter()
        .copied()
        .filter(|&x| x > 0.0 && x < top)
        .collect();
    let low = guaranteed_from_cny_per_day(model, top, opts);
    if low > 0.0 {
        marks.push(low);
    }
    marks.push(top);
    marks.sort_by(f64::total_cmp);
    marks.dedup();

    let mut a = 0.0_f64;
    let mut fa = 0.0_f64;
    let mut d = top * 1e-3;
    let push = |out: &mut Vec<Segment>, a: f64, b: f64, fa: f64, fb: f64| {
        out.push(Segment {
            start_cny_per_day: a,
            end_cny_per_day: b,
            viewers_per_cny: ((fb - fa) / (b - a)).max(0.0),
        });
    };
    for &mark in &marks {
        // The first segment of an infinite-slope curve: straight to `low`.
        if a == 0.0 && low > 0.0 {
            let fb = model.value(mark);
            push(&mut out, a, mark, fa, fb);
            d = mark;
            a = mark;
            fa = fb;
            continue;
        }
        while a < mark {
            let probe = Probe {
                m: model,
                tol: opts.tolerance,
                a,
                fa,
                pa: model.derivative(a),
            };
            let rest = mark - a;
            let (ok_all, f_mark) = probe.ok(rest);
            if ok_all || rest <= a * 1e-12 {
                push(&mut out, a, mark, fa, f_mark);
                d = d.max(rest * 0.5);
                a = mark;
                fa = f_mark;
                break;
            }
            // Bracket [lo_d ok, hi_d not ok] around the largest acceptable step.
            let mut step = d.min(rest);
            let (mut lo_d, mut f_lo, mut hi_d);
            let (ok, f) = probe.ok(step);
            if ok {
                lo_d = step;
                f_lo = f;
                hi_d = rest;
                loop {
                    step = (step * 2.0).min(rest);
                    if step >= rest {
                        break;
                    }
                    let (ok, f) = probe.ok(step);
                    if ok {
                        lo_d = step;
                        f_lo = f;
                    } else {
                        hi_d = step;
                        break;
                    }
                }
            } else {
                hi_d = step;
                loop {
                    step *= 0.5;
                    let (ok, f) = probe.ok(step);
                    if ok || step <= a.max(top) * 1e-14 {
                        lo_d = step;
                        f_lo = f;
                        break;
                    }
                    hi_d = step;
                }
            }
            for _ in 0..5 {
                let mid = 0.5 * (lo_d + hi_d);
                let (ok, f) = probe.ok(mid);
                if ok {
                    lo_d = mid;
                    f_lo = f;
                } else {
                    hi_d = mid;
                }
            }
            let b = a + lo_d;
            push(&mut out, a, b, fa, f_lo);
            d = lo_d;
            a = b;
            fa = f_lo;
        }
    }
    out
}

/// Value of the piecewise-linear approximation at `spend` CNY/day.
pub fn pwl_value(segments: &[Segment], spend: f64) -> f64 {
    segments
        .iter()
        .map(|s| {
            s.viewers_per_cny * (spend - s.start_cny_per_day).clamp(0.0, s.width_cny_per_day())
        })
        .sum()
}
