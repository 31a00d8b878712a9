//! The problem as the solvers see it: a validated request cut into
//! segments per lane, with its channels and rooms indexed, what to optimise
//! ([`Goal`]) and a raw solution ([`Sol`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;

use super::beyond::lane_chords;
use super::input::{ChannelLimits, PlanError, PlanRequest};
use super::output::SolverPath;
use super::segments::{Segment, planned_range_cny_per_day};

/// Relative tolerance for "holds with equality".
pub(crate) const TIGHT: f64 = 1e-6;

/// A lane ready for solving (horizon units: CNY over the horizon).
#[derive(Clone, Debug)]
pub(crate) struct PLane {
    pub(crate) channel: usize,
    pub(crate) room: usize,
    pub(crate) weight: f64,
    /// GMV per viewer, CNY (0 where unknown).
    pub(crate) gpv: f64,
    /// Profit per viewer before spend: margin × GMV per viewer (0 without
    /// a margin).
    pub(crate) value: f64,
    /// Planned range end, CNY/day (before channel truncation).
    pub(crate) range_top_cny_per_day: f64,
    /// Fine segments (daily axis), ending at `min(range top, single-lane max)`
    /// (shared with the request's [`super::reuse::SegmentCache`]).
    pub(crate) segs: Arc<[Segment]>,
    /// Mandatory horizon spend from a single-lane channel's min/locked.
    pub(crate) lo_cny: f64,
    /// Planned day by day: the day curves behind `segs` (which are then
    /// the merged day chords, see `schedule`).
    pub(crate) days: Option<Arc<super::schedule::LaneDays>>,
    /// The per-lane stability guardrail as bounds of the lane's own spend
    /// (`segs` cut at its top, a break at its floor).
    pub(crate) guard: Option<LaneGuard>,
}

impl PLane {
    pub(crate) fn seg_total_cny(&self, h: f64) -> f64 {
        self.segs.last().map_or(0.0, |s| s.end_cny_per_day * h)
    }

    /// Horizon spend the lane must have: its single-lane channel's minimum
    /// or lock, or the guardrail's floor.
    pub(crate) fn forced_cny(&self) -> f64 {
        self.lo_cny.max(self.guard_floor_cny())
    }

    /// The guardrail's floor on this lane, CNY over the horizon (0: none).
    pub(crate) fn guard_floor_cny(&self) -> f64 {
        self.guard.map_or(0.0, |g| g.floor_cny)
    }

    /// The lane's first `need` CNY over the horizon bought in segment
    /// order (its mandatory spend), as (spend, viewers); `left(j, seg,
    /// width)` is called for every segment with width left after it, CNY
    /// over the horizon (rounding slivers of the fill are not choices).
    pub(crate) fn fill_forced(
        &self,
        h: f64,
        mut need: f64,
        mut left: impl FnMut(usize, &Segment, f64),
    ) -> (f64, f64) {
        let (mut spend, mut viewers) = (0.0, 0.0);
        for (j, s) in self.segs.iter().enumerate() {
            let w = s.width_cny_per_day() * h;
            let take = need.min(w);
            need -= take;
            spend += take;
            viewers += take * s.viewers_per_cny;
            let rest = w - take;
            if rest > w * 1e-12 {
                left(j, s, rest);
            }
        }
        (spend, viewers)
    }

    /// Leading segments under the guardrail's floor (bought whole).
    pub(crate) fn forced_segments(&self, h: f64) -> usize {
        let f = self.guard_floor_cny();
        if f <= 0.0 {
            return 0;
        }
        self.segs
            .iter()
            .take_while(|s| s.end_cny_per_day * h <= f * (1.0 + 1e-9))
            .count()
    }
}

/// The per-lane guardrail (`--max-change`, lane scope) of one lane: its
/// spend within `[floor, top]`. One LP row per bound made the 4,000-lane
/// plan an 8,000-row LP (60 s); as bounds of the lane's own chords the
/// greedy and the ROI fill hold them exactly, and the LP gets column
/// bounds instead of rows. A bound that cannot bind is absent (`top`
/// past the planned range; no floor for a change ≥ 100 %).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct LaneGuard {
    /// Last-horizon spend, CNY.
    pub(crate) last_cny: f64,
    /// Relative change allowed.
    pub(crate) change: f64,
    /// Least spend, CNY over the horizon (0: no floor); a break of `segs`.
    pub(crate) floor_cny: f64,
    /// Chord slope just below the floor (what lowering it frees).
    pub(crate) floor_slope: f64,
    /// Most spend, CNY over the horizon, when it cuts the planned range;
    /// `segs` end there.
    pub(crate) top_cny: Option<f64>,
    /// Chord slope just past the top (what raising it would buy).
    pub(crate) top_slope: f64,
}

