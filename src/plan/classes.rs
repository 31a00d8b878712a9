//! Large LPs folded by lane class. Lanes of one channel that every
//! coupling row treats alike (the same rows with the same coefficients, and
//! the same room where rooms have targets) share their reduced-cost price
//! `α − β·w·g` up to the chord's metric per CNY `w·g`: at any duals their
//! chords are bought in one order, by `w·g`. So the class is one lane
//! whose chords are its lanes' chords sorted by metric per CNY (a concave
//! curve of the class's spend), the LP over the classes has the optimum,
//! the rows and the duals of the LP over the lanes, and each class's spend
//! is shared out to its lanes by that order (a fractional knapsack per
//! class, exact).
//!
//! A plan with channel groups, room groups or a channel's limits over
//! several lanes has a few dozen classes instead of thousands of lanes:
//! the class LP is solved on certified windows in milliseconds where the
//! lane LP took about a second (4,000 lanes). Not for profit or an ROI
//! floor (their price has a second per-lane term, GMV or value per
//! viewer, so a class's chords have no single order), nor where the
//! classes are nearly as many as the lanes (room targets on every room).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::input::PlanError;
use super::lp::SpendLp;
use super::output::SolverPath;
use super::problem::{Goal, LaneGuard, Outcome, PChannel, PLane, Prepared, Sol};
use super::segments::Segment;

/// Fold when the classes are at most this fraction of the lanes.
pub(crate) const MAX_CLASS_FRACTION: f64 = 0.25;

/// Blocks a class curve (or a block that must be refined) is cut into.
const SPLIT: usize = 32;

/// Refinement rounds before giving up (32^6 segments: far beyond any class).
const ROUNDS: usize = 12;

/// Relative slack on reduced costs when certifying the block LP.
const CERT_TOL: f64 = 1e-6;

/// One chord of a class, by metric per CNY.
struct Chord {
    key: f64,
    lane: u32,
    seg: u32,
    /// Width left after the lane's floor, CNY over the horizon.
    width: f64,
}

struct Class {
    /// Spend and metric of the members' guardrail floors, CNY and metric units.
    base_spend: f64,
    base_metric: f64,
    chords: Vec<Chord>,
}

/// Whether `goal` on `p` is solved by classes.
pub(crate) fn eligible(p: &Prepared, goal: &Goal) -> bool {
    !goal.profit && goal.min_roi.is_none() && p.lanes.len() >= 8
}

/// What makes two lanes one class: channel, room (or `usize::MAX`), and
/// each row the lane is in with its coefficient's bits.
type ClassKey = (usize, usize, Vec<(u32, u64)>);

/// Class of every lane, and the number of classes.
pub(crate) fn classify(p: &Prepared, goal: &Goal) -> (Vec<usize>, usize) {
    let by_room = goal.room_targets.iter().any(Option::is_some);
    let mut member: Vec<Vec<(u32, u64)>> = vec![Vec::new(); p.lanes.len()];
    for (r, row) in p.extra_rows.iter().enumerate() {
        for &(l, c) in &row.lanes {
            member[l].push((r as u32, c.to_bits()));
        }
    }
    let mut ids: BTreeMap<ClassKey, usize> = BTreeMap::new();
    let mut class = Vec::with_capacity(p.lanes.len());
    for (l, m) in p.lanes.iter().zip(member) {
        let room = if by_room { l.room } else { usize::MAX };
        let n = ids.len();
        class.push(*ids.entry((l.channel, room, m)).or_insert(n));
    }
    (class, ids.len())
}

