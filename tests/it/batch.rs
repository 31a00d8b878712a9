//! The weekly batch through the real binary: `run`, `config`, what-if,
//! `frontier`, manifest.json, byte-identical reruns and safe writes.

use std::path::Path;

use serde_json::Value;

use crate::common::{
    acqplan_in as acqplan, exact_max_viewers, exact_min_cost, exp_channels, write_history,
};

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

fn close(got: f64, want: f64, rel: f64) -> bool {
    (got - want).abs() <= rel * want.abs()
}

/// Names in a folder, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn run_takes_data_target_and_horizon_from_the_config_file() {
    let tmp = tempfile::tempdir().unwrap();
    write_history(tmp.path());
    std::fs::write(
        tmp.path().join("team.toml"),
        "data = \"history.csv\"\nout_root = \"weekly\"\n[plan]\ntarget_viewers = \"5k\"\nhorizon_days = 1\n",
    )
    .unwrap();
    let (code, stdout, stderr) = acqplan(
        tmp.path(),
        &[
            "run",
            "--config",
            "team.toml",
            "--fake-traffic",
            "off",
            "--out",
            "run",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    let (cost, _) = exact_min_cost(&exp_channels(), 5_000.0);
    let spend = v["plan"]["totals"]["spend_cny"].as_f64().unwrap();
    assert!(close(spend, cost, 0.01), "{spend} vs {cost}");
    assert!(close(
        v["plan"]["totals"]["viewers"].as_f64().unwrap(),
        5_000.0,
        0.005
    ));
    assert_eq!(v["plan"]["horizon_days"], 1.0);
    assert_eq!(
        names(&tmp.path().join("run")),
        [
            "allocation.png",
            "chart_data.json",
            "curves.csv",
            "curves.json",
            "curves.png",
            "frontier.png",
            "manifest.json",
            "marginal_cost.png",
            "plan.csv",
            "plan.json",
            "plan.xlsx",
            "schedule.csv",
            "series.csv",
            "summary.png",
            "summary.txt"
        ]
    );
    let m = read_json(&tmp.path().join("run/manifest.json"));
    assert_eq!(m["command"], "run");
    assert_eq!(m["config"]["targets"]["value"][0], 5000.0);
    assert_eq!(m["config"]["targets"]["source"], "file team.toml");
    let stages: Vec<&str> = m["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(stages, ["load", "screen", "fit", "plan", "report"]);

    // The same request by flags gives the same plan, byte for byte.
    let (code, _, stderr) = acqplan(
        tmp.path(),
        &[
            "plan",
            "--data",
            "history.csv",
            "--target-viewers",
            "5000",
            "--horizon-days",
            "1",
            "--fake-traffic",
            "off",
            "--out",
            "byflags",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    for f in ["plan.csv", "plan.json", "curves.csv"] {
        assert_eq!(
            std::fs::read(tmp.path().join("run").join(f)).unwrap(),
            std::fs::read(tmp.path().join("byflags").join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn two_plans_write_identical_bytes_except_the_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let data = write_history(tmp.path());
    let args = |out: &str| {
        vec![
            "plan".to_string(),
            "--data".into(),
            data.to_str().unwrap().into(),
            "--budget".into(),
            "4k".into(),
            "--budget".into(),
            "6k".into(),
            "--horizon-days".into(),
            "1".into(),
            "--out".into(),
            out.into(),
        ]
    };
    for out in ["a", "b"] {
        let owned = args(out);
        let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
        let (code, _, stderr) = acqplan(tmp.path(), &refs);
        assert_eq!(code, 0, "{stderr}");
    }
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    assert_eq!(names(&a), names(&b));
    assert!(names(&a).contains(&"whatif.csv".to_string()));
    assert!(names(&a).contains(&"flagged_rows.csv".to_string()));
    for f in names(&a) {
        if f == "manifest.json" {
            continue;
        }
        assert!(
            std::fs::read(a.join(&f)).unwrap() == std::fs::read(b.join(&f)).unwrap(),
            "{f} differs between runs"
        );
    }
    // The manifest: input hash, row counts, files with their hashes.
    let m = read_json(&a.join("manifest.json"));
    let bytes = std::fs::read(&data).unwrap();
    assert_eq!(
        m["input"]["blake3"],
        blake3::hash(&bytes).to_hex().to_string()
    );
    assert_eq!(m["input"]["bytes"], bytes.len() as u64);
    assert_eq!(m["rows"]["read"], 240);
    assert_eq!(m["rows"]["rejected"], 0);
    let flagged = m["rows"]["flagged"].as_u64().unwrap();
    assert_eq!(m["rows"]["used"].as_u64().unwrap(), 240 - flagged);
    assert_eq!(m["acqplan_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        m["config"]["budgets_cny"]["value"],
        serde_json::json!([4000.0, 6000.0])
    );
    let listed: Vec<&str> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = names(&a)
        .into_iter()
        .filter(|n| n != "manifest.json")
        .collect();
    assert_eq!(listed, expected);
    let plan_csv = std::fs::read(a.join("plan.csv")).unwrap();
    let entry = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "plan.csv")
        .unwrap();
    assert_eq!(
        entry["blake3"],
        blake3::hash(&plan_csv).to_hex().to_string()
    );
    for s in m["stages"].as_array().unwrap() {
        assert!(s["seconds"].as_f64().unwrap() >= 0.0);
        assert!(s["started_at"].as_str().unwrap().ends_with('Z'));
    }
}

#[test]
fn config_precedence_default_then_file_then_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let show = |args: &[&str]| {
        let mut all = vec!["config", "--format", "json"];
        all.extend_from_slice(args);
        let (code, stdout, stderr) = acqplan(tmp.path(), &all);
        assert_eq!(code, 0, "{stderr}");
        serde_json::from_str::<Value>(&stdout).unwrap()
    };
    // Defaults (no acqplan.toml in the working directory).
    let v = show(&[]);
    assert_eq!(v["horizon_days"]["value"], 7);
    assert_eq!(v["horizon_days"]["source"], "default");
    assert_eq!(v["out_root"]["value"], "reports");
    assert_eq!(v["fake_traffic"]["value"], "exclude");
    assert_eq!(v["data"]["value"], Value::Null);
    assert_eq!(v["budgets_cny"]["value"], serde_json::json!([]));

    // ./acqplan.toml is found and beats the defaults.
    std::fs::write(
        tmp.path().join("acqplan.toml"),
        "data = \"h.csv\"\nout_root = \"weekly\"\n[columns]\nspend = \"总花费\"\n\
         [channels.wechat_private]\nreach_cap_per_day = 5000\nmax_share = 0.3\n\
         [plan]\ntarget_viewers = \"1.2M\"\nbudget = \"80万\"\nhorizon_days = 14\n",
    )
    .unwrap();
    let v = show(&[]);
    assert_eq!(v["horizon_days"]["value"], 14);
    assert_eq!(v["horizon_days"]["source"], "file acqplan.toml");
    assert_eq!(v["targets"]["value"], serde_json::json!([1_200_000.0]));
    assert_eq!(v["budgets_cny"]["value"], serde_json::json!([800_000.0]));
    assert_eq!(v["budgets_cny"]["source"], "file acqplan.toml");
    assert_eq!(v["data"]["value"], "h.csv");
    assert_eq!(v["out_root"]["value"], "weekly");
    assert_eq!(v["columns"]["spend"]["value"], "总花费");
    assert_eq!(v["caps_viewers_per_day"]["wechat_private"]["value"], 5000.0);

    // Flags beat the file; a goal flag replaces the file's whole goal.
    let v = show(&[
        "--horizon-days",
        "3",
        "--budget",
        "90万",
        "--cap",
        "wechat_private=8000",
        "--column",
        "spend=消耗",
        "--data",
        "other.csv",
        "--scale",
        "beta=1.2",
        "--exclude",
        "alpha",
    ]);
    assert_eq!(v["horizon_days"]["value"], 3);
    assert_eq!(v["horizon_days"]["source"], "flag --horizon-days");
    assert_eq!(v["budgets_cny"]["value"], serde_json::json!([900_000.0]));
    assert_eq!(v["budgets_cny"]["source"], "flag --budget");
    assert_eq!(v["targets"]["value"], serde_json::json!([]));
    assert_eq!(v["caps_viewers_per_day"]["wechat_private"]["value"], 8000.0);
    assert_eq!(
        v["caps_viewers_per_day"]["wechat_private"]["source"],
        "flag --cap"
    );
    assert_eq!(v["columns"]["spend"]["value"], "消耗");
    assert_eq!(v["data"]["value"], "other.csv");
    assert_eq!(v["data"]["source"], "flag --data");
    assert_eq!(v["cost_scale"]["beta"]["value"], 1.2);
    assert_eq!(v["excluded"]["alpha"]["value"], true);

    // The table names every source.
    let (code, stdout, _) = acqplan(tmp.path(), &["config", "--horizon-days", "3"]);
    assert_eq!(code, 0);
    let line = |key: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(key))
            .unwrap_or_else(|| panic!("{key} missing:\n{stdout}"))
            .to_string()
    };
    assert!(
        line("horizon_days").contains("flag --horizon-days"),
        "{stdout}"
    );
    assert!(
        line("budget_cny").contains("800000") && line("budget_cny").contains("file acqplan.toml")
    );
    assert!(line("by").contains("default"));

    // Amounts in the file as plain numbers work too; bad ones name the key.
    std::fs::write(tmp.path().join("n.toml"), "[plan]\nbudget = 800000\n").unwrap();
    let v = show(&["--config", "n.toml"]);
    assert_eq!(v["budgets_cny"]["value"], serde_json::json!([800_000.0]));
    std::fs::write(tmp.path().join("bad.toml"), "[plan]\nbudget = \"lots\"\n").unwrap();
    let (code, _, stderr) = acqplan(tmp.path(), &["config", "--config", "bad.toml"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("`budget`") && stderr.contains("hint: amounts"),
        "{stderr}"
    );
}

#[test]
fn several_budgets_give_a_whatif_table_and_the_first_is_the_plan() {
    let tmp = tempfile::tempdir().unwrap();
    let data = write_history(tmp.path());
    let (code, stdout, stderr) = acqplan(
        tmp.path(),
        &[
            "plan",
            "--data",
            data.to_str().unwrap(),
            "--budget",
            "4k",
            "--budget",
            "2k",
            "--budget",
            "5000",
            "--horizon-days",
            "1",
            "--fake-traffic",
            "off",
            "--out",
            "w",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("what-if"), "{stdout}");
    let rows = csv_rows(&tmp.path().join("w/whatif.csv"));
    assert_eq!(rows.len(), 3);
    let budgets: Vec<f64> = rows.iter().map(|r| r[1].parse().unwrap()).collect();
    assert_eq!(budgets, [4000.0, 2000.0, 5000.0]);
    for r in &rows {
        let budget: f64 = r[1].parse().unwrap();
        let spend: f64 = r[2].parse().unwrap();
        let viewers: f64 = r[3].parse().unwrap();
        let marginal: f64 = r[6].parse().unwrap();
        let (v_exact, lambda) = exact_max_viewers(&exp_channels(), budget);
        assert_eq!(r[0], "budget_cny");
        assert_eq!(r[7], "optimal");
        assert!(close(spend, budget, 1e-6), "{spend} vs {budget}");
        assert!(close(viewers, v_exact, 0.01), "{viewers} vs {v_exact}");
        assert!(close(marginal, lambda, 0.05), "{marginal} vs {lambda}");
    }
    // plan.csv holds the first budget's plan.
    let plan = read_json(&tmp.path().join("w/plan.json"));
    assert!(close(
        plan["plan"]["totals"]["spend_cny"].as_f64().unwrap(),
        4000.0,
        1e-6
    ));
    let v0: f64 = rows[0][3].parse().unwrap();
    assert!(close(
        plan["plan"]["totals"]["viewers"].as_f64().unwrap(),
        v0,
        1e-3
    ));
}

#[test]
fn scale_makes_a_channel_dearer_by_its_factor() {
    let tmp = tempfile::tempdir().unwrap();
    let data = write_history(tmp.path());
    let (code, stdout, stderr) = acqplan(
        tmp.path(),
        &[
            "plan",
            "--data",
            data.to_str().unwrap(),
            "--target-viewers",
            "5000",
            "--scale",
            "beta=1.25",
            "--horizon-days",
            "1",
            "--fake-traffic",
            "off",
            "--out",
            "s",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    // beta's spend scale k becomes 1.25 × 800 = 1,000.
    let (cost, lambda) = exact_min_cost(&[(6_000.0, 3_000.0), (2_500.0, 1_000.0)], 5_000.0);
    let (cost_unscaled, _) = exact_min_cost(&exp_channels(), 5_000.0);
    let spend = v["plan"]["totals"]["spend_cny"].as_f64().unwrap();
    assert!(close(spend, cost, 0.01), "{spend} vs {cost}");
    assert!(spend > cost_unscaled * 1.01);
    let shadow = v["plan"]["target_shadow_price_cny_per_unit"]
        .as_f64()
        .unwrap();
    assert!(close(shadow, lambda, 0.03), "{shadow} vs {lambda}");
    // curves.csv stays the fitted (unscaled) curve.
    let curves = std::fs::read_to_string(tmp.path().join("s/curves.csv")).unwrap();
    assert!(curves.contains("beta"));
}

#[test]
fn several_targets_compare_and_exclude_leaves_a_channel_out() {
    let tmp = tempfile::tempdir().unwrap();
    let data = write_history(tmp.path());
    let (code, stdout, stderr) = acqplan(
        tmp.path(),
        &[
            "plan",
            "--data",
            data.to_str().unwrap(),
            "--target-viewers",
            "3000",
            "--target-viewers",
            "4k",
            "--exclude",
            "beta",
            "--horizon-days",
            "1",
            "--fake-traffic",
            "off",
            "--out",
            "t",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("target_viewers"), "{stdout}");
    let rows = csv_rows(&tmp.path().join("t/whatif.csv"));
    assert_eq!(rows.len(), 2);
    for (r, target) in rows.iter().zip([3000.0, 4000.0]) {
        // alpha alone: s = k ln(V / (V − T)), marginal = k / (V − T).
        let (vmax, k): (f64, f64) = (6_000.0, 3_000.0);
        let s_exact = k * (vmax / (vmax - target)).ln();
        assert_eq!(r[0], "target_viewers");
        let spend: f64 = r[2].parse().unwrap();
        assert!(close(spend, s_exact, 0.01), "{spend} vs {s_exact}");
        let marginal: f64 = r[6].parse().unwrap();
        assert!(close(marginal, k / (vmax - target), 0.03), "{marginal}");
    }
    let plan = std::fs::read_to_string(tmp.path().join("t/plan.csv")).unwrap();
    let beta = plan.lines().find(|l| l.contains(",beta,"));
    assert!(
        beta.is_none_or(|l| l.split(',').nth(2) == Some("0.00")),
        "{plan}"
    );
}

#[test]
fn frontier_across_budgets_matches_the_exact_optimum() {
    let tmp = tempfile::tempdir().unwrap();
    let data = write_history(tmp.path());
    let (code, stdout, stderr) = acqplan(
        tmp.path(),
        &[
            "frontier",
            "--data",
            data.to_str().unwrap(),
            "--budgets",
            "2k..5k",
            "--steps",
            "4",
            "--horizon-days",
            "1",
            "--fake-traffic",
            "off",
            "--out",
            "f",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().count(), 2 + 4, "{stdout}");
    let rows = csv_rows(&tmp.path().join("f/frontier.csv"));
    // The chart beside it is a real PNG of the documented size.
    let png = std::fs::read(tmp.path().join("f/frontier.png")).unwrap();
    let (w, h) = acqplan::report::charts::FRONTIER_SIZE;
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), w);
    assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), h);
    let budgets: Vec<f64> = rows.iter().map(|r| r[1].parse().unwrap()).collect();
    assert_eq!(budgets, [2000.0, 3000.0, 4000.0, 5000.0]);
    let mut last = (0.0, 0.0);
    for r in &rows {
        let budget: f64 = r[1].parse().unwrap();
        let viewers: f64 = r[3].parse().unwrap();
        let marginal: f64 = r[6].parse().unwrap();
        let (v_exact, lambda) = exact_max_viewers(&exp_channels(), budget);
        assert!(close(viewers, v_exact, 0.01), "{viewers} vs {v_exact}");
        assert!(close(marginal, lambda, 0.05), "{marginal} vs {lambda}");
        assert!(viewers > last.0 && marginal > last.1, "not rising: {r:?}");
        last = (viewers, marginal);
    }
    assert!(names(&tmp.path().join("f")).contains(&"manifest.json".to_string()));
}

#[test]
fn bad_whatif_values_are_usage_errors_with_hints() {
    let tmp = tempfile::tempdir().unwrap();
    let data = write_history(tmp.path());
    let d = data.to_str().unwrap();
    let cases: [(&[&str], &str); 7] = [
        (&["plan", "--data", d, "--budget", "5x"], "hint: amounts"),
        (
            &["plan", "--data", d, "--budget", "5k", "--scale", "beta=0"],
            "--scale beta=0",
        ),
        (
            &["plan", "--data", d, "--budget", "5k", "--scale", "beta"],
            "hint: write e.g. --scale",
        ),
        (
            &[
                "plan",
                "--data",
                d,
                "--budget",
                "1k",
                "--budget",
                "2k",
                "--target-viewers",
                "1",
                "--target-viewers",
                "2",
            ],
            "several targets and several budgets",
        ),
        (
            &["frontier", "--data", d, "--budgets", "300万..50万"],
            "not below",
        ),
        (
            &[
                "frontier",
                "--data",
                d,
                "--budgets",
                "1k..2k",
                "--steps",
                "1",
            ],
            "at least 2",
        ),
        (
            &["run", "--data", d, "--budget", "5k", "--horizon-days", "0"],
            "at least 1 day",
        ),
    ];
    for (args, expect) in cases {
        let mut all = args.to_vec();
        all.extend(["--out", "never"]);
        let (code, stdout, stderr) = acqplan(tmp.path(), &all);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert_eq!(stdout, "");
        assert!(stderr.contains(expect), "{args:?}: {stderr}");
        assert!(stderr.contains("hint:"), "{args:?}: {stderr}");
    }
    assert!(
        !tmp.path().join("never").exists(),
        "nothing written on a usage error"
    );
}

#[test]
fn an_existing_run_folder_is_refused_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let data = write_history(tmp.path());
    let args = |force: bool| {
        let mut a = vec![
            "run",
            "--data",
            data.to_str().unwrap(),
            "--budget",
            "5k",
            "--horizon-days",
            "1",
            "--out",
            "r",
        ];
        if force {
            a.push("--force");
        }
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run = |a: Vec<String>| {
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        acqplan(tmp.path(), &refs)
    };
    std::fs::create_dir(tmp.path().join("r")).unwrap();
    std::fs::write(tmp.path().join("r/plan.csv"), "old").unwrap();
    let (code, stdout, stderr) = run(args(false));
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("already holds a run") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(names(&tmp.path().join("r")), ["plan.csv"]);
    assert_eq!(
        std::fs::read(tmp.path().join("r/plan.csv")).unwrap(),
        b"old"
    );
    let (code, _, stderr) = run(args(true));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        std::fs::read_to_string(tmp.path().join("r/plan.csv"))
            .unwrap()
            .starts_with("room,channel")
    );
}

#[test]
fn a_failed_write_leaves_no_partial_or_temp_file() {
    let tmp = tempfile::tempdir().unwrap();
    let data = write_history(tmp.path());
    // plan.csv cannot be renamed into place: a folder of that name holds a file.
    std::fs::create_dir_all(tmp.path().join("r/plan.csv")).unwrap();
    std::fs::write(tmp.path().join("r/plan.csv/keep"), "k").unwrap();
    let (code, _, stderr) = acqplan(
        tmp.path(),
        &[
            "plan",
            "--data",
            data.to_str().unwrap(),
            "--budget",
            "5k",
            "--horizon-days",
            "1",
            "--out",
            "r",
            "--force",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("could not write") && stderr.contains("plan.csv"),
        "{stderr}"
    );
    let left = names(&tmp.path().join("r"));
    assert!(
        left.iter().all(|n| !n.starts_with('.')),
        "temp file left: {left:?}"
    );
    assert!(!left.contains(&"plan.json".to_string()), "{left:?}");
    assert!(!left.contains(&"manifest.json".to_string()), "{left:?}");
}

#[test]
fn verbose_prints_stage_timings_and_quiet_hides_notes() {
    let tmp = tempfile::tempdir().unwrap();
    let data = write_history(tmp.path());
    let base = [
        "fit",
        "--data",
        data.to_str().unwrap(),
        "--fake-traffic",
        "off",
        "--format",
        "json",
    ];
    let with = |extra: &[&str], out: &str| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        a.extend(["--out", out]);
        acqplan(tmp.path(), &a)
    };
    let (code, stdout_v, stderr) = with(&["-v"], "v");
    assert_eq!(code, 0, "{stderr}");
    let timings = stderr
        .lines()
        .find(|l| l.starts_with("timings: "))
        .unwrap_or_else(|| panic!("{stderr}"));
    for stage in ["load ", "screen ", "fit ", "total "] {
        assert!(timings.contains(stage), "{timings}");
    }
    let (code, stdout_q, stderr) = with(&["--quiet"], "q");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "");
    // stdout carries only the data, the same either way.
    assert_eq!(stdout_v, stdout_q);
    assert_eq!(
        stdout_q.as_bytes(),
        std::fs::read(tmp.path().join("q/curves.json")).unwrap()
    );
}

#[test]
fn skipped_rows_are_counted_in_the_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/messy.csv");
    let (code, _, stderr) = acqplan(
        tmp.path(),
        &[
            "validate",
            "--data",
            data.to_str().unwrap(),
            "--skip-bad-rows",
            "--out",
            "v",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        names(&tmp.path().join("v")),
        ["manifest.json", "rejected_rows.csv"]
    );
    let m = read_json(&tmp.path().join("v/manifest.json"));
    assert_eq!(m["command"], "validate");
    assert_eq!(m["rows"]["read"], 15);
    assert_eq!(m["rows"]["rejected"], 12);
    assert_eq!(m["rows"]["used"], Value::Null);
    assert_eq!(m["files"][0]["name"], "rejected_rows.csv");
}

#[test]
fn plan_xlsx_holds_the_plan_in_the_report_language() {
    use calamine::{Data, Reader, Xlsx};
    let tmp = tempfile::tempdir().unwrap();
    write_history(tmp.path());
    let plan = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "plan",
            "--data",
            "history.csv",
            "--target-viewers",
            "5000",
            "--out",
            out,
        ];
        args.extend_from_slice(extra);
        let (code, _, stderr) = acqplan(tmp.path(), &args);
        assert_eq!(code, 0, "{stderr}");
        Xlsx::new(std::io::Cursor::new(
            std::fs::read(tmp.path().join(out).join("plan.xlsx")).unwrap(),
        ))
        .unwrap()
    };
    let mut en = plan("en", &[]);
    assert_eq!(en.sheet_names(), vec!["plan", "schedule"]);
    // The schedule sheet is schedule.csv: date, room, channel, then the
    // day's budget and viewers as numbers.
    let sched = en.worksheet_range("schedule").unwrap();
    let sched_csv = csv_rows(&tmp.path().join("en/schedule.csv"));
    assert_eq!(sched.height(), sched_csv.len() + 1);
    assert_eq!(
        sched.get((0, 3)),
        Some(&Data::String("daily budget (CNY)".into()))
    );
    for (i, row) in sched_csv.iter().enumerate() {
        assert_eq!(sched.get((i + 1, 0)), Some(&Data::String(row[0].clone())));
        assert_eq!(sched.get((i + 1, 2)), Some(&Data::String(row[2].clone())));
        let spend: f64 = row[3].parse().unwrap();
        match sched.get((i + 1, 3)) {
            Some(Data::Float(x)) => assert!((x - spend).abs() < 0.006, "{x} vs {spend}"),
            other => panic!("daily budget is not a number: {other:?}"),
        }
    }
    let sheet = en.worksheet_range("plan").unwrap();
    let csv = csv_rows(&tmp.path().join("en/plan.csv"));
    assert_eq!(
        sheet.height(),
        csv.len() + 1,
        "header, then plan.csv's rows"
    );
    for (i, row) in csv.iter().enumerate() {
        assert_eq!(sheet.get((i + 1, 1)), Some(&Data::String(row[1].clone())));
        let spend: f64 = row[2].parse().unwrap();
        match sheet.get((i + 1, 2)) {
            Some(Data::Float(x)) => assert!((x - spend).abs() < 0.006, "{x} vs {spend}"),
            other => panic!("spend is not a number: {other:?}"),
        }
    }
    // `--lang zh`, and `[report] lang = "zh"` in the config, give Chinese.
    let mut zh = plan("zh", &["--lang", "zh"]);
    assert_eq!(zh.sheet_names(), vec!["计划", "排期"]);
    let sheet = zh.worksheet_range("计划").unwrap();
    assert_eq!(sheet.get((0, 1)), Some(&Data::String("渠道".into())));
    std::fs::write(tmp.path().join("acqplan.toml"), "[report]\nlang = \"zh\"\n").unwrap();
    let from_file = plan("file", &[]);
    assert_eq!(from_file.sheet_names(), vec!["计划", "排期"]);
    assert_eq!(
        std::fs::read(tmp.path().join("zh/plan.xlsx")).unwrap(),
        std::fs::read(tmp.path().join("file/plan.xlsx")).unwrap()
    );
}
