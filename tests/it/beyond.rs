//! Beyond the history (issue 20 §5) and the band's coverage (§1), on
//! generated histories with known curves.
//!
//! - Lanes observed only near their typical spend (`spend_sigma` 0.2: the
//!   highest day ≈ 1.8 × typical) and a target of the usual week plus 40 %
//!   of the way to what the lanes truly reach under the support limit (1.5
//!   × their highest day), which pushes lanes to that limit: the real `acqplan plan`'s
//!   cost of truly reaching the target (completed on the true curves at the
//!   least extra cost, under the same limit) is within a few percent of the
//!   true optimum under that limit, and summary.txt names exactly the
//!   lanes plan.json marks `support_limit`.
//! - The same kind of history (spend log-sd 0.15) with lanes allowed to 3 ×
//!   their highest day and a target 40 % of the way to the true reach
//!   there (past what the default limit allows): planned
//!   on the conservative curve past each lane's highest day, the plan's
//!   true shortfall is small; planned on the fitted curves alone it is
//!   larger.
//! - The P10–P90 band at the 25/50/75th percentile of each lane's spend
//!   holds the true expected viewers 70–90 % of the time (mean-one noise,
//!   pooling and recency on).
//!
//! The calibrations are `#[ignore]`d (`cargo test --release --test it
//! beyond:: -- --ignored --nocapture`); the suite runs a few fresh seeds
//! with bounds set from them.

use acqplan::curves::extrapolation::Pooling;
use acqplan::curves::stage::{SeriesKey, SeriesSet, StageOptions, fit_set};
use acqplan::load::cell::weekday;
use acqplan::plan::beyond::{CONSERVATIVE_RULE, ConservativeRule, attach_conservative_with};
use acqplan::plan::risk::{LaneRisk, RiskOptions, week_bands};
use acqplan::plan::stage::{lane_histories, prepare};
use acqplan::plan::{PlanRequest, SegmentOptions, solve};
use acqplan::scoreboard::oracle::Problem;
use acqplan::scoreboard::pipeline::{ConfigLimits, Request, TempDir, run_plan};
use acqplan::scoreboard::{Goal, Limits, Scenario, World, seed_for};
use acqplan::synth::Headers;
use acqplan::synth::{CHANNELS, GenOptions, Noise, Rng, WEEKDAY_FACTORS};

const BASE_SEED: u64 = 20_261_203;

fn world(seed: u64, rooms: usize, spend_sigma: f64) -> World {
    let options = GenOptions {
        rooms,
        days: 240,
        seed,
        fake_rate: 0.0,
        noise_sigma: 0.3,
        noise: Noise::Mean,
        spend_sigma,
        ..GenOptions::default()
    };
    World::new(&Scenario {
        family: "low-spend",
        seed,
        options,
        weekly: false,
        goal: Goal::Viewers,
        limits: Limits::None,
        horizon_days: 7,
    })
    .unwrap()
}

