//! A scoreboard of regret against the exact optimum (issue 18).
//!
//! The generator ([`crate::synth`]) knows the true curves, so a plan's cost
//! can be compared with the true optimum. For each scenario:
//!
//! ```text
//!  family + seed ──synth::generate──▶ history (+ truth) ──┬─▶ history.csv ──acqplan plan (the CLI)──▶ plan.json ─┐
//!   (family.rs)        (weekly: summed to ISO weeks)      ├─▶ business as usual, naive rule (baseline.rs) ────────┤
//!                                                         └─▶ true lanes ──exact oracle (oracle.rs)──▶ optimum     │
//!                                                                                                   scores ◀─────┘
//! ```
//!
//! - [`family`]: the scenario families and the weekly export.
//! - [`pipeline`]: acqplan run exactly as a user runs it (files and flags).
//! - [`oracle`]: the exact optimum on the true curves, by bisection on the
//!   Lagrange multiplier; independent of [`crate::plan`].
//! - [`baseline`]: business as usual and the analyst's naive rule, from the
//!   history alone.
//! - [`board`]: the figures per family (Markdown, CSV); [`chart`]: the PNG.
//!
//! **Truth.** A lane's true expected viewers per day of the horizon at a
//! constant daily spend `s` are `min(m(s) · w̄ · n, cap)`: `m` the true model
//! (`truth.curves`, of the week after the history when costs drift), `w̄`
//! the mean of the weekday factors, `n` the noise's mean (1 for mean-one
//! noise, `e^(σ²/2)` for median-one noise, whose curve is the median day).
//! Bots add no real viewers. GMV per viewer is `orders_per_viewer ×
//! order_value_cny × e^(0.2²/2) × e^(0.1²/2)`, the expectation of the
//! generator's lognormal order and basket noise.
//!
//! **Request.** The business-as-usual (BAU) week is each lane's last 7 days
//! of spend, repeated; its true viewers (or GMV) over the horizon are what
//! that spend buys on the true curves. The viewer or GMV target is 1.1 × the
//! BAU week's (rounded to a whole number, as passed on the command line):
//! reachable, and on the true curves rather than the reported viewers, so
//! bots do not inflate it. Room targets: each room 1.1 × its own BAU week.
//! Budget: 1.1 × the last 7 days' spend. With `capped-channel` limits the
//! target is the BAU week's own viewers (1.0 ×: the channels left must make
//! up for the capped and the excluded one), lowered to 90 % of the most the
//! limits allow on the true curves if it is above that.
//!
//! **Scores** (every method, on the true curves): `regret` = spend ÷ the
//! oracle's cost for the target − 1 (budget: 1 − true viewers ÷ the
//! oracle's most viewers for the budget); `shortfall` = max(0, 1 − true
//! metric ÷ target) (room targets: Σ rooms' missing viewers ÷ Σ targets;
//! budget: max(0, 1 − true ÷ oracle)); `efficiency_regret` = spend ÷ the
//! oracle's cost of what the plan truly delivered − 1 (≥ 0 for any plan that
//! keeps the limits); `completed_regret` = the plan completed at the least
//! extra cost to reach the target (spend only added, on any lane, within
//! the limits), ÷ the oracle's cost − 1: the regret of a plan that falls
//! short counts what the missing viewers cost (equal to `regret` for a plan
//! that meets the target, and for budget mode); it measures misallocated
//! money only (a plan that spends nothing scores 0), so neither regret is
//! read without the shortfall; `met` = true metric ≥
//! 99.5 % of the target (room
//! targets: every room; budget: spend ≤ 100.5 % of the budget);
//! `overpromise` = the method's own predicted metric ÷ the true one − 1.

pub mod baseline;
pub mod board;
pub mod calibration;
pub mod chart;
pub mod family;
pub mod oracle;
pub mod pipeline;

use std::collections::BTreeMap;
use std::time::Instant;

pub use family::{FAMILIES, Family, Goal, Limits, Scenario, Sizes, scenario, seed_for};

use baseline::{Ask, Frame, LaneStats, business_as_usual, lane_stats, naive};
use oracle::{Problem, TrueLane};
use pipeline::{ConfigLimits, Request, TempDir, run_plan};

use crate::synth::{CHANNELS, History, Noise, generate};