/// The optimum by classes, or `None` where the lane LP must decide (too
/// many classes, or no certified window).
pub(crate) fn solve(p: &Prepared, goal: &Goal) -> Result<Option<Outcome>, PlanError> {
    let (class_of, n_classes) = classify(p, goal);
    if n_classes as f64 > MAX_CLASS_FRACTION * p.lanes.len() as f64 {
        return Ok(None);
    }
    let h = p.h;
    let mut classes: Vec<Class> = (0..n_classes)
        .map(|_| Class {
            base_spend: 0.0,
            base_metric: 0.0,
            chords: Vec::new(),
        })
        .collect();
    let mut lane_base = vec![(0.0, 0.0); p.lanes.len()];
    for (i, l) in p.lanes.iter().enumerate() {
        let c = &mut classes[class_of[i]];
        let key = l.weight;
        let chords = &mut c.chords;
        let (spend, viewers) = l.fill_forced(h, l.guard_floor_cny(), |j, s, rest| {
            chords.push(Chord {
                key: key * s.viewers_per_cny,
                lane: i as u32,
                seg: j as u32,
                width: rest,
            });
        });
        lane_base[i] = (spend, viewers);
        c.base_spend += lane_base[i].0;
        c.base_metric += lane_base[i].1 * l.weight;
    }
    for c in &mut classes {
        // Within a lane the chords are concave: the order keeps them in turn.
        c.chords.sort_unstable_by(|a, b| {
            b.key
                .total_cmp(&a.key)
                .then(a.lane.cmp(&b.lane))
                .then(a.seg.cmp(&b.seg))
        });
    }
    // The class lanes, and the rows and channels over them.
    let mut first_lane = vec![usize::MAX; n_classes];
    for (i, &c) in class_of.iter().enumerate() {
        if first_lane[c] == usize::MAX {
            first_lane[c] = i;
        }
    }
    let lanes: Vec<PLane> = classes
        .iter()
        .zip(&first_lane)
        .map(|(c, &i)| class_lane(c, &p.lanes[i], h))
        .collect();
    let channels: Vec<PChannel> = p
        .channels
        .iter()
        .enumerate()
        .map(|(ci, ch)| PChannel {
            name: ch.name.clone(),
            lanes: (0..n_classes)
                .filter(|&c| p.lanes[first_lane[c]].channel == ci)
                .collect(),
            lim: ch.lim.clone(),
        })
        .collect();
    let extra_rows = p
        .extra_rows
        .iter()
        .map(|r| {
            let mut seen = vec![false; n_classes];
            let mut out = r.clone();
            out.lanes = r
                .lanes
                .iter()
                .filter_map(|&(l, coef)| {
                    let c = class_of[l];
                    (!std::mem::replace(&mut seen[c], true)).then_some((c, coef))
                })
                .collect();
            out
        })
        .collect();
    let q = Prepared {
        req: p.req,
        h,
        lanes,
        channels,
        rooms: p.rooms.clone(),
        room_target: p.room_target.clone(),
        overflow_cny: p.overflow_cny.clone(),
        extra_rows,
    };
    let Some((cs, solves)) = refined(&q, goal)? else {
        return Ok(None);
    };
    // Each class's spend shared out by its order.
    let mut spend: Vec<f64> = lane_base.iter().map(|b| b.0).collect();
    let mut viewers: Vec<f64> = lane_base.iter().map(|b| b.1).collect();
    for (c, class) in classes.iter().enumerate() {
        let mut left = cs.spend[c] - class.base_spend;
        for ch in &class.chords {
            if left <= 0.0 {
                break;
            }
            let take = ch.width.min(left);
            left -= take;
            let i = ch.lane as usize;
            spend[i] += take;
            viewers[i] += take * p.lanes[i].segs[ch.seg as usize].viewers_per_cny;
        }
    }
    let threshold = super::lp::thresholds(p, goal, &cs.duals);
    Ok(Some(Outcome::Solved(Box::new(Sol {
        spend,
        viewers_lp: viewers,
        overflow: cs.overflow.clone(),
        duals: cs.duals.clone(),
        threshold,
        path: SolverPath::LpClasses {
            classes: n_classes,
            solves,
        },
    }))))
}

