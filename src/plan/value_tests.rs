//! Profit and ROI goals against exact oracles computed another way: the
//! per-lane profit optimum on the planner's own chords, and the ROI floor
//! by bisection on its Lagrange multiplier.

use proptest::prelude::*;

use super::*;
use crate::curves::{Curve, Model};
use crate::plan::{ChannelLimits, Metric, PlanRequest, SolverChoice, lane_segments, solve};

const H: f64 = 7.0;

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One random lane: family, scale, half-saturation spend, Hill shape, GMV
/// per viewer, margin, history max, channel cap as a fraction of the range.
#[derive(Clone, Debug)]
struct Spec {
    hill: bool,
    vmax: f64,
    k: f64,
    a: f64,
    gpv: f64,
    margin: f64,
    hist: f64,
    cap: Option<f64>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        any::<bool>(),
        200.0..20_000.0f64,
        100.0..5_000.0f64,
        0.4..1.0f64,
        0.5..40.0f64,
        0.05..0.9f64,
        300.0..8_000.0f64,
        prop::option::weighted(0.3, 0.05..0.9f64),
    )
        .prop_map(|(hill, vmax, k, a, gpv, margin, hist, cap)| Spec {
            hill,
            vmax,
            k,
            a,
            gpv,
            margin,
            hist,
            cap,
        })
}

/// One room, a channel per lane (no coupling but the budget), each lane its
/// own margin (`[channels.X] margin`).
fn request(specs: &[Spec]) -> PlanRequest {
    let mut req = PlanRequest {
        horizon_days: H,
        metric: Metric::GmvCny,
        ..PlanRequest::default()
    };
    for (i, s) in specs.iter().enumerate() {
        let model = if s.hill {
            Model::Hill {
                vmax: s.vmax,
                k_cny: s.k,
                a: s.a,
            }
        } else {
            Model::Exp {
                vmax: s.vmax,
                k_cny: s.k,
            }
        };
        let ch = format!("c{i}");
        let mut l = Lane::new(
            "r",
            ch.clone(),
            Curve {
                model,
                cap_viewers_per_day: None,
            },
        );
        l.gmv_cny_per_viewer = Some(s.gpv);
        l.history_max_spend_cny_per_day = Some(s.hist);
        req.lanes.push(l);
        req.value.channel_margins.insert(ch.clone(), s.margin);
        if let Some(f) = s.cap {
            req.channels.insert(
                ch,
                ChannelLimits {
                    max_spend_cny: Some(f * 1.5 * s.hist * H),
                    ..ChannelLimits::default()
                },
            );
        }
    }
    req
}

/// The exact profit optimum lane by lane on the chords the planner uses:
/// a lane's chords are bought in order while `margin × GMV per viewer ×
/// slope > 1` (the chords are concave, so the first unprofitable chord
/// ends the lane), up to its channel's cap. Returns (profit, spend), CNY.
fn chord_oracle(req: &PlanRequest) -> (f64, f64) {
    let segs = chords(req);
    let (mut profit, mut spend) = (0.0, 0.0);
    for (l, segs) in req.lanes.iter().zip(&segs) {
        let value = req.value.margin_of(l).unwrap() * l.gmv_cny_per_viewer.unwrap();
        let cap = req
            .channels
            .get(&l.channel)
            .and_then(|c| c.max_spend_cny)
            .map_or(f64::INFINITY, |c| c / H);
        let mut s_day = 0.0;
        for s in segs {
            if value * s.viewers_per_cny <= 1.0 || s_day >= cap {
                break;
            }
            s_day = s.end_cny_per_day.min(cap);
        }
        profit += H * (value * crate::plan::segments::pwl_value(segs, s_day) - s_day);
        spend += H * s_day;
    }
    (profit, spend)
}

/// The chords the planner cuts each lane into (no ROI cut).
fn chords(req: &PlanRequest) -> Vec<Vec<Segment>> {
    let mut r = req.clone();
    r.budget_cny = Some(1e15);
    r.value.min_marginal_roi = None;
    lane_segments(&r).unwrap()
}