/// Target (or budget) as a multiple of the business-as-usual week.
pub const TARGET_FACTOR: f64 = 1.1;
/// `capped-channel`: the target as a multiple of the business-as-usual
/// week (1.1 × is over 90 % of what the limits allow on the true curves,
/// where the optimum costs 2.5–5 × the usual spend).
pub const CAPPED_TARGET_FACTOR: f64 = 1.0;
/// A target counts as met from this share of it.
pub const MET_SHARE: f64 = 0.995;
/// `capped-channel`: the target is at most this share of the most the
/// limits allow on the true curves.
pub const MAX_REACH_SHARE: f64 = 0.9;

/// Who made a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    /// `acqplan plan`.
    Acqplan,
    /// The last week's spend scaled to the target ([`baseline::business_as_usual`]).
    BusinessAsUsual,
    /// Cheapest last-28-days cost per viewer first ([`baseline::naive`]).
    Naive,
}

impl Method {
    /// In table order.
    pub const ALL: [Method; 3] = [Method::Acqplan, Method::BusinessAsUsual, Method::Naive];

    /// Name in the outputs.
    pub fn name(self) -> &'static str {
        match self {
            Method::Acqplan => "acqplan",
            Method::BusinessAsUsual => "business_as_usual",
            Method::Naive => "naive",
        }
    }
}

/// A generated scenario with its truth, ready to plan and score.
#[derive(Clone, Debug)]
pub struct World {
    /// The scenario.
    pub scenario: Scenario,
    /// The history as written for acqplan (weekly rows for `weekly`).
    pub history: History,
    /// Days per row: 1, or 7 for weekly rows.
    pub period_days: i32,
    /// The true lanes and the limits: what the oracle solves.
    pub problem: Problem,
    /// What the history says per lane (for the baselines).
    pub stats: Vec<LaneStats>,
    /// Lanes and limits as the baselines see them.
    pub frame: Frame,
    /// The request in metric units over the horizon.
    pub ask: Ask,
    /// True metric of the business-as-usual week.
    pub bau_metric: f64,
}

/// The true GMV per real viewer of a lane: orders per viewer × order value
/// × the means of the generator's lognormal noises on orders (σ 0.2) and
/// basket value (σ 0.1).
pub fn true_gmv_per_viewer(orders_per_viewer: f64, order_value_cny: f64) -> f64 {
    orders_per_viewer * order_value_cny * (0.5 * 0.2f64 * 0.2).exp() * (0.5 * 0.1f64 * 0.1).exp()
}

impl World {
    /// Generate the scenario's history and set up its request.
    pub fn new(sc: &Scenario) -> Result<World, String> {
        let mut history = generate(&sc.options);
        let period_days = if sc.weekly {
            history.rows = family::weekly_rows(&history.rows);
            7
        } else {
            1
        };
        let nc = CHANNELS.len();
        let t = &history.truth;
        let mean_weekday = t.weekday_factors.iter().sum::<f64>() / 7.0;
        let noise_mean = match t.noise {
            Noise::Mean => 1.0,
            Noise::Median => (0.5 * t.noise_sigma * t.noise_sigma).exp(),
        };
        let gmv = sc.goal == Goal::Gmv;
        let capped = sc.limits == Limits::CappedMain;
        let mut lanes = Vec::with_capacity(t.curves.len());
        for (i, tc) in t.curves.iter().enumerate() {
            let (room, channel) = (i / nc, i % nc);
            if tc.room != history.rooms[room] || tc.channel != CHANNELS[channel].id {
                return Err(format!(
                    "truth curve {i} is {} × {}, not in lane order",
                    tc.room, tc.channel
                ));
            }
            lanes.push(TrueLane {
                room,
                channel,
                model: tc.curve.model,
                level: mean_weekday * noise_mean,
                cap_viewers_per_day: tc.curve.cap_viewers_per_day,
                weight: if gmv {
                    true_gmv_per_viewer(tc.orders_per_viewer, tc.order_value_cny)
                } else {
                    1.0
                },
                excluded: capped && channel == family::EXCLUDED_CHANNEL,
            });
        }
        let h = sc.horizon_days as f64;
        let stats = lane_stats(&history.rows, lanes.len(), nc, period_days, gmv);
        let bau_lane: Vec<f64> = lanes
            .iter()
            .zip(&stats)
            .map(|(l, s)| h * l.metric_per_day(s.last7_spend_cny / 7.0))
            .collect();
        let bau_metric: f64 = bau_lane.iter().sum();
        let mut channel_max_cny = BTreeMap::new();
        if capped {
            let usual: f64 = stats
                .iter()
                .enumerate()
                .filter(|(i, _)| i % nc == family::CAPPED_CHANNEL)
                .map(|(_, s)| s.last7_spend_cny)
                .sum::<f64>()
                * h
                / 7.0;
            channel_max_cny.insert(
                family::CAPPED_CHANNEL,
                (family::CAPPED_SHARE * usual).round(),
            );
        }
        let problem = Problem {
            lanes,
            horizon_days: h,
            channel_max_cny: channel_max_cny.clone(),
        };
        let ask = match sc.goal {
            Goal::Viewers | Goal::Gmv => {
                let mut target = TARGET_FACTOR * bau_metric;
                if capped {
                    target = CAPPED_TARGET_FACTOR * bau_metric;
                    let reach = problem.min_cost(f64::INFINITY).metric;
                    target = target.min(MAX_REACH_SHARE * reach);
                }
                Ask::Target(target.round())
            }
            Goal::Budget => Ask::Budget(
                (TARGET_FACTOR * stats.iter().map(|s| s.last7_spend_cny).sum::<f64>() * h / 7.0)
                    .round(),
            ),
            Goal::RoomTargets => {
                let mut per_room = BTreeMap::new();
                for (i, v) in bau_lane.iter().enumerate() {
                    *per_room.entry(i / nc).or_insert(0.0) += v;
                }
                Ask::Rooms(
                    per_room
                        .into_iter()
                        .map(|(r, v)| (r, (TARGET_FACTOR * v).round()))
                        .collect(),
                )
            }
        };
        let frame = Frame {
            room: problem.lanes.iter().map(|l| l.room).collect(),
            channel: problem.lanes.iter().map(|l| l.channel).collect(),
            excluded: if capped {
                vec![family::EXCLUDED_CHANNEL]
            } else {
                Vec::new()
            },
            channel_max_cny,
            horizon_days: h,
        };
        Ok(World {
            scenario: sc.clone(),
            history,
            period_days,
            problem,
            stats,
            frame,
            ask,
            bau_metric,
        })
    }

