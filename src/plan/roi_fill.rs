//! The exact fast path for an ROI floor (`--min-roi R`) when every other
//! limit is a lane's own: the floor's Lagrange multiplier found by
//! bisection, each step a one-row fractional knapsack.
//!
//! The floor row `Σ b_j·x_j ≥ 0` (chord `j` of a lane with GMV per viewer
//! `gpv` and slope `g` viewers per CNY: `b_j = gpv·g − R` per CNY) couples
//! every lane, so the plain greedy does not apply, and the LP of 4,000 lanes
//! took ≈ 4.8 s a solve. But with only per-lane limits the problem has two
//! coupling rows (the target or budget, and the floor), and for a fixed
//! multiplier `μ ≥ 0` of the floor the Lagrangian is a fractional knapsack
//! with one row (`a_j` is the chord's metric per CNY):
//!
//! - *max mode* (a budget, or the floor alone): each CNY of chord `j` is
//!   worth `a_j + μ·b_j`; the chords are bought by decreasing worth while it
//!   is positive and the budget lasts;
//! - *min mode* (a target): each CNY of chord `j` costs `1 − μ·b_j` and
//!   brings `a_j`; chords costing nothing or less are bought whole, the
//!   rest by decreasing `a_j / (1 − μ·b_j)` until the target is met.
//!
//! Within a lane both keys increase with the slope `g`, so every fill takes
//! a prefix of each lane's (concave) chords. The floor's slack of the fill
//! is a subgradient of the dual function, which is convex in `μ`, so the
//! slack does not fall as `μ` rises: `μ*` is bracketed by ×8 steps from
//! the multiplier's natural scale and narrowed by Illinois-weighted false
//! position. At `μ*` the fills at both ends
//! of the bracket are optimal for the Lagrangian, and their blend that
//! meets the floor exactly is the optimum of the segment LP; the search
//! stops when the blend's objective is within 1e-12 of the better
//! Lagrangian bound of the two ends (weak duality: a certificate, not a
//! tolerance on `μ`), or the bracket is 1e-13 of `μ` wide. A fill at `μ = 0` that meets the floor is the plain greedy's
//! plan. Out of reach (the target, or the floor at any `μ`): `None`, and
//! the LP decides as before, with its infeasibility report.
//!
//! Each fill is a weighted quickselect (expected linear time), not a sort:
//! on the 500-room history (540,465 chords) a search takes 24 fills of
//! ≈ 13 ms.

use super::input::SolverChoice;
use super::output::SolverPath;
use super::problem::{Duals, Goal, Prepared, Sol};
use super::segments::pwl_value;
use super::select::{Cut, apply, weighted_cut};

/// Relative width of the final bracket on `μ`.
const BRACKET: f64 = 1e-13;
/// Bracketing steps before the floor is declared out of reach.
const MAX_GROW: usize = 40;
/// Narrowing steps at most (the gap or the bracket's width ends the
/// search first).
const MAX_BISECT: usize = 200;
/// Relative duality gap at which the blend is taken as the optimum.
const GAP: f64 = 1e-12;

/// Whether the ROI fill solves `p` exactly: an ROI floor, no room
/// targets, no profit goal, and only limits a lane holds alone (the plain
/// greedy's conditions otherwise).
pub(crate) fn eligible(p: &Prepared, goal: &Goal) -> bool {
    p.req.solver == SolverChoice::Auto
        && goal.min_roi.is_some_and(|r| r.is_finite() && r > 0.0)
        && !goal.profit
        && !goal.room_caps
        && goal.room_targets.iter().all(Option::is_none)
        && (!goal.min_spend || goal.total_target.is_some())
        && super::greedy::lane_limits_only(p)
}

/// One chord left to choose (horizon CNY).
struct Item {
    lane: u32,
    /// Metric per CNY.
    a: f64,
    /// GMV per CNY minus the floor.
    b: f64,
    /// Width left, CNY.
    width: f64,
}

/// One fill at a multiplier.
struct Fill {
    /// Fraction of each item bought.
    frac: Vec<f64>,
    /// The floor's slack, `Σ b·x` with the mandatory part, CNY.
    slack: f64,
    /// The other row's multiplier (budget: metric per CNY; target: CNY per
    /// unit).
    lambda: f64,
    /// The objective: the metric (max mode) or the spend (min mode), CNY
    /// or units, the mandatory part included.
    objective: f64,
    /// The Lagrangian's value at this fill's multipliers: a bound on the
    /// optimum (above it in max mode, below in min mode).
    bound: f64,
}

struct Problem {
    items: Vec<Item>,
    /// Mandatory horizon spend per lane.
    base_spend: Vec<f64>,
    /// Mandatory spend in total (overflow included), CNY.
    base_spend_total: f64,
    base_metric: f64,
    base_slack: f64,
    min_spend: bool,
    /// Max mode: budget left after the mandatory spend (∞ without one).
    avail: f64,
    /// Min mode: metric still needed after the mandatory spend.
    need: f64,
}

