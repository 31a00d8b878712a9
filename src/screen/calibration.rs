//! Measuring screening on many generated histories: the helpers the lane
//! tests share, and `#[ignore]`d calibration runs that print the figures
//! the tests' bounds were set from:
//!
//! ```text
//! cargo test --release --lib screen::calibration -- --ignored --nocapture --test-threads 1
//! ```

use std::path::Path;

use super::*;
use crate::load::{LoadOptions, load_csv_bytes};
use crate::synth::{CHANNELS, GenOptions, Headers, History, Rng, generate};

/// The history as the loader reads it (CSV line = row index + 2).
pub(super) fn load(h: &History) -> ValidatedData {
    let bytes = h.to_csv(Headers::English);
    load_csv_bytes(Path::new("t.csv"), &bytes, &LoadOptions::default())
        .expect("generated history loads")
        .data
}

/// The number just before `marker` in `text` ("… 14.2× the channel's" → 14.2).
pub(super) fn number_before(text: &str, marker: &str) -> f64 {
    let end = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker:?} in {text:?}"));
    let start = text[..end]
        .rfind(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map_or(0, |i| i + 1);
    text[start..end].parse().unwrap()
}

/// A generated history of `rooms` × 8 channels × `days`.
pub(super) fn history(
    rooms: usize,
    days: usize,
    seed: u64,
    engagement: bool,
    fake_rate: f64,
    bot_lanes: usize,
) -> History {
    generate(&GenOptions {
        rooms,
        days,
        seed,
        engagement,
        fake_rate,
        bot_lanes,
        ..GenOptions::default()
    })
}

/// Stress variant: every room's spend rescaled so that its base cost per
/// viewer is exactly `cheap_cny` (a share `cheap_share` of the rooms, drawn
/// from `seed`) or `ratio` × `cheap_cny` (the others). Viewers and
/// engagement are untouched, so the rooms are genuinely `ratio`× apart.
pub(super) fn rooms_apart(h: &mut History, ratio: f64, cheap_share: f64, seed: u64) {
    let mut rng = Rng::new(seed ^ 0x5eed_4a11);
    let cheap_cny = 0.5;
    let scale: Vec<f64> = h
        .truth
        .room_base_cost_cny
        .iter()
        .map(|(_, base)| {
            let target = if rng.uniform() < cheap_share {
                cheap_cny
            } else {
                cheap_cny * ratio
            };
            target / base
        })
        .collect();
    for r in &mut h.rows {
        r.spend = (r.spend * scale[r.room] * 100.0).round() / 100.0;
    }
}

/// Turn `lanes` lanes (drawn from `seed`, not already bot lanes) into lanes
/// made only of bots: every paid day's viewers × U(5, 30), with the watch
/// time, orders, comments and impressions of the real viewers alone (bots
/// watch 0–3 s), as the generator makes bot rows. They are added to
/// `truth.bot_lanes` with share 1.
pub(super) fn all_bot_lanes(h: &mut History, lanes: usize, seed: u64) {
    let mut rng = Rng::new(seed ^ 0xb07_1a4e5);
    let total = h.rooms.len() * CHANNELS.len();
    let mut picked: Vec<usize> = Vec::new();
    let taken = bot_lane_of(h);
    while picked.len() < lanes.min(total) {
        let l = (rng.next_u64() % total as u64) as usize;
        if !taken[l] && !picked.contains(&l) {
            picked.push(l);
        }
    }
    for r in &mut h.rows {
        let l = r.room * CHANNELS.len() + r.channel;
        if !picked.contains(&l) || r.spend <= 0.0 || r.viewers < 1.0 {
            continue;
        }
        let real = if r.fake {
            // Already a (sporadic) bot row: keep its bots.
            continue;
        } else {
            r.viewers
        };
        let inflated = (real * rng.range(5.0, 30.0)).round();
        r.avg_watch_seconds =
            ((real * r.avg_watch_seconds + (inflated - real) * rng.range(0.0, 3.0)) / inflated
                * 10.0)
                .round()
                / 10.0;
        r.viewers = inflated;
        r.fake = true;
    }
    for l in picked {
        let room = h.rooms[l / CHANNELS.len()].clone();
        let channel = CHANNELS[l % CHANNELS.len()].id.to_string();
        h.truth.bot_lanes.push((room, channel, 1.0));
    }
}

/// Whether row `r` of `h` belongs to one of the history's bot lanes.
pub(super) fn bot_lane_of(h: &History) -> Vec<bool> {
    let mut lane = vec![false; h.rooms.len() * CHANNELS.len()];
    for (room, channel, _) in &h.truth.bot_lanes {
        let ri = h.rooms.iter().position(|x| x == room).unwrap();
        let ci = CHANNELS.iter().position(|c| c.id == channel).unwrap();
        lane[ri * CHANNELS.len() + ci] = true;
    }
    lane
}

