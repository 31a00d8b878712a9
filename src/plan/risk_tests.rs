//! Known answers for the risk module: probabilities against closed forms,
//! plans at a confidence against brute force over the same random numbers.

use super::*;
use crate::curves::{Curve, Model};
use crate::plan::Lane;

fn exp_lane(room: &str, channel: &str, vmax: f64, k: f64) -> Lane {
    Lane::new(
        room,
        channel,
        Curve::uncapped(Model::Exp { vmax, k_cny: k }),
    )
}

fn fixed(log_sd: f64, alternatives: Vec<(f64, f64)>, noise: f64) -> LaneRisk {
    LaneRisk {
        uncertainty: Uncertainty::Fixed {
            log_sd,
            alternatives,
        },
        noise_sigma_log: noise,
        weekday_factors: [1.0; 7],
    }
}

fn opts(draws: usize) -> RiskOptions {
    RiskOptions {
        draws,
        seed: 7,
        first_weekday: Some(0),
        period_days: 1,
        curse_replans: 0,
    }
}

fn request(lanes: Vec<Lane>, target: Option<f64>, budget: Option<f64>) -> PlanRequest {
    PlanRequest {
        lanes,
        horizon_days: 7.0,
        target,
        budget_cny: budget,
        ..PlanRequest::default()
    }
}

/// Within `k` Monte Carlo standard errors of `p`.
fn close(got: f64, p: f64, n: usize, k: f64) -> bool {
    (got - p).abs() <= k * (p * (1.0 - p) / n as f64).sqrt() + 1e-12
}

/// One lane, lognormal parameter error: P = Φ((ln μ − ln T) / σ).
#[test]
fn one_lane_probability_is_the_lognormal_tail() {
    let req = request(
        vec![exp_lane("r", "a", 1_000.0, 500.0)],
        Some(4_000.0),
        None,
    );
    let plan = solve(&req).unwrap();
    let mu = plan.totals.viewers;
    assert!((mu / 4_000.0 - 1.0).abs() < 1e-3, "{mu}");
    let n = 20_000;
    for (sd, target_scale) in [(0.1, 0.9), (0.3, 0.8), (0.3, 1.2)] {
        let t = mu * target_scale;
        let q = PlanRequest {
            target: Some(t),
            ..req.clone()
        };
        let s = assess(&q, &plan, &[fixed(sd, vec![], 0.0)], &opts(n)).unwrap();
        let exact = normal_cdf((mu / t).ln() / sd);
        let got = s.p_expected_reaches_target.unwrap();
        assert!(close(got, exact, n, 4.0), "sd {sd}: {got} vs {exact}");
        // No day noise: the realised total is the expected one.
        assert_eq!(s.p_target_met, s.p_expected_reaches_target);
        // The median of a lognormal is μ.
        assert!((s.expected.p50 / mu - 1.0).abs() < 4.0 * sd / (n as f64).sqrt() * 1.3);
    }
}

/// Day noise alone: the realised week is normal around the expectation with
/// variance μ²(e^{σ²} − 1) Σw² / h², weekday factors included.
#[test]
fn day_noise_with_weekday_factors() {
    let req = request(
        vec![exp_lane("r", "a", 1_000.0, 500.0)],
        Some(4_000.0),
        None,
    );
    let plan = solve(&req).unwrap();
    let mu = plan.totals.viewers;
    let wf = [1.3, 1.1, 1.0, 0.9, 0.8, 0.9, 1.0];
    let risk = LaneRisk {
        uncertainty: Uncertainty::Fixed {
            log_sd: 0.0,
            alternatives: vec![],
        },
        noise_sigma_log: 0.4,
        weekday_factors: wf,
    };
    let n = 20_000;
    // Five days from Wednesday: Wed–Sun.
    let q = PlanRequest {
        horizon_days: 5.0,
        target: Some(0.95 * mu * 5.0 / 7.0),
        ..req.clone()
    };
    let plan5 = solve(&q).unwrap();
    let mu5 = plan5.totals.viewers;
    let o = RiskOptions {
        first_weekday: Some(2),
        ..opts(n)
    };
    let s = assess(&q, &plan5, std::slice::from_ref(&risk), &o).unwrap();
    let days = &wf[2..7];
    let s1: f64 = days.iter().sum();
    let s2: f64 = days.iter().map(|w| w * w).sum();
    let mean = mu5 * s1 / 5.0;
    let sd = mu5 * ((0.16f64).exp_m1() * s2).sqrt() / 5.0;
    let exact = normal_cdf((mean - q.target.unwrap()) / sd);
    let got = s.p_target_met.unwrap();
    assert!(close(got, exact, n, 4.0), "{got} vs {exact}");
    assert_eq!(s.p_expected_reaches_target, Some(1.0));
}

