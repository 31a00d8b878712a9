//! Large LPs on a window of segments per lane around a first guess, the
//! rest of each lane merged into one chord below and one above; the window
//! LP's duals certify optimality for the full segment LP, else the windows
//! widen (and at last the full LP is solved).

use rayon::prelude::*;

use super::input::PlanError;
use super::lp::{SpendLp, coarse_blocks, full_blocks};
use super::output::SolverPath;
use super::problem::{Goal, Outcome, Prepared, Sol};

/// Relative slack on reduced costs when certifying a windowed LP.
const CERT_TOL: f64 = 1e-6;

/// Exact per-room thresholds when each room is its own fractional knapsack
/// (rooms' targets only, min spend); ignores channel rows and the budget,
/// so it is only a starting guess for the windows.
fn room_greedy_thresholds(p: &Prepared, goal: &Goal) -> Option<Vec<f64>> {
    if !goal.min_spend || goal.total_target.is_some() {
        return None;
    }
    let mut by_room: Vec<Vec<(f64, f64)>> = vec![Vec::new(); p.rooms.len()];
    for l in &p.lanes {
        for s in l.segs.iter() {
            let m = s.viewers_per_cny * l.weight;
            if m > 0.0 {
                by_room[l.room].push((m, s.width_cny_per_day() * p.h * m));
            }
        }
    }
    let room_slope: Vec<f64> = by_room
        .into_par_iter()
        .enumerate()
        .map(|(r, mut items)| {
            let Some(t) = goal.room_targets[r] else {
                return f64::INFINITY;
            };
            items.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
            let mut need = t;
            for (m, v) in items {
                need -= v;
                if need <= 0.0 {
                    return m;
                }
            }
            0.0
        })
        .collect();
    Some(
        p.lanes
            .iter()
            .map(|l| {
                if l.weight > 0.0 {
                    room_slope[l.room] / l.weight
                } else {
                    f64::INFINITY
                }
            })
            .collect(),
    )
}

/// Window `[i0, i1]` of fine segments → blocks (merged below, singles,
/// merged above). The first `forced` segments (under a floor, bought
/// whole) are never merged with others below the window: a block mixing
/// them would be partly forced, and its average slope would hide the
/// chords above the floor.
fn window_blocks(n: usize, i0: usize, i1: usize, forced: usize) -> Vec<(usize, usize)> {
    let mut b = Vec::with_capacity(i1 - i0 + 4);
    if n == 0 {
        return b;
    }
    let f = forced.min(i0);
    if f > 0 {
        b.push((0, f - 1));
    }
    if i0 > f {
        b.push((f, i0 - 1));
    }
    b.extend((i0..=i1).map(|j| (j, j)));
    if i1 + 1 < n {
        b.push((i1 + 1, n - 1));
    }
    b
}

/// First segment not worth filling at threshold `g` past the lane's `f`
/// forced segments (which are bought whatever their slope), or the count.
fn crossing(lane: &super::problem::PLane, g: f64, f: usize) -> usize {
    lane.segs[f..]
        .iter()
        .position(|s| s.viewers_per_cny < g)
        .map_or(lane.segs.len(), |k| k + f)
}

