//! What each subcommand does. The binary only parses flags, draws progress
//! and maps errors.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::Serialize;

use crate::amount::parse_amount;
use crate::cli::{
    BacktestArgs, By, Command, ConfigArgs, DataArgs, FitArgs, Format, FrontierArgs, GenArgs,
    PlanArgs, ReportArgs, ScreenArgs, ValidateArgs,
};
use crate::config::{ConfigError, Settings, read_file_config};
use crate::curves::stage::{
    CurveFit, Granularity, SeriesSet, StageOptions, extract_series, fit_set,
    fit_set_with_comparison,
};
use crate::error::Error;
use crate::load::{Field, LoadOptions, Loaded, load};
use crate::output::manifest::{InputInfo, RowCounts, StageClock, hash_file, write_manifest};
use crate::output::progress::{NoProgress, Progress};
use crate::output::{RunDir, default_run_dir, today, write_atomic};
use crate::plan::stage::{
    LaneHistory, PlanReport, Prepared, conversions, lane_histories, prepare, report as plan_report,
};
use crate::plan::{ChannelLimits, Metric, PlanMode, PlanRequest, PlanStatus, solve};
use crate::report::charts::{
    Chart, ChartInput, Frontier, FrontierPoint, frontier_png, render_all_with, top_moves,
};
use crate::report::email;
use crate::report::flagged_export::{flagged_lanes_csv, flagged_rows_csv};
use crate::report::plan_export::{describe, plan_csv, plan_json, plan_json_value, plan_table};
use crate::report::run_files::{
    CHART_DATA_JSON, RunExtras, RunFiles, SERIES_CSV, chart_data_json, series_csv,
};
use crate::report::summary_text::{SummaryContext, summary_txt};
use crate::report::table::{Align, Table, csv_num, thousands};
use crate::report::{curves_export::CurvesFile, rejected_rows_csv, summary::summarise};
use crate::screen::{FakeTraffic, ScreenOptions, ScreenResult, screen};
use crate::synth::{GenOptions, Headers, generate};

/// Flags that apply to every subcommand.
#[derive(Clone, Copy, Debug, Default)]
pub struct Globals {
    /// `-v`: stage timings on stderr.
    pub verbose: bool,
    /// `--quiet`: no progress notes on stderr.
    pub quiet: bool,
}

/// Run one command; tables go to `out`, messages to `err`, no progress.
pub fn run(command: Command, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Error> {
    run_with(command, Globals::default(), out, err, &NoProgress)
}

/// Run one command, reporting stage starts and ends to `progress`.
pub fn run_with(
    command: Command,
    globals: Globals,
    out: &mut dyn Write,
    err: &mut dyn Write,
    progress: &dyn Progress,
) -> Result<(), Error> {
    let mut io = Io {
        out,
        err,
        globals,
        clock: StageClock::new(progress),
    };
    match command {
        Command::Validate(args) => validate(args, &mut io),
        Command::Gen(args) => gen_cmd(args, io.err),
        Command::Fit(args) => fit(args, &mut io),
        Command::Screen(args) => screen_cmd(args, &mut io),
        Command::Plan(args) => plan_cmd("plan", args, &mut io),
        Command::Run(args) => plan_cmd("run", args, &mut io),
        Command::Frontier(args) => frontier_cmd(args, &mut io),
        Command::Config(args) => config_cmd(args, &mut io),
        Command::Report(args) => report_cmd(args, &mut io),
        Command::Backtest(args) => backtest_cmd(args, &mut io),
    }
}

/// Where a command writes, and its stage clock.
struct Io<'a> {
    out: &'a mut dyn Write,
    err: &'a mut dyn Write,
    globals: Globals,
    clock: StageClock<'a>,
}

impl Io<'_> {
    /// A progress note on stderr (not under `--quiet`).
    fn note(&mut self, text: std::fmt::Arguments<'_>) {
        if !self.globals.quiet {
            let _ = writeln!(self.err, "{text}");
        }
    }

    /// End the clock; with `-v`, print the timings.
    fn finish(&mut self) {
        self.clock.end();
        if self.globals.verbose {
            let _ = writeln!(self.err, "{}", self.clock.summary());
        }
    }
}

/// Settings of a command: the config file (`--config` or ./acqplan.toml)
/// and the flags.
fn settings(
    data: &DataArgs,
    curves: Option<&crate::cli::CurveArgs>,
    scenario: Option<&crate::cli::ScenarioArgs>,
    goal: Option<&crate::cli::GoalArgs>,
    email: Option<&crate::cli::EmailArgs>,
) -> Result<Settings, Error> {
    let (file, path) = read_file_config(data.config.as_deref())?;
    Ok(Settings::resolve(
        &file,
        path.as_deref(),
        data,
        curves,
        scenario,
        goal,
        email,
    )?)
}

/// Load the history the settings name and hash its bytes.
fn load_stage(
    s: &Settings,
    skip_bad_rows: bool,
    io: &mut Io<'_>,
) -> Result<(Loaded, InputInfo), Error> {
    let path = s.data.value.clone().ok_or(ConfigError::NoData)?;
    io.clock.start("load");
    let opts = LoadOptions {
        columns: s.column_map(),
        skip_bad_rows,
    };
    let mut loaded = load(&path, &opts)?;
    if !loaded.total_rows.is_empty() {
        let n = loaded.total_rows.len();
        let mut lines: Vec<String> = loaded
            .total_rows
            .iter()
            .take(10)
            .map(u64::to_string)
            .collect();
        if n > 10 {
            lines.push(format!("and {} more", n - 10));
        }
        let s = if n == 1 { "" } else { "s" };
        let _ = writeln!(
            io.err,
            "warning: `{}`: left out {n} total row{s} a console appended (合计 / Total), at line{s} {} (total rows are never summed in)",
            path.display(),
            lines.join(", ")
        );
    }
    if loaded.sub_daily_merged > 0 {
        io.note(format_args!(
            "{}: {} rows with a time of day summed into {} daily rows (date × room × channel)",
            path.display(),
            loaded.sub_daily_merged + loaded.data.len(),
            loaded.data.len()
        ));
    }
    if !loaded.empty_cells.is_empty() {
        for d in &loaded.empty_cells.first {
            let field = d.column.as_ref().map_or("?", |c| c.field.name());
            let _ = writeln!(
                io.err,
                "warning: {}: empty `{field}` cell: the row is kept; what uses `{field}` leaves it out",
                d.place(&path, &loaded.kind)
            );
        }
        for (field, n) in &loaded.empty_cells.counts {
            let _ = writeln!(
                io.err,
                "warning: `{}`: {n} empty `{field}` cell{} in all: {} estimated from the rows that have it",
                path.display(),
                if *n == 1 { "" } else { "s" },
                match field {
                    Field::Orders => "orders per viewer is",
                    Field::Gmv => "GMV per viewer is",
                    _ => "screening's engagement signals are",
                }
            );
        }
    }
    let period =
        crate::validate::period::detect(&loaded.data, s.period.value).map_err(|problem| {
            Error::Period {
                path: path.clone(),
                problem,
            }
        })?;
    loaded.data = loaded.data.with_period(period);
    if !period.is_daily() {
        io.note(format_args!(
            "{}: rows are {period}; each row is read as the total of {} days (pass --period day if they are single days)",
            path.display(),
            period.days
        ));
    }
    let input = if path.is_dir() {
        let (bytes, blake3) = crate::load::hash_folder(&path)?;
        InputInfo {
            path: path.clone(),
            bytes,
            blake3,
        }
    } else {
        hash_file(&path)?
    };
    if let Some(p) = &loaded.partitioned {
        io.note(format_args!(
            "read {} rows from {} Parquet files in {}; summed to {} daily rows (date × room × channel)",
            p.raw_rows,
            p.files,
            path.display(),
            p.daily_rows
        ));
    }
    Ok((loaded, input))
}

