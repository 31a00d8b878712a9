//! `--data DIR`: a folder of (hive-partitioned) Parquet files, read with
//! polars' streaming engine and summed to daily rows.

use std::path::{Path, PathBuf};

use acqplan::load::{LoadError, LoadOptions, load};
use acqplan::synth::{GenOptions, Partition, generate, rows_frame, write_partitioned};
use polars::prelude::*;

use crate::common::acqplan_args as acqplan;

fn opts(rooms: usize, days: usize) -> GenOptions {
    GenOptions {
        rooms,
        days,
        ..GenOptions::default()
    }
}

/// The history of `o` as hive folders under `dir`, split into
/// `rows_per_day` rows per date × room × channel.
fn write_folder(o: &GenOptions, dir: &Path, rows_per_day: usize) -> usize {
    let mut write = |p: &Path, bytes: &[u8]| {
        std::fs::create_dir_all(p.parent().unwrap())?;
        std::fs::write(p, bytes)
    };
    let (_, rows) = write_partitioned(
        o,
        dir,
        Partition::Month,
        rows_per_day,
        &mut write,
        &mut |_, _| {},
    )
    .unwrap();
    rows
}

fn write_frame(path: &Path, df: &mut DataFrame) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let f = std::fs::File::create(path).unwrap();
    ParquetWriter::new(f).finish(df).unwrap();
}

