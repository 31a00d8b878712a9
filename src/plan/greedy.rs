//! The exact fast path: when the only coupling row is the total target or
//! budget, the segment LP is a fractional knapsack, filled greedily by
//! marginal cost.

use super::input::{PlanError, SolverChoice};
use super::output::SolverPath;
use super::problem::{Duals, Goal, Outcome, Prepared, Sol};
use super::segments::Segment;
use super::select::{Cut, apply, weighted_cut};
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
    // Chords left to choose: metric per CNY (profit: value per CNY),
    // lane, segment, remaining width CNY.
    let mut key: Vec<f64> = Vec::new();
    let mut lane_of: Vec<u32> = Vec::new();
    let mut seg_of: Vec<u32> = Vec::new();
    let mut rest_of: Vec<f64> = Vec::new();
    for (i, l) in p.lanes.iter().enumerate() {
        let per = if goal.profit { l.value } else { l.weight };
        (spend[i], viewers[i]) = l.fill_forced(h, l.forced_cny(), |j, s, rest| {
            let slope = s.viewers_per_cny * per;
            if slope > 0.0 {
                key.push(slope);
                lane_of.push(i as u32);
                seg_of.push(j as u32);
                rest_of.push(rest);
            }
        });
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
        // The guardrail's floors are relaxable limits: say which by how much.
        if p.lanes.iter().any(|l| l.guard_floor_cny() > 0.0) {
            return Ok(Outcome::Infeasible);
        }
        return Err(PlanError::Inconsistent(format!(
            "minimum and locked spends total {} CNY, above the budget {} CNY",
            fmt_num(base_spend),
            fmt_num(b)
        )));
    }
    // The chords taken by decreasing key (ties by lane, then segment: the
    // chords' order) until the target or budget is used: a weighted
    // quickselect, no sort.
    let mut duals = Duals::default();
    let mut frac = vec![0.0; key.len()];
    let cut = if goal.min_spend {
        let target = goal.total_target.unwrap_or(0.0);
        let need = target - metric;
        let weight: Vec<f64> = key.iter().zip(&rest_of).map(|(k, w)| k * w).collect();
        let mut cand: Vec<u32> = (0..key.len() as u32).collect();
        let cut = if need > target * 1e-12 {
            weighted_cut(&mut cand, &key, &weight, need)
        } else {
            Cut::Nothing
        };
        if matches!(cut, Cut::All) {
            let reach: f64 = weight.iter().sum();
            if need - reach > target * 1e-9 {
                return Ok(Outcome::Infeasible);
            }
        }
        apply(cut, &cand, &key, &mut frac);
        cut
    } else {
        let avail = goal.budget.map_or(f64::INFINITY, |b| b - base_spend);
        // Profit: only chords whose CNY returns more than it costs.
        let mut cand: Vec<u32> = (0..key.len() as u32)
            .filter(|&j| !goal.profit || key[j as usize] > 1.0)
            .collect();
        let cut = weighted_cut(&mut cand, &key, &rest_of, avail);
        apply(cut, &cand, &key, &mut frac);
        cut
    };
    let mut total_spend = base_spend;
    for (j, &f) in frac.iter().enumerate() {
        if f > 0.0 {
            let i = lane_of[j] as usize;
            let take = f * rest_of[j];
            spend[i] += take;
            viewers[i] += take * p.lanes[i].segs[seg_of[j] as usize].viewers_per_cny;
            total_spend += take;
        }
    }
    let last = match cut {
        Cut::At(q, _) => Some(key[q as usize]),
        _ => None,
    };
    if goal.min_spend {
        if let Some(b) = goal.budget
            && total_spend > b * (1.0 + 1e-9)
        {
            return Ok(Outcome::Infeasible);
        }
        // The last chord bought sets the price of one more unit; all of
        // them bought (the target met exactly at the end): the last one.
        let last = last.or_else(|| {
            matches!(cut, Cut::All)
                .then(|| {
                    (0..key.len())
                        .filter(|&j| frac[j] > 0.0)
                        .map(|j| key[j])
                        .min_by(f64::total_cmp)
                })
                .flatten()
        });
        duals.target = Some(last.map_or(0.0, |s| 1.0 / s));
        duals.budget = goal.budget.map(|_| 0.0);
    } else {
        // One more CNY of budget buys more of the last chord (profit: its
        // profit per CNY); the budget not exhausted is worth nothing.
        let exhausted = !matches!(cut, Cut::All);
        let last = last.unwrap_or(0.0);
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
