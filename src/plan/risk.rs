//! The probability of reaching the target, and plans that reach it with a
//! given probability (issue 15 §1).
//!
//! **What the probability is.** A plan fixes each lane's daily spend. What
//! the horizon then delivers is uncertain in two layers:
//!
//! 1. *The expected viewers* (what the curve would say if it were the true
//!    one): the curve's parameters are estimates (the covariance each fit
//!    carries, as in the P10–P90 band: the delta method on the log
//!    prediction), and the family may be the wrong one (each of the other
//!    families' fits, drawn with its held-out-likelihood weight). The family
//!    draw is shared by the lanes of a channel (one uniform per channel and
//!    draw): the rooms of a channel follow the channel's family prior
//!    together, so a wrong family is wrong for all of them, and the plan
//!    cannot diversify that error away. Parameter errors are the lanes' own
//!    (each lane is fitted on its own days).
//! 2. *The realised week* around that expectation: day-to-day noise, the
//!    lane's residual distribution (mean-one lognormal with the fit's robust
//!    log-sd) on each day, scaled by the weekday factor of that day of the
//!    horizon; summed over the lane-days (normal approximation of the sum).
//!
//! [`RiskSummary::p_expected_reaches_target`] is P(layer 1 total ≥ target):
//! the probability that the plan's *true expected* viewers reach it (what a
//! calibration against known curves can check).
//! [`RiskSummary::p_target_met`] is P(layer 1 + 2 total ≥ target): the
//! probability that the week's realised viewers reach it, what a team is
//! judged on, and what `--confidence` asks for. Both by Monte Carlo with a
//! seed from the lanes' curves (same input, same numbers).
//!
//! **Plans at a confidence.** The cheapest plan with `P(target met) ≥ P`
//! keeps the LP: each lane's metric is weighted by a risk haircut
//! `exp(−z · g_ℓ)`, where `g_ℓ = ∂σ/∂μ_ℓ` is the lane's marginal
//! contribution to the standard deviation of the total at the
//! expected-value plan (`σ² = μᵀCμ`, `C` holding each lane's parameter and
//! day-noise variance and, within a channel, the shared model error). To
//! first order `Σ μ_ℓ(s)·(1 − z·g_ℓ) ≥ T` is the chance constraint
//! `μ − zσ ≥ T` (σ is homogeneous of degree one in μ, so no constant is
//! left), linear in each lane's curve: the LP (or the exact greedy) solves
//! it exactly for each `z`. The level `z` is then searched by bisection
//! (probit-secant steps inside a bracket), each candidate verified by the
//! simulation above with the same random numbers, and the cheapest plan
//! whose simulated `P(target met) ≥ P` is returned. Budget mode mirrors it:
//! `z` is chosen (golden section) to maximise the simulated P-quantile of
//! the realised metric.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::input::{Metric, PlanError, PlanRequest};
use super::output::{Limit, Plan, PlanMode, PlanStatus};
use super::solve::solve;
use crate::curves::FittedCurve;
use crate::synth::Rng;

/// z-score of the 90th percentile (the band is P10–P90).
const Z90: f64 = 1.281_551_565_545;

/// Draws when [`RiskOptions::draws`] is 0: about 8 M lane-draws, between
/// these bounds.
const AUTO_LANE_DRAWS: usize = 8_000_000;
const MIN_DRAWS: usize = 2_000;
const MAX_DRAWS: usize = 20_000;

/// How one lane's expected viewers are uncertain.
#[derive(Clone, Debug)]
pub enum Uncertainty {
    /// From a fitted curve: its parameter covariance (the band) and the
    /// other families' fits with their weights. The plan's lane curve is
    /// the fitted one with its spend axis stretched by `spend_scale` (a
    /// what-if `--scale`; 1 otherwise).
    Fitted {
        /// The fit.
        curve: Box<FittedCurve>,
        /// Plan spend ÷ fitted spend at the same viewers.
        spend_scale: f64,
    },
    /// Given directly (a known-answer test, or a caller with its own
    /// error model): the log-sd of the level from parameter error, and
    /// alternatives as `(weight, shift of the log level)`.
    Fixed {
        /// Log-sd of the expected viewers.
        log_sd: f64,
        /// Other models: probability and log shift against this one.
        alternatives: Vec<(f64, f64)>,
    },
}

/// One lane's uncertainty, aligned with the request's lanes.
#[derive(Clone, Debug)]
pub struct LaneRisk {
    /// Uncertainty of its expected viewers.
    pub uncertainty: Uncertainty,
    /// Log-sd of one row's (day's) viewers around the curve (the fit's
    /// robust residual sd); 0: no day noise.
    pub noise_sigma_log: f64,
    /// Weekday factors, Monday first, mean 1 (the day noise is scaled by
    /// them, and they decide the horizon's expected mix of weekdays).
    pub weekday_factors: [f64; 7],
}

impl LaneRisk {
    /// A lane's risk from its fit (`spend_scale` as in [`Uncertainty::Fitted`]).
    pub fn from_fit(fc: &FittedCurve, spend_scale: f64) -> Self {
        LaneRisk {
            uncertainty: Uncertainty::Fitted {
                curve: Box::new(fc.clone()),
                spend_scale,
            },
            noise_sigma_log: fc.quality.sigma_log.max(0.0),
            weekday_factors: fc.weekday_factors,
        }
    }
}

/// How the simulation runs.
#[derive(Clone, Debug, Default)]
pub struct RiskOptions {
    /// Monte Carlo draws (0: from the number of lanes, 2,000–20,000).
    pub draws: usize,
    /// Extra seed mixed into the hash of the lanes (0 for the CLI).
    pub seed: u64,
    /// Weekday of the plan's first day (0 = Monday), for the weekday mix of
    /// the horizon; `None`: every weekday alike.
    pub first_weekday: Option<u8>,
    /// Days one history row covers (1 daily, 7 weekly).
    pub period_days: u32,
    /// Plans re-solved on redrawn curves to estimate the optimiser's curse
    /// (in antithetic pairs; 0: no correction).
    pub curse_replans: usize,
}

