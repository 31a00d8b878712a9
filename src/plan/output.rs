//! Plan results, with units in the field names; binding limits as typed
//! data ([`Limit`]), put in words by `report`.

use serde::{Deserialize, Serialize};

use super::input::Metric;

/// Whether the request could be met.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    /// Optimal plan meeting every target and limit.
    Optimal,
    /// Targets cannot be met; the plan shown is the most reachable.
    Infeasible,
}

/// What was optimised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanMode {
    /// Minimum spend reaching the target(s).
    MinSpend,
    /// Maximum metric within the budget.
    MaxMetric,
}

/// Which solver produced the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SolverPath {
    /// Exact greedy fill of segments by marginal cost (fractional knapsack).
    Greedy,
    /// One LP over all segments (clarabel).
    Lp,
    /// LP over a window of segments around a coarse LP solution, certified
    /// optimal for the full segment LP when `certified` is true.
    LpWindowed {
        /// Every lane's solution lies strictly inside its window.
        certified: bool,
        /// LP solves done.
        solves: usize,
    },
    /// Exact fill at the ROI floor's Lagrange multiplier, found by
    /// bisection (only per-lane limits besides the floor; see
    /// `plan::roi_fill`).
    RoiMultiplier {
        /// Knapsack fills done in the search.
        fills: usize,
    },
    /// The LP over lane classes (lanes every row treats alike, their
    /// chords in one order; see `plan::classes`) on certified windows,
    /// each class's spend shared out to its lanes by that order.
    LpClasses {
        /// Classes the lanes fold into.
        classes: usize,
        /// LP solves done.
        solves: usize,
    },
}

/// A lane-level bound that holds with equality at the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LaneBound {
    /// Channel excluded: no spend.
    Excluded,
    /// The channel's minimum spend.
    ChannelMin,
    /// The channel's maximum spend.
    ChannelMax,
    /// The channel's max share of total spend.
    ChannelShare,
    /// Spend locked by contract.
    Locked,
    /// The reach cap (viewers/day) is reached.
    ReachCap,
    /// End of the planned range (near saturation).
    RangeEnd,
    /// The support limit: `max_extrapolation ×` the lane's highest daily
    /// spend in the history (the curve is not trusted beyond it).
    SupportLimit,
    /// The channel's `max_daily_spend_cny` on some day of the horizon.
    DailyMax,
}

/// The plan for one room × channel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LanePlan {
    /// Room.
    pub room: String,
    /// Channel.
    pub channel: String,
    /// Spend over the horizon, CNY.
    pub spend_cny: f64,
    /// Spend per day, CNY/day.
    pub spend_cny_per_day: f64,
    /// Expected viewers over the horizon from the true curve.
    pub viewers: f64,
    /// Expected viewers over the horizon from the linearised LP.
    pub viewers_lp: f64,
    /// Expected metric (viewers / orders / GMV CNY) from the true curve.
    pub metric_value: f64,
    /// Average cost per viewer, CNY/viewer (`None` at 0 viewers).
    pub avg_cost_cny_per_viewer: Option<f64>,
    /// Marginal cost of the next viewer at the planned spend, CNY/viewer
    /// (`None` when infinite or past the ceiling of
    /// `curves::fit::MARGINAL_CEILING_CNY`: capped, saturated).
    pub marginal_cost_cny_per_viewer: Option<f64>,
    /// Lane-level bounds that hold with equality.
    pub bounds_binding: Vec<LaneBound>,
    /// Planned day by day: the spend of each day of the horizon, CNY
    /// (empty when every day is alike; see `plan::schedule`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub daily_spend_cny: Vec<f64>,
    /// The expected viewers of each day (empty when every day is alike).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub daily_viewers: Vec<f64>,
}

/// Plan totals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Total spend over the horizon, CNY.
    pub spend_cny: f64,
    /// Total viewers over the horizon (true curves).
    pub viewers: f64,
    /// Total viewers over the horizon (linearised).
    pub viewers_lp: f64,
    /// Total metric (true curves).
    pub metric_value: f64,
    /// Total metric (linearised, what the solver saw).
    pub metric_value_lp: f64,
    /// Average cost per viewer, CNY/viewer.
    pub avg_cost_cny_per_viewer: Option<f64>,
}

