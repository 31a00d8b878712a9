//! What each limit costs: every binding limit with an LP dual, turned into
//! "moving this limit by this step changes the plan by so much"
//! ([`limit_costs`]); and what the stability guardrail costs against the
//! same request without it, by a second solve ([`guardrail_cost`]).
//!
//! The duals are the LP's (good_lp's `compute_dual` on clarabel):
//! `∂ objective / ∂ right-hand side`, exact for small moves. The plan's
//! optimal cost is a convex piecewise-linear function of each limit (a
//! parametric LP), so `dual × step` is exact while the step stays on the
//! current piece and an upper bound on the saving (lower bound on the cost
//! of tightening) beyond it; the words say "about".

use serde::{Deserialize, Serialize};

use super::groups::ChangeScope;
use super::input::{PlanError, PlanRequest};
use super::output::{ConstraintKind, Limit, Plan, PlanMode, PlanStatus};

/// What a binding limit costs, per unit and for a stated step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LimitCost {
    /// Kind of the limit.
    pub kind: ConstraintKind,
    /// The limit as written (`report::plan_export::describe`'s words are
    /// attached by the report).
    #[serde(skip)]
    pub limit: Option<Limit>,
    /// The limit's value: CNY, metric units (targets) or a share in `[0, 1]`.
    pub bound: f64,
    /// The LP dual: change of the objective (CNY in min-spend mode, metric
    /// units in max mode) per unit increase of the limit (per CNY; per
    /// metric unit for targets; per whole share for shares).
    pub dual_per_unit: f64,
    /// The step the saving is stated for, in the limit's units, signed:
    /// positive raises the limit, negative lowers it (the direction that
    /// helps).
    pub step: f64,
    /// What the step buys: CNY saved (min-spend mode) or metric units
    /// gained (max mode), first order (`|dual × step|`).
    pub gain: f64,
}

/// `1, 2, 5 × 10^k` at most `x` (at least `floor`).
fn nice_step(x: f64, floor: f64) -> f64 {
    if !(x.is_finite() && x > floor) {
        return floor;
    }
    let k = x.log10().floor();
    let base = 10f64.powf(k);
    let m = x / base;
    let f = if m >= 5.0 {
        5.0
    } else if m >= 2.0 {
        2.0
    } else {
        1.0
    };
    (f * base).max(floor)
}

/// The limit's value and whether raising it loosens it (`Some(true)`),
/// lowering does (`Some(false)`) or either may (`None`: a lock), and
/// whether it is a share.
fn shape(limit: &Limit) -> Option<(f64, Option<bool>, bool)> {
    Some(match limit {
        Limit::Target { target, .. } | Limit::RoomTarget { target, .. } => {
            (*target, Some(false), false)
        }
        Limit::Budget { budget_cny } => (*budget_cny, Some(true), false),
        Limit::ChannelLocked { locked_cny, .. } => (*locked_cny, None, false),
        Limit::ChannelMin { min_cny, .. }
        | Limit::GroupMin { min_cny, .. }
        | Limit::RoomGroupMin { min_cny, .. } => (*min_cny, Some(false), false),
        Limit::ChannelMax { max_cny, .. }
        | Limit::GroupMax { max_cny, .. }
        | Limit::RoomGroupMax { max_cny, .. } => (*max_cny, Some(true), false),
        Limit::ChannelShare { max_share, .. } | Limit::GroupShare { max_share, .. } => {
            (*max_share, Some(true), true)
        }
        Limit::Guardrail { up, bound_cny, .. } | Limit::ChannelGuardrail { up, bound_cny, .. } => {
            (*bound_cny, Some(*up), false)
        }
        _ => return None,
    })
}

