//! Planning day by day: each lane's horizon curve from its day curves, and
//! the split of a lane's horizon spend into the days.
//!
//! A lane's viewers on day `d` of the horizon are `v_d(s) = min(w_d · f(s),
//! cap)`: its average-day curve `f` times the day's factor `w_d` (the
//! fitted weekday effect, times a promotion effect on calendar days), never
//! above the reach cap. Spend on one day buys nothing on another, so the
//! best split of a lane's horizon spend `S` is `max Σ v_d(s_d)` over
//! `Σ s_d = S`: the sup-convolution of the concave day curves. Cut each day
//! curve into chords ([`super::segments`]); the sup-convolution of
//! piecewise-linear concave functions is exactly the merge of their chords
//! sorted by decreasing slope. So each lane enters the LP as one concave
//! chain (its day chords merged), every existing row (target, budget,
//! channel min/max/share/locks, room targets) keeps its meaning over the
//! horizon, and per-day limits shape the day curves before the merge: a
//! day's chords end at `min(support limit, saturation, reach cap,
//! max_daily_spend_cny)`. Solved, a lane's spend is split by filling its
//! merged chords in order ([`split`]).
//!
//! `min_daily_spend_cny` (a console's daily minimum: a day is either not
//! bought or bought at ≥ m) is semi-continuous, not convex. Each day curve
//! is replaced by its concave envelope on `{0} ∪ [m, top]`: one chord
//! from 0 to `m` (slope `v_d(m) / m`, above every later chord because `v_d`
//! is concave), then the curve. The LP over envelopes is a relaxation, so
//! its cost is a lower bound; its lanes' split leaves at most one day per
//! lane inside `(0, m)` (the lane's one partly filled chord), which [`split`]
//! repairs keeping the lane's total: skip that chord and fill the next
//! chords of bought days, or, when none is left, open that day at `m` by
//! taking the difference from the bought days' last chords. Only a lane
//! whose whole horizon spend is below one day's minimum cannot be repaired:
//! it is scheduled at the minimum on its best day and the excess is reported
//! (`excess_cny`). See the README, "The schedule".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::input::{Lane, PlanError, PlanRequest, finite};
use super::output::LaneBound;
use super::segments::{Segment, SegmentOptions, planned_range_cny_per_day, segment_curve};
use crate::curves::Curve;

/// Per-day limits of one channel, per room × channel and day, CNY/day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DailyLimits {
    /// Most a lane may spend in one day.
    pub max_daily_spend_cny: Option<f64>,
    /// Least a lane spends on a day it is bought at all.
    pub min_daily_spend_cny: Option<f64>,
}

impl DailyLimits {
    /// Whether any limit is set.
    pub fn is_set(&self) -> bool {
        self.max_daily_spend_cny.is_some() || self.min_daily_spend_cny.is_some_and(|m| m > 0.0)
    }
}

/// The day-by-day inputs of a request.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DaySpec {
    /// Per lane (aligned with the request's lanes), the factor of each day
    /// of the horizon on the lane's average-day curve.
    pub factors: Vec<Vec<f64>>,
    /// Per-day limits per channel name.
    pub daily: BTreeMap<String, DailyLimits>,
}

impl DaySpec {
    /// Every lane's day factors alike: `factors[lane]` repeated over `days`.
    pub fn uniform(per_lane: &[f64], days: usize) -> Self {
        DaySpec {
            factors: per_lane.iter().map(|&w| vec![w; days]).collect(),
            daily: BTreeMap::new(),
        }
    }

    pub(super) fn validate(&self, req: &PlanRequest) -> Result<(), PlanError> {
        let days = horizon_days(req.horizon_days)?;
        if self.factors.len() != req.lanes.len() {
            return Err(PlanError::BadRequest(format!(
                "day factors for {} lanes, but the request has {} lanes",
                self.factors.len(),
                req.lanes.len()
            )));
        }
        for (l, f) in req.lanes.iter().zip(&self.factors) {
            if f.len() != days {
                return Err(PlanError::BadLane {
                    room: l.room.clone(),
                    channel: l.channel.clone(),
                    reason: format!("{} day factors for a {days}-day horizon", f.len()),
                });
            }
            if let Some(w) = f.iter().find(|w| !(w.is_finite() && **w > 0.0)) {
                return Err(PlanError::BadLane {
                    room: l.room.clone(),
                    channel: l.channel.clone(),
                    reason: format!("day factor {w} is not a finite number > 0"),
                });
            }
        }
        for (ch, d) in &self.daily {
            if !req.lanes.iter().any(|l| &l.channel == ch) {
                return Err(PlanError::UnknownChannel {
                    channel: ch.clone(),
                });
            }
            let mx = d
                .max_daily_spend_cny
                .map(|v| finite(ch, "max_daily_spend_cny", v))
                .transpose()?;
            let mn = d
                .min_daily_spend_cny
                .map(|v| finite(ch, "min_daily_spend_cny", v))
                .transpose()?;
            if let (Some(mn), Some(mx)) = (mn, mx)
                && mn > mx
            {
                return Err(PlanError::MinAboveMax {
                    channel: ch.clone(),
                    min_cny: mn,
                    max_cny: mx,
                });
            }
        }
        Ok(())
    }
}

/// The whole number of days of a horizon planned day by day.
fn horizon_days(h: f64) -> Result<usize, PlanError> {
    let n = h.round();
    if (h - n).abs() > 1e-9 || n < 1.0 {
        return Err(PlanError::BadRequest(format!(
            "a day-by-day plan needs a whole number of days, got horizon_days = {h}"
        )));
    }
    Ok(n as usize)
}

