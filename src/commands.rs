//! What each subcommand does. The binary only parses flags and maps errors.

use std::io::Write;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use std::collections::BTreeMap;

use crate::amount::parse_amount;
use crate::cli::{
    By, Command, CurveArgs, DataArgs, FitArgs, Format, GenArgs, PlanArgs, ScreenArgs, ValidateArgs,
};
use crate::config::{ConfigError, FileConfig, column_map, reach_caps, read_file_config};
use crate::curves::stage::{
    CurveFit, Granularity, SeriesSet, StageOptions, extract_series, fit_set,
};
use crate::error::Error;
use crate::load::{LoadOptions, Loaded, load};
use crate::output::{default_run_dir, prepare_run_dir, today, write_atomic};
use crate::plan::stage::{conversions, lane_histories, prepare, report as plan_report};
use crate::plan::{ChannelLimits, Metric, PlanRequest, solve};
use crate::report::flagged_export::flagged_rows_csv;
use crate::report::plan_export::{plan_csv, plan_json, plan_table};
use crate::report::{curves_export::CurvesFile, rejected_rows_csv, summary::summarise};
use crate::screen::{FakeTraffic, ScreenOptions, ScreenResult, screen};
use crate::synth::{GenOptions, Headers, generate};

/// Run one command; tables go to `out`, messages to `err`.
pub fn run(command: Command, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Error> {
    match command {
        Command::Validate(args) => validate(args, out, err),
        Command::Gen(args) => gen_cmd(args, err),
        Command::Fit(args) => fit(args, out, err),
        Command::Screen(args) => screen_cmd(args, out, err),
        Command::Plan(args) => plan_cmd(args, out, err),
    }
}

/// Load the history named by flags or config, reporting skipped rows.
fn load_history(args: &DataArgs) -> Result<(Loaded, Option<PathBuf>), Error> {
    let (file_cfg, _) = read_file_config(args.config.as_deref())?;
    load_with(args, &file_cfg)
}

/// Load the history with an already read config file.
fn load_with(args: &DataArgs, file_cfg: &FileConfig) -> Result<(Loaded, Option<PathBuf>), Error> {
    let path = args
        .data
        .clone()
        .or(file_cfg.data.clone())
        .ok_or(ConfigError::NoData)?;
    let opts = LoadOptions {
        columns: column_map(file_cfg, &args.columns)?,
        skip_bad_rows: args.skip_bad_rows,
    };
    Ok((load(&path, &opts)?, file_cfg.out_root.clone()))
}

/// The run folder: `--out`, else `<out_root>/<ISO year-week>`.
fn run_dir(out: &Option<PathBuf>, out_root: Option<PathBuf>) -> PathBuf {
    out.clone()
        .unwrap_or_else(|| default_run_dir(&out_root.unwrap_or_else(|| "reports".into()), today()))
}

/// Write rejected_rows.csv into `dir` (already prepared) if rows were skipped.
fn write_rejected(loaded: &Loaded, dir: &Path, err: &mut dyn Write) -> Result<(), Error> {
    if loaded.rejected.is_empty() {
        return Ok(());
    }
    let path = dir.join("rejected_rows.csv");
    write_atomic(&path, &rejected_rows_csv(&loaded.rejected))?;
    let _ = writeln!(
        err,
        "warning: skipped {} of {} rows with defects; each is in {}",
        loaded.rejected.len(),
        loaded.rows_read,
        path.display()
    );
    Ok(())
}

fn validate(args: ValidateArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Error> {
    let (loaded, out_root) = load_history(&args.data)?;
    if !loaded.rejected.is_empty() {
        let dir = run_dir(&args.out, out_root);
        prepare_run_dir(&dir, args.force)?;
        write_rejected(&loaded, &dir, err)?;
    }
    let summary = summarise(&loaded.data)?;
    let text = match args.format {
        Format::Table => summary.render(),
        Format::Json => serde_json::to_string_pretty(&summary).expect("summary serialises") + "\n",
    };
    let _ = out.write_all(text.as_bytes());
    Ok(())
}

/// What `fit` and `plan` share: the history loaded into its run folder,
/// screened, and fitted.
struct Fitted {
    loaded: Loaded,
    screened: ScreenResult,
    set: SeriesSet,
    fits: Vec<CurveFit>,
    by: Granularity,
    dir: PathBuf,
    timings: Vec<(&'static str, f64)>,
}

/// Load → run folder → screen → fit, writing rejected_rows.csv,
/// flagged_rows.csv, curves.csv and curves.json into the run folder.
fn screen_and_fit(
    data_args: &DataArgs,
    curve_args: &CurveArgs,
    out_dir: &Option<PathBuf>,
    force: bool,
    file_cfg: &FileConfig,
    err: &mut dyn Write,
) -> Result<Fitted, Error> {
    let mut timings = Vec::new();
    let mut clock = std::time::Instant::now();
    let mut lap = |name: &'static str, timings: &mut Vec<(&'static str, f64)>| {
        timings.push((name, clock.elapsed().as_secs_f64()));
        clock = std::time::Instant::now();
    };
    let caps = reach_caps(file_cfg, &curve_args.caps)?;
    let (loaded, out_root) = load_with(data_args, file_cfg)?;
    lap("load", &mut timings);
    let dir = run_dir(out_dir, out_root);
    prepare_run_dir(&dir, force)?;
    write_rejected(&loaded, &dir, err)?;

    let screened = screen(
        &loaded.data,
        &ScreenOptions {
            policy: curve_args.fake_traffic,
            ..ScreenOptions::default()
        },
    )?;
    write_flagged(&screened, &dir, err)?;
    let data = screened.curve_input(&loaded.data)?;
    lap("screen", &mut timings);

    let by = match curve_args.by {
        Some(By::Channel) => Granularity::Channel,
        Some(By::RoomChannel) => Granularity::RoomChannel,
        None if data.has_room() => Granularity::RoomChannel,
        None => Granularity::Channel,
    };
    let set = extract_series(&data, by)?;
    lap("series", &mut timings);
    for channel in caps.keys() {
        if !set.keys.iter().any(|k| &k.channel == channel) {
            let _ = writeln!(
                err,
                "warning: reach cap given for channel `{channel}`, which is not in the data"
            );
        }
    }
    let _ = writeln!(
        err,
        "fitting {} curves ({}) on {} rows…",
        set.len(),
        match by {
            Granularity::RoomChannel => "per room × channel",
            Granularity::Channel => "per channel, rooms pooled",
        },
        data.len()
    );
    let opts = StageOptions {
        caps_viewers_per_day: caps,
        shrink: by == Granularity::RoomChannel,
        ..StageOptions::default()
    };
    let (fits, fit_timings) = fit_set(&set, &opts);
    timings.push(("pooled priors", fit_timings.pooled_s));
    timings.push(("fits", fit_timings.fit_s));
    let export_clock = std::time::Instant::now();
    let file = CurvesFile::new(
        match by {
            Granularity::RoomChannel => "room_channel",
            Granularity::Channel => "channel",
        },
        &fits,
    );
    write_atomic(&dir.join("curves.csv"), &file.csv())?;
    write_atomic(&dir.join("curves.json"), &file.json())?;
    if file.unusable > 0 {
        let _ = writeln!(
            err,
            "warning: {} of {} curves have no usable fit; see the reason column",
            file.unusable,
            file.curves.len()
        );
    }
    timings.push(("curves export", export_clock.elapsed().as_secs_f64()));
    Ok(Fitted {
        loaded,
        screened,
        set,
        fits,
        by,
        dir,
        timings,
    })
}

/// Write flagged_rows.csv (when screening ran) and say what screening found.
fn write_flagged(s: &ScreenResult, dir: &Path, err: &mut dyn Write) -> Result<(), Error> {
    if s.policy == FakeTraffic::Off {
        return Ok(());
    }
    write_atomic(
        &dir.join("flagged_rows.csv"),
        &flagged_rows_csv(&s.flagged_rows),
    )?;
    let verb = match s.policy {
        FakeTraffic::Exclude => "excluded from the curves",
        _ => "kept in the curves (--fake-traffic flag)",
    };
    let _ = writeln!(
        err,
        "screening ({}): {} rows flagged as fake traffic, {verb}; see flagged_rows.csv",
        s.signals_text(),
        s.flagged_count()
    );
    Ok(())
}

fn print_timings(err: &mut dyn Write, timings: &[(&'static str, f64)]) {
    let parts: Vec<String> = timings
        .iter()
        .map(|(n, t)| format!("{n} {t:.2} s"))
        .collect();
    let total: f64 = timings.iter().map(|(_, t)| t).sum();
    let _ = writeln!(err, "timings: {}, total {total:.2} s", parts.join(", "));
}

fn fit(args: FitArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Error> {
    let (file_cfg, _) = read_file_config(args.data.config.as_deref())?;
    let f = screen_and_fit(
        &args.data,
        &args.curves,
        &args.out,
        args.force,
        &file_cfg,
        err,
    )?;
    let _ = writeln!(
        err,
        "wrote curves.csv and curves.json to {}",
        f.dir.display()
    );
    if args.verbose {
        print_timings(err, &f.timings);
    }
    let file = CurvesFile::new(
        match f.by {
            Granularity::RoomChannel => "room_channel",
            Granularity::Channel => "channel",
        },
        &f.fits,
    );
    let _ = match args.format {
        Format::Table => out.write_all(file.table().as_bytes()),
        Format::Json => out.write_all(&file.json()),
    };
    Ok(())
}

fn screen_cmd(args: ScreenArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Error> {
    let (loaded, out_root) = load_history(&args.data)?;
    let dir = run_dir(&args.out, out_root);
    prepare_run_dir(&dir, args.force)?;
    write_rejected(&loaded, &dir, err)?;
    let s = screen(
        &loaded.data,
        &ScreenOptions {
            policy: FakeTraffic::Flag,
            threshold: args.threshold,
        },
    )?;
    write_flagged(&s, &dir, err)?;
    let text = match args.format {
        Format::Table => {
            let mut t = format!(
                "{} of {} rows flagged as fake traffic (signals: {})\n\n",
                s.flagged_count(),
                loaded.data.len(),
                s.signals_text()
            );
            for c in &s.channels {
                t.push_str(&c.line());
                t.push('\n');
            }
            t
        }
        Format::Json => {
            serde_json::to_string_pretty(&serde_json::json!({
                "rows": loaded.data.len(),
                "flagged": s.flagged_count(),
                "signals": s.signals,
                "channels": s.channels,
            }))
            .expect("screen result serialises")
                + "\n"
        }
    };
    let _ = out.write_all(text.as_bytes());
    Ok(())
}

/// The first `n` items `; `-joined, then how many more.
fn summarise_list(items: &[String], n: usize) -> String {
    let mut s = items.iter().take(n).cloned().collect::<Vec<_>>().join("; ");
    if items.len() > n {
        s.push_str(&format!("; and {} more (see plan.json)", items.len() - n));
    }
    s
}

/// Parse an amount flag, naming the flag on error.
fn amount(flag: &'static str, v: &Option<String>) -> Result<Option<f64>, ConfigError> {
    v.as_ref()
        .map(|s| {
            parse_amount(s).map_err(|message| ConfigError::BadAmount {
                flag,
                given: s.clone(),
                message,
            })
        })
        .transpose()
}

/// `room,target_viewers` rows.
fn read_room_targets(path: &Path) -> Result<BTreeMap<String, f64>, ConfigError> {
    let bad = |line: u64, message: String| ConfigError::RoomTargets {
        path: path.into(),
        line,
        message,
    };
    let text = std::fs::read(path).map_err(|e| bad(0, e.to_string()))?;
    let mut r = csv::ReaderBuilder::new().from_reader(text.as_slice());
    let headers = r.headers().map_err(|e| bad(1, e.to_string()))?.clone();
    let room_i = headers.iter().position(|h| h.trim() == "room");
    let target_i = headers.iter().position(|h| h.trim() == "target_viewers");
    let (Some(room_i), Some(target_i)) = (room_i, target_i) else {
        return Err(bad(
            1,
            format!(
                "header {:?} lacks `room` or `target_viewers`",
                headers.iter().collect::<Vec<_>>()
            ),
        ));
    };
    let mut out = BTreeMap::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| bad(e.position().map_or(0, |p| p.line()), e.to_string()))?;
        let line = rec.position().map_or(0, |p| p.line());
        let room = rec.get(room_i).unwrap_or("").trim().to_string();
        let raw = rec.get(target_i).unwrap_or("");
        let v = parse_amount(raw).map_err(|m| bad(line, m))?;
        if room.is_empty() {
            return Err(bad(line, "empty room".into()));
        }
        if out.insert(room.clone(), v).is_some() {
            return Err(bad(line, format!("room `{room}` appears twice")));
        }
    }
    Ok(out)
}

fn plan_cmd(args: PlanArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Error> {
    let (file_cfg, _) = read_file_config(args.data.config.as_deref())?;
    // Check the request before any work.
    let targets = [
        (
            Metric::Viewers,
            amount("--target-viewers", &args.target_viewers)?,
        ),
        (
            Metric::Orders,
            amount("--target-orders", &args.target_orders)?,
        ),
        (Metric::GmvCny, amount("--target-gmv", &args.target_gmv)?),
    ];
    let given: Vec<(Metric, f64)> = targets
        .iter()
        .filter_map(|(m, v)| v.map(|v| (*m, v)))
        .collect();
    if given.len() > 1 {
        return Err(ConfigError::ManyTargets {
            given: given
                .iter()
                .map(|(m, v)| format!("{v} {}", m.unit()))
                .collect::<Vec<_>>()
                .join(", "),
        }
        .into());
    }
    let budget = amount("--budget", &args.budget)?;
    let room_targets = match &args.room_targets {
        Some(p) => read_room_targets(p)?,
        None => BTreeMap::new(),
    };
    if given.is_empty() && budget.is_none() && room_targets.is_empty() {
        return Err(ConfigError::NoGoal.into());
    }
    let horizon = args.horizon_days.max(1);

    let mut f = screen_and_fit(
        &args.data,
        &args.curves,
        &args.out,
        args.force,
        &file_cfg,
        err,
    )?;
    let clock = std::time::Instant::now();
    let histories = lane_histories(&f.set, horizon);
    let data = f.screened.curve_input(&f.loaded.data)?;
    let conv = conversions(&data, f.by)?;
    let prepared = prepare(&f.fits, &histories, &conv);
    let mut channels: BTreeMap<String, ChannelLimits> = file_cfg
        .channels
        .iter()
        .map(|(name, c)| (name.clone(), c.limits()))
        .collect();
    for name in &args.exclude {
        channels.entry(name.clone()).or_default().excluded = true;
    }
    // Limits for channels the data does not have would be rejected by the
    // planner as unknown; say so and drop them.
    channels.retain(|name, _| {
        let known = prepared.lanes.iter().any(|l| &l.channel == name);
        if !known {
            let _ = writeln!(
                err,
                "warning: settings for channel `{name}`, which has no usable curve, are ignored"
            );
        }
        known
    });
    let request = PlanRequest {
        lanes: prepared.lanes.clone(),
        horizon_days: horizon as f64,
        metric: given.first().map_or(Metric::Viewers, |(m, _)| *m),
        target: given.first().map(|(_, v)| *v),
        room_targets,
        budget_cny: budget,
        channels,
        ..PlanRequest::default()
    };
    let plan = solve(&request)?;
    f.timings.push(("plan", clock.elapsed().as_secs_f64()));
    let report = plan_report(plan, &prepared, &f.fits, &histories, horizon);
    write_atomic(&f.dir.join("plan.csv"), &plan_csv(&report))?;
    write_atomic(&f.dir.join("plan.json"), &plan_json(&report))?;
    let _ = writeln!(
        err,
        "wrote plan.csv, plan.json, curves.csv, curves.json to {}",
        f.dir.display()
    );
    if args.verbose {
        print_timings(err, &f.timings);
    }
    let _ = match args.format {
        Format::Table => out.write_all(plan_table(&report).as_bytes()),
        Format::Json => out.write_all(&plan_json(&report)),
    };
    match &report.plan.infeasibility {
        Some(inf) => Err(Error::Infeasible {
            requested: inf.requested,
            reachable: inf.max_reachable,
            unit: report.plan.metric.unit(),
            limiting: summarise_list(&inf.limiting, 5),
        }),
        None => Ok(()),
    }
}

fn history_frame(h: &crate::synth::History) -> PolarsResult<DataFrame> {
    let n = h.rows.len();
    let col_f = |name: &str, f: &dyn Fn(&crate::synth::Row) -> f64| {
        Column::new(name.into(), h.rows.iter().map(f).collect::<Vec<f64>>())
    };
    let mut cols = vec![
        Int32Chunked::from_vec("date".into(), h.rows.iter().map(|r| r.date).collect())
            .into_date()
            .into_series()
            .into_column(),
        Column::new(
            "room".into(),
            h.rows
                .iter()
                .map(|r| h.rooms[r.room].as_str())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "channel".into(),
            h.rows
                .iter()
                .map(|r| crate::synth::CHANNELS[r.channel].id)
                .collect::<Vec<_>>(),
        ),
        col_f("spend", &|r| r.spend),
        col_f("viewers", &|r| r.viewers),
    ];
    if h.engagement {
        cols.push(col_f("impressions", &|r| r.impressions));
        cols.push(col_f("orders", &|r| r.orders));
        cols.push(col_f("gmv", &|r| r.gmv));
        cols.push(col_f("avg_watch_seconds", &|r| r.avg_watch_seconds));
        cols.push(col_f("comments", &|r| r.comments));
    }
    DataFrame::new(n, cols)
}

fn write_parquet(path: &Path, h: &crate::synth::History) -> Result<(), Error> {
    let mut df = history_frame(h)?;
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf).finish(&mut df)?;
    write_atomic(path, &buf)?;
    Ok(())
}

fn gen_cmd(args: GenArgs, err: &mut dyn Write) -> Result<(), Error> {
    let opts = GenOptions {
        rooms: args.rooms,
        days: args.days,
        seed: args.seed,
        fake_rate: args.fake_rate,
        engagement: !args.no_engagement,
        ..GenOptions::default()
    };
    let h = generate(&opts);
    let dir = &args.out;
    write_atomic(&dir.join("history.csv"), &h.to_csv(Headers::English))?;
    write_atomic(&dir.join("truth.json"), &h.truth_json())?;
    write_atomic(&dir.join("fake_rows.csv"), &h.fake_rows_csv())?;
    if args.sample {
        write_atomic(&dir.join("history_zh.csv"), &h.to_csv(Headers::Chinese))?;
    }
    if args.parquet || args.sample {
        write_parquet(&dir.join("history.parquet"), &h)?;
    }
    let _ = writeln!(
        err,
        "wrote {} rows ({} rooms × {} channels × {} days, {} with bot viewers) to {}",
        h.rows.len(),
        h.rooms.len(),
        crate::synth::CHANNELS.len(),
        opts.days,
        h.truth.fake_rows.len(),
        dir.display()
    );
    Ok(())
}
