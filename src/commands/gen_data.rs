//! `acqplan gen`: synthetic history from known curves.

use std::io::Write;
use std::path::Path;

use polars::prelude::*;

use crate::cli::GenArgs;
use crate::config::ConfigError;
use crate::error::Error;
use crate::output::write_atomic;
use crate::synth::{GenOptions, Headers, generate};

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

pub(super) fn gen_cmd(args: GenArgs, err: &mut dyn Write) -> Result<(), Error> {
    for (flag, v, ok) in [
        ("--noise-sigma", args.noise_sigma, args.noise_sigma >= 0.0),
        ("--volume", args.volume, args.volume > 0.0),
        (
            "--fake-rate",
            args.fake_rate,
            (0.0..=1.0).contains(&args.fake_rate),
        ),
        (
            "--spend-persistence",
            args.spend_persistence,
            (0.0..1.0).contains(&args.spend_persistence),
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
        spend_persistence: args.spend_persistence,
        flat_weeks: args.flat_weeks,
        promotions: args.promotion.clone(),
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
        // The same history as weekly console exports (`acqplan ingest`).
        for (name, bytes) in h.weekly_exports() {
            write_atomic(&dir.join(name), &bytes)?;
        }
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