/// Kind of a plan-level constraint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConstraintKind {
    /// Total target.
    Target,
    /// A room's target.
    RoomTarget,
    /// Total budget.
    Budget,
    /// Channel minimum spend.
    ChannelMin,
    /// Channel maximum spend.
    ChannelMax,
    /// Channel max share of total spend.
    ChannelShare,
    /// Channel locked spend.
    ChannelLocked,
    /// A lane's reach cap.
    ReachCap,
    /// A lane's planned-range end.
    RangeEnd,
    /// A lane's support limit (`max_extrapolation ×` its highest day).
    SupportLimit,
    /// A lane at its channel's `max_daily_spend_cny` on some day.
    DailyMax,
    /// A channel group's maximum spend.
    GroupMax,
    /// A channel group's minimum spend.
    GroupMin,
    /// A channel group's max share of total spend.
    GroupShare,
    /// A room group's budget (maximum spend).
    RoomGroupMax,
    /// A room group's minimum spend.
    RoomGroupMin,
    /// A lane at the stability guardrail (`--max-change`).
    Guardrail,
    /// A channel at the stability guardrail (`--max-change-scope channel`).
    ChannelGuardrail,
}

/// A lane named in a [`Limit`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LaneName {
    /// Room.
    pub room: String,
    /// Channel.
    pub channel: String,
    /// The plan has more than one room (so the room is part of the name).
    pub several_rooms: bool,
}

/// Which limit holds with equality, with its names and numbers (the words
/// are `report`'s: `report::plan_export::describe`). plan.json keeps both:
/// the words for people (`description`, `constraint`, `limiting`) and this
/// value (`limit`, `limiting_limits`; externally tagged, snake_case), so a
/// plan read back is described again in any report language.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "snake_case")]
pub enum Limit {
    /// The total target, in `metric` units.
    Target {
        /// Target.
        target: f64,
        /// Its unit.
        metric: Metric,
    },
    /// A room's target, in `metric` units.
    RoomTarget {
        /// Room.
        room: String,
        /// Target.
        target: f64,
        /// Its unit.
        metric: Metric,
    },
    /// The budget, fully spent.
    Budget {
        /// Budget, CNY over the horizon.
        budget_cny: f64,
    },
    /// A channel's spend locked by contract.
    ChannelLocked {
        /// Channel.
        channel: String,
        /// Locked spend, CNY over the horizon.
        locked_cny: f64,
    },
    /// A channel at its minimum spend.
    ChannelMin {
        /// Channel.
        channel: String,
        /// Minimum, CNY over the horizon.
        min_cny: f64,
    },
    /// A channel at its maximum spend.
    ChannelMax {
        /// Channel.
        channel: String,
        /// Maximum, CNY over the horizon.
        max_cny: f64,
    },
    /// A channel at its maximum share of total spend.
    ChannelShare {
        /// Channel.
        channel: String,
        /// Share, in `[0, 1)`.
        max_share: f64,
    },
    /// A lane's reach cap reached.
    ReachCap {
        /// Lane.
        lane: LaneName,
        /// Cap, viewers/day.
        cap_viewers_per_day: f64,
    },
    /// A lane at its support limit.
    SupportLimit {
        /// Lane.
        lane: LaneName,
        /// The limit, CNY/day.
        limit_cny_per_day: f64,
        /// `max_extrapolation`: the limit over the lane's highest day.
        history_multiple: f64,
    },
    /// A lane at the end of its planned range (near saturation).
    RangeEnd {
        /// Lane.
        lane: LaneName,
        /// Range end, CNY/day.
        range_end_cny_per_day: f64,
    },
    /// A lane at its channel's most per day on some day.
    DailyMax {
        /// Lane.
        lane: LaneName,
        /// `max_daily_spend_cny`, CNY/day.
        max_daily_cny: f64,
    },
    /// A channel group at its maximum spend.
    GroupMax {
        /// Group name.
        group: String,
        /// Maximum, CNY over the horizon.
        max_cny: f64,
    },
    /// A channel group at its minimum spend.
    GroupMin {
        /// Group name.
        group: String,
        /// Minimum, CNY over the horizon.
        min_cny: f64,
    },
    /// A channel group at its maximum share of total spend.
    GroupShare {
        /// Group name.
        group: String,
        /// Share, in `[0, 1)`.
        max_share: f64,
    },
    /// A room group at its budget.
    RoomGroupMax {
        /// Group name.
        group: String,
        /// Budget, CNY over the horizon.
        max_cny: f64,
    },
    /// A room group at its minimum spend.
    RoomGroupMin {
        /// Group name.
        group: String,
        /// Minimum, CNY over the horizon.
        min_cny: f64,
    },
    /// A lane at the stability guardrail.
    Guardrail {
        /// Lane.
        lane: LaneName,
        /// Its spend over the last horizon of history, CNY.
        last_cny: f64,
        /// Largest relative change.
        max_change: f64,
        /// At the top (`true`) or bottom of its band.
        up: bool,
        /// The bound, CNY over the horizon.
        bound_cny: f64,
    },
    /// A channel at the stability guardrail.
    ChannelGuardrail {
        /// Channel.
        channel: String,
        /// Its spend over the last horizon of history, CNY.
        last_cny: f64,
        /// Largest relative change.
        max_change: f64,
        /// At the top (`true`) or bottom of its band.
        up: bool,
        /// The bound, CNY over the horizon.
        bound_cny: f64,
    },
    /// Read back from a `plan.json`, which keeps only the words (never
    /// produced by the solver).
    Written(String),
}

