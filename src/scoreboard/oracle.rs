//! The exact optimum on the true curves, written independently of
//! [`crate::plan`]: Lagrange multipliers found by bisection.
//!
//! A plan spends the same amount on every day of the horizon (as acqplan's
//! plans do), so the problem for a viewer target `T` over `H` days is
//!
//! ```text
//! minimise  H Σ_i s_i   subject to  H Σ_i w_i u_i(s_i) ≥ T,
//!           0 ≤ s_i,  s_i = 0 for excluded channels,
//!           H Σ_{i ∈ c} s_i ≤ max_c for every limited channel c,
//! ```
//!
//! with `u_i` the lane's true expected viewers per day (weekday-averaged,
//! capped at its reach cap) and `w_i` the metric per viewer (1 for viewers,
//! the true GMV per viewer for a GMV target). Every `u_i` is concave, so at
//! the optimum each lane spends where its marginal metric per CNY
//! `w_i u_i'(s_i)` equals one slope `g = 1/λ` (lanes whose slope at 0 is
//! below `g` spend nothing), and a limited channel whose limit binds uses
//! its own, higher slope `g (1 + μ_c)` chosen so that the channel spends
//! exactly its limit. The spend of a lane for a slope comes from bisection
//! on spend (`Model::derivative` is decreasing), the channel slope from
//! bisection on `μ_c`, and `g` from bisection until the metric equals the
//! target (min-cost) or the spend equals the budget (max-metric).

use std::collections::BTreeMap;

use crate::curves::Model;

/// One room × channel with its true curve, as the scores see it.
#[derive(Clone, Debug, PartialEq)]
pub struct TrueLane {
    /// Index of the room (in the generated history).
    pub room: usize,
    /// Index into [`crate::synth::CHANNELS`].
    pub channel: usize,
    /// The true model (viewers/day on an average weekday, of the curve the
    /// noise is centred on).
    pub model: Model,
    /// Multiplies the model to give expected viewers per day of the
    /// horizon: the mean weekday factor times the noise's mean (1 for
    /// mean-one noise, `e^(σ²/2)` for median-one noise).
    pub level: f64,
    /// Hard reach cap, viewers/day.
    pub cap_viewers_per_day: Option<f64>,
    /// Metric per viewer: 1 for viewers, CNY of GMV per viewer for GMV.
    pub weight: f64,
    /// Left out of the plan (excluded channel): spends nothing.
    pub excluded: bool,
}

impl TrueLane {
    /// Expected viewers per day at `spend` CNY/day.
    pub fn viewers_per_day(&self, spend: f64) -> f64 {
        let v = self.level * self.model.value(spend);
        match self.cap_viewers_per_day {
            Some(cap) => v.min(cap),
            None => v,
        }
    }

    /// Expected metric (viewers × weight) per day at `spend` CNY/day.
    pub fn metric_per_day(&self, spend: f64) -> f64 {
        self.weight * self.viewers_per_day(spend)
    }

    /// Spend (CNY/day) where the reach cap is reached, if ever.
    fn cap_spend(&self) -> Option<f64> {
        self.cap_viewers_per_day
            .and_then(|cap| self.model.inverse(cap / self.level))
    }

    /// Marginal metric per CNY at `spend` (0 beyond the cap).
    pub fn slope(&self, spend: f64) -> f64 {
        if self.cap_spend().is_some_and(|cs| spend >= cs) {
            return 0.0;
        }
        self.weight * self.level * self.model.derivative(spend)
    }

    /// The spend (CNY/day) at which the marginal metric per CNY falls to
    /// `g`: 0 when even the first yuan buys less, the cap's spend when the
    /// slope is still above `g` there. Bisection on spend.
    pub fn spend_for_slope(&self, g: f64) -> f64 {
        let first = self.slope(0.0);
        if self.excluded || first.is_nan() || first <= g {
            return 0.0;
        }
        let cap = self.cap_spend();
        // An upper end where the slope is at or below g.
        let mut hi = match self.model {
            Model::Exp { k_cny, .. } | Model::Hill { k_cny, .. } => k_cny.max(1e-9),
            Model::Power { .. } => 1.0,
        };
        let mut doublings = 0;
        loop {
            if let Some(cs) = cap
                && hi >= cs
            {
                if self.slope(cs * (1.0 - 1e-15)) > g {
                    return cs;
                }
                hi = cs;
                break;
            }
            if self.slope(hi) <= g {
                break;
            }
            hi *= 2.0;
            doublings += 1;
            if doublings > 2000 {
                return hi;
            }
        }
        let mut lo = 0.0;
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if self.slope(mid) > g {
                lo = mid;
            } else {
                hi = mid;
            }
            if hi - lo <= 1e-13 * hi {
                break;
            }
        }
        0.5 * (lo + hi)
    }
}

