//! Tests of the planner against an independent continuous solver, LP vs
//! greedy, optimality conditions, infeasibility, monotonicity, room targets,
//! linearisation error and validation.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::curves::{Curve, Model};
use crate::report::table::fmt_num;

/// A binding limit in the words the outputs show.
fn words(l: &Limit) -> String {
    crate::report::plan_export::describe(l)
}

const H: f64 = 7.0;

fn lane(room: &str, ch: &str, model: Model, cap: Option<f64>, hist: Option<f64>) -> Lane {
    let mut l = Lane::new(
        room,
        ch,
        Curve {
            model,
            cap_viewers_per_day: cap,
        },
    );
    l.history_max_spend_cny_per_day = hist;
    l
}

/// Horizon bounds `[lo, hi]` (CNY) of a lane in a single-room request whose
/// channels all have one lane, as the independent solver sees them: channel
/// min/max/locked, the reach cap and the planned-range end.
fn lane_bounds(req: &PlanRequest, l: &Lane) -> (f64, f64) {
    let h = req.horizon_days;
    let top = planned_range_cny_per_day(&l.curve, l.history_max_spend_cny_per_day, &req.segments)
        .unwrap()
        * h;
    let lim = req.channels.get(&l.channel).cloned().unwrap_or_default();
    if lim.excluded {
        return (0.0, 0.0);
    }
    if let Some(lk) = lim.locked_spend_cny {
        return (lk, lk);
    }
    let lo = lim.min_spend_cny.unwrap_or(0.0);
    let hi = lim.max_spend_cny.unwrap_or(f64::INFINITY).min(top);
    (lo, hi.max(lo))
}

/// Independent exact solver on the continuous curves for a single total
/// target: bisection on the common marginal cost λ (CNY per metric unit);
/// each lane spends where `w·f'(s) = 1/λ`, clamped to its bounds. Returns
/// `(cost CNY, λ)` or `None` when the target is above what the bounds allow.
fn lambda_solver(req: &PlanRequest) -> Option<(f64, f64)> {
    let h = req.horizon_days;
    let target = req.target.unwrap();
    let lanes: Vec<(&Lane, f64, f64, f64)> = req
        .lanes
        .iter()
        .map(|l| {
            let (lo, hi) = lane_bounds(req, l);
            (l, lo / h, hi / h, req.weight(l))
        })
        .collect();
    let spend_at = |lam: f64| -> Vec<f64> {
        lanes
            .iter()
            .map(|&(l, lo, hi, w)| {
                let need = 1.0 / (lam * w);
                let m = &l.curve.model;
                let s = if w <= 0.0 || hi <= 0.0 {
                    0.0
                } else if m.derivative(hi) >= need {
                    hi
                } else {
                    let (mut a, mut b) = (0.0, hi);
                    for _ in 0..200 {
                        let mid = 0.5 * (a + b);
                        if m.derivative(mid) >= need {
                            a = mid;
                        } else {
                            b = mid;
                        }
                    }
                    0.5 * (a + b)
                };
                s.clamp(lo, hi)
            })
            .collect()
    };
    let metric = |s: &[f64]| -> f64 {
        lanes
            .iter()
            .zip(s)
            .map(|(&(l, _, _, w), &s)| h * w * l.curve.value(s))
            .sum()
    };
    let max = metric(&lanes.iter().map(|x| x.2).collect::<Vec<_>>());
    if max < target {
        return None;
    }
    let (mut a, mut b) = (1e-12_f64.ln(), 1e12_f64.ln());
    for _ in 0..300 {
        let mid = 0.5 * (a + b);
        if metric(&spend_at(mid.exp())) >= target {
            b = mid;
        } else {
            a = mid;
        }
    }
    let s = spend_at(b.exp());
    Some((s.iter().sum::<f64>() * h, b.exp()))
}

const CHANNELS: [&str; 8] = [
    "douyin_qianchuan",
    "douyin_dou_plus",
    "kuaishou_ads",
    "taobao_live",
    "wechat_channels",
    "wechat_private",
    "taoke",
    "red_packet",
];

#[derive(Clone, Debug)]
struct Spec {
    family: u8,
    scale: f64,
    k: f64,
    shape: f64,
    cap: Option<f64>,
    hist: f64,
    limit: u8,
    limit_frac: f64,
    conv: f64,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0u8..4,
        100.0..5_000.0f64,
        100.0..3_000.0f64,
        0.3..1.0f64,
        prop::option::weighted(0.3, 0.2..0.9f64),
        500.0..5_000.0f64,
        0u8..5,
        0.05..0.8f64,
        0.01..0.1f64,
    )
        .prop_map(
            |(family, scale, k, shape, cap, hist, limit, limit_frac, conv)| Spec {
                family,
                scale,
                k,
                shape,
                cap,
                hist,
                limit,
                limit_frac,
                conv,
            },
        )
}

/// One-room request from specs: random families, caps, min/max/locked.
fn build(specs: &[Spec], target_frac: f64, orders: bool) -> PlanRequest {
    let mut req = PlanRequest {
        metric: if orders {
            Metric::Orders
        } else {
            Metric::Viewers
        },
        ..Default::default()
    };
    for (i, s) in specs.iter().enumerate() {
        let model = match s.family {
            0 => Model::Exp {
                vmax: s.scale,
                k_cny: s.k,
            },
            1 => Model::Hill {
                vmax: s.scale,
                k_cny: s.k,
                a: s.shape,
            },
            2 => Model::Hill {
                vmax: s.scale,
                k_cny: s.k,
                a: 1.0,
            },
            _ => Model::Power {
                c: s.scale / 100.0,
                b: s.shape,
            },
        };
        let cap = s.cap.map(|f| f * model.value(s.hist));
        let mut l = lane("r1", CHANNELS[i], model, cap, Some(s.hist));
        l.orders_per_viewer = Some(s.conv);
        req.lanes.push(l);
    }
    // Limits relative to each lane's planned range.
    let mut limits = BTreeMap::new();
    for (i, s) in specs.iter().enumerate() {
        let l = &req.lanes[i];
        let top = planned_range_cny_per_day(&l.curve, Some(s.hist), &req.segments).unwrap() * H;
        let x = s.limit_frac * top;
        let lim = match s.limit {
            1 => ChannelLimits {
                min_spend_cny: Some(x),
                ..Default::default()
            },
            2 => ChannelLimits {
                max_spend_cny: Some(x),
                ..Default::default()
            },
            3 => ChannelLimits {
                locked_spend_cny: Some(x),
                ..Default::default()
            },
            _ => continue,
        };
        limits.insert(l.channel.clone(), lim);
    }
    req.channels = limits;
    // Target between the forced minimum and the maximum reachable.
    let w = |l: &Lane| {
        if orders {
            l.orders_per_viewer.unwrap()
        } else {
            1.0
        }
    };
    let (mut lo_m, mut hi_m) = (0.0, 0.0);
    for l in &req.lanes {
        let (lo, hi) = lane_bounds(&req, l);
        lo_m += H * w(l) * l.curve.value(lo / H);
        hi_m += H * w(l) * l.curve.value(hi / H);
    }
    req.target = Some(lo_m + target_frac * (hi_m - lo_m));
    req
}

