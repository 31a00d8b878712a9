//! Two baselines computed from the history alone (never the truth), on the
//! same rows acqplan reads (daily or weekly), under the same limits.
//!
//! Both use the rows as reported: bot viewers included, since neither rule
//! screens. "Metric" is viewers, or GMV (CNY) for a GMV target. The history
//! period (1 day, or 7 for weekly rows) converts rows to days; windows are
//! the rows dated in the last 7 (or 28) days of the history, i.e. the last
//! week (or four weeks) of weekly rows.
//!
//! - **Business as usual** ([`business_as_usual`]): every lane keeps its
//!   last-7-days spend, all scaled by one factor `φ`. Each lane is predicted
//!   linearly at its last-28-days metric per CNY; `φ` is chosen (bisection)
//!   so that the predicted horizon total equals the target (budget mode:
//!   so that the spend equals the budget; room targets: one `φ` per room).
//!   Limits: excluded channels get nothing; a channel over its maximum is
//!   scaled down to it, its lanes keeping their proportions, and `φ` rises
//!   on the others.
//! - **The analyst's naive rule** ([`naive`]): each lane's last-28-days cost
//!   per metric unit (spend ÷ metric; lanes without spend or metric in
//!   those days are not used); lanes are filled cheapest first, each up to
//!   1.5 × its highest daily spend in the whole history (per day of the
//!   horizon), until the linear prediction reaches the target (budget mode:
//!   until the budget is spent; room targets: room by room). A channel's
//!   maximum caps the channel's running total; excluded channels are
//!   skipped. If every lane is full first, the plan stops short.

use std::collections::BTreeMap;

use crate::synth::Row;

/// What the history says about one lane.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LaneStats {
    /// Spend in the last 7 days, CNY.
    pub last7_spend_cny: f64,
    /// Metric in the last 7 days.
    pub last7_metric: f64,
    /// Spend in the last 28 days, CNY.
    pub last28_spend_cny: f64,
    /// Metric in the last 28 days.
    pub last28_metric: f64,
    /// Highest spend of one row ÷ the period, CNY/day.
    pub max_spend_cny_per_day: f64,
}

/// Per lane (`room × channels + channel`) statistics of `rows`, whose
/// period is `period_days`; `gmv` picks the metric.
pub fn lane_stats(
    rows: &[Row],
    lanes: usize,
    channels: usize,
    period_days: i32,
    gmv: bool,
) -> Vec<LaneStats> {
    let mut out = vec![LaneStats::default(); lanes];
    let Some(last) = rows.iter().map(|r| r.date).max() else {
        return out;
    };
    for r in rows {
        let s = &mut out[r.room * channels + r.channel];
        let m = if gmv { r.gmv } else { r.viewers };
        if r.date > last - 7 {
            s.last7_spend_cny += r.spend;
            s.last7_metric += m;
        }
        if r.date > last - 28 {
            s.last28_spend_cny += r.spend;
            s.last28_metric += m;
        }
        s.max_spend_cny_per_day = s
            .max_spend_cny_per_day
            .max(r.spend / f64::from(period_days));
    }
    out
}

/// What the baseline must reach.
#[derive(Clone, Debug, PartialEq)]
pub enum Ask {
    /// Total metric over the horizon.
    Target(f64),
    /// Budget over the horizon, CNY.
    Budget(f64),
    /// Metric per room (index) over the horizon.
    Rooms(BTreeMap<usize, f64>),
}

/// Lanes' identities and the limits every method is given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Frame {
    /// Room index of each lane.
    pub room: Vec<usize>,
    /// Channel index of each lane.
    pub channel: Vec<usize>,
    /// Excluded channels.
    pub excluded: Vec<usize>,
    /// Channel maximum over the horizon, CNY.
    pub channel_max_cny: BTreeMap<usize, f64>,
    /// Horizon, days.
    pub horizon_days: f64,
}