impl Limit {
    /// The kind of constraint (`None` for words read back).
    pub fn kind(&self) -> Option<ConstraintKind> {
        Some(match self {
            Limit::Target { .. } => ConstraintKind::Target,
            Limit::RoomTarget { .. } => ConstraintKind::RoomTarget,
            Limit::Budget { .. } => ConstraintKind::Budget,
            Limit::ChannelLocked { .. } => ConstraintKind::ChannelLocked,
            Limit::ChannelMin { .. } => ConstraintKind::ChannelMin,
            Limit::ChannelMax { .. } => ConstraintKind::ChannelMax,
            Limit::ChannelShare { .. } => ConstraintKind::ChannelShare,
            Limit::ReachCap { .. } => ConstraintKind::ReachCap,
            Limit::SupportLimit { .. } => ConstraintKind::SupportLimit,
            Limit::RangeEnd { .. } => ConstraintKind::RangeEnd,
            Limit::DailyMax { .. } => ConstraintKind::DailyMax,
            Limit::GroupMax { .. } => ConstraintKind::GroupMax,
            Limit::GroupMin { .. } => ConstraintKind::GroupMin,
            Limit::GroupShare { .. } => ConstraintKind::GroupShare,
            Limit::RoomGroupMax { .. } => ConstraintKind::RoomGroupMax,
            Limit::RoomGroupMin { .. } => ConstraintKind::RoomGroupMin,
            Limit::Guardrail { .. } => ConstraintKind::Guardrail,
            Limit::ChannelGuardrail { .. } => ConstraintKind::ChannelGuardrail,
            Limit::Written(_) => return None,
        })
    }
}

impl Serialize for Limit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Limit::serialize(self, s)
    }
}

/// A limit in `plan.json`: its value (an object), or words only (a string,
/// as plan.json's word fields and older files hold it: [`Limit::Written`]).
impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Words(String),
            Value(#[serde(deserialize_with = "Limit::deserialize")] Limit),
        }
        Ok(match Wire::deserialize(d)? {
            Wire::Words(w) => Limit::Written(w),
            Wire::Value(l) => l,
        })
    }
}

impl Limit {
    /// Words only (read back from a plan.json without the value).
    pub fn is_written(&self) -> bool {
        matches!(self, Limit::Written(_))
    }
}

