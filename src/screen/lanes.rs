//! Evidence across lanes and whole-lane verdicts.
//!
//! After every lane has been screened against its own medians, each
//! channel's lanes are compared with each other ([`ChannelNorms`]): how many
//! viewers per CNY the channel's rooms get at comparable spend, and how long
//! their viewers watch, comment and buy. A lane is then judged as a whole
//! ([`LaneVerdict`]) when its days split into a normal-cost cluster and a
//! cluster that only bots explain, or when none of its days looks like the
//! channel's other rooms.

use serde::Serialize;

use super::signals::{COMMENTS, ENG_KINDS, GMV, LaneSummary, ORDERS, Prior, WATCH};
use super::stats::{MAD_TO_SIGMA, median_in_place, theil_sen_slope};

/// A lane is looked at twice (against its clean days) when at least this
/// share of its paid days sits outside its lowest cost cluster; a verdict
/// needs this share of its paid days flagged.
pub(crate) const LANE_SHARE: f64 = 0.25;
/// A channel needs this many lanes with a level for cross-room evidence.
const MIN_CROSS_LANES: usize = 6;
/// Across rooms, ln(viewers per CNY) may fall with ln spend (saturation) by
/// at most this slope, and never rise with it.
const MIN_CROSS_SLOPE: f64 = -0.5;
/// Floor on the cross-room σ of lane levels (natural logs).
const SIGMA_FLOOR_CROSS: f64 = 0.1;
/// Per-viewer engagement of the flagged days at most this share of the
/// clean days' confirms bots (a real change of cost keeps engagement).
const ENGAGEMENT_COLLAPSE: f64 = 0.5;
/// Without engagement columns, flagged days with at least this many times
/// the viewers per CNY of the channel's other rooms confirm bots …
const CROSS_CONFIRM: f64 = 3.0;
/// … if the clean days are not more than this many times dearer than them.
const PLAUSIBLE_DEARER: f64 = 6.0;
/// Without engagement columns or other rooms, the flagged days must get
/// this many times the viewers per CNY of the clean days.
const SEPARATION_ALONE: f64 = 4.0;
/// A lane whose clean level is this many times the channel's other rooms'
/// viewers per CNY …
const PRIOR_RATIO: f64 = 6.0;
/// … and this many cross-room σ above them has no clean days of its own.
const PRIOR_Z: f64 = 3.0;
/// The most a real lane of a channel gets over its other rooms' viewers per
/// CNY; a day above it is bought.
const PLAUSIBLE_CHEAPER: f64 = 3.0;
/// A lane whose per-viewer engagement is at most this share of the
/// channel's other rooms' (geometric mean over watch time, orders,
/// comments, GMV) has no clean days of its own, whatever its cost.
pub(crate) const ENGAGEMENT_PRIOR: f64 = 0.25;
/// A lane whose viewers watch this long or less on a typical day …
pub(crate) const ABS_WATCH_SECONDS: f64 = 10.0;
/// … which is at most this share of the channel's other rooms' watch time,
/// is made of bots whatever its cost.
pub(crate) const WATCH_SHARE: f64 = 0.25;

/// What a channel's lanes look like across rooms (natural logs).
#[derive(Clone, Debug)]
pub(crate) struct ChannelNorms {
    x_mid: f64,
    a: f64,
    b: f64,
    /// Robust σ of lane levels around the cross-room line.
    pub sigma: f64,
    /// Median within-lane σ of a day's cost residual.
    pub cost_sigma: f64,
    /// (median of the lanes' medians, median of the lanes' σ) of each
    /// engagement value.
    pub eng: [Option<(f64, f64)>; ENG_KINDS],
}

impl ChannelNorms {
    /// The channel's ln(viewers per CNY) at ln spend `x`: a robust line
    /// through the lanes' levels (Theil–Sen slope, clamped to saturation).
    pub(crate) fn level_at(&self, x: f64) -> f64 {
        self.a + self.b * (x - self.x_mid)
    }

