//! Building and solving the plan: segmentation, the greedy fast path, the
//! good_lp LP (full or windowed), and the report.

use std::collections::BTreeMap;

use good_lp::constraint::ConstraintReference;
use good_lp::solvers::{DualValues, SolutionWithDual};
use good_lp::{
    Constraint, Expression, ProblemVariables, ResolutionError, Solution, SolverModel, Variable,
    clarabel, variable, variables,
};
use rayon::prelude::*;

use super::input::{ChannelLimits, PlanError, PlanRequest, SolverChoice};
use super::output::*;
use super::segments::{Segment, planned_range_cny_per_day, segment_curve};

/// Relative tolerance for "holds with equality".
const TIGHT: f64 = 1e-6;
/// Relative slack on reduced costs when certifying a windowed LP.
const CERT_TOL: f64 = 1e-6;

/// A lane ready for solving (horizon units: CNY over the horizon).
#[derive(Clone, Debug)]
pub(crate) struct PLane {
    pub(crate) channel: usize,
    pub(crate) room: usize,
    pub(crate) weight: f64,
    /// Planned range end, CNY/day (before channel truncation).
    pub(crate) range_top_cny_per_day: f64,
    /// Fine segments (daily axis), ending at `min(range top, single-lane max)`.
    pub(crate) segs: Vec<Segment>,
    /// Mandatory horizon spend from a single-lane channel's min/locked.
    pub(crate) lo_cny: f64,
}