/// The value when plan.json has it, else the words.
pub(crate) fn read_limit(words: Limit, value: Option<Limit>) -> Limit {
    match value {
        Some(l) if !l.is_written() => l,
        _ => words,
    }
}

/// A constraint that holds with equality at the plan. Serialised by
/// `report::plan_export` (the limit in words, as `description`, and as a
/// value, `limit`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(from = "BindingRead")]
pub struct BindingConstraint {
    /// Kind.
    pub kind: ConstraintKind,
    /// Channel, when channel- or lane-level.
    pub channel: Option<String>,
    /// Room, when room- or lane-level.
    pub room: Option<String>,
    /// What binds, with its numbers.
    pub limit: Limit,
    /// Change of the optimal objective (CNY in min-spend mode, metric units
    /// in max mode) per unit increase of the constraint's right-hand side, as
    /// reported by the LP (`None` on the greedy path or for lane bounds).
    pub shadow_price: Option<f64>,
}

/// A [`BindingConstraint`] as plan.json holds it.
#[derive(Deserialize)]
struct BindingRead {
    kind: ConstraintKind,
    channel: Option<String>,
    room: Option<String>,
    description: Limit,
    #[serde(default)]
    limit: Option<Limit>,
    shadow_price: Option<f64>,
}

impl From<BindingRead> for BindingConstraint {
    fn from(r: BindingRead) -> Self {
        BindingConstraint {
            kind: r.kind,
            channel: r.channel,
            room: r.room,
            limit: read_limit(r.description, r.limit),
            shadow_price: r.shadow_price,
        }
    }
}

impl BindingConstraint {
    /// The binding row of `limit` (a solver's: not [`Limit::Written`]),
    /// its kind, channel and room read from it.
    pub fn new(limit: Limit, shadow_price: Option<f64>) -> Self {
        let (channel, room) = match &limit {
            Limit::Target { .. }
            | Limit::Budget { .. }
            | Limit::Written(_)
            | Limit::GroupMax { .. }
            | Limit::GroupMin { .. }
            | Limit::GroupShare { .. }
            | Limit::RoomGroupMax { .. }
            | Limit::RoomGroupMin { .. } => (None, None),
            Limit::ChannelGuardrail { channel, .. } => (Some(channel.clone()), None),
            Limit::Guardrail { lane, .. } => (Some(lane.channel.clone()), Some(lane.room.clone())),
            Limit::RoomTarget { room, .. } => (None, Some(room.clone())),
            Limit::ChannelLocked { channel, .. }
            | Limit::ChannelMin { channel, .. }
            | Limit::ChannelMax { channel, .. }
            | Limit::ChannelShare { channel, .. } => (Some(channel.clone()), None),
            Limit::ReachCap { lane, .. }
            | Limit::SupportLimit { lane, .. }
            | Limit::RangeEnd { lane, .. }
            | Limit::DailyMax { lane, .. } => (Some(lane.channel.clone()), Some(lane.room.clone())),
        };
        BindingConstraint {
            kind: limit.kind().expect("a solver's limit"),
            channel,
            room,
            limit,
            shadow_price,
        }
    }
}

/// Per-room outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoomResult {
    /// Room.
    pub room: String,
    /// Target in metric units, if any.
    pub target: Option<f64>,
    /// Metric reached (linearised, what the solver guarantees).
    pub reached_lp: f64,
    /// Metric reached by the true curves.
    pub reached: f64,
    /// Spend on the room, CNY.
    pub spend_cny: f64,
    /// CNY for one more metric unit in this room (dual of its target row).
    pub shadow_price_cny_per_unit: Option<f64>,
}

/// Why targets cannot be met, with the best reachable.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(from = "InfeasibilityRead")]
pub struct Infeasibility {
    /// Requested total (sum of room targets if no total target), metric units.
    pub requested: f64,
    /// Most reachable under the constraints (linearised), metric units
    /// (for room targets: the most target-units covered, each room counted up
    /// to its target).
    pub max_reachable: f64,
    /// `requested − max_reachable`.
    pub shortfall: f64,
    /// Limits that stop more (binding in the max-reach plan).
    pub limiting: Vec<Limit>,
    /// The smallest relaxation of the limits that makes the request
    /// feasible ([`super::relax`]), if the LP found one.
    pub relaxation: Option<super::relax::Relaxation>,
}