/// Profit of a plan on the chords (what the solver optimised).
fn chord_profit(req: &PlanRequest, plan: &crate::plan::Plan) -> f64 {
    req.lanes
        .iter()
        .zip(&plan.lanes)
        .map(|(l, lp)| {
            req.value.margin_of(l).unwrap() * l.gmv_cny_per_viewer.unwrap() * lp.viewers_lp
                - lp.spend_cny
        })
        .sum()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(1000),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// `--maximize profit` on independent lanes agrees with the per-lane
    /// chord oracle within 0.1 % of profit, on the greedy path and on the
    /// LP (clarabel). The bound is `1e-3 × |profit| + 1e-7 × spend`: a plan
    /// whose lanes are all barely profitable has a profit near 0, where a
    /// relative bound is ill-posed; the second term is the interior-point
    /// LP's own precision on the spend scale (its relative gap is ~1e-8),
    /// far below any CNY that matters. No bought lane is marked below its
    /// break-even (the marginal ROI is read from the chords actually filled).
    #[test]
    fn profit_matches_per_lane_chord_oracle(specs in prop::collection::vec(spec(), 1..=6)) {
        let mut req = request(&specs);
        req.value.maximize_profit = true;
        let (want, spend) = chord_oracle(&req);
        for solver in [SolverChoice::Auto, SolverChoice::Lp] {
            req.solver = solver;
            let plan = solve(&req).unwrap();
            let got = chord_profit(&req, &plan);
            let tol = 1e-3 * want.abs() + 1e-7 * spend + 1e-6;
            prop_assert!((got - want).abs() <= tol, "{solver:?}: profit {got} vs oracle {want} (tol {tol})");
            let v = plan.value.as_ref().unwrap();
            prop_assert!(v.maximize_profit);
            for lv in &v.lanes {
                prop_assert!(!lv.below_break_even, "{solver:?}: {lv:?} marked below break-even");
            }
        }
    }

    /// `--min-roi R` with or without a budget: the most GMV whose blended
    /// ROI is at least R, against a bisection on the ROI row's Lagrange
    /// multiplier (see [`roi_oracle`]). Agreement within 1e-5 of the GMV
    /// (the LP's precision), and the plan's ROI on the chords ≥ R. (It
    /// failed on 1 draw in ~30 until the ROI row was divided by R: clarabel
    /// then answered "dual infeasible" and good_lp passed its NaN point on
    /// as a plan; see [`min_roi_on_steep_first_chords`].)
    #[test]
    fn min_roi_matches_lagrange_bisection(
        specs in prop::collection::vec(spec(), 1..=6),
        roi_frac in 0.2..0.95f64,
        budget_frac in prop::option::of(0.05..1.2f64),
    ) {
        let mut req = request(&specs);
        let segs = chords(&req);
        // R between the lanes' lowest and highest chord ROI (see
        // [`floor_between_chords`]).
        let r = floor_between_chords(&req, &segs, roi_frac);
        prop_assume!(r.is_some());
        let r = r.unwrap();
        let full: f64 = segs.iter().map(|s| s.last().map_or(0.0, |c| c.end_cny_per_day) * H).sum();
        req.budget_cny = budget_frac.map(|f| f * full);
        req.value.min_roi = Some(r);
        let want = roi_oracle(&req, &segs, r);
        let plan = solve(&req).unwrap();
        let got = plan.totals.metric_value_lp;
        // 1e-5 of the GMV: the interior-point LP meets the ROI row to ~1e-7
        // of its scale, and a row met that loosely buys a little more of the
        // marginal chords than the exact optimum (+1.47e-6 seen at CI's
        // pinned seed, the LP above the oracle).
        prop_assert!((got - want).abs() <= 1e-5 * want.abs() + 1e-3, "GMV {got} vs oracle {want}");
        let spend = plan.totals.spend_cny;
        // 1e-6 relative, as the GMV agreement above: the interior-point
        // LP meets its rows to ~1e-7 of their scale (1.04e-7 seen).
        prop_assert!(got >= r * spend * (1.0 - 1e-6) - 1e-6, "ROI {} below {r}", got / spend);
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(250),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// The ROI fill (the floor's multiplier by bisection, `roi_fill`)
    /// against the LP on the same chords, in the three modes the floor
    /// comes with: a budget, a target (viewers, so the metric is not the
    /// GMV the floor counts), and the floor alone; with a mandatory
    /// channel minimum on some lanes. Where the LP plans, the fill plans
    /// too, meets the floor, equals the dual bound to 1e-7 and is no worse
    /// than the LP (see the bounds below).
    #[test]
    fn roi_fill_equals_lp(
        specs in prop::collection::vec(spec(), 1..=8),
        roi_frac in 0.2..0.95f64,
        mode in 0..3u8,
        frac in 0.05..1.0f64,
        min_frac in prop::option::weighted(0.3, 0.01..0.3f64),
    ) {
        let mut req = request(&specs);
        let segs = chords(&req);
        let r = floor_between_chords(&req, &segs, roi_frac);
        prop_assume!(r.is_some());
        let r = r.unwrap();
        req.value.min_roi = Some(r);
        if let Some(m) = min_frac {
            let l = &req.lanes[0];
            let ch = req.channels.entry(l.channel.clone()).or_default();
            ch.min_spend_cny = Some(m * l.history_max_spend_cny_per_day.unwrap() * H);
        }
        let full: f64 = segs.iter().map(|s| s.last().map_or(0.0, |c| c.end_cny_per_day) * H).sum();
        match mode {
            0 => req.budget_cny = Some(frac * full),
            1 => {
                // A viewer target, and a floor above the ROI of its plan
                // without one (so that the floor binds, or is out of reach).
                req.metric = Metric::Viewers;
                req.value.min_roi = None;
                let reach: f64 = segs.iter().map(|s| H * s.iter().map(|c| c.width_cny_per_day() * c.viewers_per_cny).sum::<f64>()).sum();
                req.target = Some(frac * 0.5 * reach);
                let free = solve(&req);
                prop_assume!(free.as_ref().is_ok_and(|p| p.status == crate::plan::PlanStatus::Optimal));
                let free = free.unwrap();
                let g: f64 = free.lanes.iter().zip(&req.lanes).map(|(pl, l)| pl.viewers_lp * l.gmv_cny_per_viewer.unwrap()).sum();
                req.value.min_roi = Some(g / free.totals.spend_cny * (1.0 + 0.1 * roi_frac));
            }
            _ => {}
        }
        req.solver = SolverChoice::Lp;
        let lp = solve(&req);
        req.solver = SolverChoice::Auto;
        let fill = solve(&req);
        let (Ok(lp), Ok(fill)) = (lp, fill) else {
            // The LP's refusal (limits contradicting the budget) is the
            // fill's too: both go through the same LP.
            return Ok(());
        };
        if lp.status != crate::plan::PlanStatus::Optimal {
            prop_assert_eq!(fill.status, lp.status);
            return Ok(());
        }
        prop_assert!(
            matches!(fill.solver, crate::plan::SolverPath::RoiMultiplier { .. }),
            "the LP planned but the fill did not: {:?}", fill.solver
        );
        let gmv = |p: &crate::plan::Plan| -> f64 {
            p.lanes.iter().zip(&req.lanes).map(|(pl, l)| pl.viewers_lp * l.gmv_cny_per_viewer.unwrap()).sum()
        };
        let r = req.value.min_roi.unwrap();
        let g = gmv(&fill);
        let s = fill.totals.spend_cny;
        prop_assert!(g >= r * s * (1.0 - 1e-9) - 1e-6, "fill ROI {} below {r}", g / s);
        // The fill is no worse than the LP beyond the LP's own slack on its
        // rows (it meets them to ~1e-7 of their scale); the LP may be worse
        // than the fill by more: on lanes of near-equal chords the interior
        // point spreads the spend over them instead of filling them in
        // order (up to 1.2e-4 of the spend seen; the fill's plan is the
        // dual bound's, so the LP is the one off).
        // The exact optimum, by weak duality: the fill's objective equals
        // the best Lagrangian bound (found by nested golden sections on
        // the two multipliers) to 1e-7.
        // (The chords of the request as solved: a channel minimum adds a
        // breakpoint.)
        let dual = dual_bound(&req, &chords(&req), r);
        let primal = if mode == 1 { fill.totals.spend_cny } else { fill.totals.metric_value_lp };
        prop_assert!(
            (primal - dual).abs() <= 1e-7 * primal.abs() + 1e-6,
            "mode {mode}: the fill's objective {primal} vs the dual bound {dual}"
        );
        if mode == 1 {
            let (a, b) = (fill.totals.spend_cny, lp.totals.spend_cny);
            prop_assert!(a <= b * (1.0 + 1e-6) + 1e-6, "fill spends {a}, LP {b}");
            prop_assert!(b <= a * (1.0 + 1e-3) + 1e-3, "LP spends {b}, fill {a}");
            prop_assert!(fill.totals.metric_value_lp >= req.target.unwrap() * (1.0 - 1e-9));
        } else {
            let (a, b) = (fill.totals.metric_value_lp, lp.totals.metric_value_lp);
            prop_assert!(a >= b * (1.0 - 1e-6) - 1e-6, "fill reaches {a}, LP {b}");
            prop_assert!(b >= a * (1.0 - 1e-3) - 1e-3, "LP reaches {b}, fill {a}");
            if let Some(bud) = req.budget_cny {
                prop_assert!(s <= bud * (1.0 + 1e-12));
            }
        }
    }
}

/// A floor `frac` of the way between the lanes' lowest and highest chord
/// ROI, leaving out the first chord of each lane: a curve rising infinitely
/// steeply at 0 (Hill a < 1) has a first chord `[0, 0.01 CNY/day]` with an
/// ROI ~1e5, no ROI a team sets (and the LP row is then scaled badly).
/// `None` without such chords.
fn floor_between_chords(req: &PlanRequest, segs: &[Vec<Segment>], frac: f64) -> Option<f64> {
    let rois: Vec<f64> = req
        .lanes
        .iter()
        .zip(segs)
        .flat_map(|(l, s)| {
            s.iter()
                .skip(1)
                .map(move |c| l.gmv_cny_per_viewer.unwrap() * c.viewers_per_cny)
        })
        .collect();
    if rois.is_empty() {
        return None;
    }
    let (lo, hi) = rois
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(a, b), &r| (a.min(r), b.max(r)));
    Some(lo + frac * (hi - lo))
}

