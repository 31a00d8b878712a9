//! `acqplan plan`, `acqplan run` and `acqplan frontier`: fit once, solve
//! many.

use std::collections::BTreeMap;

use super::fit::fit_stage;
use super::report::{send_eml, write_eml};
use super::{Io, settings, write_files};
use crate::cli::{Format, FrontierArgs, PlanArgs};
use crate::config::{ConfigError, Settings, budget_range, read_room_targets};
use crate::error::Error;
use crate::output::write_atomic;
use crate::pipeline::{self, Fitted, PlanSettings, Planner, RunOutputs, WhatIf};
use crate::report::charts::{ChartInput, Frontier, FrontierPoint, frontier_png};
use crate::report::plan_export::{describe, plan_csv, plan_json, plan_json_value, plan_table_in};
use crate::report::whatif_export::{whatif_csv, whatif_table};
use crate::report::workbook::plan_xlsx;

/// The plan settings of `s`, with the per-room targets read.
fn plan_settings(s: &Settings, room_targets: BTreeMap<String, f64>) -> PlanSettings {
    PlanSettings {
        horizon_days: s.horizon_days.value,
        metric: s.metric.value,
        channels: s.limits(),
        room_targets,
        cost_scale: s
            .cost_scale
            .iter()
            .map(|(c, v)| (c.clone(), v.value))
            .collect(),
        max_extrapolation: s.max_extrapolation.value,
        confidence: s.confidence.value,
        value_goal: s.value_goal.clone(),
        daily: s.daily_limits(),
        groups: s.groups.clone(),
    }
}

/// A planner over `fitted`, its warnings printed.
fn planner<'f>(
    fitted: &'f Fitted,
    s: &Settings,
    room_targets: BTreeMap<String, f64>,
    io: &mut Io<'_>,
) -> Result<Planner<'f>, Error> {
    let mut messages = Vec::new();
    let planner = Planner::new(fitted, plan_settings(s, room_targets), &mut messages);
    io.after(planner, &mut messages)
}

/// The first `n` items `; `-joined, then how many more.
fn summarise_list(items: &[String], n: usize) -> String {
    let mut s = items.iter().take(n).cloned().collect::<Vec<_>>().join("; ");
    if items.len() > n {
        s.push_str(&format!("; and {} more (see plan.json)", items.len() - n));
    }
    s
}

pub(super) fn plan_cmd(
    command: &'static str,
    args: PlanArgs,
    io: &mut Io<'_>,
) -> Result<(), Error> {
    let s = settings(
        &args.data,
        Some(&args.curves),
        Some(&args.scenario),
        Some(&args.goal),
        Some(&args.email),
    )?;
    // Check the request before any work.
    let room_targets = match &args.goal.room_targets {
        Some(p) => read_room_targets(p)?,
        None => BTreeMap::new(),
    };
    if s.targets.value.is_empty()
        && s.budgets_cny.value.is_empty()
        && room_targets.is_empty()
        && !s.value_goal.plans_alone()
    {
        return Err(ConfigError::NoGoal.into());
    }
    let variants = pipeline::variants(&s.targets.value, &s.budgets_cny.value);
    let varied = if s.targets.value.len() > 1 {
        format!("target_{}", s.metric.value.unit())
    } else {
        "budget_cny".to_string()
    };

    let run = fit_stage(&s, args.data.skip_bad_rows, &args.out, args.force, io)?;
    let f = &run.fitted;
    io.clock.start("plan");
    let planner = planner(f, &s, room_targets, io)?;
    let mut reports = Vec::with_capacity(variants.len());
    let mut whatif = Vec::with_capacity(variants.len());
    for &(target, budget) in &variants {
        let r = planner.solve(target, budget)?;
        let value = if varied == "budget_cny" {
            budget
        } else {
            target
        };
        whatif.push(WhatIf::new(varied.clone(), value.unwrap_or(0.0), &r));
        reports.push(r);
    }
    let report = &reports[0];
    write_atomic(&run.dir.join("plan.csv"), &plan_csv(report))?;
    write_atomic(&run.dir.join("plan.json"), &plan_json(report))?;
    write_atomic(
        &run.dir.join("schedule.csv"),
        &crate::report::schedule_export::schedule_csv(report, planner.start_day()),
    )?;
    // The plan starts the day after the history's last covered day (from
    // the data, not the clock: the same input gives the same bytes).
    let start_day = f.series.set.last_covered_day().map_or(0, |d| d + 1);
    write_atomic(
        &run.dir.join("plan.xlsx"),
        &plan_xlsx(report, &whatif, s.lang.value, start_day)?,
    )?;
    if whatif.len() > 1 {
        write_atomic(&run.dir.join("whatif.csv"), &whatif_csv(&whatif))?;
    }
    // `run`: last week's run folder (if any) reviewed against this history.
    let last_week = if command == "run" {
        super::review::review_last_week(
            &s.out_root.value,
            &run.dir,
            &f.series.screened,
            start_day,
            s.lang.value,
            io,
        )?
    } else {
        None
    };
    let last_week_words = last_week
        .as_ref()
        .map_or_else(Vec::new, |f| f.lines(s.lang.value));
    io.clock.start("report");
    let main_request = planner.request(variants[0].0, variants[0].1);
    let artifacts = pipeline::render_run(&RunOutputs {
        series: &f.series.set,
        fits: &f.fits,
        plan: report,
        whatif: &whatif,
        screen: &f.series.screened.result,
        request: &main_request,
        backtest: &run.backtest,
        data_notes: planner.data_notes(),
        last_week: &last_week_words,
        last_week_figures: last_week.as_ref(),
        lang: s.lang.value,
    })?;
    let files = artifacts.files();
    write_files(&run.dir, &files)?;
    let eml = write_eml(
        &s,
        &run.dir,
        &artifacts.rendered,
        report,
        Some(&main_request),
    )?;
    run.finish(io, command, &s)?;
    let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
    io.note(format_args!(
        "wrote plan.csv, plan.json, schedule.csv, plan.xlsx, curves.csv, curves.json{}{}{}, {}{}, manifest.json to {}",
        if whatif.len() > 1 { ", whatif.csv" } else { "" },
        if run.backtest.is_empty() {
            ""
        } else {
            ", backtest.csv, backtest.png"
        },
        if last_week.is_none() {
            ""
        } else {
            ", review.csv, review.png"
        },
        names.join(", "),
        if eml.is_some() { ", plan.eml" } else { "" },
        run.dir.display()
    ));
    let _ = match args.format {
        Format::Table => {
            let mut text = plan_table_in(report, s.lang.value);
            if whatif.len() > 1 {
                text.push_str(match s.lang.value {
                    crate::lang::Lang::Zh => "\n假设情景（第一行即上面的计划）：\n\n",
                    crate::lang::Lang::En => "\nwhat-if (the first row is the plan above):\n\n",
                });
                text.push_str(&whatif_table(&whatif, s.lang.value));
            }
            io.out.write_all(text.as_bytes())
        }
        Format::Json if whatif.len() > 1 => {
            let v = serde_json::json!({ "plan": plan_json_value(report), "whatif": whatif });
            let mut bytes = serde_json::to_vec_pretty(&v).expect("plan serialises");
            bytes.push(b'\n');
            io.out.write_all(&bytes)
        }
        Format::Json => io.out.write_all(&plan_json(report)),
    };
    // Sent last: a failure leaves a complete run folder, plan.eml included.
    send_eml(&s, eml.as_deref(), io)?;
    match &report.plan.infeasibility {
        Some(inf) => Err(Error::Infeasible {
            requested: inf.requested,
            reachable: inf.max_reachable,
            unit: report.plan.metric.unit(),
            limiting: {
                let mut words =
                    summarise_list(&inf.limiting.iter().map(describe).collect::<Vec<_>>(), 5);
                if let Some(rel) = &inf.relaxation {
                    for line in
                        crate::report::limits_text::relaxation_sentences(rel, report.plan.metric)
                    {
                        words.push_str(&format!(". {line}"));
                    }
                }
                words
            },
        }),
        None => Ok(()),
    }
}

