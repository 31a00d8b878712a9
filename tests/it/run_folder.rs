//! A run folder is all or nothing (issue 14 §4): runs killed with SIGKILL
//! at many points leave either no folder or a whole run, `--force` keeps
//! the old run until the new one is complete, two runs at once into one
//! folder give one whole run, and the next run clears up after a killed
//! one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn acqplan() -> Command {
    Command::new(env!("CARGO_BIN_EXE_acqplan"))
}

/// A generated history of 20 rooms over a year (58,400 rows).
fn history(dir: &Path) -> PathBuf {
    let out = acqplan()
        .args(["gen", "--rooms", "20", "--days", "365", "--out"])
        .arg(dir.join("h"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join("h/history.csv")
}

fn plan(data: &Path, out: &Path, budget: &str, force: bool) -> Command {
    let mut c = acqplan();
    c.arg("plan")
        .arg("--data")
        .arg(data)
        .args(["--budget", budget, "--out"])
        .arg(out);
    if force {
        c.arg("--force");
    }
    c.stdout(Stdio::null());
    c
}

/// Run to the end: (exit code, stderr).
fn finish(mut c: Command) -> (i32, String) {
    let out = c.stderr(Stdio::piped()).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Start, and SIGKILL after `after`.
fn kill_after(mut c: Command, after: Duration) {
    let mut child: Child = c.stderr(Stdio::null()).spawn().unwrap();
    std::thread::sleep(after);
    let _ = child.kill();
    let _ = child.wait();
}

/// Every name in `dir`, hidden ones too, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The files of `dir` by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    names(dir)
        .into_iter()
        .map(|n| {
            let bytes = std::fs::read(dir.join(&n)).unwrap();
            (n, bytes)
        })
        .collect()
}

/// Assert `dir` holds one whole run: manifest.json lists exactly the other
/// files present, each with its size and hash. Returns the manifest.
fn assert_whole_run(dir: &Path) -> serde_json::Value {
    let present = files(dir);
    let m: serde_json::Value =
        serde_json::from_slice(present.get("manifest.json").unwrap_or_else(|| {
            panic!(
                "no manifest.json in {}: {:?}",
                dir.display(),
                present.keys()
            )
        }))
        .unwrap();
    let listed: BTreeMap<String, (u64, String)> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                (
                    f["bytes"].as_u64().unwrap(),
                    f["blake3"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect();
    let others: BTreeMap<String, (u64, String)> = present
        .iter()
        .filter(|(n, _)| n.as_str() != "manifest.json")
        .map(|(n, b)| {
            (
                n.clone(),
                (b.len() as u64, blake3::hash(b).to_hex().to_string()),
            )
        })
        .collect();
    assert_eq!(listed, others, "{} is not one whole run", dir.display());
    m
}

/// The budget a run's manifest records.
fn budget(m: &serde_json::Value) -> f64 {
    m["config"]["budgets_cny"]["value"][0].as_f64().unwrap()
}

/// Hidden leftovers of runs for the folder named `name` in `parent`.
fn leftovers(parent: &Path, name: &str) -> Vec<String> {
    names(parent)
        .into_iter()
        .filter(|n| n.starts_with(&format!(".{name}.acqplan-")))
        .collect()
}

/// Kill points spread over a run that takes `full`.
fn kill_points(full: Duration) -> Vec<Duration> {
    [0.0, 0.1, 0.2, 0.3, 0.45, 0.6, 0.75, 0.9, 1.05]
        .iter()
        .map(|f| full.mul_f64(*f))
        .collect()
}

#[test]
fn a_killed_run_leaves_no_folder_and_the_next_run_clears_up() {
    let tmp = tempfile::tempdir().unwrap();
    let data = history(tmp.path());
    let full_dir = tmp.path().join("full");
    let t0 = Instant::now();
    let (code, err) = finish(plan(&data, &full_dir, "50k", false));
    let full = t0.elapsed();
    assert_eq!(code, 0, "{err}");
    assert_whole_run(&full_dir);
    let reference = files(&full_dir);

    let out = tmp.path().join("r");
    let mut staged = 0;
    for after in kill_points(full) {
        kill_after(plan(&data, &out, "50k", false), after);
        if out.exists() {
            // Killed after the rename: the whole run, the same bytes.
            assert_whole_run(&out);
            let got = files(&out);
            for (name, bytes) in &reference {
                if name != "manifest.json" {
                    assert!(
                        got[name] == *bytes,
                        "{name} differs after a kill at {after:?}"
                    );
                }
            }
            std::fs::remove_dir_all(&out).unwrap();
        }
        let left = leftovers(tmp.path(), "r");
        // Nothing but hidden folders and lock files whose names say so.
        assert!(
            left.iter()
                .all(|n| n.starts_with(".r.acqplan-staging-") || n == ".r.acqplan-lock"),
            "{left:?}"
        );
        assert_eq!(
            names(tmp.path()),
            [left.clone(), vec!["full".into(), "h".into()]].concat(),
            "after a kill at {after:?}"
        );
        staged += usize::from(left.iter().any(|n| n.contains("staging")));
    }
    assert!(staged > 0, "no kill landed while a run was writing");

    // Kill once more mid-run, then the next run, without --force, succeeds
    // and says it removed the staging folder.
    let mut tries = 0;
    while !leftovers(tmp.path(), "r")
        .iter()
        .any(|n| n.contains("staging"))
    {
        let _ = std::fs::remove_dir_all(&out);
        tries += 1;
        assert!(tries < 20, "could not kill a run while it was writing");
        kill_after(plan(&data, &out, "50k", false), full.mul_f64(0.5));
    }
    let stale = leftovers(tmp.path(), "r")
        .into_iter()
        .find(|n| n.contains("staging"))
        .unwrap();
    let (code, err) = finish(plan(&data, &out, "50k", false));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("removed stale") && err.contains(&stale),
        "no word of {stale}: {err}"
    );
    assert_whole_run(&out);
    assert_eq!(names(tmp.path()), ["full", "h", "r"]);
}

#[test]
fn a_killed_force_run_keeps_the_old_run() {
    let tmp = tempfile::tempdir().unwrap();
    let data = history(tmp.path());
    let out = tmp.path().join("r");
    let t0 = Instant::now();
    let (code, err) = finish(plan(&data, &out, "50k", false));
    let full = t0.elapsed();
    assert_eq!(code, 0, "{err}");
    assert_eq!(budget(&assert_whole_run(&out)), 50_000.0);

    let mut kept = 0;
    for after in kill_points(full) {
        let before = files(&out);
        kill_after(plan(&data, &out, "80k", true), after);
        if !out.exists() {
            // Killed between the two renames of the swap: the old run is
            // aside, whole, and the next run puts it back.
            let left = leftovers(tmp.path(), "r");
            let aside = left
                .iter()
                .find(|n| n.contains("replaced"))
                .unwrap_or_else(|| panic!("old run gone: {left:?}"));
            assert!(files(&tmp.path().join(aside)) == before);
            let (code, err) = finish(plan(&data, &out, "80k", false));
            assert_eq!(code, 2, "{err}");
            assert!(err.contains("put back"), "{err}");
        }
        let m = assert_whole_run(&out);
        if files(&out) == before {
            kept += 1;
        } else {
            // Killed after the swap: the new run, whole.
            assert_eq!(budget(&m), 80_000.0);
        }
    }
    assert!(kept > 0, "no kill landed before a --force run's swap");

    let (code, err) = finish(plan(&data, &out, "80k", true));
    assert_eq!(code, 0, "{err}");
    assert_eq!(budget(&assert_whole_run(&out)), 80_000.0);
    assert_eq!(names(tmp.path()), ["h", "r"]);
}

#[test]
fn two_runs_at_once_into_one_folder_give_one_whole_run() {
    let tmp = tempfile::tempdir().unwrap();
    let data = history(tmp.path());
    for round in 0..3 {
        let out = tmp.path().join(format!("r{round}"));
        let spawn = |b: &str| {
            plan(&data, &out, b, false)
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn("50k"), spawn("80k"));
        let results: Vec<(f64, i32, String)> = [(50_000.0, a), (80_000.0, b)]
            .into_iter()
            .map(|(budget, c)| {
                let o = c.wait_with_output().unwrap();
                (
                    budget,
                    o.status.code().unwrap_or(-1),
                    String::from_utf8_lossy(&o.stderr).into_owned(),
                )
            })
            .collect();
        let won: Vec<_> = results.iter().filter(|r| r.1 == 0).collect();
        assert_eq!(won.len(), 1, "{results:?}");
        let lost = results.iter().find(|r| r.1 != 0).unwrap();
        assert_eq!(lost.1, 2, "{}", lost.2);
        assert!(
            (lost.2.contains("another acqplan run") || lost.2.contains("already holds a run"))
                && lost.2.contains("hint:"),
            "{}",
            lost.2
        );
        assert_eq!(budget(&assert_whole_run(&out)), won[0].0);
        assert!(leftovers(tmp.path(), &format!("r{round}")).is_empty());
    }
}

#[test]
fn report_in_place_swaps_a_whole_copy_in() {
    let tmp = tempfile::tempdir().unwrap();
    let data = history(tmp.path());
    let out = tmp.path().join("r");
    let (code, err) = finish(plan(&data, &out, "50k", false));
    assert_eq!(code, 0, "{err}");
    let before = files(&out);
    let report = || {
        let mut c = acqplan();
        c.arg("report").arg(&out).stdout(Stdio::null());
        c
    };
    let t0 = Instant::now();
    let (code, err) = finish(report());
    let full = t0.elapsed();
    assert_eq!(code, 0, "{err}");
    assert!(files(&out) == before, "report changed bytes");
    for after in kill_points(full) {
        kill_after(report(), after);
        if !out.exists() {
            let (code, err) = finish(report());
            assert_eq!(code, 0, "{err}");
            assert!(err.contains("put back"), "{err}");
        }
        assert_whole_run(&out);
        assert!(files(&out) == before, "a killed report changed bytes");
    }
    let (code, err) = finish(report());
    assert_eq!(code, 0, "{err}");
    assert!(files(&out) == before);
    assert_eq!(names(tmp.path()), ["h", "r"]);
}

#[test]
fn every_command_that_writes_a_run_folder_stages_it() {
    let tmp = tempfile::tempdir().unwrap();
    let data = history(tmp.path());
    // One defective row, for `validate --skip-bad-rows` to write a folder.
    let bad = tmp.path().join("bad.csv");
    let mut text = std::fs::read_to_string(&data).unwrap();
    let columns = text.lines().next().unwrap().split(',').count();
    text.push_str(&format!(
        "not-a-date{}\n",
        ",".repeat(columns.saturating_sub(1))
    ));
    std::fs::write(&bad, text).unwrap();
    let data = data.to_str().unwrap();
    let bad = bad.to_str().unwrap();
    let cases: [(&str, Vec<&str>); 6] = [
        ("fit", vec!["fit", "--data", data]),
        ("screen", vec!["screen", "--data", data]),
        (
            "frontier",
            vec![
                "frontier",
                "--data",
                data,
                "--budgets",
                "20k..80k",
                "--steps",
                "3",
            ],
        ),
        ("backtest", vec!["backtest", "--data", data, "--weeks", "2"]),
        ("run", vec!["run", "--data", data, "--budget", "50k"]),
        (
            "validate",
            vec!["validate", "--data", bad, "--skip-bad-rows"],
        ),
    ];
    for (name, args) in cases {
        // A killed run's leftovers, as SIGKILL leaves them.
        let staging = tmp.path().join(format!(".{name}.acqplan-staging-4194304"));
        std::fs::create_dir(&staging).unwrap();
        std::fs::write(staging.join("flagged_rows.csv"), "half").unwrap();
        std::fs::write(tmp.path().join(format!(".{name}.acqplan-lock")), "4194304").unwrap();
        let mut c = acqplan();
        c.args(&args)
            .arg("--out")
            .arg(tmp.path().join(name))
            .stdout(Stdio::null());
        let (code, err) = finish(c);
        assert_eq!(code, 0, "{name}: {err}");
        assert!(err.contains("removed stale"), "{name}: {err}");
        let m = assert_whole_run(&tmp.path().join(name));
        assert!(!m["files"].as_array().unwrap().is_empty(), "{name}");
        assert!(leftovers(tmp.path(), name).is_empty(), "{name}");
    }
    // report --out writes its folder the same way.
    let mut c = acqplan();
    c.arg("report")
        .arg(tmp.path().join("run"))
        .arg("--out")
        .arg(tmp.path().join("again"))
        .stdout(Stdio::null());
    let (code, err) = finish(c);
    assert_eq!(code, 0, "{err}");
    assert!(tmp.path().join("again/summary.txt").exists());
    assert!(leftovers(tmp.path(), "again").is_empty());
}