/// What ends a day's chords.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum DayTop {
    /// The reach cap (viewers/day).
    ReachCap,
    /// `max_extrapolation ×` the lane's highest day.
    SupportLimit,
    /// Near saturation.
    RangeEnd,
    /// The channel's `max_daily_spend_cny`.
    DailyMax,
}

/// One merged chord: which day it belongs to and where on that day.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Piece {
    pub(crate) day: u32,
    /// Start on the day's spend axis, CNY.
    pub(crate) start_cny: f64,
    /// End, CNY.
    pub(crate) end_cny: f64,
    /// A daily minimum's chord `[0, m]`: bought whole or not at all.
    pub(crate) min_chord: bool,
}

/// A lane planned day by day.
#[derive(Clone, Debug)]
pub(crate) struct LaneDays {
    /// Each day's curve.
    pub(crate) curves: Vec<Curve>,
    /// Each day's factor on the lane's curve.
    pub(crate) factors: Vec<f64>,
    /// The lane's conservative curve past its highest day (its day `d`
    /// version is `factors[d]` times it, never above the reach cap).
    pub(crate) beyond: Option<super::beyond::Beyond>,
    /// Each day's chords end here, CNY/day, and why.
    pub(crate) tops: Vec<(f64, DayTop)>,
    /// The merged day chords, in order of decreasing slope (the lane's
    /// segments are blocks of them).
    pub(crate) pieces: Vec<Piece>,
    /// Daily minimum, CNY (0: none).
    pub(crate) min_daily_cny: f64,
    /// Daily maximum, CNY/day.
    pub(crate) max_daily_cny: Option<f64>,
}

/// The day curves of `lane` cut and merged: the lane's segments on the
/// average-day axis (width × horizon = CNY over the horizon) and the fine
/// day chords behind them. `max_total_cny` truncates the chain (a
/// channel's horizon maximum).
///
/// The day curves are `w_d · f` below their tops (a reach cap only moves a
/// day's top), so `f` is cut once, at half the tolerance, and each day's
/// chords are its chords with slopes times `w_d`, ended at the day's top
/// (the relative error bound is the same for every day). The merged chain
/// (`days × chords`) is then coarsened back to about the size of one curve:
/// consecutive chords become one while the chord of the block stays within
/// the other half of the tolerance of the merged chain (the triangle bound
/// of `segments`, which holds for any concave function). So the LP is the
/// size it was, and the error of its chain against the true horizon curve
/// stays below the tolerance.
pub(crate) fn lane_days(
    lane: &Lane,
    factors: &[f64],
    daily: DailyLimits,
    max_total_cny: f64,
    opts: &SegmentOptions,
) -> (Vec<Segment>, LaneDays) {
    let n = factors.len();
    let h = n as f64;
    let min_daily = daily.min_daily_spend_cny.unwrap_or(0.0).max(0.0);
    let mut curves = Vec::with_capacity(n);
    let mut tops = Vec::with_capacity(n);
    for &w in factors {
        let curve = Curve {
            model: lane.curve.model.scale_level(w),
            cap_viewers_per_day: lane.curve.cap_viewers_per_day,
        };
        let top = planned_range_cny_per_day(&curve, lane.history_max_spend_cny_per_day, opts)
            .unwrap_or(0.0);
        let kind = top_kind(&curve, lane.history_max_spend_cny_per_day, opts, top);
        let (top, kind) = match daily.max_daily_spend_cny {
            Some(mx) if mx < top => (mx, DayTop::DailyMax),
            _ => (top, kind),
        };
        curves.push(curve);
        tops.push((top, kind));
    }
    let half = SegmentOptions {
        tolerance: opts.tolerance * 0.5,
        ..*opts
    };
    let top_max = tops.iter().map(|t| t.0).fold(0.0, f64::max);
    let breaks: Vec<f64> = if min_daily > 0.0 {
        vec![min_daily]
    } else {
        vec![]
    };
    // The lane's chords (past its highest day, those of its conservative
    // curve): day d's are these with slopes times w_d.
    let uncapped = Curve::uncapped(lane.curve.model);
    let beyond = lane
        .beyond
        .clone()
        .filter(|b| b.points.len() > 1 && top_max > b.edge_cny_per_day);
    let base = match &beyond {
        Some(b) => {
            let edge = b.edge_cny_per_day;
            let below: Vec<f64> = breaks.iter().copied().filter(|&x| x < edge).collect();
            let mut segs = segment_curve(&uncapped, edge, &below, &half);
            segs.extend(b.chords(top_max, &breaks));
            segs
        }
        None => segment_curve(&uncapped, top_max, &breaks, &half),
    };
    let f_min = if min_daily > 0.0 {
        lane.curve.model.value(min_daily) / min_daily
    } else {
        0.0
    };
    // Day d's chords: (slope, piece), in order along the day's axis.
    let day_chords = |d: usize| -> Vec<(f64, Piece)> {
        let (top, _) = tops[d];
        let w = factors[d];
        let mut out = Vec::new();
        if !(top > 0.0 && top >= min_daily) {
            return out;
        }
        if min_daily > 0.0 {
            out.push((
                w * f_min,
                Piece {
                    day: d as u32,
                    start_cny: 0.0,
                    end_cny: min_daily,
                    min_chord: true,
                },
            ));
        }
        for sg in &base {
            let a = sg.start_cny_per_day.max(min_daily);
            let b = sg.end_cny_per_day.min(top);
            if b <= a {
                continue;
            }
            out.push((
                w * sg.viewers_per_cny,
                Piece {
                    day: d as u32,
                    start_cny: a,
                    end_cny: b,
                    min_chord: false,
                },
            ));
        }
        out
    };
    let per_day: Vec<Vec<(f64, Piece)>> = (0..n).map(day_chords).collect();
    // k-way merge by decreasing slope (ties: earlier day first); each day's
    // chords stay in their order whatever rounding does to their slopes.
    let total: usize = per_day.iter().map(Vec::len).sum();
    let mut heads = vec![0usize; n];
    let mut pieces = Vec::with_capacity(total);
    let mut slopes = Vec::with_capacity(total);
    let mut at = 0.0_f64;
    for _ in 0..total {
        let mut best: Option<usize> = None;
        for d in 0..n {
            if let Some(c) = per_day[d].get(heads[d])
                && best.is_none_or(|b| c.0 > per_day[b][heads[b]].0)
            {
                best = Some(d);
            }
        }
        let Some(d) = best else { break };
        let (slope, mut piece) = per_day[d][heads[d]];
        heads[d] += 1;
        let mut width = piece.end_cny - piece.start_cny;
        if at + width > max_total_cny {
            if piece.min_chord {
                // A daily minimum cannot be bought in part: no room is left
                // for this day.
                heads[d] = per_day[d].len();
                continue;
            }
            width = (max_total_cny - at).max(0.0);
            piece.end_cny = piece.start_cny + width;
        }
        if width <= 0.0 {
            break;
        }
        slopes.push(slope.max(0.0));
        pieces.push(piece);
        at += width;
        if at >= max_total_cny {
            break;
        }
    }
    let segs = coarsen(&pieces, &slopes, h, half.tolerance);
    (
        segs,
        LaneDays {
            curves,
            factors: factors.to_vec(),
            beyond,
            tops,
            pieces,
            min_daily_cny: min_daily,
            max_daily_cny: daily.max_daily_spend_cny,
        },
    )
}