/// The run folder: `--out`, else `<out_root>/<ISO year-week>`.
fn run_dir(out: &Option<PathBuf>, s: &Settings) -> PathBuf {
    out.clone()
        .unwrap_or_else(|| default_run_dir(&s.out_root.value, today()))
}

/// Write rejected_rows.csv into the run if rows were skipped.
fn write_rejected(loaded: &Loaded, dir: &RunDir, err: &mut dyn Write) -> Result<(), Error> {
    if loaded.rejected.is_empty() {
        return Ok(());
    }
    write_atomic(
        &dir.join("rejected_rows.csv"),
        &rejected_rows_csv(&loaded.rejected),
    )?;
    let _ = writeln!(
        err,
        "warning: skipped {} of {} rows with defects; each is in {}",
        loaded.rejected.len(),
        loaded.rows_read,
        dir.final_path().join("rejected_rows.csv").display()
    );
    Ok(())
}

fn validate(args: ValidateArgs, io: &mut Io<'_>) -> Result<(), Error> {
    let s = settings(&args.data, None, None, None, None)?;
    let (loaded, input) = load_stage(&s, args.data.skip_bad_rows, io)?;
    let summary = summarise(&loaded.data)?;
    if loaded.rejected.is_empty() {
        io.finish();
    } else {
        // Only skipped rows make `validate` write a run folder.
        let dir = RunDir::begin(&run_dir(&args.out, &s), args.force, io.err)?;
        write_rejected(&loaded, &dir, io.err)?;
        let rows = RowCounts {
            read: loaded.rows_read,
            rejected: loaded.rejected.len(),
            flagged: 0,
            used: None,
        };
        finish_run(io, "validate", &dir, &input, rows, &s)?;
    }
    let text = match args.format {
        Format::Table => summary.render(),
        Format::Json => serde_json::to_string_pretty(&summary).expect("summary serialises") + "\n",
    };
    let _ = io.out.write_all(text.as_bytes());
    Ok(())
}

/// What `fit`, `plan`, `run` and `frontier` share: the history loaded into
/// its run folder, screened, and fitted.
struct Fitted {
    loaded: Loaded,
    input: InputInfo,
    screened: ScreenResult,
    set: SeriesSet,
    fits: Vec<CurveFit>,
    by: Granularity,
    dir: RunDir,
    rows_used: usize,
    /// The backtest in words (headline, then channels lost to the naive
    /// rule); empty unless `[run] backtest`.
    backtest: Vec<String>,
}

impl Fitted {
    fn rows(&self) -> RowCounts {
        RowCounts {
            read: self.loaded.rows_read,
            rejected: self.loaded.rejected.len(),
            flagged: self.screened.flagged_count(),
            used: Some(self.rows_used),
        }
    }

    fn granularity_name(&self) -> &'static str {
        match self.by {
            Granularity::RoomChannel => "room_channel",
            Granularity::Channel => "channel",
        }
    }
}

/// The history loaded into its run folder, screened, and cut into series,
/// with the fit options of the settings (what `fit`, `plan` and `backtest`
/// share before fitting).
struct Screened {
    loaded: Loaded,
    input: InputInfo,
    screened: ScreenResult,
    set: SeriesSet,
    by: Granularity,
    dir: RunDir,
    rows_used: usize,
    opts: StageOptions,
}

fn screen_stage(
    s: &Settings,
    skip_bad_rows: bool,
    out_dir: &Option<PathBuf>,
    force: bool,
    io: &mut Io<'_>,
    doing: &str,
) -> Result<Screened, Error> {
    let caps = s.caps();
    // Refuse an occupied folder before any work.
    let dir = RunDir::begin(&run_dir(out_dir, s), force, io.err)?;
    let (loaded, input) = load_stage(s, skip_bad_rows, io)?;
    let period = loaded.data.period();
    let horizon = s.horizon_days.value;
    if !horizon.is_multiple_of(period.days as usize) {
        return Err(ConfigError::HorizonNotWholePeriods {
            days: horizon,
            period: period.to_string(),
            period_days: period.days,
        }
        .into());
    }
    write_rejected(&loaded, &dir, io.err)?;

    io.clock.start("screen");
    let screened = screen(
        &loaded.data,
        &ScreenOptions {
            policy: s.fake_traffic.value,
            ..ScreenOptions::default()
        },
    )?;
    write_flagged(&screened, &dir, io.err)?;
    let data = screened.curve_input(&loaded.data)?;

    io.clock.start("fit");
    let by = match s.by.value {
        Some(By::Channel) => Granularity::Channel,
        Some(By::RoomChannel) => Granularity::RoomChannel,
        None if data.has_room() => Granularity::RoomChannel,
        None => Granularity::Channel,
    };
    let set = extract_series(&data, by)?;
    for channel in caps.keys() {
        if !set.keys.iter().any(|k| &k.channel == channel) {
            let _ = writeln!(
                io.err,
                "warning: reach cap given for channel `{channel}`, which is not in the data"
            );
        }
    }
    io.note(format_args!(
        "{doing} {} curves ({}) on {} rows…",
        set.len(),
        match by {
            Granularity::RoomChannel => "per room × channel",
            Granularity::Channel => "per channel, rooms pooled",
        },
        data.len()
    ));
    let opts = StageOptions {
        caps_viewers_per_day: caps,
        shrink: by == Granularity::RoomChannel,
        recency: s.half_life.value.recency(),
        horizon_days: s.horizon_days.value,
        ..StageOptions::default()
    };
    Ok(Screened {
        rows_used: data.len(),
        loaded,
        input,
        screened,
        set,
        by,
        dir,
        opts,
    })
}

