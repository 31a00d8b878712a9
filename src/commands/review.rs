//! `acqplan review`: a run's plan against what happened.

use super::{Io, finish_run, load_history, settings, write_files, write_rejected};
use crate::cli::{Format, ReviewArgs};
use crate::error::Error;
use crate::output::RunDir;
use crate::pipeline;
use crate::report::i18n::LastWeekFigures;
use crate::report::run_files::RunFiles;
use crate::screen::{FakeTraffic, ScreenOptions, ScreenResult};

pub(super) fn review_cmd(args: ReviewArgs, io: &mut Io<'_>) -> Result<(), Error> {
    let s = settings(&args.data, None, None, None, Some(&args.lang.email_args()))?;
    io.clock.start("read");
    let run = RunFiles::read(&args.plan)?;
    let out = args.out.clone().unwrap_or_else(|| {
        let name = args
            .plan
            .file_name()
            .map_or("run".into(), |n| n.to_string_lossy().to_string());
        args.plan.with_file_name(format!("{name}-review"))
    });
    let policy = args.fake_traffic.unwrap_or_else(|| run_policy(&args.plan));
    let dir = RunDir::begin(&out, args.force, io.err)?;
    let history = load_history(&s, args.data.skip_bad_rows, io)?;
    write_rejected(&history, &dir, io)?;
    io.clock.start("screen");
    let mut messages = Vec::new();
    let screened = pipeline::screen(
        history,
        &ScreenOptions {
            policy,
            ..ScreenOptions::default()
        },
        &mut messages,
    )?;
    io.say(&mut messages);
    io.clock.start("review");
    // Flagged rows leave the actual viewers only when the curves left
    // them out too (`exclude`).
    let flagged = flagged_left_out(&screened.result, screened.result.policy);
    let review = crate::review::review(&run, &screened.history.loaded.data, &flagged)?;
    io.clock.start("report");
    write_files(
        &dir,
        &[
            ("review.csv", review.csv()),
            (
                "review.png",
                crate::report::charts::review_png(&review, s.lang.value)?,
            ),
        ],
    )?;
    finish_run(
        io,
        "review",
        &dir,
        &screened.history.input,
        screened.rows(),
        &s,
    )?;
    io.note(format_args!(
        "wrote review.csv, review.png, manifest.json to {}",
        dir.display()
    ));
    let text = match args.format {
        Format::Table => review.table(s.lang.value),
        Format::Json => {
            let mut v = serde_json::to_value(&review).expect("review serialises");
            v["headline"] = review.headline().into();
            v["split"] = review.split_line().into();
            serde_json::to_string_pretty(&v).expect("review serialises") + "\n"
        }
    };
    let _ = io.out.write_all(text.as_bytes());
    Ok(())
}

/// The fake-traffic policy the run planned with (its manifest's settings),
/// else the default.
/// The screening result whose flagged rows leave the actual viewers: all
/// of them when the run's curves left them out too (`exclude`), none
/// otherwise.
fn flagged_left_out(
    result: &ScreenResult,
    policy: FakeTraffic,
) -> std::borrow::Cow<'_, ScreenResult> {
    match policy {
        FakeTraffic::Exclude => std::borrow::Cow::Borrowed(result),
        _ => std::borrow::Cow::Owned(ScreenResult {
            flagged_rows: Vec::new(),
            ..result.clone()
        }),
    }
}

fn run_policy(run_dir: &std::path::Path) -> FakeTraffic {
    let text = std::fs::read(run_dir.join("manifest.json")).unwrap_or_default();
    let value: serde_json::Value = serde_json::from_slice(&text).unwrap_or_default();
    match value["config"]["fake_traffic"]["value"].as_str() {
        Some("flag") => FakeTraffic::Flag,
        Some("off") => FakeTraffic::Off,
        _ => FakeTraffic::Exclude,
    }
}

/// The head of a run's chart_data.json: when its plan starts.
#[derive(serde::Deserialize)]
struct RunHead {
    plan_start_day: i32,
}

/// Inside `run`: the latest earlier run folder under `out_root` (the one
/// whose plan starts last before this run's; of several, the last by
/// name), reviewed against the
/// history this run read. Writes review.csv and review.png into `dir`;
/// returns the review as figures for summary.txt, summary.png and the
/// email (`None` when there is no such run; a run that cannot be reviewed
/// is a warning).
pub(super) fn review_last_week(
    out_root: &std::path::Path,
    dir: &RunDir,
    screened: &crate::pipeline::Screened,
    plan_start_day: i32,
    lang: crate::lang::Lang,
    io: &mut Io<'_>,
) -> Result<Option<LastWeekFigures>, Error> {
    let this = dir.final_path();
    let Ok(entries) = std::fs::read_dir(out_root) else {
        return Ok(None);
    };
    let mut best: Option<(i32, std::path::PathBuf)> = None;
    let mut names: Vec<std::path::PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    names.sort();
    for path in names {
        let name = path.file_name().map(|n| n.to_string_lossy().to_string());
        if name
            .as_deref()
            .is_none_or(|n| n.starts_with('.') || n.ends_with("-review"))
            || path.file_name() == this.file_name()
        {
            continue;
        }
        let Ok(bytes) = std::fs::read(path.join(crate::report::run_files::CHART_DATA_JSON)) else {
            continue;
        };
        let Ok(head) = serde_json::from_slice::<RunHead>(&bytes) else {
            continue;
        };
        if head.plan_start_day < plan_start_day
            && best.as_ref().is_none_or(|b| head.plan_start_day >= b.0)
        {
            best = Some((head.plan_start_day, path));
        }
    }
    let Some((_, prev)) = best else {
        return Ok(None);
    };
    let run = match RunFiles::read(&prev) {
        Ok(r) => r,
        Err(e) => {
            io.say_one(crate::pipeline::Message::Warning(format!(
                "last week's run {} was not reviewed: {e}",
                prev.display()
            )));
            return Ok(None);
        }
    };
    let flagged = flagged_left_out(&screened.result, run_policy(&prev));
    let review = match crate::review::review(&run, &screened.history.loaded.data, &flagged) {
        Ok(r) => r,
        Err(e) => {
            io.say_one(crate::pipeline::Message::Warning(format!(
                "last week's run {} was not reviewed: {e}",
                prev.display()
            )));
            return Ok(None);
        }
    };
    write_files(
        dir,
        &[
            ("review.csv", review.csv()),
            (
                "review.png",
                crate::report::charts::review_png(&review, lang)?,
            ),
        ],
    )?;
    let name = prev
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().to_string());
    let figures = last_week_figures(&review, &name);
    io.say_one(crate::pipeline::Message::Notice(format!(
        "last week: {}",
        figures.lines(crate::lang::Lang::En)[0]
    )));
    Ok(Some(figures))
}

/// A review's totals as the report words them.
pub(super) fn last_week_figures(review: &crate::review::Review, run: &str) -> LastWeekFigures {
    review.figures(run)
}