impl LaneDays {
    /// Expected viewers of day `d` at `x` CNY: the day's curve, or past the
    /// lane's highest day its conservative curve times the day's factor
    /// (never above the reach cap).
    pub(crate) fn day_value(&self, d: usize, x: f64) -> f64 {
        let c = &self.curves[d];
        match self.beyond.as_ref().and_then(|b| b.value(x)) {
            Some(v) => {
                let v = self.factors[d] * v;
                c.cap_viewers_per_day.map_or(v, |cap| v.min(cap))
            }
            None => c.value(x),
        }
    }
}

/// Blocks of consecutive chords of a concave chain (`pieces` with their
/// `slopes`, in order) as single chords on the average-day axis, each
/// within `tol` of the chain: at a start `a > 0` with value `F(a)`, a block
/// `[a, b]` with first slope `p`, last slope `q` and chord slope `m` is
/// accepted when the triangle bound `(p − m)(m − q)(b − a) / (p − q)` is at
/// most `tol · F(a)` and `tol · a · m` (as `segments` accepts a chord of a
/// curve); from 0, when `p − m ≤ tol · m`.
fn coarsen(pieces: &[Piece], slopes: &[f64], h: f64, tol: f64) -> Vec<Segment> {
    let mut out = Vec::new();
    let (mut a, mut fa) = (0.0_f64, 0.0_f64);
    let mut i = 0;
    while i < pieces.len() {
        let p = slopes[i];
        let (mut b, mut fb) = (a, fa);
        let mut j = i;
        while j < pieces.len() {
            let w = pieces[j].end_cny - pieces[j].start_cny;
            let (nb, nfb) = (b + w, fb + w * slopes[j]);
            if j > i {
                let m = (nfb - fa) / (nb - a);
                let q = slopes[j];
                let ok = if a == 0.0 {
                    p - m <= tol * m
                } else {
                    let gap = if p > q {
                        (p - m).max(0.0) * (m - q).max(0.0) * (nb - a) / (p - q)
                    } else {
                        0.0
                    };
                    gap <= tol * fa && gap <= tol * a * m
                };
                if !ok {
                    break;
                }
            }
            b = nb;
            fb = nfb;
            j += 1;
        }
        out.push(Segment {
            start_cny_per_day: a / h,
            end_cny_per_day: b / h,
            viewers_per_cny: if b > a { (fb - fa) / (b - a) } else { 0.0 },
        });
        a = b;
        fa = fb;
        i = j;
    }
    out
}

fn top_kind(curve: &Curve, hist: Option<f64>, opts: &SegmentOptions, top: f64) -> DayTop {
    if let Some(cs) = curve.cap_spend()
        && top >= cs * (1.0 - 1e-12)
    {
        return DayTop::ReachCap;
    }
    if let Some(h) = hist
        && h > 0.0
        && top >= opts.history_multiple * h * (1.0 - 1e-12)
    {
        return DayTop::SupportLimit;
    }
    DayTop::RangeEnd
}

/// A lane's horizon spend split into its days, on the true day curves.
#[derive(Clone, Debug, PartialEq)]
pub struct DaySplit {
    /// Spend of each day, CNY.
    pub spend_cny: Vec<f64>,
    /// Expected viewers of each day.
    pub viewers: Vec<f64>,
    /// Spend the schedule needs beyond the lane's planned total to honour a
    /// daily minimum (only when the total is below one day's minimum), CNY.
    pub excess_cny: f64,
    /// Cost of the next viewer on the cheapest day to add to, CNY/viewer
    /// (`INFINITY` when every day is at its top).
    pub marginal_cost: f64,
    /// Days at their top, with what ends them.
    pub(crate) at_top: Vec<(usize, DayTop)>,
}