/// The windowed LP of a request with more than `lp_full_max_vars` segment
/// variables (the full LP when no window certifies within five rounds).
pub(crate) fn windowed(p: &Prepared, goal: &Goal) -> Result<Outcome, PlanError> {
    let full = |p: &Prepared| SpendLp::new(p, &full_blocks(p)).solve(p, goal, SolverPath::Lp);
    // A first guess of each lane's threshold slope: per-room greedy when
    // the rooms' targets are the only targets, else a coarse LP.
    let (guess_threshold, guess_spend, mut solves) = match room_greedy_thresholds(p, goal) {
        Some(t) => {
            let z = vec![0.0; t.len()];
            (t, z, 0)
        }
        None => match SpendLp::new(p, &coarse_blocks(p, 6)).solve(p, goal, SolverPath::Lp)? {
            Outcome::Solved(s) => (s.threshold, s.spend, 1),
            // The coarse LP is an inner approximation: infeasible there does
            // not prove infeasible; fall back to the full LP.
            Outcome::Infeasible => return full(p),
        },
    };
    let h = p.h;
    let forced: Vec<usize> = p.lanes.iter().map(|l| l.forced_segments(h)).collect();
    // The coarse chords undershoot the curve, so the coarse price per viewer
    // is high and its threshold slope low: look further below than above.
    let from_lp = solves > 0;
    let (half_low, half_high) = if from_lp { (5, 2) } else { (2, 2) };
    // Margin around the crossing point when widening a failed window.
    const GROW: usize = 1;
    let mut win: Vec<(usize, usize)> = p
        .lanes
        .iter()
        .enumerate()
        .map(|(l, lane)| {
            let n = lane.segs.len();
            if n == 0 {
                return (0, 0);
            }
            // Fine segment where the chord slope crosses the coarse threshold,
            // or where the coarse spend lies if the threshold says nothing.
            let g = guess_threshold[l];
            let k = if g.is_finite() {
                crossing(lane, g, forced[l]).min(n - 1)
            } else {
                let s = guess_spend[l] / h;
                lane.segs
                    .iter()
                    .position(|g| g.end_cny_per_day >= s)
                    .unwrap_or(n - 1)
            };
            (k.saturating_sub(half_low), (k + half_high).min(n - 1))
        })
        .collect();
    let mut last: Option<Sol> = None;
    let mut fails = vec![0u32; p.lanes.len()];
    let mut certified = false;
    for _round in 0..5 {
        let blocks: Vec<Vec<(usize, usize)>> = p
            .lanes
            .iter()
            .zip(&win)
            .zip(&forced)
            .map(|((l, &(i0, i1)), &f)| window_blocks(l.segs.len(), i0, i1, f))
            .collect();
        let out = SpendLp::new(p, &blocks).solve(
            p,
            goal,
            SolverPath::LpWindowed {
                certified: false,
                solves: 0,
            },
        )?;
        solves += 1;
        let sol = match out {
            Outcome::Solved(s) => s,
            Outcome::Infeasible => return full(p),
        };
        // Certificate: with the window LP's duals every fine segment merged
        // below the window must be worth filling (slope ≥ threshold) and every
        // one merged above must not (slope ≤ threshold); then the window
        // solution with these duals satisfies the full segment LP's
        // optimality conditions. Otherwise widen to cover the offenders.
        let mut all_ok = true;
        for (l, lane) in p.lanes.iter().enumerate() {
            let n = lane.segs.len();
            if n == 0 {
                continue;
            }
            let g = sol.threshold[l];
            let (i0, i1) = win[l];
            let slope = |j: usize| lane.segs[j].viewers_per_cny;
            // Chords under the guardrail's floor are bought whatever they
            // are worth: no condition on them.
            let lower_ok = i0 == 0 || slope(i0 - 1) >= g * (1.0 - CERT_TOL) || i0 <= forced[l];
            let upper_ok = i1 == n - 1 || slope(i1 + 1) <= g * (1.0 + CERT_TOL);
            if !(lower_ok && upper_ok) {
                all_ok = false;
                // First fine segment not worth filling.
                let k = crossing(lane, g, forced[l]);
                // Widen to the crossing plus a margin that doubles each time the lane fails.
                fails[l] += 1;
                let m = GROW << fails[l].min(6);
                let ni0 = if lower_ok {
                    i0
                } else {
                    i0.min(k.saturating_sub(m))
                };
                let ni1 = if upper_ok {
                    i1
                } else {
                    i1.max(k + m).min(n - 1)
                };
                win[l] = (ni0, ni1);
            }
        }
        last = Some(*sol);
        certified = all_ok;
        if all_ok {
            break;
        }
    }
    if !certified {
        // No certificate within the round limit: solve the full LP instead.
        return full(p);
    }
    let mut sol = last.expect("at least one round");
    sol.path = SolverPath::LpWindowed { certified, solves };
    Ok(Outcome::Solved(Box::new(sol)))
}
