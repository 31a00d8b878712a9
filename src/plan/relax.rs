//! The smallest relaxation of the limits that makes an infeasible request
//! feasible, from ONE elastic LP: every limit row (budget, channel
//! min/max/lock/share, groups, room groups, the guardrail) gets a slack
//! variable priced at one per whole limit (slack ÷ the limit, so moving a
//! 50,000 CNY cap by 5,000 costs as much as a 500,000 CNY cap by 50,000),
//! the targets stay hard, and the LP minimises the summed relative slack
//! (then, by a tiny weight, the spend). Limits that are not relaxable: an
//! excluded channel, a lane's support limit, reach cap and planned range
//! (the curves are not trusted past them), the per-day maximum.

use good_lp::{Expression, ResolutionError, Solution, SolverModel, Variable, clarabel, variable};
use serde::Deserialize;

use super::input::PlanError;
use super::lp::{SpendLp, coarse_blocks, full_blocks, row_expr};
use super::output::{ConstraintKind, Limit};
use super::problem::{Goal, Prepared};

/// One limit moved by the smallest relaxation.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(from = "RelaxRead")]
pub struct Relax {
    /// Kind of the limit.
    pub kind: ConstraintKind,
    /// The limit as requested.
    pub limit: Limit,
    /// Its value as requested (CNY, or a share in `[0, 1]`).
    pub from: f64,
    /// The value that makes the request feasible.
    pub to: f64,
}

/// A [`Relax`] as plan.json holds it (the limit in words and as a value).
#[derive(Deserialize)]
struct RelaxRead {
    kind: ConstraintKind,
    description: Limit,
    #[serde(default)]
    limit: Option<Limit>,
    from: f64,
    to: f64,
}

impl From<RelaxRead> for Relax {
    fn from(r: RelaxRead) -> Self {
        Relax {
            kind: r.kind,
            limit: super::output::read_limit(r.description, r.limit),
            from: r.from,
            to: r.to,
        }
    }
}

/// The smallest relaxation found.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Relaxation {
    /// Limits to move, in the LP's row order (budget, channels, groups,
    /// room groups, guardrail).
    pub changes: Vec<Relax>,
    /// `false`: no relaxation of the relaxable limits reaches the target
    /// (the support limits, reach caps and planned ranges stop it).
    pub found: bool,
    /// Solved on coarse chords (a large request): the relaxation suffices
    /// but may be a little larger than the smallest.
    pub approximate: bool,
}

/// Slack below this fraction of its limit (or 1 CNY) is solver noise.
const MIN_RELATIVE: f64 = 1e-6;

enum Slot {
    Upper(Variable),
    Lower(Variable),
    Both(Variable, Variable),
}

struct Elastic {
    limit: Limit,
    from: f64,
    /// CNY of slack per unit of the limit's value (a share's: the total spend).
    per_unit: f64,
    /// A share of the total spend (its slack is CNY over the total).
    share: bool,
    /// CNY per unit of slack.
    unit_cny: f64,
    slot: Slot,
}

