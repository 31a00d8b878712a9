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

/// Every table a command prints for people, in `lang`, for one generated
/// history (1 room, 5 channels, 112 days; the plan made on its first 105
/// days and reviewed against all of them): validate, screen, fit,
/// backtest, frontier, plan (what-if), review, ingest, store, config.
/// Run in a temporary folder with relative paths; the store's ingest
/// times are masked.
fn tables_in(lang: &str) -> Vec<(&'static str, String)> {
    use acqplan::synth::{GenOptions, Headers, generate};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let h = generate(&GenOptions {
        rooms: 1,
        days: 112,
        seed: 19,
        ..GenOptions::default()
    });
    let csv = String::from_utf8(h.to_csv(Headers::English)).unwrap();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let last = rows.iter().map(|r| &r[..10]).max().unwrap().to_string();
    let cut = {
        let mut dates: Vec<&str> = rows.iter().map(|r| &r[..10]).collect();
        dates.dedup();
        dates[dates.len() - 7].to_string()
    };
    assert!(cut < last);
    std::fs::write(d.join("full.csv"), &csv).unwrap();
    let past: Vec<&str> = rows.iter().copied().filter(|r| r[..10] < *cut).collect();
    std::fs::write(
        d.join("past.csv"),
        format!("{header}\n{}\n", past.join("\n")),
    )
    .unwrap();
    let run = |args: &[&str]| -> String {
        let o = Command::cargo_bin("acqplan")
            .unwrap()
            .current_dir(d)
            .args(args)
            .args(["--lang", lang])
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    };
    let data = ["--data", "full.csv"];
    let with = |a: &[&'static str], b: &[&'static str]| -> Vec<&'static str> {
        a.iter().chain(b).copied().collect()
    };
    vec![
        ("validate", run(&with(&["validate"], &data))),
        ("screen", run(&with(&["screen", "--out", "s"], &data))),
        ("fit", run(&with(&["fit", "--out", "f"], &data))),
        (
            "backtest",
            run(&with(&["backtest", "--weeks", "2", "--out", "b"], &data)),
        ),
        (
            "frontier",
            run(&with(
                &[
                    "frontier",
                    "--budgets",
                    "1万..4万",
                    "--steps",
                    "3",
                    "--out",
                    "fr",
                ],
                &data,
            )),
        ),
        (
            "plan (what-if)",
            run(&[
                "plan", "--data", "past.csv", "--budget", "2万", "--budget", "3万", "--out", "run",
                "--quiet",
            ]),
        ),
        (
            "review",
            run(&with(
                &[
                    "review",
                    "--plan",
                    "run",
                    "--fake-traffic",
                    "off",
                    "--quiet",
                ],
                &data,
            )),
        ),
        (
            "ingest",
            run(&["ingest", "full.csv", "--into", "store", "--quiet"]),
        ),
        ("store", mask_times(&run(&["store", "store"]))),
        ("config", run(&with(&["config"], &data))),
    ]
}

