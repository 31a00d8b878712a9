//! The optimiser's curse (issues 20 and 12): on a generated 50-room history
//! (mean-one lognormal noise σ 0.3, 300 days, the scoreboard's `rooms-50`
//! family), the plan for 1.1 × the business-as-usual week, run through the
//! real `acqplan plan`, scored on the true curves with the exact oracle
//! (`src/scoreboard/oracle.rs`): its true viewers within 1 % of the target
//! and the cost of truly reaching the target within 1 % of the optimum.
//!
//! Calibration (`cargo run --release --example curse_diagnosis -- --family
//! rooms-50 --seeds 20`, in-process fits, no screening): over 20 fresh seeds
//! the shortfall averaged 0.22 % (max 1.13 %) and the completed regret
//! 0.64 % (max 1.09 %); before the pooling across rooms, 0.86 % (max 1.67 %)
//! and 0.68 % (max 1.21 %) with 2.5 % median overpromise on the full
//! scoreboard. The test draws seeds of its own (not the scoreboard's) and
//! asserts the mean over them within 1 % and every seed within 2 %.

use acqplan::scoreboard::{Method, ScoreRow, Sizes, run_scenario, scenario, seed_for};

/// Not the scoreboard's base seed: fresh histories.
const BASE_SEED: u64 = 20_270_401;
const SEEDS: usize = 6;

#[test]
fn plan_for_the_usual_week_plus_ten_percent_is_within_one_percent_on_the_true_curves() {
    let rows: Vec<ScoreRow> = (0..SEEDS)
        .flat_map(|i| {
            let sc = scenario("rooms-50", Sizes::FULL, seed_for(BASE_SEED, "rooms-50", i)).unwrap();
            assert_eq!(sc.options.rooms, 50);
            assert_eq!(sc.options.noise_sigma, 0.3);
            run_scenario(&sc).unwrap()
        })
        .filter(|r| r.method == Method::Acqplan)
        .collect();
    assert_eq!(rows.len(), SEEDS);
    let mut shortfall = Vec::new();
    let mut completed = Vec::new();
    for r in &rows {
        assert_eq!(r.status, "optimal", "{r:?}");
        let s = &r.score;
        eprintln!(
            "seed {}: shortfall {:.2} %, completed regret {:.2} %, overpromise {:.2} %",
            r.seed,
            100.0 * s.shortfall,
            100.0 * s.completed_regret,
            100.0 * r.overpromise()
        );
        assert!(s.shortfall < 0.02, "seed {}: {s:?}", r.seed);
        assert!(s.completed_regret < 0.02, "seed {}: {s:?}", r.seed);
        // What the plan promises is what it delivers.
        assert!(r.overpromise().abs() < 0.02, "seed {}: {r:?}", r.seed);
        shortfall.push(s.shortfall);
        completed.push(s.completed_regret);
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!(mean(&shortfall) < 0.01, "mean shortfall {:?}", shortfall);
    assert!(
        mean(&completed) < 0.01,
        "mean completed regret {:?}",
        completed
    );
}
