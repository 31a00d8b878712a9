//! Real exports as they come (issue 14): GMV net of refunds, empty optional
//! cells counted and named in the plan, typed date-times summed to days,
//! total rows and empty cells in a Parquet folder, `--channel` for a single
//! console's export. Each through the binary, on histories with known
//! answers (exact curves, counted cells).

use std::path::Path;

use polars::prelude::*;

use crate::common::{CHANNELS, acqplan_args as acqplan};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The lane of `channel` in plan.json's `plan.lanes`.
fn lane<'a>(plan: &'a serde_json::Value, channel: &str) -> &'a serde_json::Value {
    plan["plan"]["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["channel"] == channel)
        .unwrap_or_else(|| panic!("no lane {channel} in {plan}"))
}

/// Spend of `common`'s fixture on `day` for channel `i` (0.3k–1.7k).
fn spend(day: u32, i: usize, k: f64) -> f64 {
    let frac = ((day * 37 + i as u32 * 11) % 100) as f64 / 100.0;
    (k * (0.3 + 1.4 * frac)).round()
}

/// A number as the CSV writes it, and the value acqplan reads back.
fn written(x: f64, decimals: usize) -> (String, f64) {
    let t = format!("{x:.decimals$}");
    let v = t.parse().unwrap();
    (t, v)
}