    /// The request as acqplan's flags.
    pub fn request(&self) -> Request {
        match &self.ask {
            Ask::Target(t) if self.scenario.goal == Goal::Gmv => Request::Gmv(*t),
            Ask::Target(t) => Request::Viewers(*t),
            Ask::Budget(b) => Request::Budget(*b),
            Ask::Rooms(m) => Request::Rooms(
                m.iter()
                    .map(|(&r, &t)| (self.history.rooms[r].clone(), t))
                    .collect(),
            ),
        }
    }

    /// The limits as the config file writes them.
    pub fn config_limits(&self) -> ConfigLimits {
        ConfigLimits {
            capped_max_cny: self
                .frame
                .channel_max_cny
                .get(&family::CAPPED_CHANNEL)
                .copied(),
            exclude: self.frame.excluded.contains(&family::EXCLUDED_CHANNEL),
        }
    }

    /// The target (or budget) as one number: the total.
    pub fn ask_total(&self) -> f64 {
        match &self.ask {
            Ask::Target(t) | Ask::Budget(t) => *t,
            Ask::Rooms(m) => m.values().sum(),
        }
    }

    /// Metric per room of a spend per lane.
    fn room_metrics(&self, spend: &[f64]) -> BTreeMap<usize, f64> {
        let mut out = BTreeMap::new();
        for (l, &s) in self.problem.lanes.iter().zip(spend) {
            *out.entry(l.room).or_insert(0.0) += self.problem.horizon_days * l.metric_per_day(s);
        }
        out
    }

    /// The oracle's cheapest cost for `metric` delivered (per room for room
    /// targets), or NaN when no plan keeping the limits can deliver it.
    fn oracle_cost_of(&self, spend: &[f64]) -> f64 {
        match &self.ask {
            Ask::Rooms(_) => {
                let delivered = self.room_metrics(spend);
                match self.problem.min_cost_per_room(&delivered) {
                    Some(o) if o.feasible => o.spend_cny,
                    _ => f64::NAN,
                }
            }
            _ => {
                let o = self.problem.min_cost(self.problem.metric_of(spend));
                if o.feasible { o.spend_cny } else { f64::NAN }
            }
        }
    }

    /// The oracle for the request: (its cost, its metric).
    pub fn oracle(&self) -> Result<(f64, f64), String> {
        let o = match &self.ask {
            Ask::Target(t) => self.problem.min_cost(*t),
            Ask::Budget(b) => self.problem.max_metric(*b),
            Ask::Rooms(m) => self
                .problem
                .min_cost_per_room(m)
                .ok_or("room targets with channel limits are not supported by the oracle")?,
        };
        if !o.feasible {
            return Err(format!(
                "the oracle cannot reach the target: {:.0} of {:.0}",
                o.metric,
                self.ask_total()
            ));
        }
        Ok((o.spend_cny, o.metric))
    }

