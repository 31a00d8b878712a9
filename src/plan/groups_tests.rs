//! Known-answer tests of issue 15 §3: groups against the exact budget
//! knapsack, the guardrail's band, each binding limit's dual against
//! re-solves with the limit moved, and the smallest relaxation on
//! instances where it is known by construction.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::curves::{Curve, Model};

const H: f64 = 7.0;

fn lane(room: &str, ch: &str, vmax: f64, k: f64, hist: f64) -> Lane {
    let mut l = Lane::new(
        room,
        ch,
        Curve {
            model: Model::Exp { vmax, k_cny: k },
            cap_viewers_per_day: None,
        },
    );
    l.history_max_spend_cny_per_day = Some(hist);
    l
}

/// Random lanes: rooms r0..r1 × channels c0..c3 (a random subset, at least
/// two lanes), exponential curves.
fn arb_lanes() -> impl Strategy<Value = Vec<Lane>> {
    proptest::collection::vec(
        (
            any::<bool>(),
            1_000.0..20_000.0f64,
            500.0..20_000.0f64,
            0.3..2.0f64,
        ),
        8,
    )
    .prop_map(|v| {
        let mut out = Vec::new();
        for (i, (keep, vmax, k, hist)) in v.into_iter().enumerate() {
            if keep || out.len() < 2 && i >= 6 {
                out.push(lane(
                    &format!("r{}", i / 4),
                    &format!("c{}", i % 4),
                    vmax,
                    k,
                    hist * k,
                ));
            }
        }
        out
    })
}

fn reachable(lanes: &[Lane]) -> f64 {
    lanes
        .iter()
        .map(|l| H * l.curve.value(l.history_max_spend_cny_per_day.unwrap()))
        .sum()
}

fn request(lanes: Vec<Lane>) -> PlanRequest {
    PlanRequest {
        lanes,
        horizon_days: H,
        solver: SolverChoice::Lp,
        ..PlanRequest::default()
    }
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(1.0)
}

fn channels_of(lanes: &[Lane]) -> Vec<String> {
    let mut c: Vec<String> = lanes.iter().map(|l| l.channel.clone()).collect();
    c.sort();
    c.dedup();
    c
}

