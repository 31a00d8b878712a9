//! The budget frontier: the most a budget buys, solved over a list of
//! budgets. One solver for both frontiers acqplan shows; they differ in
//! what they re-solve and which budgets they keep (see [`FrontierGoal`] and
//! [`around_plan`]).

use rayon::prelude::*;

use super::input::{Metric, PlanError, PlanRequest};
use super::output::{Plan, PlanStatus};
use super::solve::solve;
use super::stage::PlanReport;

/// Budgets [`around_plan`] solves.
pub const FRONTIER_POINTS: usize = 12;
/// [`around_plan`]'s budgets run from this multiple of the plan's spend…
pub const FRONTIER_LOW: f64 = 0.3;
/// …to this one.
pub const FRONTIER_HIGH: f64 = 2.0;

/// What is maximised at each budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrontierGoal {
    /// The request's own metric (viewers, orders or GMV), with its targets
    /// and room targets as given (the `frontier` command passes none), only
    /// the budget replaced.
    Request,
    /// Viewers, whatever the request's metric, with its total and room
    /// targets dropped: the viewers each budget buys (the frontier chart of
    /// a plan run, whose plan may be for an orders or GMV target).
    MostViewers,
}

/// Solves `req` with its budget replaced by each of `budgets_cny` (CNY over
/// the horizon), in parallel; one result per budget, in order. Nothing is
/// left out: an unplannable budget is its error, an infeasible plan is its
/// plan (the caller decides what to keep).
pub fn frontier(
    req: &PlanRequest,
    budgets_cny: &[f64],
    goal: FrontierGoal,
) -> Vec<Result<Plan, PlanError>> {
    let mut base = req.clone();
    if goal == FrontierGoal::MostViewers {
        base.metric = Metric::Viewers;
        base.target = None;
        base.room_targets.clear();
    }
    // Every budget cuts the same curves: once (a request that cannot be
    // cut fails at each budget with its error).
    base.budget_cny = budgets_cny.first().copied();
    let _ = base.cache_segments();
    budgets_cny
        .par_iter()
        .map(|&budget| {
            let mut r = base.clone();
            r.budget_cny = Some(budget);
            solve(&r)
        })
        .collect()
}

/// One point of the budget frontier.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FrontierPoint {
    /// Budget asked, CNY over the horizon.
    pub budget_cny: f64,
    /// Spend of the max-viewers plan, CNY (≤ budget).
    pub spend_cny: f64,
    /// Expected viewers over the horizon.
    pub viewers: f64,
}

impl FrontierPoint {
    /// The point a plan solved at `budget_cny` puts on the frontier.
    pub fn of(budget_cny: f64, plan: &Plan) -> Self {
        FrontierPoint {
            budget_cny,
            spend_cny: plan.totals.spend_cny,
            viewers: plan.totals.viewers,
        }
    }
}

/// Expected viewers against budget.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Frontier {
    /// Budget ascending (for [`around_plan`]: from about 0.3× to 2× the
    /// plan's spend); budgets that cannot be planned (e.g. below locked
    /// spend) are left out.
    pub points: Vec<FrontierPoint>,
    /// The run's what-if budgets, in the order given (unplannable left out).
    pub what_if: Vec<FrontierPoint>,
}

/// The frontier drawn for a plan run: [`FrontierGoal::MostViewers`] at
/// [`FRONTIER_POINTS`] budgets from [`FRONTIER_LOW`]× to [`FRONTIER_HIGH`]×
/// the plan's spend (the last horizon's spend when the plan spends
/// nothing), and at each what-if budget. Unlike the `frontier` command,
/// which keeps every budget and fails on the first that cannot be planned,
/// this keeps only budgets that are finite, positive and solve to an
/// optimal plan.
pub fn around_plan(
    req: &PlanRequest,
    report: &PlanReport,
    what_if_budgets_cny: &[f64],
) -> Frontier {
    let totals = &report.plan.totals;
    let base = if totals.spend_cny > 0.0 {
        totals.spend_cny
    } else {
        report.comparison.last_spend_cny
    };
    let budgets: Vec<f64> = if base > 0.0 && base.is_finite() {
        (0..FRONTIER_POINTS)
            .map(|i| {
                let t = i as f64 / (FRONTIER_POINTS - 1) as f64;
                base * (FRONTIER_LOW + (FRONTIER_HIGH - FRONTIER_LOW) * t)
            })
            .collect()
    } else {
        Vec::new()
    };
    let all: Vec<f64> = budgets
        .iter()
        .chain(what_if_budgets_cny)
        .copied()
        .filter(|b| b.is_finite() && *b > 0.0)
        .collect();
    let mut solved = frontier(req, &all, FrontierGoal::MostViewers).into_iter();
    let mut keep = |budgets: &[f64]| -> Vec<FrontierPoint> {
        budgets
            .iter()
            .filter(|b| b.is_finite() && **b > 0.0)
            .filter_map(|&b| {
                let plan = solved.next()?.ok()?;
                (plan.status == PlanStatus::Optimal).then(|| FrontierPoint::of(b, &plan))
            })
            .collect()
    };
    let points = keep(&budgets);
    let what_if = keep(what_if_budgets_cny);
    Frontier { points, what_if }
}