impl Problem {
    fn fill(&self, mu: f64) -> Fill {
        let n = self.items.len();
        let mut frac = vec![0.0; n];
        let mut key = vec![0.0; n];
        let mut weight = vec![0.0; n];
        let mut cand: Vec<u32> = Vec::with_capacity(n);
        let lambda;
        if self.min_spend {
            let mut need = self.need;
            for (j, it) in self.items.iter().enumerate() {
                let cost = 1.0 - mu * it.b;
                if cost <= 0.0 {
                    frac[j] = 1.0;
                    need -= it.a * it.width;
                } else if it.a > 0.0 {
                    key[j] = it.a / cost;
                    weight[j] = it.a * it.width;
                    cand.push(j as u32);
                }
            }
            let cut = weighted_cut(&mut cand, &key, &weight, need);
            apply(cut, &cand, &key, &mut frac);
            lambda = match cut {
                Cut::At(p, _) => 1.0 / key[p as usize],
                // Met by the free chords alone, or out of reach (the
                // caller checks the target).
                _ => 0.0,
            };
        } else {
            for (j, it) in self.items.iter().enumerate() {
                let k = it.a + mu * it.b;
                if k > 0.0 {
                    key[j] = k;
                    weight[j] = it.width;
                    cand.push(j as u32);
                }
            }
            let cut = weighted_cut(&mut cand, &key, &weight, self.avail);
            apply(cut, &cand, &key, &mut frac);
            lambda = match cut {
                Cut::At(p, _) => key[p as usize],
                _ => 0.0,
            };
        }
        let (mut slack, mut metric, mut spend) = (self.base_slack, self.base_metric, 0.0);
        for (it, f) in self.items.iter().zip(&frac) {
            let x = it.width * f;
            slack += it.b * x;
            metric += it.a * x;
            spend += x;
        }
        // Weak duality: the fill maximises (minimises) the Lagrangian at
        // (λ, μ), so its value there bounds the optimum. A cut fill meets
        // its row exactly, so λ's term vanishes; where it does not bind λ
        // is 0.
        let (objective, bound) = if self.min_spend {
            let s = self.base_spend_total + spend;
            (s, s - mu * slack)
        } else {
            (metric, metric + mu * slack)
        };
        Fill {
            frac,
            slack,
            lambda,
            objective,
            bound,
        }
    }

    /// The metric a fill reaches (mandatory part included).
    fn metric(&self, frac: &[f64]) -> f64 {
        self.base_metric
            + self
                .items
                .iter()
                .zip(frac)
                .map(|(it, f)| it.a * it.width * f)
                .sum::<f64>()
    }
}

