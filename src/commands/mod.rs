//! What each subcommand does: turn the settings into [`crate::pipeline`]
//! calls, write the bytes into the run folder, print tables and messages.
//! The binary only parses flags, draws progress and maps errors.

mod backtest;
mod fit;
mod gen_data;
mod plan;
mod report;
mod review;
mod screen;
mod show_config;
mod store;
mod validate;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::{Command, CurveArgs, DataArgs, EmailArgs, GoalArgs, ScenarioArgs};
use crate::config::{ConfigError, Settings, read_file_config};
use crate::error::Error;
use crate::load::LoadOptions;
use crate::output::manifest::{InputInfo, RowCounts, StageClock, write_manifest};
use crate::output::progress::{NoProgress, Progress};
use crate::output::{RunDir, default_run_dir, today, write_atomic};
use crate::pipeline::{self, History, Message, Messages};

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
        Command::Validate(args) => validate::validate(args, &mut io),
        Command::Gen(args) => gen_data::gen_cmd(args, io.err),
        Command::Fit(args) => fit::fit(args, &mut io),
        Command::Screen(args) => screen::screen_cmd(args, &mut io),
        Command::Plan(args) => plan::plan_cmd("plan", args, &mut io),
        Command::Run(args) => plan::plan_cmd("run", args, &mut io),
        Command::Frontier(args) => plan::frontier_cmd(args, &mut io),
        Command::Config(args) => show_config::config_cmd(args, &mut io),
        Command::Report(args) => report::report_cmd(args, &mut io),
        Command::Backtest(args) => backtest::backtest_cmd(args, &mut io),
        Command::Ingest(args) => store::ingest_cmd(args, &mut io),
        Command::Review(args) => review::review_cmd(args, &mut io),
        Command::Store(args) => store::store_cmd(args, &mut io),
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

    /// Print the stages' messages in order (notes not under `--quiet`).
    fn say(&mut self, messages: &mut Messages) {
        for m in messages.drain(..) {
            let _ = match m {
                Message::Warning(text) => writeln!(self.err, "warning: {text}"),
                Message::Notice(text) => writeln!(self.err, "{text}"),
                Message::Note(text) if !self.globals.quiet => writeln!(self.err, "{text}"),
                Message::Note(_) => Ok(()),
            };
        }
    }

    /// Print one message.
    fn say_one(&mut self, message: Message) {
        self.say(&mut vec![message]);
    }

    /// Print what a stage said, then pass on its result.
    fn after<T>(&mut self, result: Result<T, Error>, messages: &mut Messages) -> Result<T, Error> {
        self.say(messages);
        result
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
    curves: Option<&CurveArgs>,
    scenario: Option<&ScenarioArgs>,
    goal: Option<&GoalArgs>,
    email: Option<&EmailArgs>,
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

/// Load the history the settings name (the `load` stage).
fn load_history(s: &Settings, skip_bad_rows: bool, io: &mut Io<'_>) -> Result<History, Error> {
    let path = s.data.value.clone().ok_or(ConfigError::NoData)?;
    io.clock.start("load");
    let options = LoadOptions {
        skip_bad_rows,
        ..s.load_options()
    };
    let mut messages = Vec::new();
    let history = pipeline::load(&path, &options, s.period.value, &mut messages);
    io.after(history, &mut messages)
}

/// The run folder: `--out`, else `<out_root>/<ISO year-week>`.
fn run_dir(out: &Option<PathBuf>, s: &Settings) -> PathBuf {
    out.clone()
        .unwrap_or_else(|| default_run_dir(&s.out_root.value, today()))
}

/// Write (file name, bytes) pairs into `dir`, each atomically.
fn write_files<B: AsRef<[u8]>>(dir: &Path, files: &[(&str, B)]) -> Result<(), Error> {
    for (name, bytes) in files {
        write_atomic(&dir.join(name), bytes.as_ref())?;
    }
    Ok(())
}

/// Write rejected_rows.csv into the run if rows were skipped.
fn write_rejected(history: &History, dir: &RunDir, io: &mut Io<'_>) -> Result<(), Error> {
    let Some(csv) = history.rejected_rows_csv() else {
        return Ok(());
    };
    write_atomic(&dir.join("rejected_rows.csv"), &csv)?;
    io.say_one(history.rejected_warning(&dir.final_path().join("rejected_rows.csv")));
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