impl PLane {
    fn seg_total_cny(&self, h: f64) -> f64 {
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
    fn min_cny(&self) -> f64 {
        self.lim
            .locked_spend_cny
            .unwrap_or(0.0)
            .max(self.lim.min_spend_cny.unwrap_or(0.0))
    }
    fn max_cny(&self) -> f64 {
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
}

pub(crate) fn prepare(req: &PlanRequest) -> Result<Prepared<'_>, PlanError> {
    req.validate()?;
    let h = req.horizon_days;
    let mut ch_index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut channels: Vec<PChannel> = Vec::new();
    let mut room_index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rooms: Vec<String> = Vec::new();
    let mut ids = Vec::with_capacity(req.lanes.len());
    for (i, l) in req.lanes.iter().enumerate() {
        let c = *ch_index.entry(l.channel.as_str()).or_insert_with(|| {
            channels.push(PChannel {
                name: l.channel.clone(),
                lanes: Vec::new(),
                lim: req.channels.get(&l.channel).cloned().unwrap_or_default(),
            });
            channels.len() - 1
        });
        channels[c].lanes.push(i);
        let r = *room_index.entry(l.room.as_str()).or_insert_with(|| {
            rooms.push(l.room.clone());
            rooms.len() - 1
        });
        ids.push((c, r));
    }
    let lanes: Vec<PLane> = req
        .lanes
        .par_iter()
        .zip(ids.par_iter())
        .map(|(l, &(c, r))| {
            let ch = &channels[c];
            let top =
                planned_range_cny_per_day(&l.curve, l.history_max_spend_cny_per_day, &req.segments)
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
            let segs = segment_curve(&l.curve, end, &breaks, &req.segments);
            PLane {
                channel: c,
                room: r,
                weight: req.weight(l),
                range_top_cny_per_day: top,
                segs,
                lo_cny: lo * h,
            }
        })
        .collect();
    let overflow_cny = channels
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
    Ok(Prepared {
        req,
        h,
        lanes,
        channels,
        rooms,
        room_target,
        overflow_cny,
    })
}

/// Duals / marginal values from a solve.
#[derive(Clone, Debug, Default)]
struct Duals {
    target: Option<f64>,
    budget: Option<f64>,
    rooms: Vec<Option<f64>>,
    ch_min: Vec<Option<f64>>,
    ch_max: Vec<Option<f64>>,
    ch_share: Vec<Option<f64>>,
}

/// Raw solution: per-lane horizon spend and linearised viewers.
#[derive(Clone, Debug)]
struct Sol {
    spend: Vec<f64>,
    viewers_lp: Vec<f64>,
    /// Overflow spend per channel (beyond all segments), CNY.
    overflow: Vec<f64>,
    duals: Duals,
    /// LP path: per lane, the chord slope (viewers per CNY) above which a
    /// segment is worth filling at the solution's duals.
    threshold: Vec<f64>,
    path: SolverPath,
}

/// What to optimise.
#[derive(Clone, Debug)]
struct Goal {
    /// Minimise spend (true) or maximise metric (false).
    min_spend: bool,
    total_target: Option<f64>,
    room_targets: Vec<Option<f64>>,
    /// Max mode: cap each room's counted metric at its target.
    room_caps: bool,
    budget: Option<f64>,
}

enum Outcome {
    Solved(Box<Sol>),
    Infeasible,
}

// ---------------------------------------------------------------- greedy ---

fn greedy_eligible(p: &Prepared) -> bool {
    p.req.solver == SolverChoice::Auto
        && p.req.room_targets.is_empty()
        && p.channels
            .iter()
            .all(|c| c.lim.max_share.is_none_or(|s| s >= 1.0))
        && p.channels.iter().all(|c| {
            c.lanes.len() == 1
                || (c.lim.min_spend_cny.is_none()
                    && c.lim.max_spend_cny.is_none()
                    && c.lim.locked_spend_cny.is_none())
        })
}

/// Exact optimum of the segment LP when the only coupling row is the total
/// target or budget: mandatory minimums first, then segments by decreasing
/// metric per CNY (a fractional knapsack).
fn greedy(p: &Prepared, goal: &Goal) -> Result<Outcome, PlanError> {
    let h = p.h;
    let n = p.lanes.len();
    let mut spend = vec![0.0; n];
    let mut viewers = vec![0.0; n];
    let mut overflow = vec![0.0; p.channels.len()];
    let mut metric = 0.0;
    // (metric per CNY, lane, segment, remaining width CNY)
    let mut items: Vec<(f64, u32, u32, f64)> = Vec::new();
    for (i, l) in p.lanes.iter().enumerate() {
        let mut need = l.lo_cny;
        for (j, s) in l.segs.iter().enumerate() {
            let w = s.width_cny_per_day() * h;
            let take = need.min(w);
            need -= take;
            spend[i] += take;
            viewers[i] += take * s.viewers_per_cny;
            let rest = w - take;
            let slope = s.viewers_per_cny * l.weight;
            // Rounding slivers left by the mandatory fill are not choices.
            if rest > w * 1e-12 && slope > 0.0 {
                items.push((slope, i as u32, j as u32, rest));
            }
        }
        metric += viewers[i] * l.weight;
    }
    for (c, ch) in p.channels.iter().enumerate() {
        overflow[c] = p.overflow_cny[c];
        debug_assert!(ch.lanes.len() == 1 || overflow[c] == 0.0);
    }
    let base_spend: f64 = spend.iter().sum::<f64>() + overflow.iter().sum::<f64>();
    if let Some(b) = goal.budget
        && base_spend > b * (1.0 + 1e-12)
    {
        return Err(PlanError::Inconsistent(format!(
            "minimum and locked spends total {} CNY, above the budget {} CNY",
            fmt_num(base_spend),
            fmt_num(b)
        )));
    }
    items.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut duals = Duals::default();
    let mut total_spend = base_spend;
    if goal.min_spend {
        let target = goal.total_target.unwrap_or(0.0);
        let mut need = target - metric;
        let mut last = None;
        if need > target * 1e-12 {
            for &(slope, i, _, w) in &items {
                let i = i as usize;
                let take = w.min(need / slope);
                spend[i] += take;
                viewers[i] += take * slope / p.lanes[i].weight;
                total_spend += take;
                need -= take * slope;
                last = Some(slope);
                if need <= target * 1e-12 {
                    break;
                }
            }
            if need > target * 1e-9 {
                return Ok(Outcome::Infeasible);
            }
        }
        if let Some(b) = goal.budget
            && total_spend > b * (1.0 + 1e-9)
        {
            return Ok(Outcome::Infeasible);
        }
        duals.target = Some(last.map_or(0.0, |s| 1.0 / s));
        duals.budget = goal.budget.map(|_| 0.0);
    } else {
        let mut avail = goal.budget.map_or(f64::INFINITY, |b| b - base_spend);
        let mut last = 0.0;
        let mut exhausted = false;
        for &(slope, i, _, w) in &items {
            if avail <= 0.0 {
                exhausted = true;
                break;
            }
            let i = i as usize;
            let take = w.min(avail);
            spend[i] += take;
            viewers[i] += take * slope / p.lanes[i].weight.max(f64::MIN_POSITIVE);
            avail -= take;
            last = slope;
            if avail <= 0.0 {
                exhausted = true;
            }
        }
        duals.budget = goal.budget.map(|_| if exhausted { last } else { 0.0 });
    }
    // Zero-weight lanes got viewers from `slope / weight`; recompute them
    // from the segments so viewers are right whatever the weight.
    for (i, l) in p.lanes.iter().enumerate() {
        if l.weight == 0.0 {
            viewers[i] = pwl_horizon(&l.segs, spend[i], h);
        }
    }
    Ok(Outcome::Solved(Box::new(Sol {
        spend,
        viewers_lp: viewers,
        overflow,
        duals,
        threshold: Vec::new(),
        path: SolverPath::Greedy,
    })))
}

fn pwl_horizon(segs: &[Segment], spend_cny: f64, h: f64) -> f64 {
    h * super::segments::pwl_value(segs, spend_cny / h)
}

// -------------------------------------------------------------------- LP ---

/// One LP column: a block of consecutive fine segments of a lane.
#[derive(Clone, Copy, Debug)]
struct Col {
    var: Variable,
    width_cny: f64,
    viewers_per_cny: f64,
}

/// The planning LP in good_lp's house style: expressions accumulated per
/// row, constraints added from them, duals read back.
struct SpendLp {
    vars: ProblemVariables,
    total_spend: Expression,
    total_metric: Expression,
    channel_spend: Vec<Expression>,
    room_metric: Vec<Expression>,
    cols: Vec<Vec<Col>>,
    overflow: Vec<Option<Variable>>,
}

impl SpendLp {
    /// `blocks[lane]` partitions the lane's fine segments into columns.
    fn new(p: &Prepared, blocks: &[Vec<(usize, usize)>]) -> Self {
        let h = p.h;
        let mut lp = SpendLp {
            vars: variables!(),
            total_spend: Expression::with_capacity(0),
            total_metric: Expression::with_capacity(0),
            channel_spend: vec![Expression::with_capacity(0); p.channels.len()],
            room_metric: vec![Expression::with_capacity(0); p.rooms.len()],
            cols: Vec::with_capacity(p.lanes.len()),
            overflow: vec![None; p.channels.len()],
        };
        let ncols: usize = blocks.iter().map(Vec::len).sum();
        lp.total_spend = Expression::with_capacity(ncols);
        lp.total_metric = Expression::with_capacity(ncols);
        for (l, lane) in p.lanes.iter().enumerate() {
            let mut cols = Vec::with_capacity(blocks[l].len());
            for &(first, last) in &blocks[l] {
                let a = lane.segs[first].start_cny_per_day;
                let b = lane.segs[last].end_cny_per_day;
                let dv: f64 = lane.segs[first..=last]
                    .iter()
                    .map(|s| s.viewers_per_cny * s.width_cny_per_day())
                    .sum();
                let width_cny = (b - a) * h;
                let g = if b > a { dv / (b - a) } else { 0.0 };
                let var = lp.vars.add(variable().min(0.0).max(width_cny));
                lp.add_col(lane.channel, lane.room, var, g * lane.weight);
                cols.push(Col {
                    var,
                    width_cny,
                    viewers_per_cny: g,
                });
            }
            lp.cols.push(cols);
        }
        for (c, &ov) in p.overflow_cny.iter().enumerate() {
            if ov > 0.0 {
                let var = lp.vars.add(variable().min(0.0).max(ov));
                lp.total_spend.add_mul(1.0, var);
                lp.channel_spend[c].add_mul(1.0, var);
                lp.overflow[c] = Some(var);
            }
        }
        lp
    }

