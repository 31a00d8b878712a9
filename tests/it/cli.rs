//! Integration tests through the real binary on fixture files with known
//! answers.

use std::path::Path;

use assert_cmd::Command;

use crate::common::outcome;
use predicates::prelude::*;

fn acqplan() -> Command {
    Command::cargo_bin("acqplan").unwrap()
}

fn fixture(name: &str) -> String {
    format!("tests/it/fixtures/{name}")
}

/// Run `validate` on a fixture and return (exit code, stdout, stderr).
fn validate(args: &[&str]) -> (i32, String, String) {
    let out = acqplan().arg("validate").args(args).output().unwrap();
    outcome(out)
}

/// Assert a defect fixture fails with exit 1 naming `place: message`.
fn assert_defect(file: &str, expected: &[&str]) {
    let path = fixture(&format!("defects/{file}"));
    let (code, stdout, stderr) = validate(&["--data", &path]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout, "", "nothing on stdout for bad data");
    for e in expected {
        let line = format!("{path}{e}");
        assert!(
            stderr
                .lines()
                .any(|l| l == line || l == format!("error: {line}")),
            "expected line {line:?} in:\n{stderr}"
        );
    }
    assert!(stderr.contains("hint: "), "{stderr}");
}

#[test]
fn text_in_a_number_column() {
    assert_defect(
        "not_a_number.csv",
        &[", line 3, column 4 `spend`: \"abc\" is not a number"],
    );
}

#[test]
fn unparseable_date() {
    assert_defect(
        "bad_date.csv",
        &[", line 3, column 1 `date`: \"2026-11-31\" is not a date"],
    );
}

#[test]
fn negative_spend_viewers_orders_gmv() {
    assert_defect(
        "negative.csv",
        &[
            ", line 2, column 4 `spend`: -5 is negative",
            ", line 3, column 5 `viewers`: -1 is negative",
            ", line 4, column 6 `orders`: -2 is negative",
            ", line 5, column 7 `gmv`: -10.5 is negative",
        ],
    );
}

#[test]
fn empty_required_cell() {
    assert_defect(
        "empty_required.csv",
        &[", line 3, column 3 `channel`: required cell is empty"],
    );
}

#[test]
fn wrong_number_of_fields() {
    assert_defect(
        "field_count.csv",
        &[", line 3: row has 6 fields, the header has 5"],
    );
}

#[test]
fn duplicate_key() {
    assert_defect(
        "duplicate_key.csv",
        &[
            ", line 4: duplicate date × room × channel (2026-11-01, r1, douyin), first seen on line 2",
        ],
    );
}

#[test]
fn misplaced_thousands_separator() {
    assert_defect(
        "bad_grouping.csv",
        &[", line 2, column 4 `spend`: \"12,34\" has misplaced thousands separators"],
    );
}

#[test]
fn not_utf8() {
    assert_defect(
        "not_utf8.csv",
        &[", line 2, column 3 `channel`: cell is not valid UTF-8 text"],
    );
}

#[test]
fn xlsx_cells_are_named_by_row_and_letter() {
    assert_defect(
        "bad_cells.xlsx",
        &[
            " (sheet \"Sheet1\"), row 3, column D `spend`: \"n/a\" is not a number",
            " (sheet \"Sheet1\"), row 4, column E `viewers`: -5 is negative",
        ],
    );
}

