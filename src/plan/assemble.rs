//! From a raw solution to the [`Plan`]: spends, viewers by the true curves,
//! lane bounds and the constraints that hold with equality.

use rayon::prelude::*;

use super::output::*;
use super::problem::{Goal, Prepared, Sol, TIGHT};

fn tight(value: f64, bound: f64) -> bool {
    (value - bound).abs() <= TIGHT * bound.abs().max(1.0)
}

/// The plan a raw solution amounts to.
pub(crate) fn assemble(p: &Prepared, goal: &Goal, sol: &Sol) -> Plan {
    let req = p.req;
    let h = p.h;
    let multi_room = p.rooms.len() > 1;
    let lane_name = |i: usize| {
        let l = &req.lanes[i];
        LaneName {
            room: l.room.clone(),
            channel: l.channel.clone(),
            several_rooms: multi_room,
        }
    };
    let mut spend = sol.spend.clone();
    // Overflow spend (beyond the planned range, forced by a minimum) goes to
    // the channel's first lane.
    for (c, &ov) in sol.overflow.iter().enumerate() {
        if ov > 0.0
            && let Some(&i) = p.channels[c].lanes.first()
        {
            spend[i] += ov;
        }
    }
    let ch_spend: Vec<f64> = p
        .channels
        .iter()
        .map(|c| c.lanes.iter().map(|&i| spend[i]).sum())
        .collect();
    let total_spend: f64 = spend.iter().sum();
    let mut binding = Vec::new();
    let mut lanes = Vec::with_capacity(p.lanes.len());
    // Each day-by-day lane's split (in parallel: the day curves are read).
    let mut splits: Vec<Option<super::schedule::DaySplit>> = p
        .lanes
        .par_iter()
        .zip(&spend)
        .map(|(pl, &x)| pl.days.as_ref().map(|d| super::schedule::split(d, x)))
        .collect();
    for (i, (l, pl)) in req.lanes.iter().zip(&p.lanes).enumerate() {
        let x = spend[i];
        let day = x / h;
        let split = splits[i].take();
        let v = match &split {
            Some(sp) => sp.viewers.iter().sum(),
            None => h * l.value(day),
        };
        let mut bounds = Vec::new();
        let ch = &p.channels[pl.channel];
        if ch.lim.excluded {
            bounds.push(LaneBound::Excluded);
        } else {
            if ch.lim.locked_spend_cny.is_some() {
                bounds.push(LaneBound::Locked);
            } else {
                if let Some(mn) = ch.lim.min_spend_cny
                    && mn > 0.0
                    && tight(ch_spend[pl.channel], mn)
                {
                    bounds.push(LaneBound::ChannelMin);
                }
                if let Some(mx) = ch.lim.max_spend_cny
                    && tight(ch_spend[pl.channel], mx)
                {
                    bounds.push(LaneBound::ChannelMax);
                }
            }
            if let Some(sh) = ch.lim.max_share
                && sh < 1.0
                && tight(ch_spend[pl.channel], sh * total_spend)
            {
                bounds.push(LaneBound::ChannelShare);
            }
            let top = pl.range_top_cny_per_day;
            if let Some(sp) = &split {
                day_bounds(sp, pl, l, req, &lane_name(i), &mut bounds, &mut binding);
            } else if day >= top * (1.0 - TIGHT) {
                if let (Some(cs), Some(cap)) = (l.curve.cap_spend(), l.curve.cap_viewers_per_day)
                    && top >= cs * (1.0 - 1e-12)
                {
                    bounds.push(LaneBound::ReachCap);
                    binding.push(BindingConstraint::new(
                        Limit::ReachCap {
                            lane: lane_name(i),
                            cap_viewers_per_day: cap,
                        },
                        None,
                    ));
                } else if let Some(h) = l.history_max_spend_cny_per_day
                    && h > 0.0
                    && top >= req.segments.history_multiple * h * (1.0 - 1e-12)
                {
                    bounds.push(LaneBound::SupportLimit);
                    binding.push(BindingConstraint::new(
                        Limit::SupportLimit {
                            lane: lane_name(i),
                            limit_cny_per_day: top,
                            history_multiple: req.segments.history_multiple,
                        },
                        None,
                    ));
                } else {
                    bounds.push(LaneBound::RangeEnd);
                    binding.push(BindingConstraint::new(
                        Limit::RangeEnd {
                            lane: lane_name(i),
                            range_end_cny_per_day: top,
                        },
                        None,
                    ));
                }
            }
        }
        // Past a sane ceiling the lane is saturated at this spend: no number
        // (a saturated exponential's marginal cost can reach 1e76).
        let mc = match &split {
            Some(sp) => sp.marginal_cost,
            None => l.marginal_cost(day),
        };
        let avg = if v > 0.0 { x / v } else { 0.0 };
        let ceiling = crate::curves::fit::MARGINAL_CEILING_CNY
            .max(crate::curves::fit::MARGINAL_CEILING_RATIO * avg);
        let mc = if mc.is_finite() && mc <= ceiling {
            mc
        } else {
            f64::INFINITY
        };
        lanes.push(LanePlan {
            room: l.room.clone(),
            channel: l.channel.clone(),
            spend_cny: x,
            spend_cny_per_day: day,
            viewers: v,
            viewers_lp: sol.viewers_lp[i],
            metric_value: v * pl.weight,
            avg_cost_cny_per_viewer: (v > 0.0).then(|| x / v),
            marginal_cost_cny_per_viewer: mc.is_finite().then_some(mc),
            bounds_binding: bounds,
            daily_spend_cny: split
                .as_ref()
                .map_or_else(Vec::new, |sp| sp.spend_cny.clone()),
            daily_viewers: split.map_or_else(Vec::new, |sp| sp.viewers),
        });
    }
    let metric_lp: f64 = p
        .lanes
        .iter()
        .zip(&sol.viewers_lp)
        .map(|(l, v)| l.weight * v)
        .sum();
    if (goal.min_spend || goal.profit)
        && let Some(t) = goal.total_target
        && tight(metric_lp, t)
    {
        binding.push(BindingConstraint::new(
            Limit::Target {
                target: t,
                metric: req.metric,
            },
            sol.duals.target,
        ));
    }
    if let Some(b) = goal.budget
        && tight(total_spend, b)
    {
        binding.push(BindingConstraint::new(
            Limit::Budget { budget_cny: b },
            sol.duals.budget,
        ));
    }
    let mut rooms = Vec::with_capacity(p.rooms.len());
    for (r, name) in p.rooms.iter().enumerate() {
        let idx: Vec<usize> = (0..p.lanes.len())
            .filter(|&i| p.lanes[i].room == r)
            .collect();
        let reached_lp: f64 = idx
            .iter()
            .map(|&i| p.lanes[i].weight * sol.viewers_lp[i])
            .sum();
        let reached: f64 = idx.iter().map(|&i| lanes[i].metric_value).sum();
        let target = goal.room_targets.get(r).copied().flatten();
        let dual = sol.duals.rooms.get(r).copied().flatten();
        if let Some(t) = target
            && tight(reached_lp, t)
        {
            binding.push(BindingConstraint::new(
                Limit::RoomTarget {
                    room: name.clone(),
                    target: t,
                    metric: req.metric,
                },
                dual,
            ));
        }
        rooms.push(RoomResult {
            room: name.clone(),
            target: p.room_target[r],
            reached_lp,
            reached,
            spend_cny: idx.iter().map(|&i| spend[i]).sum(),
            shadow_price_cny_per_unit: if goal.min_spend { dual } else { None },
        });
    }
    for (c, ch) in p.channels.iter().enumerate() {
        let s = ch_spend[c];
        let d = |v: &Vec<Option<f64>>| v.get(c).copied().flatten();
        if ch.lim.excluded {
            continue;
        }
        if let Some(lk) = ch.lim.locked_spend_cny {
            binding.push(BindingConstraint::new(
                Limit::ChannelLocked {
                    channel: ch.name.clone(),
                    locked_cny: lk,
                },
                d(&sol.duals.ch_min),
            ));
        } else {
            if let Some(mn) = ch.lim.min_spend_cny
                && mn > 0.0
                && tight(s, mn)
            {
                binding.push(BindingConstraint::new(
                    Limit::ChannelMin {
                        channel: ch.name.clone(),
                        min_cny: mn,
                    },
                    d(&sol.duals.ch_min),
                ));
            }
            if let Some(mx) = ch.lim.max_spend_cny
                && tight(s, mx)
            {
                binding.push(BindingConstraint::new(
                    Limit::ChannelMax {
                        channel: ch.name.clone(),
                        max_cny: mx,
                    },
                    d(&sol.duals.ch_max),
                ));
            }
        }
        if let Some(sh) = ch.lim.max_share
            && sh < 1.0
            && tight(s, sh * total_spend)
        {
            binding.push(BindingConstraint::new(
                Limit::ChannelShare {
                    channel: ch.name.clone(),
                    max_share: sh,
                },
                d(&sol.duals.ch_share),
            ));
        }
    }
    binding.extend(super::groups::binding(
        &p.extra_rows,
        &sol.duals.extra,
        &spend,
        total_spend,
        &p.channels,
        &super::groups::LaneNames {
            req,
            several_rooms: multi_room,
        },
    ));
    binding.extend(guard_binding(p, goal, sol, &spend, &lane_name));
    let viewers: f64 = lanes.iter().map(|l| l.viewers).sum();
    let value = {
        let segs: Vec<&[super::segments::Segment]> = p.lanes.iter().map(|l| &l.segs[..]).collect();
        let v: Vec<f64> = lanes.iter().map(|l| l.viewers).collect();
        super::value::report(req, &segs, &spend, &v)
    };
    let totals = Totals {
        spend_cny: total_spend,
        viewers,
        viewers_lp: sol.viewers_lp.iter().sum(),
        metric_value: lanes.iter().map(|l| l.metric_value).sum(),
        metric_value_lp: metric_lp,
        avg_cost_cny_per_viewer: (viewers > 0.0).then(|| total_spend / viewers),
    };
    Plan {
        status: PlanStatus::Optimal,
        mode: if goal.min_spend {
            PlanMode::MinSpend
        } else {
            PlanMode::MaxMetric
        },
        metric: req.metric,
        horizon_days: h,
        lanes,
        rooms,
        totals,
        target_shadow_price_cny_per_unit: if goal.min_spend {
            sol.duals.target
        } else {
            None
        },
        budget_shadow_price_units_per_cny: sol.duals.budget.map(|b| b.max(0.0)),
        binding,
        infeasibility: None,
        solver: sol.path,
        segments_total: p.lanes.iter().map(|l| l.segs.len()).sum(),
        guardrail: None,
        limits_written: Vec::new(),
        value,
    }
}

