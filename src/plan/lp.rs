//! The planning LP (good_lp + clarabel) over blocks of segments, with its
//! duals read back, and the reduced-cost thresholds they imply.

use clarabel::solver::SolverStatus;
use good_lp::constraint::ConstraintReference;
use good_lp::solvers::{DualValues, SolutionWithDual};
use good_lp::{
    Constraint, Expression, ProblemVariables, ResolutionError, Solution, SolverModel, Variable,
    clarabel, variable, variables,
};

use super::input::PlanError;
use super::output::SolverPath;
use super::problem::{Duals, Goal, Outcome, Prepared, Sol};

/// One LP column: a block of consecutive fine segments of a lane.
#[derive(Clone, Copy, Debug)]
pub(super) struct Col {
    pub(super) var: Variable,
    pub(super) width_cny: f64,
    /// Least spend (the part under a guardrail floor), CNY.
    pub(super) least_cny: f64,
    pub(super) viewers_per_cny: f64,
}

/// The planning LP in good_lp's house style: expressions accumulated per
/// row, constraints added from them, duals read back.
pub(crate) struct SpendLp {
    pub(super) vars: ProblemVariables,
    pub(super) total_spend: Expression,
    pub(super) total_metric: Expression,
    pub(super) channel_spend: Vec<Expression>,
    pub(super) room_metric: Vec<Expression>,
    pub(super) cols: Vec<Vec<Col>>,
    pub(super) overflow: Vec<Option<Variable>>,
}