/// `2026-12-02T01:02:03Z`-like times as `<time>`.
fn mask_times(s: &str) -> String {
    let c: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < c.len() {
        let is_time = i + 19 <= c.len()
            && c[i..i + 4].iter().all(char::is_ascii_digit)
            && c[i + 10] == 'T'
            && c[i + 13] == ':';
        if is_time {
            let mut j = i + 19;
            while j < c.len() && !c[j].is_whitespace() {
                j += 1;
            }
            out.push_str("<time>");
            i = j;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

#[test]
fn every_table_in_english_and_chinese() {
    for lang in ["en", "zh"] {
        let text: String = tables_in(lang)
            .into_iter()
            .map(|(name, t)| format!("== {name} ==\n{t}\n"))
            .collect();
        insta::assert_snapshot!(format!("tables_{lang}"), text);
    }
}

/// No English left in the Chinese tables: every ASCII word of them is a
/// name from the data (rooms, channels), an identifier (with `_`, `.`,
/// `/` or a digit: files, signals, recency settings), or one of a few
/// names and units (acqplan, WAPE, MAPE, UTC, the fitted families). The
/// config table is left out: its first two columns are acqplan.toml's
/// keys and values, which stay as they are typed.
#[test]
fn the_chinese_tables_have_no_english_words() {
    let mut names: std::collections::BTreeSet<String> = [
        "acqplan",
        "WAPE",
        "MAPE",
        "UTC",
        "R",
        "P",
        "exp",
        "hill",
        "log",
        "power",
        "auto",
        "all",
        "linear",
        "flat",
        // screening's signal ids, as flagged_rows.csv writes them
        "spike",
        "engagement",
        "impressions",
        // the statistic, and the store table's masked ingest time
        "R²",
        "time",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let en = tables_in("en");
    // The room and channel names are what the English tables show in their
    // first columns; the same names appear in the Chinese ones.
    for (_, t) in &en {
        for line in t.lines() {
            if let Some(first) = line.split("  ").next()
                && !first.contains(' ')
            {
                names.insert(first.trim().to_string());
            }
        }
    }
    let mut left = std::collections::BTreeSet::new();
    for (name, t) in tables_in("zh") {
        if name == "config" {
            continue;
        }
        left.extend(english_words(name, &t, &names));
    }
    assert!(
        left.is_empty(),
        "English words in the Chinese tables: {left:?}"
    );
}

/// The ASCII words of `text` that are neither in `names` nor identifiers
/// (with `_`, `.`, `/` or a digit), as `name: word`.
fn english_words(
    name: &str,
    text: &str,
    names: &std::collections::BTreeSet<String>,
) -> Vec<String> {
    let mut left = Vec::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || "_./-²@".contains(c))) {
        let w = word.trim_matches(|c: char| c == '.' || c == '-');
        let has_letter = w.chars().any(|c| c.is_ascii_alphabetic());
        let identifier = w.contains(['_', '.', '/']) || w.chars().any(|c| c.is_ascii_digit());
        if has_letter && !identifier && !names.contains(w) {
            left.push(format!("{name}: {w}"));
        }
    }
    left
}

/// summary.txt of a Chinese plan whose limits bind, cost and stop the
/// target (a channel group, a room group, the guardrail, the smallest
/// relaxation) has no English words: each is a name (the group `douyin`),
/// an identifier, P (as in P10–P90) or plan.json's key `limits`.
#[test]
fn a_chinese_summary_with_binding_limits_has_no_english_words() {
    let names: std::collections::BTreeSet<String> = ["P", "limits", "douyin"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    for (i, body) in [
        // Feasible: the limits bind and cost.
        "[groups.douyin]\nchannels = [\"douyin_qianchuan\", \"douyin_douplus\"]\nmax_spend_cny = 150000\n[room_groups.brand_a]\nrooms = [\"room_01\", \"room_02\"]\nbudget_cny = 330000\n[plan]\ntarget_viewers = \"500k\"\nmax_change = \"40%\"\n",
        // Infeasible: the guardrail stops it; the smallest relaxation.
        "[groups.douyin]\nchannels = [\"douyin_qianchuan\", \"douyin_douplus\"]\nmax_spend_cny = 300000\n[plan]\ntarget_viewers = \"600k\"\nmax_change = \"5%\"\n",
    ]
    .iter()
    .enumerate()
    {
        let cfg = crate::common::sample_config(dir.path(), &format!("{body}[report]\nlang = \"zh\"\n"));
        let out = dir.path().join(format!("r{i}"));
        let (code, _, stderr) = crate::common::sample_plan(&cfg, &out, &[]);
        assert!(code == 0 || code == 1, "{stderr}");
        let summary = String::from_utf8(read(&out.join("summary.txt"))).unwrap();
        assert!(summary.contains("各项约束的代价："), "{summary}");
        let left = english_words("summary.txt", &summary, &names);
        assert!(left.is_empty(), "{left:?}\n{summary}");
    }
}

/// Every column head of the command tables has a Chinese text, not empty
/// and not the English one (except the names WAPE acqplan).
#[test]
fn every_table_column_has_its_own_chinese_text() {
    use acqplan::lang::Lang;
    use acqplan::report::i18n::{Col, words};
    let (en, zh) = (words(Lang::En), words(Lang::Zh));
    let same_on_purpose = [Col::WapeAcqplan];
    for c in Col::ALL {
        assert!(!zh.col(c).trim().is_empty(), "{c:?}");
        assert!(!en.col(c).trim().is_empty(), "{c:?}");
        if !same_on_purpose.contains(&c) {
            assert_ne!(zh.col(c), en.col(c), "{c:?}");
            assert!(
                zh.col(c).chars().any(|ch| ch as u32 > 0x2E80),
                "{c:?}: {}",
                zh.col(c)
            );
        }
    }
    for d in [1, 7] {
        assert_ne!(zh.col_rows_used(d), en.col_rows_used(d));
        assert_ne!(zh.period_name(d, Some(0)), en.period_name(d, Some(0)));
    }
    assert_ne!(zh.review_png_bars(), en.review_png_bars());
    assert_ne!(zh.backtest_png_axes(), en.backtest_png_axes());
}

/// The schedule that saves nothing says so (not "0 CNY less/more"), in
/// both languages; a real saving keeps its figure.
#[test]
fn a_schedule_that_saves_nothing_says_so() {
    use acqplan::lang::Lang;
    use acqplan::plan::Metric;
    use acqplan::report::i18n::words;
    let (en, zh) = (words(Lang::En), words(Lang::Zh));
    for saving in [0.0, 0.3, -0.4] {
        let e = en.schedule_saving(
            "7 days",
            "2026-11-30",
            saving,
            Metric::Viewers,
            400_000.0,
            Some(0.0),
        );
        assert!(e.contains("saves nothing"), "{e}");
        assert!(
            !e.contains("0 CNY less") && !e.contains("0 CNY more"),
            "{e}"
        );
        let z = zh.schedule_saving(
            "7天",
            "2026-11-30",
            saving,
            Metric::Viewers,
            400_000.0,
            Some(0.0),
        );
        assert!(
            z.contains("没有节省") && !z.contains("多花") && !z.contains("少花"),
            "{z}"
        );
        let e = en.schedule_extra("7 days", "2026-11-30", saving, Metric::Viewers, 500_000.0);
        assert!(e.contains("no more viewers"), "{e}");
    }
    let e = en.schedule_saving(
        "7 days",
        "2026-11-30",
        1234.0,
        Metric::Viewers,
        400_000.0,
        None,
    );
    assert!(e.contains("1,234 CNY less"), "{e}");
    let z = zh.schedule_saving(
        "7天",
        "2026-11-30",
        -1234.0,
        Metric::Viewers,
        400_000.0,
        None,
    );
    assert!(z.contains("多花 1,234元"), "{z}");
}

/// A zh heat-table shows every cell in 万 once any cell is 1万 or more;
/// English and small tables as before.
#[test]
fn heat_cells_keep_one_unit_per_table() {
    use acqplan::lang::Lang;
    use acqplan::report::i18n::short_scaled;
    assert_eq!(short_scaled(Lang::Zh, 9_800.0, 10_500.0), "0.98万");
    assert_eq!(short_scaled(Lang::Zh, 10_500.0, 10_500.0), "1.05万");
    assert_eq!(short_scaled(Lang::Zh, 0.0, 10_500.0), "0");
    assert_eq!(short_scaled(Lang::Zh, 9_800.0, 9_900.0), "9800");
    assert_eq!(short_scaled(Lang::En, 9_800.0, 10_500.0), "9.8k");
}
