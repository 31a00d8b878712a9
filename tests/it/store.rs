//! `acqplan ingest` and `acqplan store`: weekly exports that overlap and
//! revise each other merged into one store, read back as a history.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use acqplan::synth::{GenOptions, Headers, generate};

use crate::common::acqplan_in as acqplan;

/// A 3-room × 120-day history (header, rows), its full CSV in `dir`.
fn history(dir: &Path) -> (String, Vec<String>) {
    let h = generate(&GenOptions {
        rooms: 3,
        days: 120,
        seed: 5,
        ..GenOptions::default()
    });
    let csv = String::from_utf8(h.to_csv(Headers::English)).unwrap();
    std::fs::write(dir.join("full.csv"), &csv).unwrap();
    let mut lines = csv.lines().map(str::to_string);
    let header = lines.next().unwrap();
    (header, lines.collect())
}

/// The rows whose date is in `from..to` (days from the first), as a CSV
/// named `name`; `edit` may change rows.
fn export(
    dir: &Path,
    name: &str,
    (header, rows): &(String, Vec<String>),
    days: std::ops::Range<usize>,
    edit: impl Fn(&mut Vec<String>),
) -> PathBuf {
    let dates: Vec<&str> = {
        let mut d: Vec<&str> = rows.iter().map(|r| r.split(',').next().unwrap()).collect();
        d.dedup();
        d
    };
    let keep: std::collections::BTreeSet<&str> = dates[days].iter().copied().collect();
    let mut picked: Vec<String> = rows
        .iter()
        .filter(|r| keep.contains(r.split(',').next().unwrap()))
        .cloned()
        .collect();
    edit(&mut picked);
    let path = dir.join(name);
    std::fs::write(&path, format!("{header}\n{}\n", picked.join("\n"))).unwrap();
    path
}

/// Every file of the store with its bytes (symlinks as their target).
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(dir).unwrap().display().to_string();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.file_type().is_symlink() {
                out.insert(
                    rel,
                    std::fs::read_link(&p)
                        .unwrap()
                        .display()
                        .to_string()
                        .into_bytes(),
                );
            } else if meta.is_dir() {
                stack.push(p);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Spend of the first row changed by +100 CNY.
fn revise_first(rows: &mut [String]) {
    let mut cells: Vec<String> = rows[0].split(',').map(str::to_string).collect();
    let spend: f64 = cells[3].parse().unwrap();
    cells[3] = format!("{}", spend + 100.0);
    rows[0] = cells.join(",");
}

#[test]
fn overlapping_exports_merge_into_the_history_they_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let h = history(d);
    assert!(h.0.starts_with("date,room,channel,spend"), "{}", h.0);
    let a = export(d, "a.csv", &h, 0..80, |_| {});
    let b = export(d, "b.csv", &h, 70..120, |_| {});
    let (code, out, err) = acqplan(d, &["ingest", "a.csv", "b.csv", "--into", "store"]);
    assert_eq!(code, 0, "{err}");
    // 10 overlapping days × 24 lanes are unchanged rows of b.
    let b_line = out.lines().find(|l| l.starts_with("b.csv")).unwrap();
    let cells: Vec<&str> = b_line.split_whitespace().collect();
    assert_eq!(&cells[1..5], &["1,200", "960", "240", "0"], "{out}");
    assert!(a.exists() && b.exists());

    // The store read as a history plans exactly as the whole file does.
    let (c1, _, e1) = acqplan(
        d,
        &[
            "plan",
            "--data",
            "full.csv",
            "--target-viewers",
            "200k",
            "--out",
            "p1",
        ],
    );
    let (c2, _, e2) = acqplan(
        d,
        &[
            "plan",
            "--data",
            "store",
            "--target-viewers",
            "200k",
            "--out",
            "p2",
        ],
    );
    assert_eq!((c1, c2), (0, 0), "{e1}\n{e2}");
    for f in ["plan.csv", "curves.csv"] {
        assert_eq!(
            std::fs::read(d.join("p1").join(f)).unwrap(),
            std::fs::read(d.join("p2").join(f)).unwrap(),
            "{f} differs between the file and the store"
        );
    }
}