/// Load → run folder → screen → fit, writing rejected_rows.csv,
/// flagged_rows.csv, curves.csv and curves.json into the run folder.
fn screen_and_fit(
    s: &Settings,
    skip_bad_rows: bool,
    out_dir: &Option<PathBuf>,
    force: bool,
    io: &mut Io<'_>,
) -> Result<Fitted, Error> {
    let Screened {
        loaded,
        input,
        screened,
        set,
        by,
        dir,
        rows_used,
        opts,
    } = screen_stage(s, skip_bad_rows, out_dir, force, io, "fitting")?;
    let impact_wanted =
        s.fake_traffic.value == FakeTraffic::Exclude && screened.flagged_count() > 0;
    let (fits, screened_fits) = if impact_wanted {
        let (fits, comparison, _) = fit_set_with_comparison(&set, &opts);
        (fits, comparison)
    } else {
        (fit_set(&set, &opts).0, Vec::new())
    };
    if impact_wanted {
        // How much setting the flagged rows aside moved each channel's
        // fitted cost per viewer: refit with them left in and compare, both
        // sides fitted lane by lane on their whole history (no pooling
        // across rooms, no recency: half the cost of the plan's fit, and
        // the difference is the screening's alone).
        let unscreened = extract_series(&loaded.data, by)?;
        let (with_flagged, _) = fit_set(&unscreened, &opts.for_comparison());
        let impact = screening_impact(&screened, &with_flagged, &screened_fits);
        write_atomic(
            &dir.join("screening_impact.csv"),
            &screening_impact_csv(&impact),
        )?;
        for line in impact.iter().map(ScreeningImpact::line) {
            io.note(format_args!("{line}"));
        }
    }
    // `[run] backtest` / `--backtest`: the curves checked on the last 8
    // weeks, fitted the same way (what `acqplan backtest` does).
    let backtest = if s.backtest.value {
        io.clock.start("backtest");
        let b = crate::backtest::backtest(&set, &opts, BACKTEST_WEEKS);
        let lost = write_backtest(&b, &dir, io.err)?;
        io.note(format_args!("{}", b.headline()));
        std::iter::once(b.headline()).chain(lost).collect()
    } else {
        Vec::new()
    };
    let f = Fitted {
        rows_used,
        loaded,
        input,
        screened,
        set,
        fits,
        by,
        dir,
        backtest,
    };
    let file = CurvesFile::new(f.granularity_name(), &f.fits).with_period_days(f.set.period_days());
    write_atomic(&f.dir.join("curves.csv"), &file.csv())?;
    write_atomic(&f.dir.join("curves.json"), &file.json())?;
    if file.unusable > 0 {
        let _ = writeln!(
            io.err,
            "warning: {} of {} curves have no usable fit; see the reason column",
            file.unusable,
            file.curves.len()
        );
    }
    Ok(f)
}

/// One channel's fitted cost per viewer with and without the flagged rows.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ScreeningImpact {
    /// Channel.
    pub channel: String,
    /// Rows of the channel flagged as fake traffic.
    pub flagged_rows: usize,
    /// Fitted cost per viewer at the lanes' median spend, flagged rows kept, CNY.
    pub fitted_cost_per_viewer_with_flagged_cny: Option<f64>,
    /// The same with the flagged rows set aside (what the plan uses), CNY.
    pub fitted_cost_per_viewer_screened_cny: Option<f64>,
}

impl ScreeningImpact {
    /// Relative change from screening, e.g. `0.36` for +36 %.
    pub fn change(&self) -> Option<f64> {
        match (
            self.fitted_cost_per_viewer_with_flagged_cny,
            self.fitted_cost_per_viewer_screened_cny,
        ) {
            (Some(a), Some(b)) if a > 0.0 => Some(b / a - 1.0),
            _ => None,
        }
    }

    /// `douyin_qianchuan: 12 rows set aside; fitted cost per viewer 0.64 → 0.87 CNY (+36 %)`.
    pub fn line(&self) -> String {
        let c = |v: Option<f64>| v.map_or_else(|| "–".to_string(), |v| format!("{v:.2}"));
        format!(
            "{}: {} rows set aside; fitted cost per viewer {} → {} CNY{}",
            self.channel,
            self.flagged_rows,
            c(self.fitted_cost_per_viewer_with_flagged_cny),
            c(self.fitted_cost_per_viewer_screened_cny),
            self.change()
                .map_or(String::new(), |x| format!(" ({:+.1} %)", 100.0 * x))
        )
    }
}

/// Per channel: Σ median spend / Σ fitted viewers at it, over the fitted lanes.
fn fitted_cost_per_channel(fits: &[CurveFit]) -> BTreeMap<&str, f64> {
    let mut sums: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for f in fits {
        let Some(fc) = f.outcome.fitted() else {
            continue;
        };
        if let Some(p50) = fc.spend_summaries.iter().find(|x| x.percentile == 50) {
            let e = sums.entry(f.key.channel.as_str()).or_default();
            e.0 += p50.spend_cny;
            e.1 += p50.viewers_per_day;
        }
    }
    sums.into_iter()
        .filter(|(_, (_, v))| *v > 0.0)
        .map(|(c, (s, v))| (c, s / v))
        .collect()
}

/// Compare the fits with and without the flagged rows, channel by channel
/// (only channels with flagged rows).
fn screening_impact(
    screened: &ScreenResult,
    with_flagged: &[CurveFit],
    screened_fits: &[CurveFit],
) -> Vec<ScreeningImpact> {
    let mut flagged: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &screened.flagged_rows {
        *flagged.entry(r.channel.as_str()).or_default() += 1;
    }
    let before = fitted_cost_per_channel(with_flagged);
    let after = fitted_cost_per_channel(screened_fits);
    flagged
        .into_iter()
        .map(|(channel, n)| ScreeningImpact {
            channel: channel.to_string(),
            flagged_rows: n,
            fitted_cost_per_viewer_with_flagged_cny: before.get(channel).copied(),
            fitted_cost_per_viewer_screened_cny: after.get(channel).copied(),
        })
        .collect()
}

