//! The plan's risk: each planned lane's uncertainty from its fit, `P(target
//! met)` for every plan, and plans at a confidence (`--confidence`,
//! `[plan] confidence`). The arithmetic is `plan::risk`'s.

use std::collections::BTreeMap;

use crate::contract::calendar::weekday;
use crate::curves::stage::CurveFit;
use crate::plan::risk::{LaneRisk, RiskOptions, RiskSummary, assess, solve_at_confidence};
use crate::plan::stage::Prepared;
use crate::plan::{Plan, PlanError, PlanRequest, solve};

/// Per planned lane (aligned with `prepared.lanes`), its risk from its fit;
/// a what-if cost scale stretches the spend axis the fit is read on.
pub(super) fn lane_risks(
    prepared: &Prepared,
    fits: &[CurveFit],
    cost_scale: &BTreeMap<String, f64>,
) -> Vec<LaneRisk> {
    prepared
        .lanes
        .iter()
        .zip(&prepared.source)
        .map(|(l, &i)| {
            let scale = cost_scale.get(&l.channel).copied().unwrap_or(1.0);
            match fits[i].outcome.fitted() {
                Some(fc) => LaneRisk::from_fit(fc, scale),
                // Prepared lanes are fitted ones; a lane without a fit is
                // taken as certain (no error model to draw from).
                None => LaneRisk {
                    uncertainty: crate::plan::risk::Uncertainty::Fixed {
                        log_sd: 0.0,
                        alternatives: Vec::new(),
                    },
                    noise_sigma_log: 0.0,
                    weekday_factors: [1.0; 7],
                },
            }
        })
        .collect()
}

/// The simulation's options for a history whose last covered day is
/// `last_day` and whose rows cover `period_days` days.
pub(super) fn risk_options(last_day: Option<i32>, period_days: u32) -> RiskOptions {
    RiskOptions {
        draws: 0,
        seed: 0,
        first_weekday: last_day.map(|d| weekday(d + 1)),
        period_days,
        curse_replans: crate::plan::risk::CURSE_REPLANS,
    }
}

/// The plan of `req` (at `confidence` when given) with its risk.
pub(super) fn solve_with_risk(
    req: &PlanRequest,
    risks: &[LaneRisk],
    opts: &RiskOptions,
    confidence: Option<f64>,
) -> Result<(Plan, RiskSummary), PlanError> {
    match confidence {
        Some(p) => solve_at_confidence(req, risks, opts, p),
        None => {
            let plan = solve(req)?;
            let summary = assess(req, &plan, risks, opts)?;
            Ok((plan, summary))
        }
    }
}