    /// Channel limits a plan breaks, in words (empty when it keeps them).
    pub fn violations(&self, spend: &[f64]) -> Vec<String> {
        let h = self.problem.horizon_days;
        let channel_total = |c: usize| -> f64 {
            spend
                .iter()
                .enumerate()
                .filter(|(i, _)| self.frame.channel[*i] == c)
                .map(|(_, s)| s * h)
                .sum()
        };
        let mut out = Vec::new();
        for (&c, &max) in &self.frame.channel_max_cny {
            let total = channel_total(c);
            if total > max * 1.001 + 1.0 {
                out.push(format!(
                    "{} {:.0} CNY > max {:.0}",
                    CHANNELS[c].id, total, max
                ));
            }
        }
        for &c in &self.frame.excluded {
            let total = channel_total(c);
            if total > 0.0 {
                out.push(format!(
                    "excluded {} spent {:.0} CNY",
                    CHANNELS[c].id, total
                ));
            }
        }
        out
    }

    /// The oracle's cost of `spend` (CNY/day per lane) completed to the
    /// target at the least extra cost, CNY; NaN when it cannot be.
    fn completed_cost(&self, spend: &[f64]) -> f64 {
        let o = match &self.ask {
            Ask::Target(t) => Some(self.problem.min_cost_from(*t, spend)),
            Ask::Rooms(m) => self.problem.min_cost_per_room_from(m, spend),
            Ask::Budget(_) => None,
        };
        match o {
            Some(o) if o.feasible => o.spend_cny,
            _ => f64::NAN,
        }
    }

    /// Score a spend per lane (CNY/day) against the oracle's `(cost, metric)`.
    pub fn score(&self, spend: &[f64], oracle: (f64, f64)) -> Score {
        let h = self.problem.horizon_days;
        let spend_cny = spend.iter().sum::<f64>() * h;
        let metric = self.problem.metric_of(spend);
        let (oracle_cost, oracle_metric) = oracle;
        let (regret, shortfall, met) = match &self.ask {
            Ask::Target(t) => (
                spend_cny / oracle_cost - 1.0,
                (1.0 - metric / t).max(0.0),
                metric >= MET_SHARE * t,
            ),
            Ask::Budget(b) => (
                1.0 - metric / oracle_metric,
                (1.0 - metric / oracle_metric).max(0.0),
                spend_cny <= b * (2.0 - MET_SHARE),
            ),
            Ask::Rooms(targets) => {
                let got = self.room_metrics(spend);
                let missing: f64 = targets
                    .iter()
                    .map(|(r, t)| (t - got.get(r).copied().unwrap_or(0.0)).max(0.0))
                    .sum();
                let total: f64 = targets.values().sum();
                let all = targets
                    .iter()
                    .all(|(r, t)| got.get(r).copied().unwrap_or(0.0) >= MET_SHARE * t);
                (spend_cny / oracle_cost - 1.0, missing / total, all)
            }
        };
        let completed_regret = match &self.ask {
            Ask::Budget(_) => regret,
            _ => self.completed_cost(spend) / oracle_cost - 1.0,
        };
        Score {
            spend_cny,
            metric,
            regret,
            completed_regret,
            shortfall,
            efficiency_regret: spend_cny / self.oracle_cost_of(spend) - 1.0,
            met,
        }
    }
}

/// A plan's figures on the true curves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Score {
    /// Spend over the horizon, CNY.
    pub spend_cny: f64,
    /// True metric over the horizon.
    pub metric: f64,
    /// See the module docs.
    pub regret: f64,
    /// See the module docs.
    pub completed_regret: f64,
    /// See the module docs.
    pub shortfall: f64,
    /// See the module docs.
    pub efficiency_regret: f64,
    /// See the module docs.
    pub met: bool,
}