proptest! {
    // About half the drawn instances are rejected (no free group room, or an
    // infeasible plan): proptest's default of 1,024 global rejects ends a
    // run at PROPTEST_CASES=20000 before it is done, so the allowance scales.
    #![proptest_config(ProptestConfig {
        max_global_rejects: 1_000_000,
        ..ProptestConfig::with_cases(24)
    })]

    /// A group over every channel capped at B, or a room group over every
    /// room with budget B, plans exactly what the budget B does (the exact
    /// greedy knapsack).
    #[test]
    fn group_over_everything_is_the_budget(lanes in arb_lanes(), frac in 0.1..0.9f64) {
        let top: f64 = lanes.iter().map(|l| l.history_max_spend_cny_per_day.unwrap() * 1.5 * H).sum();
        let b = frac * top;
        let mut by_budget = request(lanes.clone());
        by_budget.solver = SolverChoice::Auto;
        by_budget.budget_cny = Some(b);
        let exact = solve(&by_budget).unwrap();
        prop_assert_eq!(exact.solver, SolverPath::Greedy);

        let mut grouped = request(lanes.clone());
        grouped.solver = SolverChoice::Auto;
        grouped.budget_cny = Some(10.0 * top);
        grouped.groups.insert("all".into(), groups::ChannelGroup {
            channels: channels_of(&lanes),
            max_spend_cny: Some(b),
            ..Default::default()
        });
        let g = solve(&grouped).unwrap();
        // Routed to the LP: the greedy cannot hold a group.
        prop_assert_eq!(g.solver, SolverPath::Lp);
        prop_assert!(rel(g.totals.metric_value_lp, exact.totals.metric_value_lp) < 1e-6,
            "group {} vs budget {}", g.totals.metric_value_lp, exact.totals.metric_value_lp);
        prop_assert!(g.binding.iter().any(|x| x.kind == ConstraintKind::GroupMax));

        let mut rooms = request(lanes.clone());
        rooms.budget_cny = Some(10.0 * top);
        let mut all_rooms: Vec<String> = lanes.iter().map(|l| l.room.clone()).collect();
        all_rooms.dedup();
        rooms.room_groups.insert("all".into(), groups::RoomGroup {
            rooms: all_rooms,
            max_spend_cny: Some(b),
            ..Default::default()
        });
        let r = solve(&rooms).unwrap();
        prop_assert!(rel(r.totals.metric_value_lp, exact.totals.metric_value_lp) < 1e-6);
        prop_assert!(r.binding.iter().any(|x| x.kind == ConstraintKind::RoomGroupMax));
    }

    /// Every binding limit's dual is a subgradient of the plan's optimal
    /// cost in that limit: re-solving with the limit moved by ±δ changes
    /// the cost by at least `dual × (±δ)`; so the stated step's gain bounds
    /// the exact saving of the step from above, and the two one-sided
    /// slopes bracket the dual.
    #[test]
    fn duals_match_resolves(lanes in arb_lanes(), lasts in proptest::collection::vec(0.0..1.5f64, 8),
                            gfrac in 0.3..0.9f64, tfrac in 0.2..0.6f64) {
        let mut req = request(lanes.clone());
        let t = tfrac * reachable(&lanes);
        req.target = Some(t);
        let free = solve(&req).unwrap();
        prop_assume!(free.status == PlanStatus::Optimal);
        // A group of c0, c1 capped below its free spend, and a ±40 %
        // guardrail (some lanes new).
        let in_group = |c: &str| c == "c0" || c == "c1";
        let group_free: f64 = free.lanes.iter().filter(|l| in_group(&l.channel)).map(|l| l.spend_cny).sum();
        prop_assume!(group_free > 100.0);
        req.groups.insert("g".into(), groups::ChannelGroup {
            channels: channels_of(&lanes).into_iter().filter(|c| in_group(c)).collect(),
            max_spend_cny: Some(gfrac * group_free),
            ..Default::default()
        });
        // The group's lanes are new (no floor to clash with its cap).
        let last: Vec<f64> = lanes.iter().zip(&lasts).map(|(l, f)| {
            if *f < 0.3 || in_group(&l.channel) {
                0.0
            } else {
                f * l.history_max_spend_cny_per_day.unwrap() * H * 0.5
            }
        }).collect();
        req.guardrail = Some(groups::Guardrail {
            max_change: 0.4,
            scope: groups::ChangeScope::Lane,
            channels: BTreeMap::new(),
            last_spend_cny: last.clone(),
        });
        let plan = solve(&req).unwrap();
        prop_assume!(plan.status == PlanStatus::Optimal);
        let v0 = plan.totals.spend_cny;
        let costs = limit_costs(&plan);
        let mut checked = 0;
        for c in &costs {
            let Some(limit) = &c.limit else { continue };
            let mv = |d: f64| -> Option<PlanRequest> {
                let mut q = req.clone();
                match limit {
                    Limit::Target { .. } => q.target = Some(t + d),
                    Limit::GroupMax { max_cny, .. } => {
                        q.groups.get_mut("g").unwrap().max_spend_cny = Some(max_cny + d);
                    }
                    Limit::Guardrail { lane, up, bound_cny, .. } => {
                        let i = q.lanes.iter().position(|l| l.room == lane.room && l.channel == lane.channel).unwrap();
                        let f = if *up { 1.4 } else { 0.6 };
                        q.guardrail.as_mut().unwrap().last_spend_cny[i] = (bound_cny + d) / f;
                    }
                    _ => return None,
                }
                Some(q)
            };
            let delta = (1e-3 * c.bound.abs()).max(1.0);
            let (Some(up), Some(down)) = (mv(delta), mv(-delta)) else { continue };
            let (pu, pd) = (solve(&up).unwrap(), solve(&down).unwrap());
            prop_assume!(pu.status == PlanStatus::Optimal && pd.status == PlanStatus::Optimal);
            let tol = 1e-6 * v0.max(1.0);
            let d = c.dual_per_unit;
            prop_assert!(pu.totals.spend_cny - v0 >= d * delta - tol,
                "{:?}: up slope {} below dual {}", c.kind, (pu.totals.spend_cny - v0) / delta, d);
            prop_assert!(pd.totals.spend_cny - v0 >= -d * delta - tol,
                "{:?}: down slope {} above dual {}", c.kind, (v0 - pd.totals.spend_cny) / delta, d);
            // The stated step: the exact saving is at most the gain stated.
            let step = mv(c.step).unwrap();
            let ps = solve(&step).unwrap();
            if ps.status == PlanStatus::Optimal {
                let saving = v0 - ps.totals.spend_cny;
                prop_assert!(saving <= c.gain + tol, "{:?}: saving {} above stated {}", c.kind, saving, c.gain);
                prop_assert!(saving >= -tol);
            }
            checked += 1;
        }
        // The target always binds in min-spend mode.
        prop_assert!(checked >= 1);
    }
}