/// Split `spend_cny` (the lane's horizon total) over its days: its merged
/// chords filled in order, daily minimums repaired (module doc), spend
/// beyond every chord (a minimum forced it) spread evenly.
pub(crate) fn split(ld: &LaneDays, spend_cny: f64) -> DaySplit {
    let n = ld.curves.len();
    let mut s = vec![0.0; n];
    let mut rem = spend_cny.max(0.0);
    let mut closed = vec![false; n];
    let mut skipped: Option<usize> = None;
    let mut filled: Vec<usize> = Vec::new();
    for (k, p) in ld.pieces.iter().enumerate() {
        if rem <= 0.0 {
            break;
        }
        let d = p.day as usize;
        if closed[d] {
            continue;
        }
        let w = p.end_cny - p.start_cny;
        if p.min_chord && w > rem * (1.0 + 1e-12) {
            closed[d] = true;
            skipped.get_or_insert(k);
            continue;
        }
        let take = w.min(rem);
        s[d] += take;
        rem -= take;
        filled.push(k);
    }
    let mut excess = 0.0;
    if rem > spend_cny * 1e-12 && rem > 1e-9 {
        if let Some(k) = skipped {
            // Open the skipped day at its minimum, taking the difference
            // from the bought days' last chords (never below a minimum).
            let p = ld.pieces[k];
            let mut need = (p.end_cny - p.start_cny) - rem;
            for &j in filled.iter().rev() {
                if need <= 0.0 {
                    break;
                }
                let q = ld.pieces[j];
                if q.min_chord {
                    continue;
                }
                let d = q.day as usize;
                let have = (s[d] - q.start_cny).clamp(0.0, q.end_cny - q.start_cny);
                let give = have.min(need);
                s[d] -= give;
                need -= give;
            }
            s[p.day as usize] = p.end_cny;
            excess = need.max(0.0);
        } else {
            // Beyond every chord: spread evenly (it buys no modelled viewers).
            for x in &mut s {
                *x += rem / n as f64;
            }
        }
    }
    let viewers: Vec<f64> = (0..n).map(|d| ld.day_value(d, s[d])).collect();
    let mut best_slope = 0.0_f64;
    let mut at_top = Vec::new();
    for (d, ((&x, &(top, kind)), curve)) in s.iter().zip(&ld.tops).zip(&ld.curves).enumerate() {
        if x >= top * (1.0 - 1e-6) && top > 0.0 {
            at_top.push((d, kind));
            continue;
        }
        if top <= 0.0 || top < ld.min_daily_cny {
            continue;
        }
        let slope = if x <= 0.0 && ld.min_daily_cny > 0.0 {
            curve.value(ld.min_daily_cny) / ld.min_daily_cny
        } else {
            match ld.beyond.as_ref().and_then(|b| b.slope(x)) {
                Some(m) => ld.factors[d] * m,
                None => curve.derivative(x),
            }
        };
        best_slope = best_slope.max(slope);
    }
    DaySplit {
        spend_cny: s,
        viewers,
        excess_cny: excess,
        marginal_cost: if best_slope > 0.0 {
            1.0 / best_slope
        } else {
            f64::INFINITY
        },
        at_top,
    }
}

impl DayTop {
    pub(crate) fn bound(self) -> LaneBound {
        match self {
            DayTop::ReachCap => LaneBound::ReachCap,
            DayTop::SupportLimit => LaneBound::SupportLimit,
            DayTop::RangeEnd => LaneBound::RangeEnd,
            DayTop::DailyMax => LaneBound::DailyMax,
        }
    }
}

/// The day-by-day spec of a fitted run: each lane's fitted weekday factors
/// over the horizon from `start_day` (a daily history), or every day alike
/// when the history is weekly (its weekdays are unknown) and only per-day
/// limits ask for days. `None` when neither applies.
pub fn day_spec(
    prepared: &super::stage::Prepared,
    fits: &[crate::curves::stage::CurveFit],
    period_days: u32,
    start_day: i32,
    horizon_days: usize,
    daily: BTreeMap<String, DailyLimits>,
) -> Option<DaySpec> {
    use crate::contract::calendar::weekday;
    if horizon_days == 0 {
        return None;
    }
    if period_days != 1 {
        return (!daily.is_empty()).then(|| DaySpec {
            daily,
            ..DaySpec::uniform(&vec![1.0; prepared.lanes.len()], horizon_days)
        });
    }
    let factors = prepared
        .source
        .iter()
        .map(|&i| {
            let w = fits
                .get(i)
                .and_then(|f| f.outcome.fitted())
                .map_or([1.0; 7], |f| f.weekday_factors);
            (0..horizon_days)
                .map(|d| {
                    let x = w[weekday(start_day + d as i32) as usize];
                    if x.is_finite() && x > 0.0 { x } else { 1.0 }
                })
                .collect()
        })
        .collect();
    Some(DaySpec { factors, daily })
}

/// The even-spread request of a day-by-day one: each lane spends the same
/// every day. Its day curves are then alike, each lane's mean day factor
/// on its average-day curve (with no per-day limits: the lane's curve
/// scaled, every day alike as before day-by-day plans). `None` when
/// `request` is not day by day.
pub fn even_request(request: &PlanRequest) -> Option<PlanRequest> {
    let spec = request.days.as_ref()?;
    let mean: Vec<f64> = spec
        .factors
        .iter()
        .map(|f| f.iter().sum::<f64>() / f.len().max(1) as f64)
        .collect();
    let mut even = request.clone();
    if spec.daily.values().any(DailyLimits::is_set) {
        let days = spec.factors.first().map_or(0, Vec::len);
        even.days = Some(DaySpec {
            daily: spec.daily.clone(),
            ..DaySpec::uniform(&mean, days)
        });
    } else {
        even.days = None;
        for (l, &m) in even.lanes.iter_mut().zip(&mean) {
            if (m - 1.0).abs() > 1e-12 {
                l.curve.model = l.curve.model.scale_level(m);
                if let Some(b) = &mut l.beyond {
                    b.scale_level(m);
                }
            }
        }
    }
    Some(even)
}