    /// Norms from the lanes of one channel; `None` with too few lanes.
    pub(crate) fn from_lanes(lanes: &[&LaneSummary]) -> Option<ChannelNorms> {
        let pts: Vec<(f64, f64)> = lanes
            .iter()
            .filter(|s| s.level.is_finite() && s.log_spend_median.is_finite())
            .map(|s| (s.log_spend_median, s.level))
            .collect();
        if pts.len() < MIN_CROSS_LANES {
            return None;
        }
        let mut xs: Vec<f64> = pts.iter().map(|p| p.0).collect();
        let x_mid = median_in_place(&mut xs)?;
        let b = theil_sen_slope(&pts, 0.05)
            .unwrap_or(0.0)
            .clamp(MIN_CROSS_SLOPE, 0.0);
        let mut off: Vec<f64> = pts.iter().map(|p| p.1 - b * (p.0 - x_mid)).collect();
        let a = median_in_place(&mut off)?;
        let mut dev: Vec<f64> = off.iter().map(|o| (o - a).abs()).collect();
        let sigma = (MAD_TO_SIGMA * median_in_place(&mut dev)?).max(SIGMA_FLOOR_CROSS);
        let mut cs: Vec<f64> = lanes
            .iter()
            .map(|s| s.cost_sigma)
            .filter(|v| v.is_finite())
            .collect();
        let cost_sigma = median_in_place(&mut cs)?;
        let mut eng = [None; ENG_KINDS];
        for (i, e) in eng.iter_mut().enumerate() {
            let (mut med, mut sig): (Vec<f64>, Vec<f64>) =
                lanes.iter().filter_map(|s| s.eng[i]).unzip();
            if med.len() >= MIN_CROSS_LANES {
                *e = median_in_place(&mut med).zip(median_in_place(&mut sig));
            }
        }
        Some(ChannelNorms {
            x_mid,
            a,
            b,
            sigma,
            cost_sigma,
            eng,
        })
    }
}

/// Mean ln(flagged days' ÷ norm's) per-viewer engagement over the values
/// the lane has (watch time, orders, comments, GMV).
fn engagement_drop(s: &LaneSummary) -> Option<f64> {
    let d: Vec<f64> = [WATCH, ORDERS, COMMENTS, GMV]
        .iter()
        .filter_map(|&i| Some(s.flagged_eng[i]? - s.eng[i]?.0))
        .collect();
    (!d.is_empty()).then(|| d.iter().sum::<f64>() / d.len() as f64)
}

/// Whether the second look at a lane (against its clean days) shows bots:
/// enough of its paid days flagged, and per-viewer engagement of those days
/// collapsed (with engagement columns), or their viewers per CNY far above
/// the channel's other rooms while the clean days look like them (with
/// other rooms), or far above the clean days (with neither).
pub(crate) fn confirms_mixed(s: &LaneSummary, channel: Option<&ChannelNorms>) -> bool {
    if s.paid == 0 || (s.flagged_paid as f64) < LANE_SHARE * s.paid as f64 {
        return false;
    }
    if let Some(drop) = engagement_drop(s) {
        return drop <= ENGAGEMENT_COLLAPSE.ln();
    }
    match channel {
        Some(c) => {
            let line = c.level_at(s.log_spend_median);
            s.level + s.flagged_excess - line >= CROSS_CONFIRM.ln()
                && s.level - line >= -PLAUSIBLE_DEARER.ln()
        }
        None => s.flagged_excess >= SEPARATION_ALONE.ln(),
    }
}

/// A lane's engagement against its channel's other rooms: whether its
/// viewers watch 10 s or less where the channel's watch four times as long,
/// and the mean ln(lane ÷ channel) of its per-viewer engagement values
/// (watch time, orders, comments, GMV; `None` without any).
fn engagement_against_channel(s: &LaneSummary, c: &ChannelNorms) -> (bool, Option<f64>) {
    let watch_suspect = match (s.eng[WATCH], c.eng[WATCH]) {
        (Some((w, _)), Some((cw, _))) => w <= ABS_WATCH_SECONDS.ln() && w <= cw + WATCH_SHARE.ln(),
        _ => false,
    };
    let d: Vec<f64> = [WATCH, ORDERS, COMMENTS, GMV]
        .iter()
        .filter_map(|&i| Some(s.eng[i]?.0 - c.eng[i]?.0))
        .collect();
    let drop = (!d.is_empty()).then(|| d.iter().sum::<f64>() / d.len() as f64);
    (watch_suspect, drop)
}

