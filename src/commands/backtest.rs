//! `acqplan backtest`, and the backtest files a run can add.

use super::screen::series_stage;
use super::{Io, finish_run, settings};
use crate::backtest::Backtest;
use crate::cli::{BacktestArgs, Format};
use crate::error::Error;
use crate::output::{RunDir, write_atomic};
use crate::pipeline::Message;

/// Weeks `[run] backtest` checks.
pub(super) const BACKTEST_WEEKS: usize = 8;

/// backtest.csv and backtest.png into the run, a warning per channel the
/// naive rule predicted better (stderr, English); returns those channels'
/// lines in `lang` (for summary.txt).
pub(super) fn write_backtest(
    b: &Backtest,
    dir: &RunDir,
    lang: crate::lang::Lang,
    io: &mut Io<'_>,
) -> Result<Vec<String>, Error> {
    write_atomic(&dir.join("backtest.csv"), &b.csv())?;
    write_atomic(
        &dir.join("backtest.png"),
        &crate::report::charts::backtest_png(b, lang)?,
    )?;
    for line in &b.losing_channels() {
        io.say_one(Message::Warning(format!(
            "the naive rule predicted better than the curves on {line}"
        )));
    }
    Ok(b.losing_channels_in(lang))
}

pub(super) fn backtest_cmd(args: BacktestArgs, io: &mut Io<'_>) -> Result<(), Error> {
    let s = settings(
        &args.data,
        Some(&args.curves),
        None,
        None,
        Some(&args.lang.email_args()),
    )?;
    let (series, dir) = series_stage(
        &s,
        args.data.skip_bad_rows,
        &args.out,
        args.force,
        io,
        "backtesting",
    )?;
    io.clock.start("backtest");
    let b = series.backtest(args.weeks as usize);
    io.clock.start("report");
    write_backtest(&b, &dir, s.lang.value, io)?;
    finish_run(
        io,
        "backtest",
        &dir,
        &series.screened.history.input,
        series.rows(),
        &s,
    )?;
    io.note(format_args!(
        "wrote backtest.csv, backtest.png, manifest.json to {}",
        dir.display()
    ));
    let text = match args.format {
        Format::Table => b.table(s.lang.value),
        Format::Json => {
            serde_json::to_string_pretty(&serde_json::json!({
                "weeks": b.weeks,
                "week_starts": b.week_starts.iter().map(|&d| crate::contract::calendar::format_date(d)).collect::<Vec<_>>(),
                "methods": crate::backtest::METHODS,
                "total": b.total,
                "channels": b.channels,
                "lane_weeks_without_curve": b.lane_weeks_without_curve,
                "orders": b.conversions.as_ref().and_then(|c| c.orders.as_ref()),
                "gmv": b.conversions.as_ref().and_then(|c| c.gmv.as_ref()),
                "channels_orders_gmv": b.conversions.as_ref().map(|c| &c.channels),
                "headline": b.headline(),
            }))
            .expect("backtest serialises")
                + "\n"
        }
    };
    let _ = io.out.write_all(text.as_bytes());
    Ok(())
}