fn series_set(world: &World) -> SeriesSet {
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

/// Highest daily spend of each lane in the history.
fn highest_day(world: &World) -> Vec<f64> {
    let mut top = vec![0.0f64; world.problem.lanes.len()];
    let nc = CHANNELS.len();
    for r in &world.history.rows {
        let i = r.room * nc + r.channel;
        top[i] = top[i].max(r.spend);
    }
    top
}

/// The true problem with every lane held at `multiple ×` its highest day
/// (a reach cap at the true viewers there is the same limit).
fn limited(world: &World, multiple: f64) -> Problem {
    let mut p = world.problem.clone();
    for (l, top) in p.lanes.iter_mut().zip(highest_day(world)) {
        let at = l.viewers_per_day(multiple * top);
        l.cap_viewers_per_day = Some(l.cap_viewers_per_day.map_or(at, |c| c.min(at)));
    }
    p
}

/// The true optimum's cost of reaching `target` under `problem` against
/// the cost of completing `spend` to it (both CNY): the regret of `spend`.
fn completed_regret(problem: &Problem, spend: &[f64], target: f64) -> f64 {
    let best = problem.min_cost(target);
    assert!(best.feasible, "target {target} beyond the limits");
    let done = problem.min_cost_from(target, spend);
    assert!(done.feasible);
    done.spend_cny / best.spend_cny - 1.0
}

/// A target that needs more than the usual week: the usual week's true
/// viewers plus `share` of the way to the most the lanes truly reach under
/// `problem`'s limits.
fn between_usual_and_reach(w: &World, problem: &Problem, share: f64) -> f64 {
    let reach = problem.min_cost(f64::INFINITY).metric;
    assert!(reach > w.bau_metric);
    (w.bau_metric + share * (reach - w.bau_metric)).round()
}

struct SupportRun {
    regret: f64,
    at_limit: usize,
}

/// `acqplan plan` for more than the usual week under the default support
/// limit.
fn support_limit_run(i: usize) -> SupportRun {
    let seed = seed_for(BASE_SEED, "support-limit", i);
    let w = world(seed, 4, 0.2);
    let problem = limited(&w, 1.5);
    let target = between_usual_and_reach(&w, &problem, 0.4);
    let dir = TempDir::new("support-limit").unwrap();
    let run = run_plan(
        &w.history,
        &Request::Viewers(target),
        &ConfigLimits::default(),
        7,
        dir.path(),
    )
    .unwrap();
    // An infeasible plan (the fitted curves reach less) is the most they
    // reach; its completed cost is scored the same way.
    assert!(
        ["optimal", "infeasible"].contains(&run.status.as_str()),
        "seed {seed}"
    );
    let regret = completed_regret(&problem, &run.spend_cny_per_day, target);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("run/plan.json")).unwrap()).unwrap();
    let summary = std::fs::read_to_string(dir.path().join("run/summary.txt")).unwrap();
    let mut at_limit = 0;
    for row in json["rows"].as_array().unwrap() {
        let lane = format!(
            "{} × {}",
            row["room"].as_str().unwrap(),
            row["channel"].as_str().unwrap()
        );
        let held = row["binding"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b == "support_limit");
        let named = summary.contains(&format!("Support limit: {lane} held at"));
        assert_eq!(
            held, named,
            "seed {seed}: {lane} held {held}, named {named}\n{summary}"
        );
        at_limit += usize::from(held);
        // Nothing past the default limit, so nothing extrapolated.
        assert_eq!(row["extrapolation"], false, "{lane}");
    }
    eprintln!(
        "support limit, seed {seed}: regret {:.2} %, {at_limit} lanes at the limit",
        100.0 * regret
    );
    SupportRun { regret, at_limit }
}

struct BeyondRun {
    shortfall_conservative: f64,
    shortfall_fitted: f64,
    beyond_lanes: usize,
}

/// In process, on one set of fits: the plans for `target` with lanes
/// allowed to `multiple ×` their highest day, on the conservative curve
/// (under `rule`) past the highest day and on the fitted curve alone.
/// Returns the daily spend of each, aligned with the true problem's lanes,
/// and how many lanes the conservative plan takes past their highest day.
fn plan_in_process(
    w: &World,
    target: f64,
    multiple: f64,
    rule: ConservativeRule,
) -> (Vec<f64>, Vec<f64>, usize) {
    let set = series_set(w);
    let opts = StageOptions {
        shrink: true,
        ..StageOptions::default()
    };
    let fits = fit_set(&set, &opts).0;
    let hist = lane_histories(&set, 7);
    let prepared = prepare(&fits, &hist, &Default::default());
    let mut conservative = prepared.lanes.clone();
    attach_conservative_with(&mut conservative, &prepared.source, &fits, multiple, rule);
    let spend_of = |lanes: Vec<acqplan::plan::Lane>| {
        let plan = solve(&PlanRequest {
            lanes,
            horizon_days: 7.0,
            target: Some(target),
            segments: SegmentOptions {
                history_multiple: multiple,
                ..SegmentOptions::default()
            },
            ..PlanRequest::default()
        })
        .unwrap();
        let mut spend = vec![0.0; w.problem.lanes.len()];
        let mut past = 0;
        for (k, lp) in plan.lanes.iter().enumerate() {
            let j = prepared.source[k];
            spend[j] = lp.spend_cny_per_day;
            past +=
                usize::from(lp.spend_cny_per_day > hist[j].max_spend_cny_per_day * (1.0 + 1e-9));
        }
        (spend, past)
    };
    let (fitted, _) = spend_of(prepared.lanes.clone());
    let (cons, past) = spend_of(conservative);
    (cons, fitted, past)
}