pub(super) fn frontier_cmd(args: FrontierArgs, io: &mut Io<'_>) -> Result<(), Error> {
    let s = settings(
        &args.data,
        Some(&args.curves),
        Some(&args.scenario),
        None,
        Some(&args.lang.email_args()),
    )?;
    let budgets = budget_range(&args.budgets, args.steps)?;
    let run = fit_stage(&s, args.data.skip_bad_rows, &args.out, args.force, io)?;
    let f = &run.fitted;
    io.clock.start("frontier");
    let planner = planner(f, &s, BTreeMap::new(), io)?;
    let mut rows = Vec::with_capacity(budgets.len());
    let mut reports = Vec::with_capacity(budgets.len());
    let base = planner.request(None, None);
    let plans = crate::plan::frontier(&base, &budgets, crate::plan::FrontierGoal::Request);
    for (&b, plan) in budgets.iter().zip(plans) {
        let r = planner.dress(plan?);
        rows.push(WhatIf::new("budget_cny".into(), b, &r));
        reports.push(r);
    }
    write_atomic(&run.dir.join("frontier.csv"), &whatif_csv(&rows))?;
    // The chart marks the middle budget's plan as "the plan".
    let mid = budgets.len() / 2;
    let request = planner.request(None, Some(budgets[mid]));
    let label = format!("{} budgets", budgets.len());
    let input = ChartInput {
        screen: Some(&f.series.screened.result),
        request: Some(&request),
        label: &label,
        ..ChartInput::new(&reports[mid], &f.fits, &f.series.set)
    };
    let frontier = Frontier {
        points: rows
            .iter()
            .map(|w| FrontierPoint {
                budget_cny: w.value,
                spend_cny: w.spend_cny,
                viewers: w.viewers,
            })
            .collect(),
        what_if: Vec::new(),
    };
    write_atomic(
        &run.dir.join("frontier.png"),
        &frontier_png(&input, &frontier)?,
    )?;
    run.finish(io, "frontier", &s)?;
    io.note(format_args!(
        "wrote frontier.csv, frontier.png, curves.csv, curves.json, manifest.json to {}",
        run.dir.display()
    ));
    let _ = match args.format {
        Format::Table => io
            .out
            .write_all(whatif_table(&rows, s.lang.value).as_bytes()),
        Format::Json => {
            let mut bytes = serde_json::to_vec_pretty(&rows).expect("frontier serialises");
            bytes.push(b'\n');
            io.out.write_all(&bytes)
        }
    };
    Ok(())
}