#[test]
fn negative_gmv_needs_the_net_declaration_and_its_hint_says_how() {
    let f = "tests/it/fixtures/exports/net_gmv.csv";
    let (code, out, err) = acqplan(&["validate", "--data", f]);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(
        err.contains(&format!(
            "{f}, line 4, column 6 `gmv`: -350.5 is negative\n  hint: `gmv` is below zero: if the column is GMV net of refunds (a day's refunds can exceed its sales), say so with `gmv_is_net = true` under `[data]` in acqplan.toml or --gmv-is-net"
        )),
        "{err}"
    );
    // Declared by the flag, or by `[data]` in the config file.
    let (code, out, err) = acqplan(&["validate", "--data", f, "--gmv-is-net", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["rows"], 4);
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("acqplan.toml");
    let abs = std::fs::canonicalize(f).unwrap();
    std::fs::write(
        &cfg,
        format!("[data]\npath = {:?}\ngmv_is_net = true\n", s(&abs)),
    )
    .unwrap();
    let (code, _, err) = acqplan(&["validate", "--config", s(&cfg)]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = acqplan(&["config", "--config", s(&cfg)]);
    assert_eq!(code, 0, "{err}");
    let row = out.lines().find(|l| l.contains("data.gmv_is_net")).unwrap();
    assert!(row.contains("true") && row.contains("file"), "{row}");
    // An unknown key of `[data]` is refused, naming it.
    std::fs::write(&cfg, "[data]\npath = \"x.csv\"\ngmv_net = true\n").unwrap();
    let (code, _, err) = acqplan(&["validate", "--config", s(&cfg)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("gmv_net"), "{err}");
}

/// Two channels of exact curves with GMV per viewer 3 (alpha, with refund
/// days of −0.5 per viewer every tenth day) and 5 (beta), and a channel
/// whose net GMV is below zero over the history (gamma, −1 per viewer).
#[test]
fn net_gmv_days_below_zero_are_summed_into_the_plan_not_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let channels = [CHANNELS[0], CHANNELS[1], ("gamma", 1_000.0, 500.0)];
    let per_viewer = |c: usize, day: u32| match c {
        0 if day % 10 == 3 => -0.5,
        0 => 3.0,
        1 => 5.0,
        _ => -1.0,
    };
    let mut csv = String::from("date,channel,spend,viewers,gmv\n");
    // Σ gmv and Σ viewers per channel as written, and Σ gmv of alpha's
    // days ≥ 0 alone (what dropping the refund days would give).
    let mut sums = [(0.0f64, 0.0f64); 3];
    let mut alpha_without = (0.0, 0.0);
    for day in 0..120u32 {
        let (y, m, d) = acqplan::load::cell::civil_from_days(20_000 + day as i32);
        for (c, (name, vmax, k)) in channels.iter().enumerate() {
            let sp = spend(day, c, *k);
            let (vt, v) = written(vmax * (1.0 - (-sp / k).exp()), 4);
            let (gt, g) = written(v * per_viewer(c, day), 2);
            sums[c].0 += g;
            sums[c].1 += v;
            if c == 0 && g >= 0.0 {
                alpha_without.0 += g;
                alpha_without.1 += v;
            }
            csv.push_str(&format!("{y:04}-{m:02}-{d:02},{name},{sp},{vt},{gt}\n"));
        }
    }
    let history = dir.path().join("h.csv");
    std::fs::write(&history, csv).unwrap();
    let ratio = |c: usize| sums[c].0 / sums[c].1;
    // Dropping the refund days would raise alpha's GMV per viewer by 13 %
    // (2.66 → 3.00).
    assert!(alpha_without.0 / alpha_without.1 > 1.12 * ratio(0));
    let out = dir.path().join("run");
    let (code, _, err) = acqplan(&[
        "plan",
        "--data",
        s(&history),
        "--gmv-is-net",
        "--target-gmv",
        "70000",
        "--fake-traffic",
        "off",
        "--out",
        s(&out),
    ]);
    assert_eq!(code, 0, "{err}");
    let plan = json(&out.join("plan.json"));
    for (c, name) in [(0, "alpha"), (1, "beta")] {
        let l = lane(&plan, name);
        let got = l["metric_value"].as_f64().unwrap() / l["viewers"].as_f64().unwrap();
        assert!(
            (got - ratio(c)).abs() <= 1e-9 * ratio(c),
            "{name}: GMV per viewer {got}, history says {}",
            ratio(c)
        );
    }
    let lp = plan["plan"]["totals"]["metric_value_lp"].as_f64().unwrap();
    assert!((lp - 70_000.0).abs() < 1e-6 * 70_000.0, "{lp}");
    // gamma's net GMV is below zero: it counts 0 per viewer, gets nothing,
    // and is named on stderr and in summary.txt.
    assert_eq!(lane(&plan, "gamma")["spend_cny"].as_f64().unwrap(), 0.0);
    let note = format!(
        "net GMV of gamma over the history is below zero ({:.2} CNY per viewer: refunds exceed sales); the plan counts 0 GMV per viewer there",
        ratio(2)
    );
    assert!(err.contains(&format!("warning: {note}")), "{err}");
    let summary = std::fs::read_to_string(out.join("summary.txt")).unwrap();
    assert!(summary.contains(&format!("- Data: {note}.\n")), "{summary}");
    // Without the declaration the same history is refused.
    let (code, _, err) = acqplan(&["validate", "--data", s(&history)]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("line 4, column 5 `gmv`"), "{err}");
}

#[test]
fn empty_optional_cells_are_counted_and_the_plan_says_which_estimates_used_fewer_days() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("date,channel,spend,viewers,orders,comments\n");
    // orders = 2 % of viewers; alpha's orders empty on 28 days (d % 30 < 7),
    // beta's comments on its first 5 days.
    let mut present = (0.0, 0.0);
    let mut all_viewers = 0.0;
    for day in 0..120u32 {
        let (y, m, d) = acqplan::load::cell::civil_from_days(20_000 + day as i32);
        for (c, (name, vmax, k)) in CHANNELS.iter().enumerate() {
            let sp = spend(day, c, *k);
            let (vt, v) = written(vmax * (1.0 - (-sp / k).exp()), 4);
            let (mut ot, o) = written(0.02 * v, 4);
            if c == 0 {
                all_viewers += v;
                if day % 30 < 7 {
                    ot.clear();
                } else {
                    present.0 += o;
                    present.1 += v;
                }
            }
            let comments = if c == 1 && day < 5 { "" } else { "5" };
            csv.push_str(&format!(
                "{y:04}-{m:02}-{d:02},{name},{sp},{vt},{ot},{comments}\n"
            ));
        }
    }
    let history = dir.path().join("h.csv");
    std::fs::write(&history, csv).unwrap();
    let (code, out, err) = acqplan(&["validate", "--data", s(&history), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let counts = serde_json::json!({"comments": 5, "orders": 28});
    assert_eq!(v["empty_cells"], counts);
    assert_eq!(v["total_rows_left_out"], 0);

    // `acqplan plan` for 400 orders into `out` (with `extra` flags): its stderr.
    let plan_into = |out: &std::path::Path, extra: &[&str]| -> String {
        let mut args = vec![
            "plan",
            "--data",
            s(&history),
            "--target-orders",
            "400",
            "--fake-traffic",
            "off",
            "--out",
            s(out),
        ];
        args.extend_from_slice(extra);
        let (code, _, err) = acqplan(&args);
        assert_eq!(code, 0, "{err}");
        err
    };
    // `acqplan report` of `run` into `again`: its summary.txt.
    let drawn_again = |run: &std::path::Path, again: &std::path::Path| -> String {
        let (code, _, err) = acqplan(&["report", s(run), "--out", s(again)]);
        assert_eq!(code, 0, "{err}");
        std::fs::read_to_string(again.join("summary.txt")).unwrap()
    };
    let run = dir.path().join("run");
    let err = plan_into(&run, &[]);
    assert_eq!(
        json(&run.join("manifest.json"))["rows"]["empty_cells"],
        counts
    );
    let note = "orders per viewer of alpha from 92 of 120 days: 28 days had no orders cell";
    assert!(err.contains(&format!("warning: {note}\n")), "{err}");
    let summary = std::fs::read_to_string(run.join("summary.txt")).unwrap();
    assert!(summary.contains(&format!("- Data: {note}.\n")), "{summary}");
    assert!(!summary.contains("of beta from"), "{summary}");
    // The estimate leaves the empty days out of both sides: 2 % exactly as
    // written, where counting them as no orders would give less.
    let plan = json(&run.join("plan.json"));
    let l = lane(&plan, "alpha");
    let got = l["metric_value"].as_f64().unwrap() / l["viewers"].as_f64().unwrap();
    let want = present.0 / present.1;
    assert!((got - want).abs() <= 1e-9 * want, "{got} vs {want}");
    assert!(present.0 / all_viewers < 0.95 * want);
    // `acqplan report` writes the same summary from the run folder alone.
    assert_eq!(drawn_again(&run, &dir.path().join("again")), summary);
    // In Chinese: the note in Chinese (stderr stays English), and drawn
    // again in Chinese from the run folder, byte for byte.
    let zh = dir.path().join("zh");
    let err = plan_into(&zh, &["--lang", "zh"]);
    assert!(err.contains(&format!("warning: {note}\n")), "{err}");
    let summary = std::fs::read_to_string(zh.join("summary.txt")).unwrap();
    assert!(
        summary
            .contains("- 数据：alpha 的每观看订单数按 120 天 中的 92 估计：28 天 没有订单数。\n"),
        "{summary}"
    );
    assert_eq!(drawn_again(&zh, &dir.path().join("zh_again")), summary);
    // chart_data.json keeps the English words and the values.
    let data = json(&zh.join("chart_data.json"));
    assert_eq!(data["data_notes"][0], note);
    assert_eq!(data["data_note_values"][0]["fewer_rows"]["with"], 92);
}

/// Hourly rows: 3 days × 2 channels × 4 hours (00:00 included).
struct Hourly {
    stamps: Vec<(i32, u32)>,
    channel: Vec<&'static str>,
    spend: Vec<f64>,
    viewers: Vec<f64>,
    watch: Vec<f64>,
}

fn hourly() -> Hourly {
    let mut h = Hourly {
        stamps: Vec::new(),
        channel: Vec::new(),
        spend: Vec::new(),
        viewers: Vec::new(),
        watch: Vec::new(),
    };
    for day in 0..3 {
        for (c, name) in ["a", "b"].into_iter().enumerate() {
            for hour in [0u32, 6, 12, 18] {
                h.stamps.push((20_400 + day, hour));
                h.channel.push(name);
                h.spend.push((10 * (hour + 1) + c as u32) as f64);
                h.viewers.push((20 * (hour + 1)) as f64);
                h.watch.push(30.0 + hour as f64);
            }
        }
    }
    h
}

fn stamp_text(day: i32, hour: u32) -> String {
    format!("{} {hour:02}:00:00", acqplan::load::cell::format_date(day))
}

fn write_hourly_parquet(h: &Hourly, path: &Path) {
    let ms: Vec<i64> = h
        .stamps
        .iter()
        .map(|&(d, hr)| (d as i64 * 24 + hr as i64) * 3_600_000)
        .collect();
    let date = Int64Chunked::from_vec("date".into(), ms)
        .into_datetime(TimeUnit::Milliseconds, None)
        .into_series()
        .into_column();
    let mut df = DataFrame::new(
        h.spend.len(),
        vec![
            date,
            Column::new("channel".into(), h.channel.clone()),
            Column::new("spend".into(), h.spend.clone()),
            Column::new("viewers".into(), h.viewers.clone()),
            Column::new("avg_watch_seconds".into(), h.watch.clone()),
        ],
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(path).unwrap())
        .finish(&mut df)
        .unwrap();
}

fn write_hourly_xlsx(h: &Hourly, path: &Path) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let fmt = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    for (c, name) in ["date", "channel", "spend", "viewers", "avg_watch_seconds"]
        .into_iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, name).unwrap();
    }
    for (i, &(d, hour)) in h.stamps.iter().enumerate() {
        let (y, m, dd) = acqplan::load::cell::civil_from_days(d);
        let dt = ExcelDateTime::from_ymd(y as u16, m as u8, dd as u8)
            .unwrap()
            .and_hms(hour as u16, 0, 0)
            .unwrap();
        let r = i as u32 + 1;
        ws.write_datetime_with_format(r, 0, &dt, &fmt).unwrap();
        ws.write_string(r, 1, h.channel[i]).unwrap();
        ws.write_number(r, 2, h.spend[i]).unwrap();
        ws.write_number(r, 3, h.viewers[i]).unwrap();
        ws.write_number(r, 4, h.watch[i]).unwrap();
    }
    wb.save(path).unwrap();
}