/// The chord containing `x` (CNY/day) from the right (`after`) or the left.
fn slope_at(segs: &[Segment], x: f64, after: bool) -> f64 {
    segs.iter()
        .find(|s| {
            if after {
                s.end_cny_per_day > x
            } else {
                s.end_cny_per_day >= x
            }
        })
        .or(segs.last())
        .map_or(0.0, |s| s.viewers_per_cny)
}

/// `segs` with a break at `x` (CNY/day) when `x` lies strictly inside a
/// chord (the two parts keep its slope: the LP's interpolation).
fn break_at(segs: &[Segment], x: f64) -> Vec<Segment> {
    let mut out = Vec::with_capacity(segs.len() + 1);
    for s in segs {
        let eps = 1e-12 * s.end_cny_per_day.abs().max(1e-9);
        if x > s.start_cny_per_day + eps && x < s.end_cny_per_day - eps {
            out.push(Segment {
                end_cny_per_day: x,
                ..*s
            });
            out.push(Segment {
                start_cny_per_day: x,
                ..*s
            });
        } else {
            out.push(*s);
        }
    }
    out
}

/// The lane-scope guardrail of lane `i` applied to its chords `segs`:
/// cut at the top, broken at the floor. `None` (and `segs` untouched)
/// when the lane has none: no guardrail, channel scope, rows asked for,
/// an excluded channel or a new lane (nothing spent last horizon).
fn lane_guard(
    req: &PlanRequest,
    i: usize,
    ch: &PChannel,
    segs: &mut Arc<[Segment]>,
    guard_rows: bool,
) -> Option<LaneGuard> {
    let g = req.guardrail.as_ref()?;
    if guard_rows || g.scope != super::groups::ChangeScope::Lane || ch.lim.excluded {
        return None;
    }
    let last = g.last_spend_cny[i];
    if last <= 0.0 {
        return None;
    }
    let h = req.horizon_days;
    let m = g.change_for(&ch.name);
    let top = segs.last().map_or(0.0, |s| s.end_cny_per_day * h);
    let hi = last * (1.0 + m);
    let mut out = LaneGuard {
        last_cny: last,
        change: m,
        floor_cny: 0.0,
        floor_slope: 0.0,
        top_cny: None,
        top_slope: 0.0,
    };
    if hi < top * (1.0 - TIGHT) {
        let x = hi / h;
        out.top_cny = Some(hi);
        out.top_slope = slope_at(segs, x, true);
        let cut: Vec<Segment> = break_at(segs, x)
            .into_iter()
            .filter(|s| s.end_cny_per_day <= x)
            .collect();
        *segs = cut.into();
    }
    let lo = (last * (1.0 - m)).min(top);
    if lo > 0.0 {
        let x = lo / h;
        out.floor_cny = lo;
        out.floor_slope = slope_at(segs, x, false);
        *segs = break_at(segs, x).into();
    }
    (out.floor_cny > 0.0 || out.top_cny.is_some()).then_some(out)
}

#[derive(Clone, Debug)]
pub(crate) struct PChannel {
    pub(crate) name: String,
    pub(crate) lanes: Vec<usize>,
    pub(crate) lim: ChannelLimits,
}

impl PChannel {
    pub(crate) fn min_cny(&self) -> f64 {
        self.lim
            .locked_spend_cny
            .unwrap_or(0.0)
            .max(self.lim.min_spend_cny.unwrap_or(0.0))
    }
    pub(crate) fn max_cny(&self) -> f64 {
        if self.lim.excluded {
            return 0.0;
        }
        self.lim
            .locked_spend_cny
            .unwrap_or(f64::INFINITY)
            .min(self.lim.max_spend_cny.unwrap_or(f64::INFINITY))
    }
}

/// A validated, segmented request.
pub(crate) struct Prepared<'a> {
    pub(crate) req: &'a PlanRequest,
    pub(crate) h: f64,
    pub(crate) lanes: Vec<PLane>,
    pub(crate) channels: Vec<PChannel>,
    pub(crate) rooms: Vec<String>,
    pub(crate) room_target: Vec<Option<f64>>,
    /// Channel-level spend beyond all its lanes' segments forced by min/locked, CNY.
    pub(crate) overflow_cny: Vec<f64>,
    /// Rows of the groups and the guardrail ([`super::groups`]).
    pub(crate) extra_rows: Vec<super::groups::Row>,
}

