//! insta snapshots of every `--help` and of the plan table for a fixture
//! with a known answer.

use std::path::Path;

use assert_cmd::Command;

const SUBCOMMANDS: [&str; 9] = [
    "", "validate", "gen", "fit", "screen", "plan", "run", "frontier", "config",
];

fn help(sub: &str) -> String {
    let mut cmd = Command::cargo_bin("acqplan").unwrap();
    if !sub.is_empty() {
        cmd.arg(sub);
    }
    let out = cmd.arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn help_of_every_subcommand() {
    for sub in SUBCOMMANDS {
        let text = help(sub);
        let name = if sub.is_empty() {
            "help".to_string()
        } else {
            format!("help_{sub}")
        };
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn exit_codes_are_documented_in_help() {
    let top = help("");
    assert!(top.contains("Exit codes: 0 ok; 1 bad input data (or an infeasible plan); 2 usage or"));
    for sub in ["plan", "run"] {
        assert!(help(sub).contains("exits 1"), "{sub}");
    }
}

/// Two channels with exact exponential curves (as in tests/plan.rs).
const CHANNELS: [(&str, f64, f64); 2] = [("alpha", 6_000.0, 3_000.0), ("beta", 2_500.0, 800.0)];

fn write_history(dir: &Path) -> std::path::PathBuf {
    let mut text = String::from("date,channel,spend,viewers\n");
    for day in 0..120u32 {
        let date = 20_000 + day as i32;
        let (y, m, d) = acqplan::load::cell::civil_from_days(date);
        for (i, (name, vmax, k)) in CHANNELS.iter().enumerate() {
            let frac = ((day * 37 + i as u32 * 11) % 100) as f64 / 100.0;
            let spend = (k * (0.3 + 1.4 * frac)).round();
            let viewers = vmax * (1.0 - (-spend / k).exp());
            text.push_str(&format!(
                "{y:04}-{m:02}-{d:02},{name},{spend},{viewers:.4}\n"
            ));
        }
    }
    let path = dir.join("history.csv");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn plan_table_for_the_two_channel_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let data = write_history(dir.path());
    let out = Command::cargo_bin("acqplan")
        .unwrap()
        .args([
            "plan",
            "--data",
            data.to_str().unwrap(),
            "--target-viewers",
            "5000",
            "--horizon-days",
            "1",
            "--fake-traffic",
            "off",
            "--quiet",
            "--out",
            dir.path().join("run").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    // --quiet: no progress notes on stderr.
    assert_eq!(String::from_utf8(out.stderr).unwrap(), "");
    insta::assert_snapshot!("plan_table", String::from_utf8(out.stdout).unwrap());
}

#[test]
fn whatif_table_for_the_two_channel_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let data = write_history(dir.path());
    let out = Command::cargo_bin("acqplan")
        .unwrap()
        .args([
            "plan",
            "--data",
            data.to_str().unwrap(),
            "--budget",
            "5k",
            "--budget",
            "3k",
            "--budget",
            "1万",
            "--horizon-days",
            "1",
            "--fake-traffic",
            "off",
            "--out",
            dir.path().join("run").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("whatif_table", String::from_utf8(out.stdout).unwrap());
}
