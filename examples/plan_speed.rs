//! The plan and report stages' solve times, per mode, with the history
//! loaded, screened and fitted once (issues 15 and 16: every mode ≤ 2 s for
//! 4,000 lanes). Each mode is timed `--runs` times; the median wall and CPU
//! (user + system of the whole process while the mode ran) are printed,
//! with the 1-minute load average before each mode.
//!
//! ```text
//! cargo run --release --example plan_speed -- --data /tmp/big/history.parquet [--runs 3] [--target N] [--budget B]
//! ```
//!
//! Modes: `new` (Planner::new: histories, conversions, day factors),
//! `target` and `budget` (the expected-value plan with its P(target met)),
//! `target@0.9` and `budget@0.9` (`--confidence 0.9`), `profit`
//! (`--maximize profit --margin 0.3`), `budget+min-roi` (the budget with
//! `--min-roi`, default 3), `target+groups+guardrail` (a channel group's
//! 30 % share, a room group's budget, `--max-change 30%` per lane),
//! `frontier` (the 12
//! budgets of the run's frontier chart around the target plan) and `report`
//! (the whole report stage: frontier, charts, summary.txt, chart_data.json).

use std::path::PathBuf;
use std::time::Instant;

use acqplan::load::LoadOptions;
use acqplan::pipeline::{self, PlanSettings, Planner, RunOutputs, SeriesOptions, WhatIf};
use acqplan::screen::ScreenOptions;
use acqplan::validate::period::PeriodChoice;
use clap::Parser;

#[derive(Debug, Parser)]
struct Args {
    /// History file (CSV or Parquet) or Parquet folder.
    #[arg(long)]
    data: PathBuf,
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Viewer target (default: the planned lanes' viewers of the last 7 days).
    #[arg(long)]
    target: Option<f64>,
    /// Budget, CNY (default: the planned lanes' spend of the last 7 days).
    #[arg(long)]
    budget: Option<f64>,
    /// The `budget+min-roi` mode's ROI floor (GMV per CNY).
    #[arg(long, default_value_t = 3.0)]
    min_roi: f64,
    /// Only these modes (comma-separated).
    #[arg(long)]
    modes: Option<String>,
}

/// User + system CPU seconds of this process so far (/proc/self/stat, in
/// USER_HZ = 100 ticks).
fn cpu_s() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = s.rsplit_once(')').map_or("", |x| x.1);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let t = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields after the command: state is 0, utime 11, stime 12.
    (t(11) + t(12)) / 100.0
}

fn load_avg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .next()
        .unwrap_or("?")
        .to_string()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[(v.len() - 1) / 2]
}