/// With `max_change = 0`, a lane with last-horizon spend spends exactly
/// that (within its planned range); a lane without is free; the guardrail
/// costs the difference to the unguarded plan, ≥ 0.
#[test]
fn zero_change_pins_lanes_and_costs_the_difference() {
    let lanes = vec![
        lane("r", "a", 10_000.0, 5_000.0, 8_000.0),
        lane("r", "b", 8_000.0, 3_000.0, 6_000.0),
        lane("r", "c", 6_000.0, 2_000.0, 4_000.0),
    ];
    let mut req = request(lanes.clone());
    req.target = Some(0.5 * reachable(&lanes));
    let last = vec![20_000.0, 5_000.0, 0.0];
    req.guardrail = Some(groups::Guardrail {
        max_change: 0.0,
        scope: groups::ChangeScope::Lane,
        channels: BTreeMap::new(),
        last_spend_cny: last.clone(),
    });
    let plan = solve(&req).unwrap();
    assert_eq!(plan.status, PlanStatus::Optimal);
    assert!(rel(plan.lanes[0].spend_cny, 20_000.0) < 1e-6);
    assert!(rel(plan.lanes[1].spend_cny, 5_000.0) < 1e-6);
    // The free lane carries the rest of the target.
    let mut free = req.clone();
    free.guardrail = None;
    let unguarded = solve(&free).unwrap();
    let g = guardrail_cost(&req, &plan).unwrap().unwrap();
    assert_eq!((g.bounded, g.new), (2, 1));
    assert!(rel(g.cost, plan.totals.spend_cny - unguarded.totals.spend_cny) < 1e-12);
    assert!(g.cost > 0.0);
    // Channel scope with a per-channel override: only channel a's total
    // is bounded, to ±10 % of 20,000.
    let mut ch = req.clone();
    ch.guardrail = Some(groups::Guardrail {
        max_change: f64::INFINITY,
        scope: groups::ChangeScope::Channel,
        channels: BTreeMap::from([("a".to_string(), 0.1)]),
        last_spend_cny: last,
    });
    let p = solve(&ch).unwrap();
    let a = p.lanes[0].spend_cny;
    assert!(
        (18_000.0 * (1.0 - 1e-6)..=22_000.0 * (1.0 + 1e-6)).contains(&a),
        "a = {a}"
    );
}

/// The minimal spend reaching `t` on `lanes` with no limit (the LP).
fn free_spend(lanes: &[Lane], t: f64) -> f64 {
    let mut q = request(lanes.to_vec());
    q.target = Some(t);
    solve(&q).unwrap().totals.spend_cny
}

fn relaxation(plan: &Plan) -> &Relaxation {
    plan.infeasibility
        .as_ref()
        .and_then(|i| i.relaxation.as_ref())
        .expect("a relaxation")
}

