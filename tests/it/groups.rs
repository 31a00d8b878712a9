//! Issue 15 §3 through the real binary on the sample history: groups and
//! the guardrail held in the plan, what the limits cost, the smallest
//! relaxation, and a group member the data lacks named by line and column.

use crate::common::{sample_config as config, sample_plan as plan};

const GROUPS: &str = "[groups.douyin]\nchannels = [\"douyin_qianchuan\", \"douyin_douplus\"]\nmax_spend_cny = 150000\n[room_groups.brand_a]\nrooms = [\"room_01\", \"room_02\"]\nbudget_cny = 330000\n[plan]\ntarget_viewers = \"500k\"\nhorizon_days = 7\nmax_change = \"40%\"\n";

#[test]
fn groups_and_guardrail_hold_and_their_costs_are_stated() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), GROUPS);
    let (code, _, stderr) = plan(&cfg, &dir.path().join("a"), &[]);
    assert_eq!(code, 0, "{stderr}");
    let bytes = std::fs::read(dir.path().join("a/plan.json")).unwrap();
    let (code, _, _) = plan(&cfg, &dir.path().join("b"), &[]);
    assert_eq!(code, 0);
    assert_eq!(
        bytes,
        std::fs::read(dir.path().join("b/plan.json")).unwrap()
    );
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let rows = v["rows"].as_array().unwrap();
    let sum = |f: &dyn Fn(&serde_json::Value) -> bool| -> f64 {
        rows.iter()
            .filter(|r| f(r))
            .map(|r| r["spend_cny"].as_f64().unwrap())
            .sum()
    };
    let douyin = sum(&|r| r["channel"].as_str().unwrap().starts_with("douyin_"));
    assert!(douyin <= 150_000.0 * (1.0 + 1e-6), "douyin {douyin}");
    let brand = sum(&|r| ["room_01", "room_02"].contains(&r["room"].as_str().unwrap()));
    assert!(brand <= 330_000.0 * (1.0 + 1e-6), "brand_a {brand}");
    // Every lane with last-horizon spend within ±40 % of it.
    let mut bounded = 0;
    for r in rows {
        let (s, last) = (
            r["spend_cny"].as_f64().unwrap(),
            r["last_spend_cny"].as_f64().unwrap(),
        );
        if last > 0.0 {
            bounded += 1;
            assert!(
                s >= 0.6 * last * (1.0 - 1e-6) && s <= 1.4 * last * (1.0 + 1e-6),
                "{r}"
            );
        }
    }
    let p = &v["plan"];
    let g = &p["guardrail"];
    assert_eq!(g["bounded"].as_u64().unwrap(), bounded);
    assert!(g["cost"].as_f64().unwrap() >= -1e-6 * p["totals"]["spend_cny"].as_f64().unwrap());
    // The plan without the guardrail is cheaper by exactly the cost.
    let without = g["spend_without_cny"].as_f64().unwrap();
    let spend = p["totals"]["spend_cny"].as_f64().unwrap();
    assert!((spend - without - g["cost"].as_f64().unwrap()).abs() < 1e-6 * spend);
    let limits = p["limits"].as_array().unwrap();
    assert!(limits.iter().any(|l| l["kind"] == "target"));
    for l in limits {
        assert!(l["gain_for_step"].as_f64().unwrap() > 0.0);
        let w = l["words"].as_str().unwrap();
        assert!(w.contains(" by ") && w.contains("would"), "{w}");
    }
    let summary = std::fs::read_to_string(dir.path().join("a/summary.txt")).unwrap();
    assert!(summary.contains("What the limits cost:"), "{summary}");
    assert!(summary.contains("guardrail (per lane) costs"), "{summary}");
}