impl SpendLp {
    /// `blocks[lane]` partitions the lane's fine segments into columns.
    pub(crate) fn new(p: &Prepared, blocks: &[Vec<(usize, usize)>]) -> Self {
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
            let floor = lane.guard_floor_cny();
            for &(first, last) in &blocks[l] {
                let a = lane.segs[first].start_cny_per_day;
                let b = lane.segs[last].end_cny_per_day;
                let dv: f64 = lane.segs[first..=last]
                    .iter()
                    .map(|s| s.viewers_per_cny * s.width_cny_per_day())
                    .sum();
                let width_cny = (b - a) * h;
                let g = if b > a { dv / (b - a) } else { 0.0 };
                // The guardrail's floor is a break of the chords: the
                // columns below it are bought whole (rounding aside).
                let least = if floor > 0.0 {
                    let x = (floor - a * h).clamp(0.0, width_cny);
                    if x <= width_cny * 1e-9 {
                        0.0
                    } else if x >= width_cny * (1.0 - 1e-9) {
                        width_cny
                    } else {
                        x
                    }
                } else {
                    0.0
                };
                let var = lp.vars.add(variable().min(least).max(width_cny));
                lp.add_col(lane.channel, lane.room, var, g * lane.weight);
                cols.push(Col {
                    var,
                    width_cny,
                    least_cny: least,
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

    pub(crate) fn solve(
        self,
        p: &Prepared,
        goal: &Goal,
        path: SolverPath,
    ) -> Result<Outcome, PlanError> {
        let SpendLp {
            vars,
            total_spend,
            total_metric,
            channel_spend,
            room_metric,
            cols,
            overflow,
        } = self;
        // Σ coef(lane)·g·x over every column (GMV or profit before spend).
        let per_col = |coef: &dyn Fn(usize) -> f64| {
            let mut e = Expression::with_capacity(cols.iter().map(Vec::len).sum());
            for (l, lane_cols) in cols.iter().enumerate() {
                let k = coef(l);
                if k != 0.0 {
                    for c in lane_cols {
                        e.add_mul(k * c.viewers_per_cny, c.var);
                    }
                }
            }
            e
        };
        let objective = if goal.profit {
            per_col(&|l| p.lanes[l].value) - total_spend.clone()
        } else if goal.min_spend {
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
        // With an ROI floor the objective is divided by its largest column
        // coefficient (GMV per CNY reaches ~1e5 on the steep first chord of
        // a Hill a < 1 lane; clarabel then stopped with "dual infeasible"),
        // and the duals are multiplied back below. Other goals are solved
        // as they always were.
        let obj_scale = if goal.min_roi.is_some() && !goal.min_spend {
            let biggest = cols
                .iter()
                .zip(&p.lanes)
                .flat_map(|(lc, l)| {
                    let k = l.weight.abs().max(l.gpv.abs()).max(l.value.abs());
                    lc.iter().map(move |c| (k * c.viewers_per_cny).abs())
                })
                .fold(1.0, f64::max);
            1.0 / biggest
        } else {
            1.0
        };
        let objective = if obj_scale != 1.0 {
            objective * obj_scale
        } else {
            objective
        };
        // Built afresh for each attempt of [`solve_retrying`] (clarabel
        // consumes its model); the rows come out in the same order, so
        // their references are the same in every attempt.
        let attempt = |gap: Option<f64>| {
            let unsolved = if goal.min_spend {
                vars.clone().minimise(objective.clone())
            } else {
                vars.clone().maximise(objective.clone())
            };
            let mut model = unsolved.using(clarabel);
            loosen(&mut model, gap);
            let mut add = |c: Constraint| -> ConstraintReference { model.add_constraint(c) };
            let target_row = if goal.min_spend || goal.profit {
                goal.total_target.map(|t| add(total_metric.clone().geq(t)))
            } else {
                None
            };
            let budget_row = goal.budget.map(|b| add(total_spend.clone().leq(b)));
            let roi_row = goal.min_roi.map(|r| {
                let gmv = per_col(&|l| p.lanes[l].gpv);
                // Divided by R: the row's coefficients `gpv·g/R − 1` are then of
                // the spend rows' order. Unscaled (`gpv·g − R`, from −R to
                // ~1e5 on the steep first chord of a Hill a < 1 lane) clarabel
                // answered "dual infeasible" after two steps on such lanes.
                add((gmv * (1.0 / r) - total_spend.clone()).geq(0.0))
            });
            let mut room_rows = vec![None; p.rooms.len()];
            for (r, t) in goal.room_targets.iter().enumerate() {
                if let Some(t) = *t {
                    let e = room_metric[r].clone();
                    room_rows[r] = Some(if goal.min_spend || goal.profit {
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
            let extra_refs: Vec<ConstraintReference> = p
                .extra_rows
                .iter()
                .map(|r| add(row_constraint(r, &cols, &overflow, &total_spend)))
                .collect();
            let refs = Refs {
                target_row,
                budget_row,
                roi_row,
                room_rows,
                min_rows,
                max_rows,
                share_rows,
                extra_refs,
            };
            model.solve().map(|sol| (sol, refs))
        };
        let (mut sol, refs) = match solve_retrying(attempt) {
            Ok(s) => s,
            Err(ResolutionError::Infeasible) => return Ok(Outcome::Infeasible),
            Err(e) => return Err(PlanError::Solver(e.to_string())),
        };
        // good_lp hands back clarabel's "dual infeasible" (the LP
        // unbounded) as a solution. Every column here is bounded, so that
        // status is numerical trouble and its point is garbage (NaN
        // objective): an error, never a plan.
        if matches!(
            sol.inner().status,
            SolverStatus::DualInfeasible | SolverStatus::AlmostDualInfeasible
        ) {
            return Err(PlanError::Solver(format!(
                "clarabel reported the plan unbounded ({:?}), which cannot be: every spend is bounded; \
                 this is numerical trouble in the solver, please report it with the request",
                sol.inner().status
            )));
        }
        let mut spend = vec![0.0; p.lanes.len()];
        let mut viewers = vec![0.0; p.lanes.len()];
        for (l, lane_cols) in cols.iter().enumerate() {
            for c in lane_cols {
                let x = sol.value(c.var).clamp(c.least_cny, c.width_cny);
                spend[l] += x;
                viewers[l] += x * c.viewers_per_cny;
            }
        }
        let over: Vec<f64> = overflow
            .iter()
            .map(|v| v.map_or(0.0, |v| sol.value(v).max(0.0)))
            .collect();
        let dual = sol.compute_dual();
        let get = |r: Option<ConstraintReference>| r.map(|r| dual.dual(r) / obj_scale);
        let duals = Duals {
            target: get(refs.target_row),
            budget: get(refs.budget_row),
            rooms: refs.room_rows.into_iter().map(get).collect(),
            ch_min: refs.min_rows.into_iter().map(get).collect(),
            ch_max: refs.max_rows.into_iter().map(get).collect(),
            ch_share: refs.share_rows.into_iter().map(get).collect(),
            extra: refs
                .extra_refs
                .into_iter()
                .map(|r| dual.dual(r) / obj_scale)
                .collect(),
            roi: get(refs.roi_row),
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

/// The rows of one solve of [`SpendLp::solve`] whose duals are read.
struct Refs {
    target_row: Option<ConstraintReference>,
    budget_row: Option<ConstraintReference>,
    roi_row: Option<ConstraintReference>,
    room_rows: Vec<Option<ConstraintReference>>,
    min_rows: Vec<Option<ConstraintReference>>,
    max_rows: Vec<Option<ConstraintReference>>,
    share_rows: Vec<Option<ConstraintReference>>,
    extra_refs: Vec<ConstraintReference>,
}

/// The gap tolerances of the attempts after clarabel's defaults (1e-8):
/// near the edge of feasibility its iterates can close the gap to ~1e-8
/// and then oscillate until the iteration limit ("Max iterations
/// reached", found by `duals_match_resolves` at 20,000 cases); a gap of
/// 1e-7 of the objective is far below a plan's rounding.
const RETRY_GAPS: [f64; 2] = [1e-7, 1e-6];

/// Loosen `model`'s gap tolerances to `gap` (`None`: clarabel's defaults).
pub(super) fn loosen(model: &mut good_lp::solvers::clarabel::ClarabelProblem, gap: Option<f64>) {
    if let Some(g) = gap {
        model.settings().tol_gap_abs(g).tol_gap_rel(g);
    }
}

/// `attempt(None)`, and again with the looser gaps of [`RETRY_GAPS`] while
/// clarabel stops short of an answer (iteration limit, no progress,
/// numerical error: good_lp's `ResolutionError::Other`). An infeasible or
/// solved answer is returned as it comes.
pub(super) fn solve_retrying<T>(
    mut attempt: impl FnMut(Option<f64>) -> Result<T, ResolutionError>,
) -> Result<T, ResolutionError> {
    let mut out = attempt(None);
    for g in RETRY_GAPS {
        match out {
            Err(ResolutionError::Other(_)) => out = attempt(Some(g)),
            _ => break,
        }
    }
    out
}

/// Per lane, the chord slope above which a chord is worth filling at the
/// duals `d`: `α_l / β_l` of [`lane_prices`] (∞ where `β_l ≤ 0`).
pub(crate) fn thresholds(p: &Prepared, goal: &Goal, d: &Duals) -> Vec<f64> {
    lane_prices(p, goal, d)
        .into_iter()
        .map(|(alpha, beta)| {
            if beta > 0.0 {
                alpha / beta
            } else {
                f64::INFINITY
            }
        })
        .collect()
}

/// Change of the objective per CNY of a chord of slope `g` bought in a
/// lane priced `(α, β)` by [`lane_prices`]: CNY in min-spend mode, metric
/// units (profit: CNY of profit) in max mode.
pub(crate) fn reduced_cost(goal: &Goal, (alpha, beta): (f64, f64), g: f64) -> f64 {
    if goal.min_spend && !goal.profit {
        alpha - beta * g
    } else {
        beta * g - alpha
    }
}

/// Reduced cost of a segment with chord slope `g` in lane `l` is
/// `α_l − β_l·g` (min mode; `β_l·g − α_l` in max mode) from the row duals
/// (good_lp duals are sensitivities `∂obj/∂rhs`, i.e. the multipliers `u`
/// in `rc = c − uᵀA`). Segments with `g` above `α_l / β_l` are filled.
/// The ROI floor row adds `−μ(gpv·g − R)`; profit's objective coefficient
/// is `value·g − 1`. The greedy and the ROI fill set the duals they have
/// (target or budget, ROI) in the LP's convention, so this holds there too.
pub(crate) fn lane_prices(p: &Prepared, goal: &Goal, d: &Duals) -> Vec<(f64, f64)> {
    let z = |v: Option<f64>| v.unwrap_or(0.0);
    let at = |v: &Vec<Option<f64>>, i: usize| v.get(i).copied().flatten().unwrap_or(0.0);
    // Every lane is in the total spend of each share row with coefficient −share.
    let share_all: f64 = p
        .channels
        .iter()
        .enumerate()
        .map(|(c, ch)| ch.lim.max_share.unwrap_or(0.0) * at(&d.ch_share, c))
        .sum();
    let extra = super::groups::spend_duals(&p.extra_rows, &d.extra, p.lanes.len());
    p.lanes
        .iter()
        .zip(extra)
        .map(|(l, extra)| {
            let c = l.channel;
            let spend_duals =
                z(d.budget) + at(&d.ch_min, c) + at(&d.ch_max, c) + at(&d.ch_share, c) - share_all
                    + extra;
            let u_room = at(&d.rooms, l.room);
            // The ROI row's column coefficient is `gpv·g − R`.
            // The row is divided by R (see `solve`), so its dual is R times
            // the unscaled one.
            let r = goal.min_roi.unwrap_or(0.0);
            let mu = if r > 0.0 { z(d.roi) / r } else { 0.0 };
            let (alpha, beta) = if goal.profit {
                (
                    1.0 + spend_duals - mu * r,
                    l.value - l.weight * (z(d.target) + u_room) - mu * l.gpv,
                )
            } else if goal.min_spend {
                (
                    1.0 - spend_duals + mu * r,
                    l.weight * (z(d.target) + u_room) + mu * l.gpv,
                )
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
                (spend_duals - mu * r, l.weight * (k - u_room) - mu * l.gpv)
            };
            (alpha, beta)
        })
        .collect()
}

/// One row of the groups or the guardrail over the LP's columns.
pub(super) fn row_constraint(
    r: &super::groups::Row,
    cols: &[Vec<Col>],
    overflow: &[Option<Variable>],
    total_spend: &Expression,
) -> Constraint {
    let e = row_expr(r, cols, overflow, total_spend);
    if r.upper { e.leq(r.rhs) } else { e.geq(r.rhs) }
}

/// The left side of one row of the groups or the guardrail.
pub(super) fn row_expr(
    r: &super::groups::Row,
    cols: &[Vec<Col>],
    overflow: &[Option<Variable>],
    total_spend: &Expression,
) -> Expression {
    let mut e = Expression::with_capacity(r.lanes.iter().map(|&(l, _)| cols[l].len()).sum());
    for &(l, c) in &r.lanes {
        for col in &cols[l] {
            e.add_mul(c, col.var);
        }
    }
    for &c in &r.overflow {
        if let Some(v) = overflow[c] {
            e.add_mul(1.0, v);
        }
    }
    if r.total != 0.0 {
        e += r.total * total_spend.clone();
    }
    e
}

pub(crate) fn full_blocks(p: &Prepared) -> Vec<Vec<(usize, usize)>> {
    p.lanes
        .iter()
        .map(|l| (0..l.segs.len()).map(|j| (j, j)).collect())
        .collect()
}

/// About `per_lane` blocks of equal segment counts per lane; a lane's
/// segments under its guardrail floor are a block of their own (a block
/// mixing them with others would be partly forced).
pub(crate) fn coarse_blocks(p: &Prepared, per_lane: usize) -> Vec<Vec<(usize, usize)>> {
    p.lanes
        .iter()
        .map(|l| {
            let n = l.segs.len();
            if n == 0 {
                return vec![];
            }
            let f = l.forced_segments(p.h);
            let mut out = Vec::new();
            if f > 0 {
                out.push((0, f - 1));
            }
            let k = (n - f).div_ceil(per_lane).max(1);
            out.extend((f..n).step_by(k).map(|s| (s, (s + k - 1).min(n - 1))));
            out
        })
        .collect()
}