/// The optimum of `p` under `goal` (see the module), or `None` where the LP
/// must decide (the target or the floor out of reach, or a budget a target
/// plan exceeds).
pub(crate) fn solve(p: &Prepared, goal: &Goal) -> Option<Sol> {
    let r = goal.min_roi?;
    let h = p.h;
    let n = p.lanes.len();
    let mut base_spend = vec![0.0; n];
    let (mut base_metric, mut base_gmv) = (0.0, 0.0);
    let mut items = Vec::new();
    for (i, l) in p.lanes.iter().enumerate() {
        let viewers;
        (base_spend[i], viewers) = l.fill_forced(h, l.forced_cny(), |_, s, rest| {
            items.push(Item {
                lane: i as u32,
                a: l.weight * s.viewers_per_cny,
                b: l.gpv * s.viewers_per_cny - r,
                width: rest,
            });
        });
        base_metric += viewers * l.weight;
        base_gmv += viewers * l.gpv;
    }
    let overflow: Vec<f64> = p.overflow_cny.clone();
    let base_total_spend = base_spend.iter().sum::<f64>() + overflow.iter().sum::<f64>();
    let min_spend = goal.min_spend;
    let target = goal.total_target.unwrap_or(0.0);
    let prob = Problem {
        items,
        base_spend,
        base_spend_total: base_total_spend,
        base_metric,
        base_slack: base_gmv - r * base_total_spend,
        min_spend,
        avail: match goal.budget {
            Some(b) if !min_spend => b - base_total_spend,
            _ => f64::INFINITY,
        },
        need: target - base_metric,
    };
    if !min_spend && prob.avail < -1e-12 * goal.budget.unwrap_or(0.0).abs() {
        return None;
    }
    let met = |f: &Fill| !min_spend || prob.metric(&f.frac) >= target * (1.0 - 1e-12);
    let f0 = prob.fill(0.0);
    if !met(&f0) {
        return None;
    }
    let mut steps = 1;
    let (frac, mu, lambda) = if f0.slack >= 0.0 {
        (f0.frac, 0.0, f0.lambda)
    } else {
        // Bracket μ*: the scale of μ is a / |b| (max mode) or 1 / |b| (min).
        let bmax = prob.items.iter().map(|it| it.b.abs()).fold(0.0, f64::max);
        let amax = prob.items.iter().map(|it| it.a.abs()).fold(0.0, f64::max);
        if bmax <= 0.0 {
            return None;
        }
        let scale = if min_spend { 1.0 / bmax } else { amax / bmax };
        // First try μ = scale, then step by ×8 down (to 1e-6·scale, below
        // which the bracket starts at 0) or up: μ* is near the scale on
        // real floors, so a bracket takes 2–3 fills.
        let (mut lo_mu, mut lo, mut hi_mu, mut hi);
        let first = prob.fill(scale);
        steps += 1;
        if first.slack >= 0.0 {
            (hi_mu, hi) = (scale, first);
            (lo_mu, lo) = (0.0, f0);
            let mut m = scale / 8.0;
            while m >= 1e-6 * scale {
                let f = prob.fill(m);
                steps += 1;
                if f.slack < 0.0 {
                    (lo_mu, lo) = (m, f);
                    break;
                }
                (hi_mu, hi) = (m, f);
                m /= 8.0;
            }
        } else {
            (lo_mu, lo) = (scale, first);
            hi_mu = 8.0 * scale;
            hi = prob.fill(hi_mu);
            steps += 1;
            let mut grown = 0;
            while hi.slack < 0.0 {
                grown += 1;
                if grown > MAX_GROW || !hi_mu.is_finite() {
                    return None;
                }
                lo_mu = hi_mu;
                lo = hi;
                hi_mu *= 8.0;
                hi = prob.fill(hi_mu);
                steps += 1;
            }
        }
        // Narrow the bracket until the blend of its ends is optimal to
        // GAP (its objective within GAP of the better Lagrangian bound of
        // the two ends) or the bracket is BRACKET wide: false position on
        // the slack, Illinois-weighted (an end kept twice in a row has its
        // slack's weight halved in the next interpolation, so the method
        // does not crawl from one side), with a bisection step after eight
        // such halvings in a row (the slack is a step function).
        let (mut w_lo, mut w_hi) = (1.0, 1.0);
        let (mut kept_lo, mut kept_hi) = (0u32, 0u32);
        for _ in 0..MAX_BISECT {
            let t = hi.slack / (hi.slack - lo.slack);
            let primal = t * lo.objective + (1.0 - t) * hi.objective;
            let gap = if min_spend {
                primal - lo.bound.max(hi.bound)
            } else {
                lo.bound.min(hi.bound) - primal
            };
            if gap <= GAP * primal.abs() || hi_mu - lo_mu <= BRACKET * hi_mu {
                break;
            }
            let mid = if kept_lo.max(kept_hi) > 8 {
                (kept_lo, kept_hi) = (0, 0);
                0.5 * (lo_mu + hi_mu)
            } else {
                let (sl, sh) = (w_lo * lo.slack, w_hi * hi.slack);
                let m = lo_mu + (hi_mu - lo_mu) * (-sl) / (sh - sl);
                m.clamp(
                    lo_mu + 1e-3 * (hi_mu - lo_mu),
                    hi_mu - 1e-3 * (hi_mu - lo_mu),
                )
            };
            let f = prob.fill(mid);
            steps += 1;
            if f.slack >= 0.0 {
                (hi_mu, hi) = (mid, f);
                w_hi = 1.0;
                // The low end stays: its weight is halved from the second time.
                kept_lo += 1;
                kept_hi = 0;
                if kept_lo >= 2 {
                    w_lo *= 0.5;
                }
            } else {
                (lo_mu, lo) = (mid, f);
                w_lo = 1.0;
                kept_hi += 1;
                kept_lo = 0;
                if kept_hi >= 2 {
                    w_hi *= 0.5;
                }
            }
        }
        // The blend of the two ends that meets the floor exactly.
        let t = hi.slack / (hi.slack - lo.slack);
        let frac: Vec<f64> = lo
            .frac
            .iter()
            .zip(&hi.frac)
            .map(|(a, b)| t * a + (1.0 - t) * b)
            .collect();
        (frac, hi_mu, t * lo.lambda + (1.0 - t) * hi.lambda)
    };
    let mut spend = prob.base_spend.clone();
    for (it, f) in prob.items.iter().zip(&frac) {
        spend[it.lane as usize] += it.width * f;
    }
    let total_spend: f64 = spend.iter().sum::<f64>() + overflow.iter().sum::<f64>();
    if min_spend
        && let Some(b) = goal.budget
        && total_spend > b * (1.0 + 1e-9)
    {
        return None;
    }
    // Each lane's viewers from its chords filled in order (a blend may
    // leave two chords of a lane partly bought; in order is at least as
    // good on both rows).
    let viewers: Vec<f64> = p
        .lanes
        .iter()
        .zip(&spend)
        .map(|(l, &x)| h * pwl_value(&l.segs, x / h))
        .collect();
    let mut duals = Duals::default();
    if min_spend {
        duals.target = Some(lambda);
        duals.budget = goal.budget.map(|_| 0.0);
        duals.roi = Some(mu * r);
    } else {
        let exhausted = goal
            .budget
            .is_some_and(|b| total_spend >= b * (1.0 - super::problem::TIGHT));
        duals.budget = goal.budget.map(|_| if exhausted { lambda } else { 0.0 });
        duals.roi = Some(-mu * r);
    }
    Some(Sol {
        spend,
        viewers_lp: viewers,
        overflow,
        duals,
        threshold: Vec::new(),
        path: SolverPath::RoiMultiplier { fills: steps },
    })
}