/// Quantiles of a simulated total.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Quantiles {
    /// 10th percentile.
    pub p10: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
}

/// What a `--confidence` search found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConfidenceResult {
    /// The probability asked for.
    pub requested: f64,
    /// Whether the plan reaches it (false: the limits stop it; the plan is
    /// the most certain one found).
    pub reached: bool,
    /// The risk level `z` of the haircut curves (0 = the expected-value plan).
    pub level_z: f64,
    /// Plans solved in the search.
    pub solves: usize,
    /// The expected-value plan (no risk haircut): its spend, CNY.
    pub expected_value_plan_spend_cny: f64,
    /// …its expected metric.
    pub expected_value_plan_metric: f64,
    /// …its `P(target met)` (target mode).
    pub expected_value_plan_p_target_met: Option<f64>,
    /// …the metric it reaches with probability `requested` (budget mode).
    pub expected_value_plan_quantile: Option<f64>,
    /// Target mode: spend of this plan minus the expected-value plan's, CNY
    /// (the cost of certainty).
    pub extra_spend_cny: Option<f64>,
    /// Budget mode: the metric this plan reaches with probability
    /// `requested` (the (1 − P)-quantile of the realised metric).
    pub quantile: Option<f64>,
}

/// The probability of reaching the target, and the spread of what a plan
/// delivers (`plan.json` → `risk`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RiskSummary {
    /// What the metric counts.
    pub metric: Metric,
    /// The total target (metric units), if any.
    pub target: Option<f64>,
    /// Rooms with their own target (all must be met).
    pub room_targets: usize,
    /// P(the horizon's realised metric reaches the target(s)): curve
    /// parameters, model (family) and day-to-day noise. `None` without a
    /// target.
    pub p_target_met: Option<f64>,
    /// P(the plan's true expected metric reaches the target(s)): curve
    /// parameters and model only (no day noise).
    pub p_expected_reaches_target: Option<f64>,
    /// Monte Carlo standard error of `p_target_met`.
    pub standard_error: Option<f64>,
    /// Quantiles of the true expected metric over the horizon.
    pub expected: Quantiles,
    /// Quantiles of the realised metric over the horizon.
    pub realised: Quantiles,
    /// Monte Carlo draws.
    pub draws: usize,
    /// Seed (hex), from the BLAKE3 hash of the lanes and the horizon.
    pub seed: String,
    /// The optimiser's curse taken off every simulated total (0.005: the
    /// plan's expected metric is taken as 0.5 % below what its curves say):
    /// a plan is chosen where the curves look best, so it is chosen where
    /// their errors are most likely optimistic. Estimated by parametric
    /// bootstrap: the plan is solved again on curves redrawn from their
    /// uncertainty, and each such plan's promise is compared with what the
    /// fitted curves give it.
    #[serde(default)]
    pub optimizer_curse: f64,
    /// Set when the plan was asked at a confidence.
    pub confidence: Option<ConfidenceResult>,
}

/// A lane at its planned spend, as the simulation sees it.
#[derive(Clone, Debug)]
struct Active {
    lane: usize,
    channel: usize,
    room: usize,
    /// Uncapped expected metric over the horizon at the curve.
    raw_total: f64,
    /// Cap on the expected metric over the horizon.
    cap_total: f64,
    /// Log-sd of parameter error.
    sd_param: f64,
    /// Cumulative weights and log shifts of the other families.
    shifts: Vec<(f64, f64)>,
    /// Realised mean ÷ expected (weekday mix of the horizon).
    mean_factor: f64,
    /// Relative variance of the realised total around its expectation.
    noise_rel_var: f64,
}

impl Active {
    fn expected_total(&self) -> f64 {
        self.raw_total.min(self.cap_total)
    }
    /// Variance of the model shift (the mixture's), its mean removed.
    fn model_var(&self) -> f64 {
        let mut prev = 0.0;
        let (mut m1, mut m2) = (0.0, 0.0);
        for &(cum, d) in &self.shifts {
            let w = cum - prev;
            prev = cum;
            m1 += w * d;
            m2 += w * d * d;
        }
        (m2 - m1 * m1).max(0.0)
    }
}

/// The lanes of `req` at daily spends `spend_day` (skipping zero spend), and
/// the index of rooms and channels.
struct World {
    active: Vec<Active>,
    channels: usize,
    rooms: Vec<String>,
}

/// Each lane's channel index, in order of first appearance.
fn channel_index(req: &PlanRequest) -> Vec<usize> {
    let mut ch: BTreeMap<&str, usize> = BTreeMap::new();
    req.lanes
        .iter()
        .map(|l| {
            let n = ch.len();
            *ch.entry(l.channel.as_str()).or_insert(n)
        })
        .collect()
}

fn world(req: &PlanRequest, spend_day: &[f64], risks: &[LaneRisk], opts: &RiskOptions) -> World {
    let channel_of = channel_index(req);
    let channels = channel_of.iter().map(|c| c + 1).max().unwrap_or(0);
    let mut room_ix: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rooms: Vec<String> = Vec::new();
    let h = req.horizon_days;
    let mut active = Vec::new();
    for (i, l) in req.lanes.iter().enumerate() {
        let c = channel_of[i];
        let r = *room_ix.entry(l.room.as_str()).or_insert_with(|| {
            rooms.push(l.room.clone());
            rooms.len() - 1
        });
        let s = spend_day.get(i).copied().unwrap_or(0.0);
        let w = req.weight(l);
        if s.is_nan() || s <= 0.0 || w <= 0.0 {
            continue;
        }
        let raw = planned_value(l, s);
        if raw.is_nan() || raw <= 0.0 {
            continue;
        }
        let cap = l.curve.cap_viewers_per_day.unwrap_or(f64::INFINITY);
        let (sd_param, shifts) = match risks.get(i).map(|r| &r.uncertainty) {
            Some(u) => log_uncertainty(u, s),
            None => (0.0, Vec::new()),
        };
        let (mean_factor, noise_rel_var) =
            risks.get(i).map_or((1.0, 0.0), |r| day_noise(r, h, opts));
        active.push(Active {
            lane: i,
            channel: c,
            room: r,
            raw_total: raw * h * w,
            cap_total: cap * h * w,
            sd_param,
            shifts,
            mean_factor,
            noise_rel_var,
        });
    }
    World {
        active,
        channels,
        rooms,
    }
}

