//! Where does a plan's overpromise come from? (issues 20 and 12)
//!
//! For fresh scenarios of a scoreboard family, fits the curves in process
//! (as `acqplan plan` does, without screening), plans for the scenario's
//! target and compares, lane by lane, the fitted curve with the true one at
//! the planned spend, at the business-as-usual (last 7 days) spend and at
//! the history's median spend.
//!
//! ```text
//! cargo run --release --example curse_diagnosis -- [--family mean-0.30] [--seeds 10] [--no-shrink]
//! ```

use acqplan::curves::stage::{SeriesKey, SeriesSet, StageOptions, fit_set};
use acqplan::curves::{Family, FitOptions};
use acqplan::load::cell::weekday;
use acqplan::plan::stage::{lane_histories, prepare};
use acqplan::plan::{PlanRequest, solve};
use acqplan::scoreboard::{Sizes, World, scenario, seed_for};
use acqplan::synth::CHANNELS;
use clap::Parser;

#[derive(Debug, Parser)]
struct Args {
    #[arg(long, default_value = "mean-0.30")]
    family: String,
    #[arg(long, default_value_t = 10)]
    seeds: usize,
    #[arg(long, default_value_t = 20_261_201)]
    base_seed: u64,
    /// Fit only the true family of each lane (misspecification removed).
    #[arg(long)]
    true_family: bool,
    /// Turn off the empirical-Bayes pooling across rooms.
    #[arg(long)]
    no_shrink: bool,
}