/// Cases per property: `PROPTEST_CASES` when set (a longer run), else
/// `default` (an explicit `cases` would otherwise ignore the variable).
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-12)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(1000),
        // Keep regression files out of the repository tree; the cases that
        // failed once are pinned as unit tests below.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// The plan's cost agrees with the continuous λ-bisection optimum within
    /// 0.1 %, and never beats it by more than numerical noise.
    #[test]
    fn plan_cost_matches_lambda_bisection(
        specs in prop::collection::vec(spec(), 2..=8),
        frac in 0.05..0.95f64,
        orders in prop::bool::weighted(0.25),
    ) {
        let req = build(&specs, frac, orders);
        let plan = solve(&req).unwrap();
        prop_assert_eq!(plan.status, PlanStatus::Optimal);
        let (cost, _lam) = lambda_solver(&req).unwrap();
        let got = plan.totals.spend_cny;
        prop_assert!(got >= cost * (1.0 - 1e-9) - 1e-6, "plan {got} below exact optimum {cost}");
        // The 0.1 % guarantee holds above each lane's first segment; within it
        // (Hill a < 1 and power b < 1 rise infinitely steeply at 0) the chord
        // can overpay by at most the segment's width, so tiny plans get that
        // absolute slack (documented in SegmentOptions::low_floor_cny_per_day).
        let slack: f64 = req
            .lanes
            .iter()
            .map(|l| {
                let top = planned_range_cny_per_day(&l.curve, l.history_max_spend_cny_per_day, &req.segments)
                    .unwrap_or(0.0);
                H * (req.segments.low_fraction * top).max(req.segments.low_floor_cny_per_day)
            })
            .sum();
        prop_assert!(
            rel(got, cost) <= 1e-3 || got - cost <= slack,
            "plan {got} vs exact {cost}: {} (slack {slack})",
            rel(got, cost)
        );
        // The plan meets the target on the true curves too (p ≤ f).
        prop_assert!(plan.totals.metric_value >= req.target.unwrap() * (1.0 - 1e-9));
    }
}