/// Instances whose smallest relaxation is known by construction: the
/// only limits in the way must each move to the free plan's spend (to
/// 1e-4 relative: the interior-point solver's accuracy on the elastic LP).
#[test]
fn smallest_relaxation_known_answers() {
    let one = vec![lane("r", "a", 10_000.0, 5_000.0, 8_000.0)];
    let t = 0.6 * reachable(&one);
    let s = free_spend(&one, t);
    // A channel cap below the free spend: raised to it.
    let mut q = request(one.clone());
    q.target = Some(t);
    q.channels.insert(
        "a".into(),
        ChannelLimits {
            max_spend_cny: Some(0.5 * s),
            ..Default::default()
        },
    );
    let p = solve(&q).unwrap();
    assert_eq!(p.status, PlanStatus::Infeasible);
    let r = relaxation(&p);
    assert!(r.found);
    assert_eq!(r.changes.len(), 1);
    assert_eq!(r.changes[0].kind, ConstraintKind::ChannelMax);
    assert!(rel(r.changes[0].to, s) < 1e-4, "{} vs {s}", r.changes[0].to);
    // A cap and the budget below it: both raised to it.
    q.budget_cny = Some(0.7 * s);
    let p = solve(&q).unwrap();
    let r = relaxation(&p);
    assert_eq!(r.changes.len(), 2);
    for c in &r.changes {
        assert!(rel(c.to, s) < 1e-4, "{:?}: {} vs {s}", c.kind, c.to);
    }
    // The guardrail's ceiling: raised to the free spend.
    let mut q = request(one.clone());
    q.target = Some(t);
    q.guardrail = Some(groups::Guardrail {
        max_change: 0.3,
        scope: groups::ChangeScope::Lane,
        channels: BTreeMap::new(),
        last_spend_cny: vec![0.4 * s],
    });
    let p = solve(&q).unwrap();
    let r = relaxation(&p);
    assert_eq!(r.changes.len(), 1);
    assert_eq!(r.changes[0].kind, ConstraintKind::Guardrail);
    assert!(rel(r.changes[0].to, s) < 1e-4);
    // A group over every lane of two rooms: its cap to the free spend
    // (the cheapest way to reach the target spends exactly that).
    let two = vec![
        lane("r0", "a", 10_000.0, 5_000.0, 8_000.0),
        lane("r1", "b", 7_000.0, 2_000.0, 3_000.0),
    ];
    let t2 = 0.6 * reachable(&two);
    let s2 = free_spend(&two, t2);
    let mut q = request(two.clone());
    q.target = Some(t2);
    q.groups.insert(
        "all".into(),
        groups::ChannelGroup {
            channels: vec!["a".into(), "b".into()],
            max_spend_cny: Some(0.5 * s2),
            ..Default::default()
        },
    );
    let p = solve(&q).unwrap();
    let r = relaxation(&p);
    assert_eq!(r.changes.len(), 1);
    assert_eq!(r.changes[0].kind, ConstraintKind::GroupMax);
    assert!(
        rel(r.changes[0].to, s2) < 1e-4,
        "{} vs {s2}",
        r.changes[0].to
    );
    // Beyond every lane's planned range: no relaxation suffices.
    let mut q = request(one.clone());
    q.target = Some(2.0 * reachable(&one) * 1.5);
    q.channels.insert(
        "a".into(),
        ChannelLimits {
            max_spend_cny: Some(1_000.0),
            ..Default::default()
        },
    );
    let p = solve(&q).unwrap();
    assert!(!relaxation(&p).found);
}

/// Bad groups are rejected naming the group.
#[test]
fn bad_groups_are_named() {
    let one = vec![lane("r", "a", 10_000.0, 5_000.0, 8_000.0)];
    let mut q = request(one);
    q.budget_cny = Some(1_000.0);
    q.groups.insert(
        "g".into(),
        groups::ChannelGroup {
            channels: vec!["nope".into()],
            ..Default::default()
        },
    );
    let e = solve(&q).unwrap_err().to_string();
    assert!(e.contains("group g") && e.contains("nope"), "{e}");
    q.groups.clear();
    q.room_groups.insert(
        "b".into(),
        groups::RoomGroup {
            rooms: vec!["r".into()],
            min_spend_cny: Some(5.0),
            max_spend_cny: Some(1.0),
        },
    );
    let e = solve(&q).unwrap_err().to_string();
    assert!(
        e.contains("group b") && e.contains("above the maximum"),
        "{e}"
    );
}