fn bisect(mut lo: f64, mut hi: f64, level: f64, f: impl Fn(f64) -> f64) -> f64 {
    // f increasing; the smallest x with f(x) ≥ level.
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) >= level {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// Business as usual: spend per lane, CNY/day. See the module docs.
pub fn business_as_usual(stats: &[LaneStats], frame: &Frame, ask: &Ask) -> Vec<f64> {
    let h = frame.horizon_days;
    let base: Vec<f64> = stats
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if frame.excluded.contains(&frame.channel[i]) {
                0.0
            } else {
                s.last7_spend_cny / 7.0
            }
        })
        .collect();
    let rate: Vec<f64> = stats
        .iter()
        .map(|s| {
            if s.last28_spend_cny > 0.0 {
                s.last28_metric / s.last28_spend_cny
            } else {
                0.0
            }
        })
        .collect();
    let lanes_of = |room: Option<usize>| -> Vec<usize> {
        (0..stats.len())
            .filter(|&i| room.is_none_or(|r| frame.room[i] == r))
            .collect()
    };
    // Spend per day of `idx` at factor φ, with channel maxima applied.
    let at = |idx: &[usize], phi: f64| -> Vec<(usize, f64)> {
        let mut out: Vec<(usize, f64)> = idx.iter().map(|&i| (i, phi * base[i])).collect();
        for (&c, &max) in &frame.channel_max_cny {
            let total: f64 = out
                .iter()
                .filter(|(i, _)| frame.channel[*i] == c)
                .map(|(_, s)| s * h)
                .sum();
            if total > max {
                let f = max / total;
                for (i, s) in &mut out {
                    if frame.channel[*i] == c {
                        *s *= f;
                    }
                }
            }
        }
        out
    };
    let predicted =
        |alloc: &[(usize, f64)]| alloc.iter().map(|&(i, s)| rate[i] * s * h).sum::<f64>();
    let spent = |alloc: &[(usize, f64)]| alloc.iter().map(|&(_, s)| s * h).sum::<f64>();
    let mut spend = vec![0.0; stats.len()];
    let mut solve = |idx: Vec<usize>, goal: f64, budget: bool| {
        let phi = if budget {
            bisect(0.0, 1e6, goal, |p| spent(&at(&idx, p)))
        } else {
            bisect(0.0, 1e6, goal, |p| predicted(&at(&idx, p)))
        };
        for (i, s) in at(&idx, phi) {
            spend[i] = s;
        }
    };
    match ask {
        Ask::Target(t) => solve(lanes_of(None), *t, false),
        Ask::Budget(b) => solve(lanes_of(None), *b, true),
        Ask::Rooms(targets) => {
            for (&room, &t) in targets {
                solve(lanes_of(Some(room)), t, false);
            }
        }
    }
    spend
}