/// Model error shared within a channel: two lanes of one channel whose
/// other family (weight 0.3) is 40 % lower fall short together (P = 0.7);
/// in two channels they are independent (P = 0.7² + the cases one lane's
/// shortfall is covered; here none is).
#[test]
fn model_error_is_shared_within_a_channel() {
    let d = (0.6f64).ln();
    let n = 20_000;
    for (same_channel, exact) in [(true, 0.7), (false, 0.49)] {
        let lanes = vec![
            exp_lane("r1", "a", 1_000.0, 500.0),
            exp_lane("r2", if same_channel { "a" } else { "b" }, 1_000.0, 500.0),
        ];
        let req = request(lanes, Some(8_000.0), None);
        let plan = solve(&req).unwrap();
        assert!((plan.totals.viewers / 8_000.0 - 1.0).abs() < 1e-3);
        // The target 0.85 of the plan: met only if neither lane is shifted.
        let q = PlanRequest {
            target: Some(0.85 * plan.totals.viewers),
            ..req.clone()
        };
        let r = vec![fixed(0.0, vec![(0.3, d)], 0.0); 2];
        let s = assess(&q, &plan, &r, &opts(n)).unwrap();
        let got = s.p_expected_reaches_target.unwrap();
        assert!(
            close(got, exact, n, 4.0),
            "{same_channel}: {got} vs {exact}"
        );
    }
}

/// Same input, same numbers; another lane set, another seed.
#[test]
fn deterministic_from_the_lanes() {
    let req = request(
        vec![exp_lane("r", "a", 1_000.0, 500.0)],
        Some(4_000.0),
        None,
    );
    let plan = solve(&req).unwrap();
    let r = [fixed(0.2, vec![(0.2, -0.1)], 0.3)];
    let o = RiskOptions {
        draws: 0,
        ..opts(0)
    };
    let a = assess(&req, &plan, &r, &o).unwrap();
    let b = assess(&req, &plan, &r, &o).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.draws, MAX_DRAWS);
    let other = request(
        vec![exp_lane("r", "a", 1_001.0, 500.0)],
        Some(4_000.0),
        None,
    );
    assert_ne!(assess(&other, &plan, &r, &o).unwrap().seed, a.seed);
}

/// One lane at confidence P: the cheapest spend is where μ(s) = T·e^{z_P σ}.
#[test]
fn one_lane_confidence_plan_is_the_quantile_spend() {
    let curve = Model::Exp {
        vmax: 1_000.0,
        k_cny: 500.0,
    };
    let req = request(
        vec![exp_lane("r", "a", 1_000.0, 500.0)],
        Some(3_000.0),
        None,
    );
    for (p, sd) in [(0.9, 0.2), (0.5, 0.2), (0.75, 0.1)] {
        let (plan, s) =
            solve_at_confidence(&req, &[fixed(sd, vec![], 0.0)], &opts(20_000), p).unwrap();
        let need = 3_000.0 * (probit(p) * sd).exp() / 7.0;
        let exact = curve.inverse(need).unwrap();
        let got = plan.lanes[0].spend_cny_per_day;
        let c = s.confidence.as_ref().unwrap();
        assert!(c.reached);
        assert!(s.p_target_met.unwrap() >= p);
        // Within the Monte Carlo error of the quantile (about 1 % of σ).
        assert!((got / exact - 1.0).abs() < 0.01, "P {p}: {got} vs {exact}");
        assert!(
            (c.extra_spend_cny.unwrap()
                - (plan.totals.spend_cny - c.expected_value_plan_spend_cny))
                .abs()
                < 1e-9
        );
        assert_eq!(plan.metric, Metric::Viewers);
    }
}

