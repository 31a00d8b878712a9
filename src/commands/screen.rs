//! `acqplan screen`, and the screening every fitting command starts with.

use super::{Io, finish_run, load_history, run_dir, settings, write_files, write_rejected};
use crate::cli::{Format, ScreenArgs};
use crate::config::Settings;
use crate::error::Error;
use crate::output::RunDir;
use crate::pipeline::{self, History, Screened, Series, SeriesOptions};
use crate::screen::{FakeTraffic, ScreenOptions};

/// Screen `history` and write flagged_rows.csv / flagged_lanes.csv.
fn screen_into(
    history: History,
    options: &ScreenOptions,
    dir: &RunDir,
    io: &mut Io<'_>,
) -> Result<Screened, Error> {
    io.clock.start("screen");
    let mut messages = Vec::new();
    let screened = pipeline::screen(history, options, &mut messages)?;
    write_files(dir, &screened.files())?;
    io.say(&mut messages);
    Ok(screened)
}

/// Load → run folder → screen → series, writing rejected_rows.csv and the
/// flagged files (what `fit`, `plan` and `backtest` share before fitting).
/// `doing` names the next step in the progress note ("fitting").
pub(super) fn series_stage(
    s: &Settings,
    skip_bad_rows: bool,
    out_dir: &Option<std::path::PathBuf>,
    force: bool,
    io: &mut Io<'_>,
    doing: &str,
) -> Result<(Series, RunDir), Error> {
    // Refuse an occupied folder before any work.
    let dir = RunDir::begin(&run_dir(out_dir, s), force, io.err)?;
    let history = load_history(s, skip_bad_rows, io)?;
    history.check_horizon(s.horizon_days.value)?;
    write_rejected(&history, &dir, io)?;
    let options = ScreenOptions {
        policy: s.fake_traffic.value,
        ..ScreenOptions::default()
    };
    let screened = screen_into(history, &options, &dir, io)?;
    io.clock.start("fit");
    let mut messages = Vec::new();
    let series = pipeline::series(screened, series_options(s), &mut messages);
    let series = io.after(series, &mut messages)?;
    io.say_one(series.note(doing));
    Ok((series, dir))
}

/// How the settings cut and fit the series.
fn series_options(s: &Settings) -> SeriesOptions {
    use crate::cli::By;
    use crate::curves::stage::Granularity;
    SeriesOptions {
        by: s.by.value.map(|b| match b {
            By::Channel => Granularity::Channel,
            By::RoomChannel => Granularity::RoomChannel,
        }),
        caps_viewers_per_day: s.caps(),
        recency: s.half_life.value.recency(),
        within_period: s.within_period.value,
        horizon_days: s.horizon_days.value,
        calendar: s.calendar.clone(),
    }
}

pub(super) fn screen_cmd(args: ScreenArgs, io: &mut Io<'_>) -> Result<(), Error> {
    let s = settings(&args.data, None, None, None, Some(&args.lang.email_args()))?;
    let dir = RunDir::begin(&run_dir(&args.out, &s), args.force, io.err)?;
    let history = load_history(&s, args.data.skip_bad_rows, io)?;
    write_rejected(&history, &dir, io)?;
    let options = ScreenOptions {
        policy: FakeTraffic::Flag,
        threshold: args.threshold,
    };
    let screened = screen_into(history, &options, &dir, io)?;
    let (r, rows) = (&screened.result, screened.history.loaded.data.len());
    finish_run(
        io,
        "screen",
        &dir,
        &screened.history.input,
        screened.rows(),
        &s,
    )?;
    let text = match args.format {
        Format::Table => {
            let w = crate::report::i18n::words(s.lang.value);
            let signals = (!r.signals.is_empty()).then(|| r.signals_text());
            let mut t = w.screen_head(r.flagged_count(), rows, signals.as_deref());
            t.push_str("\n\n");
            for c in &r.channels {
                t.push_str(&w.screen_channel(
                    &c.channel,
                    c.rows_flagged,
                    c.rows,
                    c.cost_per_viewer_before_cny,
                    c.cost_per_viewer_after_cny,
                ));
                t.push('\n');
            }
            t
        }
        Format::Json => {
            serde_json::to_string_pretty(&serde_json::json!({
                "rows": rows,
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