/// `screening_impact.csv`.
fn screening_impact_csv(rows: &[ScreeningImpact]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let num = |v| csv_num(v, 4);
    w.write_record([
        "channel",
        "flagged_rows",
        "fitted_cost_per_viewer_with_flagged_cny",
        "fitted_cost_per_viewer_screened_cny",
        "change",
    ])
    .expect("writing to memory");
    for r in rows {
        w.write_record([
            r.channel.clone(),
            r.flagged_rows.to_string(),
            num(r.fitted_cost_per_viewer_with_flagged_cny),
            num(r.fitted_cost_per_viewer_screened_cny),
            num(r.change()),
        ])
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
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
    write_atomic(&dir.join("flagged_lanes.csv"), &flagged_lanes_csv(&s.lanes))?;
    for lane in s.lanes.iter().take(10) {
        let _ = writeln!(err, "warning: {}", lane.reason);
    }
    if s.lanes.len() > 10 {
        let _ = writeln!(
            err,
            "warning: and {} more lanes judged as a whole; see flagged_lanes.csv",
            s.lanes.len() - 10
        );
    }
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

/// End the clock, write manifest.json, print timings with `-v`, and put
/// the run folder in place.
fn finish_run(
    io: &mut Io<'_>,
    command: &'static str,
    dir: &RunDir,
    input: &InputInfo,
    rows: RowCounts,
    s: &Settings,
) -> Result<(), Error> {
    io.finish();
    write_manifest(dir, command, Some(input), rows, s, io.clock.stages())?;
    dir.commit()?;
    Ok(())
}

fn fit(args: FitArgs, io: &mut Io<'_>) -> Result<(), Error> {
    let s = settings(&args.data, Some(&args.curves), None, None, None)?;
    let f = screen_and_fit(&s, args.data.skip_bad_rows, &args.out, args.force, io)?;
    finish_run(io, "fit", &f.dir, &f.input, f.rows(), &s)?;
    io.note(format_args!(
        "wrote curves.csv, curves.json, manifest.json to {}",
        f.dir.display()
    ));
    let file = CurvesFile::new(f.granularity_name(), &f.fits).with_period_days(f.set.period_days());
    let _ = match args.format {
        Format::Table => io.out.write_all(file.table().as_bytes()),
        Format::Json => io.out.write_all(&file.json()),
    };
    Ok(())
}

/// backtest.csv and backtest.png into the run, a warning per channel the
/// naive rule predicted better; returns those channels' lines.
fn write_backtest(
    b: &crate::backtest::Backtest,
    dir: &RunDir,
    err: &mut dyn Write,
) -> Result<Vec<String>, Error> {
    write_atomic(&dir.join("backtest.csv"), &b.csv())?;
    write_atomic(
        &dir.join("backtest.png"),
        &crate::report::charts::backtest_png(b)?,
    )?;
    let lost = b.losing_channels();
    for line in &lost {
        let _ = writeln!(
            err,
            "warning: the naive rule predicted better than the curves on {line}"
        );
    }
    Ok(lost)
}

fn backtest_cmd(args: BacktestArgs, io: &mut Io<'_>) -> Result<(), Error> {
    let s = settings(&args.data, Some(&args.curves), None, None, None)?;
    let sc = screen_stage(
        &s,
        args.data.skip_bad_rows,
        &args.out,
        args.force,
        io,
        "backtesting",
    )?;
    io.clock.start("backtest");
    let b = crate::backtest::backtest(&sc.set, &sc.opts, args.weeks as usize);
    io.clock.start("report");
    write_backtest(&b, &sc.dir, io.err)?;
    let rows = RowCounts {
        read: sc.loaded.rows_read,
        rejected: sc.loaded.rejected.len(),
        flagged: sc.screened.flagged_count(),
        used: Some(sc.rows_used),
    };
    finish_run(io, "backtest", &sc.dir, &sc.input, rows, &s)?;
    io.note(format_args!(
        "wrote backtest.csv, backtest.png, manifest.json to {}",
        sc.dir.display()
    ));
    let text = match args.format {
        Format::Table => b.table(),
        Format::Json => {
            serde_json::to_string_pretty(&serde_json::json!({
                "weeks": b.weeks,
                "week_starts": b.week_starts.iter().map(|&d| crate::load::cell::format_date(d)).collect::<Vec<_>>(),
                "methods": crate::backtest::METHODS,
                "total": b.total,
                "channels": b.channels,
                "lane_weeks_without_curve": b.lane_weeks_without_curve,
                "headline": b.headline(),
            }))
            .expect("backtest serialises")
                + "\n"
        }
    };
    let _ = io.out.write_all(text.as_bytes());
    Ok(())
}

fn screen_cmd(args: ScreenArgs, io: &mut Io<'_>) -> Result<(), Error> {
    let s = settings(&args.data, None, None, None, None)?;
    let dir = RunDir::begin(&run_dir(&args.out, &s), args.force, io.err)?;
    let (loaded, input) = load_stage(&s, args.data.skip_bad_rows, io)?;
    write_rejected(&loaded, &dir, io.err)?;
    io.clock.start("screen");
    let r = screen(
        &loaded.data,
        &ScreenOptions {
            policy: FakeTraffic::Flag,
            threshold: args.threshold,
        },
    )?;
    write_flagged(&r, &dir, io.err)?;
    let rows = RowCounts {
        read: loaded.rows_read,
        rejected: loaded.rejected.len(),
        flagged: r.flagged_count(),
        used: None,
    };
    finish_run(io, "screen", &dir, &input, rows, &s)?;
    let text = match args.format {
        Format::Table => {
            let mut t = format!(
                "{} of {} rows flagged as fake traffic (signals: {})\n\n",
                r.flagged_count(),
                loaded.data.len(),
                r.signals_text()
            );
            for c in &r.channels {
                t.push_str(&c.line());
                t.push('\n');
            }
            t
        }
        Format::Json => {
            serde_json::to_string_pretty(&serde_json::json!({
                "rows": loaded.data.len(),
                "flagged": r.flagged_count(),
                "signals": r.signals,
                "channels": r.channels,
                "lanes": r.lanes,
            }))
            .expect("screen result serialises")
                + "\n"
        }
    };
    let _ = io.out.write_all(text.as_bytes());
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

/// `room,target_viewers` rows.
fn read_room_targets(path: &Path) -> Result<BTreeMap<String, f64>, ConfigError> {
    let bad = |line: u64, message: String| ConfigError::RoomTargets {
        path: path.into(),
        line,
        message,
    };
    let text = std::fs::read(path).map_err(|e| ConfigError::RoomTargetsUnreadable {
        path: path.into(),
        message: match e.kind() {
            std::io::ErrorKind::NotFound => "file not found".into(),
            _ => e.to_string(),
        },
    })?;
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

/// Fitted lanes ready to solve for any target or budget (fit once, solve
/// many: what-if and frontier).
struct Planner<'f> {
    fitted: &'f Fitted,
    prepared: Prepared,
    histories: Vec<LaneHistory>,
    horizon_days: usize,
    metric: Metric,
    channels: BTreeMap<String, ChannelLimits>,
    room_targets: BTreeMap<String, f64>,
    cost_scale: BTreeMap<String, f64>,
    max_extrapolation: f64,
}

impl<'f> Planner<'f> {
    fn new(
        f: &'f Fitted,
        s: &Settings,
        room_targets: BTreeMap<String, f64>,
        err: &mut dyn Write,
    ) -> Result<Self, Error> {
        let horizon_days = s.horizon_days.value;
        let histories = lane_histories(&f.set, horizon_days);
        let data = f.screened.curve_input(&f.loaded.data)?;
        let conv = conversions(&data, f.by)?;
        let mut prepared = prepare(&f.fits, &histories, &conv);
        let cost_scale: BTreeMap<String, f64> = s
            .cost_scale
            .iter()
            .map(|(c, v)| (c.clone(), v.value))
            .collect();
        for (channel, factor) in &cost_scale {
            let mut found = false;
            for lane in prepared.lanes.iter_mut().filter(|l| &l.channel == channel) {
                found = true;
                lane.curve.model = lane.curve.model.scale_cost(*factor);
                lane.history_max_spend_cny_per_day =
                    lane.history_max_spend_cny_per_day.map(|x| x * factor);
            }
            if !found {
                let _ = writeln!(
                    err,
                    "warning: --scale given for channel `{channel}`, which has no usable curve"
                );
            }
        }
        let mut channels = s.limits();
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
        Ok(Planner {
            fitted: f,
            prepared,
            histories,
            horizon_days,
            metric: s.metric.value,
            channels,
            room_targets,
            cost_scale,
            max_extrapolation: s.max_extrapolation.value,
        })
    }

    /// The planning request for one target and/or budget.
    fn request(&self, target: Option<f64>, budget_cny: Option<f64>) -> PlanRequest {
        PlanRequest {
            lanes: self.prepared.lanes.clone(),
            horizon_days: self.horizon_days as f64,
            metric: self.metric,
            target,
            room_targets: self.room_targets.clone(),
            budget_cny,
            channels: self.channels.clone(),
            segments: crate::plan::SegmentOptions {
                history_multiple: self.max_extrapolation,
                ..crate::plan::SegmentOptions::default()
            },
            ..PlanRequest::default()
        }
    }

    /// The plan for one target and/or budget.
    fn solve(&self, target: Option<f64>, budget_cny: Option<f64>) -> Result<PlanReport, Error> {
        Ok(self.dress(solve(&self.request(target, budget_cny))?))
    }

    /// A solved plan of these lanes, dressed for the reader.
    fn dress(&self, plan: crate::plan::Plan) -> PlanReport {
        let mut r = plan_report(
            plan,
            &self.prepared,
            &self.fitted.fits,
            &self.histories,
            self.horizon_days,
            self.fitted.set.period_days(),
        );
        self.rescale_bands(&mut r);
        r
    }

    /// Uncertainty bands and extrapolation flags of scaled channels, read
    /// from the fitted curve at the unscaled spend.
    fn rescale_bands(&self, r: &mut PlanReport) {
        if self.cost_scale.is_empty() {
            return;
        }
        let days = self.horizon_days as f64;
        for row in &mut r.rows {
            let Some(&factor) = self.cost_scale.get(&row.channel) else {
                continue;
            };
            let fitted = self
                .prepared
                .lanes
                .iter()
                .zip(&self.prepared.source)
                .find(|(l, _)| l.room == row.room && l.channel == row.channel)
                .and_then(|(_, &i)| self.fitted.fits[i].outcome.fitted());
            if let Some(fc) = fitted {
                let spend = row.spend_cny_per_day / factor;
                let (lo, _, hi) = fc.band(spend);
                row.viewers_p10 = (lo * days).min(row.viewers);
                row.viewers_p90 = (hi * days).max(row.viewers);
                row.extrapolation = fc.is_extrapolation(spend);
            }
        }
        r.viewers_p10_sum = r.rows.iter().map(|x| x.viewers_p10).sum();
        r.viewers_p90_sum = r.rows.iter().map(|x| x.viewers_p90).sum();
    }
}

/// One row of a what-if comparison or of the frontier.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WhatIf {
    /// What varies: `budget_cny` or `target_<unit>`.
    pub varied: String,
    /// Its value in this row.
    pub value: f64,
    /// Planned spend over the horizon, CNY.
    pub spend_cny: f64,
    /// Expected viewers over the horizon.
    pub viewers: f64,
    /// Expected value of the target metric (viewers, orders or GMV CNY).
    pub metric_value: f64,
    /// Average cost per viewer, CNY.
    pub avg_cost_cny_per_viewer: Option<f64>,
    /// Cost of one more unit of the metric at the optimum, CNY: the target's
    /// shadow price, or 1 / the budget's shadow price.
    pub marginal_cost_cny_per_unit: Option<f64>,
    /// `optimal` or `infeasible`.
    pub status: &'static str,
}

impl WhatIf {
    fn new(varied: String, value: f64, r: &PlanReport) -> Self {
        let p = &r.plan;
        let marginal = match p.mode {
            PlanMode::MinSpend => p.target_shadow_price_cny_per_unit,
            PlanMode::MaxMetric => p
                .budget_shadow_price_units_per_cny
                .filter(|x| *x > 1e-12)
                .map(|x| 1.0 / x),
        };
        WhatIf {
            varied,
            value,
            spend_cny: p.totals.spend_cny,
            viewers: p.totals.viewers,
            metric_value: p.totals.metric_value,
            avg_cost_cny_per_viewer: p.totals.avg_cost_cny_per_viewer,
            marginal_cost_cny_per_unit: marginal.filter(|x| x.is_finite()),
            status: match p.status {
                PlanStatus::Optimal => "optimal",
                PlanStatus::Infeasible => "infeasible",
            },
        }
    }
}

/// whatif.csv / frontier.csv (bytes, no IO).
pub fn whatif_csv(rows: &[WhatIf]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "varied",
        "value",
        "spend_cny",
        "viewers",
        "metric_value",
        "avg_cost_cny_per_viewer",
        "marginal_cost_cny_per_unit",
        "status",
    ])
    .expect("writing to memory");
    for r in rows {
        w.write_record([
            r.varied.as_str(),
            &csv_num(Some(r.value), 2),
            &csv_num(Some(r.spend_cny), 2),
            &csv_num(Some(r.viewers), 1),
            &csv_num(Some(r.metric_value), 2),
            &csv_num(r.avg_cost_cny_per_viewer, 4),
            &csv_num(r.marginal_cost_cny_per_unit, 4),
            r.status,
        ])
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// The comparison table on stdout.
pub fn whatif_table(rows: &[WhatIf]) -> String {
    let varied = rows.first().map_or("value", |r| r.varied.as_str());
    let mut t = Table::new(&[
        (varied, Align::Right),
        ("spend_cny", Align::Right),
        ("viewers", Align::Right),
        ("avg_cpv", Align::Right),
        ("marginal", Align::Right),
        ("status", Align::Left),
    ]);
    for r in rows {
        t.row(vec![
            thousands(r.value, 0),
            thousands(r.spend_cny, 0),
            thousands(r.viewers, 0),
            r.avg_cost_cny_per_viewer
                .map_or("-".into(), |x| format!("{x:.2}")),
            r.marginal_cost_cny_per_unit
                .map_or("-".into(), |x| format!("{x:.2}")),
            r.status.into(),
        ]);
    }
    t.render()
}

/// What `acqplan run` hands to the report stage once plan.csv and
/// plan.json are written.
pub struct RunOutputs<'a> {
    /// The run folder.
    pub dir: &'a Path,
    /// The resolved settings.
    pub settings: &'a Settings,
    /// The series the curves were fitted on (history points for charts).
    pub series: &'a SeriesSet,
    /// The fitted curves, in series order.
    pub fits: &'a [CurveFit],
    /// The main plan.
    pub plan: &'a PlanReport,
    /// Every what-if variant, the main plan first (one row when no what-if).
    pub whatif: &'a [WhatIf],
    /// What screening found.
    pub screen: &'a ScreenResult,
    /// The main plan's request (the frontier re-solves it at other budgets).
    pub request: &'a PlanRequest,
    /// The run's backtest in words (empty: not backtested).
    pub backtest: &'a [String],
}

/// What the report stage wrote, kept for the email.
pub struct Written {
    /// The charts, in attachment order.
    pub charts: Vec<Chart>,
    /// `summary.txt`.
    pub summary: String,
    /// Every file written, in order.
    pub files: Vec<&'static str>,
    /// First day of the plan, days since 1970-01-01.
    pub plan_start_day: i32,
}

/// The report stage of `plan` and `run`, after the plan is written: the
/// PNG charts (curves, marginal cost, allocation, frontier, summary),
/// summary.txt, and what `acqplan report` needs to draw them again
/// (chart_data.json, series.csv), each written atomically into the run
/// folder.
pub fn report_stage(outputs: &RunOutputs<'_>) -> Result<Written, Error> {
    let what_if_budgets: Vec<f64> = outputs
        .whatif
        .iter()
        .skip(1)
        .filter(|w| w.varied == "budget_cny")
        .map(|w| w.value)
        .collect();
    // The plan covers the days after the history ends; taking the date from
    // the data (not the clock) keeps the same input rendering the same bytes.
    let next_day = outputs.series.last_covered_day().map_or(0, |d| d + 1);
    let label = format!("from {}", crate::load::cell::format_date(next_day));
    let input = ChartInput {
        screen: Some(outputs.screen),
        request: Some(outputs.request),
        what_if_budgets_cny: &what_if_budgets,
        label: &label,
        backtest: outputs.backtest,
        ..ChartInput::new(outputs.plan, outputs.fits, outputs.series)
    };
    let frontier =
        crate::plan::frontier::around_plan(outputs.request, outputs.plan, &what_if_budgets);
    write_atomic(
        &outputs.dir.join(CHART_DATA_JSON),
        &chart_data_json(
            &input,
            &RunExtras {
                plan_start_day: next_day,
                frontier: &frontier,
            },
        ),
    )?;
    write_atomic(&outputs.dir.join(SERIES_CSV), &series_csv(&input))?;
    let mut w = write_report(outputs.dir, &input, &frontier, next_day)?;
    w.files.extend([CHART_DATA_JSON, SERIES_CSV]);
    Ok(w)
}

/// Draw the charts and summary.txt of `input` into `dir` (atomically).
fn write_report(
    dir: &Path,
    input: &ChartInput<'_>,
    frontier: &Frontier,
    plan_start_day: i32,
) -> Result<Written, Error> {
    let charts = render_all_with(input, frontier)?;
    let mut files = Vec::with_capacity(charts.len() + 3);
    for c in &charts {
        write_atomic(&dir.join(c.file_name), &c.png)?;
        files.push(c.file_name);
    }
    let moves = top_moves(input);
    let summary = summary_txt(
        input.report,
        &SummaryContext {
            label: input.label,
            moves: &moves,
            fake_rows: input.screen.map_or(0, |s| s.flagged_rows.len()),
            request: input.request,
            charts: &files,
            backtest: input.backtest,
        },
    );
    write_atomic(&dir.join("summary.txt"), summary.as_bytes())?;
    files.push("summary.txt");
    Ok(Written {
        charts,
        summary,
        files,
        plan_start_day,
    })
}

/// With recipients in the settings, write plan.eml into `dir`; returns
/// its bytes.
fn write_eml(
    s: &Settings,
    dir: &Path,
    w: &Written,
    report: &PlanReport,
    request: Option<&PlanRequest>,
) -> Result<Option<Vec<u8>>, Error> {
    let to = s.recipients();
    if to.is_empty() {
        return Ok(None);
    }
    let from = s.sender();
    let subject = email::subject(report, request, w.plan_start_day);
    let attachments: Vec<(&str, &[u8])> = w
        .charts
        .iter()
        .map(|c| (c.file_name, c.png.as_slice()))
        .collect();
    let eml = email::plan_eml(&email::Email {
        from: &from,
        to: &to,
        subject: &subject,
        date_day: w.plan_start_day,
        body: &w.summary,
        attachments: &attachments,
    })?;
    write_atomic(&dir.join(email::PLAN_EML), &eml)?;
    Ok(Some(eml))
}

/// With an SMTP server in the settings, send plan.eml.
fn send_eml(s: &Settings, eml: Option<&[u8]>, io: &mut Io<'_>) -> Result<(), Error> {
    let (Some(server), Some(eml)) = (s.smtp_server(), eml) else {
        return Ok(());
    };
    let credentials = email::credentials_from_env()?;
    io.clock.start("send");
    let to = s.recipients();
    email::send_eml(&server, credentials, &s.sender(), &to, eml)?;
    io.note(format_args!(
        "sent plan.eml to {} through {}:{} ({})",
        s.email_to.value.join(", "),
        server.host,
        server.port,
        server.tls.name()
    ));
    Ok(())
}

fn report_cmd(args: ReportArgs, io: &mut Io<'_>) -> Result<(), Error> {
    let data_args = DataArgs {
        data: None,
        config: args.config.clone(),
        columns: Vec::new(),
        skip_bad_rows: false,
        period: None,
    };
    let s = settings(&data_args, None, None, None, Some(&args.email))?;
    io.clock.start("read");
    // In place, a copy of the run is re-rendered and swapped in whole.
    let (dir, files) = match &args.out {
        Some(out) => {
            let files = RunFiles::read(&args.run_dir)?;
            (RunDir::begin(out, args.force, io.err)?, files)
        }
        None => {
            let dir = RunDir::update(&args.run_dir, io.err)?;
            (dir, RunFiles::read(&args.run_dir)?)
        }
    };
    io.clock.start("report");
    let input = files.input();
    let w = write_report(&dir, &input, &files.frontier, files.data.plan_start_day)?;
    let eml = write_eml(&s, &dir, &w, &files.report, Some(&files.data.request))?;
    dir.commit()?;
    io.note(format_args!(
        "wrote {}{} to {}",
        w.files.join(", "),
        if eml.is_some() { ", plan.eml" } else { "" },
        dir.display()
    ));
    send_eml(&s, eml.as_deref(), io)?;
    io.finish();
    Ok(())
}

/// The solves a request asks for: one per compared target or budget.
fn variants(s: &Settings) -> Vec<(Option<f64>, Option<f64>)> {
    let t = &s.targets.value;
    let b = &s.budgets_cny.value;
    if t.len() > 1 {
        t.iter().map(|&t| (Some(t), b.first().copied())).collect()
    } else if b.len() > 1 {
        b.iter().map(|&b| (t.first().copied(), Some(b))).collect()
    } else {
        vec![(t.first().copied(), b.first().copied())]
    }
}

/// Weeks `[run] backtest` checks.
const BACKTEST_WEEKS: usize = 8;

fn plan_cmd(command: &'static str, args: PlanArgs, io: &mut Io<'_>) -> Result<(), Error> {
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
    if s.targets.value.is_empty() && s.budgets_cny.value.is_empty() && room_targets.is_empty() {
        return Err(ConfigError::NoGoal.into());
    }
    let variants = variants(&s);
    let varied = if s.targets.value.len() > 1 {
        format!("target_{}", s.metric.value.unit())
    } else {
        "budget_cny".to_string()
    };

    let f = screen_and_fit(&s, args.data.skip_bad_rows, &args.out, args.force, io)?;
    io.clock.start("plan");
    let planner = Planner::new(&f, &s, room_targets, io.err)?;
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
    write_atomic(&f.dir.join("plan.csv"), &plan_csv(report))?;
    write_atomic(&f.dir.join("plan.json"), &plan_json(report))?;
    if whatif.len() > 1 {
        write_atomic(&f.dir.join("whatif.csv"), &whatif_csv(&whatif))?;
    }
    io.clock.start("report");
    let main_request = planner.request(variants[0].0, variants[0].1);
    let written = report_stage(&RunOutputs {
        dir: &f.dir,
        settings: &s,
        series: &f.set,
        fits: &f.fits,
        plan: report,
        whatif: &whatif,
        screen: &f.screened,
        request: &main_request,
        backtest: &f.backtest,
    })?;
    let eml = write_eml(&s, &f.dir, &written, report, Some(&main_request))?;
    finish_run(io, command, &f.dir, &f.input, f.rows(), &s)?;
    io.note(format_args!(
        "wrote plan.csv, plan.json, curves.csv, curves.json{}{}, {}{}, manifest.json to {}",
        if whatif.len() > 1 { ", whatif.csv" } else { "" },
        if f.backtest.is_empty() {
            ""
        } else {
            ", backtest.csv, backtest.png"
        },
        written.files.join(", "),
        if eml.is_some() { ", plan.eml" } else { "" },
        f.dir.display()
    ));
    let _ = match args.format {
        Format::Table => {
            let mut text = plan_table(report);
            if whatif.len() > 1 {
                text.push_str("\nwhat-if (the first row is the plan above):\n\n");
                text.push_str(&whatif_table(&whatif));
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
            limiting: summarise_list(&inf.limiting.iter().map(describe).collect::<Vec<_>>(), 5),
        }),
        None => Ok(()),
    }
}

/// `LOW..HIGH` with `steps` budgets, ends included.
pub fn budget_range(given: &str, steps: usize) -> Result<Vec<f64>, ConfigError> {
    let bad = |message: String| ConfigError::BadRange {
        given: given.to_string(),
        message,
    };
    let (lo, hi) = given
        .split_once("..")
        .ok_or_else(|| bad("not of the form LOW..HIGH".into()))?;
    let lo = parse_amount(lo).map_err(bad)?;
    let hi = parse_amount(hi).map_err(bad)?;
    if lo >= hi {
        return Err(bad(format!("low end {lo} is not below high end {hi}")));
    }
    if steps < 2 {
        return Err(bad(format!("--steps {steps}: need at least 2")));
    }
    Ok((0..steps)
        .map(|i| lo + (hi - lo) * i as f64 / (steps - 1) as f64)
        .collect())
}

fn frontier_cmd(args: FrontierArgs, io: &mut Io<'_>) -> Result<(), Error> {
    let s = settings(
        &args.data,
        Some(&args.curves),
        Some(&args.scenario),
        None,
        None,
    )?;
    let budgets = budget_range(&args.budgets, args.steps)?;
    let f = screen_and_fit(&s, args.data.skip_bad_rows, &args.out, args.force, io)?;
    io.clock.start("frontier");
    let planner = Planner::new(&f, &s, BTreeMap::new(), io.err)?;
    let mut rows = Vec::with_capacity(budgets.len());
    let mut reports = Vec::with_capacity(budgets.len());
    let base = planner.request(None, None);
    let plans = crate::plan::frontier(&base, &budgets, crate::plan::FrontierGoal::Request);
    for (&b, plan) in budgets.iter().zip(plans) {
        let r = planner.dress(plan?);
        rows.push(WhatIf::new("budget_cny".into(), b, &r));
        reports.push(r);
    }
    write_atomic(&f.dir.join("frontier.csv"), &whatif_csv(&rows))?;
    // The chart marks the middle budget's plan as "the plan".
    let mid = budgets.len() / 2;
    let request = planner.request(None, Some(budgets[mid]));
    let label = format!("{} budgets", budgets.len());
    let input = ChartInput {
        screen: Some(&f.screened),
        request: Some(&request),
        label: &label,
        ..ChartInput::new(&reports[mid], &f.fits, &f.set)
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
        &f.dir.join("frontier.png"),
        &frontier_png(&input, &frontier)?,
    )?;
    finish_run(io, "frontier", &f.dir, &f.input, f.rows(), &s)?;
    io.note(format_args!(
        "wrote frontier.csv, frontier.png, curves.csv, curves.json, manifest.json to {}",
        f.dir.display()
    ));
    let _ = match args.format {
        Format::Table => io.out.write_all(whatif_table(&rows).as_bytes()),
        Format::Json => {
            let mut bytes = serde_json::to_vec_pretty(&rows).expect("frontier serialises");
            bytes.push(b'\n');
            io.out.write_all(&bytes)
        }
    };
    Ok(())
}

fn config_cmd(args: ConfigArgs, io: &mut Io<'_>) -> Result<(), Error> {
    let s = settings(
        &args.data,
        Some(&args.curves),
        Some(&args.scenario),
        Some(&args.goal),
        Some(&args.email),
    )?;
    let _ = match args.format {
        Format::Table => io.out.write_all(s.table().as_bytes()),
        Format::Json => {
            let mut bytes = serde_json::to_vec_pretty(&s).expect("settings serialise");
            bytes.push(b'\n');
            io.out.write_all(&bytes)
        }
    };
    Ok(())
}

fn write_parquet(path: &Path, h: &crate::synth::History) -> Result<(), Error> {
    let mut df = crate::synth::rows_frame(&h.rooms, &h.rows, h.engagement)?;
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf).finish(&mut df)?;
    write_atomic(path, &buf)?;
    Ok(())
}