    fn add_col(&mut self, channel: usize, room: usize, var: Variable, metric_per_cny: f64) {
        self.total_spend.add_mul(1.0, var);
        self.channel_spend[channel].add_mul(1.0, var);
        if metric_per_cny != 0.0 {
            self.total_metric.add_mul(metric_per_cny, var);
            self.room_metric[room].add_mul(metric_per_cny, var);
        }
    }

    fn solve(self, p: &Prepared, goal: &Goal, path: SolverPath) -> Result<Outcome, PlanError> {
        let SpendLp {
            vars,
            total_spend,
            total_metric,
            channel_spend,
            room_metric,
            cols,
            overflow,
        } = self;
        let objective = if goal.min_spend {
            total_spend.clone()
        } else if goal.room_caps {
            let mut e = Expression::with_capacity(0);
            for (r, m) in room_metric.iter().enumerate() {
                if goal.room_targets[r].is_some() {
                    e += m.clone();
                }
            }
            e
        } else {
            total_metric.clone()
        };
        let unsolved = if goal.min_spend {
            vars.minimise(objective)
        } else {
            vars.maximise(objective)
        };
        let mut model = unsolved.using(clarabel);
        let mut add = |c: Constraint| -> ConstraintReference { model.add_constraint(c) };
        let target_row = if goal.min_spend {
            goal.total_target.map(|t| add(total_metric.clone().geq(t)))
        } else {
            None
        };
        let budget_row = goal.budget.map(|b| add(total_spend.clone().leq(b)));
        let mut room_rows = vec![None; p.rooms.len()];
        for (r, t) in goal.room_targets.iter().enumerate() {
            if let Some(t) = *t {
                let e = room_metric[r].clone();
                room_rows[r] = Some(if goal.min_spend {
                    add(e.geq(t))
                } else {
                    add(e.leq(t))
                });
            }
        }
        let nc = p.channels.len();
        let (mut min_rows, mut max_rows, mut share_rows) =
            (vec![None; nc], vec![None; nc], vec![None; nc]);
        for (c, ch) in p.channels.iter().enumerate() {
            if ch.lanes.is_empty() || ch.lim.excluded {
                continue;
            }
            let e = &channel_spend[c];
            if let Some(lk) = ch.lim.locked_spend_cny {
                min_rows[c] = Some(add(e.clone().eq(lk)));
            } else {
                if let Some(mn) = ch.lim.min_spend_cny.filter(|&v| v > 0.0) {
                    min_rows[c] = Some(add(e.clone().geq(mn)));
                }
                if let Some(mx) = ch.lim.max_spend_cny {
                    max_rows[c] = Some(add(e.clone().leq(mx)));
                }
            }
            if let Some(sh) = ch.lim.max_share.filter(|&s| s < 1.0) {
                let row = e.clone() - sh * total_spend.clone();
                share_rows[c] = Some(add(row.leq(0.0)));
            }
        }
        let mut sol = match model.solve() {
            Ok(s) => s,
            Err(ResolutionError::Infeasible) => return Ok(Outcome::Infeasible),
            Err(e) => return Err(PlanError::Solver(e.to_string())),
        };
        let mut spend = vec![0.0; p.lanes.len()];
        let mut viewers = vec![0.0; p.lanes.len()];
        for (l, lane_cols) in cols.iter().enumerate() {
            for c in lane_cols {
                let x = sol.value(c.var).clamp(0.0, c.width_cny);
                spend[l] += x;
                viewers[l] += x * c.viewers_per_cny;
            }
        }
        let over: Vec<f64> = overflow
            .iter()
            .map(|v| v.map_or(0.0, |v| sol.value(v).max(0.0)))
            .collect();
        let dual = sol.compute_dual();
        let get = |r: Option<ConstraintReference>| r.map(|r| dual.dual(r));
        let duals = Duals {
            target: get(target_row),
            budget: get(budget_row),
            rooms: room_rows.into_iter().map(get).collect(),
            ch_min: min_rows.into_iter().map(get).collect(),
            ch_max: max_rows.into_iter().map(get).collect(),
            ch_share: share_rows.into_iter().map(get).collect(),
        };
        let threshold = thresholds(p, goal, &duals);
        Ok(Outcome::Solved(Box::new(Sol {
            spend,
            viewers_lp: viewers,
            overflow: over,
            duals,
            threshold,
            path,
        })))
    }
}

/// Reduced cost of a segment with chord slope `g` in lane `l` is
/// `α_l − β_l·g` (min mode) from the row duals (good_lp duals are
/// sensitivities `∂obj/∂rhs`, i.e. the multipliers `u` in `rc = c − uᵀA`).
/// Segments with `g` above `α_l / β_l` are filled.
fn thresholds(p: &Prepared, goal: &Goal, d: &Duals) -> Vec<f64> {
    let z = |v: Option<f64>| v.unwrap_or(0.0);
    let at = |v: &Vec<Option<f64>>, i: usize| v.get(i).copied().flatten().unwrap_or(0.0);
    // Every lane is in the total spend of each share row with coefficient −share.
    let share_all: f64 = p
        .channels
        .iter()
        .enumerate()
        .map(|(c, ch)| ch.lim.max_share.unwrap_or(0.0) * at(&d.ch_share, c))
        .sum();
    p.lanes
        .iter()
        .map(|l| {
            let c = l.channel;
            let spend_duals =
                z(d.budget) + at(&d.ch_min, c) + at(&d.ch_max, c) + at(&d.ch_share, c) - share_all;
            let u_room = at(&d.rooms, l.room);
            let (alpha, beta) = if goal.min_spend {
                (1.0 - spend_duals, l.weight * (z(d.target) + u_room))
            } else {
                let k = if goal.room_caps {
                    if goal.room_targets[l.room].is_some() {
                        1.0
                    } else {
                        0.0
                    }
                } else {
                    1.0
                };
                (spend_duals, l.weight * (k - u_room))
            };
            if beta > 0.0 {
                alpha / beta
            } else {
                f64::INFINITY
            }
        })
        .collect()
}

/// Exact per-room thresholds when each room is its own fractional knapsack
/// (rooms' targets only, min spend); ignores channel rows and the budget,
/// so it is only a starting guess for the windows.
fn room_greedy_thresholds(p: &Prepared, goal: &Goal) -> Option<Vec<f64>> {
    if !goal.min_spend || goal.total_target.is_some() {
        return None;
    }
    let mut by_room: Vec<Vec<(f64, f64)>> = vec![Vec::new(); p.rooms.len()];
    for l in &p.lanes {
        for s in &l.segs {
            let m = s.viewers_per_cny * l.weight;
            if m > 0.0 {
                by_room[l.room].push((m, s.width_cny_per_day() * p.h * m));
            }
        }
    }
    let room_slope: Vec<f64> = by_room
        .into_par_iter()
        .enumerate()
        .map(|(r, mut items)| {
            let Some(t) = goal.room_targets[r] else {
                return f64::INFINITY;
            };
            items.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
            let mut need = t;
            for (m, v) in items {
                need -= v;
                if need <= 0.0 {
                    return m;
                }
            }
            0.0
        })
        .collect();
    Some(
        p.lanes
            .iter()
            .map(|l| {
                if l.weight > 0.0 {
                    room_slope[l.room] / l.weight
                } else {
                    f64::INFINITY
                }
            })
            .collect(),
    )
}

fn full_blocks(p: &Prepared) -> Vec<Vec<(usize, usize)>> {
    p.lanes
        .iter()
        .map(|l| (0..l.segs.len()).map(|j| (j, j)).collect())
        .collect()
}

fn coarse_blocks(p: &Prepared, per_lane: usize) -> Vec<Vec<(usize, usize)>> {
    p.lanes
        .iter()
        .map(|l| {
            let n = l.segs.len();
            if n == 0 {
                return vec![];
            }
            let k = n.div_ceil(per_lane).max(1);
            (0..n)
                .step_by(k)
                .map(|s| (s, (s + k - 1).min(n - 1)))
                .collect()
        })
        .collect()
}

/// Window `[i0, i1]` of fine segments → blocks (merged below, singles, merged above).
fn window_blocks(n: usize, i0: usize, i1: usize) -> Vec<(usize, usize)> {
    let mut b = Vec::with_capacity(i1 - i0 + 3);
    if n == 0 {
        return b;
    }
    if i0 > 0 {
        b.push((0, i0 - 1));
    }
    b.extend((i0..=i1).map(|j| (j, j)));
    if i1 + 1 < n {
        b.push((i1 + 1, n - 1));
    }
    b
}

fn lp_solve(p: &Prepared, goal: &Goal) -> Result<Outcome, PlanError> {
    let total: usize = p.lanes.iter().map(|l| l.segs.len()).sum();
    if total <= p.req.lp_full_max_vars {
        return SpendLp::new(p, &full_blocks(p)).solve(p, goal, SolverPath::Lp);
    }
    // A first guess of each lane's threshold slope: per-room greedy when
    // the rooms' targets are the only targets, else a coarse LP.
    let (guess_threshold, guess_spend, mut solves) = match room_greedy_thresholds(p, goal) {
        Some(t) => {
            let z = vec![0.0; t.len()];
            (t, z, 0)
        }
        None => match SpendLp::new(p, &coarse_blocks(p, 6)).solve(p, goal, SolverPath::Lp)? {
            Outcome::Solved(s) => (s.threshold, s.spend, 1),
            // The coarse LP is an inner approximation: infeasible there does
            // not prove infeasible; fall back to the full LP.
            Outcome::Infeasible => {
                return SpendLp::new(p, &full_blocks(p)).solve(p, goal, SolverPath::Lp);
            }
        },
    };
    let h = p.h;
    // The coarse chords undershoot the curve, so the coarse price per viewer
    // is high and its threshold slope low: look further below than above.
    let from_lp = solves > 0;
    let (half_low, half_high) = if from_lp { (5, 2) } else { (2, 2) };
    // Margin around the crossing point when widening a failed window.
    const GROW: usize = 1;
    let mut win: Vec<(usize, usize)> = p
        .lanes
        .iter()
        .enumerate()
        .map(|(l, lane)| {
            let n = lane.segs.len();
            if n == 0 {
                return (0, 0);
            }
            // Fine segment where the chord slope crosses the coarse threshold,
            // or where the coarse spend lies if the threshold says nothing.
            let g = guess_threshold[l];
            let k = if g.is_finite() {
                lane.segs
                    .iter()
                    .position(|s| s.viewers_per_cny < g)
                    .unwrap_or(n - 1)
            } else {
                let s = guess_spend[l] / h;
                lane.segs
                    .iter()
                    .position(|g| g.end_cny_per_day >= s)
                    .unwrap_or(n - 1)
            };
            (k.saturating_sub(half_low), (k + half_high).min(n - 1))
        })
        .collect();
    let mut last: Option<Sol> = None;
    let mut fails = vec![0u32; p.lanes.len()];
    let mut certified = false;
    for _round in 0..5 {
        let blocks: Vec<Vec<(usize, usize)>> = p
            .lanes
            .iter()
            .zip(&win)
            .map(|(l, &(i0, i1))| window_blocks(l.segs.len(), i0, i1))
            .collect();
        let out = SpendLp::new(p, &blocks).solve(
            p,
            goal,
            SolverPath::LpWindowed {
                certified: false,
                solves: 0,
            },
        )?;
        solves += 1;
        let sol = match out {
            Outcome::Solved(s) => s,
            Outcome::Infeasible => {
                return SpendLp::new(p, &full_blocks(p)).solve(p, goal, SolverPath::Lp);
            }
        };
        // Certificate: with the window LP's duals every fine segment merged
        // below the window must be worth filling (slope ≥ threshold) and every
        // one merged above must not (slope ≤ threshold); then the window
        // solution with these duals satisfies the full segment LP's
        // optimality conditions. Otherwise widen to cover the offenders.
        let mut all_ok = true;
        for (l, lane) in p.lanes.iter().enumerate() {
            let n = lane.segs.len();
            if n == 0 {
                continue;
            }
            let g = sol.threshold[l];
            let (i0, i1) = win[l];
            let slope = |j: usize| lane.segs[j].viewers_per_cny;
            let lower_ok = i0 == 0 || slope(i0 - 1) >= g * (1.0 - CERT_TOL);
            let upper_ok = i1 == n - 1 || slope(i1 + 1) <= g * (1.0 + CERT_TOL);
            if !(lower_ok && upper_ok) {
                all_ok = false;
                // First fine segment not worth filling.
                let k = lane
                    .segs
                    .iter()
                    .position(|s| s.viewers_per_cny < g)
                    .unwrap_or(n);
                // Widen to the crossing plus a margin that doubles each time the lane fails.
                fails[l] += 1;
                let m = GROW << fails[l].min(6);
                let ni0 = if lower_ok {
                    i0
                } else {
                    i0.min(k.saturating_sub(m))
                };
                let ni1 = if upper_ok {
                    i1
                } else {
                    i1.max(k + m).min(n - 1)
                };
                win[l] = (ni0, ni1);
            }
        }
        last = Some(*sol);
        certified = all_ok;
        if all_ok {
            break;
        }
    }
    if !certified {
        // No certificate within the round limit: solve the full LP instead.
        return SpendLp::new(p, &full_blocks(p)).solve(p, goal, SolverPath::Lp);
    }
    let mut sol = last.expect("at least one round");
    sol.path = SolverPath::LpWindowed { certified, solves };
    Ok(Outcome::Solved(Box::new(sol)))
}

fn run(p: &Prepared, goal: &Goal) -> Result<Outcome, PlanError> {
    if greedy_eligible(p) {
        greedy(p, goal)
    } else {
        lp_solve(p, goal)
    }
}

// ---------------------------------------------------------------- report ---

/// Formats a number with thousands separators (integers from 100 up, two
/// significant decimals below).
pub fn fmt_num(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    if x.abs() < 100.0 {
        let s = format!("{x:.2}");
        return s.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    let n = x.round() as i64;
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn tight(value: f64, bound: f64) -> bool {
    (value - bound).abs() <= TIGHT * bound.abs().max(1.0)
}

fn report(p: &Prepared, goal: &Goal, sol: &Sol) -> Plan {
    let req = p.req;
    let h = p.h;
    let multi_room = p.rooms.len() > 1;
    let lane_name = |i: usize| {
        let l = &req.lanes[i];
        if multi_room {
            format!("{} / {}", l.room, l.channel)
        } else {
            l.channel.clone()
        }
    };
    let mut spend = sol.spend.clone();
    // Overflow spend (beyond the planned range, forced by a minimum) goes to
    // the channel's first lane.
    for (c, &ov) in sol.overflow.iter().enumerate() {
        if ov > 0.0
            && let Some(&i) = p.channels[c].lanes.first()
        {
            spend[i] += ov;
        }
    }
    let ch_spend: Vec<f64> = p
        .channels
        .iter()
        .map(|c| c.lanes.iter().map(|&i| spend[i]).sum())
        .collect();
    let total_spend: f64 = spend.iter().sum();
    let mut binding = Vec::new();
    let mut lanes = Vec::with_capacity(p.lanes.len());
    for (i, (l, pl)) in req.lanes.iter().zip(&p.lanes).enumerate() {
        let x = spend[i];
        let day = x / h;
        let v = h * l.curve.value(day);
        let mut bounds = Vec::new();
        let ch = &p.channels[pl.channel];
        if ch.lim.excluded {
            bounds.push(LaneBound::Excluded);
        } else {
            if ch.lim.locked_spend_cny.is_some() {
                bounds.push(LaneBound::Locked);
            } else {
                if let Some(mn) = ch.lim.min_spend_cny
                    && mn > 0.0
                    && tight(ch_spend[pl.channel], mn)
                {
                    bounds.push(LaneBound::ChannelMin);
                }
                if let Some(mx) = ch.lim.max_spend_cny
                    && tight(ch_spend[pl.channel], mx)
                {
                    bounds.push(LaneBound::ChannelMax);
                }
            }
            if let Some(sh) = ch.lim.max_share
                && sh < 1.0
                && tight(ch_spend[pl.channel], sh * total_spend)
            {
                bounds.push(LaneBound::ChannelShare);
            }
            let top = pl.range_top_cny_per_day;
            if day >= top * (1.0 - TIGHT) {
                if let (Some(cs), Some(cap)) = (l.curve.cap_spend(), l.curve.cap_viewers_per_day)
                    && top >= cs * (1.0 - 1e-12)
                {
                    bounds.push(LaneBound::ReachCap);
                    binding.push(BindingConstraint {
                        kind: ConstraintKind::ReachCap,
                        channel: Some(l.channel.clone()),
                        room: Some(l.room.clone()),
                        description: format!(
                            "{} reach cap {}/day reached",
                            lane_name(i),
                            fmt_num(cap)
                        ),
                        shadow_price: None,
                    });
                } else if let Some(h) = l.history_max_spend_cny_per_day
                    && h > 0.0
                    && top >= req.segments.history_multiple * h * (1.0 - 1e-12)
                {
                    bounds.push(LaneBound::SupportLimit);
                    binding.push(BindingConstraint {
                        kind: ConstraintKind::SupportLimit,
                        channel: Some(l.channel.clone()),
                        room: Some(l.room.clone()),
                        description: format!(
                            "{} at its support limit {} CNY/day ({} × its highest day in the history; `[plan] max_extrapolation` allows more)",
                            lane_name(i),
                            fmt_num(top),
                            fmt_num(req.segments.history_multiple)
                        ),
                        shadow_price: None,
                    });
                } else {
                    bounds.push(LaneBound::RangeEnd);
                    binding.push(BindingConstraint {
                        kind: ConstraintKind::RangeEnd,
                        channel: Some(l.channel.clone()),
                        room: Some(l.room.clone()),
                        description: format!(
                            "{} at the end of its planned range {} CNY/day",
                            lane_name(i),
                            fmt_num(top)
                        ),
                        shadow_price: None,
                    });
                }
            }
        }
        // Past a sane ceiling the lane is saturated at this spend: no number
        // (a saturated exponential's marginal cost can reach 1e76).
        let mc = l.curve.marginal_cost(day);
        let avg = if v > 0.0 { x / v } else { 0.0 };
        let ceiling = crate::curves::fit::MARGINAL_CEILING_CNY
            .max(crate::curves::fit::MARGINAL_CEILING_RATIO * avg);
        let mc = if mc.is_finite() && mc <= ceiling {
            mc
        } else {
            f64::INFINITY
        };
        lanes.push(LanePlan {
            room: l.room.clone(),
            channel: l.channel.clone(),
            spend_cny: x,
            spend_cny_per_day: day,
            viewers: v,
            viewers_lp: sol.viewers_lp[i],
            metric_value: v * pl.weight,
            avg_cost_cny_per_viewer: (v > 0.0).then(|| x / v),
            marginal_cost_cny_per_viewer: mc.is_finite().then_some(mc),
            bounds_binding: bounds,
        });
    }
    let unit = req.metric.unit();
    let metric_lp: f64 = p
        .lanes
        .iter()
        .zip(&sol.viewers_lp)
        .map(|(l, v)| l.weight * v)
        .sum();
    if goal.min_spend
        && let Some(t) = goal.total_target
        && tight(metric_lp, t)
    {
        binding.push(BindingConstraint {
            kind: ConstraintKind::Target,
            channel: None,
            room: None,
            description: format!("target {} {unit}", fmt_num(t)),
            shadow_price: sol.duals.target,
        });
    }
    if let Some(b) = goal.budget
        && tight(total_spend, b)
    {
        binding.push(BindingConstraint {
            kind: ConstraintKind::Budget,
            channel: None,
            room: None,
            description: format!("budget {} CNY fully spent", fmt_num(b)),
            shadow_price: sol.duals.budget,
        });
    }
    let mut rooms = Vec::with_capacity(p.rooms.len());
    for (r, name) in p.rooms.iter().enumerate() {
        let idx: Vec<usize> = (0..p.lanes.len())
            .filter(|&i| p.lanes[i].room == r)
            .collect();
        let reached_lp: f64 = idx
            .iter()
            .map(|&i| p.lanes[i].weight * sol.viewers_lp[i])
            .sum();
        let reached: f64 = idx.iter().map(|&i| lanes[i].metric_value).sum();
        let target = goal.room_targets.get(r).copied().flatten();
        let dual = sol.duals.rooms.get(r).copied().flatten();
        if let Some(t) = target
            && tight(reached_lp, t)
        {
            binding.push(BindingConstraint {
                kind: ConstraintKind::RoomTarget,
                channel: None,
                room: Some(name.clone()),
                description: format!("room {name} target {} {unit}", fmt_num(t)),
                shadow_price: dual,
            });
        }
        rooms.push(RoomResult {
            room: name.clone(),
            target: p.room_target[r],
            reached_lp,
            reached,
            spend_cny: idx.iter().map(|&i| spend[i]).sum(),
            shadow_price_cny_per_unit: if goal.min_spend { dual } else { None },
        });
    }
    for (c, ch) in p.channels.iter().enumerate() {
        let s = ch_spend[c];
        let d = |v: &Vec<Option<f64>>| v.get(c).copied().flatten();
        if ch.lim.excluded {
            continue;
        }
        if let Some(lk) = ch.lim.locked_spend_cny {
            binding.push(BindingConstraint {
                kind: ConstraintKind::ChannelLocked,
                channel: Some(ch.name.clone()),
                room: None,
                description: format!("{} locked by contract at {} CNY", ch.name, fmt_num(lk)),
                shadow_price: d(&sol.duals.ch_min),
            });
        } else {
            if let Some(mn) = ch.lim.min_spend_cny
                && mn > 0.0
                && tight(s, mn)
            {
                binding.push(BindingConstraint {
                    kind: ConstraintKind::ChannelMin,
                    channel: Some(ch.name.clone()),
                    room: None,
                    description: format!("{} at its minimum {} CNY", ch.name, fmt_num(mn)),
                    shadow_price: d(&sol.duals.ch_min),
                });
            }
            if let Some(mx) = ch.lim.max_spend_cny
                && tight(s, mx)
            {
                binding.push(BindingConstraint {
                    kind: ConstraintKind::ChannelMax,
                    channel: Some(ch.name.clone()),
                    room: None,
                    description: format!("{} at its maximum {} CNY", ch.name, fmt_num(mx)),
                    shadow_price: d(&sol.duals.ch_max),
                });
            }
        }
        if let Some(sh) = ch.lim.max_share
            && sh < 1.0
            && tight(s, sh * total_spend)
        {
            binding.push(BindingConstraint {
                kind: ConstraintKind::ChannelShare,
                channel: Some(ch.name.clone()),
                room: None,
                description: format!(
                    "{} at its maximum share {}% of total spend",
                    ch.name,
                    fmt_num(sh * 100.0)
                ),
                shadow_price: d(&sol.duals.ch_share),
            });
        }
    }
    let viewers: f64 = lanes.iter().map(|l| l.viewers).sum();
    let totals = Totals {
        spend_cny: total_spend,
        viewers,
        viewers_lp: sol.viewers_lp.iter().sum(),
        metric_value: lanes.iter().map(|l| l.metric_value).sum(),
        metric_value_lp: metric_lp,
        avg_cost_cny_per_viewer: (viewers > 0.0).then(|| total_spend / viewers),
    };
    Plan {
        status: PlanStatus::Optimal,
        mode: if goal.min_spend {
            PlanMode::MinSpend
        } else {
            PlanMode::MaxMetric
        },
        metric: req.metric,
        horizon_days: h,
        lanes,
        rooms,
        totals,
        target_shadow_price_cny_per_unit: if goal.min_spend {
            sol.duals.target
        } else {
            None
        },
        budget_shadow_price_units_per_cny: sol.duals.budget.map(|b| b.max(0.0)),
        binding,
        infeasibility: None,
        solver: sol.path,
        segments_total: p.lanes.iter().map(|l| l.segs.len()).sum(),
    }
}

/// Solves a plan request. Min-spend mode when a total or room target is
/// given (within the budget if one is given), max-metric mode with only a
/// budget. An unreachable target yields `status: Infeasible` with the
/// cheapest plan reaching the most that is reachable, and what limits it.
pub fn solve(req: &PlanRequest) -> Result<Plan, PlanError> {
    let p = prepare(req)?;
    let room_targets = p.room_target.clone();
    let has_targets = req.target.is_some() || room_targets.iter().any(Option::is_some);
    let goal = Goal {
        min_spend: has_targets,
        total_target: req.target,
        room_targets: room_targets.clone(),
        room_caps: false,
        budget: req.budget_cny,
    };
    match run(&p, &goal)? {
        Outcome::Solved(sol) => Ok(report(&p, &goal, &sol)),
        Outcome::Infeasible if !has_targets => Err(PlanError::Inconsistent(
            "the channel limits cannot all hold within the budget".into(),
        )),
        Outcome::Infeasible => infeasible_plan(&p, &goal),
    }
}

/// The most reachable under every limit, then the cheapest plan reaching it.
fn infeasible_plan(p: &Prepared, goal: &Goal) -> Result<Plan, PlanError> {
    let rooms_mode = goal.room_targets.iter().any(Option::is_some);
    let max_goal = Goal {
        min_spend: false,
        total_target: None,
        room_targets: goal.room_targets.clone(),
        room_caps: rooms_mode,
        budget: goal.budget,
    };
    let best = match run(p, &max_goal)? {
        Outcome::Solved(s) => s,
        Outcome::Infeasible => {
            return Err(PlanError::Inconsistent(
                "the channel limits cannot all hold (even ignoring the targets)".into(),
            ));
        }
    };
    let room_reached: Vec<f64> = (0..p.rooms.len())
        .map(|r| {
            p.lanes
                .iter()
                .zip(&best.viewers_lp)
                .filter(|(l, _)| l.room == r)
                .map(|(l, v)| l.weight * v)
                .sum()
        })
        .collect();
    let total_reached: f64 = p
        .lanes
        .iter()
        .zip(&best.viewers_lp)
        .map(|(l, v)| l.weight * v)
        .sum();
    let (requested, reachable) = if rooms_mode {
        let req: f64 = goal.room_targets.iter().flatten().sum();
        let reach: f64 = goal
            .room_targets
            .iter()
            .zip(&room_reached)
            .filter_map(|(t, r)| t.map(|t| r.min(t)))
            .sum();
        (req, reach)
    } else {
        (goal.total_target.unwrap_or(0.0), total_reached)
    };
    // Limits that stop more: binding in the max-reach plan (budget, channel
    // caps, reach caps, range ends).
    let max_plan = report(p, &max_goal, &best);
    let limiting: Vec<String> = max_plan
        .binding
        .iter()
        .filter(|b| b.kind != ConstraintKind::RoomTarget)
        .map(|b| b.description.clone())
        .collect();
    // Cheapest plan reaching (just under) the maximum.
    let shrink = 1.0 - 1e-7;
    let cheap_goal = Goal {
        min_spend: true,
        total_target: goal.total_target.map(|t| t.min(total_reached * shrink)),
        room_targets: goal
            .room_targets
            .iter()
            .zip(&room_reached)
            .map(|(t, r)| t.map(|t| t.min(r * shrink)))
            .collect(),
        room_caps: false,
        budget: goal.budget,
    };
    let mut plan = match run(p, &cheap_goal)? {
        Outcome::Solved(s) => report(p, &cheap_goal, &s),
        Outcome::Infeasible => max_plan,
    };
    plan.status = PlanStatus::Infeasible;
    plan.infeasibility = Some(Infeasibility {
        requested,
        max_reachable: reachable,
        shortfall: (requested - reachable).max(0.0),
        limiting,
    });
    for (r, room) in plan.rooms.iter_mut().enumerate() {
        room.target = p.room_target[r];
    }
    Ok(plan)
}

/// Piecewise-linear segments of every lane as the solver sees them (daily
/// axis), in input order. For inspection and charts.
pub fn lane_segments(req: &PlanRequest) -> Result<Vec<Vec<Segment>>, PlanError> {
    Ok(prepare(req)?.lanes.into_iter().map(|l| l.segs).collect())
}