#[test]
fn missing_required_column_lists_headers_and_aliases() {
    let path = fixture("defects/missing_column.csv");
    let (code, _, stderr) = validate(&["--data", &path]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(&format!(
            "error: `{path}`: required column `viewers` not found"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("headers found: \"date\", \"room\", \"channel\", \"spend\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("`viewers` ← viewers / visitors / views / 进房人数 / 观看人数"),
        "{stderr}"
    );
}

#[test]
fn file_level_problems() {
    let cases = [
        ("defects/empty.csv", "is empty"),
        ("defects/no_data_rows.csv", "has a header but no data rows"),
        ("defects/history.json", "has an unsupported extension"),
        ("defects/does_not_exist.csv", "does not exist"),
    ];
    for (file, msg) in cases {
        let path = fixture(file);
        let (code, stdout, stderr) = validate(&["--data", &path]);
        assert_eq!(code, 1, "{file}: {stderr}");
        assert_eq!(stdout, "");
        assert!(
            stderr.starts_with(&format!("error: `{path}` {msg}")),
            "{file}: {stderr}"
        );
        assert!(stderr.contains("\nhint: "), "{file}: {stderr}");
    }
}

#[test]
fn messy_sample_lists_every_defect_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let (code, stdout, stderr) =
        validate(&["--data", "data/messy.csv", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with("error: `data/messy.csv` has 12 defects:"),
        "{stderr}"
    );
    for line in 4..=15 {
        assert!(
            stderr.contains(&format!("data/messy.csv, line {line}")),
            "line {line}: {stderr}"
        );
    }
    assert!(!out.exists(), "a failed validation writes nothing");
}

#[test]
fn skip_bad_rows_writes_each_rejected_row_verbatim() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let (code, stdout, stderr) = validate(&[
        "--data",
        "data/messy.csv",
        "--skip-bad-rows",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("skipped 12 of 15 rows"), "{stderr}");
    assert!(stdout.starts_with("rows: 3 "), "{stdout}");
    let text = std::fs::read_to_string(out.join("rejected_rows.csv")).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 12);
    assert_eq!(&rows[0][0], "4");
    assert!(rows[0][1].contains("first seen on line 3"));
    assert_eq!(
        &rows[0][2],
        "2026-11-02,room_01,抖音千川,\"¥1,350\",2610,65,\"¥7,810.50\""
    );
    assert_eq!(&rows[8][0], "12");
    assert_eq!(
        &rows[8][2],
        "2026-11-09,room_01,私域社群,300,1250,71,9900,extra"
    );
    // A second run into the same folder is refused without --force.
    let (code, _, stderr) = validate(&[
        "--data",
        "data/messy.csv",
        "--skip-bad-rows",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("already holds a run"), "{stderr}");
}

#[test]
fn summary_has_known_totals() {
    let (code, stdout, stderr) = validate(&["--data", &fixture("small.csv"), "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["rows"], 5);
    assert_eq!(v["first_date"], "2026-11-01");
    assert_eq!(v["last_date"], "2026-11-03");
    assert_eq!(v["rooms"], 2);
    let ch = &v["channels"];
    assert_eq!(ch[0]["channel"], "douyin");
    assert_eq!(ch[0]["days_with_spend"], 1);
    assert_eq!(ch[0]["spend_cny"], 1100.0);
    assert_eq!(ch[0]["viewers"], 1450.0);
    assert!((ch[0]["cost_per_viewer_cny"].as_f64().unwrap() - 1100.0 / 1450.0).abs() < 1e-12);
    assert_eq!(ch[1]["channel"], "私域社群");
    assert_eq!(ch[1]["days_with_spend"], 2);
    assert_eq!(ch[1]["spend_cny"], 100.0);
    assert_eq!(ch[1]["viewers"], 900.0);
}

#[test]
fn summary_table_on_stdout() {
    acqplan()
        .args(["validate", "--data", &fixture("small.csv")])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "rows: 5   dates: 2026-11-01 .. 2026-11-03   rooms: 2   channels: 2   period: daily\n",
        ))
        .stdout(predicate::str::contains(
            "douyin                  1      1,100    1,450                 0.76",
        ));
}

#[test]
fn console_headers_by_alias_and_by_flag() {
    // 统计日期, 账号, 流量来源 are aliases; 总花费 is too, but map it explicitly.
    let (code, stdout, stderr) = validate(&[
        "--data",
        &fixture("console_export.tsv"),
        "--column",
        "spend=总花费",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["channels"][0]["spend_cny"], 400.0);
    assert_eq!(v["channels"][0]["viewers"], 700.0);
    // A mapping to a header that is not there names it.
    let (code, _, stderr) = validate(&[
        "--data",
        &fixture("console_export.tsv"),
        "--column",
        "viewers=UV",
    ]);
    assert_eq!(code, 1);
    assert!(
        stderr
            .contains("column `viewers` is mapped to header \"UV\", which the file does not have"),
        "{stderr}"
    );
    // A bad flag is a usage error.
    let (code, _, stderr) = validate(&[
        "--data",
        &fixture("console_export.tsv"),
        "--column",
        "viewer=UV",
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("`viewer` does not name a column"),
        "{stderr}"
    );
}

#[test]
fn config_file_supplies_data_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    let data = std::fs::canonicalize(fixture("console_export.tsv")).unwrap();
    let cfg = dir.path().join("acqplan.toml");
    std::fs::write(
        &cfg,
        format!(
            "data = {:?}\n[columns]\nviewers = \"观看人数\"\n",
            data.to_str().unwrap()
        ),
    )
    .unwrap();
    let (code, stdout, stderr) = validate(&["--config", cfg.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("\"viewers\": 700.0"), "{stdout}");
    std::fs::write(&cfg, "dta = \"x.csv\"\n").unwrap();
    let (code, _, stderr) = validate(&["--config", cfg.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is not valid"), "{stderr}");
    assert!(stderr.contains("caused by: "), "{stderr}");
}

#[test]
fn xlsx_with_chinese_headers_and_excel_dates() {
    let (code, stdout, stderr) =
        validate(&["--data", &fixture("history.xlsx"), "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["rows"], 10);
    assert_eq!(v["first_date"], "2026-11-01");
    assert_eq!(v["last_date"], "2026-11-05");
    assert_eq!(v["channels"][0]["channel"], "抖音千川");
    assert_eq!(v["channels"][0]["spend_cny"], 6000.0);
    assert_eq!(v["channels"][0]["viewers"], 11500.0);
}

#[test]
fn generated_csv_chinese_csv_and_parquet_agree() {
    let dir = tempfile::tempdir().unwrap();
    acqplan()
        .args(["gen", "--sample", "--rooms", "2", "--days", "30", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let summary = |file: &str| {
        let (code, stdout, stderr) = validate(&[
            "--data",
            dir.path().join(file).to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{file}: {stderr}");
        serde_json::from_str::<serde_json::Value>(&stdout).unwrap()
    };
    let csv = summary("history.csv");
    let zh = summary("history_zh.csv");
    let pq = summary("history.parquet");
    assert_eq!(csv["rows"], 2 * 8 * 30);
    assert_eq!(csv, pq, "CSV and Parquet load the same history");
    // The Chinese file names channels differently but carries the same money.
    let total = |v: &serde_json::Value, k: &str| {
        v["channels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c[k].as_f64().unwrap())
            .sum::<f64>()
    };
    assert!((total(&csv, "spend_cny") - total(&zh, "spend_cny")).abs() < 1e-6);
    assert!((total(&csv, "viewers") - total(&zh, "viewers")).abs() < 1e-6);
    assert!(Path::new(&dir.path().join("truth.json")).exists());
}

#[test]
fn shipped_sample_matches_its_generator() {
    let dir = tempfile::tempdir().unwrap();
    acqplan()
        .args(["gen", "--sample", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    for f in [
        "history.csv",
        "history_zh.csv",
        "truth.json",
        "fake_rows.csv",
        "exports/01_backfill_to_2026-09-28.csv",
        "exports/02_week_2026-09-29.csv",
        "exports/03_week_2026-10-06.csv",
        "exports/04_week_2026-10-13.csv",
        "exports/05_week_2026-10-20.csv",
    ] {
        assert_eq!(
            std::fs::read(dir.path().join(f)).unwrap(),
            std::fs::read(Path::new("data").join(f)).unwrap(),
            "data/{f} is what `acqplan gen --sample` writes"
        );
    }
}

#[test]
fn first_fifty_defects_in_full_then_a_count() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.csv");
    let mut text = String::from("date,room,channel,spend,viewers\n");
    for d in 1..=28 {
        text.push_str(&format!("2026-02-{d:02},r1,a,x{d},1\n"));
        text.push_str(&format!("2026-02-{d:02},r1,b,1,-{d}\n"));
    }
    std::fs::write(&path, text).unwrap();
    let (code, _, stderr) = validate(&["--data", path.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stderr.contains("has 56 defects:"), "{stderr}");
    let shown = stderr
        .lines()
        .filter(|l| l.contains("many.csv, line "))
        .count();
    assert_eq!(shown, 50);
    // The 50th defect is line 51; the 51st (line 52) is only counted.
    assert!(
        stderr.contains("many.csv, line 51, column 5 `viewers`: -25 is negative"),
        "{stderr}"
    );
    assert!(!stderr.contains("many.csv, line 52"), "{stderr}");
    assert!(stderr.contains("… and 6 more defects"), "{stderr}");
}

#[test]
fn gen_refuses_out_of_range_world_settings_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, value) in [
        ("--volume", "0"),
        ("--noise-sigma", "-0.1"),
        ("--fake-rate", "1.5"),
        ("--spend-persistence", "1"),
    ] {
        let out = acqplan()
            .args(["gen", &format!("{flag}={value}"), "--out"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.contains(&format!("`{flag} {value}` is out of range")),
            "{err}"
        );
        assert!(
            err.contains("hint: --noise-sigma takes a log-sd ≥ 0"),
            "{err}"
        );
        assert!(!dir.path().join("history.csv").exists());
    }
}

/// `gen --flat-weeks`: every lane spends the same on each day of an ISO
/// week (paused weeks included); without it, days differ.
#[test]
fn gen_flat_weeks_holds_each_lanes_spend_for_its_week() {
    let dir = tempfile::tempdir().unwrap();
    let read = |flags: &[&str]| {
        let out = acqplan()
            .args(["gen", "--rooms", "2", "--days", "70", "--seed", "3"])
            .args(flags)
            .arg("--out")
            .arg(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = std::fs::read_to_string(dir.path().join("history.csv")).unwrap();
        // (ISO week, room, channel) → the spends of its days.
        let mut weeks: std::collections::BTreeMap<(i32, String, String), Vec<f64>> =
            Default::default();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let (y, m, d) = (
                f[0][..4].parse().unwrap(),
                f[0][5..7].parse().unwrap(),
                f[0][8..10].parse().unwrap(),
            );
            let day = acqplan::contract::calendar::days_from_civil(y, m, d);
            let monday = day - i32::from(acqplan::load::cell::weekday(day));
            weeks
                .entry((monday, f[1].to_string(), f[2].to_string()))
                .or_default()
                .push(f[3].parse().unwrap());
        }
        weeks
    };
    let flat = read(&["--flat-weeks"]);
    assert_eq!(
        flat.len(),
        11 * 2 * 8,
        "70 days from a Sunday touch 11 ISO weeks"
    );
    for (k, days) in &flat {
        assert!(days.iter().all(|s| *s == days[0]), "{k:?}: {days:?}");
    }
    let daily = read(&[]);
    let uneven = daily
        .values()
        .filter(|d| d.iter().any(|s| *s != d[0]))
        .count();
    assert!(uneven > daily.len() / 2, "{uneven} of {}", daily.len());
}

#[test]
fn weekly_rows_are_read_as_weeks_and_planned_in_whole_weeks() {
    let weekly = fixture("periods/weekly.csv");
    let (code, stdout, stderr) = validate(&["--data", &weekly]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with(
            "rows: 48   dates: 2026-06-01 .. 2026-08-17   rooms: 2   channels: 2   period: weekly (rows dated Mondays)\n"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("weeks_with_spend"), "{stdout}");
    assert!(
        stderr.contains("each row is read as the total of 7 days"),
        "{stderr}"
    );
    // `--period day` reads the same rows as days with gaps.
    let (code, stdout, _) = validate(&["--data", &weekly, "--period", "day"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("period: daily\n"), "{stdout}");
    let (code, _, stderr) = validate(&["--data", &weekly, "--period", "fortnight"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("`--period`: `fortnight` is not a period"),
        "{stderr}"
    );

    // 10 days is not whole weeks.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let run = |extra: &[&str]| {
        let mut args = vec!["plan", "--data", &weekly, "--budget", "60000", "--out"];
        let out = out.to_str().unwrap();
        args.push(out);
        args.extend_from_slice(extra);
        outcome(acqplan().args(&args).output().unwrap())
    };
    let (code, _, stderr) = run(&["--horizon-days", "10"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("`--horizon-days 10` is not a whole number of the history's periods"),
        "{stderr}"
    );
    assert!(
        stderr.contains("--horizon-days 7 (or --horizon-weeks 1"),
        "{stderr}"
    );
    assert!(!out.exists(), "no run folder for a refused request");

    // Two weeks, in weeks: the last two whole weeks are the comparison.
    let (code, stdout, stderr) = run(&["--horizon-weeks", "2"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("over 14 days (2 weeks)"), "{stdout}");
    assert!(stdout.contains("cny_per_week"), "{stdout}");
    let csv = std::fs::read_to_string(out.join("plan.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    assert_eq!(header[3], "spend_cny_per_week");
    let plan: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("plan.json")).unwrap()).unwrap();
    let c = &plan["comparison"];
    assert_eq!(c["days"], 14);
    assert_eq!(c["period_days"], 7);
    // The fixture's last two weeks (2026-08-10 and 2026-08-17), every lane.
    let last: f64 = std::fs::read_to_string(&weekly)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("2026-08-10") || l.starts_with("2026-08-17"))
        .map(|l| l.split(',').nth(3).unwrap().parse::<f64>().unwrap())
        .sum();
    assert!(
        (c["last_spend_cny"].as_f64().unwrap() - last).abs() < 1e-6,
        "{c} vs {last}"
    );
    // Per-week spend of a lane = its horizon spend ÷ 2.
    let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    let (spend, per_week): (f64, f64) = (row[2].parse().unwrap(), row[3].parse().unwrap());
    assert!((spend / 2.0 - per_week).abs() < 0.01, "{row:?}");
    let summary = std::fs::read_to_string(out.join("summary.txt")).unwrap();
    assert!(summary.contains("the last 2 weeks'"), "{summary}");
    // The plan starts the week after the last row (2026-08-17 + 7 days).
    assert!(summary.contains("from 2026-08-24"), "{summary}");
    // Re-rendered from the run's files: the same bytes (the period is kept).
    let again = dir.path().join("again");
    let (code, _, stderr) = outcome(
        acqplan()
            .arg("report")
            .arg(&out)
            .arg("--out")
            .arg(&again)
            .output()
            .unwrap(),
    );
    assert_eq!(code, 0, "{stderr}");
    for f in ["summary.txt", "curves.png", "summary.png"] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(again.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn histories_without_one_period_name_two_lines() {
    let (code, _, stderr) = validate(&["--data", &fixture("periods/weekdays_disagree.csv")]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(
            "lanes disagree: line 2 (r1 × douyin) is dated 2026-06-01, line 6 (r2 × douyin) 2026-06-07"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: export every lane's weeks starting on the same weekday"),
        "{stderr}"
    );
    let (code, _, stderr) = validate(&["--data", &fixture("periods/monthly.csv")]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(
            "irregular dates: lines 2 and 3 (r1 × douyin, 2026-01-01 and 2026-02-01) are 31 days apart, not a whole number of the 28-day step"
        ),
        "{stderr}"
    );
    // Read as days with gaps, the same file is accepted.
    let (code, _, stderr) =
        validate(&["--data", &fixture("periods/monthly.csv"), "--period", "day"]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn console_exports_with_total_rows_read_without_the_totals() {
    // 千川-style headers; per-day 合计 rows in the room column and a grand
    // 合计 row in the date column.
    let (code, stdout, stderr) = validate(&[
        "--data",
        &fixture("console/qianchuan.csv"),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr
            .contains("left out 3 total rows a console appended (合计 / Total), at lines 3, 5, 6"),
        "{stderr}"
    );
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["rows"], 2);
    assert_eq!(v["channels"][0]["spend_cny"], 2700.5);
    assert_eq!(v["channels"][0]["viewers"], 4900.0);
    // An English ad manager's export with its Total row.
    let (code, stdout, stderr) = validate(&[
        "--data",
        &fixture("console/meta_ads.csv"),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("left out 1 total row a console appended"),
        "{stderr}"
    );
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["channels"][0]["spend_cny"], 1700.0);
    assert_eq!(v["channels"][0]["viewers"], 3150.0);
    // Two candidates for viewers: named, with the flag that settles it.
    let (code, _, stderr) = validate(&["--data", &fixture("console/two_viewer_columns.csv")]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("both \"直播间观看人数\" and \"直播间观看人次\" could be `viewers`"),
        "{stderr}"
    );
    assert!(stderr.contains("--column viewers="), "{stderr}");
}

#[test]
fn empty_optional_cells_are_warnings_naming_their_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.csv");
    let mut csv = String::from("date,channel,spend,viewers,orders,gmv\n");
    // 60 days; orders empty on every day from the 5th, gmv on day 2.
    for d in 0..60 {
        let date = format!("2026-{:02}-{:02}", 1 + d / 28, 1 + d % 28);
        let orders = if d >= 4 { String::new() } else { "3".into() };
        let gmv = if d == 1 { String::new() } else { "300".into() };
        csv.push_str(&format!("{date},douyin,100,200,{orders},{gmv}\n"));
    }
    std::fs::write(&path, csv).unwrap();
    let (code, _, stderr) = validate(&["--data", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let named: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("cell: the row is kept"))
        .collect();
    // The first 50 in file order, then a count per column.
    assert_eq!(named.len(), 50, "{stderr}");
    assert!(
        named[0].ends_with("h.csv, line 3, column 6 `gmv`: empty `gmv` cell: the row is kept; what uses `gmv` leaves it out"),
        "{}",
        named[0]
    );
    assert!(
        named[1].contains("line 6, column 5 `orders`"),
        "{}",
        named[1]
    );
    assert!(
        stderr.contains("56 empty `orders` cells in all: orders per viewer is estimated from the rows that have it"),
        "{stderr}"
    );
    assert!(stderr.contains("1 empty `gmv` cell in all"), "{stderr}");
}

#[test]
fn run_with_backtest_states_it_in_the_summary_and_keeps_it_on_re_render() {
    let dir = tempfile::tempdir().unwrap();
    let (with, without, again) = (
        dir.path().join("with"),
        dir.path().join("without"),
        dir.path().join("again"),
    );
    let run = |out: &Path, extra: &[&str]| {
        let mut args = vec![
            "run",
            "--config",
            "data/acqplan.toml",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        outcome(acqplan().args(&args).output().unwrap())
    };
    let (code, _, stderr) = run(&with, &["--backtest"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(&without, &[]);
    assert_eq!(code, 0, "{stderr}");
    // The same figures as `acqplan backtest` on the same history.
    let (code, stdout, stderr) = outcome(
        acqplan()
            .args([
                "backtest",
                "--config",
                "data/acqplan.toml",
                "--format",
                "json",
                "--out",
            ])
            .arg(dir.path().join("bt"))
            .output()
            .unwrap(),
    );
    assert_eq!(code, 0, "{stderr}");
    let bt: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let headline = bt["headline"].as_str().unwrap();
    assert!(
        headline.starts_with("The curves predicted the last 8 weeks"),
        "{headline}"
    );
    let summary = std::fs::read_to_string(with.join("summary.txt")).unwrap();
    assert!(
        summary.contains(&format!("Backtest: {headline}\n")),
        "{summary}"
    );
    assert_eq!(
        std::fs::read(with.join("backtest.csv")).unwrap(),
        std::fs::read(dir.path().join("bt/backtest.csv")).unwrap()
    );
    let plain = std::fs::read_to_string(without.join("summary.txt")).unwrap();
    assert!(!plain.contains("Backtest"), "{plain}");
    assert!(!without.join("backtest.csv").exists());
    // `acqplan report` re-renders the same summary from the run's files.
    let (code, _, stderr) = outcome(
        acqplan()
            .arg("report")
            .arg(&with)
            .arg("--out")
            .arg(&again)
            .output()
            .unwrap(),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        std::fs::read_to_string(again.join("summary.txt")).unwrap(),
        summary
    );
}

#[test]
fn a_missing_room_targets_file_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = outcome(
        acqplan()
            .args([
                "plan",
                "--config",
                "data/acqplan.toml",
                "--room-targets",
                "no/such.csv",
                "--out",
            ])
            .arg(dir.path().join("run"))
            .output()
            .unwrap(),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("error: room targets file `no/such.csv`: file not found\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: check the path given to --room-targets"),
        "{stderr}"
    );
    assert!(!dir.path().join("run").exists());
}
