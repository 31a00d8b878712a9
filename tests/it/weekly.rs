//! Weekly histories (issue 14 §1): the same truth exported daily and summed
//! to ISO weeks must give plans that deliver about the same on the true
//! curves. Each seed generates one daily history (6 rooms × 364 days, σ 0.3,
//! mean-one noise), plans the 1.1 × business-as-usual week through the real
//! `acqplan plan` on the daily rows and on their weekly sums (detected as
//! weekly), and scores both plans on the true curves against the exact
//! optimum (`acqplan::scoreboard`). 16 seeds of 6 rooms × 364 days
//! (52 weeks); the bounds were set from those runs' spread: weekly
//! overpromise −1.1…+2.0 %, shortfall 0–2.0 %, efficiency regret 1.3–4.3 %
//! (daily 0.2–1.4 %).
//!
//! A weekly row is the sum of seven days whose spend varied (by about 50 %
//! in `synth`), and the curves are concave, so a week's viewers are below
//! seven times the curve at the week's average spend (Jensen). Before the
//! within-week correction ([`acqplan::curves::period`]) the weekly curves
//! were the week as the history's weeks were run, 6–7 % below an evenly
//! spent week, and the plans bought that much too much (overpromise
//! −8.4…−1.3 %, regret ≈ 18 % on the scoreboard); corrected, they promise
//! what an evenly spent week delivers. Read as days, the same weekly rows
//! promised twice what they deliver.

use acqplan::scoreboard::{Method, ScoreRow, Sizes, run_scenario, scenario, seed_for};

fn acqplan_row(rows: &[ScoreRow]) -> &ScoreRow {
    rows.iter()
        .find(|r| r.method == Method::Acqplan)
        .expect("acqplan row")
}

#[test]
fn weekly_and_daily_exports_of_one_truth_plan_alike() {
    const SEEDS: usize = 16;
    let pairs: Vec<(ScoreRow, ScoreRow)> = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..SEEDS)
            .map(|i| {
                scope.spawn(move || {
                    let mut weekly =
                        scenario("weekly", Sizes::SMOKE, seed_for(20_261_202, "weekly", i))
                            .unwrap();
                    weekly.options.days = 364;
                    let mut daily = weekly.clone();
                    daily.weekly = false;
                    let w = run_scenario(&weekly).unwrap();
                    let d = run_scenario(&daily).unwrap();
                    (acqplan_row(&w).clone(), acqplan_row(&d).clone())
                })
            })
            .collect();
        runs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (w, d) in &pairs {
        // Printed for the README's figures (`-- --nocapture`).
        eprintln!(
            "weekly: over {:+.3} eff {:.3} short {:.3} regret {:.3} | daily: over {:+.3} eff {:.3} short {:.3} regret {:.3} | ratio {:.3}",
            w.overpromise(),
            w.score.efficiency_regret,
            w.score.shortfall,
            w.score.regret,
            d.overpromise(),
            d.score.efficiency_regret,
            d.score.shortfall,
            d.score.regret,
            w.score.metric / d.score.metric
        );
    }
    let mut over_all = Vec::new();
    for (w, d) in &pairs {
        assert_eq!(w.period_days, 7, "{w:?}");
        assert_eq!(d.period_days, 1, "{d:?}");
        assert!(w.status.starts_with("optimal"), "{w:?}");
        let (ws, ds) = (&w.score, &d.score);
        // Reaches the target on the true curves, up to the curves' error.
        assert!(ws.shortfall < 0.03, "weekly plan short: {w:?}");
        // Promises what an evenly spent week delivers.
        let over = w.overpromise();
        assert!(
            (-0.03..0.03).contains(&over),
            "weekly overpromise {over}: {w:?}"
        );
        over_all.push(over);
        // Allocates about as well as the optimum for what it delivers
        // (1–4 % over 16 seeds: weeks pin the shape down less well than
        // days, and the within-week spread differs by lane).
        assert!(
            ws.efficiency_regret < 0.06,
            "weekly efficiency regret {}: {w:?}",
            ws.efficiency_regret
        );
        // The daily plan is made day by day (each weekday's own curve), but
        // the scoreboard scores every day as the average day of a week: it
        // under-credits a schedule by about what the schedule saves against
        // the even spread (0.2–0.4 % on synth's weekday effects).
        assert!(ds.efficiency_regret < 0.055, "{d:?}");
    }
    over_all.sort_by(f64::total_cmp);
    let median = over_all[over_all.len() / 2];
    assert!(
        median.abs() < 0.01,
        "median weekly overpromise {median}: {over_all:?}"
    );
}

