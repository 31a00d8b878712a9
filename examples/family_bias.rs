//! How far a scoreboard family's fitted curves are from the truth, before
//! any plan: fitted ÷ true expected viewers/day at each lane's typical
//! spend (and at 1.5 × it), over lanes and seeds, fitted as `acqplan` fits
//! them (pooling, recency). Separates a curve's bias from the optimiser's
//! curse in the scoreboard's overpromise.
//!
//! ```text
//! cargo run --release --example family_bias -- poisson-small 10
//! ```

use acqplan::curves::stage::{SeriesKey, SeriesSet, StageOptions, fit_set};
use acqplan::load::cell::weekday;
use acqplan::scoreboard::{Sizes, World, scenario, seed_for};
use acqplan::synth::CHANNELS;

fn main() {
    let mut args = std::env::args().skip(1);
    let family = args.next().unwrap_or_else(|| "poisson-small".into());
    let seeds: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(10);
    let mut at_typ = Vec::new();
    let mut at_high = Vec::new();
    let mut weighted = (0.0, 0.0);
    for i in 0..seeds {
        let sc = scenario(&family, Sizes::FULL, seed_for(20_261_201, &family, i)).unwrap();
        let w = World::new(&sc).unwrap();
        let h = &w.history;
        let nc = CHANNELS.len();
        let p = w.period_days as f64;
        let mut parts = vec![(Vec::new(), Vec::new(), Vec::new(), Vec::new()); h.rooms.len() * nc];
        for r in &h.rows {
            let q = &mut parts[r.room * nc + r.channel];
            q.0.push(r.date);
            q.1.push(r.spend / p);
            q.2.push(r.viewers / p);
            q.3.push(weekday(r.date));
        }
        let set = SeriesSet::from_parts(
            parts
                .into_iter()
                .enumerate()
                .map(|(i, (d, s, v, wd))| {
                    let key = SeriesKey {
                        room: h.rooms[i / nc].clone(),
                        channel: CHANNELS[i % nc].id.to_string(),
                    };
                    (key, d, s, v, wd)
                })
                .collect(),
        )
        .with_period_days(w.period_days as u32);
        let opts = StageOptions {
            shrink: true,
            ..StageOptions::default()
        };
        let (fits, _) = fit_set(&set, &opts);
        for (f, (lane, tc)) in fits.iter().zip(w.problem.lanes.iter().zip(&h.truth.curves)) {
            if let Some(c) = f.outcome.fitted() {
                let s = tc.typical_spend_cny;
                at_typ.push(c.value(s) / lane.viewers_per_day(s));
                at_high.push(c.value(1.5 * s) / lane.viewers_per_day(1.5 * s));
                weighted.0 += c.value(s);
                weighted.1 += lane.viewers_per_day(s);
            }
        }
    }
    let q = |v: &mut Vec<f64>, p: f64| {
        v.sort_by(f64::total_cmp);
        v[((v.len() - 1) as f64 * p).round() as usize]
    };
    println!(
        "{family}, {seeds} seeds, {} lanes: fitted ÷ true at typical spend: median {:.3} (P10 {:.3}, P90 {:.3}), mean {:.3}; Σ fitted ÷ Σ true {:.3}; at 1.5 × typical: median {:.3}, mean {:.3}",
        at_typ.len(),
        q(&mut at_typ, 0.5),
        q(&mut at_typ, 0.1),
        q(&mut at_typ, 0.9),
        at_typ.iter().sum::<f64>() / at_typ.len() as f64,
        weighted.0 / weighted.1,
        q(&mut at_high, 0.5),
        at_high.iter().sum::<f64>() / at_high.len() as f64,
    );
}