/// The channel's prior for a lane none of whose days looks like its other
/// rooms: its clean level ≥ 6× their viewers per CNY (and ≥ 3 σ; with
/// engagement columns, per-viewer engagement also halved against them);
/// per-viewer engagement (watch time, orders, comments, GMV) a quarter of
/// theirs or less; or viewers who watch 10 s or less where the channel's
/// watch four times as long. `None` for any other lane.
pub(crate) fn prior_for(s: &LaneSummary, c: &ChannelNorms) -> Option<Prior> {
    if !(s.level.is_finite() && s.log_spend_median.is_finite()) {
        return None;
    }
    let line = c.level_at(s.log_spend_median);
    let cheap = s.level - line;
    let cost_suspect = cheap >= PRIOR_RATIO.ln() && cheap >= PRIOR_Z * c.sigma;
    let (watch_suspect, drop) = engagement_against_channel(s, c);
    let suspect = match drop {
        None => cost_suspect,
        Some(drop) => {
            watch_suspect
                || drop <= ENGAGEMENT_PRIOR.ln()
                || (cost_suspect && drop <= ENGAGEMENT_COLLAPSE.ln())
        }
    };
    suspect.then_some(Prior {
        channel_level: line,
        max_level: line + PLAUSIBLE_CHEAPER.ln(),
        cost_sigma: c.cost_sigma,
        eng: c.eng,
    })
}

/// [`prior_for`] for a mixed lane taken as a whole (all its days), on
/// engagement evidence only: its viewers watch 10 s or less where the
/// channel's watch four times as long, or its per-viewer engagement is a
/// quarter of the channel's. Cost alone is not enough here: a room that is
/// legitimately 3–4× cheaper than the others, with bots on most days, looks
/// ≥ 6× cheaper as a whole while its clean days are real.
pub(crate) fn prior_for_whole(s: &LaneSummary, c: &ChannelNorms) -> Option<Prior> {
    let (watch_suspect, drop) = engagement_against_channel(s, c);
    if watch_suspect || drop.is_some_and(|d| d <= ENGAGEMENT_PRIOR.ln()) {
        prior_for(s, c)
    } else {
        None
    }
}

/// How a lane was judged as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LaneBasis {
    /// Its days split into a clean cluster and a bought one; rows are
    /// judged against the clean days.
    Mixed,
    /// No day looks like the channel's other rooms; rows are judged against
    /// them.
    NoCleanDays,
}

impl LaneBasis {
    /// Name in files.
    pub fn name(self) -> &'static str {
        match self {
            LaneBasis::Mixed => "mixed",
            LaneBasis::NoCleanDays => "no_clean_days",
        }
    }
}

/// A room × channel lane judged to be made largely of bought traffic.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LaneVerdict {
    /// Room.
    pub room: String,
    /// Channel.
    pub channel: String,
    /// How it was judged.
    pub basis: LaneBasis,
    /// Paid days with viewers.
    pub paid_days: usize,
    /// Of those, days flagged as bought (their rows are in `flagged_rows`).
    pub bought_days: usize,
    /// Viewers per CNY of the bought days ÷ the channel's other rooms' at
    /// the lane's median spend (`None` with fewer than 6 lanes in the
    /// channel).
    pub viewers_per_cny_vs_channel: Option<f64>,
    /// Viewers per CNY of the bought days ÷ the lane's clean days' at the
    /// same spend (mixed lanes).
    pub viewers_per_cny_vs_clean_days: Option<f64>,
    /// Median average watch time of the bought days, seconds.
    pub watch_seconds_bought: Option<f64>,
    /// Median watch time of the norm (the channel's other rooms, else the
    /// lane's clean days), seconds.
    pub watch_seconds_norm: Option<f64>,
    /// Orders per viewer of the bought days ÷ the norm's.
    pub orders_per_viewer_vs_norm: Option<f64>,
    /// Comments per viewer of the bought days ÷ the norm's.
    pub comments_per_viewer_vs_norm: Option<f64>,
    /// GMV per viewer of the bought days ÷ the norm's (without orders).
    pub gmv_per_viewer_vs_norm: Option<f64>,
    /// The reason a person reads, e.g. "room_16 × douyin_douplus: 57 % of
    /// paid days look bought: viewers per CNY 12× the channel's other rooms
    /// (15× its own clean days), watch time 6 s vs 70 s, per viewer orders
    /// 0.07×, comments 0.06× the norm".
    pub reason: String,
}