/// Expected viewers/day of lane `l` at `s` CNY/day before its cap, as the
/// planner counts them: the fitted curve up to the lane's highest observed
/// day, the conservative curve past it ([`Lane::value`]). The simulation
/// draws its errors around this, so a plan that goes past the history is
/// not credited with the fitted curve's optimistic growth there.
fn planned_value(l: &super::input::Lane, s: f64) -> f64 {
    match l.beyond.as_ref().and_then(|b| b.value(s)) {
        Some(v) => v,
        None => l.curve.model.value(s),
    }
}

/// `(log-sd of parameter error, cumulative (weight, log shift) of the other
/// families)` of a lane at daily spend `s` on the plan's axis.
fn log_uncertainty(u: &Uncertainty, s: f64) -> (f64, Vec<(f64, f64)>) {
    match u {
        Uncertainty::Fixed {
            log_sd,
            alternatives,
        } => {
            let mut cum = 0.0;
            let shifts = alternatives
                .iter()
                .filter(|(w, d)| w.is_finite() && *w > 0.0 && d.is_finite())
                .map(|&(w, d)| {
                    cum += w;
                    (cum, d)
                })
                .collect();
            (log_sd.max(0.0), shifts)
        }
        Uncertainty::Fitted { curve, spend_scale } => {
            let sf = s / spend_scale.max(1e-12);
            let raw = curve.curve.model.value(sf);
            if raw.is_nan() || raw <= 0.0 {
                return (0.0, Vec::new());
            }
            // The band's total log variance (parameters + the families'
            // spread), read off its lower end: the upper is cut by a cap.
            let (lo, _, _) = curve.band(sf);
            let sd_total = if lo > 0.0 && lo < raw {
                (raw / lo).ln() / Z90
            } else {
                0.0
            };
            let mut cum = 0.0;
            let mut v_model = 0.0;
            let mut shifts = Vec::new();
            for alt in &curve.alternatives {
                let d = (alt.model.value(sf) / raw).ln();
                if d.is_finite() && alt.weight.is_finite() && alt.weight > 0.0 {
                    cum += alt.weight;
                    v_model += alt.weight * d * d;
                    shifts.push((cum, d));
                }
            }
            let v_param = (sd_total * sd_total - v_model).max(0.0);
            (v_param.sqrt(), shifts)
        }
    }
}

/// `(realised mean ÷ expected, relative variance of the realised total)` of
/// a lane over the horizon: one mean-one lognormal noise per row (day, or
/// week on weekly data), scaled by the weekday factor of its day.
fn day_noise(r: &LaneRisk, h: f64, opts: &RiskOptions) -> (f64, f64) {
    let sigma = r.noise_sigma_log;
    if !(sigma.is_finite() && sigma > 0.0) || h <= 0.0 {
        return (1.0, 0.0);
    }
    let ev = (sigma * sigma).exp_m1();
    let period = opts.period_days.max(1) as f64;
    match opts.first_weekday {
        Some(first) if opts.period_days <= 1 => {
            let days = h.round().max(1.0) as usize;
            let (mut s1, mut s2) = (0.0, 0.0);
            for d in 0..days {
                let w = r.weekday_factors[(first as usize + d) % 7];
                s1 += w;
                s2 += w * w;
            }
            let hd = days as f64;
            (s1 / hd, ev * s2 / (hd * hd))
        }
        _ => (1.0, ev / (h / period).max(1.0)),
    }
}

/// Standard normal pairs from a seeded generator (Box–Muller, both halves).
struct Normals {
    rng: Rng,
    spare: Option<f64>,
}

impl Normals {
    /// The generator of draw `k` of a simulation seeded `seed`.
    fn for_draw(seed: u64, k: usize) -> Self {
        Normals {
            rng: Rng::new(seed ^ (k as u64).wrapping_mul(0xD1B5_4A32_D192_ED03)),
            spare: None,
        }
    }

    fn next(&mut self) -> f64 {
        if let Some(x) = self.spare.take() {
            return x;
        }
        let u1 = 1.0 - self.rng.uniform();
        let u2 = self.rng.uniform();
        let r = (-2.0 * u1.ln()).sqrt();
        let (s, c) = (std::f64::consts::TAU * u2).sin_cos();
        self.spare = Some(r * s);
        r * c
    }
}

/// The random numbers of every draw of a simulation, generated once for a
/// whole `--confidence` search (its candidates share them: common random
/// numbers): draw `k`'s channel uniforms, then its normals in the order the
/// simulation takes them (one per active lane, one for the total, one per
/// room target). The same numbers as [`Normals::for_draw`] gives one at a
/// time, so a stored draw simulates exactly as a live one.
struct Streams {
    channels: usize,
    normals: usize,
    uniforms: Vec<f64>,
    z: Vec<f64>,
}

impl Streams {
    /// `draws` draws of `channels` uniforms and `normals` normals each.
    fn new(seed: u64, draws: usize, channels: usize, normals: usize) -> Self {
        let per: Vec<(Vec<f64>, Vec<f64>)> = (0..draws)
            .into_par_iter()
            .map(|k| {
                let mut n = Normals::for_draw(seed, k);
                let u = (0..channels).map(|_| n.rng.uniform()).collect();
                let z = (0..normals).map(|_| n.next()).collect();
                (u, z)
            })
            .collect();
        let mut uniforms = Vec::with_capacity(draws * channels);
        let mut z = Vec::with_capacity(draws * normals);
        for (u, x) in per {
            uniforms.extend(u);
            z.extend(x);
        }
        Streams {
            channels,
            normals,
            uniforms,
            z,
        }
    }
}

