//! The schedule (`schedule.csv`) of a plan on the sample history: one row
//! per date × room × channel, summing to plan.csv, per-day limits kept,
//! and the saving against the even spread in plan.json and summary.txt.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

use crate::common::outcome;

fn plan(dir: &Path, config: &str, out: &str) -> Value {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let toml = format!(
        "data = \"{}\"\n{config}\n[plan]\ntarget_viewers = \"500k\"\nhorizon_days = 7\n",
        repo.join("data/history.csv").display()
    );
    std::fs::write(dir.join(format!("{out}.toml")), toml).unwrap();
    let (code, _, stderr) = outcome(
        Command::cargo_bin("acqplan")
            .unwrap()
            .current_dir(dir)
            .args([
                "plan",
                "--config",
                &format!("{out}.toml"),
                "--out",
                out,
                "-q",
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_slice(&std::fs::read(dir.join(out).join("plan.json")).unwrap()).unwrap()
}

/// (date, room, channel, spend, viewers) of schedule.csv.
fn schedule(dir: &Path) -> Vec<(String, String, String, f64, f64)> {
    let text = std::fs::read_to_string(dir.join("schedule.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("date,room,channel,spend_cny,viewers"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].to_string(),
                f[1].to_string(),
                f[2].to_string(),
                f[3].parse().unwrap(),
                f[4].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn schedule_sums_to_the_plan_and_keeps_the_daily_limits() {
    let tmp = tempfile::tempdir().unwrap();
    let v = plan(
        tmp.path(),
        "[channels.wechat_private]\nreach_cap_per_day = 5000\n",
        "free",
    );
    let rows = schedule(&tmp.path().join("free"));
    let lanes = v["plan"]["lanes"].as_array().unwrap();
    assert_eq!(rows.len(), 7 * lanes.len());
    let dates: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(dates[0], "2026-10-27");
    assert_eq!(dates[rows.len() - 1], "2026-11-02");
    let mut per_lane: BTreeMap<(String, String), (f64, f64)> = BTreeMap::new();
    for r in &rows {
        let e = per_lane.entry((r.1.clone(), r.2.clone())).or_default();
        e.0 += r.3;
        e.1 += r.4;
    }
    for l in lanes {
        let key = (
            l["room"].as_str().unwrap().to_string(),
            l["channel"].as_str().unwrap().to_string(),
        );
        let (spend, viewers) = per_lane[&key];
        let want = l["spend_cny"].as_f64().unwrap();
        assert!((spend - want).abs() <= 0.04, "{key:?}: {spend} vs {want}");
        let want = l["viewers"].as_f64().unwrap();
        assert!(
            (viewers - want).abs() <= 0.4,
            "{key:?}: {viewers} vs {want}"
        );
    }
    // The saving against the even spread: the same target for less.
    let s = &v["schedule"];
    let saving = s["saving_cny"].as_f64().unwrap();
    let even = s["even_spend_cny"].as_f64().unwrap();
    let spend = v["plan"]["totals"]["spend_cny"].as_f64().unwrap();
    assert!((even - spend - saving).abs() < 1e-6 * even);
    assert!(saving > 0.0, "{s}");
    let summary = std::fs::read_to_string(tmp.path().join("free/summary.txt")).unwrap();
    assert!(
        summary.contains("Day by day (7 days from 2026-10-27)"),
        "{summary}"
    );

    // A daily maximum below what the free schedule spends on qianchuan's
    // top day, and a daily minimum: every row keeps both.
    let top = rows
        .iter()
        .filter(|r| r.2 == "douyin_qianchuan")
        .map(|r| r.3)
        .fold(0.0, f64::max);
    let mx = (0.8 * top).round();
    let v = plan(
        tmp.path(),
        &format!(
            "[channels.wechat_private]\nreach_cap_per_day = 5000\n[channels.douyin_qianchuan]\nmax_daily_spend_cny = {mx}\n[channels.red_packets]\nmin_daily_spend_cny = 900\n"
        ),
        "limited",
    );
    let rows = schedule(&tmp.path().join("limited"));
    for r in &rows {
        if r.2 == "douyin_qianchuan" {
            assert!(r.3 <= mx + 0.005, "{r:?} above {mx}");
        }
        if r.2 == "red_packets" {
            assert!(
                r.3 == 0.0 || r.3 >= 900.0 - 0.005,
                "{r:?} below the minimum"
            );
        }
    }
    let binding: Vec<&str> = v["plan"]["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["channel"] == "douyin_qianchuan")
        .flat_map(|l| l["bounds_binding"].as_array().unwrap())
        .map(|b| b.as_str().unwrap())
        .collect();
    assert!(binding.contains(&"daily_max"), "{binding:?}");
    let limited = v["plan"]["totals"]["spend_cny"].as_f64().unwrap();
    assert!(
        limited > spend,
        "a limit cannot make it cheaper: {limited} vs {spend}"
    );
}

/// A calendar day in the horizon: schedule.csv gets a `promotion` column
/// naming it on the rows of the channels it covers, plan.json's schedule
/// lists it with the lift planned with, summary.txt says so, and the
/// schedule puts more of each covered lane's money on it (a ×1.6 lift
/// makes that day's viewers cheaper). Without a calendar day in the
/// horizon there is no column.
#[test]
fn a_promotion_day_in_the_horizon_is_named_and_funded() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut args: Vec<String> = [
        "gen",
        "--rooms",
        "2",
        "--days",
        "240",
        "--fake-rate",
        "0",
        "--seed",
        "7",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let history_days: Vec<String> = (0..10)
        .map(|i| format!("2026-06-{:02}", 2 + 3 * i))
        .collect();
    for day in &history_days {
        args.push("--promotion".into());
        args.push(format!("{day}:douyin_qianchuan:1.6"));
    }
    args.extend(["--out".into(), ".".into()]);
    let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    let (code, _, err) = crate::common::acqplan_in(d, &args);
    assert_eq!(code, 0, "{err}");
    // The history ends 2026-10-26: the horizon is 10-27 … 11-02.
    let mut toml = String::from("[plan]\ntarget_viewers = \"100k\"\nhorizon_days = 7\n\n");
    for (i, day) in history_days
        .iter()
        .chain(["2026-10-29".to_string()].iter())
        .enumerate()
    {
        let name = if i == 10 {
            "brand day".to_string()
        } else {
            format!("promo {i}")
        };
        toml.push_str(&format!(
            "[[calendar]]\nname = \"{name}\"\ndate = \"{day}\"\nchannels = [\"douyin_qianchuan\"]\n\n"
        ));
    }
    std::fs::write(d.join("acqplan.toml"), toml).unwrap();
    let (code, _, err) = crate::common::acqplan_in(
        d,
        &[
            "plan",
            "--data",
            "history.csv",
            "--config",
            "acqplan.toml",
            "--out",
            "run",
            "-q",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let csv = std::fs::read_to_string(d.join("run/schedule.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("date,room,channel,spend_cny,viewers,promotion")
    );
    // Per qianchuan lane: the promotion day's spend and the other days'.
    let mut promo: BTreeMap<String, f64> = BTreeMap::new();
    let mut other: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let named = f[5] == "brand day";
        assert_eq!(
            named,
            f[0] == "2026-10-29" && f[2] == "douyin_qianchuan",
            "{line}"
        );
        assert!(named || f[5].is_empty(), "{line}");
        if f[2] == "douyin_qianchuan" {
            let s: f64 = f[3].parse().unwrap();
            if named {
                promo.insert(f[1].to_string(), s);
            } else {
                other.entry(f[1].to_string()).or_default().push(s);
            }
        }
    }
    assert_eq!(promo.len(), 2, "{csv}");
    for (room, s) in &promo {
        let rest = &other[room];
        let mean = rest.iter().sum::<f64>() / rest.len() as f64;
        assert!(
            *s > 1.2 * mean,
            "{room}: {s} on the promotion day vs {mean} on the others"
        );
    }
    let json: Value =
        serde_json::from_slice(&std::fs::read(d.join("run/plan.json")).unwrap()).unwrap();
    let p = &json["schedule"]["promotions"];
    assert_eq!(p.as_array().unwrap().len(), 1, "{p}");
    assert_eq!(p[0]["date"], "2026-10-29");
    assert_eq!(p[0]["channels"], serde_json::json!(["douyin_qianchuan"]));
    let lift = p[0]["lifts"][0][1].as_f64().unwrap();
    assert!((1.3..1.9).contains(&lift), "{lift}");
    let summary = std::fs::read_to_string(d.join("run/summary.txt")).unwrap();
    assert!(
        summary.contains(&format!(
            "2026-10-29 is brand day: planned with its lift (douyin_qianchuan ×{lift:.2})."
        )),
        "{summary}"
    );
    // A calendar without a horizon day: no column.
    let toml = std::fs::read_to_string(d.join("acqplan.toml")).unwrap();
    let cut = toml.find("name = \"brand day\"").unwrap();
    let toml = &toml[..toml[..cut].rfind("[[calendar]]").unwrap()];
    std::fs::write(d.join("acqplan.toml"), toml).unwrap();
    let (code, _, err) = crate::common::acqplan_in(
        d,
        &[
            "plan",
            "--data",
            "history.csv",
            "--config",
            "acqplan.toml",
            "--out",
            "run2",
            "-q",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let csv = std::fs::read_to_string(d.join("run2/schedule.csv")).unwrap();
    assert!(
        csv.starts_with("date,room,channel,spend_cny,viewers\n"),
        "{csv}"
    );
}