/// Counts of one screening against the generator's truth.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Counts {
    pub rows: usize,
    pub flagged: usize,
    /// Flagged rows that are bots.
    pub hits: usize,
    pub bots: usize,
    /// Bot rows in bot lanes, and how many of them were flagged.
    pub lane_bots: usize,
    pub lane_hits: usize,
    /// Bot rows elsewhere (sporadic), and how many were flagged.
    pub sporadic_bots: usize,
    pub sporadic_hits: usize,
    /// Bot lanes, those with a whole-lane verdict, and verdicts on other lanes.
    pub bot_lanes: usize,
    pub bot_lanes_judged: usize,
    pub other_lanes_judged: usize,
}

impl Counts {
    pub fn of(h: &History, res: &ScreenResult) -> Counts {
        let lanes = bot_lane_of(h);
        let mut c = Counts {
            rows: h.rows.len(),
            ..Counts::default()
        };
        for (i, r) in h.rows.iter().enumerate() {
            let flagged = res.flagged[i];
            let in_lane = lanes[r.room * CHANNELS.len() + r.channel];
            c.flagged += usize::from(flagged);
            if r.fake {
                c.bots += 1;
                c.hits += usize::from(flagged);
                if in_lane {
                    c.lane_bots += 1;
                    c.lane_hits += usize::from(flagged);
                } else {
                    c.sporadic_bots += 1;
                    c.sporadic_hits += usize::from(flagged);
                }
            }
        }
        c.bot_lanes = h.truth.bot_lanes.len();
        for v in &res.lanes {
            let truth = h
                .truth
                .bot_lanes
                .iter()
                .any(|(r, ch, _)| *r == v.room && *ch == v.channel);
            if truth {
                c.bot_lanes_judged += 1;
            } else {
                c.other_lanes_judged += 1;
            }
        }
        c
    }

    pub fn add(&mut self, o: Counts) {
        self.rows += o.rows;
        self.flagged += o.flagged;
        self.hits += o.hits;
        self.bots += o.bots;
        self.lane_bots += o.lane_bots;
        self.lane_hits += o.lane_hits;
        self.sporadic_bots += o.sporadic_bots;
        self.sporadic_hits += o.sporadic_hits;
        self.bot_lanes += o.bot_lanes;
        self.bot_lanes_judged += o.bot_lanes_judged;
        self.other_lanes_judged += o.other_lanes_judged;
    }

    pub fn precision(&self) -> f64 {
        if self.flagged == 0 {
            1.0
        } else {
            self.hits as f64 / self.flagged as f64
        }
    }

    pub fn recall(&self) -> f64 {
        ratio(self.hits, self.bots)
    }

    pub fn lane_recall(&self) -> f64 {
        ratio(self.lane_hits, self.lane_bots)
    }

    pub fn sporadic_recall(&self) -> f64 {
        ratio(self.sporadic_hits, self.sporadic_bots)
    }

    /// Share of all rows flagged.
    pub fn flagged_share(&self) -> f64 {
        ratio(self.flagged, self.rows)
    }