/// One draw's random numbers: generated as they are taken, or read from
/// [`Streams`].
enum Draw<'a> {
    Live(Normals),
    Stored(std::slice::Iter<'a, f64>),
}

impl Draw<'_> {
    fn next(&mut self) -> f64 {
        match self {
            Draw::Live(n) => n.next(),
            Draw::Stored(z) => *z.next().expect("a stream holds every normal a draw takes"),
        }
    }
}

/// Targets a draw must meet: `(room index or None for the total, target)`.
type Targets = Vec<(Option<usize>, f64)>;

fn targets_of(req: &PlanRequest, rooms: &[String]) -> Targets {
    let mut t: Targets = Vec::new();
    if let Some(x) = req.target {
        t.push((None, x));
    }
    for (room, &x) in &req.room_targets {
        // A room without a planned lane reaches 0.
        let r = rooms.iter().position(|n| n == room);
        t.push((Some(r.unwrap_or(usize::MAX)), x));
    }
    t
}

/// The simulated totals of one plan.
struct Sim {
    expected: Vec<f64>,
    realised: Vec<f64>,
    met_expected: usize,
    met_realised: usize,
}

/// The normals one draw of `w` takes with `targets`.
fn normals_per_draw(w: &World, targets: &Targets) -> usize {
    w.active.len() + 1 + targets.iter().filter(|(r, _)| r.is_some()).count()
}

/// `draws` draws of `w` (seeded `seed`), their random numbers from
/// `streams` when it holds enough of them (the same numbers either way).
fn simulate(
    w: &World,
    targets: &Targets,
    draws: usize,
    seed: u64,
    streams: Option<&Streams>,
) -> Sim {
    let nrooms = w.rooms.len();
    let by_room = targets.iter().any(|(r, _)| r.is_some());
    let streams = streams.filter(|st| {
        st.channels == w.channels
            && st.normals >= normals_per_draw(w, targets)
            && st.uniforms.len() == draws * st.channels
    });
    let out: Vec<(f64, f64, bool, bool)> = (0..draws)
        .into_par_iter()
        .map(|k| {
            let (u, mut n) = match streams {
                Some(st) => (
                    std::borrow::Cow::Borrowed(
                        &st.uniforms[k * st.channels..(k + 1) * st.channels],
                    ),
                    Draw::Stored(st.z[k * st.normals..(k + 1) * st.normals].iter()),
                ),
                None => {
                    let mut n = Normals::for_draw(seed, k);
                    let u: Vec<f64> = (0..w.channels).map(|_| n.rng.uniform()).collect();
                    (std::borrow::Cow::Owned(u), Draw::Live(n))
                }
            };
            let mut room_e = vec![0.0; if by_room { nrooms } else { 0 }];
            let mut room_m = room_e.clone();
            let mut room_v = room_e.clone();
            let (mut e_tot, mut m_tot, mut v_tot) = (0.0, 0.0, 0.0);
            for a in &w.active {
                let uc = u[a.channel];
                let shift = a
                    .shifts
                    .iter()
                    .find(|(cum, _)| uc < *cum)
                    .map_or(0.0, |(_, d)| *d);
                let eps = shift + a.sd_param * n.next();
                let e = (a.raw_total * eps.exp()).min(a.cap_total);
                let m = e * a.mean_factor;
                let v = e * e * a.noise_rel_var;
                e_tot += e;
                m_tot += m;
                v_tot += v;
                if by_room {
                    room_e[a.room] += e;
                    room_m[a.room] += m;
                    room_v[a.room] += v;
                }
            }
            let r_tot = m_tot + v_tot.sqrt() * n.next();
            let mut met_e = true;
            let mut met_r = true;
            for &(room, t) in targets {
                let (e, r) = match room {
                    None => (e_tot, r_tot),
                    Some(r) if r < nrooms => (room_e[r], room_m[r] + room_v[r].sqrt() * n.next()),
                    Some(_) => (0.0, 0.0),
                };
                // Relative slack: the solver meets a target to 1e-9.
                let t = t * (1.0 - 1e-9);
                met_e &= e >= t;
                met_r &= r >= t;
            }
            (e_tot, r_tot, met_e, met_r)
        })
        .collect();
    Sim {
        met_expected: out.iter().filter(|o| o.2).count(),
        met_realised: out.iter().filter(|o| o.3).count(),
        expected: out.iter().map(|o| o.0).collect(),
        realised: out.iter().map(|o| o.1).collect(),
    }
}

