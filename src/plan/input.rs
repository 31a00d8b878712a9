//! Planning input: lanes (room × channel curves), channel limits, targets,
//! and their validation.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

pub use super::segments::{DEFAULT_MAX_EXTRAPOLATION, SegmentOptions};
use crate::curves::{Curve, Model};

/// One room × channel pair that can be bought.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lane {
    /// Live room id.
    pub room: String,
    /// Channel name.
    pub channel: String,
    /// Expected viewers/day as a function of spend CNY/day.
    pub curve: Curve,
    /// Orders per viewer (needed for an orders target).
    pub orders_per_viewer: Option<f64>,
    /// GMV per viewer, CNY (needed for a GMV target).
    pub gmv_cny_per_viewer: Option<f64>,
    /// Standard error of `gmv_cny_per_viewer` (day-to-day spread of the
    /// history's ratio), CNY; the value report's P10–P90.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gmv_se_cny_per_viewer: Option<f64>,
    /// Highest daily spend seen in the history, CNY/day; bounds the planned
    /// range at `history_multiple ×` this.
    pub history_max_spend_cny_per_day: Option<f64>,
    /// The conservative curve past the highest day of the history (planned
    /// on instead of the fitted curve there), if any.
    #[serde(default)]
    pub beyond: Option<super::beyond::Beyond>,
}

impl Lane {
    /// A lane with no conversion data and no history bound.
    pub fn new(room: impl Into<String>, channel: impl Into<String>, curve: Curve) -> Self {
        Lane {
            room: room.into(),
            channel: channel.into(),
            curve,
            orders_per_viewer: None,
            gmv_cny_per_viewer: None,
            gmv_se_cny_per_viewer: None,
            history_max_spend_cny_per_day: None,
            beyond: None,
        }
    }
}

/// What the targets (and the max-mode objective) count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Viewers entering the room.
    #[default]
    Viewers,
    /// Viewers × orders_per_viewer.
    Orders,
    /// Viewers × gmv_cny_per_viewer (CNY).
    GmvCny,
}

impl Metric {
    /// Unit as written in messages.
    pub fn unit(self) -> &'static str {
        match self {
            Metric::Viewers => "viewers",
            Metric::Orders => "orders",
            Metric::GmvCny => "CNY GMV",
        }
    }
}

/// Limits on one channel, summed over all rooms, in CNY over the horizon.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChannelLimits {
    /// Minimum horizon spend, CNY.
    pub min_spend_cny: Option<f64>,
    /// Maximum horizon spend, CNY.
    pub max_spend_cny: Option<f64>,
    /// Maximum share of total plan spend, in `[0, 1]`.
    pub max_share: Option<f64>,
    /// Spend fixed by contract, CNY over the horizon (exact).
    pub locked_spend_cny: Option<f64>,
    /// Channel not to be used at all.
    #[serde(default)]
    pub excluded: bool,
}

/// Which solver path to use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SolverChoice {
    /// Exact greedy fill when the only coupling row is the target/budget,
    /// the LP otherwise.
    #[default]
    Auto,
    /// Always the LP (clarabel).
    Lp,
}