    /// Share of real (non-bot) rows flagged.
    pub fn false_share(&self) -> f64 {
        ratio(self.flagged - self.hits, self.rows - self.bots)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// One calibration case.
#[derive(Clone, Copy, Debug)]
struct Case {
    name: &'static str,
    rooms: usize,
    days: usize,
    fake_rate: f64,
    bot_lanes: usize,
    /// `Some((ratio, cheap_share))`: rooms rescaled to be `ratio`× apart.
    apart: Option<(f64, f64)>,
    /// Costs and audiences drift ([`crate::synth::Drift::TYPICAL`]).
    drift: bool,
    /// Multiplies every lane's spend and viewers (with Poisson counts
    /// below 1).
    volume: f64,
    /// Lanes turned into bots on every paid day.
    all_bots: usize,
}

const CASES: [Case; 11] = [
    Case {
        name: "bot lanes",
        rooms: 50,
        days: 240,
        fake_rate: 0.02,
        bot_lanes: 6,
        apart: None,
        drift: false,
        volume: 1.0,
        all_bots: 0,
    },
    Case {
        name: "bot lanes, rooms 4x apart",
        rooms: 30,
        days: 180,
        fake_rate: 0.02,
        bot_lanes: 6,
        apart: Some((4.0, 0.3)),
        drift: false,
        volume: 1.0,
        all_bots: 0,
    },
    Case {
        name: "no bots",
        rooms: 30,
        days: 240,
        fake_rate: 0.0,
        bot_lanes: 0,
        apart: None,
        drift: false,
        volume: 1.0,
        all_bots: 0,
    },
    Case {
        name: "no bots, rooms 4x apart (30 % cheap)",
        rooms: 30,
        days: 240,
        fake_rate: 0.0,
        bot_lanes: 0,
        apart: Some((4.0, 0.3)),
        drift: false,
        volume: 1.0,
        all_bots: 0,
    },
    Case {
        name: "no bots, rooms 4x apart (10 % cheap)",
        rooms: 40,
        days: 180,
        fake_rate: 0.0,
        bot_lanes: 0,
        apart: Some((4.0, 0.1)),
        drift: false,
        volume: 1.0,
        all_bots: 0,
    },
    Case {
        name: "sporadic 2 %",
        rooms: 8,
        days: 240,
        fake_rate: 0.02,
        bot_lanes: 0,
        apart: None,
        drift: false,
        volume: 1.0,
        all_bots: 0,
    },
    Case {
        name: "sporadic 15 %",
        rooms: 8,
        days: 240,
        fake_rate: 0.15,
        bot_lanes: 0,
        apart: None,
        drift: false,
        volume: 1.0,
        all_bots: 0,
    },
    Case {
        name: "no bots, drifting costs",
        rooms: 30,
        days: 365,
        fake_rate: 0.0,
        bot_lanes: 0,
        apart: None,
        drift: true,
        volume: 1.0,
        all_bots: 0,
    },
    Case {
        name: "no bots, small counts",
        rooms: 30,
        days: 240,
        fake_rate: 0.0,
        bot_lanes: 0,
        apart: None,
        drift: false,
        volume: 0.003,
        all_bots: 0,
    },
    Case {
        name: "bot lanes, drifting costs",
        rooms: 30,
        days: 365,
        fake_rate: 0.02,
        bot_lanes: 6,
        apart: None,
        drift: true,
        volume: 1.0,
        all_bots: 0,
    },
    Case {
        name: "3 lanes all bots",
        rooms: 30,
        days: 180,
        fake_rate: 0.02,
        bot_lanes: 0,
        apart: None,
        drift: false,
        volume: 1.0,
        all_bots: 3,
    },
];

fn run_case(case: Case, engagement: bool, seeds: std::ops::Range<u64>) {
    let mut total = Counts::default();
    let mut worst_lane_recall = 1.0f64;
    let mut worst_precision = 1.0f64;
    let mut worst_flagged_share = 0.0f64;
    let mut worst_sporadic_recall = 1.0f64;
    let n = seeds.end - seeds.start;
    for seed in seeds {
        let mut h = generate(&GenOptions {
            rooms: case.rooms,
            days: case.days,
            seed,
            engagement,
            fake_rate: case.fake_rate,
            bot_lanes: case.bot_lanes,
            drift: case.drift.then_some(crate::synth::Drift::TYPICAL),
            volume: case.volume,
            counts: case.volume < 1.0,
            ..GenOptions::default()
        });
        if let Some((ratio, share)) = case.apart {
            rooms_apart(&mut h, ratio, share, seed);
        }
        all_bot_lanes(&mut h, case.all_bots, seed);
        let res = screen(&load(&h), &ScreenOptions::default()).unwrap();
        let c = Counts::of(&h, &res);
        worst_lane_recall = worst_lane_recall.min(c.lane_recall());
        worst_precision = worst_precision.min(c.precision());
        worst_flagged_share = worst_flagged_share.max(c.flagged_share());
        worst_sporadic_recall = worst_sporadic_recall.min(c.sporadic_recall());
        total.add(c);
    }
    println!(
        "{:<40} engagement {:<5} {n:>3} seeds: precision {:.4} (worst {:.4}), recall {:.4}, \
         bot-lane recall {:.4} (worst {:.4}), sporadic recall {:.4} (worst {:.4}), \
         rows flagged {:.3} % (worst {:.3} %), real rows flagged {:.3} %; \
         lane verdicts {}/{} bot lanes, {} other lanes",
        case.name,
        engagement,
        total.precision(),
        worst_precision,
        total.recall(),
        total.lane_recall(),
        worst_lane_recall,
        total.sporadic_recall(),
        worst_sporadic_recall,
        100.0 * total.flagged_share(),
        100.0 * worst_flagged_share,
        100.0 * total.false_share(),
        total.bot_lanes_judged,
        total.bot_lanes,
        total.other_lanes_judged,
    );
}

#[test]
#[ignore = "calibration: prints figures over many seeds"]
fn calibrate_every_case() {
    let seeds: u64 = std::env::var("ACQPLAN_CALIBRATION_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40);
    let only = std::env::var("ACQPLAN_CALIBRATION_CASE").ok();
    for case in CASES {
        if only.as_deref().is_some_and(|o| !case.name.contains(o)) {
            continue;
        }
        for engagement in [false, true] {
            run_case(case, engagement, 1000..1000 + seeds);
        }
    }
}
