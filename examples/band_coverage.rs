//! How often does a curve's P10–P90 band hold the true expected viewers?
//! (issue 20 §1 and §5)
//!
//! For fresh scenarios of a scoreboard family (mean-one noise by default),
//! fits every room × channel curve in process as `acqplan plan` does (pooling
//! across rooms and the recency choice on; no screening: the family has no
//! bots), and counts, per lane, whether the band at the 25th, 50th and 75th
//! percentile of the lane's paid spend holds the true expected viewers/day
//! (the generator's curve × its mean weekday factor). Beyond the history it
//! does the same at 1×, 1.5×, 2× and 3× the lane's highest day, for the
//! band and for the conservative curve the planner uses past the support
//! edge (how often that curve is at or below the truth).
//!
//! ```text
//! cargo run --release --example band_coverage -- [--family mean-0.30] [--seeds 20]
//! ```

use acqplan::curves::stage::{SeriesKey, SeriesSet, StageOptions, fit_set};
use acqplan::load::cell::weekday;
use acqplan::scoreboard::{Sizes, World, scenario, seed_for};
use acqplan::synth::CHANNELS;
use clap::Parser;

#[derive(Debug, Parser)]
struct Args {
    #[arg(long, default_value = "mean-0.30")]
    family: String,
    #[arg(long, default_value_t = 20)]
    seeds: usize,
    #[arg(long, default_value_t = 20_261_202)]
    base_seed: u64,
    /// Log-sd of the daily spend around typical (the generator's 0.5;
    /// 0.15 observes lanes only near their typical spend).
    #[arg(long, default_value_t = 0.5)]
    spend_sigma: f64,
    /// Turn off pooling the family and shape across a channel's rooms.
    #[arg(long)]
    no_pool: bool,
}

fn series_set(world: &World) -> SeriesSet {
    let h = &world.history;
    let nc = CHANNELS.len();
    let mut parts = vec![(Vec::new(), Vec::new(), Vec::new(), Vec::new()); h.rooms.len() * nc];
    for r in &h.rows {
        let p = &mut parts[r.room * nc + r.channel];
        p.0.push(r.date);
        p.1.push(r.spend);
        p.2.push(r.viewers);
        p.3.push(weekday(r.date));
    }
    SeriesSet::from_parts(
        parts
            .into_iter()
            .enumerate()
            .map(|(i, (d, s, v, w))| {
                (
                    SeriesKey {
                        room: h.rooms[i / nc].clone(),
                        channel: CHANNELS[i % nc].id.to_string(),
                    },
                    d,
                    s,
                    v,
                    w,
                )
            })
            .collect(),
    )
}

/// Counts of (inside, below the band, above the band, conservative ≤ truth, n).
#[derive(Clone, Copy, Default)]
struct Tally {
    inside: usize,
    below: usize,
    above: usize,
    conservative_ok: usize,
    n: usize,
}

impl Tally {
    fn add(&mut self, lo: f64, hi: f64, truth: f64, conservative: Option<f64>) {
        self.n += 1;
        if truth < lo {
            self.below += 1;
        } else if truth > hi {
            self.above += 1;
        } else {
            self.inside += 1;
        }
        if conservative.is_some_and(|c| c <= truth * (1.0 + 1e-9)) {
            self.conservative_ok += 1;
        }
    }
    fn pct(&self, k: usize) -> f64 {
        100.0 * k as f64 / self.n.max(1) as f64
    }
}

fn main() {
    let args = Args::parse();
    let opts = StageOptions {
        shrink: true,
        pool_rooms: !args.no_pool,
        horizon_days: 7,
        ..StageOptions::default()
    };
    let pcts = [25u8, 50, 75];
    let mults = [1.0, 1.5, 2.0, 3.0];
    let mut inner = [Tally::default(); 3];
    let mut outer = [Tally::default(); 4];
    let mut per_seed = Vec::new();
    for i in 0..args.seeds {
        let seed = seed_for(args.base_seed, &args.family, i);
        let Some(mut sc) = scenario(&args.family, Sizes::FULL, seed) else {
            eprintln!("unknown family {}", args.family);
            return;
        };
        sc.options.spend_sigma = args.spend_sigma;
        let world = World::new(&sc).expect("world");
        let set = series_set(&world);
        let fits = fit_set(&set, &opts).0;
        let mut seed_tally = Tally::default();
        for (j, f) in fits.iter().enumerate() {
            let Some(fc) = f.outcome.fitted() else {
                continue;
            };
            let tl = &world.problem.lanes[j];
            for (k, p) in pcts.iter().enumerate() {
                let Some(s) = fc.spend_summaries.iter().find(|s| s.percentile == *p) else {
                    continue;
                };
                let t = tl.viewers_per_day(s.spend_cny);
                inner[k].add(s.viewers_p10_per_day, s.viewers_p90_per_day, t, None);
                seed_tally.add(s.viewers_p10_per_day, s.viewers_p90_per_day, t, None);
            }
            let top = fc.quality.spend_max_cny;
            for (k, m) in mults.iter().enumerate() {
                let s = top * m;
                let (lo, _, hi) = fc.band(s);
                let t = tl.viewers_per_day(s);
                outer[k].add(lo, hi, t, Some(fc.conservative_value(s)));
            }
        }
        per_seed.push(seed_tally.pct(seed_tally.inside));
        eprintln!(
            "seed {i}: inside {:.1} % of {}",
            seed_tally.pct(seed_tally.inside),
            seed_tally.n
        );
    }
    println!(
        "{} × {} seeds ({} rooms × {} days), band P10–P90 of the expected viewers:",
        args.family,
        args.seeds,
        Sizes::FULL.rooms,
        Sizes::FULL.days
    );
    for (k, p) in pcts.iter().enumerate() {
        let t = &inner[k];
        println!(
            "  P{p} spend: inside {:.1} %  truth below {:.1} %  above {:.1} %  (n {})",
            t.pct(t.inside),
            t.pct(t.below),
            t.pct(t.above),
            t.n
        );
    }
    let mut sorted = per_seed.clone();
    sorted.sort_by(f64::total_cmp);
    if !sorted.is_empty() {
        println!(
            "  per seed (all three percentiles): min {:.1} %  median {:.1} %  max {:.1} %",
            sorted[0],
            sorted[sorted.len() / 2],
            sorted[sorted.len() - 1]
        );
    }
    println!("beyond the history (multiples of each lane's highest day):");
    for (k, m) in mults.iter().enumerate() {
        let t = &outer[k];
        println!(
            "  {m}×: inside {:.1} %  truth below {:.1} %  above {:.1} %  conservative curve ≤ truth {:.1} %  (n {})",
            t.pct(t.inside),
            t.pct(t.below),
            t.pct(t.above),
            t.pct(t.conservative_ok),
            t.n
        );
    }
}