/// Fitted ÷ true expected viewers/day at each lane's typical spend of the
/// weekly sums of daily histories (`seeds` of 10 rooms × 364 days, σ 0.3
/// mean-one noise) fitted as `acqplan` fits them (pooling, recency, the
/// within-week spread), pooled over lanes and seeds.
fn weekly_ratios(
    seeds: std::ops::Range<u64>,
    spend: Spend,
    within: acqplan::curves::period::WithinPeriod,
) -> Vec<f64> {
    use acqplan::curves::stage::{SeriesKey, SeriesSet, StageOptions, fit_set};
    use acqplan::load::cell::weekday;
    use acqplan::scoreboard::family::weekly_rows;
    use acqplan::synth::{CHANNELS, GenOptions, Noise, generate};
    let (spend_sigma, pauses, flat_weeks, persistence) = spend;
    let mut out = Vec::new();
    for seed in seeds {
        let h = generate(&GenOptions {
            rooms: 10,
            days: 364,
            seed,
            fake_rate: 0.0,
            noise_sigma: 0.3,
            noise: Noise::Mean,
            spend_sigma,
            zero_spend_rate: pauses,
            flat_weeks,
            spend_persistence: persistence,
            ..GenOptions::default()
        });
        let nc = CHANNELS.len();
        let mut parts = vec![(Vec::new(), Vec::new(), Vec::new(), Vec::new()); h.rooms.len() * nc];
        for r in weekly_rows(&h.rows) {
            let p = &mut parts[r.room * nc + r.channel];
            p.0.push(r.date);
            p.1.push(r.spend / 7.0);
            p.2.push(r.viewers / 7.0);
            p.3.push(weekday(r.date));
        }
        let set = SeriesSet::from_parts(
            parts
                .into_iter()
                .enumerate()
                .map(|(i, (d, s, v, w))| {
                    let key = SeriesKey {
                        room: h.rooms[i / nc].clone(),
                        channel: CHANNELS[i % nc].id.to_string(),
                    };
                    (key, d, s, v, w)
                })
                .collect(),
        )
        .with_period_days(7);
        let opts = StageOptions {
            shrink: true,
            within_period: within,
            ..StageOptions::default()
        };
        let (fits, _) = fit_set(&set, &opts);
        let mean_wd = h.truth.weekday_factors.iter().sum::<f64>() / 7.0;
        for (f, tc) in fits.iter().zip(&h.truth.curves) {
            if let Some(c) = f.outcome.fitted() {
                let at = tc.typical_spend_cny;
                out.push(c.value(at) / (tc.curve.value(at) * mean_wd));
            }
        }
    }
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// How a history's daily spend varies: (log-sd, paused share of days,
/// budget held all week, AR(1) persistence of log spend).
type Spend = (f64, f64, bool, f64);

/// The ways daily spend varies inside a week that the tests cover:
/// (spend log-sd, paused share of days, budget held all week, AR(1)
/// persistence of log spend), the `within_period` setting that fits it,
/// and the bound on |median fitted ÷ true − 1|.
const SPREADS: [(&str, Spend, &str, f64); 5] = [
    (
        "independent days, σ 0.5, 5 % paused",
        (0.5, 0.05, false, 0.0),
        "auto",
        0.02,
    ),
    (
        "independent days, σ 0.25",
        (0.25, 0.0, false, 0.0),
        "auto",
        0.015,
    ),
    (
        "independent days, σ 0.1, 5 % paused",
        (0.1, 0.05, false, 0.0),
        "auto",
        0.015,
    ),
    (
        "persistent days (φ 0.9), σ 0.5, 5 % paused",
        (0.5, 0.05, false, 0.9),
        "auto",
        0.03,
    ),
    (
        "a budget held all week, σ 0.5",
        (0.5, 0.05, true, 0.0),
        "flat",
        0.015,
    ),
];

/// Calibration of [`SPREADS`]' bounds: 20 disjoint pairs of seeds each
/// (`cargo test --release --test it weekly::calibrate -- --ignored --nocapture`).
#[test]
#[ignore]
fn calibrate_weekly_spread() {
    use acqplan::curves::period::WithinPeriod;
    for (name, spend, within, _) in SPREADS {
        let within = WithinPeriod::parse(within).unwrap();
        let m: Vec<f64> = (0..20u64)
            .map(|g| median(weekly_ratios(9000 + 2 * g..9002 + 2 * g, spend, within)) - 1.0)
            .collect();
        let lo = m.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = m.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        eprintln!(
            "{name}: median fitted ÷ true − 1 over 20 seed pairs {:+.2} % … {:+.2} %",
            100.0 * lo,
            100.0 * hi
        );
    }
}

/// The weekly sums of daily histories, fitted with the spread inside a
/// week taken into account, give the expected viewers of an evenly spent
/// day under each way the days varied (and `flat` for a budget held all
/// week); without the correction, uneven days put the curve 7 % low.
#[test]
fn weekly_curves_are_the_expected_even_day_under_several_spreads() {
    use acqplan::curves::period::WithinPeriod;
    let seeds = 20_261_203..20_261_205;
    for (name, spend, within, bound) in SPREADS {
        let r = median(weekly_ratios(
            seeds.clone(),
            spend,
            WithinPeriod::parse(within).unwrap(),
        ));
        assert!(
            (r - 1.0).abs() < bound,
            "{name}: median fitted ÷ true {r:.4} (bound ±{bound})"
        );
    }
    let (_, spend, _, _) = SPREADS[0];
    let uncorrected = median(weekly_ratios(seeds.clone(), spend, WithinPeriod::Flat));
    assert!(
        uncorrected < 0.96,
        "uneven days without the correction: {uncorrected:.4}"
    );
    // The assumption matters: a budget held all week read as independent
    // days is corrected for a spread it did not have.
    let (_, held, _, _) = SPREADS[4];
    let wrong = median(weekly_ratios(seeds, held, WithinPeriod::Auto));
    assert!(
        wrong > 1.1,
        "held budget read as independent days: {wrong:.4}"
    );
}