pub(crate) fn prepare(req: &PlanRequest) -> Result<Prepared<'_>, PlanError> {
    prepare_with(req, false)
}

/// [`prepare`], with the lane-scope guardrail as LP rows (`guard_rows`:
/// the relaxation LP prices a slack on each) instead of lane bounds.
pub(crate) fn prepare_with(req: &PlanRequest, guard_rows: bool) -> Result<Prepared<'_>, PlanError> {
    req.validate()?;
    let h = req.horizon_days;
    let (channels, ch_ids) = channel_lanes(req);
    let mut room_index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rooms: Vec<String> = Vec::new();
    let mut ids = Vec::with_capacity(req.lanes.len());
    for (l, &c) in req.lanes.iter().zip(&ch_ids) {
        let r = *room_index.entry(l.room.as_str()).or_insert_with(|| {
            rooms.push(l.room.clone());
            rooms.len() - 1
        });
        ids.push((c, r));
    }
    let cached = req.segment_cache.cuts_for(req);
    let lanes: Vec<PLane> = req
        .lanes
        .par_iter()
        .zip(ids.par_iter())
        .enumerate()
        .map(|(i, (l, &(c, r)))| {
            let mut cut = match cached {
                Some(cuts) => cuts[i].clone(),
                None => cut_lane(req, i, &channels[c]),
            };
            let gpv = l.gmv_cny_per_viewer.unwrap_or(0.0);
            if let Some(r) = req.value.min_marginal_roi {
                let lo = cut.lo_cny / req.horizon_days;
                let kept = super::value::cut_at_marginal_roi(&cut.segs, gpv, r, lo);
                if kept.len() < cut.segs.len() {
                    cut.segs = kept.into();
                }
            }
            let guard = lane_guard(req, i, &channels[c], &mut cut.segs, guard_rows);
            PLane {
                channel: c,
                room: r,
                weight: req.weight(l),
                gpv,
                value: req.value.margin_of(l).unwrap_or(0.0) * gpv,
                range_top_cny_per_day: cut.range_top_cny_per_day,
                segs: cut.segs,
                lo_cny: cut.lo_cny,
                days: cut.days,
                guard,
            }
        })
        .collect();
    let overflow_cny: Vec<f64> = channels
        .iter()
        .map(|ch| {
            let tops: f64 = ch.lanes.iter().map(|&i| lanes[i].seg_total_cny(h)).sum();
            (ch.min_cny() - tops).max(0.0)
        })
        .collect();
    let room_target = rooms
        .iter()
        .map(|r| req.room_targets.get(r).copied())
        .collect();
    let extra_rows =
        super::groups::rows(req, &lanes, &channels, &rooms, &overflow_cny, h, guard_rows);
    Ok(Prepared {
        req,
        h,
        lanes,
        channels,
        rooms,
        room_target,
        overflow_cny,
        extra_rows,
    })
}

/// What cutting one lane gives (the parts of a [`PLane`] that depend on
/// its curve, its channel's limits and its days, not on the goal or the
/// lane's weight): what [`super::reuse`] keeps between solves.
#[derive(Clone, Debug)]
pub(crate) struct LaneCut {
    range_top_cny_per_day: f64,
    segs: Arc<[Segment]>,
    lo_cny: f64,
    days: Option<Arc<super::schedule::LaneDays>>,
}

/// Every lane of `req` cut (validated first), in input order.
pub(crate) fn cut_lanes(req: &PlanRequest) -> Result<Vec<LaneCut>, PlanError> {
    req.validate()?;
    let (channels, ids) = channel_lanes(req);
    Ok(req
        .lanes
        .par_iter()
        .enumerate()
        .map(|(i, _)| cut_lane(req, i, &channels[ids[i]]))
        .collect())
}

/// Each channel with its lanes and limits, and each lane's channel index.
fn channel_lanes(req: &PlanRequest) -> (Vec<PChannel>, Vec<usize>) {
    let mut ch_index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut channels: Vec<PChannel> = Vec::new();
    let ids = req
        .lanes
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let c = *ch_index.entry(l.channel.as_str()).or_insert_with(|| {
                channels.push(PChannel {
                    name: l.channel.clone(),
                    lanes: Vec::new(),
                    lim: req.channels.get(&l.channel).cloned().unwrap_or_default(),
                });
                channels.len() - 1
            });
            channels[c].lanes.push(i);
            c
        })
        .collect();
    (channels, ids)
}

