//! What each subcommand does. The binary only parses flags and maps errors.

use std::io::Write;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::cli::{Command, DataArgs, Format, GenArgs, ValidateArgs};
use crate::config::{ConfigError, column_map, read_file_config};
use crate::error::Error;
use crate::load::{LoadOptions, Loaded, load};
use crate::output::{default_run_dir, prepare_run_dir, today, write_atomic};
use crate::report::{rejected_rows_csv, summary::summarise};
use crate::synth::{GenOptions, Headers, generate};

/// Run one command; tables go to `out`, messages to `err`.
pub fn run(command: Command, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Error> {
    match command {
        Command::Validate(args) => validate(args, out, err),
        Command::Gen(args) => gen_cmd(args, err),
    }
}

/// Load the history named by flags or config, reporting skipped rows.
fn load_history(args: &DataArgs) -> Result<(Loaded, Option<PathBuf>), Error> {
    let (file_cfg, _) = read_file_config(args.config.as_deref())?;
    let path = args
        .data
        .clone()
        .or(file_cfg.data.clone())
        .ok_or(ConfigError::NoData)?;
    let opts = LoadOptions {
        columns: column_map(&file_cfg, &args.columns)?,
        skip_bad_rows: args.skip_bad_rows,
    };
    Ok((load(&path, &opts)?, file_cfg.out_root))
}

fn validate(args: ValidateArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Error> {
    let (loaded, out_root) = load_history(&args.data)?;
    if !loaded.rejected.is_empty() {
        let dir = args.out.clone().unwrap_or_else(|| {
            default_run_dir(&out_root.unwrap_or_else(|| "reports".into()), today())
        });
        prepare_run_dir(&dir, args.force)?;
        let path = dir.join("rejected_rows.csv");
        write_atomic(&path, &rejected_rows_csv(&loaded.rejected))?;
        let _ = writeln!(
            err,
            "warning: skipped {} of {} rows with defects; each is in {}",
            loaded.rejected.len(),
            loaded.rows_read,
            path.display()
        );
    }
    let summary = summarise(&loaded.data)?;
    let text = match args.format {
        Format::Table => summary.render(),
        Format::Json => serde_json::to_string_pretty(&summary).expect("summary serialises") + "\n",
    };
    let _ = out.write_all(text.as_bytes());
    Ok(())
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