/// The best Lagrangian bound of a floor plan of `req` (its chords `segs`,
/// floor `r`): min mode (a target) `max over λ, μ ≥ 0 of λT + Σ_j min over
/// x_j of (1 − λ·a_j − μ·b_j)·x_j`, max mode `min over λ, μ ≥ 0 of λB +
/// Σ_j max over x_j of (a_j + μ·b_j − λ)·x_j` (λ = 0 without a budget),
/// each `x_j` in its box (a single-lane channel's minimum fills the first
/// chords, and what it asks beyond them is spent without viewers). The dual function is concave (convex) in each multiplier, so
/// nested golden sections find the bound; by LP duality it is the
/// optimum, computed without the fill's selection or bisection.
fn dual_bound(req: &PlanRequest, segs: &[Vec<Segment>], r: f64) -> f64 {
    // (a, b, forced, width) per chord, CNY over the horizon.
    let mut chords: Vec<(f64, f64, f64, f64)> = Vec::new();
    for (l, s) in req.lanes.iter().zip(segs) {
        let w = req.weight(l);
        let gpv = l.gmv_cny_per_viewer.unwrap();
        let mut need = req
            .channels
            .get(&l.channel)
            .and_then(|c| c.min_spend_cny)
            .unwrap_or(0.0);
        for c in s {
            let width = c.width_cny_per_day() * H;
            let forced = need.min(width);
            need -= forced;
            chords.push((
                w * c.viewers_per_cny,
                gpv * c.viewers_per_cny - r,
                forced,
                width,
            ));
        }
        // A minimum beyond the lane's chords is spent without viewers.
        if need > 0.0 {
            chords.push((0.0, -r, need, need));
        }
    }
    let golden = |lo: f64, hi: f64, maximise: bool, f: &dyn Fn(f64) -> f64| -> f64 {
        let gr = (5f64.sqrt() - 1.0) / 2.0;
        let (mut a, mut b) = (lo, hi);
        let sign = if maximise { 1.0 } else { -1.0 };
        let mut x1 = b - gr * (b - a);
        let mut x2 = a + gr * (b - a);
        let (mut f1, mut f2) = (sign * f(x1), sign * f(x2));
        for _ in 0..160 {
            if f1 >= f2 {
                b = x2;
                x2 = x1;
                f2 = f1;
                x1 = b - gr * (b - a);
                f1 = sign * f(x1);
            } else {
                a = x1;
                x1 = x2;
                f1 = f2;
                x2 = a + gr * (b - a);
                f2 = sign * f(x2);
            }
        }
        let best = f1.max(f2).max(sign * f(lo));
        sign * best
    };
    let amin = chords
        .iter()
        .map(|c| c.0)
        .filter(|a| *a > 0.0)
        .fold(f64::INFINITY, f64::min);
    let amax = chords.iter().map(|c| c.0).fold(0.0, f64::max);
    let bmin = chords
        .iter()
        .map(|c| c.1.abs())
        .filter(|b| *b > 0.0)
        .fold(f64::INFINITY, f64::min);
    if let Some(t) = req.target {
        let d = |lam: f64, mu: f64| -> f64 {
            lam * t
                + chords
                    .iter()
                    .map(|&(a, b, lo, w)| {
                        let k = 1.0 - lam * a - mu * b;
                        k * if k < 0.0 { w } else { lo }
                    })
                    .sum::<f64>()
        };
        // At the optimum the marginal chord has λ·a = 1 − μ·b: λ up to
        // (1 + μ·|b|) / a. Wide ranges cost nothing (160 golden steps
        // shrink a range by 1e-33).
        let bmax = chords.iter().map(|c| c.1.abs()).fold(0.0, f64::max);
        let mu_hi = 1e4 / bmin;
        let lam_hi = 1e4 * (1.0 + mu_hi * bmax) / amin;
        golden(0.0, lam_hi, true, &|lam| {
            golden(0.0, mu_hi, true, &|mu| d(lam, mu))
        })
    } else {
        let d = |lam: f64, mu: f64| -> f64 {
            lam * req.budget_cny.unwrap_or(0.0)
                + chords
                    .iter()
                    .map(|&(a, b, lo, w)| {
                        let k = a + mu * b - lam;
                        k * if k > 0.0 { w } else { lo }
                    })
                    .sum::<f64>()
        };
        let mu_hi = 1e4 * amax / bmin;
        let bmax = chords.iter().map(|c| c.1.abs()).fold(0.0, f64::max);
        match req.budget_cny {
            Some(_) => golden(0.0, 1e4 * (amax + mu_hi * bmax), false, &|lam| {
                golden(0.0, mu_hi, false, &|mu| d(lam, mu))
            }),
            None => golden(0.0, mu_hi, false, &|mu| d(0.0, mu)),
        }
    }
}