/// Greedy (exact fractional knapsack) against the clarabel LP on one
/// single-target request.
///
/// The LP is an interior-point solve and is only as exact as its tolerance:
/// its columns overrun their upper bounds by ~1e-7 CNY, and clamping them
/// back (`SpendLp::solve`) takes those viewers away again, so its plan falls
/// short of the target by up to ~2e-7 relative. The overruns sit on the
/// steepest segments (up to ~2000 viewers per CNY), where they are nearly
/// free, while the plan buys its last viewers at the marginal price λ (tens
/// to hundreds of CNY per viewer); so the LP's plan looks up to ~3 ppm
/// cheaper than the exact optimum. It may also under-spend a channel's
/// minimum or locked spend by its row tolerance. Comparing costs at the same
/// target with a 1e-6 bound therefore fails for one to three cases in
/// 20,000, with the greedy at fault for none of them.
///
/// So the greedy is compared against what the LP's plan actually is: it is
/// re-solved for the level the LP reaches, `min(target, LP metric)`, and
/// must cost no more than the LP's plan plus whatever the LP left unspent of
/// the mandatory minimums (adding that spend keeps the LP's plan at its level
/// and makes it feasible, so it bounds the exact optimum) — to float noise.
/// The LP must meet the target and cost no more than the greedy to 1e-6.
fn check_greedy_vs_lp(req: &PlanRequest) -> Result<(), TestCaseError> {
    /// How far short of the target the LP's plan may fall (relative).
    const LP_TOL: f64 = 1e-6;
    let target = req.target.unwrap();
    let g = solve(req).unwrap();
    let lp = solve(&PlanRequest {
        solver: SolverChoice::Lp,
        ..req.clone()
    })
    .unwrap();
    prop_assert_eq!(g.solver, SolverPath::Greedy);
    prop_assert_eq!(lp.solver, SolverPath::Lp);
    let (gm, lpm) = (g.totals.metric_value_lp, lp.totals.metric_value_lp);
    prop_assert!(
        gm >= target * (1.0 - 1e-12),
        "greedy reaches {gm} < target {target}"
    );
    prop_assert!(
        lpm >= target * (1.0 - LP_TOL),
        "LP reaches {lpm}, short of the target {target} by more than its tolerance"
    );
    // LP spend below each channel's mandatory (min or locked) spend.
    let mut ch_spend: BTreeMap<&str, f64> = BTreeMap::new();
    for l in &lp.lanes {
        *ch_spend.entry(l.channel.as_str()).or_default() += l.spend_cny;
    }
    let unspent: f64 = ch_spend
        .iter()
        .map(|(c, &s)| {
            let lim = req.channels.get(*c).cloned().unwrap_or_default();
            let mandatory = lim
                .locked_spend_cny
                .unwrap_or(0.0)
                .max(lim.min_spend_cny.unwrap_or(0.0));
            (mandatory - s).max(0.0)
        })
        .sum();
    let reached = target.min(lpm);
    let g_reached = solve(&PlanRequest {
        target: Some(reached),
        ..req.clone()
    })
    .unwrap();
    prop_assert_eq!(g_reached.solver, SolverPath::Greedy);
    let (gs, gr, ls) = (
        g.totals.spend_cny,
        g_reached.totals.spend_cny,
        lp.totals.spend_cny,
    );
    prop_assert!(
        gr <= (ls + unspent) * (1.0 + 1e-10),
        "greedy {gr} for the LP's level {reached} (target {target}) costs more than the LP's plan {ls} + unspent minimums {unspent}"
    );
    prop_assert!(ls <= gs * (1.0 + 1e-6), "LP {ls} above greedy {gs}");
    // The shadow price. The greedy reports the cost of the last chord it
    // filled (the left derivative of the cost in the target); within the
    // LP's tolerance band it may sit at a neighbouring breakpoint, where any
    // dual between the chord costs on either side is right, and those can
    // be more than 5 % apart. So the LP's dual must lie between the greedy's
    // λ at the bottom and at the top of the band, up to the LP's dual
    // accuracy (1e-3 relative seen over 100,000 cases). When the forced
    // spend alone meets the target (greedy λ = 0) the LP dual is degenerate
    // and not compared.
    let lambda = |t: f64| {
        solve(&PlanRequest {
            target: Some(t),
            ..req.clone()
        })
        .unwrap()
        .target_shadow_price_cny_per_unit
        .unwrap()
    };
    let (a, b) = (
        g.target_shadow_price_cny_per_unit.unwrap(),
        lp.target_shadow_price_cny_per_unit.unwrap(),
    );
    if a != 0.0 {
        let (lo, hi) = (
            lambda(target * (1.0 - LP_TOL)),
            lambda(target * (1.0 + LP_TOL)),
        );
        prop_assert!(
            (lo * (1.0 - 0.01) - 1e-6..=hi * (1.0 + 0.01) + 1e-6).contains(&b),
            "greedy λ {a} (from {lo} to {hi} across the LP's tolerance band) lp λ {b}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(120),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// The greedy fast path and the clarabel LP give the same optimum and the
    /// same shadow price of the target (see `check_greedy_vs_lp`).
    #[test]
    fn greedy_equals_lp(
        specs in prop::collection::vec(spec(), 2..=6),
        frac in 0.05..0.95f64,
    ) {
        check_greedy_vs_lp(&build(&specs, frac, false))?;
    }

    /// More budget never gives fewer viewers; a higher target never costs less.
    #[test]
    fn monotone_in_budget_and_target(
        specs in prop::collection::vec(spec(), 2..=8),
        f1 in 0.05..0.95f64,
        f2 in 0.05..0.95f64,
    ) {
        let req = build(&specs, f1.min(f2), false);
        let req2 = build(&specs, f1.max(f2), false);
        let c1 = solve(&req).unwrap().totals.spend_cny;
        let c2 = solve(&req2).unwrap().totals.spend_cny;
        prop_assert!(c2 >= c1 * (1.0 - 1e-12), "target up, cost down: {c1} -> {c2}");
        let mut b = req.clone();
        b.target = None;
        b.budget_cny = Some(c1);
        let mut b2 = b.clone();
        b2.budget_cny = Some(c2 * 1.1 + 1.0);
        let v1 = solve(&b).unwrap().totals.metric_value_lp;
        let v2 = solve(&b2).unwrap().totals.metric_value_lp;
        prop_assert!(v2 >= v1 * (1.0 - 1e-12), "budget up, viewers down: {v1} -> {v2}");
        // Budget = min cost of target T buys T (same LP, dual problems).
        prop_assert!(rel(v1, req.target.unwrap()) <= 1e-6, "{v1} vs {}", req.target.unwrap());
    }

    /// Infeasible targets report the true maximum reachable: the sum over
    /// lanes of the curve at each lane's upper bound.
    #[test]
    fn infeasible_reports_true_maximum(
        specs in prop::collection::vec(spec(), 2..=8),
        over in 1.01..3.0f64,
        lp in any::<bool>(),
    ) {
        let mut req = build(&specs, 0.5, false);
        let mut max = 0.0;
        for l in &req.lanes {
            let (_, hi) = lane_bounds(&req, l);
            max += H * l.curve.value(hi / H);
        }
        req.target = Some(max * over);
        if lp {
            req.solver = SolverChoice::Lp;
        }
        let plan = solve(&req).unwrap();
        prop_assert_eq!(plan.status, PlanStatus::Infeasible);
        let inf = plan.infeasibility.clone().unwrap();
        prop_assert!(rel(inf.max_reachable, max) <= 1e-6, "{} vs {max}", inf.max_reachable);
        prop_assert!(rel(plan.totals.metric_value_lp, max) <= 1e-6);
        prop_assert!(!inf.limiting.is_empty());
        prop_assert!(inf.shortfall > 0.0);
    }
}

/// An 8-channel single-room request.
fn eight() -> PlanRequest {
    let models = [
        Model::Exp {
            vmax: 4_000.0,
            k_cny: 1_500.0,
        },
        Model::Hill {
            vmax: 3_000.0,
            k_cny: 1_200.0,
            a: 0.7,
        },
        Model::Hill {
            vmax: 2_500.0,
            k_cny: 800.0,
            a: 1.0,
        },
        Model::Power { c: 8.0, b: 0.6 },
        Model::Exp {
            vmax: 1_500.0,
            k_cny: 600.0,
        },
        Model::Exp {
            vmax: 20_000.0,
            k_cny: 4_000.0,
        },
        Model::Power { c: 3.0, b: 0.8 },
        Model::Hill {
            vmax: 1_000.0,
            k_cny: 2_000.0,
            a: 0.5,
        },
    ];
    let mut req = PlanRequest::default();
    for (i, m) in models.into_iter().enumerate() {
        let cap = (CHANNELS[i] == "wechat_private").then_some(5_000.0);
        req.lanes
            .push(lane("r1", CHANNELS[i], m, cap, Some(3_000.0)));
    }
    req
}

/// At the optimum every lane not at a bound has the same marginal cost,
/// equal to the target's shadow price (exactly, on the chords; within the
/// linearisation's slope spread on the true curve).
#[test]
fn interior_lanes_share_marginal_cost_equal_to_shadow_price() {
    for (target, solver) in [
        (40_000.0, SolverChoice::Auto),
        (80_000.0, SolverChoice::Auto),
        (80_000.0, SolverChoice::Lp),
    ] {
        let mut req = eight();
        req.target = Some(target);
        req.solver = solver;
        let plan = solve(&req).unwrap();
        let lam = plan.target_shadow_price_cny_per_unit.unwrap();
        assert!(lam > 0.0);
        let segs = lane_segments(&req).unwrap();
        let mut interior = 0;
        for (lp, segs) in plan.lanes.iter().zip(&segs) {
            if !lp.bounds_binding.is_empty() || lp.spend_cny <= 0.0 {
                continue;
            }
            interior += 1;
            let s = lp.spend_cny_per_day;
            // Chord slopes left and right of the spend bracket 1/λ.
            let left = segs
                .iter()
                .rev()
                .find(|g| g.start_cny_per_day < s * (1.0 - 1e-6))
                .unwrap();
            let right = segs
                .iter()
                .find(|g| g.end_cny_per_day > s * (1.0 + 1e-6))
                .unwrap();
            assert!(
                1.0 / left.viewers_per_cny <= lam * (1.0 + 1e-5),
                "{lp:?} λ {lam}"
            );
            assert!(
                1.0 / right.viewers_per_cny >= lam * (1.0 - 1e-5),
                "{lp:?} λ {lam}"
            );
            let mc = lp.marginal_cost_cny_per_viewer.unwrap();
            assert!(rel(mc, lam) <= 0.05, "{} mc {mc} vs λ {lam}", lp.channel);
        }
        assert!(interior >= 4, "only {interior} interior lanes");
        // Shadow price ≈ finite difference of the optimal cost.
        let d = target * 1e-3;
        let mut up = req.clone();
        up.target = Some(target + d);
        let fd = (solve(&up).unwrap().totals.spend_cny - plan.totals.spend_cny) / d;
        assert!(rel(fd, lam) <= 0.05, "finite difference {fd} vs λ {lam}");
    }
}

#[test]
fn binding_constraints_are_named() {
    let mut req = eight();
    req.target = Some(90_000.0);
    let free = solve(&req).unwrap();
    let q = free
        .lanes
        .iter()
        .find(|l| l.channel == "douyin_qianchuan")
        .unwrap();
    assert!(q.spend_cny > 12_000.0, "test premise: {}", q.spend_cny);
    req.channels.insert(
        "douyin_qianchuan".into(),
        ChannelLimits {
            max_spend_cny: Some(10_000.0),
            ..Default::default()
        },
    );
    req.channels.insert(
        "taoke".into(),
        ChannelLimits {
            locked_spend_cny: Some(10_000.0),
            ..Default::default()
        },
    );
    let plan = solve(&req).unwrap();
    let names: Vec<String> = plan.binding.iter().map(|b| words(&b.limit)).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    assert!(
        names.contains(&"douyin_qianchuan at its maximum 10,000 CNY"),
        "{names:?}"
    );
    assert!(
        names.contains(&"wechat_private reach cap 5,000/day reached"),
        "{names:?}"
    );
    assert!(
        names.contains(&"taoke locked by contract at 10,000 CNY"),
        "{names:?}"
    );
    assert!(names.contains(&"target 90,000 viewers"), "{names:?}");
    let q = plan
        .lanes
        .iter()
        .find(|l| l.channel == "douyin_qianchuan")
        .unwrap();
    assert!(rel(q.spend_cny, 10_000.0) < 1e-9);
    assert_eq!(q.bounds_binding, vec![LaneBound::ChannelMax]);
    let w = plan
        .lanes
        .iter()
        .find(|l| l.channel == "wechat_private")
        .unwrap();
    assert!(w.bounds_binding.contains(&LaneBound::ReachCap));
    assert!(rel(w.viewers, 5_000.0 * H) < 1e-9);
    let t = plan.lanes.iter().find(|l| l.channel == "taoke").unwrap();
    assert!(rel(t.spend_cny, 10_000.0) < 1e-9);
    // Same through the LP, with duals on the named rows.
    let lp = solve(&PlanRequest {
        solver: SolverChoice::Lp,
        ..req.clone()
    })
    .unwrap();
    assert!(rel(lp.totals.spend_cny, plan.totals.spend_cny) < 1e-6);
    let cap = lp
        .binding
        .iter()
        .find(|b| b.kind == ConstraintKind::ChannelMax)
        .unwrap();
    assert_eq!(
        cap.limit,
        Limit::ChannelMax {
            channel: "douyin_qianchuan".into(),
            max_cny: 10_000.0
        }
    );
    assert_eq!(
        words(&cap.limit),
        "douyin_qianchuan at its maximum 10,000 CNY"
    );
    assert!(
        cap.shadow_price.unwrap() < 0.0,
        "raising the cap lowers cost"
    );
    // Serialises (as plan.json: limits in words and as values) and reads
    // back as the values, the words kept beside them.
    let report = super::stage::report(lp.clone(), &Default::default(), &[], &[], 7, 1);
    let json = crate::report::plan_export::plan_json(&report);
    #[derive(serde::Deserialize)]
    struct Back {
        plan: Plan,
    }
    let back: Back = serde_json::from_slice(&json).unwrap();
    assert_eq!(back.plan.binding.len(), lp.binding.len());
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    for (i, (b, l)) in back.plan.binding.iter().zip(&lp.binding).enumerate() {
        assert_eq!(b.limit, l.limit);
        assert_eq!(
            v["plan"]["binding"][i]["description"].as_str().unwrap(),
            words(&l.limit)
        );
        assert_eq!(
            (b.kind, &b.channel, &b.room, b.shadow_price),
            (l.kind, &l.channel, &l.room, l.shadow_price)
        );
    }
    assert_eq!(back.plan.lanes, lp.lanes);
    assert_eq!(back.plan.totals, lp.totals);
    // A plan.json of before the values (words only) reads back as words.
    let mut old = v.clone();
    for b in old["plan"]["binding"].as_array_mut().unwrap() {
        b.as_object_mut().unwrap().remove("limit");
    }
    let back: Back = serde_json::from_value(old).unwrap();
    for (b, l) in back.plan.binding.iter().zip(&lp.binding) {
        assert_eq!(b.limit, Limit::Written(words(&l.limit)));
    }
}

#[test]
fn budget_mode_and_both_mode() {
    let mut req = eight();
    req.budget_cny = Some(60_000.0);
    let plan = solve(&req).unwrap();
    assert_eq!(plan.mode, PlanMode::MaxMetric);
    assert!(rel(plan.totals.spend_cny, 60_000.0) < 1e-9);
    let mu = plan.budget_shadow_price_units_per_cny.unwrap();
    // Viewers per extra CNY ≈ finite difference.
    let mut up = req.clone();
    up.budget_cny = Some(61_000.0);
    let fd = (solve(&up).unwrap().totals.metric_value_lp - plan.totals.metric_value_lp) / 1_000.0;
    assert!(rel(fd, mu) < 0.05, "{fd} vs {mu}");
    // Same via LP.
    let lp = solve(&PlanRequest {
        solver: SolverChoice::Lp,
        ..req.clone()
    })
    .unwrap();
    assert!(rel(lp.totals.metric_value_lp, plan.totals.metric_value_lp) < 1e-6);
    assert!(rel(lp.budget_shadow_price_units_per_cny.unwrap(), mu) < 0.05);
    // Both: the target the budget buys is feasible, a bigger one is not.
    let v = plan.totals.metric_value_lp;
    let mut both = req.clone();
    both.target = Some(v * 0.9);
    let p = solve(&both).unwrap();
    assert_eq!(p.status, PlanStatus::Optimal);
    assert!(p.totals.spend_cny < 60_000.0);
    both.target = Some(v * 1.1);
    let p = solve(&both).unwrap();
    assert_eq!(p.status, PlanStatus::Infeasible);
    let inf = p.infeasibility.unwrap();
    assert!(
        rel(inf.max_reachable, v) < 1e-6,
        "{} vs {v}",
        inf.max_reachable
    );
    assert!(
        inf.limiting
            .iter()
            .map(words)
            .any(|s| s == "budget 60,000 CNY fully spent"),
        "{:?}",
        inf.limiting
    );
}

#[test]
fn orders_and_gmv_targets_weight_lanes() {
    let mut req = eight();
    for (i, l) in req.lanes.iter_mut().enumerate() {
        l.orders_per_viewer = Some(0.01 * (i + 1) as f64);
        l.gmv_cny_per_viewer = Some(if i == 0 { 50.0 } else { 1.0 });
    }
    req.metric = Metric::Orders;
    req.target = Some(2_000.0);
    let plan = solve(&req).unwrap();
    assert!(rel(plan.totals.metric_value_lp, 2_000.0) < 1e-9);
    let (cost, _) = lambda_solver(&req).unwrap();
    assert!(rel(plan.totals.spend_cny, cost) < 1e-3);
    req.metric = Metric::GmvCny;
    req.target = Some(100_000.0);
    let plan = solve(&req).unwrap();
    // GMV-rich channel gets the money.
    let top = plan
        .lanes
        .iter()
        .max_by(|a, b| a.spend_cny.total_cmp(&b.spend_cny))
        .unwrap();
    assert_eq!(top.channel, "douyin_qianchuan");
    let mut missing = req.clone();
    missing.lanes[3].gmv_cny_per_viewer = None;
    assert!(matches!(solve(&missing), Err(PlanError::BadLane { .. })));
}

/// Rooms × channels with per-room targets and a shared channel cap.
fn rooms_request(rooms: usize) -> PlanRequest {
    let mut req = PlanRequest::default();
    for r in 0..rooms {
        let f = 1.0 + (r % 7) as f64 * 0.1;
        let room = format!("room{r:03}");
        req.lanes.push(lane(
            &room,
            "douyin_qianchuan",
            Model::Exp {
                vmax: 3_000.0 * f,
                k_cny: 600.0,
            },
            None,
            Some(2_000.0),
        ));
        req.lanes.push(lane(
            &room,
            "kuaishou_ads",
            Model::Hill {
                vmax: 2_000.0,
                k_cny: 1_500.0 * f,
                a: 0.8,
            },
            None,
            Some(3_000.0),
        ));
        req.lanes.push(lane(
            &room,
            "taoke",
            Model::Power { c: 2.0 * f, b: 0.7 },
            None,
            Some(2_000.0),
        ));
        req.lanes.push(lane(
            &room,
            "wechat_private",
            Model::Exp {
                vmax: 900.0,
                k_cny: 500.0,
            },
            Some(600.0),
            None,
        ));
        req.room_targets
            .insert(room, 12_000.0 + 1_000.0 * (r % 5) as f64);
    }
    req
}

#[test]
fn room_targets_reached_and_shared_cap_binds() {
    let mut req = rooms_request(6);
    let free = solve(&req).unwrap();
    let q: f64 = free
        .lanes
        .iter()
        .filter(|l| l.channel == "douyin_qianchuan")
        .map(|l| l.spend_cny)
        .sum();
    let cap = (q * 0.6).round();
    req.channels.insert(
        "douyin_qianchuan".into(),
        ChannelLimits {
            max_spend_cny: Some(cap),
            ..Default::default()
        },
    );
    let plan = solve(&req).unwrap();
    assert_eq!(plan.status, PlanStatus::Optimal);
    for r in &plan.rooms {
        let t = r.target.unwrap();
        assert!(
            r.reached_lp >= t * (1.0 - 1e-6),
            "{} reached {} of {t}",
            r.room,
            r.reached_lp
        );
        assert!(r.reached >= t * (1.0 - 1e-6));
        assert!(r.shadow_price_cny_per_unit.unwrap() > 0.0);
    }
    let name = format!("douyin_qianchuan at its maximum {} CNY", fmt_num(cap));
    let b = plan
        .binding
        .iter()
        .find(|b| words(&b.limit) == name)
        .unwrap_or_else(|| panic!("{:?}", plan.binding));
    assert!(b.shadow_price.unwrap() < 0.0);
    assert!(
        plan.totals.spend_cny > free.totals.spend_cny,
        "a binding cap costs money"
    );
    // Each room costs what it costs alone when nothing couples them.
    let solo: f64 = (0..6)
        .map(|r| {
            let mut one = rooms_request(6);
            let room = format!("room{r:03}");
            one.lanes.retain(|l| l.room == room);
            one.room_targets.retain(|k, _| *k == room);
            solve(&one).unwrap().totals.spend_cny
        })
        .sum();
    assert!(
        rel(free.totals.spend_cny, solo) < 1e-6,
        "{} vs {solo}",
        free.totals.spend_cny
    );
}

#[test]
fn windowed_lp_matches_full_lp() {
    let mut req = rooms_request(40);
    let free = solve(&req).unwrap();
    let ch = |c: &str| -> f64 {
        free.lanes
            .iter()
            .filter(|l| l.channel == c)
            .map(|l| l.spend_cny)
            .sum()
    };
    let (taoke, kuaishou) = (
        (ch("taoke") * 0.7).round(),
        (ch("kuaishou_ads") * 1.3).round(),
    );
    req.channels.insert(
        "taoke".into(),
        ChannelLimits {
            max_spend_cny: Some(taoke),
            ..Default::default()
        },
    );
    req.channels.insert(
        "kuaishou_ads".into(),
        ChannelLimits {
            min_spend_cny: Some(kuaishou),
            ..Default::default()
        },
    );
    let full = solve(&PlanRequest {
        lp_full_max_vars: usize::MAX,
        ..req.clone()
    })
    .unwrap();
    assert_eq!(full.solver, SolverPath::Lp);
    let win = solve(&PlanRequest {
        lp_full_max_vars: 100,
        ..req.clone()
    })
    .unwrap();
    assert!(
        matches!(
            win.solver,
            SolverPath::LpWindowed {
                certified: true,
                ..
            }
        ),
        "{:?}",
        win.solver
    );
    assert!(
        rel(win.totals.spend_cny, full.totals.spend_cny) < 1e-6,
        "{} vs {}",
        win.totals.spend_cny,
        full.totals.spend_cny
    );
    let names = |p: &Plan| {
        let mut v: Vec<String> = p
            .binding
            .iter()
            .filter(|b| b.room.is_none())
            .map(|b| words(&b.limit))
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(&win), names(&full));
    assert!(
        names(&full).contains(&format!("taoke at its maximum {} CNY", fmt_num(taoke))),
        "{:?}",
        names(&full)
    );
    assert!(
        names(&full).contains(&format!(
            "kuaishou_ads at its minimum {} CNY",
            fmt_num(kuaishou)
        )),
        "{:?}",
        names(&full)
    );
    for (a, b) in win.rooms.iter().zip(&full.rooms) {
        assert!(
            rel(
                a.shadow_price_cny_per_unit.unwrap(),
                b.shadow_price_cny_per_unit.unwrap()
            ) < 1e-3
        );
    }
    // A share cap and a slack budget on top: the window LP's certificate
    // uses the share rows' duals too.
    let q_share = free
        .lanes
        .iter()
        .filter(|l| l.channel == "douyin_qianchuan")
        .map(|l| l.spend_cny)
        .sum::<f64>()
        / free.totals.spend_cny;
    req.channels.insert(
        "douyin_qianchuan".into(),
        ChannelLimits {
            max_share: Some(0.8 * q_share),
            ..Default::default()
        },
    );
    req.budget_cny = Some(full.totals.spend_cny * 1.5);
    let full = solve(&PlanRequest {
        lp_full_max_vars: usize::MAX,
        ..req.clone()
    })
    .unwrap();
    let win = solve(&PlanRequest {
        lp_full_max_vars: 100,
        ..req.clone()
    })
    .unwrap();
    assert!(
        matches!(
            win.solver,
            SolverPath::LpWindowed {
                certified: true,
                ..
            }
        ),
        "{:?}",
        win.solver
    );
    assert!(rel(win.totals.spend_cny, full.totals.spend_cny) < 1e-6);
    assert!(
        full.binding
            .iter()
            .any(|b| b.kind == ConstraintKind::ChannelShare)
    );
}

#[test]
fn infeasible_room_targets_report_reachable() {
    let mut req = rooms_request(3);
    // Lanes may go to 3 × their highest day, so the shared taoke cap (not
    // the lanes' support limits) is what stops room001.
    req.segments.history_multiple = 3.0;
    req.room_targets.insert("room001".into(), 1e7);
    req.channels.insert(
        "taoke".into(),
        ChannelLimits {
            max_spend_cny: Some(30_000.0),
            ..Default::default()
        },
    );
    let plan = solve(&req).unwrap();
    assert_eq!(plan.status, PlanStatus::Infeasible);
    let inf = plan.infeasibility.unwrap();
    // room001 can reach at most its lanes at their bounds, the taoke cap
    // being shared with rooms that need little of it.
    let r1 = plan.rooms.iter().find(|r| r.room == "room001").unwrap();
    let others: f64 = ["room000", "room002"]
        .iter()
        .map(|r| req.room_targets[*r])
        .sum();
    assert!(rel(inf.max_reachable, others + r1.reached_lp) < 1e-6);
    assert!(
        inf.limiting
            .iter()
            .map(words)
            .any(|s| s == "taoke at its maximum 30,000 CNY"),
        "{:?}",
        inf.limiting
    );
    assert!(
        inf.limiting
            .iter()
            .map(words)
            .any(|s| s.contains("room001 / wechat_private reach cap 600/day")),
        "{:?}",
        inf.limiting
    );
    for r in &plan.rooms {
        if r.room != "room001" {
            assert!(r.reached_lp >= r.target.unwrap() * (1.0 - 1e-6));
        }
    }
}

#[test]
fn linearisation_error_below_tolerance_on_dense_grids() {
    let opts = SegmentOptions::default();
    let curves = [
        Curve::uncapped(Model::Exp {
            vmax: 10_000.0,
            k_cny: 4_000.0,
        }),
        Curve::uncapped(Model::Hill {
            vmax: 8_000.0,
            k_cny: 3_000.0,
            a: 0.5,
        }),
        Curve::uncapped(Model::Hill {
            vmax: 8_000.0,
            k_cny: 3_000.0,
            a: 0.8,
        }),
        Curve::uncapped(Model::Hill {
            vmax: 8_000.0,
            k_cny: 3_000.0,
            a: 1.0,
        }),
        Curve::uncapped(Model::Power { c: 12.0, b: 0.3 }),
        Curve::uncapped(Model::Power { c: 12.0, b: 0.7 }),
        Curve::uncapped(Model::Power { c: 12.0, b: 1.0 }),
        Curve {
            model: Model::Exp {
                vmax: 10_000.0,
                k_cny: 2_000.0,
            },
            cap_viewers_per_day: Some(5_000.0),
        },
        Curve {
            model: Model::Power { c: 12.0, b: 0.5 },
            cap_viewers_per_day: Some(900.0),
        },
    ];
    for c in curves {
        let top = planned_range_cny_per_day(&c, Some(5_000.0), &opts).unwrap();
        let segs = segment_curve(&c, top, &[], &opts);
        assert!(segs.len() < 400, "{c:?}: {} segments", segs.len());
        assert!((segs.last().unwrap().end_cny_per_day - top).abs() <= 1e-9 * top);
        let from = segments::guaranteed_from_cny_per_day(&c.model, top, &opts);
        let n = 200_000;
        let mut worst_v: f64 = 0.0;
        let mut worst_s: f64 = 0.0;
        for i in 0..=n {
            // Geometric grid from the guaranteed start (or linear from 0).
            let s = if from > 0.0 {
                from * (top / from).powf(i as f64 / n as f64)
            } else {
                top * i as f64 / n as f64
            };
            let f = c.value(s);
            let p = segments::pwl_value(&segs, s);
            assert!(
                p <= f * (1.0 + 1e-12) + 1e-12,
                "{c:?}: chord above curve at {s}"
            );
            if f > 0.0 {
                worst_v = worst_v.max((f - p) / f);
                // Spend the chords need for the curve's viewers at s.
                let j = segs
                    .iter()
                    .position(|g| segments::pwl_value(&segs, g.end_cny_per_day) >= f)
                    .unwrap();
                let g = &segs[j];
                let sp = g.start_cny_per_day
                    + (f - segments::pwl_value(&segs, g.start_cny_per_day)) / g.viewers_per_cny;
                if s > 0.0 {
                    worst_s = worst_s.max((sp - s) / s);
                }
            }
        }
        assert!(worst_v < 1e-3, "{c:?}: viewer error {worst_v}");
        assert!(worst_s < 1e-3, "{c:?}: spend error {worst_s}");
        // The bound is not vacuous: the error is of the order of the
        // tolerance (a straight line, power b = 1, is cut exactly).
        let linear = matches!(c.model, Model::Power { b, .. } if b == 1.0);
        assert!(
            linear || worst_v > 1e-5,
            "{c:?}: suspiciously exact {worst_v}"
        );
    }
}

#[test]
fn validation_names_the_channel() {
    let base = {
        let mut r = eight();
        r.target = Some(10_000.0);
        r
    };
    let with = |lim: ChannelLimits| {
        let mut r = base.clone();
        r.channels.insert("taoke".into(), lim);
        solve(&r).unwrap_err()
    };
    let e = with(ChannelLimits {
        max_spend_cny: Some(f64::NAN),
        ..Default::default()
    });
    assert!(
        matches!(&e, PlanError::NotFinite { channel, field: "max_spend_cny", .. } if channel == "taoke"),
        "{e}"
    );
    assert!(e.to_string().contains("taoke"));
    let e = with(ChannelLimits {
        min_spend_cny: Some(-1.0),
        ..Default::default()
    });
    assert!(
        matches!(&e, PlanError::Negative { channel, .. } if channel == "taoke"),
        "{e}"
    );
    let e = with(ChannelLimits {
        min_spend_cny: Some(5.0),
        max_spend_cny: Some(1.0),
        ..Default::default()
    });
    assert!(
        matches!(&e, PlanError::MinAboveMax { channel, .. } if channel == "taoke"),
        "{e}"
    );
    let e = with(ChannelLimits {
        locked_spend_cny: Some(9.0),
        max_spend_cny: Some(5.0),
        ..Default::default()
    });
    assert!(
        matches!(&e, PlanError::LockedOutsideBounds { channel, .. } if channel == "taoke"),
        "{e}"
    );
    let e = with(ChannelLimits {
        locked_spend_cny: Some(1.0),
        min_spend_cny: Some(5.0),
        ..Default::default()
    });
    assert!(matches!(&e, PlanError::LockedOutsideBounds { .. }), "{e}");
    let e = with(ChannelLimits {
        max_share: Some(1.5),
        ..Default::default()
    });
    assert!(
        matches!(&e, PlanError::ShareOutOfRange { channel, .. } if channel == "taoke"),
        "{e}"
    );
    let e = with(ChannelLimits {
        excluded: true,
        min_spend_cny: Some(5.0),
        ..Default::default()
    });
    assert!(matches!(&e, PlanError::ExcludedWithSpend { .. }), "{e}");
    let mut r = base.clone();
    r.channels.insert("nope".into(), ChannelLimits::default());
    assert!(matches!(solve(&r), Err(PlanError::UnknownChannel { .. })));
    let mut r = base.clone();
    r.target = Some(f64::NAN);
    assert!(matches!(solve(&r), Err(PlanError::NotFinite { .. })));
    let mut r = base.clone();
    r.lanes[0].curve.model = Model::Exp {
        vmax: f64::NAN,
        k_cny: 1.0,
    };
    assert!(matches!(solve(&r), Err(PlanError::BadLane { .. })));
    let mut r = base.clone();
    r.lanes[3].history_max_spend_cny_per_day = None;
    assert!(
        matches!(solve(&r), Err(PlanError::BadLane { .. })),
        "power without range"
    );
    let mut r = base.clone();
    r.target = None;
    assert!(matches!(solve(&r), Err(PlanError::BadRequest(_))));
    // Minimums above the budget are a contradiction, not a plan.
    let mut r = base.clone();
    r.target = None;
    r.budget_cny = Some(100.0);
    r.channels.insert(
        "taoke".into(),
        ChannelLimits {
            min_spend_cny: Some(500.0),
            ..Default::default()
        },
    );
    assert!(matches!(solve(&r), Err(PlanError::Inconsistent(_))));
}

#[test]
fn share_and_exclusion_constraints() {
    let mut req = eight();
    req.target = Some(60_000.0);
    let free = solve(&req).unwrap();
    let big = free
        .lanes
        .iter()
        .max_by(|a, b| a.spend_cny.total_cmp(&b.spend_cny))
        .unwrap()
        .clone();
    let share = (big.spend_cny / free.totals.spend_cny) * 0.5;
    req.channels.insert(
        big.channel.clone(),
        ChannelLimits {
            max_share: Some(share),
            ..Default::default()
        },
    );
    req.channels.insert(
        "taoke".into(),
        ChannelLimits {
            excluded: true,
            ..Default::default()
        },
    );
    let plan = solve(&req).unwrap();
    assert_eq!(plan.solver, SolverPath::Lp);
    let b = plan
        .lanes
        .iter()
        .find(|l| l.channel == big.channel)
        .unwrap();
    assert!(rel(b.spend_cny, share * plan.totals.spend_cny) < 1e-6);
    assert!(b.bounds_binding.contains(&LaneBound::ChannelShare));
    let t = plan.lanes.iter().find(|l| l.channel == "taoke").unwrap();
    assert_eq!(t.spend_cny, 0.0);
    assert_eq!(t.bounds_binding, vec![LaneBound::Excluded]);
    assert!(
        plan.binding
            .iter()
            .any(|b| b.kind == ConstraintKind::ChannelShare)
    );
    assert!(plan.totals.spend_cny > free.totals.spend_cny);
    assert!(rel(plan.totals.metric_value_lp, 60_000.0) < 1e-6);
}

#[test]
fn locked_above_planned_range_spends_without_viewers() {
    let mut req = eight();
    req.target = Some(20_000.0);
    // wechat_private cap spend per day is ~ 4,000·ln(4) ≈ 1,151 CNY.
    req.channels.insert(
        "wechat_private".into(),
        ChannelLimits {
            locked_spend_cny: Some(20_000.0),
            ..Default::default()
        },
    );
    let plan = solve(&req).unwrap();
    let w = plan
        .lanes
        .iter()
        .find(|l| l.channel == "wechat_private")
        .unwrap();
    assert!(rel(w.spend_cny, 20_000.0) < 1e-9);
    assert!(rel(w.viewers, 5_000.0 * H) < 1e-9);
    let lp = solve(&PlanRequest {
        solver: SolverChoice::Lp,
        ..req.clone()
    })
    .unwrap();
    assert!(rel(lp.totals.spend_cny, plan.totals.spend_cny) < 1e-6);
}

/// Regression (proptest): every lane locked, target exactly what the locked
/// spend buys. Greedy reports the target as not binding (λ = 0); the LP
/// agrees on the plan.
#[test]
fn regression_all_locked_target_met_by_locked_spend() {
    let sp = Spec {
        family: 0,
        scale: 100.0,
        k: 100.0,
        shape: 0.3,
        cap: None,
        hist: 500.0,
        limit: 3,
        limit_frac: 0.05,
        conv: 0.01,
    };
    let req = build(&[sp.clone(), sp], 0.05, false);
    let g = solve(&req).unwrap();
    assert_eq!(g.status, PlanStatus::Optimal);
    assert_eq!(g.target_shadow_price_cny_per_unit, Some(0.0));
    let lp = solve(&PlanRequest {
        solver: SolverChoice::Lp,
        ..req.clone()
    })
    .unwrap();
    assert!(rel(g.totals.spend_cny, lp.totals.spend_cny) < 1e-6);
}

/// Regression (proptest): a Hill a = 0.3 lane whose reach cap is hit at
/// 0.15 CNY/day next to a normal lane. Without the 0.01 CNY/day floor on the
/// first segment the LP was badly scaled and under-reported the reachable
/// maximum by 0.4 %.
#[test]
fn regression_tiny_cap_lane_max_reach_through_lp() {
    let specs = [
        Spec {
            family: 1,
            scale: 100.0,
            k: 100.0,
            shape: 0.3,
            cap: Some(0.2),
            hist: 500.0,
            limit: 0,
            limit_frac: 0.05,
            conv: 0.01,
        },
        Spec {
            family: 0,
            scale: 100.0,
            k: 100.0,
            shape: 0.3,
            cap: None,
            hist: 500.0,
            limit: 0,
            limit_frac: 0.05,
            conv: 0.01,
        },
    ];
    let mut req = build(&specs, 0.5, false);
    let max: f64 = req
        .lanes
        .iter()
        .map(|l| H * l.curve.value(lane_bounds(&req, l).1 / H))
        .sum();
    req.target = Some(max * 1.01);
    req.solver = SolverChoice::Lp;
    let plan = solve(&req).unwrap();
    let inf = plan.infeasibility.unwrap();
    assert!(
        rel(inf.max_reachable, max) < 1e-6,
        "{} vs {max}",
        inf.max_reachable
    );
    assert_eq!(inf.limiting.len(), 2, "{:?}", inf.limiting);
}

/// Room targets with a shared budget in one solve: a budget just above the
/// cheapest plan is feasible and binds nothing; below it the plan reports
/// the budget as the limit and no room is counted beyond its target.
#[test]
fn room_targets_with_shared_budget() {
    let req = rooms_request(5);
    let free = solve(&req).unwrap();
    let cost = free.totals.spend_cny;
    let mut ok = req.clone();
    ok.budget_cny = Some(cost * 1.001);
    let p = solve(&ok).unwrap();
    assert_eq!(p.status, PlanStatus::Optimal);
    assert!(rel(p.totals.spend_cny, cost) < 1e-6);
    assert!(p.budget_shadow_price_units_per_cny.unwrap().abs() < 1e-6);
    let mut tight_budget = req.clone();
    tight_budget.budget_cny = Some(cost * 0.8);
    let p = solve(&tight_budget).unwrap();
    assert_eq!(p.status, PlanStatus::Infeasible);
    let inf = p.infeasibility.clone().unwrap();
    assert!(
        inf.limiting
            .iter()
            .map(words)
            .any(|s| s == format!("budget {} CNY fully spent", fmt_num(cost * 0.8))),
        "{:?}",
        inf.limiting
    );
    assert!(p.totals.spend_cny <= cost * 0.8 * (1.0 + 1e-6));
    let requested: f64 = req.room_targets.values().sum();
    assert!(inf.max_reachable < requested && inf.max_reachable > 0.5 * requested);
    let counted: f64 = p
        .rooms
        .iter()
        .map(|r| r.reached_lp.min(r.target.unwrap()))
        .sum();
    assert!(
        rel(counted, inf.max_reachable) < 1e-5,
        "{counted} vs {}",
        inf.max_reachable
    );
}

/// The curve applies per day: doubling the horizon with the target and the
/// limits doubled doubles every lane's spend.
#[test]
fn horizon_scales_per_day() {
    let mut req = eight();
    req.target = Some(50_000.0);
    req.channels.insert(
        "kuaishou_ads".into(),
        ChannelLimits {
            max_spend_cny: Some(5_000.0),
            ..Default::default()
        },
    );
    let a = solve(&req).unwrap();
    let mut twice = req.clone();
    twice.horizon_days = 14.0;
    twice.target = Some(100_000.0);
    twice
        .channels
        .get_mut("kuaishou_ads")
        .unwrap()
        .max_spend_cny = Some(10_000.0);
    let b = solve(&twice).unwrap();
    for (x, y) in a.lanes.iter().zip(&b.lanes) {
        assert!(
            (2.0 * x.spend_cny - y.spend_cny).abs() <= 1e-6 * y.spend_cny.max(1.0),
            "{} {} vs {}",
            x.channel,
            x.spend_cny,
            y.spend_cny
        );
        assert!(rel(x.spend_cny_per_day, y.spend_cny_per_day) < 1e-6 || x.spend_cny == 0.0);
    }
}

/// A request read from JSON takes defaults for what it leaves out
/// (7-day horizon, viewers, default segmentation).
#[test]
fn request_deserialises_with_defaults() {
    let json = r#"{
        "lanes": [{
            "room": "r1", "channel": "抖音千川",
            "curve": {"model": {"model": "exp", "vmax": 1000.0, "k_cny": 500.0},
                      "cap_viewers_per_day": null},
            "orders_per_viewer": null, "gmv_cny_per_viewer": null,
            "history_max_spend_cny_per_day": null
        }],
        "target": 2000.0,
        "channels": {"抖音千川": {"max_spend_cny": 100000.0}}
    }"#;
    let req: PlanRequest = serde_json::from_str(json).unwrap();
    assert_eq!(req.horizon_days, 7.0);
    assert_eq!(req.segments, SegmentOptions::default());
    let plan = solve(&req).unwrap();
    // One lane: spend = 7 · inverse(2000 / 7) exactly up to linearisation.
    let exact = 7.0 * req.lanes[0].curve.inverse(2_000.0 / 7.0).unwrap();
    assert!(plan.totals.spend_cny >= exact && rel(plan.totals.spend_cny, exact) < 1e-3);
    assert_eq!(plan.lanes[0].channel, "抖音千川");
}

/// Regression (proptest `greedy_equals_lp`, shrunk): a min-spend lane and a
/// locked lane (Hill a < 1). The greedy costs 78,690.6037 CNY, the LP
/// 78,690.5207: the LP's plan reaches 8,752.09284 of the 8,752.09501 target
/// (2.2e-3 viewers short, 2.5e-7 relative, almost all of it from clamping
/// ~3e-7 CNY overruns of the steep columns), worth 0.105 CNY at λ = 48.43
/// CNY per viewer. Re-solved for what the LP reaches, the greedy costs
/// 78,690.4988, below the LP's plan: the greedy is exact, and the old
/// same-target 1e-6 comparison failed on the LP's tolerance.
#[test]
fn regression_greedy_vs_lp_lp_short_of_target() {
    let specs = [
        Spec {
            family: 1,
            scale: 1684.0139097689218,
            k: 753.2455903746543,
            shape: 0.3860560191300859,
            cap: None,
            hist: 4932.627997749298,
            limit: 1,
            limit_frac: 0.7757141062133309,
            conv: 0.01,
        },
        Spec {
            family: 1,
            scale: 100.0,
            k: 1119.4046980530647,
            shape: 0.6276666559996168,
            cap: None,
            hist: 4786.855055256462,
            limit: 3,
            limit_frac: 0.6155834454220376,
            conv: 0.01,
        },
    ];
    check_greedy_vs_lp(&build(&specs, 0.684153265066071, false)).unwrap();
}

/// Regression (proptest `greedy_equals_lp`, shrunk): the target lies 5.4e-4
/// viewers (1.3e-8 relative) past the breakpoint between chords costing
/// 0.8083 and 0.8545 CNY per viewer (two free lanes ending at nearly the
/// same cost, 5.7 % below the next chord). The greedy's λ is 0.8545; the LP,
/// 1.6e-3 viewers short of the target, sits on the breakpoint and reports
/// 0.8124, a valid dual there, which the old 5 % comparison rejected.
#[test]
fn regression_greedy_vs_lp_lambda_at_breakpoint_within_lp_tolerance() {
    let specs = [
        Spec {
            family: 1,
            scale: 3890.4264273829494,
            k: 2209.726614057019,
            shape: 0.42804787766190766,
            cap: None,
            hist: 1602.0228834809595,
            limit: 0,
            limit_frac: 0.05,
            conv: 0.01,
        },
        Spec {
            family: 1,
            scale: 4233.08864125335,
            k: 100.0,
            shape: 0.3,
            cap: None,
            hist: 500.0,
            limit: 3,
            limit_frac: 0.05,
            conv: 0.01,
        },
        Spec {
            family: 2,
            scale: 3534.259896788904,
            k: 583.3664593080634,
            shape: 0.3,
            cap: None,
            hist: 720.5793746218259,
            limit: 4,
            limit_frac: 0.05,
            conv: 0.01,
        },
        Spec {
            family: 0,
            scale: 2241.3294376769245,
            k: 1260.097853818727,
            shape: 0.3,
            cap: None,
            hist: 3029.0099666641518,
            limit: 1,
            limit_frac: 0.13675155581812062,
            conv: 0.01,
        },
    ];
    check_greedy_vs_lp(&build(&specs, 0.5567438389281765, false)).unwrap();
}

/// A lane locked far past its saturation (exp, k = 600 CNY/day, locked at
/// 100 k = 167 k/day would have a marginal cost of e^166 ≈ 1e72 CNY per
/// viewer): no number reaches the plan (plan_table writes "saturated").
#[test]
fn saturated_lane_has_no_marginal_cost_figure() {
    let mut req = eight();
    req.target = Some(20_000.0);
    req.channels.insert(
        CHANNELS[4].into(),
        ChannelLimits {
            locked_spend_cny: Some(100_000.0 * H),
            ..Default::default()
        },
    );
    let plan = solve(&req).unwrap();
    let l = plan
        .lanes
        .iter()
        .find(|l| l.channel == CHANNELS[4])
        .unwrap();
    assert!(rel(l.spend_cny, 100_000.0 * H) < 1e-9, "{l:?}");
    assert_eq!(l.marginal_cost_cny_per_viewer, None, "{l:?}");
    // A lane at an ordinary spend keeps its figure.
    let other = plan
        .lanes
        .iter()
        .find(|l| l.channel == CHANNELS[0])
        .unwrap();
    let mc = other.marginal_cost_cny_per_viewer.unwrap();
    assert!(mc.is_finite() && mc > 0.0 && mc < 1_000.0, "{other:?}");
}
