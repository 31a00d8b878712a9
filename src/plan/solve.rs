//! Solving a request: the greedy fast path or the LP, and for an
//! unreachable target the most reachable plan and what limits it.

use super::assemble::assemble;
use super::greedy::{greedy, greedy_eligible};
use super::input::{PlanError, PlanRequest};
use super::lp::{SpendLp, full_blocks};
use super::output::*;
use super::problem::{Goal, Outcome, Prepared, prepare};
use super::segments::Segment;

pub(crate) fn run(p: &Prepared, goal: &Goal) -> Result<Outcome, PlanError> {
    if greedy_eligible(p) {
        greedy(p, goal)
    } else if super::roi_fill::eligible(p, goal)
        && let Some(sol) = super::roi_fill::solve(p, goal)
    {
        Ok(Outcome::Solved(Box::new(sol)))
    } else {
        lp_solve(p, goal)
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
        min_spend: has_targets && !req.value.maximize_profit,
        total_target: req.target,
        room_targets: room_targets.clone(),
        room_caps: false,
        budget: req.budget_cny,
        profit: req.value.maximize_profit,
        min_roi: req.value.min_roi,
    };
    match run(&p, &goal)? {
        Outcome::Solved(sol) => Ok(assemble(&p, &goal, &sol)),
        Outcome::Infeasible if !has_targets => Err(inconsistent(
            &p,
            &goal,
            "the channel limits cannot all hold within the budget",
        )?),
        Outcome::Infeasible => {
            let mut plan = infeasible_plan(&p, &goal)?;
            if goal.min_roi.is_some()
                && let Some(v) = plan.value.as_mut()
            {
                v.roi_reachable = super::value::reachable_roi(&p, &goal)?;
            }
            Ok(plan)
        }
    }
}

/// Limits that contradict each other: the error, with the smallest
/// relaxation that makes the whole request feasible in its words.
fn inconsistent(p: &Prepared, goal: &Goal, what: &str) -> Result<PlanError, PlanError> {
    let scale = goal
        .budget
        .unwrap_or_else(|| p.lanes.iter().map(|l| l.seg_total_cny(p.h)).sum::<f64>());
    let mut words = what.to_string();
    if let Some(rel) = super::relax::smallest_relaxation(p, goal, scale)? {
        for line in crate::report::limits_text::relaxation_sentences(&rel, p.req.metric) {
            words.push_str("; ");
            words.push_str(&line);
        }
    }
    Ok(PlanError::Inconsistent(words))
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
        profit: false,
        min_roi: goal.min_roi,
    };
    let best = match run(p, &max_goal)? {
        Outcome::Solved(s) => s,
        Outcome::Infeasible => {
            return Err(inconsistent(
                p,
                goal,
                "the channel limits cannot all hold (even ignoring the targets)",
            )?);
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
    let max_plan = assemble(p, &max_goal, &best);
    let max_plan_spend = max_plan.totals.spend_cny;
    let limiting: Vec<Limit> = max_plan
        .binding
        .iter()
        .filter(|b| b.kind != ConstraintKind::RoomTarget)
        .map(|b| b.limit.clone())
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
        profit: false,
        min_roi: goal.min_roi,
    };
    let mut plan = match run(p, &cheap_goal)? {
        Outcome::Solved(s) => assemble(p, &cheap_goal, &s),
        Outcome::Infeasible => max_plan,
    };
    plan.status = PlanStatus::Infeasible;
    let relaxation = super::relax::smallest_relaxation(p, goal, max_plan_spend)?;
    plan.infeasibility = Some(Infeasibility {
        requested,
        max_reachable: reachable,
        shortfall: (requested - reachable).max(0.0),
        limiting,
        relaxation,
    });
    for (r, room) in plan.rooms.iter_mut().enumerate() {
        room.target = p.room_target[r];
    }
    Ok(plan)
}

/// Piecewise-linear segments of every lane as the solver sees them (daily
/// axis), in input order. For inspection and charts.
pub fn lane_segments(req: &PlanRequest) -> Result<Vec<Vec<Segment>>, PlanError> {
    Ok(prepare(req)?
        .lanes
        .into_iter()
        .map(|l| l.segs.to_vec())
        .collect())
}

/// Solves the segment LP: in full up to `lp_full_max_vars` segment
/// variables, else on certified windows ([`super::window`]).
fn lp_solve(p: &Prepared, goal: &Goal) -> Result<Outcome, PlanError> {
    let total: usize = p.lanes.iter().map(|l| l.segs.len()).sum();
    if total <= p.req.lp_full_max_vars {
        return SpendLp::new(p, &full_blocks(p)).solve(p, goal, SolverPath::Lp);
    }
    if super::classes::eligible(p, goal)
        && let Some(out) = super::classes::solve(p, goal)?
    {
        return Ok(out);
    }
    super::window::windowed(p, goal)
}
