//! Screening quality (and time) on a large generated history.
//!
//! ```text
//! bash scripts/bench.sh 1 large       # generates /tmp/acqplan-bench/large once
//! cargo run --release --example screen_bench -- /tmp/acqplan-bench/large/history.parquet
//! ```
//!
//! Loads the file once, then screens it five times and prints each time and
//! the median. When a `fake_rows.csv` (as `acqplan`'s generator writes it)
//! sits next to the history, also prints precision and recall against it.
//! (The time alone, on generated history of three sizes, is the `screen`
//! group of `cargo bench --bench pipeline`.)

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

use acqplan::load::{LoadOptions, load};
use acqplan::screen::{ScreenOptions, screen};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args_os().nth(1).map_or_else(
        || PathBuf::from("/tmp/acqplan-bench/large/history.parquet"),
        PathBuf::from,
    );
    let t = Instant::now();
    let data = load(&path, &LoadOptions::default())?.data;
    eprintln!(
        "loaded {} rows from {} in {:.2} s",
        data.len(),
        path.display(),
        t.elapsed().as_secs_f64()
    );
    let mut times_s = Vec::new();
    let mut flagged = 0;
    let mut last = None;
    for run in 1..=5 {
        let t = Instant::now();
        let res = screen(&data, &ScreenOptions::default())?;
        let s = t.elapsed().as_secs_f64();
        flagged = res.flagged_count();
        eprintln!("run {run}: {s:.3} s, {flagged} rows flagged");
        times_s.push(s);
        last = Some(res);
    }
    let truth_path = path.with_file_name("fake_rows.csv");
    if let (Some(res), true) = (last, truth_path.exists()) {
        let mut truth = HashSet::new();
        let mut reader = csv::Reader::from_path(&truth_path)?;
        for rec in reader.records() {
            let rec = rec?;
            truth.insert((rec[0].to_string(), rec[1].to_string(), rec[2].to_string()));
        }
        let hits = res
            .flagged_rows
            .iter()
            .filter(|f| truth.contains(&(f.date_text(), f.room.clone(), f.channel.clone())))
            .count();
        println!(
            "against {}: precision {:.4}, recall {:.4} ({hits} of {} flagged rows are bots; {} bots)",
            truth_path.display(),
            hits as f64 / res.flagged_count().max(1) as f64,
            hits as f64 / truth.len().max(1) as f64,
            res.flagged_count(),
            truth.len()
        );
    }
    times_s.sort_by(f64::total_cmp);
    println!(
        "screen: median {:.3} s over 5 runs ({} rows, {flagged} flagged, {} threads)",
        times_s[2],
        data.len(),
        rayon::current_num_threads()
    );
    Ok(())
}