/// Under the default support limit (1.5 ×), in process: the completed
/// regret of the conservative plan for a target `share` of the way from the
/// usual week to the reach under the limit (spend log-sd 0.2).
fn support_regret(seed: u64, share: f64, rule: ConservativeRule) -> f64 {
    let w = world(seed, 4, 0.2);
    let problem = limited(&w, 1.5);
    let target = between_usual_and_reach(&w, &problem, share);
    let (spend, _, _) = plan_in_process(&w, target, 1.5, rule);
    completed_regret(&problem, &spend, target)
}

/// In process (the same fits for both plans): the plan for more than the
/// usual week with lanes allowed to 3 × their highest day, on the
/// conservative curve past the highest day and on the fitted curve alone.
fn beyond_run_seeded(seed: u64, rule: ConservativeRule) -> BeyondRun {
    const MULTIPLE: f64 = 3.0;
    let w = world(seed, 4, 0.15);
    let target = between_usual_and_reach(&w, &limited(&w, MULTIPLE), 0.4);
    let (cons, fitted, past) = plan_in_process(&w, target, MULTIPLE, rule);
    let short = |spend: &[f64]| (1.0 - w.problem.metric_of(spend) / target).max(0.0);
    let (cons, fitted) = (short(&cons), short(&fitted));
    eprintln!(
        "beyond, seed {seed}: shortfall {:.2} % on the conservative curve ({past} lanes past their highest day), {:.2} % on the fitted curve",
        100.0 * cons,
        100.0 * fitted
    );
    BeyondRun {
        shortfall_conservative: cons,
        shortfall_fitted: fitted,
        beyond_lanes: past,
    }
}

fn beyond_run(i: usize) -> BeyondRun {
    beyond_run_seeded(seed_for(BASE_SEED, "beyond", i), CONSERVATIVE_RULE)
}