/// The schedule against the even-spread plan of the same request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScheduleSummary {
    /// First day of the horizon, `YYYY-MM-DD`.
    pub start_date: String,
    /// Days planned.
    pub days: usize,
    /// The even-spread plan's status (`optimal` / `infeasible`).
    pub even_status: super::output::PlanStatus,
    /// The even-spread plan's spend, CNY.
    pub even_spend_cny: f64,
    /// Its expected viewers.
    pub even_viewers: f64,
    /// Its expected metric (viewers, orders or GMV CNY).
    pub even_metric_value: f64,
    /// Cheapest-plan mode, both plans optimal: even-spread spend − the
    /// schedule's spend, CNY (positive: the schedule is cheaper).
    pub saving_cny: Option<f64>,
    /// The saving over the even-spread spend (0.01 = 1 %).
    pub saving_fraction: Option<f64>,
    /// Most-for-a-budget mode: the schedule's metric − the even spread's.
    pub extra_metric_value: Option<f64>,
    /// Spend the schedule adds beyond the plan to honour daily minimums
    /// (lanes whose whole spend is below one day's minimum), CNY.
    pub daily_min_excess_cny: f64,
    /// The horizon's promotion days (a calendar's), each with the channels
    /// it covers and the lifts planned with; empty without any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub promotions: Vec<PromotionDay>,
}

/// One promotion day of the horizon.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PromotionDay {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The calendar entry's name.
    pub name: String,
    /// Channels of the plan it covers, in the plan's order.
    pub channels: Vec<String>,
    /// The lift planned with per covered channel that has one (others are
    /// planned as everyday days).
    pub lifts: Vec<(String, f64)>,
}

