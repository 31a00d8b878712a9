//! `acqplan fit` through the real binary, against the generator's known
//! curves.

use std::path::Path;

use acqplan::curves::{Curve, Model};
use assert_cmd::Command;

use crate::common::outcome;
use serde_json::Value;

fn acqplan() -> Command {
    Command::cargo_bin("acqplan").unwrap()
}

/// Run and return (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = acqplan().args(args).output().unwrap();
    outcome(out)
}

/// `gen --rooms 2 --days 180 --fake-rate 0` into `dir`, plus a config with
/// the private-domain cap.
fn generate(dir: &Path) {
    let (code, _, err) = run(&[
        "gen",
        "--rooms",
        "2",
        "--days",
        "180",
        "--fake-rate",
        "0",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(
        dir.join("acqplan.toml"),
        "[channels.wechat_private]\nreach_cap_per_day = 5000\n",
    )
    .unwrap();
}

fn fit_into(dir: &Path, out: &str, extra: &[&str]) -> (i32, String, String) {
    let data = dir.join("history.csv");
    let config = dir.join("acqplan.toml");
    let out = dir.join(out);
    let mut args = vec![
        "fit",
        "--data",
        data.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The fitted curve of a `curves.json` record.
fn fitted_curve(rec: &Value) -> Curve {
    let p = &rec["params"];
    let f = |k: &str| p[k].as_f64().unwrap();
    let model = match rec["model"].as_str().unwrap() {
        "exp" => Model::Exp {
            vmax: f("vmax"),
            k_cny: f("k_cny"),
        },
        "hill" => Model::Hill {
            vmax: f("vmax"),
            k_cny: f("k_cny"),
            a: f("a"),
        },
        "power" => Model::Power {
            c: f("c"),
            b: f("b"),
        },
        m => panic!("unknown model {m}"),
    };
    Curve {
        model,
        cap_viewers_per_day: rec["cap_viewers_per_day"].as_f64(),
    }
}

fn at_p50(rec: &Value) -> &Value {
    rec["at_spend"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["percentile"] == 50)
        .unwrap()
}

#[test]
fn fitted_curves_match_the_generators_truth_within_10_percent() {
    let tmp = tempfile::tempdir().unwrap();
    generate(tmp.path());
    let (code, stdout, err) = fit_into(tmp.path(), "run", &[]);
    assert_eq!(code, 0, "{err}");
    let truth = read_json(&tmp.path().join("truth.json"));
    let curves = read_json(&tmp.path().join("run/curves.json"));
    assert_eq!(curves["granularity"], "room_channel");
    let recs = curves["curves"].as_array().unwrap();
    let pairs = truth["curves"].as_array().unwrap();
    assert_eq!(pairs.len(), 16);
    assert_eq!(recs.len(), pairs.len());
    let mut misses = Vec::new();
    for t in pairs {
        let (room, channel) = (t["room"].as_str().unwrap(), t["channel"].as_str().unwrap());
        let rec = recs
            .iter()
            .find(|r| r["room"] == room && r["channel"] == channel)
            .unwrap_or_else(|| panic!("no curve for {room} × {channel}"));
        assert_eq!(rec["status"], "fitted", "{rec}");
        let true_curve: Curve = serde_json::from_value(t["curve"].clone()).unwrap();
        let p50 = at_p50(rec);
        let spend = p50["spend_cny"].as_f64().unwrap();
        let fitted = p50["viewers_per_day"].as_f64().unwrap();
        let expected = true_curve.value(spend);
        // The exported number is the curve's own value at that spend.
        let own = fitted_curve(rec).value(spend);
        assert!((own - fitted).abs() <= 1e-9 * fitted, "{own} vs {fitted}");
        let err = fitted / expected - 1.0;
        if err.abs() > 0.10 {
            misses.push(format!(
                "{room} × {channel}: {fitted:.0} vs true {expected:.0} ({:+.1} %)",
                100.0 * err
            ));
        }
        // Cost per viewer at p50 is spend / viewers.
        let cpv = p50["average_cost_per_viewer_cny"].as_f64().unwrap();
        assert!((cpv - spend / fitted).abs() < 1e-9 * cpv);
        assert!(p50["viewers_p10_per_day"].as_f64().unwrap() <= fitted);
        assert!(p50["viewers_p90_per_day"].as_f64().unwrap() >= fitted);
        let limit = rec["extrapolation_limit_cny"].as_f64().unwrap();
        let smax = rec["quality"]["spend_max_cny"].as_f64().unwrap();
        assert!((limit - 1.5 * smax).abs() < 1e-9 * limit);
        assert_eq!(rec["cv_scores"].as_array().unwrap().len(), 3, "{rec}");
        assert!(stdout.contains(room) && stdout.contains(channel));
    }
    assert!(
        misses.is_empty(),
        "viewers at median spend off by > 10 %:\n{}",
        misses.join("\n")
    );

    // The private domain is capped at 5,000 viewers/day from the config.
    for rec in recs.iter().filter(|r| r["channel"] == "wechat_private") {
        assert_eq!(rec["cap_viewers_per_day"].as_f64(), Some(5000.0));
        let curve = fitted_curve(rec);
        for spend in [1.0, 1e3, 1e4, 1e5, 1e7, 1e12] {
            assert!(
                curve.value(spend) <= 5000.0,
                "{spend}: {}",
                curve.value(spend)
            );
        }
        for a in rec["at_spend"].as_array().unwrap() {
            assert!(a["viewers_p90_per_day"].as_f64().unwrap() <= 5000.0);
        }
    }
    // Other channels carry no cap.
    assert!(
        recs.iter()
            .filter(|r| r["channel"] != "wechat_private")
            .all(|r| r["cap_viewers_per_day"].is_null())
    );

    // curves.csv: a header and one row per pair, in (room, channel) order.
    let mut csv = csv::Reader::from_path(tmp.path().join("run/curves.csv")).unwrap();
    let headers = csv.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 16);
    let keys: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r[col("room")].to_string(), r[col("channel")].to_string()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(keys, sorted);
    for (row, rec) in rows.iter().zip(recs) {
        assert_eq!(row[col("room")], *rec["room"].as_str().unwrap());
        assert_eq!(row[col("status")], *"fitted");
        let v: f64 = row[col("p50_viewers_per_day")].parse().unwrap();
        assert_eq!(v, at_p50(rec)["viewers_per_day"].as_f64().unwrap());
    }
}

#[test]
fn two_runs_write_identical_bytes_and_an_occupied_folder_needs_force() {
    let tmp = tempfile::tempdir().unwrap();
    generate(tmp.path());
    let (code, stdout1, err) = fit_into(tmp.path(), "a", &["--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let (code, stdout2, err) = fit_into(tmp.path(), "b", &["--format", "json"]);
    assert_eq!(code, 0, "{err}");
    for f in ["curves.csv", "curves.json"] {
        let a = std::fs::read(tmp.path().join("a").join(f)).unwrap();
        let b = std::fs::read(tmp.path().join("b").join(f)).unwrap();
        assert!(a == b, "{f} differs between runs");
    }
    // --format json prints curves.json.
    assert_eq!(stdout1, stdout2);
    assert_eq!(
        stdout1.as_bytes(),
        std::fs::read(tmp.path().join("a/curves.json")).unwrap()
    );
    // An occupied folder is refused (exit 2), nothing is replaced.
    std::fs::write(tmp.path().join("a/curves.csv"), "old").unwrap();
    let (code, stdout, err) = fit_into(tmp.path(), "a", &[]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(stdout, "");
    assert!(
        err.contains("already holds a run") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(tmp.path().join("a/curves.csv")).unwrap(),
        b"old"
    );
    let (code, _, err) = fit_into(tmp.path(), "a", &["--force"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read(tmp.path().join("a/curves.csv")).unwrap(),
        std::fs::read(tmp.path().join("b/curves.csv")).unwrap()
    );
}

#[test]
fn pooling_by_channel_gives_one_curve_per_channel_with_rooms_caps_added() {
    let tmp = tempfile::tempdir().unwrap();
    generate(tmp.path());
    let (code, _, err) = fit_into(tmp.path(), "run", &["--by", "channel"]);
    assert_eq!(code, 0, "{err}");
    let curves = read_json(&tmp.path().join("run/curves.json"));
    assert_eq!(curves["granularity"], "channel");
    let recs = curves["curves"].as_array().unwrap();
    assert_eq!(recs.len(), 8);
    assert!(
        recs.iter()
            .all(|r| r["room"] == "all" && r["status"] == "fitted")
    );
    let private = recs
        .iter()
        .find(|r| r["channel"] == "wechat_private")
        .unwrap();
    // 5,000 per room × 2 rooms.
    assert_eq!(private["cap_viewers_per_day"].as_f64(), Some(10000.0));
    // 180 days, both rooms summed per day.
    assert_eq!(private["days_total"], 180);
}

#[test]
fn cap_flag_overrides_config_and_bad_caps_are_usage_errors() {
    let tmp = tempfile::tempdir().unwrap();
    generate(tmp.path());
    let (code, _, err) = fit_into(tmp.path(), "run", &["--cap", "wechat_private=800"]);
    assert_eq!(code, 0, "{err}");
    let curves = read_json(&tmp.path().join("run/curves.json"));
    for rec in curves["curves"].as_array().unwrap() {
        if rec["channel"] == "wechat_private" {
            assert_eq!(rec["cap_viewers_per_day"].as_f64(), Some(800.0));
            for a in rec["at_spend"].as_array().unwrap() {
                assert!(a["viewers_per_day"].as_f64().unwrap() <= 800.0);
            }
        }
    }
    let (code, _, err) = fit_into(tmp.path(), "run2", &["--cap", "wechat_private"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("`--cap wechat_private`") && err.contains("hint: "),
        "{err}"
    );
    assert!(!tmp.path().join("run2").exists());
    let (code, _, err) = fit_into(tmp.path(), "run2", &["--by", "room"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn constant_spend_channel_is_unusable_with_a_reason_and_no_nan() {
    let tmp = tempfile::tempdir().unwrap();
    // No room column: one room. `steady` spends 100 every day.
    let mut csv = String::from("date,channel,spend,viewers\n");
    for d in 1..=28 {
        let day = format!("2026-02-{d:02}");
        let spend = 100.0 * (1.0 + (d % 9) as f64);
        let viewers = (800.0 * (1.0 - (-spend / 500.0f64).exp())).round();
        csv.push_str(&format!("{day},paid,{spend},{viewers}\n"));
        csv.push_str(&format!("{day},steady,100,{}\n", 40 + d % 5));
    }
    let data = tmp.path().join("h.csv");
    std::fs::write(&data, csv).unwrap();
    let out = tmp.path().join("run");
    let (code, stdout, err) = run(&[
        "fit",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("1 of 2 curves have no usable fit"), "{err}");
    let curves = read_json(&out.join("curves.json"));
    assert_eq!(curves["granularity"], "channel");
    assert_eq!(curves["fitted"], 1);
    assert_eq!(curves["unusable"], 1);
    let steady = &curves["curves"][1];
    assert_eq!(steady["room"], "all");
    assert_eq!(steady["channel"], "steady");
    assert_eq!(steady["status"], "unusable");
    let reason = steady["reason"].as_str().unwrap();
    assert!(reason.contains("constant at 100.00 CNY/day"), "{reason}");
    assert!(steady["model"].is_null() && steady["quality"].is_null());
    assert_eq!(curves["curves"][0]["status"], "fitted");
    let line = stdout.lines().find(|l| l.contains("steady")).unwrap();
    assert!(line.contains("unusable: spend is constant"), "{line}");

    let csv_text = std::fs::read_to_string(out.join("curves.csv")).unwrap();
    let json_text = std::fs::read_to_string(out.join("curves.json")).unwrap();
    for text in [&csv_text, &json_text] {
        let lower = text.to_lowercase();
        assert!(!lower.contains("nan") && !lower.contains("inf"), "{text}");
    }
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = r.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let get = |name: &str| &rows[1][headers.iter().position(|h| h == name).unwrap()];
    assert_eq!(get("status"), "unusable");
    assert_eq!(get("reason"), reason);
    assert_eq!(get("r2_log"), "");
    assert_eq!(get("p50_viewers_per_day"), "");
}

/// `(true viewers ÷ target, target)` of the plan for the week after a
/// drifting history (`gen --drift`: cost per viewer +40 %/year with random
/// walks), scored on the true curves of that week (truth.json), for a
/// target equal to what the lanes' typical spend truly buys that week.
fn drift_plan_delivery(dir: &Path, seed: u64, extra: &[&str]) -> f64 {
    let gen_dir = dir.join(format!("gen{seed}"));
    let seed_s = seed.to_string();
    let (code, _, err) = run(&[
        "gen",
        "--rooms",
        "12",
        "--days",
        "540",
        "--fake-rate",
        "0",
        "--drift",
        "--noise-sigma",
        "0.3",
        "--seed",
        &seed_s,
        "--out",
        gen_dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let truth: Value =
        serde_json::from_slice(&std::fs::read(gen_dir.join("truth.json")).unwrap()).unwrap();
    let wd = truth["weekday_factors"].as_array().unwrap();
    let am = wd.iter().map(|v| v.as_f64().unwrap()).sum::<f64>() / 7.0;
    let curves: Vec<(String, String, Curve, f64)> = truth["curves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["room"].as_str().unwrap().to_string(),
                c["channel"].as_str().unwrap().to_string(),
                serde_json::from_value(c["curve"].clone()).unwrap(),
                c["typical_spend_cny"].as_f64().unwrap(),
            )
        })
        .collect();
    let week = |spend: &dyn Fn(&str, &str, f64) -> f64| -> f64 {
        curves
            .iter()
            .map(|(r, ch, c, typ)| 7.0 * am * c.value(spend(r, ch, *typ)))
            .sum()
    };
    let target = week(&|_, _, typ| typ);
    let out = dir.join(format!("plan{seed}{}", extra.join("")));
    let target_s = format!("{target:.0}");
    let mut args: Vec<String> = vec![
        "plan".into(),
        "--data".into(),
        gen_dir.join("history.csv").to_str().unwrap().to_owned(),
        "--target-viewers".into(),
        target_s,
        "--out".into(),
        out.to_str().unwrap().to_owned(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, stdout, err) = run(&refs);
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    let planned: std::collections::BTreeMap<(String, String), f64> = plan["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                (
                    r["room"].as_str().unwrap().to_string(),
                    r["channel"].as_str().unwrap().to_string(),
                ),
                r["spend_cny_per_day"].as_f64().unwrap(),
            )
        })
        .collect();
    let delivered = week(&|r, ch, _| {
        planned
            .get(&(r.to_string(), ch.to_string()))
            .copied()
            .unwrap_or(0.0)
    });
    delivered / target
}

/// Costs drift (+40 %/year, random walks, 540 days, 12 rooms): the plan for
/// the week after the history reaches its target on that week's true
/// curves within 1.5 % on average over six fresh histories (every one
/// within 4 %), where weighting all history the same falls far short.
/// Calibration over seeds 1–6 before these seeds were run: delivered
/// 97.7–100.5 % of the target with recency (`auto`), 79.8–87.2 % with
/// `--half-life all`.
#[test]
fn plans_for_drifting_costs_reach_the_target_of_the_coming_week() {
    let dir = tempfile::tempdir().unwrap();
    let (mut auto_sum, mut all_sum) = (0.0, 0.0);
    let seeds = 101..=106u64;
    let n = seeds.clone().count() as f64;
    for seed in seeds {
        let auto = drift_plan_delivery(dir.path(), seed, &[]);
        let all = drift_plan_delivery(dir.path(), seed, &["--half-life", "all"]);
        eprintln!("seed {seed}: auto {auto:.4} all-history {all:.4}");
        assert!((auto - 1.0).abs() < 0.04, "seed {seed}: delivered {auto}");
        auto_sum += auto;
        all_sum += all;
    }
    let (auto, all) = (auto_sum / n, all_sum / n);
    assert!(
        (auto - 1.0).abs() < 0.015,
        "mean delivered {auto} of the target"
    );
    assert!(
        all < 0.95,
        "all history delivered {all}: the test lost its teeth"
    );
}

/// A promotion calendar shows in curves.json: its entries, the lane-days
/// left out of the curves and each channel's lift, near the generator's
/// ×1.6 on the ten promotion days (the lift's error over 40 fresh draws is
/// −9…+10 % per channel, `calendar::tests::calibration`; the bound here is
/// on the median over the 8 channels). Without a calendar the key is
/// absent.
#[test]
fn curves_json_carries_the_promotion_calendar_and_its_lifts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let days: Vec<String> = (0..10)
        .map(|i| format!("2026-06-{:02}", 2 + 3 * i))
        .collect();
    let mut args = vec![
        "gen".to_string(),
        "--rooms".into(),
        "3".into(),
        "--days".into(),
        "240".into(),
        "--fake-rate".into(),
        "0".into(),
        "--seed".into(),
        "20261203".into(),
    ];
    for day in &days {
        args.push("--promotion".into());
        args.push(format!("{day}:1.6"));
    }
    args.extend(["--out".into(), d.to_str().unwrap().into()]);
    let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    let (code, _, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    let mut toml = String::new();
    for (i, day) in days.iter().enumerate() {
        toml.push_str(&format!(
            "[[calendar]]\nname = \"promo {i}\"\ndate = \"{day}\"\n\n"
        ));
    }
    std::fs::write(d.join("acqplan.toml"), toml).unwrap();
    let (code, _, err) = fit_into(d, "run", &[]);
    assert_eq!(code, 0, "{err}");
    let v: Value =
        serde_json::from_slice(&std::fs::read(d.join("run/curves.json")).unwrap()).unwrap();
    let p = &v["promotions"];
    assert_eq!(p["calendar"].as_array().unwrap().len(), 10, "{p}");
    assert_eq!(p["calendar"][0]["first_day"], "2026-06-02");
    let left: u64 = p["left_out_lane_days"]
        .as_object()
        .unwrap()
        .values()
        .map(|x| x.as_u64().unwrap())
        .sum();
    // 10 days × 3 rooms × 8 channels, less the paused lane-days (5 %).
    assert!((200..=240).contains(&left), "{left}");
    let mut lifts: Vec<f64> = p["lifts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            assert_eq!(l["days"], 10, "{l}");
            l["lift"].as_f64().unwrap()
        })
        .collect();
    assert_eq!(lifts.len(), 8, "{p}");
    lifts.sort_by(f64::total_cmp);
    let median = 0.5 * (lifts[3] + lifts[4]);
    assert!(
        (median / 1.6 - 1.0).abs() < 0.06,
        "median lift {median}: {lifts:?}"
    );
    assert!(lifts.iter().all(|l| (1.3..1.9).contains(l)), "{lifts:?}");
    // Without a calendar: no key.
    std::fs::write(d.join("acqplan.toml"), "").unwrap();
    let (code, _, err) = fit_into(d, "run2", &[]);
    assert_eq!(code, 0, "{err}");
    let v: Value =
        serde_json::from_slice(&std::fs::read(d.join("run2/curves.json")).unwrap()).unwrap();
    assert!(v.get("promotions").is_none());
}
