//! The report language through the binary: a Chinese run is drawn again by
//! `acqplan report` in Chinese, byte for byte, and in English on request;
//! English runs write no `lang` into chart_data.json.

use assert_cmd::Command;

use crate::common::write_history;

fn acqplan(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("acqplan")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

fn read(p: &std::path::Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn report_redraws_a_chinese_run_in_its_language_unless_told_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let data = write_history(dir.path());
    let (zh, en, again, as_en) = (
        dir.path().join("zh"),
        dir.path().join("en"),
        dir.path().join("again"),
        dir.path().join("as_en"),
    );
    let plan = |out: &std::path::Path, lang: &str| {
        let o = acqplan(&[
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
            out.to_str().unwrap(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    plan(&zh, "zh");
    plan(&en, "en");
    let zh_summary = String::from_utf8(read(&zh.join("summary.txt"))).unwrap();
    assert!(
        zh_summary.starts_with("投放计划：2025-02-01 起，7天\n"),
        "{zh_summary}"
    );
    let data_json = |d: &std::path::Path| -> serde_json::Value {
        serde_json::from_slice(&read(&d.join("chart_data.json"))).unwrap()
    };
    assert_eq!(data_json(&zh)["lang"], "zh");
    assert!(data_json(&en).get("lang").is_none());
    // The numbers are the same plan's in both languages.
    assert_eq!(read(&zh.join("plan.json")), read(&en.join("plan.json")));
    assert_eq!(
        read(&zh.join("schedule.csv")),
        read(&en.join("schedule.csv"))
    );

    // Re-drawn without a language: the run's own, the same bytes.
    let o = acqplan(&[
        "report",
        zh.to_str().unwrap(),
        "--quiet",
        "--out",
        again.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for f in ["summary.txt", "summary.png", "allocation.png", "curves.png"] {
        assert!(read(&zh.join(f)) == read(&again.join(f)), "{f} differs");
    }
    // With --lang en: English, as the English run drew it.
    let o = acqplan(&[
        "report",
        zh.to_str().unwrap(),
        "--lang",
        "en",
        "--quiet",
        "--out",
        as_en.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for f in ["summary.txt", "summary.png", "frontier.png"] {
        assert!(
            read(&en.join(f)) == read(&as_en.join(f)),
            "{f} differs from the English run's"
        );
    }
}
