//! Calibration of `P(target met)` (issue 15 §1): over fresh generated
//! histories, the share whose plan at confidence P has a *true* expected
//! metric reaching the target.
//!
//! ```text
//! cargo run --release --example risk_calibration -- [--family mean-0.30] [--histories 40] [--rooms 10]
//! ```

use acqplan::scoreboard::Sizes;
use acqplan::scoreboard::calibration::calibrate;
use clap::Parser;
use rayon::prelude::*;

#[derive(Debug, Parser)]
struct Args {
    #[arg(long, default_value = "mean-0.30")]
    family: String,
    #[arg(long, default_value_t = 40)]
    histories: usize,
    #[arg(long, default_value_t = 10)]
    rooms: usize,
    #[arg(long, default_value_t = 300)]
    days: usize,
    /// Seeds are drawn from this (change it for fresh histories).
    #[arg(long, default_value_t = 20_261_215)]
    base_seed: u64,
}

fn main() {
    let args = Args::parse();
    let sizes = Sizes {
        rooms: args.rooms,
        days: args.days,
        ..Sizes::FULL
    };
    let confidences = [0.5, 0.9];
    let rows: Vec<_> = (0..args.histories)
        .into_par_iter()
        .filter_map(
            |i| match calibrate(&args.family, sizes, args.base_seed, i, &confidences) {
                Ok(r) => Some(r),
                Err(e) => {
                    eprintln!("history {i}: {e}");
                    None
                }
            },
        )
        .flatten()
        .collect();
    for &c in &confidences {
        let of: Vec<_> = rows.iter().filter(|r| r.confidence == c).collect();
        let n = of.len();
        let hit = of.iter().filter(|r| r.true_metric >= r.target).count();
        let mean = |f: &dyn Fn(&&acqplan::scoreboard::calibration::CalibrationRow) -> f64| {
            of.iter().map(f).sum::<f64>() / n.max(1) as f64
        };
        println!(
            "{} × {} rooms, P = {c}: true expected reaches the target in {hit} of {n} ({:.3}); mean reported P(met) {:.3}, P(expected) {:.3}; mean truth ÷ target − 1 {:+.2} %; mean spend {:.0}",
            args.family,
            args.rooms,
            hit as f64 / n.max(1) as f64,
            mean(&|r| r.p_target_met),
            mean(&|r| r.p_expected),
            100.0 * mean(&|r| r.true_metric / r.target - 1.0),
            mean(&|r| r.spend_cny),
        );
    }
}
