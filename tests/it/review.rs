//! `acqplan review`: a plan against a "next week" built with known spend
//! and a known error of the curves, so that every figure of the review has
//! a known answer.

use std::collections::BTreeMap;
use std::path::Path;

use acqplan::synth::{GenOptions, Headers, generate};

use crate::common::acqplan_in as acqplan;

/// A curve of curves.json: viewers/day at a spend, and the weekday factors
/// (Monday first), evaluated here from the parameters (not by acqplan).
struct Curve {
    model: String,
    p: BTreeMap<String, f64>,
    weekday: Vec<f64>,
    /// κ of a weekly curve (`period_spread.factor`), 1 for daily ones.
    row_factor: f64,
}

impl Curve {
    fn value(&self, s: f64) -> f64 {
        let p = |k: &str| self.p[k];
        match self.model.as_str() {
            "exp" => p("vmax") * (1.0 - (-s / p("k_cny")).exp()),
            "hill" if s > 0.0 => p("vmax") / (1.0 + (p("k_cny") / s).powf(p("a"))),
            "hill" => 0.0,
            "power" => p("c") * s.powf(p("b")),
            m => panic!("family {m}"),
        }
    }
}

fn curves(run: &Path) -> BTreeMap<(String, String), Curve> {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("curves.json")).unwrap()).unwrap();
    v["curves"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fitted")
        .map(|c| {
            let key = (
                c["room"].as_str().unwrap().to_string(),
                c["channel"].as_str().unwrap().to_string(),
            );
            let p = c["params"]
                .as_object()
                .unwrap()
                .iter()
                .filter_map(|(k, v)| v.as_f64().map(|x| (k.clone(), x)))
                .collect();
            let weekday = c["weekday_factors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            let curve = Curve {
                model: c["model"].as_str().unwrap().to_string(),
                p,
                weekday,
                row_factor: c["period_spread"]["factor"].as_f64().unwrap_or(1.0),
            };
            (key, curve)
        })
        .collect()
}

/// plan.csv: (room, channel) → (spend over the horizon, viewers).
fn plan(run: &Path) -> BTreeMap<(String, String), (f64, f64)> {
    let text = std::fs::read_to_string(run.join("plan.csv")).unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| head.iter().position(|h| *h == n).unwrap();
    let (r, c, s, v) = (
        col("room"),
        col("channel"),
        col("spend_cny"),
        col("viewers"),
    );
    lines
        .map(|l| l.split(',').collect::<Vec<&str>>())
        .filter(|f| !f[r].is_empty() && f[r] != "total")
        .map(|f| {
            (
                (f[r].to_string(), f[c].to_string()),
                (f[s].parse().unwrap(), f[v].parse().unwrap()),
            )
        })
        .collect()
}

/// review.csv rows by (level, room, channel): column → cell.
fn review_rows(dir: &Path) -> BTreeMap<(String, String, String), BTreeMap<String, String>> {
    let text = std::fs::read_to_string(dir.join("review.csv")).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let head: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            let m: BTreeMap<String, String> = head
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect();
            (
                (m["level"].clone(), m["room"].clone(), m["channel"].clone()),
                m,
            )
        })
        .collect()
}

fn num(m: &BTreeMap<String, String>, k: &str) -> f64 {
    m[k].parse()
        .unwrap_or_else(|_| panic!("{k} = `{}` in {m:?}", m[k]))
}

/// Days since 1970-01-01 of `YYYY-MM-DD`, and its weekday (0 = Monday).
fn day(date: &str) -> (i64, usize) {
    let y: i64 = date[0..4].parse().unwrap();
    let m: i64 = date[5..7].parse().unwrap();
    let d: i64 = date[8..10].parse().unwrap();
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    (days, (days + 3).rem_euclid(7) as usize)
}

/// A 3-room × 140-day history, the plan for the week after its first 133
/// days, and that week rebuilt: each lane spends the plan's daily spend ×
/// `1 + δ` (δ from −30 % to +30 % by lane), and gets the run's curve at
/// that spend × the weekday factor × `1 + ε` (ε = +10 % on
/// douyin_qianchuan, 0 elsewhere), rounded to whole viewers. The other
/// columns are the generated week's.
struct Setup {
    dir: tempfile::TempDir,
    header: String,
    past: Vec<String>,
    week: Vec<String>,
    /// (room, channel) → the week's (date, spend) per row.
    spend: BTreeMap<(String, String), Vec<(String, f64)>>,
}

