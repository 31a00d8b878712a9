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