/// An [`Infeasibility`] as plan.json holds it (`limiting` in words,
/// `limiting_limits` the same limits as values).
#[derive(Deserialize)]
struct InfeasibilityRead {
    requested: f64,
    max_reachable: f64,
    shortfall: f64,
    limiting: Vec<Limit>,
    #[serde(default)]
    limiting_limits: Vec<Limit>,
    #[serde(default)]
    relaxation: Option<super::relax::Relaxation>,
}

impl From<InfeasibilityRead> for Infeasibility {
    fn from(r: InfeasibilityRead) -> Self {
        let limiting = if r.limiting_limits.len() == r.limiting.len() {
            r.limiting
                .into_iter()
                .zip(r.limiting_limits)
                .map(|(w, v)| read_limit(w, Some(v)))
                .collect()
        } else {
            r.limiting
        };
        Infeasibility {
            requested: r.requested,
            max_reachable: r.max_reachable,
            shortfall: r.shortfall,
            limiting,
            relaxation: r.relaxation,
        }
    }
}

/// A complete plan. Serialised by `report::plan_export` (limits in words);
/// deserialises from that `plan.json`, limits as [`Limit::Written`].
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Plan {
    /// Optimal or infeasible.
    pub status: PlanStatus,
    /// What was optimised.
    pub mode: PlanMode,
    /// Metric of targets.
    pub metric: Metric,
    /// Horizon, days.
    pub horizon_days: f64,
    /// Per lane, in input order.
    pub lanes: Vec<LanePlan>,
    /// Per room.
    pub rooms: Vec<RoomResult>,
    /// Totals.
    pub totals: Totals,
    /// Min-spend mode: CNY for one more unit of the total target.
    pub target_shadow_price_cny_per_unit: Option<f64>,
    /// Metric units gained per extra CNY of budget (0 when the budget is slack).
    pub budget_shadow_price_units_per_cny: Option<f64>,
    /// Every constraint holding with equality, named.
    pub binding: Vec<BindingConstraint>,
    /// Set when status is infeasible.
    pub infeasibility: Option<Infeasibility>,
    /// Solver path.
    pub solver: SolverPath,
    /// Number of segment variables (full segmentation).
    pub segments_total: usize,
    /// What the stability guardrail costs against the plan without it
    /// (set by [`super::limits::guardrail_cost`]).
    #[serde(default)]
    pub guardrail: Option<super::limits::GuardrailCost>,
    /// What the binding limits cost, in the words plan.json wrote
    /// (`limits`): filled only when a plan is read back, where the limits
    /// are [`Limit::Written`] and cannot be costed again; a solved plan
    /// computes them ([`super::limit_costs`]).
    #[serde(default, rename = "limits")]
    pub limits_written: Vec<WrittenLimitCost>,
    /// What the plan earns (GMV, profit, ROI, break-even), when a margin or
    /// an ROI goal was given ([`super::value`]).
    #[serde(default)]
    pub value: Option<super::value::ValueReport>,
}

/// A binding limit's cost as plan.json holds it (`limits`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, Deserialize)]
pub struct WrittenLimitCost {
    /// The limit in words.
    pub constraint: String,
    /// The limit as a value (absent in older plan.json files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<Limit>,
    /// Kind.
    pub kind: ConstraintKind,
    /// Its bound.
    pub bound: f64,
    /// The LP's dual per unit of the bound.
    pub dual_per_unit: f64,
    /// The stated step.
    pub step: f64,
    /// CNY saved (min-spend mode) or metric units gained (max mode) by the
    /// step.
    pub gain_for_step: f64,
    /// The sentence, e.g. "raising douyin's cap by 10,000 CNY would save
    /// about 2,310 CNY".
    pub words: String,
}