/// One method on one scenario: a row of `scoreboard.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreRow {
    /// Family id.
    pub family: &'static str,
    /// Generator seed.
    pub seed: u64,
    /// Method.
    pub method: Method,
    /// Rooms.
    pub rooms: usize,
    /// Lanes (rooms × channels).
    pub lanes: usize,
    /// Days generated.
    pub days: usize,
    /// Days per history row.
    pub period_days: i32,
    /// Goal.
    pub goal: Goal,
    /// Target (metric units) or budget (CNY) over the horizon, total.
    pub ask: f64,
    /// True metric of the business-as-usual week.
    pub bau_metric: f64,
    /// The oracle's cost for the request, CNY (budget: the budget it spends).
    pub oracle_cost_cny: f64,
    /// The oracle's metric for the request.
    pub oracle_metric: f64,
    /// The plan's figures (NaN when the method failed).
    pub score: Score,
    /// What the method itself expected to deliver (NaN if it says nothing).
    pub predicted_metric: f64,
    /// acqplan: share of its spend on lanes it marks `extrapolation`
    /// (beyond 1.5 × their highest daily spend); NaN for the baselines.
    pub extrapolated_share: f64,
    /// `optimal`, `infeasible` (acqplan), `ok` (baselines) or `error: …`;
    /// `; over limits: …` appended when a limit is broken.
    pub status: String,
    /// Wall time of the method, s (acqplan: the whole CLI run).
    pub seconds: f64,
}

impl ScoreRow {
    /// `predicted ÷ true − 1`.
    pub fn overpromise(&self) -> f64 {
        self.predicted_metric / self.score.metric - 1.0
    }
}

const FAILED: Score = Score {
    spend_cny: f64::NAN,
    metric: f64::NAN,
    regret: f64::NAN,
    completed_regret: f64::NAN,
    shortfall: f64::NAN,
    efficiency_regret: f64::NAN,
    met: false,
};

/// Generate, plan with every method, and score one scenario. An acqplan
/// failure is a row with status `error: …` and NaN figures; only a failure
/// to set the scenario up (or of the oracle) is an `Err`.
pub fn run_scenario(sc: &Scenario) -> Result<Vec<ScoreRow>, String> {
    let world = World::new(sc)?;
    let oracle = world.oracle()?;
    let row = |method, score, predicted, extrapolated_share, status: String, seconds| ScoreRow {
        family: sc.family,
        seed: sc.seed,
        method,
        rooms: sc.options.rooms,
        lanes: world.problem.lanes.len(),
        days: sc.options.days,
        period_days: world.period_days,
        goal: sc.goal,
        ask: world.ask_total(),
        bau_metric: world.bau_metric,
        oracle_cost_cny: oracle.0,
        oracle_metric: oracle.1,
        score,
        predicted_metric: predicted,
        extrapolated_share,
        status,
        seconds,
    };
    let with_violations = |status: &str, spend: &[f64]| {
        let v = world.violations(spend);
        if v.is_empty() {
            status.to_string()
        } else {
            format!("{status}; over limits: {}", v.join(", "))
        }
    };
    let mut rows = Vec::with_capacity(3);
    let start = Instant::now();
    let tmp = TempDir::new(&format!("{}-{}", sc.family, sc.seed))
        .map_err(|e| format!("temp dir: {e}"))?;
    let run = run_plan(
        &world.history,
        &world.request(),
        &world.config_limits(),
        sc.horizon_days,
        tmp.path(),
    );
    let secs = start.elapsed().as_secs_f64();
    drop(tmp);
    rows.push(match run {
        Ok(p) => row(
            Method::Acqplan,
            world.score(&p.spend_cny_per_day, oracle),
            p.predicted_metric,
            p.extrapolated_share,
            with_violations(&p.status, &p.spend_cny_per_day),
            secs,
        ),
        Err(e) => row(
            Method::Acqplan,
            FAILED,
            f64::NAN,
            f64::NAN,
            format!("error: {e}"),
            secs,
        ),
    });
    for method in [Method::BusinessAsUsual, Method::Naive] {
        let start = Instant::now();
        let spend = match method {
            Method::BusinessAsUsual => business_as_usual(&world.stats, &world.frame, &world.ask),
            _ => naive(&world.stats, &world.frame, &world.ask),
        };
        let secs = start.elapsed().as_secs_f64();
        let predicted = predicted_linear(&world, &spend);
        rows.push(row(
            method,
            world.score(&spend, oracle),
            predicted,
            f64::NAN,
            with_violations("ok", &spend),
            secs,
        ));
    }
    Ok(rows)
}

/// What a baseline itself predicts: its spend at each lane's last-28-days
/// metric per CNY.
fn predicted_linear(world: &World, spend: &[f64]) -> f64 {
    world
        .stats
        .iter()
        .zip(spend)
        .map(|(s, &x)| {
            if s.last28_spend_cny > 0.0 {
                x * world.problem.horizon_days * s.last28_metric / s.last28_spend_cny
            } else {
                0.0
            }
        })
        .sum()
}