fn write_hourly_csv(h: &Hourly, path: &Path) {
    let mut csv = String::from("date,channel,spend,viewers,avg_watch_seconds\n");
    for (i, &(d, hour)) in h.stamps.iter().enumerate() {
        csv.push_str(&format!(
            "{},{},{},{},{}\n",
            stamp_text(d, hour),
            h.channel[i],
            h.spend[i],
            h.viewers[i],
            h.watch[i]
        ));
    }
    std::fs::write(path, csv).unwrap();
}

#[test]
fn typed_date_times_are_summed_to_days_by_the_rule_of_hourly_text() {
    let dir = tempfile::tempdir().unwrap();
    let h = hourly();
    let files = [
        dir.path().join("h.csv"),
        dir.path().join("h.parquet"),
        dir.path().join("h.xlsx"),
    ];
    write_hourly_csv(&h, &files[0]);
    write_hourly_parquet(&h, &files[1]);
    write_hourly_xlsx(&h, &files[2]);
    // The days as summed by hand: spend and viewers added, watch time
    // weighted by viewers.
    let mut want: Vec<(f64, f64, f64)> = Vec::new();
    for day in h
        .spend
        .chunks(4)
        .zip(h.viewers.chunks(4))
        .zip(h.watch.chunks(4))
    {
        let ((sp, v), w) = day;
        let vs: f64 = v.iter().sum();
        let wv: f64 = v.iter().zip(w).map(|(a, b)| a * b).sum();
        want.push((sp.iter().sum(), vs, wv / vs));
    }
    for f in &files {
        let (code, out, err) = acqplan(&["validate", "--data", s(f), "--format", "json"]);
        assert_eq!(code, 0, "{}: {err}", f.display());
        assert!(
            err.contains("24 rows with a time of day summed into 6 daily rows"),
            "{}: {err}",
            f.display()
        );
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["rows"], 6, "{}", f.display());
        let l = acqplan::load::load(f, &Default::default()).unwrap();
        let df = l.data.frame();
        let col = |c: &str| -> Vec<f64> {
            df.column(c)
                .unwrap()
                .f64()
                .unwrap()
                .into_no_null_iter()
                .collect()
        };
        let got: Vec<(f64, f64, f64)> = col("spend")
            .into_iter()
            .zip(col("viewers"))
            .zip(col("avg_watch_seconds"))
            .map(|((a, b), c)| (a, b, c))
            .collect();
        assert_eq!(got.len(), want.len(), "{}", f.display());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!((g.0, g.1), (w.0, w.1), "{}", f.display());
            assert!(
                (g.2 - w.2).abs() <= 1e-12 * w.2,
                "{}: {g:?} vs {w:?}",
                f.display()
            );
        }
    }
    // Two rows of one hour stay a duplicate, in every format.
    let mut dup = hourly();
    dup.stamps[1] = dup.stamps[0];
    write_hourly_parquet(&dup, &files[1]);
    write_hourly_xlsx(&dup, &files[2]);
    write_hourly_csv(&dup, &files[0]);
    for (f, place) in [
        (
            &files[0],
            "line 3: duplicate date × room × channel (2025-11-08, all, a), first seen on line 2",
        ),
        (
            &files[1],
            "row 2: duplicate date × room × channel (2025-11-08, all, a), first seen on line 1",
        ),
        (
            &files[2],
            "row 3: duplicate date × room × channel (2025-11-08, all, a), first seen on line 2",
        ),
    ] {
        let (code, _, err) = acqplan(&["validate", "--data", s(f)]);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains(place), "{}: {err}", f.display());
    }
}