fn main() {
    let args = Args::parse();
    let mut messages = Vec::new();
    let t0 = Instant::now();
    let history = pipeline::load(
        &args.data,
        &LoadOptions::default(),
        PeriodChoice::Auto,
        &mut messages,
    )
    .expect("load");
    let screened =
        pipeline::screen(history, &ScreenOptions::default(), &mut messages).expect("screen");
    let series = pipeline::series(
        screened,
        SeriesOptions {
            horizon_days: 7,
            ..SeriesOptions::default()
        },
        &mut messages,
    )
    .expect("series");
    let fitted = pipeline::fit(series, &mut messages).expect("fit");
    eprintln!(
        "fitted {} curves in {:.1} s",
        fitted.series.set.len(),
        t0.elapsed().as_secs_f64()
    );
    let settings = |confidence: Option<f64>| PlanSettings {
        horizon_days: 7,
        max_extrapolation: acqplan::plan::SegmentOptions::default().history_multiple,
        confidence,
        ..PlanSettings::default()
    };
    let ev = Planner::new(&fitted, settings(None), &mut Vec::new()).expect("planner");
    let sure = Planner::new(&fitted, settings(Some(0.9)), &mut Vec::new()).expect("planner");
    let profit = Planner::new(
        &fitted,
        PlanSettings {
            value_goal: acqplan::plan::ValueGoal {
                maximize_profit: true,
                margin: Some(0.3),
                ..Default::default()
            },
            ..settings(None)
        },
        &mut Vec::new(),
    )
    .expect("planner");
    let roi = Planner::new(
        &fitted,
        PlanSettings {
            value_goal: acqplan::plan::ValueGoal {
                min_roi: Some(args.min_roi),
                ..Default::default()
            },
            ..settings(None)
        },
        &mut Vec::new(),
    )
    .expect("planner");
    // Groups and guardrail: the first two channels a group at most 30 % of
    // the spend, the first tenth of the rooms a group at most 10 % of last
    // week's spend, every lane within 30 % of its last week.
    let probe = ev.request(None, Some(1.0));
    let mut chans: Vec<String> = probe.lanes.iter().map(|l| l.channel.clone()).collect();
    chans.sort();
    chans.dedup();
    let mut rooms: Vec<String> = probe.lanes.iter().map(|l| l.room.clone()).collect();
    rooms.sort();
    rooms.dedup();
    let last_spend = ev.last_horizon_spend_cny();
    let grouped = Planner::new(
        &fitted,
        PlanSettings {
            groups: acqplan::config::groups::GroupSettings {
                groups: [(
                    "pair".to_string(),
                    acqplan::plan::ChannelGroup {
                        channels: chans.iter().take(2).cloned().collect(),
                        max_share: Some(0.3),
                        ..Default::default()
                    },
                )]
                .into(),
                room_groups: [(
                    "tenth".to_string(),
                    acqplan::plan::RoomGroup {
                        rooms: rooms
                            .iter()
                            .take(rooms.len().div_ceil(10))
                            .cloned()
                            .collect(),
                        max_spend_cny: Some(0.1 * last_spend),
                        ..Default::default()
                    },
                )]
                .into(),
                guardrail: Some(acqplan::config::groups::GuardrailSettings {
                    max_change: 0.3,
                    scope: acqplan::plan::ChangeScope::Lane,
                    channels: Default::default(),
                }),
                ..Default::default()
            },
            ..settings(None)
        },
        &mut Vec::new(),
    )
    .expect("planner");
    let target = args.target.unwrap_or_else(|| ev.last_horizon_viewers());
    let budget = args.budget.unwrap_or_else(|| ev.last_horizon_spend_cny());
    eprintln!("target {target:.0} viewers, budget {budget:.0} CNY");
    let wanted = |m: &str| {
        args.modes
            .as_deref()
            .is_none_or(|ms| ms.split(',').any(|x| x == m))
    };
    let target_plan = ev.solve(Some(target), None).expect("target plan");
    let whatif = vec![WhatIf::new("budget_cny".into(), 0.0, &target_plan)];
    let request = ev.request(Some(target), None);
    type Mode<'a> = (&'a str, Box<dyn Fn() -> String + 'a>);
    let modes: Vec<Mode<'_>> = vec![
        (
            "new",
            Box::new(|| {
                let p = Planner::new(&fitted, settings(None), &mut Vec::new()).expect("planner");
                format!("{:.0}", p.last_horizon_viewers())
            }),
        ),
        (
            "target",
            Box::new(|| {
                let r = ev.solve(Some(target), None).expect("plan");
                let k = r.risk.as_ref().expect("risk");
                format!(
                    "spend {:.0}, P(met) {:.3}, curse {:.4}",
                    r.plan.totals.spend_cny,
                    k.p_target_met.unwrap_or(f64::NAN),
                    k.optimizer_curse
                )
            }),
        ),
        (
            "budget",
            Box::new(|| {
                let r = ev.solve(None, Some(budget)).expect("plan");
                format!("viewers {:.0}", r.plan.totals.viewers)
            }),
        ),
        (
            "profit",
            Box::new(|| {
                let r = profit.solve(None, None).expect("plan");
                let v = r.plan.value.as_ref().expect("value");
                format!(
                    "spend {:.0}, GMV {:.0}, profit {:.0}, {:?}",
                    r.plan.totals.spend_cny,
                    v.gmv_cny,
                    v.profit_cny.unwrap_or(f64::NAN),
                    r.plan.solver
                )
            }),
        ),
        (
            "budget+min-roi",
            Box::new(|| {
                let r = roi.solve(None, Some(budget)).expect("plan");
                let v = r.plan.value.as_ref().expect("value");
                format!(
                    "spend {:.0}, GMV {:.0}, ROI {:.3}, {:?}",
                    r.plan.totals.spend_cny,
                    v.gmv_cny,
                    v.roi.unwrap_or(f64::NAN),
                    r.plan.solver
                )
            }),
        ),
        (
            "target+groups+guardrail",
            Box::new(|| {
                let r = grouped.solve(Some(target), None).expect("plan");
                format!(
                    "spend {:.0}, {} binding, {:?}",
                    r.plan.totals.spend_cny,
                    r.plan.binding.len(),
                    r.plan.solver
                )
            }),
        ),
        (
            "target@0.9",
            Box::new(|| {
                let r = sure.solve(Some(target), None).expect("plan");
                let k = r.risk.as_ref().expect("risk");
                let c = k.confidence.as_ref().expect("confidence");
                format!(
                    "spend {:.0}, P(met) {:.3}, z {:.3}, solves {}",
                    r.plan.totals.spend_cny,
                    k.p_target_met.unwrap_or(f64::NAN),
                    c.level_z,
                    c.solves
                )
            }),
        ),
        (
            "budget@0.9",
            Box::new(|| {
                let r = sure.solve(None, Some(budget)).expect("plan");
                let c = r.risk.as_ref().and_then(|k| k.confidence.clone());
                format!(
                    "viewers {:.0}, P90 quantile {:.0}",
                    r.plan.totals.viewers,
                    c.and_then(|c| c.quantile).unwrap_or(f64::NAN)
                )
            }),
        ),
        (
            "frontier",
            Box::new(|| {
                let f = acqplan::plan::frontier::around_plan(&request, &target_plan, &[]);
                format!(
                    "{} points, last {:.0} viewers",
                    f.points.len(),
                    f.points.last().map_or(0.0, |p| p.viewers)
                )
            }),
        ),
        (
            "report",
            Box::new(|| {
                let a = pipeline::render_run(&RunOutputs {
                    series: &fitted.series.set,
                    fits: &fitted.fits,
                    plan: &target_plan,
                    whatif: &whatif,
                    screen: &fitted.series.screened.result,
                    request: &request,
                    backtest: &[],
                    data_notes: &[],
                    last_week: &[],
                    last_week_figures: None,
                    lang: acqplan::lang::Lang::En,
                })
                .expect("render");
                format!(
                    "{} bytes",
                    a.files().iter().map(|(_, b)| b.len()).sum::<usize>()
                )
            }),
        ),
    ];
    println!("| mode | runs | median wall s (min–max) | median CPU s | load avg before | result |");
    println!("|---|---:|---|---:|---|---|");
    for (name, f) in &modes {
        if !wanted(name) {
            continue;
        }
        let (mut walls, mut cpus, mut loads) = (Vec::new(), Vec::new(), Vec::new());
        let mut what = String::new();
        for _ in 0..args.runs {
            loads.push(load_avg());
            let (c0, t) = (cpu_s(), Instant::now());
            what = f();
            walls.push(t.elapsed().as_secs_f64());
            cpus.push(cpu_s() - c0);
        }
        let lo = walls.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = walls.iter().copied().fold(0.0, f64::max);
        println!(
            "| {name} | {} | {:.2} ({lo:.2}–{hi:.2}) | {:.2} | {} | {what} |",
            args.runs,
            median(walls),
            median(cpus),
            loads.join(" ")
        );
    }
}