/// The analyst's naive rule: spend per lane, CNY/day. See the module docs.
pub fn naive(stats: &[LaneStats], frame: &Frame, ask: &Ask) -> Vec<f64> {
    let h = frame.horizon_days;
    let mut order: Vec<(f64, usize)> = stats
        .iter()
        .enumerate()
        .filter(|(i, s)| {
            !frame.excluded.contains(&frame.channel[*i])
                && s.last28_spend_cny > 0.0
                && s.last28_metric > 0.0
        })
        .map(|(i, s)| (s.last28_spend_cny / s.last28_metric, i))
        .collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut spend = vec![0.0; stats.len()];
    let mut used: BTreeMap<usize, f64> = BTreeMap::new();
    let mut fill = |room: Option<usize>, mut left: f64, budget: bool| {
        for &(cost, i) in &order {
            if left <= 0.0 {
                break;
            }
            if room.is_some_and(|r| frame.room[i] != r) {
                continue;
            }
            let c = frame.channel[i];
            let channel_left = frame.channel_max_cny.get(&c).map_or(f64::INFINITY, |max| {
                (max - used.get(&c).copied().unwrap_or(0.0)).max(0.0)
            });
            let want = if budget { left } else { left * cost };
            let s = (1.5 * stats[i].max_spend_cny_per_day * h)
                .min(channel_left)
                .min(want);
            spend[i] = s / h;
            *used.entry(c).or_default() += s;
            left -= if budget { s } else { s / cost };
        }
    };
    match ask {
        Ask::Target(t) => fill(None, *t, false),
        Ask::Budget(b) => fill(None, *b, true),
        Ask::Rooms(targets) => {
            for (&room, &t) in targets {
                fill(Some(room), t, false);
            }
        }
    }
    spend
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(date: i32, room: usize, channel: usize, spend: f64, viewers: f64) -> Row {
        Row {
            date,
            room,
            channel,
            spend,
            viewers,
            impressions: 0.0,
            orders: 0.0,
            gmv: 2.0 * viewers,
            avg_watch_seconds: 0.0,
            comments: 0.0,
            fake: false,
        }
    }

    /// Two lanes over 28 days: lane 0 at 100 CNY → 200 viewers a day
    /// (0.5 CNY each), lane 1 at 100 CNY → 50 viewers (2 CNY each); lane 0
    /// spent 300 once (its maximum).
    fn history() -> Vec<Row> {
        let mut rows = Vec::new();
        for d in 0..28 {
            let s0 = if d == 3 { 300.0 } else { 100.0 };
            rows.push(row(d, 0, 0, s0, s0 * 2.0));
            rows.push(row(d, 0, 1, 100.0, 50.0));
        }
        rows
    }

    fn frame() -> Frame {
        Frame {
            room: vec![0, 0],
            channel: vec![0, 1],
            horizon_days: 7.0,
            ..Frame::default()
        }
    }

    #[test]
    fn stats_windows_and_weekly_period() {
        let s = lane_stats(&history(), 2, 2, 1, false);
        assert_eq!(s[0].last7_spend_cny, 700.0);
        assert_eq!(s[0].last28_spend_cny, 27.0 * 100.0 + 300.0);
        assert_eq!(s[0].max_spend_cny_per_day, 300.0);
        assert_eq!(s[1].last28_metric, 28.0 * 50.0);
        let g = lane_stats(&history(), 2, 2, 1, true);
        assert_eq!(g[1].last28_metric, 28.0 * 100.0);
        // Weekly rows: the last row alone is the last 7 days; max per day /7.
        let weekly = vec![row(0, 0, 0, 700.0, 1400.0), row(7, 0, 0, 1400.0, 2000.0)];
        let w = lane_stats(&weekly, 1, 1, 7, false);
        assert_eq!(w[0].last7_spend_cny, 1400.0);
        assert_eq!(w[0].last28_spend_cny, 2100.0);
        assert_eq!(w[0].max_spend_cny_per_day, 200.0);
    }

    #[test]
    fn business_as_usual_scales_the_last_week() {
        let s = lane_stats(&history(), 2, 2, 1, false);
        // Rates: lane 0 2 viewers/CNY, lane 1 0.5. Base 100 CNY/day each:
        // 7 days × φ × (200 + 50) = 3500 → φ = 2.
        let spend = business_as_usual(&s, &frame(), &Ask::Target(3500.0));
        assert!(
            (spend[0] - 200.0).abs() < 1e-6 && (spend[1] - 200.0).abs() < 1e-6,
            "{spend:?}"
        );
        let b = business_as_usual(&s, &frame(), &Ask::Budget(2800.0));
        assert!((b[0] - 200.0).abs() < 1e-6, "{b:?}");
        // Channel 0 limited to 700 CNY over the horizon: lane 1 makes up the
        // rest: 7 × 100 × 2 + 7 × s₁ × 0.5 = 3500 → s₁ = 600.
        let limited = Frame {
            channel_max_cny: BTreeMap::from([(0, 700.0)]),
            ..frame()
        };
        let l = business_as_usual(&s, &limited, &Ask::Target(3500.0));
        assert!(
            (l[0] - 100.0).abs() < 1e-6 && (l[1] - 600.0).abs() < 1e-4,
            "{l:?}"
        );
    }

    #[test]
    fn naive_fills_cheapest_first_up_to_one_and_a_half_times_the_max() {
        let s = lane_stats(&history(), 2, 2, 1, false);
        // Lane 0 first (0.5 CNY/viewer) up to 1.5 × 300 × 7 = 3150 CNY →
        // 6300 viewers; the rest from lane 1 at 2 CNY/viewer.
        let spend = naive(&s, &frame(), &Ask::Target(6600.0));
        assert!((spend[0] - 450.0).abs() < 1e-9, "{spend:?}");
        assert!((spend[1] * 7.0 - 300.0 * 2.0).abs() < 1e-6, "{spend:?}");
        // Lane 1 is full at 1.5 × 100 CNY/day: the plan stops short.
        let short = naive(&s, &frame(), &Ask::Target(9000.0));
        assert!((short[1] - 150.0).abs() < 1e-9, "{short:?}");
        let small = naive(&s, &frame(), &Ask::Target(700.0));
        assert!(
            (small[0] - 50.0).abs() < 1e-9 && small[1] == 0.0,
            "{small:?}"
        );
        let excl = Frame {
            excluded: vec![0],
            ..frame()
        };
        let e = naive(&s, &excl, &Ask::Budget(1400.0));
        assert_eq!(e[0], 0.0);
        assert!((e[1] - 150.0).abs() < 1e-9, "{e:?}"); // 1.5 × 100 per day
    }
}
