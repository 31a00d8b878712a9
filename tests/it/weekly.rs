//! Weekly histories (issue 14 §1): the same truth exported daily and summed
//! to ISO weeks must give plans that deliver about the same on the true
//! curves. Each seed generates one daily history (6 rooms × 364 days, σ 0.3,
//! mean-one noise), plans the 1.1 × business-as-usual week through the real
//! `acqplan plan` on the daily rows and on their weekly sums (detected as
//! weekly), and scores both plans on the true curves against the exact
//! optimum (`acqplan::scoreboard`). 16 seeds of 6 rooms × 364 days
//! (52 weeks); the bounds were set from those runs' spread: weekly
//! overpromise −8.4…−1.3 %, efficiency regret 1.1–7.9 % (daily 0.2–4.9 %),
//! weekly ÷ daily true viewers 0.99–1.10.
//!
//! What the bounds say, and why they are not tighter: a weekly row is the sum
//! of seven days whose spend varied (by about 50 % in `synth`), and the
//! curves are concave, so a week's viewers are below seven times the curve
//! at the week's average spend (Jensen). The weekly curve is the expected
//! week *as the history's weeks were run*; a plan that spreads each week
//! evenly over its days does better than it predicts. So the weekly plan
//! may under-promise (by about 6–7 % on these histories) but must not
//! over-promise, must reach its target, and must allocate as well as the
//! daily plan (efficiency regret). Read as days, the same weekly rows
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
    let mut ratios = Vec::new();
    for (w, d) in &pairs {
        assert_eq!(w.period_days, 7, "{w:?}");
        assert_eq!(d.period_days, 1, "{d:?}");
        assert!(w.status.starts_with("optimal"), "{w:?}");
        let (ws, ds) = (&w.score, &d.score);
        // Reaches the target on the true curves.
        assert!(ws.shortfall < 0.01, "weekly plan short: {w:?}");
        // Never promises more than it delivers; under-promises by the
        // within-week spread at most.
        let over = w.overpromise();
        assert!(
            (-0.12..0.01).contains(&over),
            "weekly overpromise {over}: {w:?}"
        );
        // Allocates about as well as the optimum for what it delivers
        // (1–8 % over 16 seeds: weeks pin the shape down less well than
        // days, and the within-week spread differs by lane).
        assert!(
            ws.efficiency_regret < 0.10,
            "weekly efficiency regret {}: {w:?}",
            ws.efficiency_regret
        );
        // The daily plan is made day by day (each weekday's own curve), but
        // the scoreboard scores every day as the average day of a week: it
        // under-credits a schedule by about what the schedule saves against
        // the even spread (0.2–0.4 % on synth's weekday effects). One of
        // these seeds went from 4.9 % to 5.1 % with day-by-day plans.
        assert!(ds.efficiency_regret < 0.055, "{d:?}");
        let ratio = ws.metric / ds.metric;
        assert!(
            (0.97..1.15).contains(&ratio),
            "weekly ÷ daily true viewers {ratio}: {w:?} {d:?}"
        );
        ratios.push(ratio);
    }
    ratios.sort_by(f64::total_cmp);
    let median = ratios[ratios.len() / 2];
    assert!(
        (1.0..1.10).contains(&median),
        "median weekly ÷ daily {median}: {ratios:?}"
    );
}
