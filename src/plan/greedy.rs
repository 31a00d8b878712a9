//! The exact fast path: when the only coupling row is the total target or
//! budget, the segment LP is a fractional knapsack, filled greedily by
//! marginal cost.

use rayon::prelude::*;

use super::input::{PlanError, SolverChoice};
use super::output::SolverPath;
use super::problem::{Duals, Goal, Outcome, Prepared, Sol};
use super::segments::Segment;
use crate::report::table::fmt_num;

pub(crate) fn greedy_eligible(p: &Prepared) -> bool {
    p.req.solver == SolverChoice::Auto
        && p.req.room_targets.is_empty()
        && p.req.value.min_roi.is_none()
        && !(p.req.value.maximize_profit && p.req.target.is_some())
        && lane_limits_only(p)
}

/// Every limit is one lane's own: no group rows, no channel share, and a
/// channel's spend limits only on a channel of one lane.
pub(crate) fn lane_limits_only(p: &Prepared) -> bool {
    p.extra_rows.is_empty()
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
/// metric per CNY (a fractional knapsack). Profit: segments by decreasing
/// `value × viewers per CNY` while that is above 1 (each CNY returns more
/// than it costs) and the budget lasts.
pub(crate) fn greedy(p: &Prepared, goal: &Goal) -> Result<Outcome, PlanError> {
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
            let slope = s.viewers_per_cny * if goal.profit { l.value } else { l.weight };
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
    // A total order (lane and segment break ties), so the parallel sort
    // gives the sequential one's order.
    items.par_sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
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
        for &(slope, i, j, w) in &items {
            if avail <= 0.0 {
                exhausted = true;
                break;
            }
            if goal.profit && slope <= 1.0 {
                break;
            }
            let i = i as usize;
            let take = w.min(avail);
            spend[i] += take;
            viewers[i] += take * p.lanes[i].segs[j as usize].viewers_per_cny;
            avail -= take;
            last = slope;
            if avail <= 0.0 {
                exhausted = true;
            }
        }
        // Profit: one more CNY of budget earns the last chord's profit per CNY.
        let last = if goal.profit { last - 1.0 } else { last };
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