/// `gen --parquet-dir`: a partitioned history written one partition at a time.
fn gen_partitioned(
    opts: &GenOptions,
    dir: &Path,
    args: &GenArgs,
    err: &mut dyn Write,
) -> Result<(), Error> {
    if dir.is_dir() {
        let old = crate::load::parquet_files(dir)?;
        if !old.is_empty() && !args.force {
            return Err(crate::output::OutputError::Exists { path: dir.into() }.into());
        }
        for f in old {
            std::fs::remove_file(&f)
                .map_err(|source| crate::output::OutputError::Io { path: f, source })?;
        }
    }
    let mut write = |path: &Path, bytes: &[u8]| {
        write_atomic(path, bytes).map_err(|e| match e {
            crate::output::OutputError::Io { path, source } => {
                std::io::Error::new(source.kind(), format!("{}: {source}", path.display()))
            }
            other => std::io::Error::other(other.to_string()),
        })
    };
    let mut progress = |folder: &str, rows: usize| {
        let _ = writeln!(err, "wrote {folder}/part-0.parquet ({rows} rows)");
    };
    let (truth, rows) = crate::synth::write_partitioned(
        opts,
        dir,
        args.partition,
        args.rows_per_day as usize,
        &mut write,
        &mut progress,
    )
    .map_err(|e| std::io::Error::other(e.to_string()))
    .map_err(|source| crate::output::OutputError::Io {
        path: dir.into(),
        source,
    })?;
    let mut truth_json = serde_json::to_vec_pretty(&truth).expect("truth serialises");
    truth_json.push(b'\n');
    write_atomic(&dir.join("_truth.json"), &truth_json)?;
    let fake = crate::synth::History {
        rooms: Vec::new(),
        rows: Vec::new(),
        truth,
        engagement: opts.engagement,
    };
    write_atomic(&dir.join("_fake_rows.csv"), &fake.fake_rows_csv())?;
    let _ = writeln!(
        err,
        "wrote {rows} rows ({} rooms × {} channels × {} days × {} a day, {} daily rows with bot viewers) to {}",
        opts.rooms,
        crate::synth::CHANNELS.len(),
        opts.days,
        args.rows_per_day,
        fake.truth.fake_rows.len(),
        dir.display()
    );
    Ok(())
}

fn gen_cmd(args: GenArgs, err: &mut dyn Write) -> Result<(), Error> {
    for (flag, v, ok) in [
        ("--noise-sigma", args.noise_sigma, args.noise_sigma >= 0.0),
        ("--volume", args.volume, args.volume > 0.0),
        (
            "--fake-rate",
            args.fake_rate,
            (0.0..=1.0).contains(&args.fake_rate),
        ),
    ] {
        if !(v.is_finite() && ok) {
            return Err(ConfigError::BadGenOption {
                flag,
                given: v.to_string(),
            }
            .into());
        }
    }
    let opts = GenOptions {
        rooms: args.rooms,
        days: args.days,
        seed: args.seed,
        fake_rate: args.fake_rate,
        engagement: !args.no_engagement,
        noise_sigma: args.noise_sigma,
        noise: args.noise,
        counts: args.counts,
        volume: args.volume,
        drift: args.drift.then_some(crate::synth::Drift::TYPICAL),
        bot_lanes: args.bot_lanes,
        ..GenOptions::default()
    };
    if let Some(dir) = &args.parquet_dir {
        return gen_partitioned(&opts, dir, &args, err);
    }
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