/// Lane `i` of `req` (in channel `ch`) cut into chords.
fn cut_lane(req: &PlanRequest, i: usize, ch: &PChannel) -> LaneCut {
    let l = &req.lanes[i];
    let h = req.horizon_days;
    if let Some(spec) = &req.days {
        return day_lane(req, spec, i, ch);
    }
    let top = planned_range_cny_per_day(&l.curve, l.history_max_spend_cny_per_day, &req.segments)
        .expect("validated");
    let single = ch.lanes.len() == 1;
    let (lo, end, breaks) = if single {
        let lo = ch.min_cny() / h;
        let hi = ch.max_cny() / h;
        (lo, top.min(hi), vec![lo])
    } else if ch.lim.excluded {
        (0.0, 0.0, vec![])
    } else {
        (0.0, top.min(ch.max_cny() / h), vec![])
    };
    LaneCut {
        range_top_cny_per_day: top,
        segs: lane_chords(l, end, &breaks, &req.segments).into(),
        lo_cny: lo * h,
        days: None,
    }
}

/// A lane planned day by day: its day chords merged (`schedule`), the
/// channel's horizon maximum ending the chain.
fn day_lane(
    req: &PlanRequest,
    spec: &super::schedule::DaySpec,
    i: usize,
    ch: &PChannel,
) -> LaneCut {
    let l = &req.lanes[i];
    let h = req.horizon_days;
    let single = ch.lanes.len() == 1;
    let max_total = if ch.lim.excluded { 0.0 } else { ch.max_cny() };
    let daily = spec.daily.get(&l.channel).copied().unwrap_or_default();
    let (segs, days) =
        super::schedule::lane_days(l, &spec.factors[i], daily, max_total, &req.segments);
    let top = segs.last().map_or(0.0, |s| s.end_cny_per_day);
    LaneCut {
        range_top_cny_per_day: top,
        lo_cny: if single {
            ch.min_cny().min(top * h)
        } else {
            0.0
        },
        segs: segs.into(),
        days: Some(Arc::new(days)),
    }
}

/// Duals / marginal values from a solve.
#[derive(Clone, Debug, Default)]
pub(crate) struct Duals {
    pub(crate) target: Option<f64>,
    pub(crate) budget: Option<f64>,
    pub(crate) rooms: Vec<Option<f64>>,
    pub(crate) ch_min: Vec<Option<f64>>,
    pub(crate) ch_max: Vec<Option<f64>>,
    pub(crate) ch_share: Vec<Option<f64>>,
    /// Duals of `Prepared::extra_rows`, aligned (empty off the LP).
    pub(crate) extra: Vec<f64>,
    /// Dual of the ROI floor row (LP only).
    pub(crate) roi: Option<f64>,
}

/// Raw solution: per-lane horizon spend and linearised viewers.
#[derive(Clone, Debug)]
pub(crate) struct Sol {
    pub(crate) spend: Vec<f64>,
    pub(crate) viewers_lp: Vec<f64>,
    /// Overflow spend per channel (beyond all segments), CNY.
    pub(crate) overflow: Vec<f64>,
    pub(crate) duals: Duals,
    /// LP path: per lane, the chord slope (viewers per CNY) above which a
    /// segment is worth filling at the solution's duals.
    pub(crate) threshold: Vec<f64>,
    pub(crate) path: SolverPath,
}

/// What to optimise.
#[derive(Clone, Debug)]
pub(crate) struct Goal {
    /// Minimise spend (true) or maximise metric (false).
    pub(crate) min_spend: bool,
    pub(crate) total_target: Option<f64>,
    pub(crate) room_targets: Vec<Option<f64>>,
    /// Max mode: cap each room's counted metric at its target.
    pub(crate) room_caps: bool,
    pub(crate) budget: Option<f64>,
    /// Maximise profit (`Σ value·viewers − spend`); a total or room target
    /// is then a floor.
    pub(crate) profit: bool,
    /// Blended GMV / spend at least this.
    pub(crate) min_roi: Option<f64>,
}

pub(crate) enum Outcome {
    Solved(Box<Sol>),
    Infeasible,
}
