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
}

impl PLane {
    pub(crate) fn seg_total_cny(&self, h: f64) -> f64 {
        self.segs.last().map_or(0.0, |s| s.end_cny_per_day * h)
    }
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
    let extra_rows = super::groups::rows(req, &lanes, &channels, &rooms, &overflow_cny, h);
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
