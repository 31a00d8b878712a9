//! The regret scoreboard (issue 18): every scenario family over fresh seeds,
//! acqplan and two baselines against the exact optimum on the true curves.
//! Writes scoreboard.md, scoreboard.csv and scoreboard.png into `--out`.
//!
//! ```text
//! cargo run --release --example scoreboard -- [--seeds N] [--families a,b] [--out DIR]
//! ```

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use acqplan::scoreboard::board::{RunInfo, scoreboard_md, scores_csv, summarise};
use acqplan::scoreboard::chart::regret_png;
use acqplan::scoreboard::{
    FAMILIES, Method, ScoreRow, Sizes, family, run_scenario, scenario, seed_for,
};
use clap::Parser;

#[derive(Debug, Parser)]
#[command(about = "Regret of acqplan and two baselines against the exact optimum")]
struct Args {
    /// Seeds per family.
    #[arg(long, default_value_t = 10)]
    seeds: usize,
    /// Seeds of the slow families (rooms-500); default: --seeds.
    #[arg(long)]
    slow_seeds: Option<usize>,
    /// Families to run, by id (default: all).
    #[arg(long, value_delimiter = ',')]
    families: Vec<String>,
    /// Output folder.
    #[arg(long, default_value = "docs/scoreboard")]
    out: PathBuf,
    /// Base seed every scenario's seed is derived from.
    #[arg(long, default_value_t = 20_261_201)]
    base_seed: u64,
    /// Scenarios run at once (default: the machine's cores).
    #[arg(long, default_value_t = std::thread::available_parallelism().map_or(2, |n| n.get()))]
    jobs: usize,
    /// The smoke test's small sizes (6 rooms × 150 days) instead of the full grid's.
    #[arg(long)]
    smoke: bool,
}