/// The smallest relaxation for the min-spend `goal` (targets hard), or
/// `None` when the request has no relaxable limit.
pub(crate) fn smallest_relaxation(
    p: &Prepared,
    goal: &Goal,
    total_scale_cny: f64,
) -> Result<Option<Relaxation>, PlanError> {
    // The columns without the channels' caps and locks: a channel with one
    // lane has its segments cut at its cap, which a slack on the row alone
    // could not lift. The rows below keep the limits as requested, and the
    // lane guardrail is rows here (not lane bounds) for the same reason.
    let mut loose = p.req.clone();
    for lim in loose.channels.values_mut() {
        lim.max_spend_cny = None;
        lim.locked_spend_cny = None;
    }
    let lp_p = super::problem::prepare_with(&loose, true)?;
    let q = &lp_p;
    let total_segs: usize = q.lanes.iter().map(|l| l.segs.len()).sum();
    let approximate = total_segs > p.req.lp_full_max_vars;
    let blocks = if approximate {
        coarse_blocks(q, 12)
    } else {
        full_blocks(q)
    };
    let SpendLp {
        mut vars,
        total_spend,
        total_metric,
        channel_spend,
        room_metric,
        cols,
        overflow,
    } = SpendLp::new(q, &blocks);
    let scale = total_scale_cny.max(1.0);
    let mut rows: Vec<(Elastic, good_lp::Constraint)> = Vec::new();
    let mut slack_cost = Expression::with_capacity(0);
    let mut elastic = |vars: &mut good_lp::ProblemVariables,
                       limit: Limit,
                       from: f64,
                       share: bool,
                       e: Expression,
                       upper: Option<bool>,
                       rhs: f64|
     -> (Elastic, good_lp::Constraint) {
        let per_unit = if share { scale } else { 1.0 };
        // Slacks in units of the whole limit (well scaled for the solver).
        let w = (from.abs() * per_unit).max(1.0);
        let mut s = || {
            let v = vars.add(variable().min(0.0));
            slack_cost.add_mul(1.0, v);
            v
        };
        let (slot, c) = match upper {
            Some(true) => {
                let v = s();
                (Slot::Upper(v), (e - w * v).leq(rhs))
            }
            Some(false) => {
                let v = s();
                (Slot::Lower(v), (e + w * v).geq(rhs))
            }
            None => {
                let (up, down) = (s(), s());
                (Slot::Both(up, down), (e - w * up + w * down).eq(rhs))
            }
        };
        (
            Elastic {
                limit,
                from,
                per_unit,
                share,
                unit_cny: w,
                slot,
            },
            c,
        )
    };
    if let Some(b) = goal.budget {
        rows.push(elastic(
            &mut vars,
            Limit::Budget { budget_cny: b },
            b,
            false,
            total_spend.clone(),
            Some(true),
            b,
        ));
    }
    for (c, ch) in p.channels.iter().enumerate() {
        if ch.lanes.is_empty() || ch.lim.excluded {
            continue;
        }
        let e = &channel_spend[c];
        let name = ch.name.clone();
        if let Some(lk) = ch.lim.locked_spend_cny {
            rows.push(elastic(
                &mut vars,
                Limit::ChannelLocked {
                    channel: name.clone(),
                    locked_cny: lk,
                },
                lk,
                false,
                e.clone(),
                None,
                lk,
            ));
        } else {
            if let Some(mn) = ch.lim.min_spend_cny.filter(|&v| v > 0.0) {
                rows.push(elastic(
                    &mut vars,
                    Limit::ChannelMin {
                        channel: name.clone(),
                        min_cny: mn,
                    },
                    mn,
                    false,
                    e.clone(),
                    Some(false),
                    mn,
                ));
            }
            if let Some(mx) = ch.lim.max_spend_cny {
                rows.push(elastic(
                    &mut vars,
                    Limit::ChannelMax {
                        channel: name.clone(),
                        max_cny: mx,
                    },
                    mx,
                    false,
                    e.clone(),
                    Some(true),
                    mx,
                ));
            }
        }
        if let Some(sh) = ch.lim.max_share.filter(|&s| s < 1.0) {
            rows.push(elastic(
                &mut vars,
                Limit::ChannelShare {
                    channel: name,
                    max_share: sh,
                },
                sh,
                true,
                e.clone() - sh * total_spend.clone(),
                Some(true),
                0.0,
            ));
        }
    }
    let names = super::groups::LaneNames {
        req: p.req,
        several_rooms: p.rooms.len() > 1,
    };
    for r in &q.extra_rows {
        let e = row_expr(r, &cols, &overflow, &total_spend);
        let limit = r.limit(&p.channels, &names);
        let share = r.total != 0.0;
        let from = if share { -r.total } else { r.rhs };
        rows.push(elastic(
            &mut vars,
            limit,
            from,
            share,
            e,
            Some(r.upper),
            r.rhs,
        ));
    }
    if rows.is_empty() {
        return Ok(None);
    }
    let objective = slack_cost + (1e-7 / scale) * total_spend.clone();
    // Built afresh for each attempt of `solve_retrying` (clarabel
    // consumes its model).
    let attempt = |gap: Option<f64>| {
        let mut model = vars.clone().minimise(objective.clone()).using(clarabel);
        super::lp::loosen(&mut model, gap);
        if let Some(t) = goal.total_target {
            model.add_constraint(total_metric.clone().geq(t));
        }
        for (r, t) in goal.room_targets.iter().enumerate() {
            if let Some(t) = *t {
                model.add_constraint(room_metric[r].clone().geq(t));
            }
        }
        for (_, c) in &rows {
            model.add_constraint(c.clone());
        }
        model.solve()
    };
    let sol = super::lp::solve_retrying(attempt);
    let info: Vec<Elastic> = rows.into_iter().map(|(e, _)| e).collect();
    let sol = match sol {
        Ok(s) => s,
        Err(ResolutionError::Infeasible) => {
            return Ok(Some(Relaxation {
                changes: Vec::new(),
                found: false,
                approximate,
            }));
        }
        Err(e) => return Err(PlanError::Solver(e.to_string())),
    };
    let total = sol.eval(&total_spend).max(0.0);
    let mut changes = Vec::new();
    for e in info {
        let (up, down) = match e.slot {
            Slot::Upper(v) => (sol.value(v).max(0.0), 0.0),
            Slot::Lower(v) => (0.0, sol.value(v).max(0.0)),
            Slot::Both(u, d) => (sol.value(u).max(0.0), sol.value(d).max(0.0)),
        };
        let moved = (up - down) * e.unit_cny;
        let tol = (MIN_RELATIVE * e.from.abs() * e.per_unit).max(1.0);
        if moved.abs() <= tol {
            continue;
        }
        // A share's slack is CNY over the plan's total spend.
        let unit = if e.share { total.max(1.0) } else { 1.0 };
        let to = (e.from + moved / unit).max(0.0);
        changes.push(Relax {
            kind: e.limit.kind().expect("a solver's limit"),
            limit: e.limit,
            from: e.from,
            to,
        });
    }
    Ok(Some(Relaxation {
        changes,
        found: true,
        approximate,
    }))
}