/// The GMV-maximising plan with `Σ gpv·g·x ≥ R·Σx` (and `Σx ≤ B`) by
/// bisection on the ROI row's multiplier λ: the Lagrangian's per-CNY value
/// of a chord is `(1 + λ)·gpv·g − λ·R − ν` (ν the budget's multiplier,
/// found by an inner bisection), so for given λ each lane independently
/// buys its chords with a positive value. ROI falls as λ falls; the outer
/// bisection brackets the smallest λ whose plan meets the floor, and the
/// answer is the best feasible point on the segment between the two
/// bracketing plans (where the marginal chords are partly bought).
fn roi_oracle(req: &PlanRequest, segs: &[Vec<Segment>], r: f64) -> f64 {
    let budget = req.budget_cny.unwrap_or(f64::INFINITY);
    // Chords as (GMV per CNY, width CNY).
    let chords: Vec<(f64, f64)> = req
        .lanes
        .iter()
        .zip(segs)
        .flat_map(|(l, s)| {
            let g = l.gmv_cny_per_viewer.unwrap();
            s.iter()
                .map(move |c| (g * c.viewers_per_cny, c.width_cny_per_day() * H))
        })
        .collect();
    let buy = |lam: f64, nu: f64| -> Vec<f64> {
        chords
            .iter()
            .map(|&(a, w)| {
                if (1.0 + lam) * a - lam * r - nu > 0.0 {
                    w
                } else {
                    0.0
                }
            })
            .collect()
    };
    let total = |x: &[f64]| -> (f64, f64) {
        x.iter()
            .zip(&chords)
            .fold((0.0, 0.0), |(g, s), (&x, &(a, _))| (g + a * x, s + x))
    };
    // For λ, the plan within the budget: ν by bisection when needed.
    let within = |lam: f64| -> Vec<f64> {
        let x = buy(lam, 0.0);
        if total(&x).1 <= budget {
            return x;
        }
        let (mut lo, mut hi) = (
            0.0,
            chords.iter().map(|c| c.0).fold(0.0, f64::max) * (1.0 + lam),
        );
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if total(&buy(lam, mid)).1 > budget {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let (a, b) = (buy(lam, hi), buy(lam, lo));
        blend(&a, &b, |x| total(x).1 <= budget * (1.0 + 1e-15))
    };
    let ok = |x: &[f64]| {
        let (g, s) = total(x);
        g >= r * s
    };
    let x0 = within(0.0);
    if ok(&x0) {
        return total(&x0).0;
    }
    let (mut lo, mut hi) = (0.0, 1.0);
    while !ok(&within(hi)) {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if ok(&within(mid)) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let (feasible, beyond) = (within(hi), within(lo));
    let x = blend(&feasible, &beyond, |x| {
        ok(x) && total(x).1 <= budget * (1.0 + 1e-12)
    });
    total(&x).0
}

/// The point of `[a, b]` furthest towards `b` that still satisfies `keep`
/// (which holds at `a`), by bisection on the blend weight.
fn blend(a: &[f64], b: &[f64], keep: impl Fn(&[f64]) -> bool) -> Vec<f64> {
    let at = |t: f64| -> Vec<f64> { a.iter().zip(b).map(|(x, y)| x + t * (y - x)).collect() };
    let (mut lo, mut hi) = (0.0, 1.0);
    if keep(&at(1.0)) {
        return at(1.0);
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if keep(&at(mid)) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    at(lo)
}

fn two_lanes() -> PlanRequest {
    request(&[
        Spec {
            hill: false,
            vmax: 5_000.0,
            k: 1_000.0,
            a: 1.0,
            gpv: 20.0,
            margin: 0.3,
            hist: 3_000.0,
            cap: None,
        },
        Spec {
            hill: true,
            vmax: 8_000.0,
            k: 2_000.0,
            a: 0.7,
            gpv: 5.0,
            margin: 0.3,
            hist: 4_000.0,
            cap: None,
        },
    ])
}

/// `--min-marginal-roi R` alone: every lane is bought exactly to the end of
/// its last chord returning at least R CNY of GMV per CNY.
#[test]
fn marginal_roi_floor_cuts_each_lane_at_its_last_chord_above_r() {
    let mut req = two_lanes();
    let r = 4.0;
    let full = chords(&req);
    req.value.min_marginal_roi = Some(r);
    let plan = solve(&req).unwrap();
    for ((l, segs), lp) in req.lanes.iter().zip(&full).zip(&plan.lanes) {
        let g = l.gmv_cny_per_viewer.unwrap();
        let end = segs
            .iter()
            .take_while(|s| g * s.viewers_per_cny >= r)
            .last()
            .map_or(0.0, |s| s.end_cny_per_day);
        assert!(
            (lp.spend_cny_per_day - end).abs() <= 1e-9 * end.max(1.0),
            "{}: {} vs {end}",
            l.channel,
            lp.spend_cny_per_day
        );
    }
    let v = plan.value.unwrap();
    for lv in &v.lanes {
        if let Some(m) = lv.marginal_roi {
            assert!(m >= r, "{lv:?}");
        }
    }
}

/// A channel minimum past the profitable range: that lane is marked below
/// break-even (1 / margin), the other is not, and the break-even is stated.
#[test]
fn forced_spend_is_marked_below_break_even() {
    let mut req = two_lanes();
    req.value.maximize_profit = true;
    req.value.margin = Some(0.3);
    let free = solve(&req).unwrap();
    let s1 = free.lanes[1].spend_cny;
    req.channels.insert(
        "c1".into(),
        ChannelLimits {
            min_spend_cny: Some(s1 * 2.0 + 1_000.0),
            ..ChannelLimits::default()
        },
    );
    let plan = solve(&req).unwrap();
    let v = plan.value.unwrap();
    assert_eq!(v.break_even_roi, Some(1.0 / 0.3));
    assert!(!v.lanes[0].below_break_even);
    assert!(v.lanes[1].below_break_even, "{:?}", v.lanes[1]);
    assert!(v.lanes[1].marginal_roi.unwrap() < 1.0 / 0.3);
    // Forcing spend costs profit.
    assert!(v.profit_cny.unwrap() < free.value.unwrap().profit_cny.unwrap());
}

/// GMV band from the GMV-per-viewer standard error: P10/P90 are ∓1.2816 σ
/// with σ² = Σ (viewers × se)² over lanes.
#[test]
fn gmv_band_from_standard_errors() {
    let mut req = two_lanes();
    req.value.maximize_profit = true;
    req.lanes[0].gmv_se_cny_per_viewer = Some(2.0);
    req.lanes[1].gmv_se_cny_per_viewer = Some(0.5);
    let plan = solve(&req).unwrap();
    let v = plan.value.unwrap();
    let sd = ((plan.lanes[0].viewers * 2.0).powi(2) + (plan.lanes[1].viewers * 0.5).powi(2)).sqrt();
    assert!((v.gmv_p90_cny - v.gmv_cny - 1.281_551_565_545 * sd).abs() < 1e-6 * v.gmv_cny);
    let gmv = plan.lanes[0].viewers * 20.0 + plan.lanes[1].viewers * 5.0;
    assert!((v.gmv_cny - gmv).abs() < 1e-9 * gmv);
    assert!((v.roi.unwrap() - gmv / plan.totals.spend_cny).abs() < 1e-12 * gmv);
}

/// The ratio estimator's standard error against a direct computation.
#[test]
fn ratio_standard_error_known_answer() {
    let g = [10.0, 14.0, 9.0, 20.0];
    let v = [5.0, 6.0, 5.0, 9.0];
    let (sg, sv): (f64, f64) = (g.iter().sum(), v.iter().sum());
    let r = sg / sv;
    let ss: f64 = g.iter().zip(&v).map(|(g, v)| (g - r * v).powi(2)).sum();
    let want = (4.0 / 3.0 * ss).sqrt() / sv;
    let got = ratio_standard_error(
        4.0,
        sg,
        sv,
        g.iter().map(|x| x * x).sum(),
        g.iter().zip(&v).map(|(a, b)| a * b).sum(),
        v.iter().map(|x| x * x).sum(),
    )
    .unwrap();
    assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    assert_eq!(ratio_standard_error(1.0, 1.0, 1.0, 1.0, 1.0, 1.0), None);
}

/// Bad numbers are refused with what to write instead.
#[test]
fn bad_margin_and_roi_are_refused() {
    let mut req = two_lanes();
    req.value.maximize_profit = true;
    req.value.margin = Some(1.5);
    let e = solve(&req).unwrap_err().to_string();
    assert!(e.contains("margin of the plan is 1.5"), "{e}");
    let mut req = two_lanes();
    req.value.min_roi = Some(-1.0);
    let e = solve(&req).unwrap_err().to_string();
    assert!(e.contains("min-roi is -1"), "{e}");
    let mut req = two_lanes();
    req.value.channel_margins.clear();
    req.value.maximize_profit = true;
    let e = solve(&req).unwrap_err().to_string();
    assert!(e.contains("needs a margin"), "{e}");
}

/// The draw that showed the badly scaled ROI row (proptest's shrunk case):
/// three Hill a < 1 lanes whose first chord returns 2,000–26,000 CNY of
/// GMV per CNY, two near-linear lanes returning 0.04–0.05, R = 2,289. The
/// unscaled row `gpv·g − R` made clarabel stop after two steps with "dual
/// infeasible" and a NaN objective, which good_lp returned as a solution:
/// a plan of 0.96 CNY of GMV where the oracle finds 23,920.
#[test]
fn min_roi_on_steep_first_chords() {
    let sp = |hill, vmax, k, a, gpv, hist, cap| Spec {
        hill,
        vmax,
        k,
        a,
        gpv,
        margin: 0.05,
        hist,
        cap,
    };
    let specs = vec![
        sp(
            true,
            200.0,
            4884.8892368949255,
            0.4,
            31.870932800824587,
            6602.455009715038,
            None,
        ),
        sp(
            false,
            200.0,
            1930.9104996490146,
            0.4,
            0.5,
            3514.727143496569,
            Some(0.6745291471782576),
        ),
        sp(
            true,
            17662.87370664796,
            2320.4527313955114,
            0.7376399932038536,
            26.885388158035397,
            300.0,
            None,
        ),
        sp(
            false,
            200.0,
            2313.5460753928855,
            0.4,
            0.5,
            7894.382686744541,
            None,
        ),
        sp(
            true,
            15469.302337828458,
            4855.914773738421,
            0.5632121644807603,
            19.200589814983644,
            300.0,
            None,
        ),
    ];
    let mut req = request(&specs);
    let segs = chords(&req);
    let rois: Vec<f64> = req
        .lanes
        .iter()
        .zip(&segs)
        .flat_map(|(l, s)| {
            s.iter()
                .skip(1)
                .map(move |c| l.gmv_cny_per_viewer.unwrap() * c.viewers_per_cny)
        })
        .collect();
    let (lo, hi) = rois
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(a, b), &r| (a.min(r), b.max(r)));
    let r = lo + 0.2229592219423655 * (hi - lo);
    let full: f64 = segs
        .iter()
        .map(|s| s.last().map_or(0.0, |c| c.end_cny_per_day) * H)
        .sum();
    req.budget_cny = Some(0.7393701576573074 * full);
    req.value.min_roi = Some(r);
    let want = roi_oracle(&req, &segs, r);
    assert!(want > 20_000.0, "oracle {want}");
    let plan = solve(&req).unwrap();
    let got = plan.totals.metric_value_lp;
    assert!(
        (got - want).abs() <= 1e-6 * want + 1e-3,
        "GMV {got} vs oracle {want}"
    );
    assert!(got >= r * plan.totals.spend_cny * (1.0 - 1e-7) - 1e-6);
}