const EPS_CHANNEL: &str = "douyin_qianchuan";
const EPS: f64 = 0.10;

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let h = generate(&GenOptions {
        rooms: 3,
        days: 140,
        seed: 11,
        fake_rate: 0.0,
        ..GenOptions::default()
    });
    let csv = String::from_utf8(h.to_csv(Headers::English)).unwrap();
    let mut lines = csv.lines().map(str::to_string);
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("date,room,channel,spend,viewers,"),
        "{header}"
    );
    let rows: Vec<String> = lines.collect();
    let mut dates: Vec<&str> = rows.iter().map(|r| &r[..10]).collect();
    dates.dedup();
    let cut = dates[dates.len() - 7];
    let past: Vec<String> = rows.iter().filter(|r| &r[..10] < cut).cloned().collect();
    std::fs::write(
        d.join("past.csv"),
        format!("{header}\n{}\n", past.join("\n")),
    )
    .unwrap();
    let (code, _, err) = acqplan(
        d,
        &[
            "plan",
            "--data",
            "past.csv",
            "--target-viewers",
            "150k",
            "--out",
            "run",
            "--quiet",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let curves = curves(&d.join("run"));
    let planned = plan(&d.join("run"));
    let lanes: Vec<_> = planned.keys().cloned().collect();
    let mut week = Vec::new();
    let mut spend: BTreeMap<(String, String), Vec<(String, f64)>> = BTreeMap::new();
    for r in rows.iter().filter(|r| &r[..10] >= cut) {
        let mut f: Vec<String> = r.split(',').map(str::to_string).collect();
        let key = (f[1].clone(), f[2].clone());
        let i = lanes.iter().position(|k| *k == key).unwrap();
        let delta = -0.3 + 0.6 * i as f64 / (lanes.len() - 1) as f64;
        let s = (planned[&key].0 / 7.0 * (1.0 + delta)).round();
        let c = &curves[&key];
        let eps = if key.1 == EPS_CHANNEL { EPS } else { 0.0 };
        let v = c.value(s) * c.weekday[day(&f[0]).1] * (1.0 + eps);
        f[3] = format!("{s}");
        f[4] = format!("{}", v.round());
        spend.entry(key).or_default().push((f[0].clone(), s));
        week.push(f.join(","));
    }
    Setup {
        dir,
        header,
        past,
        week,
        spend,
    }
}

impl Setup {
    fn write(&self, name: &str, week: &[String]) {
        let mut all = self.past.clone();
        all.extend(week.iter().cloned());
        std::fs::write(
            self.dir.path().join(name),
            format!("{}\n{}\n", self.header, all.join("\n")),
        )
        .unwrap();
    }
}

#[test]
fn a_review_splits_the_miss_into_execution_and_prediction_with_known_answers() {
    let s = setup();
    let d = s.dir.path();
    s.write("full.csv", &s.week);
    // Screening off: the rebuilt week's viewers do not match its generated
    // engagement columns, which screening would rightly flag.
    let (code, out, err) = acqplan(
        d,
        &[
            "review",
            "--plan",
            "run",
            "--data",
            "full.csv",
            "--fake-traffic",
            "off",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(7 of 7 days covered)"), "{out}");
    let curves = curves(&d.join("run"));
    let planned = plan(&d.join("run"));
    let rows = review_rows(&d.join("run-review"));
    let mut totals = [0.0f64; 4]; // planned, predicted, actual, execution
    for ((room, channel), days) in &s.spend {
        let r = &rows[&("lane".into(), room.clone(), channel.clone())];
        let c = &curves[&(room.clone(), channel.clone())];
        let (p_spend, p_viewers) = planned[&(room.clone(), channel.clone())];
        let actual_spend: f64 = days.iter().map(|x| x.1).sum();
        // The curve at the spend spent, day by day, with the weekday factor.
        let predicted: f64 = days
            .iter()
            .map(|(date, sp)| c.value(*sp) * c.weekday[day(date).1])
            .sum();
        let eps = if channel == EPS_CHANNEL { EPS } else { 0.0 };
        assert!(
            (num(r, "planned_spend_cny") - p_spend).abs() < 0.02,
            "{r:?}"
        );
        assert!((num(r, "planned_viewers") - p_viewers).abs() < 0.2, "{r:?}");
        assert!(
            (num(r, "actual_spend_cny") - actual_spend).abs() < 0.01,
            "{r:?}"
        );
        let got = num(r, "predicted_viewers_at_actual_spend");
        assert!(
            (got - predicted).abs() < 0.1 + 1e-9 * predicted,
            "{got} vs {predicted}: {r:?}"
        );
        // Execution: the curve at the spend spent against the plan.
        assert!(
            (num(r, "execution_viewers") - (predicted - p_viewers)).abs() < 0.3,
            "{r:?}"
        );
        // Prediction: the known error ε of the week's viewers (each day
        // rounded to a whole viewer).
        let prediction = num(r, "prediction_viewers");
        assert!(
            (prediction - eps * predicted).abs() <= 0.5 * days.len() as f64 + 0.1,
            "{channel}: prediction {prediction}, ε·predicted {}",
            eps * predicted
        );
        assert_eq!(num(r, "fake_traffic_viewers"), 0.0);
        let parts = num(r, "execution_viewers") + num(r, "prediction_viewers");
        assert!((parts - num(r, "miss_viewers")).abs() < 0.3, "{r:?}");
        totals[0] += p_viewers;
        totals[1] += predicted;
        totals[2] += num(r, "actual_viewers");
        totals[3] += predicted - p_viewers;
    }
    let t = &rows[&("total".into(), String::new(), String::new())];
    assert!((num(t, "planned_viewers") - totals[0]).abs() < 1.0);
    assert!((num(t, "predicted_viewers_at_actual_spend") - totals[1]).abs() < 1.0);
    assert!((num(t, "actual_viewers") - totals[2]).abs() < 1.0);
    assert!((num(t, "execution_viewers") - totals[3]).abs() < 1.0);
    // The channel with ε: actual ≈ 1.1 × predicted.
    let ch = &rows[&("channel".into(), String::new(), EPS_CHANNEL.into())];
    let ratio = num(ch, "actual_viewers") / num(ch, "predicted_viewers_at_actual_spend");
    assert!((ratio - (1.0 + EPS)).abs() < 0.002, "{ratio}");
    // The headline names the figures.
    let headline = out.lines().find(|l| l.starts_with("planned ")).unwrap();
    assert!(
        headline.contains("at that spend the curves predicted"),
        "{headline}"
    );

    // JSON: the same review.
    let (code, json, err) = acqplan(
        d,
        &[
            "review",
            "--plan",
            "run",
            "--data",
            "full.csv",
            "--out",
            "rj",
            "--format",
            "json",
            "--fake-traffic",
            "off",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["days_covered"], 7);
    assert!((v["total"]["actual_viewers"].as_f64().unwrap() - totals[2]).abs() < 1.0);
    assert_eq!(v["headline"].as_str().unwrap(), headline);

    // With screening (the run's own policy): rows flagged as fake traffic
    // keep their spend, lose their viewers, and the part of the miss they
    // cause is its own term; the parts still add up to the miss.
    let (code, _, err) = acqplan(
        d,
        &[
            "review", "--plan", "run", "--data", "full.csv", "--out", "rs",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let screened = review_rows(&d.join("rs"));
    let mut flagged = 0.0;
    for r in screened.values() {
        let parts = num(r, "execution_viewers")
            + num(r, "fake_traffic_viewers")
            + num(r, "prediction_viewers")
            + num(r, "unsplit_viewers");
        assert!((parts - num(r, "miss_viewers")).abs() < 0.5, "{r:?}");
        assert!(num(r, "fake_traffic_viewers") <= 0.0, "{r:?}");
        if r["level"] == "lane" {
            flagged += num(r, "flagged_spend_cny");
            let unscreened = &rows[&(r["level"].clone(), r["room"].clone(), r["channel"].clone())];
            assert_eq!(r["actual_spend_cny"], unscreened["actual_spend_cny"]);
            if num(r, "flagged_spend_cny") == 0.0 {
                assert_eq!(r["actual_viewers"], unscreened["actual_viewers"]);
                assert_eq!(num(r, "fake_traffic_viewers"), 0.0);
            } else {
                assert!(num(r, "actual_viewers") < num(unscreened, "actual_viewers"));
                assert!(num(r, "fake_traffic_viewers") < 0.0);
            }
        }
    }
    let t = &screened[&("total".into(), String::new(), String::new())];
    assert!((num(t, "flagged_spend_cny") - flagged).abs() < 0.05);
}

#[test]
fn a_review_before_the_week_ends_pro_rates_the_plan_and_names_what_changed() {
    let s = setup();
    let d = s.dir.path();
    let mut dates: Vec<&str> = s.week.iter().map(|r| &r[..10]).collect();
    dates.dedup();
    // Three days of the week; one planned lane has no rows; a new lane
    // appears.
    let (gone_room, gone_channel) = s.spend.keys().next().unwrap().clone();
    let mut week: Vec<String> = s
        .week
        .iter()
        .filter(|r| dates[..3].contains(&&r[..10]))
        .filter(|r| !r.starts_with(&format!("{},{gone_room},{gone_channel},", &r[..10])))
        .cloned()
        .collect();
    let new_row = {
        let mut f: Vec<String> = week[0].split(',').map(str::to_string).collect();
        f[2] = "xiaohongshu".into();
        f[3] = "500".into();
        f[4] = "800".into();
        f.join(",")
    };
    week.push(new_row);
    s.write("part.csv", &week);
    let (code, out, err) = acqplan(
        d,
        &[
            "review",
            "--plan",
            "run",
            "--data",
            "part.csv",
            "--fake-traffic",
            "off",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(3 of 7 days covered)"), "{out}");
    assert!(out.contains("covers 3 of the 7 planned days"), "{out}");
    let curves = curves(&d.join("run"));
    let planned = plan(&d.join("run"));
    let rows = review_rows(&d.join("run-review"));
    for ((room, channel), (p_spend, p_viewers)) in &planned {
        if *p_spend == 0.0 {
            continue;
        }
        let r = rows
            .get(&("lane".into(), room.clone(), channel.clone()))
            .unwrap_or_else(|| panic!("{room} {channel}: {:?}", rows.keys()));
        let c = &curves[&(room.clone(), channel.clone())];
        let w3: f64 = dates[..3].iter().map(|x| c.weekday[day(x).1]).sum();
        let w7: f64 = dates.iter().map(|x| c.weekday[day(x).1]).sum();
        assert!((num(r, "planned_spend_cny") - p_spend * 3.0 / 7.0).abs() < 0.02);
        assert!(
            (num(r, "planned_viewers") - p_viewers * w3 / w7).abs() < 0.2,
            "{r:?}"
        );
        if (room, channel) == (&gone_room, &gone_channel) {
            assert_eq!(r["note"], "no rows");
            assert_eq!(num(r, "actual_spend_cny"), 0.0);
            assert!((num(r, "execution_viewers") + num(r, "planned_viewers")).abs() < 0.2);
        }
    }
    let room0 = week.last().unwrap().split(',').nth(1).unwrap().to_string();
    let new = &rows[&("lane".into(), room0, "xiaohongshu".into())];
    assert_eq!(new["note"], "not in the plan");
    assert_eq!(new["predicted_viewers_at_actual_spend"], "");
    assert_eq!(num(new, "unsplit_viewers"), 800.0);
    assert!(out.contains("lanes without a curve (1) +800"), "{out}");

    // The history before the week: nothing to review, a clear error.
    let (code, _, err) = acqplan(
        d,
        &[
            "review", "--plan", "run", "--data", "past.csv", "--out", "x",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("nothing to review yet"), "{err}");
    assert!(
        err.contains("hint: ingest the exports of the planned week"),
        "{err}"
    );
    assert!(!d.join("x").exists());
}

#[test]
fn a_weekly_run_is_reviewed_on_its_weekly_row() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 3 rooms × 30 weeks of weekly rows dated Mondays, as a console exports
    // them (the generator's days summed per ISO week).
    let h = generate(&GenOptions {
        rooms: 3,
        days: 7 * 30,
        start_day: day("2026-03-02").0 as i32,
        seed: 4,
        fake_rate: 0.0,
        ..GenOptions::default()
    });
    let csv = String::from_utf8(h.to_csv(Headers::English)).unwrap();
    let mut lines = csv.lines();
    let _ = lines.next();
    let mut weeks: BTreeMap<(i64, String, String), (f64, f64)> = BTreeMap::new();
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        let (days, wd) = day(f[0]);
        let e = weeks
            .entry((days - wd as i64, f[1].into(), f[2].into()))
            .or_default();
        e.0 += f[3].parse::<f64>().unwrap();
        e.1 += f[4].parse::<f64>().unwrap();
    }
    let date = |days: i64| {
        let (y, m, dd) = acqplan::contract::calendar::civil_from_days(days as i32);
        format!("{y:04}-{m:02}-{dd:02}")
    };
    let last = weeks.keys().map(|k| k.0).max().unwrap();
    let write = |name: &str, upto: i64, edit: &dyn Fn(&str, f64) -> f64| {
        let mut text = String::from("date,room,channel,spend,viewers\n");
        for ((w, room, channel), (s, v)) in &weeks {
            if *w <= upto {
                let s = if *w == last { edit(channel, *s) } else { *s };
                text.push_str(&format!("{},{room},{channel},{s},{v}\n", date(*w)));
            }
        }
        std::fs::write(d.join(name), text).unwrap();
    };
    write("past.csv", last - 7, &|_, s| s);
    let (code, _, err) = acqplan(
        d,
        &[
            "plan",
            "--data",
            "past.csv",
            "--target-viewers",
            "100k",
            "--horizon-weeks",
            "1",
            "--out",
            "run",
            "--quiet",
        ],
    );
    assert_eq!(code, 0, "{err}");
    // The last week as it happened, but each lane spent 20 % more than it
    // did in the generated week.
    write("full.csv", last, &|_, s| s * 1.2);
    let (code, out, err) = acqplan(d, &["review", "--plan", "run", "--data", "full.csv"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(7 of 7 days covered)"), "{out}");
    let curves = curves(&d.join("run"));
    let rows = review_rows(&d.join("run-review"));
    let mut checked = 0;
    for ((w, room, channel), (s, _)) in &weeks {
        if *w != last {
            continue;
        }
        let Some(c) = curves.get(&(room.clone(), channel.clone())) else {
            continue;
        };
        let r = &rows[&("lane".into(), room.clone(), channel.clone())];
        let spend = s * 1.2;
        assert!((num(r, "actual_spend_cny") - spend).abs() < 0.01, "{r:?}");
        // A weekly row is 7 days of its per-day rate; no weekday factor;
        // the days of the history's weeks spent unevenly, so a row is
        // predicted as κ × the curve of an evenly spent day.
        assert!((0.8..1.0).contains(&c.row_factor), "κ {}", c.row_factor);
        let predicted = 7.0 * c.row_factor * c.value(spend / 7.0);
        let got = num(r, "predicted_viewers_at_actual_spend");
        assert!(
            (got - predicted).abs() < 0.1 + 1e-9 * predicted,
            "{got} vs {predicted}"
        );
        checked += 1;
    }
    assert!(checked >= 20, "{checked}");
    // A daily history against a weekly run: a clear error.
    let (code, _, err) = acqplan(
        d,
        &[
            "review", "--plan", "run", "--data", "past.csv", "--period", "day", "--out", "y",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("the run's rows are of 7 day(s)"), "{err}");
}

#[test]
fn run_reviews_last_weeks_run_in_its_summary_and_report_keeps_it() {
    let s = setup();
    let d = s.dir.path();
    s.write("full.csv", &s.week);
    // Last week's run, in the out_root (`reports`) the next run searches.
    let plan_args = |data: &str, out: &str| -> Vec<String> {
        [
            "run",
            "--data",
            data,
            "--target-viewers",
            "150k",
            "--fake-traffic",
            "off",
            "--out",
            out,
        ]
        .iter()
        .map(|x| x.to_string())
        .collect()
    };
    let args = plan_args("past.csv", "reports/w1");
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, err) = acqplan(d, &a);
    assert_eq!(code, 0, "{err}");
    // A run on the same history finds no earlier plan to review (w1's plan
    // starts on the same day as its own).
    let args = plan_args("past.csv", "reports/w1-again");
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(acqplan(d, &a).0, 0);
    assert!(!d.join("reports/w1-again/review.csv").exists());
    std::fs::remove_dir_all(d.join("reports/w1-again")).unwrap();
    // This week's run reviews w1 (the latest earlier plan) on the history
    // that now holds the planned week.
    let args = plan_args("full.csv", "reports/w2");
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, err) = acqplan(d, &a);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("last week: the plan for "), "{err}");
    let run_review = std::fs::read(d.join("reports/w2/review.csv")).unwrap();
    let (code, out, err) = acqplan(
        d,
        &[
            "review",
            "--plan",
            "reports/w1",
            "--data",
            "full.csv",
            "--out",
            "alone",
            "--fake-traffic",
            "off",
        ],
    );
    assert_eq!(code, 0, "{err}");
    // The same review as `acqplan review` of that run.
    assert_eq!(
        run_review,
        std::fs::read(d.join("alone/review.csv")).unwrap()
    );
    let headline = out.lines().find(|l| l.starts_with("planned ")).unwrap();
    let summary = std::fs::read_to_string(d.join("reports/w2/summary.txt")).unwrap();
    let section = summary.split("\nLast week:\n").nth(1).expect(&summary);
    let first = section.lines().next().unwrap();
    assert!(first.starts_with("- the plan for "), "{first}");
    assert!(first.contains("(run w1): "), "{first}");
    assert!(first.ends_with(headline), "{first}\n{headline}");
    assert!(
        section.lines().nth(1).unwrap().starts_with("- miss "),
        "{section}"
    );
    // `report` in place writes the same summary (the review is kept in
    // chart_data.json).
    let (code, _, err) = acqplan(d, &["report", "reports/w2"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(d.join("reports/w2/summary.txt")).unwrap(),
        summary
    );
}
