//! Scenario families: how each history is generated and what the plan is
//! asked for, plus the weekly export (daily rows summed to ISO weeks).

use std::collections::BTreeMap;

use crate::contract::calendar::weekday;
use crate::synth::{Drift, GenOptions, Noise, Row};

/// What the plan is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// `--target-viewers`: 1.1 × the business-as-usual week's true viewers.
    Viewers,
    /// `--target-gmv`: 1.1 × the business-as-usual week's true GMV.
    Gmv,
    /// `--budget`: 1.1 × the last 7 days' spend.
    Budget,
    /// `--room-targets`: every room 1.1 × its own business-as-usual week.
    RoomTargets,
}

impl Goal {
    /// Short name in the outputs.
    pub fn name(self) -> &'static str {
        match self {
            Goal::Viewers => "viewers",
            Goal::Gmv => "gmv",
            Goal::Budget => "budget",
            Goal::RoomTargets => "room_targets",
        }
    }
}

/// Channel limits given to every method (and the oracle).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limits {
    /// None.
    None,
    /// `[channels.douyin_qianchuan] max_spend_cny` = half its last 7 days'
    /// spend (over the horizon, all rooms), and `[channels.kuaishou_ads]
    /// excluded = true`, with a target of the usual week's viewers: the
    /// other channels must spend well beyond their recent history.
    CappedMain,
}

/// The channel (index into `CHANNELS`) whose spend `CappedMain` limits.
pub const CAPPED_CHANNEL: usize = 0;
/// The channel `CappedMain` excludes.
pub const EXCLUDED_CHANNEL: usize = 2;
/// `CappedMain`: the limit as a share of the channel's business-as-usual spend.
pub const CAPPED_SHARE: f64 = 0.5;

/// History sizes of a grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// Rooms of the ordinary families.
    pub rooms: usize,
    /// Days of history of every family but `weekly`.
    pub days: usize,
    /// Days generated for `weekly` (before summing to weeks).
    pub weekly_days: usize,
    /// Rooms of `bot-lanes`.
    pub bot_lane_rooms: usize,
    /// Bot-dominated lanes of `bot-lanes`.
    pub bot_lanes: usize,
}

impl Sizes {
    /// The published grid: 10 rooms × 300 days (80 lanes), weekly exports
    /// of 364 days (52 weeks), 6 bot lanes among 400.
    pub const FULL: Sizes = Sizes {
        rooms: 10,
        days: 300,
        weekly_days: 364,
        bot_lane_rooms: 50,
        bot_lanes: 6,
    };
    /// The smoke test's: 6 rooms × 150 days.
    pub const SMOKE: Sizes = Sizes {
        rooms: 6,
        days: 150,
        weekly_days: 210,
        bot_lane_rooms: 6,
        bot_lanes: 1,
    };
}

/// A family of scenarios.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Family {
    /// Short id (`--families`).
    pub id: &'static str,
    /// What it varies, in a few words.
    pub about: &'static str,
    /// Only in the full grid (slow).
    pub slow: bool,
}

const fn fam(id: &'static str, about: &'static str) -> Family {
    Family {
        id,
        about,
        slow: false,
    }
}

/// Every family, in table order.
pub const FAMILIES: &[Family] = &[
    fam("mean-0.15", "mean-one lognormal noise σ 0.15"),
    fam(
        "mean-0.30",
        "mean-one lognormal noise σ 0.3 (the reference)",
    ),
    fam("mean-0.50", "mean-one lognormal noise σ 0.5"),
    fam(
        "median-0.15",
        "median-one noise σ 0.15 (expectation e^(σ²/2) above the curve)",
    ),
    fam("median-0.30", "median-one noise σ 0.3"),
    fam("median-0.50", "median-one noise σ 0.5"),
    fam(
        "poisson-small",
        "Poisson counts, volume 0.001 (a few viewers/day)",
    ),
    fam(
        "drift",
        "costs drift (Drift::TYPICAL); truth = the horizon week",
    ),
    fam("bots-2pct", "sporadic bots on 2 % of paid rows"),
    fam("bots-15pct", "sporadic bots on 15 % of paid rows"),
    fam(
        "bot-lanes",
        "bot-dominated lanes (bots on 50–80 % of paid days)",
    ),
    fam("weekly", "weekly exports (ISO weeks, date = Monday)"),
    fam(
        "capped-channel",
        "qianchuan max 50 % of its usual spend, kuaishou excluded; target 1.0 × the usual week",
    ),
    fam(
        "room-targets",
        "--room-targets: each room 1.1 × its usual week",
    ),
    fam("gmv-target", "--target-gmv: 1.1 × the usual week's GMV"),
    fam("budget", "--budget: 1.1 × the last 7 days' spend"),
    fam("rooms-1", "1 room"),
    fam("rooms-50", "50 rooms"),
    Family {
        id: "rooms-500",
        about: "500 rooms (4,000 lanes)",
        slow: true,
    },
];

