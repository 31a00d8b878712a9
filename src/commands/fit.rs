//! `acqplan fit`, and the fit every planning command starts with.

use std::path::PathBuf;

use super::backtest::{BACKTEST_WEEKS, write_backtest};
use super::screen::series_stage;
use super::{Io, finish_run, settings};
use crate::cli::{FitArgs, Format};
use crate::config::Settings;
use crate::error::Error;
use crate::output::{RunDir, write_atomic};
use crate::pipeline::{self, Fitted, ScreeningImpact};

/// A history fitted into its run folder.
pub(super) struct FittedRun {
    /// The curves and everything before them.
    pub fitted: Fitted,
    /// The run folder being written.
    pub dir: RunDir,
    /// The backtest in words (headline, then channels lost to the naive
    /// rule); empty unless `[run] backtest`.
    pub backtest: Vec<String>,
}

/// Load → run folder → screen → fit, writing rejected_rows.csv,
/// flagged_rows.csv, screening_impact.csv, (with `[run] backtest`)
/// backtest.csv/png, curves.csv and curves.json into the run folder.
pub(super) fn fit_stage(
    s: &Settings,
    skip_bad_rows: bool,
    out_dir: &Option<PathBuf>,
    force: bool,
    io: &mut Io<'_>,
) -> Result<FittedRun, Error> {
    let (series, dir) = series_stage(s, skip_bad_rows, out_dir, force, io, "fitting")?;
    let mut messages = Vec::new();
    let fitted = pipeline::fit(series, &mut messages)?;
    if let Some(impact) = &fitted.impact {
        write_atomic(
            &dir.join("screening_impact.csv"),
            &ScreeningImpact::csv(impact),
        )?;
    }
    io.say(&mut messages);
    // `[run] backtest` / `--backtest`: the curves checked on the last 8
    // weeks, fitted the same way (what `acqplan backtest` does).
    let backtest = if s.backtest.value {
        io.clock.start("backtest");
        let b = fitted.series.backtest(BACKTEST_WEEKS);
        let lost = write_backtest(&b, &dir, s.lang.value, io)?;
        io.note(format_args!("{}", b.headline()));
        std::iter::once(b.headline_in(s.lang.value))
            .chain(lost)
            .collect()
    } else {
        Vec::new()
    };
    let file = fitted.curves_file();
    write_atomic(&dir.join("curves.csv"), &file.csv())?;
    write_atomic(&dir.join("curves.json"), &file.json())?;
    if let Some(w) = Fitted::unusable_warning(&file) {
        io.say_one(w);
    }
    Ok(FittedRun {
        fitted,
        dir,
        backtest,
    })
}

impl FittedRun {
    /// End the run: manifest.json with the row counts, then the folder
    /// put in place.
    pub fn finish(
        &self,
        io: &mut Io<'_>,
        command: &'static str,
        s: &Settings,
    ) -> Result<(), Error> {
        let f = &self.fitted;
        finish_run(
            io,
            command,
            &self.dir,
            &f.series.screened.history.input,
            f.rows(),
            s,
        )
    }
}

pub(super) fn fit(args: FitArgs, io: &mut Io<'_>) -> Result<(), Error> {
    let s = settings(
        &args.data,
        Some(&args.curves),
        None,
        None,
        Some(&args.lang.email_args()),
    )?;
    let run = fit_stage(&s, args.data.skip_bad_rows, &args.out, args.force, io)?;
    let f = &run.fitted;
    run.finish(io, "fit", &s)?;
    io.note(format_args!(
        "wrote curves.csv, curves.json, manifest.json to {}",
        run.dir.display()
    ));
    let file = f.curves_file();
    let _ = match args.format {
        Format::Table => io.out.write_all(file.table(s.lang.value).as_bytes()),
        Format::Json => io.out.write_all(&file.json()),
    };
    Ok(())
}