impl LaneVerdict {
    /// Share of the paid days that look bought.
    pub fn bought_share(&self) -> f64 {
        if self.paid_days == 0 {
            0.0
        } else {
            self.bought_days as f64 / self.paid_days as f64
        }
    }

    /// The verdict of lane `room` × `channel` from its summary under the
    /// anchor `basis` names.
    pub(crate) fn new(
        room: &str,
        channel: &str,
        basis: LaneBasis,
        s: &LaneSummary,
        norms: Option<&ChannelNorms>,
    ) -> LaneVerdict {
        let line = norms.map(|c| c.level_at(s.log_spend_median));
        let (vs_channel, vs_clean) = match basis {
            LaneBasis::Mixed => (
                line.map(|l| (s.level + s.flagged_excess - l).exp()),
                Some(s.flagged_excess.exp()),
            ),
            // Measured from the channel's level already.
            LaneBasis::NoCleanDays => (Some(s.flagged_excess.exp()), None),
        };
        let finite = |v: Option<f64>| v.filter(|x| x.is_finite());
        // Engagement norm: the channel's other rooms, else the clean days.
        let norm = |i: usize| {
            norms
                .and_then(|c| c.eng[i])
                .or(match basis {
                    LaneBasis::Mixed => s.eng[i],
                    LaneBasis::NoCleanDays => None,
                })
                .map(|e| e.0)
        };
        let vs = |i: usize| finite(Some((s.flagged_eng[i]? - norm(i)?).exp()));
        let mut v = LaneVerdict {
            room: room.into(),
            channel: channel.into(),
            basis,
            paid_days: s.paid,
            bought_days: s.flagged_paid,
            viewers_per_cny_vs_channel: finite(vs_channel),
            viewers_per_cny_vs_clean_days: finite(vs_clean),
            watch_seconds_bought: finite(s.flagged_eng[WATCH].map(f64::exp)),
            watch_seconds_norm: finite(norm(WATCH).map(f64::exp)),
            orders_per_viewer_vs_norm: vs(ORDERS),
            comments_per_viewer_vs_norm: vs(COMMENTS),
            gmv_per_viewer_vs_norm: vs(GMV),
            reason: String::new(),
        };
        v.reason = v.reason_text();
        v
    }

    fn reason_text(&self) -> String {
        let mut parts = Vec::new();
        let times = |x: f64| {
            if x >= 10.0 {
                format!("{x:.0}×")
            } else {
                format!("{x:.1}×")
            }
        };
        match (
            self.viewers_per_cny_vs_channel,
            self.viewers_per_cny_vs_clean_days,
        ) {
            (Some(ch), Some(own)) => parts.push(format!(
                "viewers per CNY {} the channel's other rooms ({} its own clean days)",
                times(ch),
                times(own)
            )),
            (Some(ch), None) => parts.push(format!(
                "viewers per CNY {} the channel's other rooms",
                times(ch)
            )),
            (None, Some(own)) => {
                parts.push(format!("viewers per CNY {} its own clean days", times(own)))
            }
            (None, None) => {}
        }
        if let (Some(w), Some(n)) = (self.watch_seconds_bought, self.watch_seconds_norm) {
            parts.push(format!("watch time {w:.0} s vs {n:.0} s"));
        }
        let mut per_viewer = Vec::new();
        for (name, x) in [
            ("orders", self.orders_per_viewer_vs_norm),
            ("GMV", self.gmv_per_viewer_vs_norm),
            ("comments", self.comments_per_viewer_vs_norm),
        ] {
            if let Some(x) = x {
                per_viewer.push(format!("{name} {x:.2}×"));
            }
        }
        if !per_viewer.is_empty() {
            parts.push(format!("per viewer {} the norm", per_viewer.join(", ")));
        }
        let share = 100.0 * self.bought_share();
        let head = match self.basis {
            LaneBasis::Mixed => format!(
                "{} × {}: {share:.0} % of paid days look bought",
                self.room, self.channel
            ),
            LaneBasis::NoCleanDays => format!(
                "{} × {}: no day looks like the channel's other rooms, {share:.0} % of paid days look bought",
                self.room, self.channel
            ),
        };
        if parts.is_empty() {
            head
        } else {
            format!("{head}: {}", parts.join(", "))
        }
    }
}