/// The family of `id`.
pub fn family(id: &str) -> Option<&'static Family> {
    FAMILIES.iter().find(|f| f.id == id)
}

/// One history and one request.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Family id.
    pub family: &'static str,
    /// Seed of the generator.
    pub seed: u64,
    /// What to generate.
    pub options: GenOptions,
    /// Write weekly rows instead of daily ones.
    pub weekly: bool,
    /// What the plan is asked for.
    pub goal: Goal,
    /// Channel limits.
    pub limits: Limits,
    /// Days the plan covers.
    pub horizon_days: usize,
}

/// The `i`-th seed of a family: splitmix64 of the base seed, the family id
/// and `i`, so each family gets fresh, reproducible seeds.
pub fn seed_for(base: u64, family: &str, i: usize) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in family.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut z = base ^ h ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The scenario of family `id` for `seed`, or `None` for an unknown id.
///
/// Every family starts from the same world: lognormal mean-one noise σ 0.3,
/// no bots, 5 % paused channel-days, engagement columns (screening signals
/// and GMV), a viewer target of 1.1 × the business-as-usual week, a 7-day
/// horizon; each family changes one thing.
pub fn scenario(id: &str, sizes: Sizes, seed: u64) -> Option<Scenario> {
    let fam = family(id)?;
    let mut opts = GenOptions {
        rooms: sizes.rooms,
        days: sizes.days,
        seed,
        fake_rate: 0.0,
        noise_sigma: 0.3,
        noise: Noise::Mean,
        engagement: true,
        ..GenOptions::default()
    };
    let mut sc = Scenario {
        family: fam.id,
        seed,
        options: opts.clone(),
        weekly: false,
        goal: Goal::Viewers,
        limits: Limits::None,
        horizon_days: 7,
    };
    match id {
        "mean-0.15" => opts.noise_sigma = 0.15,
        "mean-0.30" => {}
        "mean-0.50" => opts.noise_sigma = 0.5,
        "median-0.15" | "median-0.30" | "median-0.50" => {
            opts.noise = Noise::Median;
            opts.noise_sigma = id["median-".len()..].parse().ok()?;
        }
        "poisson-small" => {
            opts.counts = true;
            opts.volume = 0.001;
        }
        "drift" => opts.drift = Some(Drift::TYPICAL),
        "bots-2pct" => opts.fake_rate = 0.02,
        "bots-15pct" => opts.fake_rate = 0.15,
        "bot-lanes" => {
            opts.rooms = sizes.bot_lane_rooms;
            opts.bot_lanes = sizes.bot_lanes;
        }
        "weekly" => {
            opts.days = sizes.weekly_days;
            sc.weekly = true;
        }
        "capped-channel" => sc.limits = Limits::CappedMain,
        "room-targets" => sc.goal = Goal::RoomTargets,
        "gmv-target" => sc.goal = Goal::Gmv,
        "budget" => sc.goal = Goal::Budget,
        "rooms-1" => opts.rooms = 1,
        "rooms-50" => opts.rooms = 50,
        "rooms-500" => opts.rooms = 500,
        _ => return None,
    }
    sc.options = opts;
    Some(sc)
}