fn read_frame(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn without_line(df: &DataFrame) -> DataFrame {
    df.drop("line").unwrap()
}

#[test]
fn a_folder_gives_the_same_data_curves_and_plan_as_one_file() {
    let tmp = tempfile::tempdir().unwrap();
    let o = opts(3, 120);
    let h = generate(&o);
    let one = tmp.path().join("one.parquet");
    write_frame(&one, &mut rows_frame(&h.rooms, &h.rows, true).unwrap());
    let hive = tmp.path().join("hive");
    assert_eq!(write_folder(&o, &hive, 1), h.rows.len());
    // 2026-03-01 + 120 days: March to June.
    for m in ["03", "04", "05", "06"] {
        assert!(
            hive.join(format!("month=2026-{m}/part-0.parquet"))
                .is_file()
        );
    }

    let a = load(&one, &LoadOptions::default()).unwrap();
    let b = load(&hive, &LoadOptions::default()).unwrap();
    assert!(a.partitioned.is_none());
    let p = b.partitioned.unwrap();
    assert_eq!((p.files, p.raw_rows, p.daily_rows), (4, 2880, 2880));
    assert_eq!(b.rows_read, 2880);
    assert_eq!(
        a.data.frame().get_column_names(),
        b.data.frame().get_column_names()
    );
    assert!(
        without_line(a.data.frame()).equals_missing(&without_line(b.data.frame())),
        "{}\n{}",
        a.data.frame(),
        b.data.frame()
    );
    // `line` is the row in the partition file: April starts again at 1.
    let lines = b
        .data
        .frame()
        .column("line")
        .unwrap()
        .u64()
        .unwrap()
        .clone();
    let first_april = 31 * 3 * 8;
    assert_eq!(lines.get(0), Some(1));
    assert_eq!(lines.get(first_april - 1), Some(first_april as u64));
    assert_eq!(lines.get(first_april), Some(1));

    let run = |data: &Path, out: &str| {
        let out = tmp.path().join(out);
        let (code, stdout, stderr) = acqplan(&[
            "plan",
            "--data",
            s(data),
            "--budget",
            "40万",
            "--horizon-days",
            "7",
            "--out",
            s(&out),
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{stderr}");
        (out, stdout, stderr)
    };
    let (out_a, json_a, _) = run(&one, "a");
    let (out_b, json_b, err_b) = run(&hive, "b");
    assert!(
        err_b.contains("read 2880 rows from 4 Parquet files") && err_b.contains("2880 daily rows"),
        "{err_b}"
    );
    assert_eq!(json_a, json_b);
    for f in ["plan.csv", "plan.json", "curves.csv", "curves.json"] {
        let (x, y) = (
            std::fs::read(out_a.join(f)).unwrap(),
            std::fs::read(out_b.join(f)).unwrap(),
        );
        assert!(x == y, "{f} differs");
    }
    // The manifest hashes the folder's files.
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_b.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["rows"]["read"], 2880);
    assert_eq!(m["input"]["blake3"].as_str().unwrap().len(), 64);
}

#[test]
fn rows_finer_than_a_day_sum_to_the_daily_history() {
    let tmp = tempfile::tempdir().unwrap();
    let o = opts(2, 40);
    let h = generate(&o);
    let hive = tmp.path().join("hive");
    assert_eq!(write_folder(&o, &hive, 3), 3 * h.rows.len());
    let got = load(&hive, &LoadOptions::default()).unwrap();
    let p = got.partitioned.unwrap();
    assert_eq!(
        (p.files, p.raw_rows, p.daily_rows),
        (2, 3 * 640, 640),
        "40 days from 2026-03-01: March and April"
    );
    let df = got.data.frame();
    assert_eq!(df.height(), h.rows.len());
    let f = |name: &str| -> Vec<f64> {
        df.column(name)
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .map(|v| v.unwrap())
            .collect()
    };
    let (spend, viewers, orders, gmv, watch, comments, impressions) = (
        f("spend"),
        f("viewers"),
        f("orders"),
        f("gmv"),
        f("avg_watch_seconds"),
        f("comments"),
        f("impressions"),
    );
    let rooms = df.column("room").unwrap().str().unwrap().clone();
    for (i, r) in h.rows.iter().enumerate() {
        assert_eq!(rooms.get(i), Some(h.rooms[r.room].as_str()));
        assert_eq!(spend[i], r.spend, "row {i}");
        assert_eq!(viewers[i], r.viewers, "row {i}");
        assert_eq!(orders[i], r.orders, "row {i}");
        assert_eq!(comments[i], r.comments, "row {i}");
        assert_eq!(impressions[i], r.impressions, "row {i}");
        assert!(
            (gmv[i] - r.gmv).abs() < 1e-6,
            "row {i}: {} vs {}",
            gmv[i],
            r.gmv
        );
        // Viewer-weighted mean of equal stream averages is the day's average.
        assert!(
            (watch[i] - r.avg_watch_seconds).abs() < 1e-9 * r.avg_watch_seconds.max(1.0),
            "row {i}: {} vs {}",
            watch[i],
            r.avg_watch_seconds
        );
    }
    // Each daily row points at its first stream row in its file.
    let lines = df.column("line").unwrap().u64().unwrap().clone();
    assert_eq!(lines.get(0), Some(1));
    assert_eq!(lines.get(1), Some(4));
}

/// A folder of two daily partitions (March and April 2026, one room).
fn small_folder(dir: &Path) -> PathBuf {
    let hive = dir.join("hive");
    write_folder(&opts(1, 40), &hive, 1);
    hive
}

#[test]
fn a_bad_value_in_one_partition_names_the_file_row_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let hive = small_folder(tmp.path());
    let april = hive.join("month=2026-04").join("part-0.parquet");
    let mut df = read_frame(&april);
    let mut spend: Vec<Option<f64>> = df.column("spend").unwrap().f64().unwrap().iter().collect();
    spend[4] = Some(-3.0);
    df.replace("spend", Column::new("spend".into(), spend))
        .unwrap();
    write_frame(&april, &mut df);

    let Err(LoadError::Invalid { report }) = load(&hive, &LoadOptions::default()) else {
        panic!("expected a defect")
    };
    assert_eq!(report.file, april);
    assert_eq!(report.defects.len(), 1);
    assert_eq!(report.defects[0].line, 5);
    assert_eq!(report.defects[0].column.as_ref().unwrap().header, "spend");

    let (code, _, stderr) = acqplan(&["validate", "--data", s(&hive)]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("month=2026-04/part-0.parquet, row 5, column 4 `spend`: -3 is negative"),
        "{stderr}"
    );
    assert!(stderr.contains("hint:"), "{stderr}");

    // With --skip-bad-rows the row is left out and written with its file.
    let out = tmp.path().join("run");
    let (code, stdout, stderr) = acqplan(&[
        "validate",
        "--data",
        s(&hive),
        "--skip-bad-rows",
        "--out",
        s(&out),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let rejected = std::fs::read_to_string(out.join("rejected_rows.csv")).unwrap();
    assert_eq!(rejected.lines().count(), 2, "{rejected}");
    assert!(
        rejected.contains("month=2026-04/part-0.parquet"),
        "{rejected}"
    );
    assert!(rejected.contains("is negative"), "{rejected}");
    assert!(!stdout.is_empty());
    let skipped = load(
        &hive,
        &LoadOptions {
            skip_bad_rows: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        (
            skipped.data.len(),
            skipped.rejected.len(),
            skipped.rows_read
        ),
        (319, 1, 320)
    );
    assert_eq!(skipped.rejected[0].line, 5);
}

#[test]
fn partitions_with_different_schemas() {
    let tmp = tempfile::tempdir().unwrap();
    let hive = small_folder(tmp.path());
    let april = hive.join("month=2026-04").join("part-0.parquet");
    let original = read_frame(&april);

    // An optional column missing from one partition: its days have no orders.
    let mut df = original.drop("orders").unwrap();
    write_frame(&april, &mut df);
    let got = load(&hive, &LoadOptions::default()).unwrap();
    let orders = got
        .data
        .frame()
        .column("orders")
        .unwrap()
        .f64()
        .unwrap()
        .clone();
    assert_eq!(orders.len(), 320);
    assert_eq!(orders.null_count(), 72, "the 9 April days × 8 channels");
    assert!(orders.get(0).is_some());

    // A required column missing from one partition.
    let mut df = original.drop("room").unwrap();
    write_frame(&april, &mut df);
    let (code, _, stderr) = acqplan(&["validate", "--data", s(&hive)]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("month=2026-04/part-0.parquet` has no `room` column, but `")
            && stderr.contains("month=2026-03/part-0.parquet` has one"),
        "{stderr}"
    );

    // Spend stored as text in one partition: the cell that is not a number
    // is named; a text column of good numbers is refused by type.
    let mut text: Vec<String> = original
        .column("spend")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .map(|v| v.unwrap().to_string())
        .collect();
    let mut df = original.clone();
    df.replace("spend", Column::new("spend".into(), text.clone()))
        .unwrap();
    write_frame(&april, &mut df);
    let (code, _, stderr) = acqplan(&["validate", "--data", s(&hive)]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("month=2026-04/part-0.parquet`: column `spend` has type str"),
        "{stderr}"
    );
    text[1] = "abc".into();
    df.replace("spend", Column::new("spend".into(), text))
        .unwrap();
    write_frame(&april, &mut df);
    let (code, _, stderr) = acqplan(&["validate", "--data", s(&hive)]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(
            "month=2026-04/part-0.parquet, row 2, column 4 `spend`: \"abc\" is not a number"
        ),
        "{stderr}"
    );
}

#[test]
fn an_empty_folder_is_an_error_with_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(empty.join("month=2026-01")).unwrap();
    std::fs::write(empty.join("_SUCCESS"), b"").unwrap();
    let (code, _, stderr) = acqplan(&["validate", "--data", s(&empty)]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("holds no .parquet files"), "{stderr}");
    assert!(
        stderr.contains("hint:") && stderr.contains("--parquet-dir"),
        "{stderr}"
    );
    assert!(matches!(
        load(&empty, &LoadOptions::default()),
        Err(LoadError::EmptyFolder { .. })
    ));

    // A CSV among the Parquet files is not silently skipped.
    let hive = small_folder(tmp.path());
    std::fs::write(hive.join("month=2026-03").join("extra.csv"), b"date\n").unwrap();
    let (code, _, stderr) = acqplan(&["validate", "--data", s(&hive)]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("extra.csv`: a history folder holds only .parquet files"),
        "{stderr}"
    );
}

#[test]
fn gen_writes_a_partitioned_history() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gen");
    let (code, _, stderr) = acqplan(&[
        "gen",
        "--rooms",
        "2",
        "--days",
        "35",
        "--rows-per-day",
        "4",
        "--parquet-dir",
        s(&dir),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("wrote 2240 rows"), "{stderr}");
    assert!(dir.join("_truth.json").is_file());
    assert!(dir.join("_fake_rows.csv").is_file());
    let rows: usize = ["month=2026-03", "month=2026-04"]
        .iter()
        .map(|m| read_frame(&dir.join(m).join("part-0.parquet")).height())
        .sum();
    assert_eq!(rows, 2240);
    let got = load(&dir, &LoadOptions::default()).unwrap();
    assert_eq!(got.data.len(), 2 * 8 * 35);

    // An occupied folder is refused; --force replaces its Parquet files.
    let again = [
        "gen",
        "--rooms",
        "1",
        "--days",
        "3",
        "--parquet-dir",
        s(&dir),
    ];
    let (code, _, stderr) = acqplan(&again);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("already holds"), "{stderr}");
    let (code, _, stderr) = acqplan(&[&again[..], &["--force"]].concat());
    assert_eq!(code, 0, "{stderr}");
    assert!(!dir.join("month=2026-04").join("part-0.parquet").exists());
    let got = load(&dir, &LoadOptions::default()).unwrap();
    assert_eq!(got.data.len(), 8 * 3);
}

#[test]
fn streams_of_one_day_in_different_files_are_summed() {
    let tmp = tempfile::tempdir().unwrap();
    let h = generate(&opts(2, 10));
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for r in &h.rows {
        let mut parts = Vec::new();
        acqplan::synth::split_streams(r, 3, 9, &mut parts);
        b.push(parts.pop().unwrap());
        a.extend(parts);
    }
    let dir = tmp.path().join("two");
    write_frame(
        &dir.join("a.parquet"),
        &mut rows_frame(&h.rooms, &a, true).unwrap(),
    );
    // The second file has its columns in another order and without gmv.
    let mut fb = rows_frame(&h.rooms, &b, true).unwrap();
    fb = fb
        .select(["viewers", "channel", "spend", "date", "room", "orders"])
        .unwrap();
    write_frame(&dir.join("b.parquet"), &mut fb);
    let got = load(&dir, &LoadOptions::default()).unwrap();
    let p = got.partitioned.unwrap();
    assert_eq!((p.files, p.raw_rows, p.daily_rows), (2, 480, 160));
    let df = got.data.frame();
    let spend = df.column("spend").unwrap().f64().unwrap().clone();
    let viewers = df.column("viewers").unwrap().f64().unwrap().clone();
    let orders = df.column("orders").unwrap().f64().unwrap().clone();
    let gmv = df.column("gmv").unwrap().f64().unwrap().clone();
    for (i, r) in h.rows.iter().enumerate() {
        assert_eq!(spend.get(i), Some(r.spend), "row {i}");
        assert_eq!(viewers.get(i), Some(r.viewers), "row {i}");
        assert_eq!(orders.get(i), Some(r.orders), "row {i}");
        // gmv is missing from one of the day's rows: the day has none.
        assert_eq!(gmv.get(i), None, "row {i}");
    }
}

#[test]
fn hive_keys_stand_for_missing_columns_and_config_can_name_the_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let h = generate(&opts(2, 5));
    let dir = tmp.path().join("by_room");
    for (ri, room) in h.rooms.iter().enumerate() {
        let rows: Vec<_> = h.rows.iter().filter(|r| r.room == ri).cloned().collect();
        let mut df = rows_frame(&h.rooms, &rows, false)
            .unwrap()
            .drop("room")
            .unwrap();
        write_frame(&dir.join(format!("room={room}/data.parquet")), &mut df);
    }
    let got = load(&dir, &LoadOptions::default()).unwrap();
    assert!(got.data.has_room());
    let df = got.data.frame();
    assert_eq!(df.height(), 2 * 8 * 5);
    let rooms = df.column("room").unwrap().str().unwrap().clone();
    assert_eq!(rooms.get(0), Some("room_01"));
    assert_eq!(rooms.get(df.height() - 1), Some("room_02"));
    // Same totals as the rows written.
    let spend: f64 = df.column("spend").unwrap().f64().unwrap().sum().unwrap();
    assert_eq!(spend, h.rows.iter().map(|r| r.spend).sum::<f64>());

    // `data = "by_room"` in acqplan.toml, relative to the config file.
    let config = tmp.path().join("acqplan.toml");
    std::fs::write(&config, "data = \"by_room\"\n").unwrap();
    let (code, stdout, stderr) = acqplan(&["validate", "--config", s(&config)]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("rooms: 2"), "{stdout}");
    assert!(
        stderr.contains("read 80 rows from 2 Parquet files"),
        "{stderr}"
    );
}

#[test]
fn names_are_trimmed_and_an_empty_name_is_a_defect() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("names");
    let day = |d: i32| {
        Int32Chunked::from_vec("date".into(), vec![d; 3])
            .into_date()
            .into_series()
            .into_column()
    };
    let frame = |d: i32, channels: [&str; 3]| {
        DataFrame::new(
            3,
            vec![
                day(d),
                Column::new("channel".into(), channels.to_vec()),
                Column::new("spend".into(), vec![1.0, 2.0, 4.0]),
                Column::new("viewers".into(), vec![10i64, 20, 40]),
            ],
        )
        .unwrap()
    };
    write_frame(
        &dir.join("a.parquet"),
        &mut frame(20_500, ["a", " a", "b "]),
    );
    write_frame(&dir.join("b.parquet"), &mut frame(20_501, ["a", "b", "b"]));
    let got = load(&dir, &LoadOptions::default()).unwrap();
    let df = got.data.frame();
    let channels: Vec<&str> = df
        .column("channel")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(channels, vec!["a", "b", "a", "b"]);
    let spend: Vec<f64> = df
        .column("spend")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(spend, vec![3.0, 4.0, 1.0, 6.0]);
    assert_eq!(got.rows_read, 6);

    write_frame(&dir.join("b.parquet"), &mut frame(20_501, ["a", "  ", "b"]));
    let Err(LoadError::Invalid { report }) = load(&dir, &LoadOptions::default()) else {
        panic!("expected a defect")
    };
    assert_eq!(report.file, dir.join("b.parquet"));
    assert_eq!(report.defects.len(), 1);
    assert_eq!(report.defects[0].line, 2);
    assert_eq!(report.defects[0].column.as_ref().unwrap().header, "channel");
}