/// The optimum of a problem.
#[derive(Clone, Debug, PartialEq)]
pub struct Optimum {
    /// Spend per lane, CNY/day (aligned with the problem's lanes).
    pub spend_cny_per_day: Vec<f64>,
    /// Spend over the horizon, CNY.
    pub spend_cny: f64,
    /// Metric over the horizon (viewers or CNY of GMV).
    pub metric: f64,
    /// Whether the target (min-cost) could be met; `false` means the
    /// allocation is the most the limits allow.
    pub feasible: bool,
    /// The common marginal metric per CNY `g` (1/λ) at the optimum.
    pub slope: f64,
}

/// Lanes, horizon and channel limits.
#[derive(Clone, Debug, Default)]
pub struct Problem {
    /// The lanes.
    pub lanes: Vec<TrueLane>,
    /// Horizon, days.
    pub horizon_days: f64,
    /// Most spend per channel (index into `CHANNELS`) over the horizon,
    /// summed over rooms, CNY.
    pub channel_max_cny: BTreeMap<usize, f64>,
}

/// Smallest and largest slopes searched (metric per CNY).
const G_MIN: f64 = 1e-12;
const G_MAX: f64 = 1e12;

/// Bisection in log space on `[lo, hi]` for the `g` where `f` (decreasing
/// in `g`) crosses `level`; returns the final bracket `(lo, hi)` with
/// `f(lo) ≥ level > f(hi)` when the ends started that way.
fn bisect_log(mut lo: f64, mut hi: f64, level: f64, f: impl Fn(f64) -> f64) -> (f64, f64) {
    for _ in 0..300 {
        let mid = (lo * hi).sqrt();
        if f(mid) >= level {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi / lo - 1.0 <= 1e-14 {
            break;
        }
    }
    (lo, hi)
}

impl Problem {
    /// Spend per lane (CNY/day) when the common slope is `g`, with each
    /// limited channel at its own higher slope when its limit binds.
    pub fn allocation(&self, g: f64) -> Vec<f64> {
        self.allocation_from(g, &[])
    }

    /// [`Problem::allocation`] with each lane spending at least `floor`
    /// (CNY/day; an empty slice is no floor).
    fn allocation_from(&self, g: f64, floor: &[f64]) -> Vec<f64> {
        let at = |i: usize, x: f64| {
            let s = self.lanes[i].spend_for_slope(x);
            floor.get(i).map_or(s, |&f| s.max(f))
        };
        let mut spend: Vec<f64> = (0..self.lanes.len()).map(|i| at(i, g)).collect();
        for (&channel, &max_cny) in &self.channel_max_cny {
            let idx: Vec<usize> = (0..self.lanes.len())
                .filter(|&i| self.lanes[i].channel == channel)
                .collect();
            let channel_spend =
                |x: f64| -> f64 { idx.iter().map(|&i| at(i, x)).sum::<f64>() * self.horizon_days };
            if channel_spend(g) <= max_cny {
                continue;
            }
            // The smallest slope at or above g at which the channel spends
            // no more than its limit.
            let (_, g_c) = bisect_log(g, G_MAX, max_cny, channel_spend);
            for &i in &idx {
                spend[i] = at(i, g_c);
            }
        }
        spend
    }

    /// Metric over the horizon of a spend per lane (CNY/day).
    pub fn metric_of(&self, spend_cny_per_day: &[f64]) -> f64 {
        self.lanes
            .iter()
            .zip(spend_cny_per_day)
            .map(|(l, &s)| l.metric_per_day(s))
            .sum::<f64>()
            * self.horizon_days
    }

    fn optimum(&self, g: f64, feasible: bool, floor: &[f64]) -> Optimum {
        let spend = self.allocation_from(g, floor);
        Optimum {
            spend_cny: spend.iter().sum::<f64>() * self.horizon_days,
            metric: self.metric_of(&spend),
            spend_cny_per_day: spend,
            feasible,
            slope: g,
        }
    }

    /// The cheapest allocation reaching `target` (metric units over the
    /// horizon), or the most reachable when the target cannot be met.
    pub fn min_cost(&self, target: f64) -> Optimum {
        self.min_cost_from(target, &[])
    }

    /// The cheapest way to reach `target` when each lane already spends
    /// `floor` (CNY/day) and spend can only be added: a plan that falls
    /// short, completed at the least extra cost.
    pub fn min_cost_from(&self, target: f64, floor: &[f64]) -> Optimum {
        let metric = |g: f64| self.metric_of(&self.allocation_from(g, floor));
        if target <= 0.0 {
            return self.optimum(G_MAX, true, floor);
        }
        if metric(G_MIN) < target {
            return self.optimum(G_MIN, false, floor);
        }
        let (lo, _) = bisect_log(G_MIN, G_MAX, target, metric);
        self.optimum(lo, true, floor)
    }

    /// The most metric for `budget_cny` over the horizon (all of it spent,
    /// unless every lane saturates first).
    pub fn max_metric(&self, budget_cny: f64) -> Optimum {
        let spend = |g: f64| self.allocation(g).iter().sum::<f64>() * self.horizon_days;
        if spend(G_MIN) <= budget_cny {
            return self.optimum(G_MIN, true, &[]);
        }
        // The largest spend below the budget.
        let (_, hi) = bisect_log(G_MIN, G_MAX, budget_cny, spend);
        self.optimum(hi, true, &[])
    }

    /// The lanes of one room (the room's own problem; channel limits kept).
    pub fn room(&self, room: usize) -> Problem {
        Problem {
            lanes: self
                .lanes
                .iter()
                .filter(|l| l.room == room)
                .cloned()
                .collect(),
            horizon_days: self.horizon_days,
            channel_max_cny: self.channel_max_cny.clone(),
        }
    }

    /// The cheapest allocation reaching every room's target: rooms are
    /// independent (one slope per room) because no channel limit is shared.
    /// Returns `None` when channel limits are set (a shared limit would
    /// couple the rooms; not supported). The result's `slope` is that of
    /// the first room.
    pub fn min_cost_per_room(&self, targets: &BTreeMap<usize, f64>) -> Option<Optimum> {
        self.min_cost_per_room_from(targets, &[])
    }

    /// [`Problem::min_cost_per_room`] on top of `floor` (see
    /// [`Problem::min_cost_from`]); rooms without a target keep their floor.
    pub fn min_cost_per_room_from(
        &self,
        targets: &BTreeMap<usize, f64>,
        floor: &[f64],
    ) -> Option<Optimum> {
        if !self.channel_max_cny.is_empty() {
            return None;
        }
        let mut spend: Vec<f64> = (0..self.lanes.len())
            .map(|i| floor.get(i).copied().unwrap_or(0.0))
            .collect();
        let mut feasible = true;
        let mut slope = None;
        for (&room, &target) in targets {
            let idx: Vec<usize> = (0..self.lanes.len())
                .filter(|&i| self.lanes[i].room == room)
                .collect();
            let sub = self.room(room);
            let sub_floor: Vec<f64> = if floor.is_empty() {
                Vec::new()
            } else {
                idx.iter().map(|&i| floor[i]).collect()
            };
            let o = sub.min_cost_from(target, &sub_floor);
            feasible &= o.feasible;
            slope.get_or_insert(o.slope);
            for (k, &i) in idx.iter().enumerate() {
                spend[i] = o.spend_cny_per_day[k];
            }
        }
        Some(Optimum {
            spend_cny: spend.iter().sum::<f64>() * self.horizon_days,
            metric: self.metric_of(&spend),
            spend_cny_per_day: spend,
            feasible,
            slope: slope.unwrap_or(f64::NAN),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exp_lane(channel: usize, vmax: f64, k_cny: f64) -> TrueLane {
        TrueLane {
            room: 0,
            channel,
            model: Model::Exp { vmax, k_cny },
            level: 1.0,
            cap_viewers_per_day: None,
            weight: 1.0,
            excluded: false,
        }
    }

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-9)
    }

    /// Exp lanes: slope (w V/k) e^(−s/k) = g gives s = k ln(wV/(k g)) and
    /// metric w V − k g per day, so with every lane buying,
    /// g = (Σ w V − T/H) / Σ k.
    #[test]
    fn exp_min_cost_matches_the_closed_form() {
        let lanes = vec![
            exp_lane(0, 6000.0, 3000.0),
            exp_lane(1, 2500.0, 800.0),
            exp_lane(2, 1200.0, 1500.0),
        ];
        let p = Problem {
            lanes: lanes.clone(),
            horizon_days: 7.0,
            ..Problem::default()
        };
        let target = 7.0 * 6000.0;
        let sum_v: f64 = lanes.iter().map(|l| l.model.saturation()).sum();
        let sum_k = 3000.0 + 800.0 + 1500.0;
        let g = (sum_v - target / 7.0) / sum_k;
        let ks = [3000.0, 800.0, 1500.0];
        let vs = [6000.0, 2500.0, 1200.0];
        let s: Vec<f64> = (0..3).map(|i| ks[i] * (vs[i] / (ks[i] * g)).ln()).collect();
        // Every lane buys at this target (the closed form's premise).
        assert!(s.iter().all(|&x| x > 0.0), "{s:?}");
        let o = p.min_cost(target);
        assert!(o.feasible);
        assert!(close(o.slope, g, 1e-9), "{} vs {g}", o.slope);
        for (i, (got, want)) in o.spend_cny_per_day.iter().zip(&s).enumerate() {
            assert!(close(*got, *want, 1e-8), "{i}: {o:?} vs {s:?}");
        }
        assert!(close(o.metric, target, 1e-9));
        assert!(close(o.spend_cny, 7.0 * s.iter().sum::<f64>(), 1e-9));
    }

    /// A lane whose first yuan is dearer than the optimum's marginal cost
    /// stays at zero: with one lane buying, g = (V₁ − T/H)/k₁.
    #[test]
    fn a_dear_lane_spends_nothing() {
        let p = Problem {
            lanes: vec![exp_lane(0, 10_000.0, 1000.0), exp_lane(1, 100.0, 1000.0)],
            horizon_days: 1.0,
            ..Problem::default()
        };
        // g = (10000 − 2000)/1000 = 8 > lane 1's first slope 0.1.
        let o = p.min_cost(2000.0);
        assert!(close(o.slope, 8.0, 1e-9));
        assert_eq!(o.spend_cny_per_day[1], 0.0);
        assert!(close(
            o.spend_cny_per_day[0],
            1000.0 * (10.0f64 / 8.0).ln(),
            1e-9
        ));
    }

    /// Exp lanes, budget B: Σ k ln(V/(k g)) = B/H gives
    /// ln g = (Σ k ln(V/k) − B/H) / Σ k.
    #[test]
    fn exp_max_metric_matches_the_closed_form() {
        let (vs, ks) = ([6000.0, 2500.0], [3000.0, 800.0]);
        let p = Problem {
            lanes: vec![exp_lane(0, vs[0], ks[0]), exp_lane(1, vs[1], ks[1])],
            horizon_days: 7.0,
            ..Problem::default()
        };
        let budget = 7.0 * 4000.0;
        let sum_k = ks[0] + ks[1];
        let ln_g =
            (ks[0] * (vs[0] / ks[0]).ln() + ks[1] * (vs[1] / ks[1]).ln() - budget / 7.0) / sum_k;
        let g = ln_g.exp();
        let o = p.max_metric(budget);
        assert!(close(o.slope, g, 1e-9), "{} vs {g}", o.slope);
        assert!(close(o.spend_cny, budget, 1e-9));
        let metric = 7.0 * (vs[0] + vs[1] - sum_k * g);
        assert!(close(o.metric, metric, 1e-9), "{} vs {metric}", o.metric);
    }

    /// Hill with a = 1: v = V s/(s + k), v' = V k/(s + k)², so
    /// s = √(V k / g) − k and v = V − √(V k g); Σ v = T/H gives
    /// √g = (Σ V − T/H) / Σ √(V k). Solved by hand for two lanes.
    #[test]
    fn two_hill_lanes_by_hand() {
        let hill = |vmax, k_cny| TrueLane {
            model: Model::Hill {
                vmax,
                k_cny,
                a: 1.0,
            },
            ..exp_lane(0, 1.0, 1.0)
        };
        let p = Problem {
            lanes: vec![hill(1000.0, 100.0), hill(400.0, 25.0)],
            horizon_days: 1.0,
            ..Problem::default()
        };
        // √(Vk) = 316.23 and 100; T = 1000: √g = 400 / 416.23.
        let sqrt_g = (1400.0 - 1000.0) / (100_000f64.sqrt() + 100.0);
        let g = sqrt_g * sqrt_g;
        let o = p.min_cost(1000.0);
        assert!(close(o.slope, g, 1e-9));
        let s0 = (1000.0 * 100.0 / g).sqrt() - 100.0;
        let s1 = (400.0 * 25.0 / g).sqrt() - 25.0;
        assert!(close(o.spend_cny_per_day[0], s0, 1e-8), "{o:?}");
        assert!(close(o.spend_cny_per_day[1], s1, 1e-8), "{o:?}");
        // Equal marginal cost on both lanes.
        let m0 = p.lanes[0].slope(o.spend_cny_per_day[0]);
        let m1 = p.lanes[1].slope(o.spend_cny_per_day[1]);
        assert!(close(m0, m1, 1e-8));
    }

    /// A GMV target weights each lane: metric per day w V − k g.
    #[test]
    fn gmv_weights_move_spend_to_valuable_lanes() {
        let mut a = exp_lane(0, 5000.0, 2000.0);
        let mut b = exp_lane(1, 5000.0, 2000.0);
        a.weight = 4.0;
        b.weight = 2.0;
        let p = Problem {
            lanes: vec![a, b],
            horizon_days: 1.0,
            ..Problem::default()
        };
        let target = 20_000.0;
        let g = (4.0 * 5000.0 + 2.0 * 5000.0 - target) / 4000.0;
        let o = p.min_cost(target);
        assert!(close(o.slope, g, 1e-9));
        let s = |w: f64| 2000.0 * (w * 5000.0 / (2000.0 * g)).ln();
        assert!(close(o.spend_cny_per_day[0], s(4.0), 1e-8));
        assert!(close(o.spend_cny_per_day[1], s(2.0), 1e-8));
        assert!(o.spend_cny_per_day[0] > o.spend_cny_per_day[1]);
    }

    /// A channel limit that binds fixes its lane at the limit; the other
    /// lane makes up the rest: s₂ = −k₂ ln(1 − v₂/V₂).
    #[test]
    fn a_binding_channel_limit() {
        let p = Problem {
            lanes: vec![exp_lane(0, 6000.0, 3000.0), exp_lane(1, 2500.0, 800.0)],
            horizon_days: 7.0,
            channel_max_cny: BTreeMap::from([(0, 7.0 * 500.0)]),
        };
        let target = 7.0 * 3000.0;
        let v1 = 6000.0 * (1.0 - (-500.0f64 / 3000.0).exp());
        let v2 = 3000.0 - v1;
        let s2 = -800.0 * (1.0 - v2 / 2500.0).ln();
        let o = p.min_cost(target);
        assert!(o.feasible);
        assert!(close(o.spend_cny_per_day[0], 500.0, 1e-9), "{o:?}");
        assert!(close(o.spend_cny_per_day[1], s2, 1e-8), "{o:?}");
        // Without the limit lane 0 would spend more.
        let free = Problem {
            channel_max_cny: BTreeMap::new(),
            ..p.clone()
        }
        .min_cost(target);
        assert!(free.spend_cny_per_day[0] > 500.0);
        assert!(free.spend_cny < o.spend_cny);
    }

    /// Excluded lanes spend nothing; a capped lane stops at its cap; an
    /// unreachable target returns the most reachable, marked infeasible.
    #[test]
    fn exclusion_cap_and_infeasibility() {
        let mut capped = exp_lane(1, 4000.0, 500.0);
        capped.cap_viewers_per_day = Some(1000.0);
        let mut excluded = exp_lane(2, 9000.0, 100.0);
        excluded.excluded = true;
        let p = Problem {
            lanes: vec![exp_lane(0, 3000.0, 3000.0), capped, excluded],
            horizon_days: 1.0,
            ..Problem::default()
        };
        let o = p.min_cost(3000.0);
        assert!(o.feasible);
        assert_eq!(o.spend_cny_per_day[2], 0.0);
        // The capped lane is cheap: it sits at its cap spend.
        let cap_spend = -500.0 * (1.0f64 - 1000.0 / 4000.0).ln();
        assert!(close(o.spend_cny_per_day[1], cap_spend, 1e-9), "{o:?}");
        assert!(close(
            p.lanes[1].viewers_per_day(o.spend_cny_per_day[1]),
            1000.0,
            1e-9
        ));
        // The rest from lane 0: 2000 = 3000 (1 − e^(−s/3000)).
        assert!(
            close(o.spend_cny_per_day[0], 3000.0 * 3f64.ln(), 1e-8),
            "{o:?}"
        );
        let too_much = p.min_cost(5000.0);
        assert!(!too_much.feasible);
        assert!(
            too_much.metric < 4000.0 && too_much.metric > 3990.0,
            "{too_much:?}"
        );
    }

    /// Rooms with their own targets are solved apart: the same as each
    /// room's own problem.
    #[test]
    fn rooms_are_independent() {
        let mut r1 = exp_lane(0, 2000.0, 1000.0);
        r1.room = 1;
        let p = Problem {
            lanes: vec![exp_lane(0, 6000.0, 3000.0), exp_lane(1, 2500.0, 800.0), r1],
            horizon_days: 7.0,
            ..Problem::default()
        };
        let targets = BTreeMap::from([(0, 7.0 * 4000.0), (1, 7.0 * 500.0)]);
        let o = p.min_cost_per_room(&targets).unwrap();
        // Room 1 alone: 500 = 2000 (1 − e^(−s/1000)).
        assert!(
            close(o.spend_cny_per_day[2], -1000.0 * 0.75f64.ln(), 1e-8),
            "{o:?}"
        );
        let room0 = p.room(0).min_cost(7.0 * 4000.0);
        assert!(close(
            o.spend_cny_per_day[0],
            room0.spend_cny_per_day[0],
            1e-12
        ));
        assert!(close(o.metric, 7.0 * 4500.0, 1e-9));
        let limited = Problem {
            channel_max_cny: BTreeMap::from([(0, 1.0)]),
            ..p
        };
        assert!(limited.min_cost_per_room(&targets).is_none());
    }

    /// Level (weekday mean × noise mean) scales viewers: the same spend
    /// buys `level ×` the model's viewers.
    #[test]
    fn level_scales_viewers() {
        let mut l = exp_lane(0, 1000.0, 100.0);
        l.level = 1.5;
        assert!(close(
            l.viewers_per_day(100.0),
            1500.0 * (1.0 - (-1.0f64).exp()),
            1e-12
        ));
        assert!(close(l.slope(0.0), 15.0, 1e-12));
        assert!(close(
            l.spend_for_slope(15.0 / std::f64::consts::E),
            100.0,
            1e-9
        ));
    }

    /// Completing a plan that falls short: the floor lane keeps its spend,
    /// the other lane adds what is missing (v₂ = T/H − v₁(floor)).
    #[test]
    fn completing_a_short_plan_adds_the_cheapest_missing_viewers() {
        let p = Problem {
            lanes: vec![exp_lane(0, 6000.0, 3000.0), exp_lane(1, 2500.0, 800.0)],
            horizon_days: 1.0,
            ..Problem::default()
        };
        // Lane 0 over-spent (its marginal is far below lane 1's).
        let floor = [9000.0, 0.0];
        let v0 = 6000.0 * (1.0 - (-3.0f64).exp());
        let o = p.min_cost_from(6500.0, &floor);
        let s1 = -800.0 * (1.0 - (6500.0 - v0) / 2500.0).ln();
        assert_eq!(o.spend_cny_per_day[0], 9000.0);
        assert!(close(o.spend_cny_per_day[1], s1, 1e-8), "{o:?}");
        // A floor that already meets the target needs nothing more.
        let met = p.min_cost_from(5000.0, &floor);
        assert!(
            met.spend_cny_per_day[0] == 9000.0 && met.spend_cny_per_day[1] < 1e-6,
            "{met:?}"
        );
        // Never cheaper than the unconstrained optimum.
        assert!(o.spend_cny > p.min_cost(6500.0).spend_cny);
    }
}