/// Daily rows summed to ISO weeks (date = the Monday), per room × channel,
/// in date, room, channel order: spend, viewers, impressions, orders,
/// comments and GMV summed, watch time weighted by viewers, `fake` if any
/// day was. Weeks with fewer than 7 days in `rows` (the history's first and
/// last, when partial) are left out, so no week is short.
pub fn weekly_rows(rows: &[Row]) -> Vec<Row> {
    let mut weeks: BTreeMap<(i32, usize, usize), (Row, f64, u32)> = BTreeMap::new();
    for r in rows {
        let monday = r.date - i32::from(weekday(r.date));
        let e = weeks.entry((monday, r.room, r.channel)).or_insert_with(|| {
            (
                Row {
                    date: monday,
                    room: r.room,
                    channel: r.channel,
                    spend: 0.0,
                    viewers: 0.0,
                    impressions: 0.0,
                    orders: 0.0,
                    gmv: 0.0,
                    avg_watch_seconds: 0.0,
                    comments: 0.0,
                    fake: false,
                },
                0.0,
                0,
            )
        });
        let (w, watch_total, days) = e;
        w.spend += r.spend;
        w.viewers += r.viewers;
        w.impressions += r.impressions;
        w.orders += r.orders;
        w.gmv += r.gmv;
        w.comments += r.comments;
        w.fake |= r.fake;
        *watch_total += r.avg_watch_seconds * r.viewers;
        *days += 1;
    }
    weeks
        .into_values()
        .filter(|(_, _, days)| *days == 7)
        .map(|(mut w, watch_total, _)| {
            w.gmv = (w.gmv * 100.0).round() / 100.0;
            w.avg_watch_seconds = if w.viewers > 0.0 {
                (watch_total / w.viewers * 10.0).round() / 10.0
            } else {
                0.0
            };
            w
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::calendar::days_from_civil;
    use crate::synth::generate;

    #[test]
    fn weeks_start_on_monday_and_sum_the_days() {
        let opts = GenOptions {
            rooms: 2,
            days: 30,
            start_day: days_from_civil(2026, 3, 1), // a Sunday
            ..GenOptions::default()
        };
        let h = generate(&opts);
        let w = weekly_rows(&h.rows);
        // 2026-03-01 is a Sunday: full weeks start 03-02, 03-09, 03-16, 03-23
        // (the 30th day is 03-30, a Monday: a partial week, left out).
        let mondays: Vec<i32> = w.iter().map(|r| r.date).collect();
        let first = days_from_civil(2026, 3, 2);
        assert_eq!(w.len(), 4 * 2 * 8);
        assert!(mondays.iter().all(|&d| weekday(d) == 0));
        assert_eq!(mondays[0], first);
        assert_eq!(*mondays.last().unwrap(), first + 21);
        let week = &w[8 + 3]; // first week, room 1, channel 3
        assert_eq!((week.room, week.channel), (1, 3));
        let days: Vec<&Row> = h
            .rows
            .iter()
            .filter(|r| r.room == 1 && r.channel == 3 && (first..first + 7).contains(&r.date))
            .collect();
        assert_eq!(days.len(), 7);
        assert_eq!(week.spend, days.iter().map(|r| r.spend).sum::<f64>());
        assert_eq!(week.viewers, days.iter().map(|r| r.viewers).sum::<f64>());
        assert_eq!(week.orders, days.iter().map(|r| r.orders).sum::<f64>());
    }

    #[test]
    fn every_family_builds_and_seeds_differ() {
        for f in FAMILIES {
            let sc = scenario(f.id, Sizes::SMOKE, 7).unwrap();
            assert_eq!(sc.family, f.id);
        }
        assert!(scenario("nope", Sizes::SMOKE, 7).is_none());
        assert_eq!(
            scenario("median-0.50", Sizes::SMOKE, 1)
                .unwrap()
                .options
                .noise_sigma,
            0.5
        );
        assert_ne!(seed_for(1, "drift", 0), seed_for(1, "drift", 1));
        assert_ne!(seed_for(1, "drift", 0), seed_for(1, "budget", 0));
        assert_eq!(seed_for(1, "drift", 3), seed_for(1, "drift", 3));
    }
}
