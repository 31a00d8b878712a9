//! Issue 15 §2 through the real binary on the sample history: the profit
//! plan is stable to the byte, plan.json and plan.csv agree on its values,
//! and a bad margin in the config is named by line and column.

use crate::common::{sample_config as config, sample_plan as plan};

#[test]
fn profit_plan_is_stable_and_its_files_agree() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let flags = ["--maximize", "profit", "--margin", "0.3"];
    let (code, stdout, stderr) = plan(&cfg, &dir.path().join("a"), &flags);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Break-even ROI 3.33"), "{stdout}");
    let (code, _, stderr) = plan(&cfg, &dir.path().join("b"), &flags);
    assert_eq!(code, 0, "{stderr}");
    for f in ["plan.json", "plan.csv", "summary.txt"] {
        assert_eq!(
            std::fs::read(dir.path().join("a").join(f)).unwrap(),
            std::fs::read(dir.path().join("b").join(f)).unwrap(),
            "{f} differs between two runs"
        );
    }
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("a/plan.json")).unwrap()).unwrap();
    let value = &v["plan"]["value"];
    let gmv = value["gmv_cny"].as_f64().unwrap();
    let spend = v["plan"]["totals"]["spend_cny"].as_f64().unwrap();
    let profit = value["profit_cny"].as_f64().unwrap();
    assert!(value["maximize_profit"].as_bool().unwrap());
    assert!(
        (profit - (0.3 * gmv - spend)).abs() <= 1e-6 * gmv,
        "{value}"
    );
    assert!(profit > 0.0 && spend > 0.0);
    assert!((value["roi"].as_f64().unwrap() - gmv / spend).abs() < 1e-9 * gmv);
    assert!(value["gmv_p10_cny"].as_f64().unwrap() <= gmv);
    assert!(value["gmv_p90_cny"].as_f64().unwrap() >= gmv);
    // No lane is bought past zero marginal profit when nothing forces it.
    let lanes = value["lanes"].as_array().unwrap();
    for l in lanes {
        assert!(!l["below_break_even"].as_bool().unwrap(), "{l}");
    }
    // plan.csv: the same GMV per lane and in total.
    let csv = std::fs::read_to_string(dir.path().join("a/plan.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let head = rdr.headers().unwrap().clone();
    let at = |name: &str| head.iter().position(|h| h == name).unwrap();
    let (gi, ri) = (at("gmv_cny"), at("marginal_roi"));
    let recs: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(recs.len(), lanes.len() + 1);
    for (r, l) in recs.iter().zip(lanes) {
        let g: f64 = r[gi].parse().unwrap();
        assert!(
            (g - l["gmv_cny"].as_f64().unwrap()).abs() <= 0.005 + 1e-9 * g,
            "{r:?}"
        );
        if let Some(m) = l["marginal_roi"].as_f64() {
            let c: f64 = r[ri].parse().unwrap();
            assert!((c - m).abs() <= 5e-5 + 1e-9 * m, "{r:?}");
            assert!(m >= 1.0 / 0.3 * (1.0 - 1e-9), "{l}");
        }
    }
    let total: f64 = recs.last().unwrap()[gi].parse().unwrap();
    assert!((total - gmv).abs() <= 0.005 + 1e-9 * gmv);
    // The same goal from the config file gives the same plan.
    let cfg2 = config(
        &dir.path().join("."),
        "[plan]\nmaximize = \"profit\"\nmargin = 0.3\n",
    );
    let (code, _, stderr) = plan(&cfg2, &dir.path().join("c"), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        std::fs::read(dir.path().join("a/plan.json")).unwrap(),
        std::fs::read(dir.path().join("c/plan.json")).unwrap()
    );
}

#[test]
fn bad_margin_in_the_config_is_located() {
    let dir = tempfile::tempdir().unwrap();
    for (body, line, col, what) in [
        (
            "[plan]\nmaximize = \"profit\"\nmargin = 1.5\n",
            6,
            10,
            "margin 1.5 is out of range",
        ),
        (
            "[channels.douyin_qianchuan]\nmargin = \"abc\"\n[plan]\nmaximize = \"profit\"\n",
            5,
            10,
            "a margin is a fraction of GMV",
        ),
    ] {
        let cfg = config(dir.path(), body);
        let (code, _, stderr) = plan(&cfg, &dir.path().join("x"), &[]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("acqplan.toml"), "{stderr}");
        assert!(
            stderr.contains(&format!("line {line}, column {col}")),
            "{stderr}"
        );
        assert!(stderr.contains(what), "{stderr}");
    }
    let cfg = config(dir.path(), "");
    let (code, _, stderr) = plan(
        &cfg,
        &dir.path().join("y"),
        &["--maximize", "profit", "--margin", "1.5"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--margin 1.5"), "{stderr}");
}
