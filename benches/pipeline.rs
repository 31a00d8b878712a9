//! Criterion benchmarks of the weekly batch's stages (load, screen, fit,
//! plan) on history made in-process by the crate's generator.
//!
//! Sizes (8 channels each):
//!
//! | size   | rooms × days | rows      | curves |
//! |--------|--------------|-----------|--------|
//! | small  | 3 × 240      | 5,760     | 24     |
//! | medium | 50 × 365     | 146,000   | 400    |
//! | large  | 500 × 730    | 2,920,000 | 4,000  |
//!
//! `small` is the shipped sample (`acqplan gen --sample`). `large` takes
//! minutes and about 1.5 GB, so it runs only with `ACQPLAN_BENCH_LARGE=1`.
//!
//! ```text
//! cargo bench --bench pipeline                     # small and medium
//! cargo bench --bench pipeline -- fit              # one stage
//! ACQPLAN_BENCH_LARGE=1 cargo bench --bench pipeline -- /large
//! ```
//!
//! Each group takes 10 samples after a 1 s warm-up, so all of them finish
//! in a few minutes. `cargo test` does not build this target (bench targets
//! default to `test = false`); `cargo test --benches` runs each benchmark
//! once.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{
    BenchmarkGroup, Criterion, criterion_group, criterion_main, measurement::WallTime,
};
use polars::prelude::*;

use acqplan::curves::stage::{extract_series, fit_set};
use acqplan::load::LoadOptions;
use acqplan::pipeline::{self, Fitted, History, PlanSettings, Planner, SeriesOptions};
use acqplan::plan::{ChannelLimits, PlanRequest, solve};
use acqplan::screen::{ScreenOptions, screen};
use acqplan::synth::{CHANNELS, GenOptions, Headers, generate};
use acqplan::validate::period::PeriodChoice;

/// One generated history, on disk, and carried through the pipeline's
/// stages as `acqplan run` carries it (per room × channel).
struct Fixture {
    name: &'static str,
    csv: PathBuf,
    parquet: PathBuf,
    /// Loaded, screened, cut into series and fitted.
    fitted: Fitted,
    _dir: tempfile::TempDir,
}

impl Fixture {
    /// The history as loaded (what `screen` takes).
    fn history(&self) -> &History {
        &self.fitted.series.screened.history
    }
}

/// The history as a typed frame (dates as Date), as `acqplan gen --parquet`
/// writes it.
fn history_frame(h: &acqplan::synth::History) -> PolarsResult<DataFrame> {
    let col_f = |name: &str, f: &dyn Fn(&acqplan::synth::Row) -> f64| {
        Column::new(name.into(), h.rows.iter().map(f).collect::<Vec<f64>>())
    };
    let date = Int32Chunked::from_vec("date".into(), h.rows.iter().map(|r| r.date).collect())
        .into_date()
        .into_series()
        .into_column();
    let room: Vec<&str> = h.rows.iter().map(|r| h.rooms[r.room].as_str()).collect();
    let channel: Vec<&str> = h.rows.iter().map(|r| CHANNELS[r.channel].id).collect();
    let cols = vec![
        date,
        Column::new("room".into(), room),
        Column::new("channel".into(), channel),
        col_f("spend", &|r| r.spend),
        col_f("viewers", &|r| r.viewers),
        col_f("impressions", &|r| r.impressions),
        col_f("orders", &|r| r.orders),
        col_f("gmv", &|r| r.gmv),
        col_f("avg_watch_seconds", &|r| r.avg_watch_seconds),
        col_f("comments", &|r| r.comments),
    ];
    DataFrame::new(h.rows.len(), cols)
}

fn fixture(name: &'static str, rooms: usize, days: usize) -> Fixture {
    let dir = tempfile::tempdir().expect("temporary folder");
    let csv = dir.path().join("history.csv");
    let parquet = dir.path().join("history.parquet");
    {
        let h = generate(&GenOptions {
            rooms,
            days,
            ..GenOptions::default()
        });
        std::fs::write(&csv, h.to_csv(Headers::English)).expect("write CSV");
        let mut df = history_frame(&h).expect("history frame");
        let file = std::fs::File::create(&parquet).expect("create Parquet");
        ParquetWriter::new(file)
            .finish(&mut df)
            .expect("write Parquet");
    }
    let mut messages = Vec::new();
    let history = load_history(&parquet);
    let screened =
        pipeline::screen(history, &ScreenOptions::default(), &mut messages).expect("screen");
    let options = SeriesOptions {
        horizon_days: HORIZON_DAYS,
        ..SeriesOptions::default()
    };
    let series = pipeline::series(screened, options, &mut messages).expect("series");
    let fitted = pipeline::fit(series, &mut messages).expect("fit");
    eprintln!(
        "{name}: {rooms} rooms × {days} days, {} rows, {} curves",
        fitted.series.screened.history.loaded.data.len(),
        fitted.series.set.len()
    );
    Fixture {
        name,
        csv,
        parquet,
        fitted,
        _dir: dir,
    }
}