/// A class as one lane: its floors as a first forced chord, then its
/// chords by metric per CNY (weight 1: the slopes are metric per CNY).
fn class_lane(c: &Class, like: &PLane, h: f64) -> PLane {
    let mut segs = Vec::with_capacity(c.chords.len() + 1);
    let mut x = 0.0;
    if c.base_spend > 0.0 {
        x = c.base_spend / h;
        segs.push(Segment {
            start_cny_per_day: 0.0,
            end_cny_per_day: x,
            viewers_per_cny: c.base_metric / c.base_spend,
        });
    }
    for ch in &c.chords {
        let end = x + ch.width / h;
        segs.push(Segment {
            start_cny_per_day: x,
            end_cny_per_day: end,
            viewers_per_cny: ch.key,
        });
        x = end;
    }
    PLane {
        channel: like.channel,
        room: like.room,
        weight: 1.0,
        gpv: 0.0,
        value: 0.0,
        range_top_cny_per_day: x,
        segs: Arc::from(segs),
        lo_cny: 0.0,
        days: None,
        guard: (c.base_spend > 0.0).then_some(LaneGuard {
            last_cny: 0.0,
            change: 0.0,
            floor_cny: c.base_spend,
            floor_slope: 0.0,
            top_cny: None,
            top_slope: 0.0,
        }),
    }
}

/// `n` segments from `s` on cut into at most [`SPLIT`] blocks.
fn split(s: usize, n: usize) -> impl Iterator<Item = (usize, usize)> {
    let k = n.div_ceil(SPLIT).max(1);
    (s..s + n)
        .step_by(k)
        .map(move |a| (a, (a + k - 1).min(s + n - 1)))
}

/// The LP of `q` (class lanes: long concave curves) by refinement: each
/// curve cut into [`SPLIT`] blocks, the block LP solved, then every merged
/// block the LP's duals do not certify cut again, until they all do. A
/// merged block is certified when every fine chord in it has the sign of
/// reduced cost its fill needs (full: worth buying; empty: not; a
/// partly filled block must be one chord): the block solution, filled in
/// order, with these duals then meets the full LP's optimality
/// conditions. The lane's spend is read as filled in order (an optimal
/// block solution may spread over tied blocks; in order is as good, with
/// the same rows). `None` without a certificate within [`ROUNDS`], or
/// when a block LP is infeasible (blocks are an inner approximation).
fn refined(q: &Prepared, goal: &Goal) -> Result<Option<(Box<Sol>, usize)>, PlanError> {
    let h = q.h;
    let forced: Vec<usize> = q.lanes.iter().map(|l| l.forced_segments(h)).collect();
    // The forced prefix a block of its own, the rest in SPLIT blocks.
    let mut blocks = super::lp::coarse_blocks(q, SPLIT);
    let min_mode = goal.min_spend && !goal.profit;
    for round in 0..ROUNDS {
        let sol = match SpendLp::new(q, &blocks).solve(q, goal, SolverPath::Lp)? {
            Outcome::Solved(s) => s,
            Outcome::Infeasible => return Ok(None),
        };
        let prices = super::lp::lane_prices(q, goal, &sol.duals);
        let mut all_ok = true;
        for (l, lane) in q.lanes.iter().enumerate() {
            let x = sol.spend[l];
            // What one CNY of a chord of slope g gains (min mode: saves).
            let worth = |g: f64| {
                let rc = super::lp::reduced_cost(goal, prices[l], g);
                if min_mode { -rc } else { rc }
            };
            let (alpha, beta) = prices[l];
            let mut next = Vec::with_capacity(blocks[l].len());
            let mut at = 0.0;
            for (bi, &(a, b)) in blocks[l].iter().enumerate() {
                let width: f64 = lane.segs[a..=b]
                    .iter()
                    .map(|s| s.width_cny_per_day() * h)
                    .sum();
                let (start, end) = (at, at + width);
                at = end;
                if a == b || (bi == 0 && forced[l] > 0) {
                    next.push((a, b));
                    continue;
                }
                let tol = |g: f64| CERT_TOL * alpha.abs().max((beta * g).abs()).max(1e-12);
                let (hi, lo) = (lane.segs[a].viewers_per_cny, lane.segs[b].viewers_per_cny);
                let scale = width.max(1.0) * 1e-9;
                let ok = if x >= end - scale {
                    worth(hi) >= -tol(hi) && worth(lo) >= -tol(lo)
                } else if x <= start + scale {
                    worth(hi) <= tol(hi) && worth(lo) <= tol(lo)
                } else {
                    false
                };
                if ok {
                    next.push((a, b));
                } else {
                    all_ok = false;
                    next.extend(split(a, b - a + 1));
                }
            }
            blocks[l] = next;
        }
        if all_ok {
            return Ok(Some((sol, round + 1)));
        }
    }
    Ok(None)
}
