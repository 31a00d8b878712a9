//! insta snapshots of every `--help` and of the plan table for a fixture
//! with a known answer.

use assert_cmd::Command;

use crate::common::write_history;

const SUBCOMMANDS: [&str; 14] = [
    "", "validate", "gen", "fit", "screen", "plan", "run", "frontier", "config", "report",
    "backtest", "ingest", "store", "review",
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