/// Days planned.
const HORIZON_DAYS: usize = 7;

fn load_history(path: &Path) -> History {
    let mut messages = Vec::new();
    pipeline::load(
        path,
        &LoadOptions::default(),
        PeriodChoice::Auto,
        &mut messages,
    )
    .expect("load")
}

/// small and medium always; large with `ACQPLAN_BENCH_LARGE=1`.
fn fixtures() -> Vec<Fixture> {
    let mut v = vec![fixture("small", 3, 240), fixture("medium", 50, 365)];
    if std::env::var_os("ACQPLAN_BENCH_LARGE").is_some_and(|v| v != "0") {
        v.push(fixture("large", 500, 730));
    }
    v
}

fn configure(g: &mut BenchmarkGroup<'_, WallTime>) {
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
}

/// The planning request `acqplan run` would solve: the cheapest plan for the
/// viewers of the last 7 days of history, over 7 days. With
/// `max_share_qianchuan`, Douyin Qianchuan may take at most that share of
/// the spend, which sends the plan through the LP (clarabel) instead of the
/// exact greedy fill.
fn plan_request(f: &Fixture, max_share_qianchuan: Option<f64>) -> PlanRequest {
    let mut channels = BTreeMap::new();
    if let Some(share) = max_share_qianchuan {
        channels.insert(
            "douyin_qianchuan".to_string(),
            ChannelLimits {
                max_share: Some(share),
                ..ChannelLimits::default()
            },
        );
    }
    let settings = PlanSettings {
        horizon_days: HORIZON_DAYS,
        channels,
        max_extrapolation: acqplan::plan::SegmentOptions::default().history_multiple,
        ..PlanSettings::default()
    };
    let planner = Planner::new(&f.fitted, settings, &mut Vec::new()).expect("planner");
    let target = planner.last_horizon_viewers();
    planner.request(Some(target), None)
}

fn benches(c: &mut Criterion) {
    let fixtures = fixtures();

    let mut g = c.benchmark_group("load");
    configure(&mut g);
    for f in &fixtures {
        g.bench_function(format!("csv/{}", f.name), |b| {
            b.iter(|| load_history(black_box(&f.csv)))
        });
        g.bench_function(format!("parquet/{}", f.name), |b| {
            b.iter(|| load_history(black_box(&f.parquet)))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("screen");
    configure(&mut g);
    for f in &fixtures {
        g.bench_function(f.name, |b| {
            b.iter(|| {
                screen(
                    black_box(&f.history().loaded.data),
                    &ScreenOptions::default(),
                )
                .expect("screen")
            })
        });
    }
    g.finish();

    // Series extraction and every room × channel fit with model choice,
    // bands and pooled priors (the fit stage without the screening-impact
    // refit).
    let mut g = c.benchmark_group("fit");
    configure(&mut g);
    for f in &fixtures {
        g.bench_function(f.name, |b| {
            b.iter(|| {
                let series = &f.fitted.series;
                let set = extract_series(black_box(&series.data), series.by).expect("series");
                fit_set(&set, &series.options)
            })
        });
    }
    g.finish();

    // Segmenting every curve and solving for one total target: the greedy
    // fill (`target`), and the LP with a binding channel share
    // (`target_max_share`).
    let mut g = c.benchmark_group("plan");
    configure(&mut g);
    for f in &fixtures {
        let req = plan_request(f, None);
        g.bench_function(format!("target/{}", f.name), |b| {
            b.iter(|| solve(black_box(&req)).expect("plan"))
        });
        let req = plan_request(f, Some(0.2));
        g.bench_function(format!("target_max_share/{}", f.name), |b| {
            b.iter(|| solve(black_box(&req)).expect("plan"))
        });
    }
    g.finish();
}

criterion_group!(pipeline, benches);
criterion_main!(pipeline);