#[test]
fn an_infeasible_request_states_its_smallest_relaxation() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        "[groups.douyin]\nchannels = [\"douyin_qianchuan\", \"douyin_douplus\"]\nmax_spend_cny = 20000\n[channels.taobao_live]\nmax_spend_cny = 10000\n[plan]\ntarget_viewers = \"500k\"\n",
    );
    let (code, _, stderr) = plan(&cfg, &dir.path().join("a"), &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("smallest relaxation"), "{stderr}");
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("a/plan.json")).unwrap()).unwrap();
    let rel = &v["plan"]["infeasibility"]["relaxation"];
    assert_eq!(rel["found"], true);
    let changes = rel["changes"].as_array().unwrap();
    assert!(!changes.is_empty());
    for c in changes {
        // Each relaxed limit is a cap raised.
        assert!(
            c["to"].as_f64().unwrap() > c["from"].as_f64().unwrap(),
            "{c}"
        );
    }
    // With the limits moved as stated, the target is met.
    let mut body = String::new();
    let mut group_cap = 20_000.0;
    let mut taobao_cap = 10_000.0;
    for c in changes {
        match c["kind"].as_str().unwrap() {
            "group_max" => group_cap = c["to"].as_f64().unwrap() * (1.0 + 1e-4),
            "channel_max" => taobao_cap = c["to"].as_f64().unwrap() * (1.0 + 1e-4),
            k => panic!("unexpected relaxation of {k}"),
        }
    }
    body.push_str(&format!("[groups.douyin]\nchannels = [\"douyin_qianchuan\", \"douyin_douplus\"]\nmax_spend_cny = {group_cap}\n[channels.taobao_live]\nmax_spend_cny = {taobao_cap}\n[plan]\ntarget_viewers = \"500k\"\n"));
    let cfg = config(dir.path(), &body);
    let (code, _, stderr) = plan(&cfg, &dir.path().join("b"), &[]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn a_group_member_the_data_lacks_is_named_by_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    // Line 5 of the file, the name's opening quote at column 33.
    let cfg = config(
        dir.path(),
        "[groups.douyin]\nchannels = [\"douyin_qianchuan\", \"douyin_dooplus\"]\nmax_spend_cny = 1000\n[plan]\nbudget = 100000\n",
    );
    let (code, _, stderr) = plan(&cfg, &dir.path().join("a"), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("line 5, column 33"), "{stderr}");
    assert!(stderr.contains("`douyin_dooplus`"), "{stderr}");
    assert!(stderr.contains("douyin_douplus"), "{stderr}");
    // The guardrail's change must be a change.
    let cfg = config(
        dir.path(),
        "[plan]\nbudget = 100000\nmax_change = \"lots\"\n",
    );
    let (code, _, stderr) = plan(&cfg, &dir.path().join("b"), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("max_change") && stderr.contains("30%"),
        "{stderr}"
    );
}

#[test]
fn a_guardrail_that_makes_the_target_unreachable_says_so_not_a_cost() {
    // ±5 % of the last week's spend cannot buy 600k viewers; without the
    // guardrail they cost about 644k CNY.
    let dir = tempfile::tempdir().unwrap();
    let body = "[plan]\ntarget_viewers = \"600k\"\nmax_change = \"5%\"\n";
    let cfg = config(dir.path(), body);
    let (code, table, stderr) = plan(&cfg, &dir.path().join("a"), &[]);
    assert_eq!(code, 1, "{stderr}");
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("a/plan.json")).unwrap()).unwrap();
    // The table lists the first 12 binding limits and counts the rest;
    // plan.json has them all.
    let binding = v["plan"]["binding"].as_array().unwrap().len();
    let limiting = v["plan"]["infeasibility"]["limiting"]
        .as_array()
        .unwrap()
        .len();
    assert!(binding > 12 && limiting > 12, "{binding} {limiting}");
    for (prefix, key, total) in [
        ("binding: ", "binding", binding),
        ("  limited by: ", "infeasibility.limiting", limiting),
    ] {
        let lines: Vec<&str> = table.lines().filter(|l| l.starts_with(prefix)).collect();
        assert_eq!(lines.len(), 13, "{table}");
        assert_eq!(
            lines[12],
            format!("{prefix}… and {} more (see plan.json `{key}`)", total - 12)
        );
    }
    let g = &v["plan"]["guardrail"];
    assert_eq!(g["without_is_feasible"], true, "{g}");
    let without = g["spend_without_cny"].as_f64().unwrap();
    assert!(without > 500_000.0 && without < 800_000.0, "{without}");
    let summary = std::fs::read_to_string(dir.path().join("a/summary.txt")).unwrap();
    let line = summary
        .lines()
        .find(|l| l.contains("±5 % guardrail"))
        .unwrap_or_else(|| panic!("{summary}"));
    let amount = acqplan::report::table::thousands(without, 0);
    assert!(
        line.contains("makes the request infeasible")
            && line.contains(&format!(
                "without it the request is met ({amount} CNY over 7 days)"
            ))
            && !line.contains("costs"),
        "{line}"
    );
    // The same in Chinese.
    let cfg = config(dir.path(), &format!("{body}[report]\nlang = \"zh\"\n"));
    let (code, _, stderr) = plan(&cfg, &dir.path().join("z"), &[]);
    assert_eq!(code, 1, "{stderr}");
    let summary = std::fs::read_to_string(dir.path().join("z/summary.txt")).unwrap();
    let line = summary
        .lines()
        .find(|l| l.contains("±5% 护栏"))
        .unwrap_or_else(|| panic!("{summary}"));
    let amount = format!("{:.1}万元", without / 1e4);
    assert!(
        line.contains("使该请求不可行")
            && line.contains(&format!("不设护栏时可以达成（7天内 {amount}）"))
            && !line.contains("多付出"),
        "{line}"
    );
}