/// Every binding limit of `plan` with a dual that moves the plan, largest
/// gain first (ties in the plan's order). A share's dual is per whole
/// share: the LP row `spend − share × total ≤ 0` moves by `total` per
/// unit of share.
///
/// An infeasible plan has none: it is the cheapest plan reaching the most
/// reachable, where the target's dual is near vertical and moving a limit
/// would first make the request feasible (see the relaxation instead).
pub fn limit_costs(plan: &Plan) -> Vec<LimitCost> {
    if plan.status == PlanStatus::Infeasible {
        return Vec::new();
    }
    let min_mode = plan.mode == PlanMode::MinSpend;
    let total = plan.totals.spend_cny;
    let mut out: Vec<LimitCost> = plan
        .binding
        .iter()
        .filter_map(|b| {
            let dual = b.shadow_price?;
            let (bound, raise, share) = shape(&b.limit)?;
            let dual_per_unit = if share { dual * total } else { dual };
            // The objective's change per unit raise; the helpful direction.
            let helps_up = match raise {
                Some(up) => up,
                None => {
                    if min_mode {
                        dual_per_unit < 0.0
                    } else {
                        dual_per_unit > 0.0
                    }
                }
            };
            let size = if share {
                0.01
            } else if matches!(b.kind, ConstraintKind::Target | ConstraintKind::RoomTarget) {
                nice_step(bound * 0.01, 1.0)
            } else {
                nice_step(bound * 0.05, 1.0)
            };
            let step = if helps_up { size } else { -size };
            let change = dual_per_unit * step;
            let gain = if min_mode { -change } else { change };
            // Duals of the wrong sign are solver noise at a degenerate vertex.
            let scale = if min_mode {
                total
            } else {
                plan.totals.metric_value_lp
            };
            if gain <= 1e-6 * scale.abs().max(1.0) {
                return None;
            }
            Some(LimitCost {
                kind: b.kind,
                limit: Some(b.limit.clone()),
                bound,
                dual_per_unit,
                step,
                gain,
            })
        })
        .collect();
    out.sort_by(|a, b| b.gain.total_cmp(&a.gain));
    out
}

/// What the guardrail costs: the plan against the same request without it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GuardrailCost {
    /// Largest relative change (the plan-wide value).
    pub max_change: f64,
    /// Per lane or per channel.
    pub scope: ChangeScope,
    /// Lanes (or channels) with last-horizon spend: bounded by the guardrail.
    pub bounded: usize,
    /// Lanes (or channels) without last-horizon spend: new, not bounded.
    pub new: usize,
    /// Guardrail bounds holding with equality in the plan.
    pub binding: usize,
    /// Spend of the plan without the guardrail, CNY.
    pub spend_without_cny: f64,
    /// Metric of the plan without the guardrail (linearised, as solved).
    pub metric_without: f64,
    /// Min-spend mode: CNY the guardrail adds; max mode: metric units it
    /// costs (both ≥ 0 up to solver tolerance).
    pub cost: f64,
    /// The plan without the guardrail meets the request while this one
    /// does not (its cost is then the unmet part, see `infeasibility`).
    pub without_is_feasible: bool,
}

/// Solves `req` without its guardrail and states what the guardrail costs
/// `plan` (the plan of `req`). `None` when `req` has no guardrail.
pub fn guardrail_cost(req: &PlanRequest, plan: &Plan) -> Result<Option<GuardrailCost>, PlanError> {
    let Some(g) = &req.guardrail else {
        return Ok(None);
    };
    let mut free = req.clone();
    free.guardrail = None;
    let without = super::solve(&free)?;
    let (bounded, new) = match g.scope {
        ChangeScope::Lane => {
            let live = req
                .lanes
                .iter()
                .zip(&g.last_spend_cny)
                .filter(|(l, _)| !req.channels.get(&l.channel).is_some_and(|c| c.excluded));
            let (b, n): (Vec<_>, Vec<_>) = live.partition(|(_, s)| **s > 0.0);
            (b.len(), n.len())
        }
        ChangeScope::Channel => {
            let mut by: std::collections::BTreeMap<&str, f64> = Default::default();
            for (l, s) in req.lanes.iter().zip(&g.last_spend_cny) {
                *by.entry(l.channel.as_str()).or_default() += s;
            }
            let b = by.values().filter(|&&s| s > 0.0).count();
            (b, by.len() - b)
        }
    };
    let binding = plan
        .binding
        .iter()
        .filter(|b| {
            matches!(
                b.kind,
                ConstraintKind::Guardrail | ConstraintKind::ChannelGuardrail
            )
        })
        .count();
    let cost = match plan.mode {
        PlanMode::MinSpend => plan.totals.spend_cny - without.totals.spend_cny,
        PlanMode::MaxMetric => without.totals.metric_value_lp - plan.totals.metric_value_lp,
    };
    Ok(Some(GuardrailCost {
        max_change: g.max_change,
        scope: g.scope,
        bounded,
        new,
        binding,
        spend_without_cny: without.totals.spend_cny,
        metric_without: without.totals.metric_value_lp,
        cost,
        without_is_feasible: plan.status == PlanStatus::Infeasible
            && without.status == PlanStatus::Optimal,
    }))
}