/// Lane bounds of a lane planned day by day: each kind of day top reached
/// on some day, named once (the largest day top for a range end).
fn day_bounds(
    sp: &super::schedule::DaySplit,
    pl: &super::problem::PLane,
    l: &super::input::Lane,
    req: &super::input::PlanRequest,
    name: &LaneName,
    bounds: &mut Vec<LaneBound>,
    binding: &mut Vec<BindingConstraint>,
) {
    use super::schedule::DayTop;
    let Some(days) = &pl.days else { return };
    for kind in [
        DayTop::ReachCap,
        DayTop::SupportLimit,
        DayTop::DailyMax,
        DayTop::RangeEnd,
    ] {
        let Some(top) = sp
            .at_top
            .iter()
            .filter(|(_, k)| *k == kind)
            .map(|&(d, _)| days.tops[d].0)
            .max_by(f64::total_cmp)
        else {
            continue;
        };
        bounds.push(kind.bound());
        let lane = name.clone();
        let limit = match kind {
            DayTop::ReachCap => Limit::ReachCap {
                lane,
                cap_viewers_per_day: l.curve.cap_viewers_per_day.unwrap_or(0.0),
            },
            DayTop::SupportLimit => Limit::SupportLimit {
                lane,
                limit_cny_per_day: top,
                history_multiple: req.segments.history_multiple,
            },
            DayTop::DailyMax => Limit::DailyMax {
                lane,
                max_daily_cny: days.max_daily_cny.unwrap_or(top),
            },
            DayTop::RangeEnd => Limit::RangeEnd {
                lane,
                range_end_cny_per_day: top,
            },
        };
        binding.push(BindingConstraint::new(limit, None));
    }
}