fn write_frame(path: &Path, columns: Vec<Column>) {
    let n = columns[0].len();
    let mut df = DataFrame::new(n, columns).unwrap();
    ParquetWriter::new(std::fs::File::create(path).unwrap())
        .finish(&mut df)
        .unwrap();
}

fn days(v: &[i32]) -> Column {
    Int32Chunked::from_vec("date".into(), v.to_vec())
        .into_date()
        .into_series()
        .into_column()
}

#[test]
fn a_parquet_folder_leaves_out_total_rows_and_names_empty_cells() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.parquet");
    let b = dir.path().join("b.parquet");
    let c = dir.path().join("c.parquet");
    write_frame(
        &a,
        vec![
            days(&[20_400, 20_401]),
            Column::new("room".into(), ["r1", "r1"]),
            Column::new("channel".into(), ["d", "d"]),
            Column::new("spend".into(), [100.0, 200.0]),
            Column::new("viewers".into(), [10.0, 20.0]),
            Column::new("orders".into(), [1.0, 2.0]),
        ],
    );
    // Rows 2 and 4 are a console's total rows (合计 in the room, Total in
    // the channel); row 3 has no orders.
    write_frame(
        &b,
        vec![
            days(&[20_402, 20_402, 20_403, 20_403]),
            Column::new("room".into(), ["r1", "合计", "r1", "r1"]),
            Column::new("channel".into(), ["d", "", "d", "Total"]),
            Column::new("spend".into(), [300.0, 300.0, 400.0, 400.0]),
            Column::new("viewers".into(), [30.0, 30.0, 40.0, 40.0]),
            Column::new("orders".into(), [Some(3.0), Some(3.0), None, None]),
        ],
    );
    // No orders column at all.
    write_frame(
        &c,
        vec![
            days(&[20_404, 20_405]),
            Column::new("room".into(), ["r1", "r1"]),
            Column::new("channel".into(), ["d", "d"]),
            Column::new("spend".into(), [500.0, 600.0]),
            Column::new("viewers".into(), [50.0, 60.0]),
        ],
    );
    let (code, out, err) = acqplan(&["validate", "--data", s(dir.path()), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!(
            "warning: `{}`: left out 2 total rows a console appended (合计 / Total), at rows 2, 4 (total rows are never summed in)",
            b.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "warning: {}, row 3, column 6 `orders`: empty `orders` cell: the row is kept",
            b.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "warning: `{}` has no `orders` column, which other files of {} have: its 2 rows count as empty `orders` cells",
            c.display(),
            dir.path().display()
        )),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["rows"], 6);
    assert_eq!(v["channels"][0]["spend_cny"], 2100.0);
    assert_eq!(v["channels"][0]["viewers"], 210.0);
    assert_eq!(v["total_rows_left_out"], 2);
    assert_eq!(v["empty_cells"], serde_json::json!({"orders": 3}));
    // The file alone, read by the Parquet row reader, says the same.
    let (code, _, err1) = acqplan(&["validate", "--data", s(&b)]);
    assert_eq!(code, 0, "{err1}");
    assert!(
        err1.contains("left out 2 total rows a console appended (合计 / Total), at rows 2, 4"),
        "{err1}"
    );
}