/// A planning request. Mode: with `target` or `room_targets` → min spend
/// (within `budget_cny` if given); with only `budget_cny` → max metric.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanRequest {
    /// Curves that can be bought.
    pub lanes: Vec<Lane>,
    /// Planning horizon in days (default 7).
    pub horizon_days: f64,
    /// Unit of the targets and of the max-mode objective.
    pub metric: Metric,
    /// Total target over the horizon, in `metric` units.
    pub target: Option<f64>,
    /// Per-room targets over the horizon, in `metric` units.
    pub room_targets: BTreeMap<String, f64>,
    /// Budget over the horizon, CNY.
    pub budget_cny: Option<f64>,
    /// Per-channel limits (keys are channel names).
    pub channels: BTreeMap<String, ChannelLimits>,
    /// Linearisation settings.
    pub segments: SegmentOptions,
    /// Solver path.
    pub solver: SolverChoice,
    /// Above this many segment variables the LP is solved on a window of
    /// segments around a coarse solution (certified, see `solve`).
    pub lp_full_max_vars: usize,
    /// Plan day by day ([`super::schedule`]): each lane's day factors and
    /// the per-day limits. `None`: every day of the horizon alike (the
    /// average-day curve, an even spread). Not serialised (a run's
    /// `chart_data.json` keeps the goal and limits only).
    #[serde(skip)]
    pub days: Option<super::schedule::DaySpec>,
    /// Lanes cut by an earlier solve of the same lanes, reused
    /// ([`super::reuse`]; [`PlanRequest::cache_segments`]). Never
    /// serialised, never part of the request's equality.
    #[serde(skip)]
    pub segment_cache: super::reuse::SegmentCache,
    /// Channel groups (`[groups.NAME]`), keyed by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub groups: BTreeMap<String, super::groups::ChannelGroup>,
    /// Room groups (`[room_groups.NAME]`), keyed by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub room_groups: BTreeMap<String, super::groups::RoomGroup>,
    /// The stability guardrail (`--max-change`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guardrail: Option<super::groups::Guardrail>,
    /// Margins and the profit / ROI goals ([`super::value`]).
    #[serde(skip_serializing_if = "super::value::ValueGoal::is_empty")]
    pub value: super::value::ValueGoal,
}

impl Default for PlanRequest {
    fn default() -> Self {
        PlanRequest {
            lanes: Vec::new(),
            horizon_days: 7.0,
            metric: Metric::Viewers,
            target: None,
            room_targets: BTreeMap::new(),
            budget_cny: None,
            channels: BTreeMap::new(),
            segments: SegmentOptions::default(),
            solver: SolverChoice::Auto,
            lp_full_max_vars: 12_000,
            days: None,
            segment_cache: Default::default(),
            groups: BTreeMap::new(),
            room_groups: BTreeMap::new(),
            guardrail: None,
            value: Default::default(),
        }
    }
}

/// Why a request was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// A number is NaN or infinite.
    #[error("channel {channel}: {field} is not a finite number ({value})")]
    NotFinite {
        /// Channel (or `-` for plan-level fields).
        channel: String,
        /// Field name.
        field: &'static str,
        /// The value.
        value: f64,
    },
    /// A bound or amount is negative.
    #[error("channel {channel}: {field} is negative ({value})")]
    Negative {
        /// Channel (or `-`).
        channel: String,
        /// Field name.
        field: &'static str,
        /// The value.
        value: f64,
    },
    /// Minimum above maximum.
    #[error("channel {channel}: minimum spend {min_cny} CNY is above the maximum {max_cny} CNY")]
    MinAboveMax {
        /// Channel.
        channel: String,
        /// Minimum, CNY.
        min_cny: f64,
        /// Maximum, CNY.
        max_cny: f64,
    },
    /// Locked spend outside the channel's `[min, max]`.
    #[error(
        "channel {channel}: locked spend {locked_cny} CNY is outside [{min_cny}, {max_cny}] CNY"
    )]
    LockedOutsideBounds {
        /// Channel.
        channel: String,
        /// Locked spend, CNY.
        locked_cny: f64,
        /// Minimum, CNY.
        min_cny: f64,
        /// Maximum, CNY.
        max_cny: f64,
    },
    /// Share not in `[0, 1]`.
    #[error("channel {channel}: max share {share} is not in [0, 1]")]
    ShareOutOfRange {
        /// Channel.
        channel: String,
        /// The share.
        share: f64,
    },
    /// Excluded channel with a minimum or locked spend.
    #[error("channel {channel}: excluded but has a minimum or locked spend")]
    ExcludedWithSpend {
        /// Channel.
        channel: String,
    },
    /// Limits for a channel no lane uses.
    #[error("channel {channel}: has limits but no lane")]
    UnknownChannel {
        /// Channel.
        channel: String,
    },
    /// Target for a room no lane belongs to.
    #[error("room {room}: has a target but no lane")]
    UnknownRoom {
        /// Room.
        room: String,
    },
    /// A lane is malformed.
    #[error("lane {room}/{channel}: {reason}")]
    BadLane {
        /// Room.
        room: String,
        /// Channel.
        channel: String,
        /// What is wrong.
        reason: String,
    },
    /// Plan-level input problem (horizon, no target and no budget, …).
    #[error("{0}")]
    BadRequest(String),
    /// Minimum/locked spends that cannot all hold (e.g. above the budget).
    #[error("constraints contradict each other: {0}")]
    Inconsistent(String),
    /// The LP backend failed.
    #[error("LP solver failed: {0}")]
    Solver(String),
}

