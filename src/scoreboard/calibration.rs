//! Is `P(target met)` calibrated? For fresh generated histories (known
//! curves), fit in process (as `acqplan plan` does, without screening),
//! plan at each confidence and read the plan's *true* expected metric off
//! the known curves: over many histories, the 0.9 plan's truth should reach
//! the target in about 90 % of them and the 0.5 plan's in about half
//! (`examples/risk_calibration.rs`, `tests/it/risk.rs`).

use super::World;
use super::family::{Sizes, scenario, seed_for};
use crate::contract::calendar::weekday;
use crate::curves::stage::{SeriesKey, SeriesSet, StageOptions, fit_set};
use crate::plan::PlanRequest;
use crate::plan::risk::{LaneRisk, RiskOptions, solve_at_confidence};
use crate::plan::stage::{lane_histories, prepare};
use crate::synth::CHANNELS;

/// One plan of one history.
#[derive(Clone, Debug)]
pub struct CalibrationRow {
    /// History index.
    pub history: usize,
    /// The confidence planned for.
    pub confidence: f64,
    /// The target, metric units over the horizon.
    pub target: f64,
    /// The plan's spend, CNY.
    pub spend_cny: f64,
    /// The plan's reported `P(target met)` (realised week).
    pub p_target_met: f64,
    /// …and that its expected metric reaches the target.
    pub p_expected: f64,
    /// The plan's true expected metric (known curves at its spend).
    pub true_metric: f64,
}

/// The series of a generated world, one per room × channel.
pub fn series_set(world: &World) -> SeriesSet {
    let h = &world.history;
    let nc = CHANNELS.len();
    let mut parts = vec![(Vec::new(), Vec::new(), Vec::new(), Vec::new()); h.rooms.len() * nc];
    for r in &h.rows {
        let p = &mut parts[r.room * nc + r.channel];
        p.0.push(r.date);
        p.1.push(r.spend);
        p.2.push(r.viewers);
        p.3.push(weekday(r.date));
    }
    SeriesSet::from_parts(
        parts
            .into_iter()
            .enumerate()
            .map(|(i, (d, s, v, w))| {
                (
                    SeriesKey {
                        room: h.rooms[i / nc].clone(),
                        channel: CHANNELS[i % nc].id.to_string(),
                    },
                    d,
                    s,
                    v,
                    w,
                )
            })
            .collect(),
    )
}

/// The plans at each of `confidences` for history `i` of `family` (seeded
/// from `base_seed`), each with its true expected metric.
pub fn calibrate(
    family: &str,
    sizes: Sizes,
    base_seed: u64,
    i: usize,
    confidences: &[f64],
) -> Result<Vec<CalibrationRow>, String> {
    let seed = seed_for(base_seed, family, i);
    let sc = scenario(family, sizes, seed).ok_or_else(|| format!("no family {family}"))?;
    let world = World::new(&sc)?;
    let set = series_set(&world);
    let opts = StageOptions {
        shrink: true,
        horizon_days: 7,
        ..StageOptions::default()
    };
    let fits = fit_set(&set, &opts).0;
    let hist = lane_histories(&set, 7);
    let prepared = prepare(&fits, &hist, &Default::default());
    let risks: Vec<LaneRisk> = prepared
        .source
        .iter()
        .map(|&j| {
            fits[j]
                .outcome
                .fitted()
                .map(|fc| LaneRisk::from_fit(fc, 1.0))
                .ok_or("a prepared lane without a fit")
        })
        .collect::<Result<_, _>>()?;
    let target = world.ask_total();
    let req = PlanRequest {
        lanes: prepared.lanes.clone(),
        horizon_days: 7.0,
        target: Some(target),
        ..PlanRequest::default()
    };
    let ropts = RiskOptions {
        first_weekday: set.last_covered_day().map(|d| weekday(d + 1)),
        period_days: 1,
        curse_replans: crate::plan::risk::CURSE_REPLANS,
        ..RiskOptions::default()
    };
    let mut out = Vec::new();
    for &c in confidences {
        let (plan, risk) =
            solve_at_confidence(&req, &risks, &ropts, c).map_err(|e| e.to_string())?;
        let mut spend = vec![0.0; world.problem.lanes.len()];
        for (k, lp) in plan.lanes.iter().enumerate() {
            spend[prepared.source[k]] = lp.spend_cny_per_day;
        }
        out.push(CalibrationRow {
            history: i,
            confidence: c,
            target,
            spend_cny: plan.totals.spend_cny,
            p_target_met: risk.p_target_met.unwrap_or(f64::NAN),
            p_expected: risk.p_expected_reaches_target.unwrap_or(f64::NAN),
            true_metric: world.problem.metric_of(&spend),
        });
    }
    Ok(out)
}