/// A job's index, family, seed index and rows.
type Outcome = (usize, &'static str, usize, Result<Vec<ScoreRow>, String>);

fn sh(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn main() {
    let args = Args::parse();
    let sizes = if args.smoke {
        Sizes::SMOKE
    } else {
        Sizes::FULL
    };
    let families: Vec<&'static family::Family> = if args.families.is_empty() {
        FAMILIES.iter().collect()
    } else {
        args.families
            .iter()
            .map(|id| {
                family::family(id).unwrap_or_else(|| {
                    let ids: Vec<&str> = FAMILIES.iter().map(|f| f.id).collect();
                    eprintln!(
                        "error: unknown family `{id}`\nhint: one of {}",
                        ids.join(", ")
                    );
                    std::process::exit(2)
                })
            })
            .collect()
    };
    let seeds_of = |f: &family::Family| {
        if f.slow {
            args.slow_seeds.unwrap_or(args.seeds)
        } else {
            args.seeds
        }
    };
    // Slow families first, so they do not trail at the end.
    let mut jobs: Vec<(&'static family::Family, usize)> = Vec::new();
    for f in families
        .iter()
        .filter(|f| f.slow)
        .chain(families.iter().filter(|f| !f.slow))
    {
        for i in 0..seeds_of(f) {
            jobs.push((f, i));
        }
    }
    let total = jobs.len();
    eprintln!(
        "scoreboard: {total} scenarios ({} families), {} at a time",
        families.len(),
        args.jobs
    );
    let done = AtomicUsize::new(0);
    let start = Instant::now();
    // Scenarios run on `--jobs` plain threads; acqplan parallelises its own
    // stages with rayon. (Scenarios as rayon jobs would nest: a worker
    // waiting in one of acqplan's joins steals another scenario and runs it
    // on the same stack, so timings include other runs and the 500-room
    // history overflowed rayon's 2 MiB stacks.)
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Outcome>> = Mutex::new(Vec::with_capacity(total));
    std::thread::scope(|scope| {
        for _ in 0..args.jobs.max(1) {
            scope.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(f, i)) = jobs.get(k) else { break };
                    let seed = seed_for(args.base_seed, f.id, i);
                    let sc = scenario(f.id, sizes, seed).expect("known family");
                    let t = Instant::now();
                    let r = run_scenario(&sc);
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    match &r {
                        Ok(rows) => {
                            let fig = |m: Method| {
                                rows.iter().find(|r| r.method == m).map_or("–".to_string(), |r| {
                                    format!("{:.1} %", 100.0 * r.score.regret)
                                })
                            };
                            eprintln!(
                                "[{n}/{total}] {} #{i} (seed {seed}): regret acqplan {} ({}), business as usual {}, naive {} — {:.1} s",
                                f.id,
                                fig(Method::Acqplan),
                                rows[0].status,
                                fig(Method::BusinessAsUsual),
                                fig(Method::Naive),
                                t.elapsed().as_secs_f64()
                            );
                        }
                        Err(e) => eprintln!("[{n}/{total}] {} #{i} (seed {seed}): error: {e}", f.id),
                    }
                    results
                        .lock()
                        .expect("no worker panics holding the lock")
                        .push((k, f.id, i, r));
                }
            });
        }
    });
    let results = results.into_inner().expect("no worker panicked");
    let wall = start.elapsed().as_secs_f64();
    let mut rows: Vec<ScoreRow> = Vec::new();
    let mut failures = Vec::new();
    let order = |id: &str| {
        families
            .iter()
            .position(|f| f.id == id)
            .unwrap_or(usize::MAX)
    };
    let mut results = results;
    results.sort_by_key(|(k, id, i, _)| (order(id), *i, *k));
    for (_, id, i, r) in results {
        match r {
            Ok(rs) => rows.extend(rs),
            Err(e) => failures.push(format!("{id} #{i}: {e}")),
        }
    }
    let ids: Vec<&'static str> = families.iter().map(|f| f.id).collect();
    let summaries = summarise(&rows, &ids);

    let commit = sh("git", &["rev-parse", "--short", "HEAD"]);
    // Others edit the tree while it is measured: name the state (edited
    // and untracked files under src/, and a BLAKE3 of their contents).
    let edited = sh("git", &["diff", "--name-only", "HEAD", "--", "src"]);
    let untracked = sh(
        "git",
        &["ls-files", "--others", "--exclude-standard", "--", "src"],
    );
    let mut changed: Vec<&str> = edited.lines().chain(untracked.lines()).collect();
    changed.sort_unstable();
    let commit = if changed.is_empty() {
        commit
    } else {
        let mut hasher = blake3::Hasher::new();
        if let Ok(o) = Command::new("git")
            .args(["diff", "HEAD", "--", "src"])
            .output()
        {
            hasher.update(&o.stdout);
        }
        for path in untracked.lines() {
            hasher.update(path.as_bytes());
            hasher.update(&std::fs::read(path).unwrap_or_default());
        }
        format!(
            "{commit} + uncommitted changes (BLAKE3 {}) in {}",
            &hasher.finalize().to_hex()[..12],
            changed.join(", ")
        )
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut seeds = format!("{} per family", args.seeds);
    if let Some(s) = args.slow_seeds
        && s != args.seeds
    {
        let slow: Vec<&str> = families.iter().filter(|f| f.slow).map(|f| f.id).collect();
        if !slow.is_empty() {
            seeds.push_str(&format!(" ({s} for {})", slow.join(", ")));
        }
    }
    seeds.push_str(&format!(", derived from base seed {}", args.base_seed));
    let info = RunInfo {
        command: format!(
            "cargo run --release --example scoreboard -- {}",
            argv.join(" ")
        )
        .trim_end()
        .to_string(),
        commit,
        machine: format!(
            "{}, {} cores",
            sh("uname", &["-m"]),
            std::thread::available_parallelism().map_or(0, |n| n.get())
        ),
        date: sh("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        seeds,
        sizes: format!(
            "{} rooms × {} days (80 lanes) unless the family says otherwise; weekly: {} days summed to full ISO weeks; bot-lanes: {} rooms, {} bot lanes; horizon 7 days",
            sizes.rooms, sizes.days, sizes.weekly_days, sizes.bot_lane_rooms, sizes.bot_lanes
        ),
        wall: format!("{wall:.0} s for {total} scenarios"),
    };
    let about = |id: &str| family::family(id).map_or(String::new(), |f| f.about.to_string());
    let mut md = scoreboard_md(&info, &summaries, &about);
    if !failures.is_empty() {
        md.extend(
            format!(
                "\n## Scenarios that could not be set up\n\n- {}\n",
                failures.join("\n- ")
            )
            .bytes(),
        );
    }
    let title = format!(
        "Regret against the exact optimum: median (bar) and P90 (line) over seeds — acqplan {}",
        sh("git", &["rev-parse", "--short", "HEAD"])
    );
    let png = regret_png(&summaries, &title).unwrap_or_else(|e| {
        eprintln!("error: scoreboard.png: {e}");
        std::process::exit(2)
    });
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        eprintln!("error: could not create `{}`: {e}", args.out.display());
        std::process::exit(2);
    }
    for (name, bytes) in [
        ("scoreboard.md", md),
        ("scoreboard.csv", scores_csv(&rows)),
        ("scoreboard.png", png),
    ] {
        if let Err(e) = acqplan::output::write_atomic(&args.out.join(name), &bytes) {
            eprintln!("error: {name}: {e}");
            std::process::exit(2);
        }
    }
    eprintln!(
        "wrote scoreboard.md, scoreboard.csv, scoreboard.png to {} in {wall:.0} s",
        args.out.display()
    );
}