pub(super) fn finite(channel: &str, field: &'static str, v: f64) -> Result<f64, PlanError> {
    if !v.is_finite() {
        return Err(PlanError::NotFinite {
            channel: channel.to_string(),
            field,
            value: v,
        });
    }
    if v < 0.0 {
        return Err(PlanError::Negative {
            channel: channel.to_string(),
            field,
            value: v,
        });
    }
    Ok(v)
}

fn bad_lane(l: &Lane, reason: impl Into<String>) -> PlanError {
    PlanError::BadLane {
        room: l.room.clone(),
        channel: l.channel.clone(),
        reason: reason.into(),
    }
}

fn check_model(l: &Lane) -> Result<(), PlanError> {
    let pos = |name: &str, v: f64| -> Result<(), PlanError> {
        if v.is_finite() && v > 0.0 {
            Ok(())
        } else {
            Err(bad_lane(
                l,
                format!("{name} must be finite and > 0, got {v}"),
            ))
        }
    };
    match l.curve.model {
        Model::Exp { vmax, k_cny } => {
            pos("vmax", vmax)?;
            pos("k_cny", k_cny)
        }
        Model::Hill { vmax, k_cny, a } => {
            pos("vmax", vmax)?;
            pos("k_cny", k_cny)?;
            pos("a", a)?;
            if a > 1.0 {
                return Err(bad_lane(
                    l,
                    format!("Hill shape a = {a} > 1 is not concave"),
                ));
            }
            Ok(())
        }
        Model::Power { c, b } => {
            pos("c", c)?;
            pos("b", b)?;
            if b > 1.0 {
                return Err(bad_lane(
                    l,
                    format!("power exponent b = {b} > 1 is not concave"),
                ));
            }
            Ok(())
        }
    }?;
    if let Some(cap) = l.curve.cap_viewers_per_day {
        pos("cap_viewers_per_day", cap)?;
    }
    Ok(())
}

