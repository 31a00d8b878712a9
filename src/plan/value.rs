//! Profit and ROI goals (issue 15 §2): `--maximize profit --margin M`,
//! `--min-roi R`, `--min-marginal-roi R`, and the value report (GMV,
//! profit, blended ROI, each lane's marginal ROI, break-even).
//!
//! With GMV per viewer `gpv_ℓ` and margin `m_ℓ` (fraction of GMV), a chord
//! of lane ℓ with `g` viewers per CNY returns `gpv_ℓ·g` CNY of GMV and
//! `m_ℓ·gpv_ℓ·g − 1` CNY of profit per CNY spent:
//!
//! - profit: the LP's objective is `Σ m_ℓ·gpv_ℓ·g·x − Σ spend`; with only
//!   per-lane limits (and a budget) it is the greedy fill by `m·gpv·g`
//!   stopping where it reaches 1 (each lane bought until its marginal
//!   profit is zero), exact on the chords;
//! - `--min-roi R`: one LP row `Σ gpv·g·x − R·spend ≥ 0`;
//! - `--min-marginal-roi R`: each lane's chords are cut where `gpv·g < R`
//!   (concave curves: every later chord returns less).
//!
//! A lane's marginal ROI in a plan is read from the last chord the solver
//! filled by more than [`FILLED`] of the lane's range (an interior-point LP
//! ends a lane a hair past a breakpoint; the next chord's ROI is not the
//! plan's).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::input::{Lane, PlanError, PlanRequest};
use super::segments::Segment;

/// A chord counts as bought when filled by more than this fraction of the
/// lane's planned range. The interior-point LP stops within its duality
/// gap (~1e-8 of the objective), so where the next chord barely loses
/// money it may end a lane up to ~1e-5 of the objective past a breakpoint;
/// the marginal ROI is the ROI of the last CNY really bought (the left
/// slope at a breakpoint).
pub const FILLED: f64 = 1e-4;

/// z of the 10th / 90th percentile of a normal distribution.
const Z90: f64 = 1.281_551_565_545;

/// What `--maximize` (`[plan] maximize`) maximises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Maximize {
    /// margin × GMV − spend.
    Profit,
}

/// What the plan earns: margins and ROI floors. Empty (the default): the
/// plan is about viewers (orders, GMV) and spend only.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ValueGoal {
    /// `--maximize profit`: maximise `margin × GMV − spend`.
    pub maximize_profit: bool,
    /// Margin as a fraction of GMV, for every lane (`--margin`, `[plan]
    /// margin`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub margin: Option<f64>,
    /// Per-channel margins (`[channels.X] margin`), over the plan's.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub channel_margins: BTreeMap<String, f64>,
    /// Per-room margins (`[rooms.Y] margin`), over the channel's.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub room_margins: BTreeMap<String, f64>,
    /// Blended GMV / spend of the plan at least this (`--min-roi`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_roi: Option<f64>,
    /// No lane bought past the point where the next CNY returns less than
    /// this much GMV (`--min-marginal-roi`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_marginal_roi: Option<f64>,
}

impl ValueGoal {
    /// No margin and no ROI goal.
    pub fn is_empty(&self) -> bool {
        *self == ValueGoal::default()
    }

    /// A goal that plans on its own (no target or budget needed).
    pub fn plans_alone(&self) -> bool {
        self.maximize_profit || self.min_roi.is_some() || self.min_marginal_roi.is_some()
    }

    /// The lane's margin: room over channel over plan.
    pub fn margin_of(&self, l: &Lane) -> Option<f64> {
        self.room_margins
            .get(&l.room)
            .or_else(|| self.channel_margins.get(&l.channel))
            .copied()
            .or(self.margin)
    }

    /// Any margin given at all (the break-even hint is then shown).
    pub fn has_margin(&self) -> bool {
        self.margin.is_some() || !self.channel_margins.is_empty() || !self.room_margins.is_empty()
    }