/// One lane of one scenario.
#[derive(Clone, Debug, Default)]
struct LaneRow {
    ratio: f64,
    fit_plan: f64,
    true_plan: f64,
    fit_bau: f64,
    true_bau: f64,
    fit_med: f64,
    true_med: f64,
    sd_plan: f64,
    sd_med: f64,
    same_family: bool,
    sigma: f64,
    pair: String,
    channel: usize,
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

fn sd_of(band: (f64, f64, f64)) -> f64 {
    if band.1 > 0.0 && band.2 > 0.0 {
        (band.2 / band.1).ln() / 1.281_551_565_545
    } else {
        0.0
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        f64::NAN
    } else {
        v[v.len() / 2]
    }
}

fn run(args: &Args, i: usize, opts: &StageOptions) -> Option<(Vec<LaneRow>, f64, f64, f64)> {
    let seed = seed_for(args.base_seed, &args.family, i);
    let sc = scenario(&args.family, Sizes::FULL, seed)?;
    let world = World::new(&sc).ok()?;
    let set = series_set(&world);
    let mut fits = fit_set(&set, opts).0;
    if args.true_family {
        // Refit each lane with its true family only.
        for fam in [Family::Exp, Family::Hill] {
            let o = StageOptions {
                fit: FitOptions {
                    families: vec![fam],
                    ..opts.fit.clone()
                },
                ..opts.clone()
            };
            let alt = fit_set(&set, &o).0;
            for (j, f) in alt.into_iter().enumerate() {
                let truth = world.problem.lanes[j].model.name();
                if truth == fam.name() {
                    fits[j] = f;
                }
            }
        }
    }
    let hist = lane_histories(&set, 7);
    let prepared = prepare(&fits, &hist, &Default::default());
    let target = world.ask_total();
    let plan = solve(&PlanRequest {
        lanes: prepared.lanes.clone(),
        horizon_days: 7.0,
        target: Some(target),
        ..PlanRequest::default()
    })
    .ok()?;
    let mut rows = Vec::new();
    let mut spend = vec![0.0; world.problem.lanes.len()];
    for (k, lp) in plan.lanes.iter().enumerate() {
        let j = prepared.source[k];
        spend[j] = lp.spend_cny_per_day;
    }
    for (j, f) in fits.iter().enumerate() {
        let Some(fc) = f.outcome.fitted() else {
            continue;
        };
        let tl = &world.problem.lanes[j];
        let s_plan = spend[j];
        let s_bau = world.stats[j].last7_spend_cny / 7.0;
        let mut pos: Vec<f64> = set
            .spend_cny(j)
            .iter()
            .copied()
            .filter(|&s| s > 0.0)
            .collect();
        pos.sort_by(f64::total_cmp);
        let s_med = pos[pos.len() / 2];
        rows.push(LaneRow {
            ratio: s_plan / s_med,
            fit_plan: fc.value(s_plan),
            true_plan: tl.viewers_per_day(s_plan),
            fit_bau: fc.value(s_bau),
            true_bau: tl.viewers_per_day(s_bau),
            fit_med: fc.value(s_med),
            true_med: tl.viewers_per_day(s_med),
            sd_plan: sd_of(fc.band(s_plan)),
            sd_med: sd_of(fc.band(s_med)),
            same_family: fc.curve.model.name() == tl.model.name(),
            sigma: fc.quality.sigma_log,
            pair: format!("{}→{}", tl.model.name(), fc.curve.model.name()),
            channel: j % CHANNELS.len(),
        });
    }
    let truth = world.problem.metric_of(&spend);
    let cost = spend.iter().sum::<f64>() * 7.0;
    let oracle = world.oracle().ok()?;
    let completed = world.score(&spend, oracle).completed_regret;
    Some((rows, truth / target - 1.0, cost / oracle.0 - 1.0, completed))
}

fn main() {
    let args = Args::parse();
    let opts = StageOptions {
        shrink: true,
        horizon_days: 7,
        ..StageOptions::default()
    };
    let _ = args.no_shrink;
    let mut all = Vec::new();
    let (mut shortfalls, mut regrets, mut completed) = (Vec::new(), Vec::new(), Vec::new());
    let mut overs = Vec::new();
    for i in 0..args.seeds {
        let Some((rows, delivered, regret, comp)) = run(&args, i, &opts) else {
            eprintln!("seed {i}: failed");
            continue;
        };
        let fp: f64 = rows.iter().map(|r| r.fit_plan).sum();
        let tp: f64 = rows.iter().map(|r| r.true_plan).sum();
        overs.push(fp / tp - 1.0);
        shortfalls.push((-delivered).max(0.0));
        regrets.push(regret);
        completed.push(comp);
        all.extend(rows);
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    println!(
        "means: shortfall {:.2} %, regret {:.2} %, completed regret {:.2} %, overpromise {:.2} %; max shortfall {:.2} %, max completed {:.2} %",
        100.0 * mean(&shortfalls),
        100.0 * mean(&regrets),
        100.0 * mean(&completed),
        100.0 * mean(&overs),
        100.0 * shortfalls.iter().copied().fold(0.0, f64::max),
        100.0 * completed.iter().copied().fold(0.0, f64::max),
    );
    println!(
        "{} × {} seeds: median shortfall {:.2} %, regret {:.2} %, completed regret {:.2} %, overpromise {:.2} %",
        args.family,
        args.seeds,
        100.0 * median(shortfalls),
        100.0 * median(regrets),
        100.0 * median(completed),
        100.0 * median(overs)
    );
    let agg = |name: &str, rows: &[&LaneRow]| {
        let s = |f: &dyn Fn(&LaneRow) -> f64| rows.iter().map(|r| f(r)).sum::<f64>();
        let n = rows.len();
        let tp = s(&|r| r.true_plan);
        let mean = |f: &dyn Fn(&LaneRow) -> f64| s(f) / n.max(1) as f64;
        println!(
            "{name:<28} n {n:>5}  plan share {:>5.1} %  err@plan {:>+6.2} %  err@bau {:>+6.2} %  err@med {:>+6.2} %  \
             mean ln-err@plan {:>+6.2} %  @med {:>+6.2} %  z@plan {:>+5.2}  sd@plan {:>5.2} %  sd@med {:>5.2} %  σ {:.2}",
            100.0 * tp / all.iter().map(|r| r.true_plan).sum::<f64>(),
            100.0 * (s(&|r| r.fit_plan) / tp - 1.0),
            100.0 * (s(&|r| r.fit_bau) / s(&|r| r.true_bau) - 1.0),
            100.0 * (s(&|r| r.fit_med) / s(&|r| r.true_med) - 1.0),
            100.0 * mean(&|r| (r.fit_plan / r.true_plan).ln()),
            100.0 * mean(&|r| (r.fit_med / r.true_med).ln()),
            mean(&|r| (r.fit_plan / r.true_plan).ln() / r.sd_plan.max(1e-6)),
            100.0 * mean(&|r| r.sd_plan),
            100.0 * mean(&|r| r.sd_med),
            mean(&|r| r.sigma),
        );
    };
    let planned: Vec<&LaneRow> = all.iter().filter(|r| r.true_plan > 0.0).collect();
    agg("all planned lanes", &planned);
    for (lo, hi) in [
        (0.0, 0.5),
        (0.5, 0.8),
        (0.8, 1.25),
        (1.25, 2.0),
        (2.0, 100.0),
    ] {
        let b: Vec<&LaneRow> = planned
            .iter()
            .copied()
            .filter(|r| r.ratio >= lo && r.ratio < hi)
            .collect();
        agg(&format!("plan/median {lo:.2}–{hi:.2}"), &b);
    }
    for same in [true, false] {
        let b: Vec<&LaneRow> = planned
            .iter()
            .copied()
            .filter(|r| r.same_family == same)
            .collect();
        agg(
            if same {
                "fitted family = true"
            } else {
                "fitted family ≠ true"
            },
            &b,
        );
    }
    let mut pairs: Vec<String> = planned.iter().map(|r| r.pair.clone()).collect();
    pairs.sort();
    pairs.dedup();
    for p in &pairs {
        for far in [false, true] {
            let b: Vec<&LaneRow> = planned
                .iter()
                .copied()
                .filter(|r| &r.pair == p && (r.ratio >= 2.0) == far)
                .collect();
            agg(&format!("{p} {}", if far { "≥2×" } else { "<2×" }), &b);
        }
    }
    for (c, ch) in CHANNELS.iter().enumerate() {
        let b: Vec<&LaneRow> = planned.iter().copied().filter(|r| r.channel == c).collect();
        agg(ch.id, &b);
    }
    // Selection: correlation of the level error at the median spend with
    // how far the plan moved the lane.
    let xs: Vec<f64> = planned.iter().map(|r| r.ratio.max(1e-3).ln()).collect();
    let ys: Vec<f64> = planned
        .iter()
        .map(|r| (r.fit_med / r.true_med).ln())
        .collect();
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let cov: f64 = xs
        .iter()
        .zip(&ys)
        .map(|(x, y)| (x - mx) * (y - my))
        .sum::<f64>()
        / n;
    let vx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum::<f64>() / n;
    let vy: f64 = ys.iter().map(|y| (y - my).powi(2)).sum::<f64>() / n;
    println!(
        "corr(ln plan/median, ln err@median) = {:.3}; sd of ln err@median {:.2} %, mean sd@med band {:.2} %",
        cov / (vx * vy).sqrt(),
        100.0 * vy.sqrt(),
        100.0 * planned.iter().map(|r| r.sd_med).sum::<f64>() / n
    );
    let ys: Vec<f64> = planned
        .iter()
        .map(|r| (r.fit_plan / r.true_plan).ln())
        .collect();
    let my = ys.iter().sum::<f64>() / n;
    let vy: f64 = ys.iter().map(|y| (y - my).powi(2)).sum::<f64>() / n;
    println!(
        "sd of ln err@plan {:.2} %, mean sd@plan band {:.2} %",
        100.0 * vy.sqrt(),
        100.0 * planned.iter().map(|r| r.sd_plan).sum::<f64>() / n
    );
}