/// The P-plan's total spend for a split `share` of lane 0, found by
/// bisection on the total with the same random numbers: brute force.
fn brute_min_spend(
    req: &PlanRequest,
    risks: &[LaneRisk],
    o: &RiskOptions,
    p: f64,
    draws: usize,
) -> f64 {
    let seed = seed_of(req, o);
    let mut best = f64::INFINITY;
    for k in 1..60 {
        let share = k as f64 / 60.0;
        let (mut lo, mut hi) = (0.0, 60_000.0);
        for _ in 0..40 {
            let mid = 0.5 * (lo + hi);
            let s = [share * mid / 7.0, (1.0 - share) * mid / 7.0];
            let w = world(req, &s, risks, o);
            let sim = simulate(&w, &targets_of(req, &w.rooms), draws, seed, None);
            if sim.met_realised as f64 / draws as f64 >= p {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        best = best.min(hi);
    }
    best
}

/// Two lanes of unequal uncertainty (independent, in two channels, and
/// sharing a channel's model error): the confidence plan costs within 0.5 %
/// (independent) or 2 % (a shared, bimodal model error the first-order
/// haircut only approximates) of the brute-force cheapest split reaching P
/// on the same draws, and its P holds on fresh draws. The bounds come from
/// `calibrate_two_lane_excess` over 30 seeds of the draws: independent
/// −0.04 to +0.28 % (median 0.08 %), shared 0.20 to 1.29 % (median 0.76 %).
#[test]
fn two_lane_confidence_plan_matches_brute_force() {
    let draws = 4_000;
    for (ch_b, alt, tol) in [("b", vec![], 0.005), ("a", vec![(0.25, -0.3)], 0.02)] {
        let lanes = vec![
            exp_lane("r1", "a", 1_000.0, 600.0),
            exp_lane("r2", ch_b, 800.0, 400.0),
        ];
        let req = request(lanes, Some(7_000.0), None);
        let risks = vec![fixed(0.05, alt.clone(), 0.2), fixed(0.35, alt.clone(), 0.2)];
        let o = opts(draws);
        let (plan, s) = solve_at_confidence(&req, &risks, &o, 0.9).unwrap();
        assert!(s.p_target_met.unwrap() >= 0.9);
        let brute = brute_min_spend(&req, &risks, &o, 0.9, draws);
        let got = plan.totals.spend_cny;
        assert!(
            got <= brute * (1.0 + tol),
            "{ch_b}: {got} vs brute force {brute}"
        );
        assert!(
            got >= brute * 0.999,
            "{ch_b}: {got} below brute force {brute}"
        );
        // Verified on other draws.
        let fresh = RiskOptions {
            seed: 99,
            ..opts(20_000)
        };
        let p = assess(&req, &plan, &risks, &fresh)
            .unwrap()
            .p_target_met
            .unwrap();
        assert!(
            p >= 0.9 - 4.0 * (0.09f64 / 20_000.0).sqrt() - 4.0 * (0.09f64 / draws as f64).sqrt(),
            "{p}"
        );
        // The riskier lane carries less of the plan than in the EV plan.
        let ev = solve(&req).unwrap();
        let share = |pl: &Plan| pl.lanes[1].spend_cny / pl.totals.spend_cny;
        assert!(
            share(&plan) < share(&ev),
            "{} vs {}",
            share(&plan),
            share(&ev)
        );
    }
}

/// Budget mode: the plan maximises what is reached with probability P,
/// within 0.3 % of the brute-force best split on the same draws.
#[test]
fn budget_confidence_maximises_the_quantile() {
    let draws = 4_000;
    let lanes = vec![
        exp_lane("r1", "a", 1_000.0, 600.0),
        exp_lane("r2", "b", 1_000.0, 600.0),
    ];
    let req = request(lanes, None, Some(6_000.0));
    let risks = vec![fixed(0.05, vec![], 0.1), fixed(0.4, vec![], 0.1)];
    let o = opts(draws);
    let (plan, s) = solve_at_confidence(&req, &risks, &o, 0.9).unwrap();
    let c = s.confidence.unwrap();
    let got = c.quantile.unwrap();
    assert!(got >= c.expected_value_plan_quantile.unwrap());
    assert!((plan.totals.spend_cny - 6_000.0).abs() < 1e-3);
    let seed = seed_of(&req, &o);
    let mut best: f64 = 0.0;
    for k in 0..=200 {
        let share = k as f64 / 200.0;
        let sp = [share * 6_000.0 / 7.0, (1.0 - share) * 6_000.0 / 7.0];
        let w = world(&req, &sp, &risks, &o);
        let mut sim = simulate(&w, &Vec::new(), draws, seed, None);
        best = best.max(quantile(&mut sim.realised, 0.1));
    }
    assert!(got >= best * 0.997, "{got} vs brute force {best}");
    assert!(got <= best * 1.0001, "{got} above brute force {best}");
}

#[test]
fn probit_inverts_the_cdf() {
    for p in [0.001, 0.1, 0.5, 0.62, 0.9, 0.999] {
        assert!((normal_cdf(probit(p)) - p).abs() < 1e-6, "{p}");
    }
    assert!((probit(0.9) - 1.281_551_565_545).abs() < 1e-6);
}

/// The optimiser's curse: none for a lone lane (antithetic redraws cancel
/// exactly), positive when the plan can pick between uncertain lanes, and
/// larger the more uncertain they are.
#[test]
fn optimizer_curse_needs_a_choice() {
    let o = RiskOptions {
        curse_replans: 16,
        ..opts(2_000)
    };
    let one = request(
        vec![exp_lane("r", "a", 1_000.0, 500.0)],
        Some(3_000.0),
        None,
    );
    let plan = solve(&one).unwrap();
    let c = optimizer_curse(&one, &plan, &[fixed(0.2, vec![], 0.0)], &o, 1).unwrap();
    assert!(c.abs() < 1e-9, "{c}");
    let two = request(
        vec![
            exp_lane("r1", "a", 1_000.0, 500.0),
            exp_lane("r2", "b", 1_000.0, 500.0),
        ],
        Some(6_000.0),
        None,
    );
    let plan = solve(&two).unwrap();
    let small = optimizer_curse(&two, &plan, &vec![fixed(0.05, vec![], 0.0); 2], &o, 1).unwrap();
    let large = optimizer_curse(&two, &plan, &vec![fixed(0.3, vec![], 0.0); 2], &o, 1).unwrap();
    assert!(small > 0.0 && large > small, "{small} {large}");
    assert!(large < 0.1, "{large}");
}

/// The calibration behind `two_lane_confidence_plan_matches_brute_force`'s
/// bounds: the excess over brute force on 30 seeds of the draws
/// (`cargo test --release --lib calibrate_two_lane_excess -- --ignored --nocapture`).
#[test]
#[ignore]
fn calibrate_two_lane_excess() {
    for (ch_b, alt) in [("b", vec![]), ("a", vec![(0.25, -0.3)])] {
        let mut xs = Vec::new();
        for seed in 1..=30u64 {
            let lanes = vec![
                exp_lane("r1", "a", 1_000.0, 600.0),
                exp_lane("r2", ch_b, 800.0, 400.0),
            ];
            let req = request(lanes, Some(7_000.0), None);
            let risks = vec![fixed(0.05, alt.clone(), 0.2), fixed(0.35, alt.clone(), 0.2)];
            let o = RiskOptions {
                seed,
                ..opts(4_000)
            };
            let (plan, _) = solve_at_confidence(&req, &risks, &o, 0.9).unwrap();
            let brute = brute_min_spend(&req, &risks, &o, 0.9, 4_000);
            xs.push(plan.totals.spend_cny / brute - 1.0);
        }
        xs.sort_by(f64::total_cmp);
        println!(
            "{ch_b}: min {:.4} median {:.4} max {:.4}",
            xs[0], xs[15], xs[29]
        );
    }
}

/// Past the lane's highest observed day the simulation draws around the
/// conservative curve the planner planned on, not the fitted one: a plan
/// beyond the history gets P = Φ(ln(7·c(s) / T) / σ) with `c` the
/// conservative value, below the Φ(ln(7·f(s) / T) / σ) the fitted curve
/// would give the same plan.
#[test]
fn past_the_highest_day_the_risk_is_on_the_conservative_curve() {
    let (vmax, k, edge) = (1_000.0, 500.0, 300.0);
    let model = Model::Exp { vmax, k_cny: k };
    let f = |s: f64| model.value(s);
    let slope = model.derivative(edge);
    // A concave continuation at half, then a quarter, of the edge's slope.
    let p1 = (2.0 * edge, f(edge) + 0.5 * slope * edge);
    let p2 = (3.0 * edge, p1.1 + 0.25 * slope * edge);
    let mut fitted = exp_lane("r", "a", vmax, k);
    fitted.history_max_spend_cny_per_day = Some(edge);
    let mut beyond = fitted.clone();
    beyond.beyond = Some(crate::plan::beyond::Beyond {
        edge_cny_per_day: edge,
        points: vec![(edge, f(edge)), p1, p2],
    });
    // A target only reachable past the edge.
    let target = 7.0 * 0.5 * (f(edge) + p1.1 + 0.5 * (p1.1 - f(edge)));
    let wide = |lane: Lane, target: f64| {
        let mut q = request(vec![lane], Some(target), None);
        q.segments.history_multiple = 3.0;
        q
    };
    let req = wide(beyond, target);
    let plan = solve(&req).unwrap();
    let s = plan.lanes[0].spend_cny_per_day;
    assert!(s > edge * 1.05 && s < 2.0 * edge, "{s}");
    let c = req.lanes[0].beyond.as_ref().unwrap().value(s).unwrap();
    assert!(c < 0.97 * f(s), "{c} vs {}", f(s));
    let (sd, n) = (0.05, 20_000);
    // A target a little below the plan's, so neither P is a coin toss.
    let t = 0.98 * target;
    let on = |lane: Lane| {
        assess(&wide(lane, t), &plan, &[fixed(sd, vec![], 0.0)], &opts(n))
            .unwrap()
            .p_expected_reaches_target
            .unwrap()
    };
    let p_cons = on(req.lanes[0].clone());
    let p_fit = on(fitted);
    let exact_cons = normal_cdf((7.0 * c / t).ln() / sd);
    let exact_fit = normal_cdf((7.0 * f(s) / t).ln() / sd);
    assert!(exact_fit - exact_cons > 0.2, "{exact_fit} {exact_cons}");
    assert!(
        close(p_cons, exact_cons, n, 4.0),
        "{p_cons} vs {exact_cons}"
    );
    assert!(close(p_fit, exact_fit, n, 4.0), "{p_fit} vs {exact_fit}");
}

/// A `--confidence` search's stored draws are the live generator's numbers:
/// the same totals and counts, draw by draw, with model error shared in a
/// channel, day noise and a room target.
#[test]
fn stored_draws_simulate_exactly_as_live_ones() {
    let mut req = request(
        vec![
            exp_lane("r1", "a", 1_000.0, 600.0),
            exp_lane("r2", "a", 800.0, 400.0),
            exp_lane("r2", "b", 900.0, 700.0),
        ],
        Some(9_000.0),
        None,
    );
    req.room_targets.insert("r1".into(), 2_000.0);
    let plan = solve(&req).unwrap();
    let risks = vec![
        fixed(0.1, vec![(0.3, -0.2)], 0.2),
        fixed(0.2, vec![(0.3, -0.2)], 0.3),
        fixed(0.05, vec![], 0.1),
    ];
    let o = opts(500);
    let w = world(&req, &spends(&plan), &risks, &o);
    assert_eq!(w.active.len(), 3);
    let t = targets_of(&req, &w.rooms);
    let st = Streams::new(
        99,
        500,
        w.channels,
        req.lanes.len() + 1 + req.room_targets.len(),
    );
    let live = simulate(&w, &t, 500, 99, None);
    let stored = simulate(&w, &t, 500, 99, Some(&st));
    assert_eq!(live.expected, stored.expected);
    assert_eq!(live.realised, stored.realised);
    assert_eq!(live.met_expected, stored.met_expected);
    assert_eq!(live.met_realised, stored.met_realised);
    assert!(live.met_realised > 0 && live.met_realised < 500);
}