/// The `q`-quantile of `v` (sorted in place; nearest rank).
fn quantile(v: &mut [f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let i = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
    v[i]
}

fn quantiles(v: &mut [f64]) -> Quantiles {
    Quantiles {
        p10: quantile(v, 0.1),
        p50: quantile(v, 0.5),
        p90: quantile(v, 0.9),
    }
}

/// The seed of a request: BLAKE3 of its lanes and horizon, mixed with
/// `opts.seed`.
fn seed_of(req: &PlanRequest, opts: &RiskOptions) -> u64 {
    let mut h = blake3::Hasher::new();
    h.update(&serde_json::to_vec(&req.lanes).unwrap_or_default());
    h.update(&req.horizon_days.to_le_bytes());
    h.update(&opts.seed.to_le_bytes());
    let b = h.finalize();
    u64::from_le_bytes(b.as_bytes()[..8].try_into().expect("8 bytes"))
}

fn draws_for(opts: &RiskOptions, active: usize) -> usize {
    if opts.draws > 0 {
        return opts.draws;
    }
    (AUTO_LANE_DRAWS / active.max(1)).clamp(MIN_DRAWS, MAX_DRAWS)
}

/// A plan's daily spend per lane.
fn spends(plan: &Plan) -> Vec<f64> {
    plan.lanes.iter().map(|l| l.spend_cny_per_day).collect()
}

/// One simulated plan.
struct Assessed {
    summary: RiskSummary,
    /// Realised totals, sorted.
    realised_sorted: Vec<f64>,
}

// The simulation's size, seed and stored draws are the search's, the rest
// the candidate's.
#[allow(clippy::too_many_arguments)]
fn assess_with(
    req: &PlanRequest,
    plan: &Plan,
    risks: &[LaneRisk],
    opts: &RiskOptions,
    draws: usize,
    seed: u64,
    curse: f64,
    streams: Option<&Streams>,
) -> Assessed {
    let mut w = world(req, &spends(plan), risks, opts);
    for a in &mut w.active {
        a.raw_total *= 1.0 - curse;
    }
    let targets = targets_of(req, &w.rooms);
    let mut sim = simulate(&w, &targets, draws, seed, streams);
    let n = draws as f64;
    let has_target = !targets.is_empty();
    let p = sim.met_realised as f64 / n;
    let summary = RiskSummary {
        metric: req.metric,
        target: req.target,
        room_targets: req.room_targets.len(),
        p_target_met: has_target.then_some(p),
        p_expected_reaches_target: has_target.then(|| sim.met_expected as f64 / n),
        standard_error: has_target.then(|| (p * (1.0 - p) / n).sqrt()),
        expected: quantiles(&mut sim.expected),
        realised: quantiles(&mut sim.realised),
        draws,
        seed: format!("{seed:016x}"),
        optimizer_curse: curse,
        confidence: None,
    };
    Assessed {
        summary,
        realised_sorted: sim.realised,
    }
}

/// `P(target met)` and the spread of a solved plan of `req` (`risks`
/// aligned with `req.lanes`; a lane without one is taken as certain).
pub fn assess(
    req: &PlanRequest,
    plan: &Plan,
    risks: &[LaneRisk],
    opts: &RiskOptions,
) -> Result<RiskSummary, PlanError> {
    let cached = super::reuse::cached(req)?;
    let req: &PlanRequest = &cached;
    let w = world(req, &spends(plan), risks, opts);
    let draws = draws_for(opts, w.active.len());
    let seed = seed_of(req, opts);
    let curse = optimizer_curse(req, plan, risks, opts, seed)?;
    Ok(assess_with(req, plan, risks, opts, draws, seed, curse, None).summary)
}

/// The largest curse taken off (5 %). The redraws use each lane's
/// uncertainty at the plan's spend; a plan far below business as usual buys
/// many lanes below their data, where the bands are very wide, and the
/// estimate there runs away (it reached 49 % on the 500-room history at a
/// target of an eighth of its usual week); on realistic plans it is under 1 %.
const CURSE_CLAMP: f64 = 0.05;

/// Plans re-solved on redrawn curves for the optimiser's curse (the CLI's).
pub const CURSE_REPLANS: usize = 16;

/// The optimiser's curse of plans of `req` (relative, metric units):
/// `1 − exp(mean over redrawn worlds of ln(the redrawn curves' metric of the
/// plan made on them ÷ the fitted curves' metric of it))` (in logs, so that
/// a lone lane, which selects nothing, has none). Each world
/// redraws every lane's level from its uncertainty at the plan's spend (half
/// its highest day where the plan buys nothing), family shifts shared per
/// channel as in the simulation.
fn optimizer_curse(
    req: &PlanRequest,
    plan: &Plan,
    risks: &[LaneRisk],
    opts: &RiskOptions,
    seed: u64,
) -> Result<f64, PlanError> {
    let n = req.lanes.len();
    let probe: Vec<f64> = plan
        .lanes
        .iter()
        .zip(&req.lanes)
        .map(|(lp, l)| {
            if lp.spend_cny_per_day > 0.0 {
                lp.spend_cny_per_day
            } else {
                0.5 * l.history_max_spend_cny_per_day.unwrap_or(0.0)
            }
        })
        .collect();
    let w = world(req, &probe, risks, opts);
    let pairs = opts.curse_replans.div_ceil(2);
    if w.active.is_empty() || pairs == 0 {
        return Ok(0.0);
    }
    let biases: Vec<f64> = (0..2 * pairs)
        .into_par_iter()
        .map(|b| -> Result<Option<f64>, PlanError> {
            // Draw pair b / 2; the odd one mirrors the normals and the
            // channels' uniforms.
            let mirror = b % 2 == 1;
            let k = (b / 2) as u64;
            let mut rng =
                Rng::new(seed ^ 0xC3A5_C85C_97CB_3127 ^ k.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let u: Vec<f64> = (0..w.channels)
                .map(|_| {
                    let x = rng.uniform();
                    if mirror { 1.0 - x } else { x }
                })
                .collect();
            let mut nr = Normals { rng, spare: None };
            let sign = if mirror { -1.0 } else { 1.0 };
            let mut f = vec![1.0; n];
            for a in &w.active {
                let uc = u[a.channel];
                let shift = a
                    .shifts
                    .iter()
                    .find(|(cum, _)| uc < *cum)
                    .map_or(0.0, |(_, d)| *d);
                f[a.lane] = (shift + sign * a.sd_param * nr.next()).exp();
            }
            let mut p = solve(&haircut(req, &f))?;
            restore(&mut p, req);
            let fitted: f64 = p.lanes.iter().map(|l| l.metric_value).sum();
            let promised: f64 = p
                .lanes
                .iter()
                .zip(&f)
                .map(|(l, f)| l.metric_value * f)
                .sum();
            Ok((promised > 0.0 && fitted > 0.0).then(|| (promised / fitted).ln()))
        })
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    if biases.is_empty() {
        return Ok(0.0);
    }
    let mean = biases.iter().sum::<f64>() / biases.len() as f64;
    Ok((1.0 - (-mean).exp()).clamp(-CURSE_CLAMP, CURSE_CLAMP))
}

/// The request whose metric is each lane's weighted by `factor[ℓ]`: the
/// solver's orders-per-viewer carries the product.
fn haircut(req: &PlanRequest, factor: &[f64]) -> PlanRequest {
    let mut q = req.clone();
    for (l, &f) in q.lanes.iter_mut().zip(factor) {
        let w = req.weight(l);
        l.orders_per_viewer = Some(w * f);
    }
    q.metric = Metric::Orders;
    q
}

/// A plan solved on haircut curves, its metric put back to `req`'s.
fn restore(plan: &mut Plan, req: &PlanRequest) {
    plan.metric = req.metric;
    let w: Vec<f64> = req.lanes.iter().map(|l| req.weight(l)).collect();
    for (lp, &w) in plan.lanes.iter_mut().zip(&w) {
        lp.metric_value = lp.viewers * w;
    }
    plan.totals.metric_value = plan.lanes.iter().map(|l| l.metric_value).sum();
    plan.totals.metric_value_lp = plan
        .lanes
        .iter()
        .zip(&w)
        .map(|(l, w)| l.viewers_lp * w)
        .sum();
    for room in &mut plan.rooms {
        let lanes = plan
            .lanes
            .iter()
            .zip(&w)
            .filter(|(l, _)| l.room == room.room);
        let (mut r, mut r_lp) = (0.0, 0.0);
        for (l, w) in lanes {
            r += l.metric_value;
            r_lp += l.viewers_lp * w;
        }
        room.reached = r;
        room.reached_lp = r_lp;
    }
    for b in &mut plan.binding {
        match &mut b.limit {
            Limit::Target { metric, .. } | Limit::RoomTarget { metric, .. } => *metric = req.metric,
            _ => {}
        }
    }
}

/// The marginal contribution of each lane to the sd of the total, per unit
/// of its metric (`(Cμ)_ℓ / σ`), at the plan `plan`.
fn risk_gradient(
    req: &PlanRequest,
    plan: &Plan,
    risks: &[LaneRisk],
    opts: &RiskOptions,
) -> Vec<f64> {
    let n = req.lanes.len();
    let s = spends(plan);
    let w = world(req, &s, risks, opts);
    // Lane index of each active entry.
    let idx: Vec<usize> = (0..n)
        .filter(|&i| {
            let l = &req.lanes[i];
            s[i] > 0.0 && req.weight(l) > 0.0 && planned_value(l, s[i]) > 0.0
        })
        .collect();
    let channel_of = channel_index(req);
    let mut ch_model = vec![0.0; w.channels];
    let mut own = vec![0.0; n];
    let mut sdm = vec![0.0; n];
    let mut chan = vec![usize::MAX; n];
    let mut var = 0.0;
    for (a, &i) in w.active.iter().zip(&idx) {
        let mu = a.expected_total();
        let sd_m = a.model_var().sqrt();
        ch_model[a.channel] += mu * sd_m;
        own[i] = mu * (a.sd_param * a.sd_param + a.noise_rel_var);
        var += mu * own[i];
        sdm[i] = sd_m;
        chan[i] = a.channel;
    }
    var += ch_model.iter().map(|m| m * m).sum::<f64>();
    // Lanes not bought: their model error at half their highest day.
    for i in 0..n {
        if chan[i] != usize::MAX {
            continue;
        }
        let l = &req.lanes[i];
        let Some(hm) = l.history_max_spend_cny_per_day.filter(|h| *h > 0.0) else {
            continue;
        };
        let Some(risk) = risks.get(i) else {
            continue;
        };
        let (_, shifts) = log_uncertainty(&risk.uncertainty, 0.5 * hm);
        let probe = Active {
            lane: i,
            channel: 0,
            room: 0,
            raw_total: 0.0,
            cap_total: 0.0,
            sd_param: 0.0,
            shifts,
            mean_factor: 1.0,
            noise_rel_var: 0.0,
        };
        sdm[i] = probe.model_var().sqrt();
        chan[i] = channel_of[i];
    }
    let sigma = var.sqrt();
    if !(sigma.is_finite() && sigma > 0.0) {
        return vec![0.0; n];
    }
    (0..n)
        .map(|i| {
            let shared = if chan[i] == usize::MAX {
                0.0
            } else {
                sdm[i] * ch_model[chan[i]]
            };
            (own[i] + shared) / sigma
        })
        .collect()
}

/// The normal quantile function (Acklam's rational approximation refined by
/// one Halley step; |error| < 1e-12).
pub fn probit(p: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let pl = 0.02425;
    let x = if p < pl {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - pl {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    // One Halley step on Φ(x) − p.
    let e = 0.5 * erfc(-x / std::f64::consts::SQRT_2) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

/// The standard normal CDF.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// Complementary error function (Numerical Recipes' erfcc, |rel. error| <
/// 1.2e-7), enough for a CDF.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// A candidate of the search.
struct Candidate {
    z: f64,
    plan: Plan,
    assessed: Assessed,
}

impl Candidate {
    fn p(&self) -> f64 {
        self.assessed.summary.p_target_met.unwrap_or(0.0)
    }
    fn quantile(&self, confidence: f64) -> f64 {
        let v = &self.assessed.realised_sorted;
        if v.is_empty() {
            return 0.0;
        }
        let i = (((1.0 - confidence) * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
        v[i]
    }
}

/// Largest risk level searched.
const Z_MAX: f64 = 12.0;

/// The plan of `req` at `confidence` (`0.5 ≤ P < 1`): with a target (total
/// or per room) the cheapest plan whose simulated `P(target met) ≥ P`; with
/// only a budget the plan whose realised metric's P-quantile (what it
/// reaches with probability P) is largest. The plan comes with its
/// [`RiskSummary`], `confidence` set.
pub fn solve_at_confidence(
    req: &PlanRequest,
    risks: &[LaneRisk],
    opts: &RiskOptions,
    confidence: f64,
) -> Result<(Plan, RiskSummary), PlanError> {
    if !(confidence.is_finite() && (0.5..1.0).contains(&confidence)) {
        return Err(PlanError::Inconsistent(format!(
            "confidence {confidence} is not a probability in [0.5, 1)"
        )));
    }
    // Every solve of the search cuts the same curves: once.
    let cached = super::reuse::cached(req)?;
    let req: &PlanRequest = &cached;
    let ev = solve(req)?;
    let w0 = world(req, &spends(&ev), risks, opts);
    let curse = optimizer_curse(req, &ev, risks, opts, seed_of(req, opts))?;
    // Draws fixed for the whole search (common random numbers), sized for
    // the lanes the plans buy.
    let draws = draws_for(opts, w0.active.len().max(req.lanes.len() / 2));
    let seed = seed_of(req, opts);
    let has_target = req.target.is_some() || !req.room_targets.is_empty();
    // Enough normals for a candidate that buys every lane.
    let streams = Streams::new(
        seed,
        draws,
        w0.channels,
        req.lanes.len() + 1 + req.room_targets.len(),
    );
    let streams = Some(&streams);
    let mut solves = 1;
    let base = Candidate {
        z: 0.0,
        assessed: assess_with(req, &ev, risks, opts, draws, seed, curse, streams),
        plan: ev.clone(),
    };
    // Two rounds: the haircut profile from the expected-value plan, then
    // from the first round's plan (a fixed-point step: lanes pushed further
    // carry their larger errors).
    let mut found: Option<(Candidate, bool)> = None;
    let mut g = risk_gradient(req, &ev, risks, opts);
    for round in 0..2 {
        let mut eval = |z: f64| -> Result<Candidate, PlanError> {
            let plan = if z == 0.0 {
                ev.clone()
            } else {
                let f: Vec<f64> = g.iter().map(|gi| (-z * gi).exp()).collect();
                let q = haircut(req, &f);
                let mut p = solve(&q)?;
                restore(&mut p, req);
                solves += 1;
                p
            };
            let assessed = assess_with(req, &plan, risks, opts, draws, seed, curse, streams);
            Ok(Candidate { z, plan, assessed })
        };
        let (c, reached) = if has_target {
            search_target(&mut eval, &base, confidence)?
        } else {
            search_quantile(&mut eval, &base, confidence)?
        };
        // A first round that kept the expected-value plan leaves the
        // profile where it was: a second round would repeat it exactly.
        let repeat = round == 0 && c.z == 0.0;
        if round == 0 {
            g = risk_gradient(req, &c.plan, risks, opts);
        }
        let better = match &found {
            None => true,
            Some((f, f_reached)) => {
                if has_target {
                    (reached && !f_reached)
                        || (reached == *f_reached
                            && if reached {
                                c.plan.totals.spend_cny < f.plan.totals.spend_cny
                            } else {
                                c.p() > f.p()
                            })
                } else {
                    c.quantile(confidence) > f.quantile(confidence)
                }
            }
        };
        if better {
            found = Some((c, reached));
        }
        if repeat {
            break;
        }
    }
    let best = found.expect("a round ran");
    let (best, reached) = best;
    let mut summary = best.assessed.summary.clone();
    let ev_spend = base.plan.totals.spend_cny;
    let best_quantile = best.quantile(confidence);
    let mut plan = best.plan;
    if has_target && reached && plan.status == PlanStatus::Infeasible {
        // The haircut target was out of reach, yet the plan (the most the
        // limits allow) meets the real one with the asked probability.
        plan.status = PlanStatus::Optimal;
        plan.infeasibility = None;
    }
    summary.confidence = Some(ConfidenceResult {
        requested: confidence,
        reached,
        level_z: best.z,
        solves,
        expected_value_plan_spend_cny: ev_spend,
        expected_value_plan_metric: base.plan.totals.metric_value,
        expected_value_plan_p_target_met: base.assessed.summary.p_target_met,
        expected_value_plan_quantile: (!has_target).then(|| base.quantile(confidence)),
        extra_spend_cny: (has_target && plan.mode == PlanMode::MinSpend)
            .then_some(plan.totals.spend_cny - ev_spend),
        quantile: (!has_target).then_some(best_quantile),
    });
    Ok((plan, summary))
}

/// Smallest `z` whose plan has `P(target met) ≥ confidence`: a bracket
/// found by probit steps, then bisection with probit-secant steps
/// (safeguarded to the middle 80 % of the bracket).
fn search_target<F>(
    eval: &mut F,
    base: &Candidate,
    confidence: f64,
) -> Result<(Candidate, bool), PlanError>
where
    F: FnMut(f64) -> Result<Candidate, PlanError>,
{
    let t = probit(confidence);
    let q = |c: &Candidate| probit(c.p().clamp(1e-4, 1.0 - 1e-4));
    let clone = |c: &Candidate| Candidate {
        z: c.z,
        plan: c.plan.clone(),
        assessed: Assessed {
            summary: c.assessed.summary.clone(),
            realised_sorted: Vec::new(),
        },
    };
    let (mut lo, mut hi): (Option<Candidate>, Option<Candidate>) = if base.p() >= confidence {
        (None, Some(clone(base)))
    } else {
        (Some(clone(base)), None)
    };
    // Bracket.
    let mut step_mult = 1.0;
    for _ in 0..8 {
        match (&lo, &hi) {
            (Some(l), None) => {
                let z = (l.z + step_mult * (t - q(l)).max(0.1)).min(Z_MAX);
                let c = eval(z)?;
                if c.p() >= confidence {
                    hi = Some(c);
                } else if z >= Z_MAX {
                    // The limits stop the probability: the most certain plan.
                    let best = if c.p() >= l.p() { c } else { clone(l) };
                    return Ok((best, false));
                } else {
                    if c.p() <= l.p() {
                        step_mult *= 2.0;
                    }
                    lo = Some(c);
                }
            }
            (None, Some(h)) => {
                let z = (h.z - step_mult * (q(h) - t).max(0.1)).max(-Z_MAX);
                let c = eval(z)?;
                if c.p() < confidence {
                    lo = Some(c);
                } else if z <= -Z_MAX {
                    return Ok((c, true));
                } else {
                    if c.p() >= h.p() {
                        step_mult *= 2.0;
                    }
                    hi = Some(c);
                }
            }
            _ => break,
        }
    }
    let (Some(mut l), Some(mut h)) = (lo, hi) else {
        unreachable!("the bracket loop ends with both ends or returns")
    };
    // Narrow.
    for _ in 0..10 {
        if h.p() - confidence < 0.002 || h.z - l.z < 1e-3 {
            break;
        }
        let (ql, qh) = (q(&l), q(&h));
        let mut z = if qh > ql {
            l.z + (t - ql) / (qh - ql) * (h.z - l.z)
        } else {
            0.5 * (l.z + h.z)
        };
        let span = h.z - l.z;
        z = z.clamp(l.z + 0.1 * span, h.z - 0.1 * span);
        let c = eval(z)?;
        if c.p() >= confidence {
            h = c;
        } else {
            l = c;
        }
    }
    Ok((h, true))
}

/// The `z ∈ [0, z_hi]` whose plan's realised P-quantile is largest (golden
/// section; the best seen, `z = 0` included).
fn search_quantile<F>(
    eval: &mut F,
    base: &Candidate,
    confidence: f64,
) -> Result<(Candidate, bool), PlanError>
where
    F: FnMut(f64) -> Result<Candidate, PlanError>,
{
    let gr = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (0.0, 2.0 * probit(confidence) + 1.0);
    let mut x1 = b - gr * (b - a);
    let mut x2 = a + gr * (b - a);
    let mut c1 = eval(x1)?;
    let mut c2 = eval(x2)?;
    for _ in 0..8 {
        if c1.quantile(confidence) >= c2.quantile(confidence) {
            b = x2;
            x2 = x1;
            c2 = c1;
            x1 = b - gr * (b - a);
            c1 = eval(x1)?;
        } else {
            a = x1;
            x1 = x2;
            c1 = c2;
            x2 = a + gr * (b - a);
            c2 = eval(x2)?;
        }
    }
    let mut best = if c1.quantile(confidence) >= c2.quantile(confidence) {
        c1
    } else {
        c2
    };
    if base.quantile(confidence) > best.quantile(confidence) {
        best = Candidate {
            z: base.z,
            plan: base.plan.clone(),
            assessed: Assessed {
                summary: base.assessed.summary.clone(),
                realised_sorted: base.assessed.realised_sorted.clone(),
            },
        };
    }
    Ok((best, true))
}

#[cfg(test)]
#[path = "risk_tests.rs"]
mod tests;

/// A plan's predictive band for one horizon (issue 20 §1): P10 and P90 of
/// the *realised* viewers, per lane and in total.
#[derive(Clone, Debug, PartialEq)]
pub struct WeekBands {
    /// `(P10, P90)` of each lane's realised viewers over the horizon,
    /// aligned with the request's lanes (`None`: nothing planned).
    pub lanes: Vec<Option<(f64, f64)>>,
    /// `(P10, P90)` of the total's.
    pub total: (f64, f64),
}

/// The predictive band of the plan spending `spend_day` (CNY/day per lane
/// of `req`): layers 1 and 2 of the simulation above (the curves'
/// parameters and families, then each day's noise with the lane's residual
/// distribution summed over the horizon), in viewers, centred on the value
/// the planner counts (the conservative curve past a lane's highest day),
/// without the optimiser's curse. Same input, same numbers.
pub fn week_bands(
    req: &PlanRequest,
    spend_day: &[f64],
    risks: &[LaneRisk],
    opts: &RiskOptions,
) -> WeekBands {
    let viewers = PlanRequest {
        lanes: req.lanes.clone(),
        horizon_days: req.horizon_days,
        ..PlanRequest::default()
    };
    let mut w = world(&viewers, spend_day, risks, opts);
    let h = req.horizon_days;
    for a in &mut w.active {
        let planned = req.lanes[a.lane].value(spend_day[a.lane]) * h;
        let factor = planned / a.expected_total();
        if factor.is_finite() && factor > 0.0 {
            // The draws are ratios to the fitted value: the same ratios
            // around the planner's.
            a.raw_total *= factor;
            a.cap_total *= factor;
        }
    }
    let draws = draws_for(opts, w.active.len());
    let seed = seed_of(&viewers, opts) ^ 0x5EED_BA4D_0000_0001;
    let mut sim = simulate(&w, &Vec::new(), draws, seed, None);
    let total = (
        quantile(&mut sim.realised, 0.1),
        quantile(&mut sim.realised, 0.9),
    );
    let per: Vec<(usize, (f64, f64))> = w
        .active
        .par_iter()
        .map(|a| {
            let one = World {
                active: vec![Active {
                    channel: 0,
                    room: 0,
                    ..a.clone()
                }],
                channels: 1,
                rooms: vec![String::new()],
            };
            let mut s = simulate(&one, &Vec::new(), draws, seed ^ (a.lane as u64 + 1), None);
            (
                a.lane,
                (
                    quantile(&mut s.realised, 0.1),
                    quantile(&mut s.realised, 0.9),
                ),
            )
        })
        .collect();
    let mut lanes = vec![None; req.lanes.len()];
    for (i, b) in per {
        lanes[i] = Some(b);
    }
    WeekBands { lanes, total }
}