impl PlanRequest {
    /// Checks every number and cross-reference; the first problem found is
    /// returned, naming the channel/lane.
    pub fn validate(&self) -> Result<(), PlanError> {
        if !(self.horizon_days.is_finite() && self.horizon_days > 0.0) {
            return Err(PlanError::BadRequest(format!(
                "horizon_days must be finite and > 0, got {}",
                self.horizon_days
            )));
        }
        let s = &self.segments;
        let options_ok = (s.tolerance > 0.0 && s.tolerance < 0.5)
            && (s.saturation_fraction > 0.0 && s.saturation_fraction < 1.0)
            && (s.history_multiple.is_finite() && s.history_multiple > 0.0)
            && (s.low_fraction > 0.0 && s.low_fraction < 1.0)
            && (s.low_floor_cny_per_day.is_finite() && s.low_floor_cny_per_day >= 0.0);
        if !options_ok {
            return Err(PlanError::BadRequest(format!("bad segment options {s:?}")));
        }
        if self.lanes.is_empty() {
            return Err(PlanError::BadRequest("no lanes to plan".into()));
        }
        let mut seen = BTreeSet::new();
        for l in &self.lanes {
            if !seen.insert((l.room.as_str(), l.channel.as_str())) {
                return Err(bad_lane(l, "duplicate room × channel lane"));
            }
            check_model(l)?;
            if let Some(b) = &l.beyond {
                b.check(l.curve.value(b.edge_cny_per_day))
                    .map_err(|e| bad_lane(l, e))?;
            }
            for (name, v) in [
                ("orders_per_viewer", l.orders_per_viewer),
                ("gmv_cny_per_viewer", l.gmv_cny_per_viewer),
                (
                    "history_max_spend_cny_per_day",
                    l.history_max_spend_cny_per_day,
                ),
            ] {
                if let Some(v) = v
                    && !(v.is_finite() && v >= 0.0)
                {
                    return Err(bad_lane(
                        l,
                        format!("{name} must be finite and ≥ 0, got {v}"),
                    ));
                }
            }
            match self.metric {
                Metric::Orders if l.orders_per_viewer.is_none() => {
                    return Err(bad_lane(l, "orders target but no orders_per_viewer"));
                }
                Metric::GmvCny if l.gmv_cny_per_viewer.is_none() => {
                    return Err(bad_lane(l, "GMV target but no gmv_cny_per_viewer"));
                }
                _ => {}
            }
            if super::segments::planned_range_cny_per_day(
                &l.curve,
                l.history_max_spend_cny_per_day,
                s,
            )
            .is_none()
            {
                return Err(bad_lane(
                    l,
                    "no planned range: a power curve needs a reach cap or history_max_spend_cny_per_day",
                ));
            }
        }
        let channels: BTreeSet<&str> = self.lanes.iter().map(|l| l.channel.as_str()).collect();
        let rooms: BTreeSet<&str> = self.lanes.iter().map(|l| l.room.as_str()).collect();
        for (ch, lim) in &self.channels {
            if !channels.contains(ch.as_str()) {
                return Err(PlanError::UnknownChannel {
                    channel: ch.clone(),
                });
            }
            let min = lim
                .min_spend_cny
                .map(|v| finite(ch, "min_spend_cny", v))
                .transpose()?;
            let max = lim
                .max_spend_cny
                .map(|v| finite(ch, "max_spend_cny", v))
                .transpose()?;
            let locked = lim
                .locked_spend_cny
                .map(|v| finite(ch, "locked_spend_cny", v))
                .transpose()?;
            if let Some(share) = lim.max_share {
                finite(ch, "max_share", share)?;
                if share > 1.0 {
                    return Err(PlanError::ShareOutOfRange {
                        channel: ch.clone(),
                        share,
                    });
                }
            }
            if let (Some(mn), Some(mx)) = (min, max)
                && mn > mx
            {
                return Err(PlanError::MinAboveMax {
                    channel: ch.clone(),
                    min_cny: mn,
                    max_cny: mx,
                });
            }
            if let Some(lk) = locked {
                let (mn, mx) = (min.unwrap_or(0.0), max.unwrap_or(f64::INFINITY));
                if lk < mn || lk > mx {
                    return Err(PlanError::LockedOutsideBounds {
                        channel: ch.clone(),
                        locked_cny: lk,
                        min_cny: mn,
                        max_cny: mx,
                    });
                }
            }
            if lim.excluded && (min.unwrap_or(0.0) > 0.0 || locked.unwrap_or(0.0) > 0.0) {
                return Err(PlanError::ExcludedWithSpend {
                    channel: ch.clone(),
                });
            }
        }
        if let Some(t) = self.target {
            finite("-", "target", t)?;
        }
        if let Some(b) = self.budget_cny {
            finite("-", "budget_cny", b)?;
        }
        for (room, &t) in &self.room_targets {
            if !rooms.contains(room.as_str()) {
                return Err(PlanError::UnknownRoom { room: room.clone() });
            }
            finite(room, "room target", t)?;
        }
        if let Some(days) = &self.days {
            days.validate(self)?;
        }
        super::groups::validate(self)?;
        self.value.validate(self)?;
        if self.target.is_none()
            && self.room_targets.is_empty()
            && self.budget_cny.is_none()
            && !self.value.plans_alone()
        {
            return Err(PlanError::BadRequest(
                "nothing to plan for: give a target, room targets or a budget".into(),
            ));
        }
        Ok(())
    }

    /// Conversion weight of a lane for this request's metric.
    pub(crate) fn weight(&self, l: &Lane) -> f64 {
        match self.metric {
            Metric::Viewers => 1.0,
            Metric::Orders => l.orders_per_viewer.unwrap_or(0.0),
            Metric::GmvCny => l.gmv_cny_per_viewer.unwrap_or(0.0),
        }
    }
}