/// Share of (lane, percentile) where the P10–P90 band of a fresh 10-room
/// history holds the true expected viewers.
fn coverage(i: usize) -> f64 {
    let seed = seed_for(BASE_SEED, "coverage", i);
    // The ordinary spend spread of the generator: coverage inside the data.
    let w = world(seed, 10, 0.5);
    let set = series_set(&w);
    let fits = fit_set(
        &set,
        &StageOptions {
            shrink: true,
            ..StageOptions::default()
        },
    )
    .0;
    let (mut inside, mut n) = (0usize, 0usize);
    for (j, f) in fits.iter().enumerate() {
        let Some(fc) = f.outcome.fitted() else {
            continue;
        };
        for s in &fc.spend_summaries {
            let t = w.problem.lanes[j].viewers_per_day(s.spend_cny);
            n += 1;
            inside += usize::from(s.viewers_p10_per_day <= t && t <= s.viewers_p90_per_day);
        }
    }
    inside as f64 / n as f64
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn max(v: &[f64]) -> f64 {
    v.iter().copied().fold(0.0, f64::max)
}

/// The rules compared by the calibration.
const RULES: [(&str, ConservativeRule); 4] = [
    ("level, lane P10", ConservativeRule::Level),
    ("growth, lane P10", ConservativeRule::Growth(Pooling::Lane)),
    (
        "growth, total P10, lanes independent",
        ConservativeRule::Growth(Pooling::Independent),
    ),
    (
        "growth, total P10, correlated in a channel",
        ConservativeRule::Growth(Pooling::Channel),
    ),
];

/// Calibration of the rules: under the support limit at 40 % and 70 % of
/// the way to the reach (in process) and the shortfall at 3 ×, on seeds
/// `CAL_FROM..CAL_FROM+CAL_SEEDS` (default 100, 12); `RULE=k` runs one.
#[test]
#[ignore]
fn calibrate_conservative_rules() {
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let from = env("CAL_FROM", 100) as usize;
    let n = env("CAL_SEEDS", 12) as usize;
    let only = std::env::var("RULE")
        .ok()
        .and_then(|v| v.parse::<usize>().ok());
    for (k, (name, rule)) in RULES.iter().enumerate() {
        if only.is_some_and(|o| o != k) {
            continue;
        }
        let seeds = from..from + n;
        let r40: Vec<f64> = seeds
            .clone()
            .map(|i| support_regret(seed_for(BASE_SEED, "support-limit", i), 0.4, *rule))
            .collect();
        let r70: Vec<f64> = seeds
            .clone()
            .map(|i| support_regret(seed_for(BASE_SEED, "support-limit", i), 0.7, *rule))
            .collect();
        let b: Vec<f64> = seeds
            .map(|i| {
                beyond_run_seeded(seed_for(BASE_SEED, "beyond", i), *rule).shortfall_conservative
            })
            .collect();
        eprintln!(
            "RULE {k} {name}, seeds {from}..{}: regret at 40 % mean {:.2} % max {:.2} %; at 70 % mean {:.2} % max {:.2} %; shortfall at 3x mean {:.2} % max {:.2} %",
            from + n,
            100.0 * mean(&r40),
            100.0 * max(&r40),
            100.0 * mean(&r70),
            100.0 * max(&r70),
            100.0 * mean(&b),
            100.0 * max(&b)
        );
        eprintln!("  r40 {r40:.4?}\n  r70 {r70:.4?}\n  short {b:.4?}");
    }
}

/// Calibration: 12 fresh seeds each.
#[test]
#[ignore]
fn calibrate_beyond_the_history() {
    let s: Vec<SupportRun> = (100..112).map(support_limit_run).collect();
    let r: Vec<f64> = s.iter().map(|x| x.regret).collect();
    eprintln!(
        "support limit: regret mean {:.2} %, max {:.2} %",
        100.0 * mean(&r),
        100.0 * max(&r)
    );
    if std::env::var_os("ONLY_SUPPORT").is_some() {
        return;
    }
    let cov: Vec<f64> = (100..120).map(coverage).collect();
    eprintln!(
        "coverage: mean {:.1} %, min {:.1} %, max {:.1} %",
        100.0 * mean(&cov),
        100.0 * cov.iter().copied().fold(1.0, f64::min),
        100.0 * max(&cov)
    );
}

/// Calibration (12 seeds): completed regret mean 1.87 %, max 4.33 %; 7 of
/// 12 plans held lanes at the limit.
#[test]
fn support_limit_plan_is_near_the_true_optimum_under_the_limit_and_named() {
    let runs: Vec<SupportRun> = (0..3).map(support_limit_run).collect();
    assert!(runs.iter().any(|r| r.at_limit > 0));
    let r: Vec<f64> = runs.iter().map(|x| x.regret).collect();
    assert!(r.iter().all(|x| *x < 0.06), "{r:?}");
    assert!(mean(&r) < 0.035, "{r:?}");
}

/// Calibration (12 seeds): shortfall on the conservative curve mean
/// 2.01 % (max 5.40 %), on the fitted curve alone 15.83 % (min 10.75 %,
/// max 29.62 %).
#[test]
fn conservative_curve_keeps_the_shortfall_small_past_the_history() {
    let runs: Vec<BeyondRun> = (0..2).map(beyond_run).collect();
    assert!(runs.iter().all(|r| r.beyond_lanes > 0));
    let c: Vec<f64> = runs.iter().map(|x| x.shortfall_conservative).collect();
    let f: Vec<f64> = runs.iter().map(|x| x.shortfall_fitted).collect();
    assert!(
        c.iter().all(|x| *x < 0.07),
        "conservative {c:?}, fitted {f:?}"
    );
    assert!(mean(&c) < 0.04, "conservative {c:?}, fitted {f:?}");
    assert!(
        mean(&f) > mean(&c) + 0.05,
        "conservative {c:?}, fitted {f:?}"
    );
}

/// Calibration (20 seeds): mean 80.5 %, per seed 74.2–87.1 %.
#[test]
fn band_holds_the_expected_viewers_70_to_90_percent_of_the_time() {
    let cov: Vec<f64> = (0..3).map(coverage).collect();
    let m = mean(&cov);
    assert!((0.72..=0.88).contains(&m), "{cov:?}");
}

/// The predictive band of one week at each lane's median daily spend in a
/// fresh 10-room history (mean-one noise σ 0.3, pooling on), against
/// `WEEKS` realised weeks drawn from the true curves after the history:
/// `(share of (lane, week) inside the lane's band, share of weeks whose
/// total is inside the total's band)`.
fn week_coverage(i: usize) -> (f64, f64) {
    const WEEKS: usize = 20;
    let seed = seed_for(BASE_SEED, "week-band", i);
    let w = world(seed, 10, 0.5);
    let set = series_set(&w);
    let fits = fit_set(
        &set,
        &StageOptions {
            shrink: true,
            ..StageOptions::default()
        },
    )
    .0;
    let hist = lane_histories(&set, 7);
    let prepared = prepare(&fits, &hist, &Default::default());
    let nc = CHANNELS.len();
    let mut spends = vec![Vec::new(); w.problem.lanes.len()];
    let mut last = i32::MIN;
    for r in &w.history.rows {
        spends[r.room * nc + r.channel].push(r.spend);
        last = last.max(r.date);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    };
    let spend: Vec<f64> = prepared
        .source
        .iter()
        .map(|&j| median(&mut spends[j].clone()))
        .collect();
    let risks: Vec<LaneRisk> = prepared
        .source
        .iter()
        .map(|&j| LaneRisk::from_fit(fits[j].outcome.fitted().unwrap(), 1.0))
        .collect();
    let opts = RiskOptions {
        first_weekday: Some(weekday(last + 1) as u8),
        period_days: 1,
        ..RiskOptions::default()
    };
    let req = PlanRequest {
        lanes: prepared.lanes.clone(),
        horizon_days: 7.0,
        ..PlanRequest::default()
    };
    let bands = week_bands(&req, &spend, &risks, &opts);
    let mut rng = Rng::new(seed ^ 0xBEEF);
    let (mut inside, mut n, mut total_in) = (0usize, 0usize, 0usize);
    for _ in 0..WEEKS {
        let mut total = 0.0;
        for (k, &j) in prepared.source.iter().enumerate() {
            let lane = &w.problem.lanes[j];
            let mut week = 0.0;
            for d in 1..=7 {
                let wd = WEEKDAY_FACTORS[weekday(last + d) as usize];
                let z = rng.normal();
                let day = lane.viewers_per_day(spend[k]) * wd * (0.3 * z - 0.045).exp();
                week += lane.cap_viewers_per_day.map_or(day, |c| day.min(c));
            }
            total += week;
            if let Some((lo, hi)) = bands.lanes[k] {
                n += 1;
                inside += usize::from(lo <= week && week <= hi);
            }
        }
        total_in += usize::from(bands.total.0 <= total && total <= bands.total.1);
    }
    (inside as f64 / n as f64, total_in as f64 / WEEKS as f64)
}

/// The predictive band of one week holds 80 % of realised lane weeks and
/// of weekly totals. Calibrated (`calibrate_week_band`, 40 seeds):
/// lane weeks 77.4–81.6 % per seed (mean 79.3 %), totals 65–95 % per seed
/// (mean 78.1 %, 20 weeks each); bounds on the mean of 5 seeds.
#[test]
fn week_band_holds_80_percent_of_realised_weeks() {
    let c: Vec<(f64, f64)> = (0..5).map(week_coverage).collect();
    let lanes = mean(&c.iter().map(|x| x.0).collect::<Vec<_>>());
    let totals = mean(&c.iter().map(|x| x.1).collect::<Vec<_>>());
    assert!((0.75..=0.85).contains(&lanes), "lane weeks {lanes}: {c:?}");
    assert!(
        (0.65..=0.92).contains(&totals),
        "weekly totals {totals}: {c:?}"
    );
}

/// Calibration of the predictive band: `WEEK_SEEDS` fresh histories
/// (default 40).
#[test]
#[ignore]
fn calibrate_week_band() {
    let n = std::env::var("WEEK_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40usize);
    let c: Vec<(f64, f64)> = (100..100 + n).map(week_coverage).collect();
    let lanes: Vec<f64> = c.iter().map(|x| x.0).collect();
    let totals: Vec<f64> = c.iter().map(|x| x.1).collect();
    eprintln!(
        "week band, {n} seeds: lanes mean {:.1} % (per seed {:.1}–{:.1} %), total mean {:.1} % (per seed {:.0}–{:.0} %)",
        100.0 * mean(&lanes),
        100.0 * lanes.iter().copied().fold(1.0, f64::min),
        100.0 * max(&lanes),
        100.0 * mean(&totals),
        100.0 * totals.iter().copied().fold(1.0, f64::min),
        100.0 * max(&totals)
    );
}

/// Through the binary: a history whose lanes were seen only near their
/// typical spend (log-sd 0.2) and a target 70 % of the way from the usual
/// week to the reach under the default support limit. The lanes plan.json
/// marks `support_limit` are exactly those whose schedule.csv has a day at
/// 1.5 × their highest day in the history (computed here from the
/// generated rows; the plan is made day by day, so a held lane's average
/// day can be below the limit while its best weekdays sit at it), and
/// summary.txt names exactly them.
#[test]
fn binary_names_the_lanes_held_at_the_support_limit() {
    for i in 0..4 {
        support_binary_run(i);
    }
}

fn support_binary_run(i: usize) {
    let seed = seed_for(BASE_SEED, "support-binary", i);
    let w = world(seed, 4, 0.2);
    let problem = limited(&w, 1.5);
    let target = between_usual_and_reach(&w, &problem, 0.7);
    let dir = TempDir::new("support-binary").unwrap();
    let data = dir.path().join("history.csv");
    std::fs::write(&data, w.history.to_csv(Headers::English)).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_acqplan"))
        .arg("plan")
        .arg("--data")
        .arg(&data)
        .args([
            "--horizon-days",
            "7",
            "--target-viewers",
            &format!("{target:.0}"),
        ])
        .arg("--out")
        .arg(dir.path().join("run"))
        .output()
        .unwrap();
    // 0: planned; 1: the fitted curves reach less than the target (plan.json
    // still holds the most they reach; bad input would leave none).
    assert!(
        matches!(out.status.code(), Some(0) | Some(1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("run/plan.json")).unwrap()).unwrap();
    let summary = std::fs::read_to_string(dir.path().join("run/summary.txt")).unwrap();
    let top = highest_day(&w);
    let nc = CHANNELS.len();
    // The highest day of each lane in schedule.csv (date,room,channel,spend_cny,…).
    let schedule = std::fs::read_to_string(dir.path().join("run/schedule.csv")).unwrap();
    let mut best_day: std::collections::BTreeMap<String, f64> = Default::default();
    for line in schedule.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let e = best_day.entry(format!("{} × {}", f[1], f[2])).or_default();
        *e = e.max(f[3].parse().unwrap());
    }
    let (mut held_lanes, mut at_limit) = (Vec::new(), Vec::new());
    for row in json["rows"].as_array().unwrap() {
        let (room, channel) = (
            row["room"].as_str().unwrap(),
            row["channel"].as_str().unwrap(),
        );
        let r = w.history.rooms.iter().position(|x| x == room).unwrap();
        let c = CHANNELS.iter().position(|x| x.id == channel).unwrap();
        let lane = format!("{room} × {channel}");
        let limit = 1.5 * top[r * nc + c];
        let day = best_day.get(&lane).copied().unwrap_or(0.0);
        // schedule.csv rounds spend to the fen.
        if (day - limit).abs() <= 0.006 + 1e-9 * limit {
            at_limit.push(lane.clone());
        }
        assert!(
            day <= limit + 0.006,
            "{lane}: a day at {day} past the limit {limit}"
        );
        if row["binding"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b == "support_limit")
        {
            held_lanes.push(lane);
        }
    }
    assert!(!held_lanes.is_empty(), "{summary}");
    assert_eq!(held_lanes, at_limit, "{summary}");
    let named: Vec<String> = summary
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let rest = l
                .strip_prefix("- ")
                .unwrap_or(l)
                .strip_prefix("Support limit: ")?;
            Some(rest[..rest.find(" held at")?].to_string())
        })
        .collect();
    let (mut a, mut b) = (named.clone(), held_lanes.clone());
    a.sort();
    b.sort();
    assert_eq!(a, b, "{summary}");
}