/// The schedule of `plan` against `even` (the same request spread evenly).
pub fn compare(
    plan: &super::output::Plan,
    even: &super::output::Plan,
    start_day: i32,
) -> ScheduleSummary {
    use super::output::{PlanMode, PlanStatus};
    let both = plan.status == PlanStatus::Optimal && even.status == PlanStatus::Optimal;
    let min_mode = plan.mode == PlanMode::MinSpend;
    let saving = (both && min_mode).then_some(even.totals.spend_cny - plan.totals.spend_cny);
    let excess: f64 = plan
        .lanes
        .iter()
        .filter(|l| !l.daily_spend_cny.is_empty())
        .map(|l| (l.daily_spend_cny.iter().sum::<f64>() - l.spend_cny).max(0.0))
        .sum();
    ScheduleSummary {
        start_date: crate::contract::calendar::format_date(start_day),
        days: plan.horizon_days.round() as usize,
        even_status: even.status,
        even_spend_cny: even.totals.spend_cny,
        even_viewers: even.totals.viewers,
        even_metric_value: even.totals.metric_value,
        saving_cny: saving,
        saving_fraction: saving
            .filter(|_| even.totals.spend_cny > 0.0)
            .map(|s| s / even.totals.spend_cny),
        extra_metric_value: (both && !min_mode)
            .then_some(plan.totals.metric_value - even.totals.metric_value),
        daily_min_excess_cny: if excess > 1e-6 { excess } else { 0.0 },
        promotions: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curves::Model;
    use crate::plan::{PlanStatus, solve};

    fn lanes() -> Vec<Lane> {
        let lane = |room: &str, channel: &str, model: Model, hist: f64| Lane {
            history_max_spend_cny_per_day: Some(hist),
            ..Lane::new(room, channel, Curve::uncapped(model))
        };
        vec![
            lane(
                "r1",
                "a",
                Model::Exp {
                    vmax: 20_000.0,
                    k_cny: 8_000.0,
                },
                12_000.0,
            ),
            lane(
                "r1",
                "b",
                Model::Hill {
                    vmax: 15_000.0,
                    k_cny: 5_000.0,
                    a: 0.8,
                },
                9_000.0,
            ),
            lane("r2", "a", Model::Power { c: 30.0, b: 0.6 }, 6_000.0),
        ]
    }

    /// Weekday-like factors (mean 1 each), different per lane.
    fn factors() -> Vec<Vec<f64>> {
        vec![
            vec![0.7, 0.8, 0.9, 1.0, 1.1, 1.3, 1.2],
            vec![1.3, 1.2, 1.1, 1.0, 0.9, 0.8, 0.7],
            vec![1.0, 1.0, 0.9, 0.9, 1.0, 1.6, 0.6],
        ]
    }

    /// One day's curve as the oracle sees it: the true curve, its top.
    struct TrueDay {
        curve: Curve,
        top: f64,
    }

    fn true_days(lanes: &[Lane], factors: &[Vec<f64>], max_daily: Option<f64>) -> Vec<TrueDay> {
        let opts = SegmentOptions::default();
        lanes
            .iter()
            .zip(factors)
            .flat_map(|(l, f)| {
                f.iter().map(move |&w| {
                    let curve = Curve {
                        model: l.curve.model.scale_level(w),
                        cap_viewers_per_day: l.curve.cap_viewers_per_day,
                    };
                    let top =
                        planned_range_cny_per_day(&curve, l.history_max_spend_cny_per_day, &opts)
                            .unwrap()
                            .min(max_daily.unwrap_or(f64::INFINITY));
                    TrueDay { curve, top }
                })
            })
            .collect()
    }

    /// The exact optimum on the true curves, another way: at a price λ (CNY
    /// per viewer) each day buys up to where its marginal cost reaches λ
    /// (bisection on the spend, the derivative falling), and λ is bisected
    /// until the days' viewers make the target. Returns (spend, viewers).
    fn oracle(days: &[TrueDay], target: f64) -> (f64, f64) {
        let at = |lambda: f64| -> (f64, f64) {
            let mut spend = 0.0;
            let mut viewers = 0.0;
            for d in days {
                let s = if d.curve.derivative(d.top) * lambda >= 1.0 {
                    d.top
                } else if d.curve.derivative(0.0) * lambda <= 1.0 {
                    0.0
                } else {
                    let (mut lo, mut hi) = (0.0, d.top);
                    for _ in 0..200 {
                        let mid = 0.5 * (lo + hi);
                        if d.curve.derivative(mid) * lambda > 1.0 {
                            lo = mid;
                        } else {
                            hi = mid;
                        }
                    }
                    0.5 * (lo + hi)
                };
                spend += s;
                viewers += d.curve.value(s);
            }
            (spend, viewers)
        };
        let (mut lo, mut hi) = (1e-6_f64, 1e6_f64);
        for _ in 0..200 {
            let mid = (lo * hi).sqrt();
            if at(mid).1 < target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        at(hi)
    }

    fn request(target: f64, days: Option<DaySpec>) -> PlanRequest {
        PlanRequest {
            lanes: lanes(),
            horizon_days: 7.0,
            target: Some(target),
            days,
            ..PlanRequest::default()
        }
    }

    fn target() -> f64 {
        lanes()
            .iter()
            .map(|l| {
                7.0 * l
                    .curve
                    .value(0.6 * l.history_max_spend_cny_per_day.unwrap())
            })
            .sum()
    }

    /// The known answer: on the true curves the schedule costs what the
    /// exact day-by-day optimum costs, the even spread what the exact even
    /// optimum costs, and the saving is their difference; each within the
    /// chords' tolerance (0.1 % of viewers and of spend).
    #[test]
    fn schedule_saves_what_the_true_curves_say() {
        let t = target();
        let spec = DaySpec {
            factors: factors(),
            daily: BTreeMap::new(),
        };
        let req = request(t, Some(spec.clone()));
        let plan = solve(&req).unwrap();
        assert_eq!(plan.status, PlanStatus::Optimal);
        let even = solve(&even_request(&req).unwrap()).unwrap();

        let (best, _) = oracle(&true_days(&lanes(), &factors(), None), t);
        let mean: Vec<Vec<f64>> = factors()
            .iter()
            .map(|f| vec![f.iter().sum::<f64>() / 7.0; 7])
            .collect();
        let (best_even, _) = oracle(&true_days(&lanes(), &mean, None), t);
        let true_saving = best_even - best;
        assert!(
            true_saving > 0.01 * best_even,
            "{true_saving} of {best_even}"
        );

        // The schedule's days on the true day curves: its viewers, and that
        // no split of its spend does better than the oracle's.
        let days = true_days(&lanes(), &factors(), None);
        let mut viewers = 0.0;
        let mut spend = 0.0;
        for (i, l) in plan.lanes.iter().enumerate() {
            assert_eq!(l.daily_spend_cny.len(), 7);
            for (d, &s) in l.daily_spend_cny.iter().enumerate() {
                let day = &days[i * 7 + d];
                assert!(
                    s <= day.top * (1.0 + 1e-9),
                    "lane {i} day {d}: {s} > {}",
                    day.top
                );
                viewers += day.curve.value(s);
                spend += s;
            }
            let sum: f64 = l.daily_spend_cny.iter().sum();
            assert!((sum - l.spend_cny).abs() <= 1e-6 * l.spend_cny.max(1.0));
        }
        assert!((viewers - plan.totals.viewers).abs() <= 1e-9 * viewers);
        assert!(viewers >= t * (1.0 - 1e-9), "{viewers} < {t}");
        let (best_at_viewers, _) = oracle(&days, viewers);
        assert!(
            spend >= best_at_viewers * (1.0 - 1e-9),
            "beats the optimum?"
        );
        let tol = 2e-3;
        assert!(
            (spend - best).abs() <= tol * best,
            "schedule {spend} vs optimum {best}"
        );
        assert!(
            (even.totals.spend_cny - best_even).abs() <= tol * best_even,
            "even {} vs optimum {best_even}",
            even.totals.spend_cny
        );
        let s = compare(&plan, &even, 0);
        let saving = s.saving_cny.unwrap();
        eprintln!(
            "schedule {spend:.0} (optimum {best:.0}), even {:.0} (optimum {best_even:.0}), saving {saving:.0} (true {true_saving:.0}, {:.2} %)",
            even.totals.spend_cny,
            100.0 * true_saving / best_even
        );
        assert!(
            (saving - true_saving).abs() <= tol * best_even,
            "saving {saving} vs the true curves' {true_saving}"
        );
    }

    /// A promotion day in the horizon (channel `a`, day 5, lift ×1.6): the
    /// calendar's lift enters the day factors ([`crate::calendar::apply_lifts`]);
    /// on the true (lifted) day curves the schedule costs the exact optimum
    /// of those curves, the plan that ignores the calendar costs the exact
    /// optimum of the unlifted ones, and the difference is what the true
    /// curves say, each within the chords' tolerance.
    #[test]
    fn promotion_days_are_planned_with_their_lift() {
        use crate::calendar::{Calendar, ChannelLift, Promotion, PromotionFit, apply_lifts};
        let t = target();
        let start = 20_000;
        let calendar = Calendar {
            entries: vec![Promotion {
                name: "双11".into(),
                first_day: start + 5,
                last_day: start + 5,
                channels: Some(vec!["a".into()]),
            }],
        };
        let fit = PromotionFit {
            lifts: vec![ChannelLift {
                channel: "a".into(),
                lift: 1.6,
                raw: 1.6,
                se: 0.0,
                days: 3,
                lane_days: 6,
            }],
            ..PromotionFit::default()
        };
        let mut lifted = factors();
        let unknown = apply_lifts(&mut lifted, &["a", "b", "a"], &calendar, &fit, start);
        assert!(unknown.is_empty());
        for (l, (f, g)) in lifted.iter().zip(factors()).enumerate() {
            for d in 0..7 {
                let w = if d == 5 && l != 1 { 1.6 } else { 1.0 };
                assert!((f[d] - w * g[d]).abs() < 1e-12, "lane {l} day {d}");
            }
        }
        let spec = |f: Vec<Vec<f64>>| DaySpec {
            factors: f,
            daily: BTreeMap::new(),
        };
        let with = solve(&request(t, Some(spec(lifted.clone())))).unwrap();
        let without = solve(&request(t, Some(spec(factors())))).unwrap();
        assert_eq!(with.status, PlanStatus::Optimal);
        assert_eq!(without.status, PlanStatus::Optimal);
        let truth = true_days(&lanes(), &lifted, None);
        let (best, _) = oracle(&truth, t);
        let (best_ignoring, _) = oracle(&true_days(&lanes(), &factors(), None), t);
        let true_gain = best_ignoring - best;
        assert!(
            true_gain > 0.02 * best_ignoring,
            "{true_gain} of {best_ignoring}"
        );
        // Each plan's days on the true curves.
        let on_truth = |p: &crate::plan::Plan| -> (f64, f64) {
            let mut v = 0.0;
            let mut s = 0.0;
            for (i, l) in p.lanes.iter().enumerate() {
                for (d, &x) in l.daily_spend_cny.iter().enumerate() {
                    v += truth[i * 7 + d].curve.value(x.min(truth[i * 7 + d].top));
                    s += x;
                }
            }
            (s, v)
        };
        let (spend_with, viewers_with) = on_truth(&with);
        let (spend_without, viewers_without) = on_truth(&without);
        let tol = 2e-3;
        assert!(viewers_with >= t * (1.0 - tol), "{viewers_with} < {t}");
        assert!(
            viewers_without >= t,
            "the ignoring plan reaches the target too"
        );
        assert!(
            (spend_with - best).abs() <= tol * best,
            "{spend_with} vs {best}"
        );
        assert!(
            (spend_without - best_ignoring).abs() <= tol * best_ignoring,
            "{spend_without} vs {best_ignoring}"
        );
        let gain = spend_without - spend_with;
        assert!(
            (gain - true_gain).abs() <= tol * best_ignoring,
            "gain {gain} vs the true curves' {true_gain}"
        );
        // More money on the promotion day of the lifted lanes.
        for i in [0, 2] {
            assert!(with.lanes[i].daily_spend_cny[5] > without.lanes[i].daily_spend_cny[5]);
        }
    }

    /// Days alike: the plan costs what the plan of before costs (both are
    /// within the chords' tolerance of the same optimum; the day-by-day
    /// chain is cut at half the tolerance and coarsened, so not to the
    /// digit), and each lane's days are spread evenly to a chord.
    #[test]
    fn days_alike_plan_as_before() {
        let t = target();
        let alike = request(t, Some(DaySpec::uniform(&[1.0; 3], 7)));
        let plan = solve(&alike).unwrap();
        let before = solve(&request(t, None)).unwrap();
        let (a, b) = (plan.totals.spend_cny, before.totals.spend_cny);
        assert!((a - b).abs() <= 1e-3 * b, "{a} vs {b}");
        let half = SegmentOptions {
            tolerance: 0.5 * SegmentOptions::default().tolerance,
            ..SegmentOptions::default()
        };
        for ((a, b), l) in plan.lanes.iter().zip(&before.lanes).zip(lanes()) {
            // The lane's chords around its daily spend: alike days are
            // filled round-robin, chord by chord, so they differ by one
            // chord at most.
            let top = planned_range_cny_per_day(&l.curve, l.history_max_spend_cny_per_day, &half)
                .unwrap();
            let chords = segment_curve(&l.curve, top, &[], &half);
            let j = chords
                .iter()
                .position(|c| c.end_cny_per_day >= b.spend_cny_per_day)
                .unwrap();
            let chord = chords[j.saturating_sub(1)..(j + 2).min(chords.len())]
                .iter()
                .map(Segment::width_cny_per_day)
                .fold(0.0, f64::max);
            assert!(
                (a.spend_cny - b.spend_cny).abs() <= 0.02 * b.spend_cny,
                "{} vs {}",
                a.spend_cny,
                b.spend_cny
            );
            let (lo, hi) = a
                .daily_spend_cny
                .iter()
                .fold((f64::INFINITY, 0.0_f64), |(lo, hi), &x| {
                    (lo.min(x), hi.max(x))
                });
            assert!(hi - lo <= chord * (1.0 + 1e-9), "{lo}..{hi}, chord {chord}");
        }
    }

    /// A daily maximum ends each day's chords: the schedule never passes
    /// it, and costs what the exact optimum with the same tops costs.
    #[test]
    fn daily_maximum_is_honoured_exactly() {
        let t = 0.8 * target();
        let mx = 6_500.0;
        let mut daily = BTreeMap::new();
        daily.insert(
            "a".to_string(),
            DailyLimits {
                max_daily_spend_cny: Some(mx),
                min_daily_spend_cny: None,
            },
        );
        let plan = solve(&request(
            t,
            Some(DaySpec {
                factors: factors(),
                daily,
            }),
        ))
        .unwrap();
        let mut days = true_days(&lanes(), &factors(), None);
        for (i, l) in lanes().iter().enumerate() {
            if l.channel == "a" {
                for d in &mut days[i * 7..(i + 1) * 7] {
                    d.top = d.top.min(mx);
                }
            }
        }
        for l in plan.lanes.iter().filter(|l| l.channel == "a") {
            assert!(l.daily_spend_cny.iter().all(|&s| s <= mx * (1.0 + 1e-9)));
        }
        assert!(
            plan.lanes[0]
                .bounds_binding
                .contains(&crate::plan::LaneBound::DailyMax)
        );
        let (best, _) = oracle(&days, t);
        assert!(
            (plan.totals.spend_cny - best).abs() <= 2e-3 * best,
            "{} vs {best}",
            plan.totals.spend_cny
        );
    }

    /// A daily minimum: every day is 0 or at least the minimum, the days sum
    /// to the lane's spend, and the split is as good as the best choice of
    /// open days (all 2⁷ tried, each split exactly by bisection) to the
    /// chords' tolerance.
    #[test]
    fn daily_minimum_splits_as_well_as_every_choice_of_days() {
        let lane = &lanes()[0];
        let f = &factors()[0];
        let m = 3_000.0;
        let daily = DailyLimits {
            max_daily_spend_cny: None,
            min_daily_spend_cny: Some(m),
        };
        let (_, ld) = lane_days(lane, f, daily, f64::INFINITY, &SegmentOptions::default());
        let days = true_days(std::slice::from_ref(lane), std::slice::from_ref(f), None);
        for total in [
            1_000.0, 2_999.0, 3_500.0, 7_000.0, 10_000.0, 20_000.0, 45_000.0,
        ] {
            let sp = split(&ld, total);
            for &s in &sp.spend_cny {
                assert!(s == 0.0 || s >= m * (1.0 - 1e-9), "{total}: day at {s}");
            }
            let sum: f64 = sp.spend_cny.iter().sum();
            assert!(
                (sum - total - sp.excess_cny).abs() <= 1e-6 * total,
                "{total}: {sum} + excess {}",
                sp.excess_cny
            );
            if total < m {
                assert!((sp.excess_cny - (m - total)).abs() < 1e-6);
                continue;
            }
            assert_eq!(sp.excess_cny, 0.0);
            let got: f64 = sp.viewers.iter().sum();
            let mut best: f64 = 0.0;
            for mask in 1u32..128 {
                let open: Vec<&TrueDay> = (0..7)
                    .filter(|d| mask & (1 << d) != 0)
                    .map(|d| &days[d])
                    .collect();
                if let Some(v) = best_open_split(&open, total, m) {
                    best = best.max(v);
                }
            }
            assert!(got >= best * (1.0 - 2e-3), "{total}: {got} vs {best}");
        }
    }

    /// Most viewers from `total` over the open days, each in `[m, top]`
    /// (bisection on the marginal value), `None` if infeasible.
    fn best_open_split(open: &[&TrueDay], total: f64, m: f64) -> Option<f64> {
        let n = open.len() as f64;
        let cap: f64 = open.iter().map(|d| d.top).sum();
        if n * m > total || cap < total || open.iter().any(|d| d.top < m) {
            return None;
        }
        let at = |mu: f64| -> Vec<f64> {
            open.iter()
                .map(|d| {
                    if d.curve.derivative(m) <= mu {
                        return m;
                    }
                    if d.curve.derivative(d.top) >= mu {
                        return d.top;
                    }
                    let (mut lo, mut hi) = (m, d.top);
                    for _ in 0..100 {
                        let mid = 0.5 * (lo + hi);
                        if d.curve.derivative(mid) > mu {
                            lo = mid;
                        } else {
                            hi = mid;
                        }
                    }
                    0.5 * (lo + hi)
                })
                .collect()
        };
        let (mut lo, mut hi) = (1e-9_f64, 1e3_f64);
        for _ in 0..200 {
            let mid = (lo * hi).sqrt();
            if at(mid).iter().sum::<f64>() > total {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let s = at(hi);
        Some(s.iter().zip(open).map(|(&x, d)| d.curve.value(x)).sum())
    }

    #[test]
    fn bad_day_specs_are_refused() {
        let mut spec = DaySpec {
            factors: factors(),
            daily: BTreeMap::new(),
        };
        spec.factors[1][3] = f64::NAN;
        let e = solve(&request(1_000.0, Some(spec))).unwrap_err();
        assert!(
            e.to_string().contains("r1/b") && e.to_string().contains("day factor"),
            "{e}"
        );
        let mut spec = DaySpec::uniform(&[1.0; 3], 7);
        spec.daily.insert(
            "a".into(),
            DailyLimits {
                max_daily_spend_cny: Some(100.0),
                min_daily_spend_cny: Some(200.0),
            },
        );
        assert!(matches!(
            solve(&request(1_000.0, Some(spec))),
            Err(PlanError::MinAboveMax { .. })
        ));
        let e = solve(&PlanRequest {
            horizon_days: 6.5,
            ..request(1_000.0, Some(DaySpec::uniform(&[1.0; 3], 7)))
        })
        .unwrap_err();
        assert!(e.to_string().contains("whole number of days"), "{e}");
    }
}