    /// Checks the numbers and that every lane has what the goal needs.
    pub(crate) fn validate(&self, req: &PlanRequest) -> Result<(), PlanError> {
        let bad = |m: String| Err(PlanError::BadRequest(m));
        let margins = self
            .margin
            .iter()
            .map(|&m| ("the plan".to_string(), m))
            .chain(
                self.channel_margins
                    .iter()
                    .map(|(c, &m)| (format!("channel {c}"), m)),
            )
            .chain(
                self.room_margins
                    .iter()
                    .map(|(r, &m)| (format!("room {r}"), m)),
            );
        for (who, m) in margins {
            if !(m.is_finite() && m > 0.0 && m <= 1.0) {
                return bad(format!(
                    "margin of {who} is {m}: a margin is a fraction of GMV above 0 and at most 1 (0.3 = 30 %)"
                ));
            }
        }
        for (name, r) in [
            ("min-roi", self.min_roi),
            ("min-marginal-roi", self.min_marginal_roi),
        ] {
            if let Some(r) = r
                && !(r.is_finite() && r > 0.0)
            {
                return bad(format!(
                    "{name} is {r}: an ROI is GMV per CNY spent, a number above 0 (e.g. 3)"
                ));
            }
        }
        let needs_gmv =
            self.maximize_profit || self.min_roi.is_some() || self.min_marginal_roi.is_some();
        for l in &req.lanes {
            if needs_gmv && l.gmv_cny_per_viewer.is_none() {
                return Err(PlanError::BadLane {
                    room: l.room.clone(),
                    channel: l.channel.clone(),
                    reason: "a profit or ROI goal needs its GMV per viewer (no gmv in the history)"
                        .into(),
                });
            }
            if self.maximize_profit && self.margin_of(l).is_none() {
                return Err(PlanError::BadLane {
                    room: l.room.clone(),
                    channel: l.channel.clone(),
                    reason: "--maximize profit needs a margin (--margin, or `margin` under [plan], [channels.X] or [rooms.Y])".into(),
                });
            }
        }
        Ok(())
    }
}

/// Index of the chord at `spend` CNY/day that the plan is on: the last
/// chord filled by more than [`FILLED`] of its width (`None`: nothing
/// bought).
pub fn last_filled_chord(segs: &[Segment], spend_cny_per_day: f64) -> Option<usize> {
    // Relative to the lane's whole range: an LP's slack is relative to the
    // problem's scale, not to one (perhaps tiny) chord.
    let eps = FILLED * segs.last().map_or(0.0, |s| s.end_cny_per_day);
    segs.iter()
        .rposition(|s| spend_cny_per_day - s.start_cny_per_day > eps)
}

/// The chords of a lane kept under `--min-marginal-roi r`: those returning
/// at least `r` CNY of GMV per CNY, and never fewer than cover the lane's
/// mandatory spend `lo` CNY/day (a minimum the user set holds).
pub(crate) fn cut_at_marginal_roi(segs: &[Segment], gpv: f64, r: f64, lo: f64) -> Vec<Segment> {
    segs.iter()
        .take_while(|s| gpv * s.viewers_per_cny >= r || s.start_cny_per_day < lo)
        .copied()
        .collect()
}

/// One lane's value in a plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LaneValue {
    /// Room.
    pub room: String,
    /// Channel.
    pub channel: String,
    /// Expected GMV over the horizon, CNY.
    pub gmv_cny: f64,
    /// The lane's margin (fraction of GMV), if any.
    pub margin: Option<f64>,
    /// Expected profit: margin × GMV − spend, CNY.
    pub profit_cny: Option<f64>,
    /// GMV the next CNY returns, on the chord the plan is on (`None` for
    /// a lane not bought).
    pub marginal_roi: Option<f64>,
    /// 1 / margin.
    pub break_even_roi: Option<f64>,
    /// Bought, with a marginal ROI below its break-even by more than the
    /// linearisation tolerance (its last CNY loses money: a limit or a
    /// target forced it).
    pub below_break_even: bool,
}

/// What the plan earns (set when a margin or an ROI goal is given).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ValueReport {
    /// `--maximize profit` was the goal.
    pub maximize_profit: bool,
    /// `--min-roi`, if given.
    pub min_roi: Option<f64>,
    /// `--min-marginal-roi`, if given.
    pub min_marginal_roi: Option<f64>,
    /// Plan-level margin, if given.
    pub margin: Option<f64>,
    /// Expected GMV over the horizon, CNY.
    pub gmv_cny: f64,
    /// P10 of the GMV from the GMV-per-viewer standard errors, CNY.
    pub gmv_p10_cny: f64,
    /// P90 of the GMV, CNY.
    pub gmv_p90_cny: f64,
    /// Expected profit, CNY (every lane has a margin).
    pub profit_cny: Option<f64>,
    /// P10 of the profit, CNY.
    pub profit_p10_cny: Option<f64>,
    /// P90 of the profit, CNY.
    pub profit_p90_cny: Option<f64>,
    /// Blended GMV / spend (`None` at no spend).
    pub roi: Option<f64>,
    /// 1 / plan margin.
    pub break_even_roi: Option<f64>,
    /// Infeasible ROI floor: the highest blended ROI that still reaches
    /// the target (what is reachable).
    #[serde(default)]
    pub roi_reachable: Option<f64>,
    /// Per lane, in plan order.
    pub lanes: Vec<LaneValue>,
}

impl ValueReport {
    /// Lanes bought below their break-even.
    pub fn below_break_even(&self) -> impl Iterator<Item = &LaneValue> {
        self.lanes.iter().filter(|l| l.below_break_even)
    }
}