/// The lane guardrail's bounds holding with equality, each with its dual
/// in the rows' convention (`∂ objective / ∂ bound`) read off the chord
/// beyond the bound at the solution's prices: raising a top buys more of
/// the chord past it, lowering a floor frees the chord under it. The
/// one-sided derivative in the direction that helps, which is what
/// `limits::limit_costs` states; 0 where moving the bound would not pay.
fn guard_binding(
    p: &Prepared,
    goal: &Goal,
    sol: &Sol,
    spend: &[f64],
    lane_name: &dyn Fn(usize) -> LaneName,
) -> Vec<BindingConstraint> {
    if p.lanes.iter().all(|l| l.guard.is_none()) {
        return Vec::new();
    }
    let prices = super::lp::lane_prices(p, goal, &sol.duals);
    let min_mode = goal.min_spend && !goal.profit;
    let mut out = Vec::new();
    for (i, l) in p.lanes.iter().enumerate() {
        let Some(g) = l.guard else { continue };
        // A binding bound (`up`: the top) at `bound_cny`, its dual the
        // reduced cost of the chord of slope `slope` beyond it, kept only
        // in the direction that helps: raising a top lowers the cost in
        // min mode (≤ 0) and raises the metric in max mode (≥ 0); lowering
        // a floor the other way round.
        let mut push = |up: bool, bound_cny: f64, slope: f64| {
            let rc = super::lp::reduced_cost(goal, prices[i], slope);
            let helps = if min_mode == up {
                rc.min(0.0)
            } else {
                rc.max(0.0)
            };
            let limit = Limit::Guardrail {
                lane: lane_name(i),
                last_cny: g.last_cny,
                max_change: g.change,
                up,
                bound_cny,
            };
            out.push(BindingConstraint::new(limit, Some(helps)));
        };
        if let Some(top) = g.top_cny
            && tight(spend[i], top)
        {
            push(true, top, g.top_slope);
        }
        if g.floor_cny > 0.0 && tight(spend[i], g.floor_cny) {
            push(false, g.floor_cny, g.floor_slope);
        }
    }
    out
}
