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

/// A plan of the two-channel fixture in `lang`: summary.txt, the email
/// subject, the plan table, and every text drawn on summary.png (read back from the run
/// folder, so the language survives `chart_data.json`), with none of the
/// texts overlapping or leaving the image.
fn report_in(lang: &str) -> (String, String, String, String) {
    use acqplan::report::charts::{ChartKind, render_checked};
    use acqplan::report::run_files::RunFiles;
    let dir = tempfile::tempdir().unwrap();
    let data = write_history(dir.path());
    let run = dir.path().join("run");
    let out = Command::cargo_bin("acqplan")
        .unwrap()
        .args([
            "plan",
            "--data",
            data.to_str().unwrap(),
            "--target-viewers",
            "35000",
            "--fake-traffic",
            "off",
            "--lang",
            lang,
            "--quiet",
            "--out",
            run.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = std::fs::read_to_string(run.join("summary.txt")).unwrap();
    let files = RunFiles::read(&run).unwrap();
    let lang_value = if lang == "zh" {
        acqplan::lang::Lang::Zh
    } else {
        acqplan::lang::Lang::En
    };
    assert_eq!(files.data.lang, lang_value);
    let subject = acqplan::report::email::subject_in(
        &files.report,
        Some(&files.data.request),
        files.data.plan_start_day,
        lang_value,
    );
    let input = files.input();
    let checked = render_checked(ChartKind::Summary, &input, &files.frontier).unwrap();
    assert!(
        checked.problems.is_empty(),
        "{lang}: {:?}",
        checked.problems
    );
    // The recorded drawing is the run's summary.png, byte for byte.
    assert_eq!(
        checked.chart.png,
        std::fs::read(run.join("summary.png")).unwrap()
    );
    let texts: Vec<String> = checked.texts.iter().map(|t| t.text.clone()).collect();
    let table = String::from_utf8(out.stdout).unwrap();
    (summary, subject, texts.join("\n") + "\n", table)
}

#[test]
fn summary_subject_and_summary_png_in_english_and_chinese() {
    for lang in ["en", "zh"] {
        let (summary, subject, texts, table) = report_in(lang);
        insta::assert_snapshot!(format!("plan_table_{lang}"), table);
        insta::assert_snapshot!(format!("summary_txt_{lang}"), summary);
        insta::assert_snapshot!(format!("subject_{lang}"), subject);
        insta::assert_snapshot!(format!("summary_png_texts_{lang}"), texts);
    }
}