/// The value report of a plan: `lanes` in request order with their spend
/// (CNY over the horizon) and expected viewers; `segs` the chords the
/// solver used. `None` when the request has no margin and no ROI goal.
pub(crate) fn report(
    req: &PlanRequest,
    segs: &[&[Segment]],
    spend_cny: &[f64],
    viewers: &[f64],
) -> Option<ValueReport> {
    let goal = &req.value;
    if goal.is_empty() {
        return None;
    }
    let h = req.horizon_days;
    let mut lanes = Vec::with_capacity(req.lanes.len());
    let (mut gmv, mut var_gmv) = (0.0, 0.0);
    let (mut margin_gmv, mut var_profit, mut all_margins) = (0.0, 0.0, true);
    let total_spend: f64 = spend_cny.iter().sum();
    for (i, l) in req.lanes.iter().enumerate() {
        let gpv = l.gmv_cny_per_viewer.unwrap_or(0.0);
        let se = l.gmv_se_cny_per_viewer.unwrap_or(0.0);
        let g = gpv * viewers[i];
        gmv += g;
        var_gmv += (se * viewers[i]).powi(2);
        let m = goal.margin_of(l);
        match m {
            Some(m) => {
                margin_gmv += m * g;
                var_profit += (m * se * viewers[i]).powi(2);
            }
            None => all_margins = false,
        }
        let day = spend_cny[i] / h;
        let marginal_roi =
            last_filled_chord(segs[i], day).map(|j| gpv * segs[i][j].viewers_per_cny);
        let break_even = m.map(|m| 1.0 / m);
        lanes.push(LaneValue {
            room: l.room.clone(),
            channel: l.channel.clone(),
            gmv_cny: g,
            margin: m,
            profit_cny: m.map(|m| m * g - spend_cny[i]),
            marginal_roi,
            break_even_roi: break_even,
            // Below by more than the chords' own precision (the
            // linearisation tolerance): a lane within it is at break-even.
            below_break_even: match (marginal_roi, break_even) {
                (Some(r), Some(b)) => r < b * (1.0 - req.segments.tolerance),
                _ => false,
            },
        });
    }
    let sd = var_gmv.sqrt();
    let profit = all_margins.then_some(margin_gmv - total_spend);
    let psd = var_profit.sqrt();
    Some(ValueReport {
        maximize_profit: goal.maximize_profit,
        min_roi: goal.min_roi,
        min_marginal_roi: goal.min_marginal_roi,
        margin: goal.margin,
        gmv_cny: gmv,
        gmv_p10_cny: (gmv - Z90 * sd).max(0.0),
        gmv_p90_cny: gmv + Z90 * sd,
        profit_cny: profit,
        profit_p10_cny: profit.map(|p| p - Z90 * psd),
        profit_p90_cny: profit.map(|p| p + Z90 * psd),
        roi: (total_spend > 0.0).then(|| gmv / total_spend),
        break_even_roi: goal.margin.map(|m| 1.0 / m),
        roi_reachable: None,
        lanes,
    })
}

/// The highest ROI floor under which `goal`'s targets are still met (the
/// request's floor being unreachable), by bisection on the floor: `None`
/// when the targets fail even without one.
pub(crate) fn reachable_roi(
    p: &super::problem::Prepared,
    goal: &super::problem::Goal,
) -> Result<Option<f64>, PlanError> {
    use super::problem::Outcome;
    let Some(r) = goal.min_roi else {
        return Ok(None);
    };
    let feasible = |floor: Option<f64>| -> Result<bool, PlanError> {
        let g = super::problem::Goal {
            min_roi: floor,
            ..goal.clone()
        };
        Ok(matches!(super::solve::run(p, &g)?, Outcome::Solved(_)))
    };
    if !feasible(None)? {
        return Ok(None);
    }
    let (mut lo, mut hi) = (0.0, r);
    for _ in 0..40 {
        let mid = 0.5 * (lo + hi);
        if feasible(Some(mid))? {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-6 * r {
            break;
        }
    }
    Ok(Some(lo))
}

/// Standard error of a ratio estimate `R = Σg / Σv` from `n` days with
/// sums `Σg`, `Σv`, `Σg²`, `Σgv`, `Σv²`: `√(n/(n−1) · Σ(g − R·v)²) / Σv`
/// (the ratio estimator's linearised variance). `None` below two days.
pub fn ratio_standard_error(n: f64, sg: f64, sv: f64, sgg: f64, sgv: f64, svv: f64) -> Option<f64> {
    if n < 2.0 || sv <= 0.0 {
        return None;
    }
    let r = sg / sv;
    let ss = (sgg - 2.0 * r * sgv + r * r * svv).max(0.0);
    Some((n / (n - 1.0) * ss).sqrt() / sv)
}

#[cfg(test)]
#[path = "value_tests.rs"]
mod tests;