#[test]
fn channel_flag_names_the_channel_of_a_single_console_export() {
    let f = "tests/it/fixtures/exports/qianchuan_no_channel.csv";
    let (code, _, err) = acqplan(&["validate", "--data", f]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("required column `channel` not found"), "{err}");
    let (code, out, err) = acqplan(&[
        "validate",
        "--data",
        f,
        "--channel",
        "douyin_qianchuan",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("at lines 3, 7"), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["rows"], 4);
    assert_eq!(v["rooms"], 2);
    assert_eq!(v["channels"].as_array().unwrap().len(), 1);
    assert_eq!(v["channels"][0]["channel"], "douyin_qianchuan");
    assert_eq!(v["channels"][0]["spend_cny"], 4400.5);
    assert_eq!(v["empty_cells"], serde_json::json!({"orders": 1}));
    // A file that names its channels and --channel: refused, not relabelled.
    let (code, _, err) = acqplan(&[
        "validate",
        "--data",
        "tests/it/fixtures/console/qianchuan.csv",
        "--channel",
        "x",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("--channel \"x\" names the channel of every row, but the file has a channel column \"渠道\""),
        "{err}"
    );
    assert!(
        err.contains("hint: --channel (or `[data] channel`)"),
        "{err}"
    );
    // Not a name a row could hold.
    let (code, _, err) = acqplan(&["validate", "--data", f, "--channel", "合计"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--channel \"合计\" is not a channel name"),
        "{err}"
    );

    // `[data] channel`; ingest into a store and read the store back.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("acqplan.toml");
    let abs = std::fs::canonicalize(f).unwrap();
    std::fs::write(
        &cfg,
        format!("[data]\npath = {:?}\nchannel = \"qc\"\n", s(&abs)),
    )
    .unwrap();
    let (code, out, err) = acqplan(&["validate", "--config", s(&cfg), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["channels"][0]["channel"], "qc");
    let store = dir.path().join("store");
    let (code, _, err) = acqplan(&["ingest", f, "--into", s(&store), "--channel", "qc2"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = acqplan(&["validate", "--data", s(&store), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["channels"][0]["channel"], "qc2");
    assert_eq!(v["rows"], 4);
    // A Parquet folder without a channel column.
    let folder = dir.path().join("folder");
    std::fs::create_dir(&folder).unwrap();
    write_frame(
        &folder.join("p.parquet"),
        vec![
            days(&[20_400, 20_401]),
            Column::new("spend".into(), [100.0, 200.0]),
            Column::new("viewers".into(), [10.0, 20.0]),
        ],
    );
    let (code, out, err) = acqplan(&[
        "validate",
        "--data",
        s(&folder),
        "--channel",
        "ks",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["channels"][0]["channel"], "ks");
    assert_eq!(v["channels"][0]["spend_cny"], 300.0);
}

#[test]
fn channel_flag_carries_through_fit_and_plan() {
    let dir = tempfile::tempdir().unwrap();
    // One channel of common's exact curve, without a channel column.
    let (_, vmax, k) = CHANNELS[0];
    let mut csv = String::from("date,spend,viewers\n");
    for day in 0..120u32 {
        let (y, m, d) = acqplan::load::cell::civil_from_days(20_000 + day as i32);
        let sp = spend(day, 0, k);
        let v = vmax * (1.0 - (-sp / k).exp());
        csv.push_str(&format!("{y:04}-{m:02}-{d:02},{sp},{v:.4}\n"));
    }
    let history = dir.path().join("h.csv");
    std::fs::write(&history, csv).unwrap();
    let run = dir.path().join("run");
    let (code, _, err) = acqplan(&[
        "plan",
        "--data",
        s(&history),
        "--channel",
        "alpha",
        "--target-viewers",
        "14000",
        "--out",
        s(&run),
    ]);
    assert_eq!(code, 0, "{err}");
    let plan = json(&run.join("plan.json"));
    let l = lane(&plan, "alpha");
    // 2,000 viewers a day from V (1 − e^(−s/k)): s = −k ln(1 − 2000/V).
    let want = -k * (1.0 - 2_000.0 / vmax).ln() * 7.0;
    let got = l["spend_cny"].as_f64().unwrap();
    assert!((got - want).abs() < 0.01 * want, "{got} vs {want}");
    let curves = std::fs::read_to_string(run.join("curves.csv")).unwrap();
    assert!(curves.lines().nth(1).unwrap().contains("alpha"), "{curves}");
}

#[test]
fn a_store_keeps_net_gmv_across_ingests_and_asks_for_the_declaration_when_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let f = "tests/it/fixtures/exports/net_gmv.csv";
    let (code, _, err) = acqplan(&["ingest", f, "--into", s(&store)]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("gmv_is_net = true"), "{err}");
    let (code, _, err) = acqplan(&["ingest", f, "--into", s(&store), "--gmv-is-net"]);
    assert_eq!(code, 0, "{err}");
    // A second export of the same month: the month holding −350.5 is read
    // back and merged.
    let later = dir.path().join("later.csv");
    std::fs::write(
        &later,
        "date,channel,spend,viewers,orders,gmv\n2026-11-05,douyin,50,100,1,-20\n",
    )
    .unwrap();
    let (code, _, err) = acqplan(&["ingest", s(&later), "--into", s(&store), "--gmv-is-net"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = acqplan(&[
        "validate",
        "--data",
        s(&store),
        "--gmv-is-net",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["rows"], 5);
    let (code, _, err) = acqplan(&["validate", "--data", s(&store)]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("-350.5 is negative") && err.contains("--gmv-is-net"),
        "{err}"
    );
}