#[test]
fn the_same_export_twice_changes_no_byte() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let h = history(d);
    export(d, "a.csv", &h, 0..60, |_| {});
    assert_eq!(acqplan(d, &["ingest", "a.csv", "--into", "store"]).0, 0);
    let before = tree(&d.join("store"));
    let (code, out, err) = acqplan(d, &["ingest", "a.csv", "--into", "store"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("already ingested"), "{out}");
    assert!(err.contains("unchanged"), "{err}");
    assert_eq!(tree(&d.join("store")), before);
    // A different file with the same rows (here: the rows of days 10–30)
    // adds nothing either.
    export(d, "again.csv", &h, 10..30, |_| {});
    let (code, _, err) = acqplan(d, &["ingest", "again.csv", "--into", "store"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("already in the store with the same values"),
        "{err}"
    );
    assert_eq!(tree(&d.join("store")), before);
}

#[test]
fn a_revision_is_recorded_and_the_policy_decides_what_stays() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let h = history(d);
    export(d, "a.csv", &h, 0..60, |_| {});
    export(d, "b.csv", &h, 50..60, |rows| revise_first(rows));
    // Day 50's first row (24 lanes a day, in date order).
    let old_spend: f64 = h.1[50 * 24].split(',').nth(3).unwrap().parse().unwrap();
    assert_eq!(acqplan(d, &["ingest", "a.csv", "--into", "store"]).0, 0);
    let before = tree(&d.join("store"));

    // error: nothing changes, exit 1, the revision named.
    let (code, _, err) = acqplan(
        d,
        &[
            "ingest",
            "b.csv",
            "--into",
            "store",
            "--on-conflict",
            "error",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("revises 1 rows") && err.contains("spend"),
        "{err}"
    );
    assert_eq!(tree(&d.join("store")), before);

    // keep: the revision is reported and logged, the store keeps its value.
    let (code, _, err) = acqplan(
        d,
        &[
            "ingest",
            "b.csv",
            "--into",
            "store",
            "--on-conflict",
            "keep",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!("spend {old_spend} → {}", old_spend + 100.0)),
        "{err}"
    );
    let ledger = std::fs::read_to_string(d.join("store/current/_ledger.csv")).unwrap();
    assert_eq!(ledger.lines().count(), 2, "{ledger}");
    assert!(
        ledger.lines().nth(1).unwrap().contains(",spend,"),
        "{ledger}"
    );
    let (_, json, _) = acqplan(d, &["validate", "--data", "store", "--format", "json"]);
    let kept: serde_json::Value = serde_json::from_str(&json).unwrap();

    // newer (the default) on a fresh store: the export's value wins.
    export(d, "b2.csv", &h, 50..60, |rows| {
        revise_first(rows);
        rows.truncate(5);
    });
    let (code, _, err) = acqplan(d, &["ingest", "b2.csv", "--into", "store"]);
    assert_eq!(code, 0, "{err}");
    let (_, json, _) = acqplan(d, &["validate", "--data", "store", "--format", "json"]);
    let newer: serde_json::Value = serde_json::from_str(&json).unwrap();
    let spend = |v: &serde_json::Value| -> f64 {
        v["channels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["spend_cny"].as_f64().unwrap())
            .sum()
    };
    assert!(
        (spend(&newer) - spend(&kept) - 100.0).abs() < 1e-6,
        "{} vs {}",
        spend(&newer),
        spend(&kept)
    );
    let ledger = std::fs::read_to_string(d.join("store/current/_ledger.csv")).unwrap();
    assert_eq!(
        ledger.lines().count(),
        3,
        "both revisions are in the ledger: {ledger}"
    );
}

#[test]
fn a_killed_ingest_leaves_the_store_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let h = history(d);
    export(d, "a.csv", &h, 0..60, |_| {});
    export(d, "b.csv", &h, 60..90, |_| {});
    assert_eq!(acqplan(d, &["ingest", "a.csv", "--into", "store"]).0, 0);
    let (_, before, _) = acqplan(d, &["validate", "--data", "store"]);
    // What a kill between writing the next generation and switching to it
    // leaves: a half-written generation and a temporary link.
    let half = d.join("store/_gen-000002/month=2026-05");
    std::fs::create_dir_all(&half).unwrap();
    std::fs::write(half.join("part-0.parquet"), b"half a file").unwrap();
    std::os::unix::fs::symlink("_gen-000002", d.join("store/_current.999")).unwrap();
    let (code, after, err) = acqplan(d, &["validate", "--data", "store"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(after, before, "readers see the old store");
    // The next ingest clears the leftovers and goes on.
    let (code, _, err) = acqplan(d, &["ingest", "b.csv", "--into", "store"]);
    assert_eq!(code, 0, "{err}");
    let names: Vec<String> = std::fs::read_dir(d.join("store"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    let mut names = names;
    names.sort();
    assert_eq!(names, vec!["_gen-000002", "current"]);
    let (_, summary, _) = acqplan(d, &["store", "store"]);
    assert!(
        summary.starts_with("2,160 rows, 3 rooms, 8 channels"),
        "{summary}"
    );
}

#[test]
fn a_second_ingest_while_one_writes_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let h = history(d);
    export(d, "a.csv", &h, 0..30, |_| {});
    std::fs::create_dir_all(d.join("store")).unwrap();
    let lock = std::fs::File::create(d.join("store/_lock")).unwrap();
    lock.try_lock().unwrap();
    let (code, _, err) = acqplan(d, &["ingest", "a.csv", "--into", "store"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("another ingest is writing"), "{err}");
    assert!(err.contains("hint: wait for the other ingest"), "{err}");
    drop(lock);
}

#[test]
fn weekly_exports_do_not_mix_with_a_daily_store() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let h = history(d);
    export(d, "a.csv", &h, 0..30, |_| {});
    assert_eq!(acqplan(d, &["ingest", "a.csv", "--into", "store"]).0, 0);
    let weekly = "tests/it/fixtures/periods/weekly.csv";
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, _, err) = acqplan(
        d,
        &[
            "ingest",
            manifest.join(weekly).to_str().unwrap(),
            "--into",
            "store",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("weekly") && err.contains("1 day"), "{err}");
}

#[test]
fn the_store_lists_gaps_inside_a_lanes_spend() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let h = history(d);
    // Drop days 20–22 of the first lane (3 rows) from the export.
    let lane = {
        let c: Vec<&str> = h.1[0].split(',').collect();
        format!(",{},{},", c[1], c[2])
    };
    let dates: Vec<String> = {
        let mut v: Vec<String> =
            h.1.iter()
                .map(|r| r.split(',').next().unwrap().to_string())
                .collect();
        v.dedup();
        v
    };
    let gone: Vec<String> = (20..23).map(|i| dates[i].clone()).collect();
    export(d, "a.csv", &h, 0..60, |rows| {
        rows.retain(|r| !(r.contains(&lane) && gone.iter().any(|g| r.starts_with(g.as_str()))))
    });
    assert_eq!(acqplan(d, &["ingest", "a.csv", "--into", "store"]).0, 0);
    let (code, json, err) = acqplan(d, &["store", "store", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["lanes_with_gaps"], 1, "{json}");
    assert_eq!(v["gaps"][0]["missing"], 3);
    assert_eq!(v["gaps"][0]["first_missing"], dates[20].as_str());
    assert_eq!(v["manifest"]["rows"], 60 * 24 - 3);
}

#[test]
fn keep_days_drops_old_rows_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let h = history(d);
    export(d, "a.csv", &h, 0..120, |_| {});
    assert_eq!(acqplan(d, &["ingest", "a.csv", "--into", "store"]).0, 0);
    let (code, json, err) = acqplan(
        d,
        &["store", "store", "--keep-days", "30", "--format", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["manifest"]["rows"], 30 * 24, "{json}");
    let dates: Vec<&str> = {
        let mut v: Vec<&str> = h.1.iter().map(|r| r.split(',').next().unwrap()).collect();
        v.dedup();
        v
    };
    assert_eq!(v["manifest"]["first_date"], dates[90]);
    assert_eq!(v["manifest"]["last_date"], dates[119]);
    // Again: nothing older, nothing changes.
    let before = tree(&d.join("store"));
    let (code, _, err) = acqplan(d, &["store", "store", "--keep-days", "30"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("unchanged"), "{err}");
    assert_eq!(tree(&d.join("store")), before);
}

/// `validate --data store --format json`: the rows and spend a reader sees.
fn seen(d: &Path) -> (u64, f64) {
    let (code, json, err) = acqplan(d, &["validate", "--data", "store", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let spend = v["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["spend_cny"].as_f64().unwrap())
        .sum();
    (v["rows"].as_u64().unwrap(), spend)
}

#[test]
fn an_ingest_killed_at_any_point_leaves_the_old_store_or_the_new_one() {
    use std::process::Stdio;
    use std::time::Instant;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let h = generate(&GenOptions {
        rooms: 20,
        days: 240,
        seed: 9,
        ..GenOptions::default()
    });
    let csv = String::from_utf8(h.to_csv(Headers::English)).unwrap();
    let mut lines = csv.lines().map(str::to_string);
    let h = (lines.next().unwrap(), lines.collect::<Vec<_>>());
    export(d, "a.csv", &h, 0..150, |_| {});
    // Overlaps a's last 30 days, revises a value in them, adds 90 days.
    export(d, "b.csv", &h, 120..240, |rows| revise_first(rows));
    assert_eq!(acqplan(d, &["ingest", "a.csv", "--into", "store"]).0, 0);
    let old = seen(d);
    // The new store, built once in a copy, and the time a whole ingest takes.
    std::fs::create_dir(d.join("copy")).unwrap();
    for f in ["a.csv", "b.csv"] {
        std::fs::copy(d.join(f), d.join("copy").join(f)).unwrap();
    }
    assert_eq!(
        acqplan(&d.join("copy"), &["ingest", "a.csv", "--into", "store"]).0,
        0
    );
    let t0 = Instant::now();
    assert_eq!(
        acqplan(&d.join("copy"), &["ingest", "b.csv", "--into", "store"]).0,
        0
    );
    let full = t0.elapsed();
    let new = seen(&d.join("copy"));
    assert_ne!(old, new);
    let mut outcomes = (0, 0);
    for f in [0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 1.0] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_acqplan"))
            .current_dir(d)
            .args(["ingest", "b.csv", "--into", "store"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(full.mul_f64(f));
        let _ = child.kill();
        let _ = child.wait();
        let now = seen(d);
        assert!(
            now == old || now == new,
            "a mix after a kill at {f}: {now:?}"
        );
        if now == old {
            outcomes.0 += 1;
        } else {
            outcomes.1 += 1;
            break;
        }
    }
    assert!(outcomes.0 > 0, "no kill landed before the switch");
    // Whatever the kills left, the next ingest gives the new store.
    assert_eq!(acqplan(d, &["ingest", "b.csv", "--into", "store"]).0, 0);
    assert_eq!(seen(d), new);
}

#[test]
fn the_shipped_exports_make_the_shipped_store_and_the_history_with_its_revisions() {
    use acqplan::load::{LoadOptions, load};
    use acqplan::store::rows::{NUMBERS, rows_of};
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("exports")).unwrap();
    let mut exports: Vec<String> = std::fs::read_dir(repo.join("data/exports"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    exports.sort();
    assert_eq!(exports.len(), 5, "{exports:?}");
    let mut args = vec!["ingest".to_string()];
    for e in &exports {
        std::fs::copy(repo.join("data/exports").join(e), d.join("exports").join(e)).unwrap();
        args.push(format!("exports/{e}"));
    }
    args.extend(["--into".into(), "store".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, err) = acqplan(d, &args);
    assert_eq!(code, 0, "{err}");

    // The same month files, byte for byte, as the shipped store's.
    let fresh = tree(&d.join("store/current"));
    let shipped = tree(&repo.join("data/store/current"));
    let parts = |t: &BTreeMap<String, Vec<u8>>| -> BTreeMap<String, Vec<u8>> {
        t.iter()
            .filter(|(k, _)| k.ends_with(".parquet"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    assert_eq!(
        parts(&fresh),
        parts(&shipped),
        "data/store is what ingesting data/exports makes"
    );
    // Its ledger, but for when.
    let no_time = |t: &BTreeMap<String, Vec<u8>>| -> Vec<String> {
        String::from_utf8(t["_ledger.csv"].clone())
            .unwrap()
            .lines()
            .map(|l| l.rsplit_once(',').unwrap().0.to_string())
            .collect()
    };
    assert_eq!(no_time(&fresh), no_time(&shipped));

    // The store is data/history.csv with the ledger's revisions: every
    // value that differs is in the ledger, old and new.
    let opts = LoadOptions::default();
    let history = rows_of(&load(&repo.join("data/history.csv"), &opts).unwrap().data).unwrap();
    let store = rows_of(&load(&d.join("store"), &opts).unwrap().data).unwrap();
    assert_eq!(
        history.keys().collect::<Vec<_>>(),
        store.keys().collect::<Vec<_>>()
    );
    let mut changed = std::collections::BTreeSet::new();
    for (k, h) in &history {
        for (i, f) in NUMBERS.iter().enumerate() {
            if h.numbers[i] != store[k].numbers[i] {
                changed.insert((
                    acqplan::contract::calendar::format_date(k.0),
                    k.1.clone(),
                    k.2.clone(),
                    f.name().to_string(),
                ));
            }
        }
    }
    let ledger = String::from_utf8(fresh["_ledger.csv"].clone()).unwrap();
    let logged: std::collections::BTreeSet<_> = ledger
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            let k = (
                acqplan::contract::cell::parse_date(c[0]).unwrap(),
                c[1].to_string(),
                c[2].to_string(),
            );
            let i = NUMBERS.iter().position(|f| f.name() == c[3]).unwrap();
            assert_eq!(
                history[&k].numbers[i].unwrap().to_string(),
                c[4],
                "old value of {l}"
            );
            assert_eq!(
                store[&k].numbers[i].unwrap().to_string(),
                c[5],
                "new value of {l}"
            );
            (
                c[0].to_string(),
                c[1].to_string(),
                c[2].to_string(),
                c[3].to_string(),
            )
        })
        .collect();
    assert_eq!(logged, changed);
    assert_eq!(
        changed.len(),
        4 * 7 * 3 * 2,
        "4 weekly exports × 7 days × 3 rooms × orders and GMV"
    );
}

#[test]
fn console_exports_ingest_with_the_rules_of_validate() {
    // Chinese headers, ¥ and thousands separators, a 合计 row per day: the
    // store holds what `validate` reads from the file, total rows left out
    // with the same warning.
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(
        repo.join("tests/it/fixtures/console/qianchuan.csv"),
        d.join("qianchuan.csv"),
    )
    .unwrap();
    let (code, direct, verr) = acqplan(
        d,
        &["validate", "--data", "qianchuan.csv", "--format", "json"],
    );
    assert_eq!(code, 0, "{verr}");
    let (code, _, err) = acqplan(d, &["ingest", "qianchuan.csv", "--into", "store"]);
    assert_eq!(code, 0, "{err}");
    let warning = |e: &str| {
        e.lines()
            .find(|l| l.contains("total row"))
            .map(str::to_string)
    };
    assert!(warning(&err).is_some(), "{err}");
    assert_eq!(warning(&err), warning(&verr));
    let (code, stored, err) = acqplan(d, &["validate", "--data", "store", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let a: serde_json::Value = serde_json::from_str(&direct).unwrap();
    let b: serde_json::Value = serde_json::from_str(&stored).unwrap();
    assert!(a["rows"].as_u64().unwrap() > 0);
    for k in ["rows", "first_date", "last_date", "rooms", "channels"] {
        assert_eq!(a[k], b[k], "{k}: {direct}\n{stored}");
    }
}

#[test]
fn an_ingest_told_to_wait_takes_the_lock_once_the_other_lets_go() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let h = history(d);
    export(d, "a.csv", &h, 0..30, |_| {});
    std::fs::create_dir_all(d.join("store")).unwrap();
    let lock = std::fs::File::create(d.join("store/_lock")).unwrap();
    lock.try_lock().unwrap();
    // Too short a wait: the same clear failure, saying how long it waited.
    let (code, _, err) = acqplan(d, &["ingest", "a.csv", "--into", "store", "--wait", "0.3"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("waited 0.3 s"), "{err}");
    // The holder lets go after 0.5 s; an ingest waiting up to 30 s goes on.
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(500));
        drop(lock);
    });
    let start = std::time::Instant::now();
    let (code, _, err) = acqplan(d, &["ingest", "a.csv", "--into", "store", "--wait", "30"]);
    release.join().unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(start.elapsed() >= std::time::Duration::from_millis(500));
    assert!(err.contains("is now generation 1"), "{err}");
    let (code, _, err) = acqplan(d, &["ingest", "a.csv", "--into", "store", "--wait=-1"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not a number of seconds"), "{err}");
}

#[test]
fn the_config_names_the_store_ingest_writes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let h = history(d);
    export(d, "a.csv", &h, 0..30, |_| {});
    // Without --into or `store =`: an error with the two ways out.
    let (code, _, err) = acqplan(d, &["ingest", "a.csv"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no store given"), "{err}");
    assert!(err.contains("--into STORE"), "{err}");
    // `store` in the config is relative to the config file.
    std::fs::create_dir_all(d.join("cfg")).unwrap();
    std::fs::write(d.join("cfg/acqplan.toml"), "store = \"../kept\"\n").unwrap();
    let (code, _, err) = acqplan(d, &["ingest", "a.csv", "--config", "cfg/acqplan.toml"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("is now generation 1: 720 rows"), "{err}");
    assert!(d.join("kept/current/_store.json").exists());
    let (_, out, _) = acqplan(d, &["config", "--config", "cfg/acqplan.toml"]);
    let line = out.lines().find(|l| l.starts_with("store ")).unwrap();
    assert!(
        line.contains("cfg/../kept") && line.contains("file"),
        "{line}"
    );
    // `[data] store` says the same.
    std::fs::write(d.join("cfg/acqplan.toml"), "[data]\nstore = \"../kept2\"\n").unwrap();
    let (code, _, err) = acqplan(d, &["ingest", "a.csv", "--config", "cfg/acqplan.toml"]);
    assert_eq!(code, 0, "{err}");
    assert!(d.join("kept2/current/_store.json").exists());
    // --into replaces it.
    let (code, _, err) = acqplan(
        d,
        &[
            "ingest",
            "a.csv",
            "--config",
            "cfg/acqplan.toml",
            "--into",
            "other",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(d.join("other/current/_store.json").exists());
}

/// Rewrite one month file of the store's current generation with the same
/// rows in reverse order (as another writer might), and its BLAKE3 in the
/// manifest, so that the store is consistent but not in acqplan's form.
fn rewrite_month_reversed(store: &Path, month: &str) {
    use polars::prelude::*;
    let gen_dir = store.join(std::fs::read_link(store.join("current")).unwrap());
    let file = format!("month={month}/part-0.parquet");
    let path = gen_dir.join(&file);
    let df = ParquetReader::new(std::fs::File::open(&path).unwrap())
        .finish()
        .unwrap();
    let mut rev = df.reverse();
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf)
        .with_compression(ParquetCompression::Uncompressed)
        .finish(&mut rev)
        .unwrap();
    std::fs::remove_file(&path).unwrap(); // a hard link shared with nothing now
    std::fs::write(&path, &buf).unwrap();
    let m_path = gen_dir.join("_store.json");
    let mut m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&m_path).unwrap()).unwrap();
    for p in m["partitions"].as_array_mut().unwrap() {
        if p["file"] == file.as_str() {
            p["blake3"] = blake3::hash(&buf).to_hex().to_string().into();
        }
    }
    std::fs::write(&m_path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
}

#[test]
fn compact_rewrites_what_another_writer_left_and_refuses_a_damaged_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let h = history(d);
    export(d, "a.csv", &h, 0..120, |_| {});
    assert_eq!(acqplan(d, &["ingest", "a.csv", "--into", "fresh"]).0, 0);
    assert_eq!(acqplan(d, &["ingest", "a.csv", "--into", "store"]).0, 0);
    // A store as acqplan wrote it: nothing to do, no byte changes.
    let before = tree(&d.join("store"));
    let (code, _, err) = acqplan(d, &["store", "store", "--compact"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("already as this acqplan writes them"), "{err}");
    assert_eq!(tree(&d.join("store")), before);

    // One month from another writer, one stray file: both mended in one
    // new generation, whose month files are byte for byte a fresh ingest's.
    let months: Vec<String> = before
        .keys()
        .filter_map(|k| k.strip_prefix("_gen-000001/month="))
        .map(|k| k.split('/').next().unwrap().to_string())
        .collect();
    assert_eq!(months.len(), 4, "{months:?}");
    rewrite_month_reversed(&d.join("store"), &months[1]);
    std::fs::write(d.join("store/current/notes.txt"), "by hand").unwrap();
    let (code, _, err) = acqplan(d, &["store", "store", "--compact"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!("rewrote 1 of 4 month files ({})", months[1])),
        "{err}"
    );
    assert!(
        err.contains("notes.txt: not in the store's manifest"),
        "{err}"
    );
    assert!(err.contains("is now generation 2"), "{err}");
    let months_of = |t: &BTreeMap<String, Vec<u8>>| -> BTreeMap<String, Vec<u8>> {
        t.iter()
            .filter(|(k, _)| k.contains("/month="))
            .map(|(k, v)| (k.split_once('/').unwrap().1.to_string(), v.clone()))
            .collect()
    };
    let after = tree(&d.join("store"));
    assert_eq!(months_of(&after), months_of(&tree(&d.join("fresh"))));
    assert!(!after.keys().any(|k| k.ends_with("notes.txt")));
    // The store still reads as the history it came from.
    let (c, out, e) = acqplan(d, &["validate", "--data", "store"]);
    assert_eq!(c, 0, "{e}");
    assert!(out.starts_with("rows: 2,880 "), "{out}");

    // A month file changed behind the manifest's back: an error naming the
    // file, and nothing written.
    let gen_dir = d.join("store/_gen-000002");
    let victim = gen_dir.join(format!("month={}/part-0.parquet", months[2]));
    let mut bytes = std::fs::read(&victim).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::remove_file(&victim).unwrap();
    std::fs::write(&victim, &bytes).unwrap();
    let before = tree(&d.join("store"));
    let (code, _, err) = acqplan(d, &["store", "store", "--compact"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("month={}/part-0.parquet", months[2]))
            && err.contains("does not match the store's manifest")
            && err.contains("hint: "),
        "{err}"
    );
    assert_eq!(tree(&d.join("store")), before);
}
