//! Limits over several lanes at once: channel groups, room groups and the
//! stability guardrail. Each becomes one LP row over lanes' spends
//! ([`Row`]), read the same way by the planning LP (`lp`), the smallest
//! relaxation (`relax`) and the binding list (`assemble`). The exact greedy
//! path cannot hold them: a request with any of them goes to the LP. The
//! lane-scope guardrail is the exception: it bounds one lane's spend, so
//! outside the relaxation LP it is the lane's own bounds
//! ([`super::problem::LaneGuard`]), which the greedy holds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::input::{PlanError, PlanRequest, finite};
use super::output::{BindingConstraint, Limit};
use super::problem::{PChannel, PLane, TIGHT};

/// `[groups.NAME]`: limits on the summed spend of several channels (all
/// rooms), CNY over the horizon.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChannelGroup {
    /// Channels of the group.
    pub channels: Vec<String>,
    /// Least the group spends, CNY.
    pub min_spend_cny: Option<f64>,
    /// Most the group spends, CNY.
    pub max_spend_cny: Option<f64>,
    /// Largest share of the plan's total spend, in `[0, 1]`.
    pub max_share: Option<f64>,
}

/// `[room_groups.NAME]`: limits on the summed spend of several rooms (all
/// channels), CNY over the horizon.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RoomGroup {
    /// Rooms of the group.
    pub rooms: Vec<String>,
    /// Least the group spends, CNY.
    pub min_spend_cny: Option<f64>,
    /// The group's budget: most it spends, CNY.
    pub max_spend_cny: Option<f64>,
}

/// What the guardrail bounds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum ChangeScope {
    /// Each room × channel lane against its own last-horizon spend.
    #[default]
    Lane,
    /// Each channel's total against the channel's last-horizon spend.
    Channel,
}

/// The stability guardrail: spend within `±max_change` of the last
/// horizon's spend. A lane (channel) that spent nothing over the last
/// horizon is new: the guardrail does not bound it (there is no spend to
/// change from; the support limit past its highest day still does).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Guardrail {
    /// Largest relative change, e.g. 0.3 for ±30 %.
    pub max_change: f64,
    /// Per lane or per channel.
    pub scope: ChangeScope,
    /// Per-channel overrides of `max_change` (`[channels.X] max_change`).
    #[serde(default)]
    pub channels: BTreeMap<String, f64>,
    /// Last-horizon spend of each lane, CNY, aligned with `lanes`.
    pub last_spend_cny: Vec<f64>,
}

impl Guardrail {
    /// The relative change allowed on `channel`.
    pub fn change_for(&self, channel: &str) -> f64 {
        self.channels
            .get(channel)
            .copied()
            .unwrap_or(self.max_change)
    }
}

/// Which limit a row is.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum RowKey {
    GroupMax(String),
    GroupMin(String),
    GroupShare(String),
    RoomGroupMax(String),
    RoomGroupMin(String),
    /// Lane index, last spend, relative change.
    LaneUp(usize, f64, f64),
    LaneDown(usize, f64, f64),
    /// Channel index, last spend, relative change.
    ChannelUp(usize, f64, f64),
    ChannelDown(usize, f64, f64),
}

/// `Σ coef·spend(lane) + total·(total spend) (+ overflow of channels) ≤ or ≥ rhs`.
#[derive(Clone, Debug)]
pub(crate) struct Row {
    pub(crate) key: RowKey,
    pub(crate) lanes: Vec<(usize, f64)>,
    /// Channels whose overflow spend counts with coefficient 1.
    pub(crate) overflow: Vec<usize>,
    pub(crate) total: f64,
    /// `true`: `≤ rhs`; `false`: `≥ rhs`.
    pub(crate) upper: bool,
    pub(crate) rhs: f64,
}

impl Row {
    /// The row's left side at per-lane spends `spend` (overflow included in
    /// the lanes' spends by `assemble`).
    pub(crate) fn value(&self, spend: &[f64], total: f64) -> f64 {
        self.lanes.iter().map(|&(l, c)| c * spend[l]).sum::<f64>() + self.total * total
    }

    /// The bound in the user's units (CNY, or the share for a share row).
    pub(crate) fn limit(&self, p_channels: &[PChannel], names: &LaneNames) -> Limit {
        match &self.key {
            RowKey::GroupMax(g) => Limit::GroupMax {
                group: g.clone(),
                max_cny: self.rhs,
            },
            RowKey::GroupMin(g) => Limit::GroupMin {
                group: g.clone(),
                min_cny: self.rhs,
            },
            RowKey::GroupShare(g) => Limit::GroupShare {
                group: g.clone(),
                max_share: -self.total,
            },
            RowKey::RoomGroupMax(g) => Limit::RoomGroupMax {
                group: g.clone(),
                max_cny: self.rhs,
            },
            RowKey::RoomGroupMin(g) => Limit::RoomGroupMin {
                group: g.clone(),
                min_cny: self.rhs,
            },
            RowKey::LaneUp(l, last, m) | RowKey::LaneDown(l, last, m) => Limit::Guardrail {
                lane: names.name(*l),
                last_cny: *last,
                max_change: *m,
                up: self.upper,
                bound_cny: self.rhs,
            },
            RowKey::ChannelUp(c, last, m) | RowKey::ChannelDown(c, last, m) => {
                Limit::ChannelGuardrail {
                    channel: p_channels[*c].name.clone(),
                    last_cny: *last,
                    max_change: *m,
                    up: self.upper,
                    bound_cny: self.rhs,
                }
            }
        }
    }
}

/// Lane names for [`Limit`]s.
pub(crate) struct LaneNames<'a> {
    pub(crate) req: &'a PlanRequest,
    pub(crate) several_rooms: bool,
}

impl LaneNames<'_> {
    pub(crate) fn name(&self, i: usize) -> super::output::LaneName {
        let l = &self.req.lanes[i];
        super::output::LaneName {
            room: l.room.clone(),
            channel: l.channel.clone(),
            several_rooms: self.several_rooms,
        }
    }
}

/// Checks groups and the guardrail against the request's lanes: unknown
/// channels or rooms, bad numbers, min above max.
pub(crate) fn validate(req: &PlanRequest) -> Result<(), PlanError> {
    let channels: std::collections::BTreeSet<&str> =
        req.lanes.iter().map(|l| l.channel.as_str()).collect();
    let rooms: std::collections::BTreeSet<&str> =
        req.lanes.iter().map(|l| l.room.as_str()).collect();
    let check = |name: &str,
                 min: Option<f64>,
                 max: Option<f64>,
                 share: Option<f64>|
     -> Result<(), PlanError> {
        let label = format!("group {name}");
        let min = min
            .map(|v| finite(&label, "min_spend_cny", v))
            .transpose()?;
        let max = max
            .map(|v| finite(&label, "max_spend_cny", v))
            .transpose()?;
        if let Some(s) = share {
            finite(&label, "max_share", s)?;
            if s > 1.0 {
                return Err(PlanError::ShareOutOfRange {
                    channel: label,
                    share: s,
                });
            }
        }
        if let (Some(mn), Some(mx)) = (min, max)
            && mn > mx
        {
            return Err(PlanError::MinAboveMax {
                channel: label,
                min_cny: mn,
                max_cny: mx,
            });
        }
        Ok(())
    };
    for (name, g) in &req.groups {
        if g.channels.is_empty() {
            return Err(PlanError::BadRequest(format!(
                "group {name}: lists no channels"
            )));
        }
        for c in &g.channels {
            if !channels.contains(c.as_str()) {
                return Err(PlanError::BadRequest(format!(
                    "group {name}: channel `{c}` has no lane"
                )));
            }
        }
        check(name, g.min_spend_cny, g.max_spend_cny, g.max_share)?;
    }
    for (name, g) in &req.room_groups {
        if g.rooms.is_empty() {
            return Err(PlanError::BadRequest(format!(
                "room group {name}: lists no rooms"
            )));
        }
        for r in &g.rooms {
            if !rooms.contains(r.as_str()) {
                return Err(PlanError::BadRequest(format!(
                    "room group {name}: room `{r}` has no lane"
                )));
            }
        }
        check(name, g.min_spend_cny, g.max_spend_cny, None)?;
    }
    if let Some(g) = &req.guardrail {
        // Infinite: no plan-wide change (only the channels' own).
        if g.max_change.is_nan() || g.max_change < 0.0 {
            return Err(PlanError::BadRequest(format!(
                "guardrail: max_change {} is not a change ≥ 0",
                g.max_change
            )));
        }
        for (c, &m) in &g.channels {
            finite(c, "max_change", m)?;
        }
        if g.last_spend_cny.len() != req.lanes.len() {
            return Err(PlanError::BadRequest(format!(
                "guardrail: {} last-horizon spends for {} lanes",
                g.last_spend_cny.len(),
                req.lanes.len()
            )));
        }
        for (l, &s) in req.lanes.iter().zip(&g.last_spend_cny) {
            if !(s.is_finite() && s >= 0.0) {
                return Err(PlanError::BadLane {
                    room: l.room.clone(),
                    channel: l.channel.clone(),
                    reason: format!("last-horizon spend {s} is not an amount ≥ 0"),
                });
            }
        }
    }
    Ok(())
}

/// The rows of a prepared request's groups and guardrail, in a fixed order
/// (groups by name, room groups by name, then the guardrail by lane or
/// channel). The lane-scope guardrail is here only with `lane_rows` (the
/// relaxation LP); otherwise it is each lane's own bounds
/// ([`super::problem::LaneGuard`]). Bounds that cannot bind (a lane's upper
/// guardrail past its planned range) are left out; a lower guardrail past
/// the planned range is cut to the range (spend there buys nothing).
pub(crate) fn rows(
    req: &PlanRequest,
    lanes: &[PLane],
    channels: &[PChannel],
    rooms: &[String],
    overflow_cny: &[f64],
    h: f64,
    lane_rows: bool,
) -> Vec<Row> {
    let mut out = Vec::new();
    let ch_index = |name: &str| channels.iter().position(|c| c.name == name);
    for (name, g) in &req.groups {
        let chans: Vec<usize> = g.channels.iter().filter_map(|c| ch_index(c)).collect();
        let mut member = vec![false; channels.len()];
        for &c in &chans {
            member[c] = true;
        }
        let in_group: Vec<(usize, f64)> = (0..lanes.len())
            .filter(|&l| member[lanes[l].channel])
            .map(|l| (l, 1.0))
            .collect();
        let ov: Vec<usize> = chans
            .iter()
            .copied()
            .filter(|&c| overflow_cny[c] > 0.0)
            .collect();
        if let Some(mx) = g.max_spend_cny {
            out.push(Row {
                key: RowKey::GroupMax(name.clone()),
                lanes: in_group.clone(),
                overflow: ov.clone(),
                total: 0.0,
                upper: true,
                rhs: mx,
            });
        }
        if let Some(mn) = g.min_spend_cny.filter(|&v| v > 0.0) {
            out.push(Row {
                key: RowKey::GroupMin(name.clone()),
                lanes: in_group.clone(),
                overflow: ov.clone(),
                total: 0.0,
                upper: false,
                rhs: mn,
            });
        }
        if let Some(sh) = g.max_share.filter(|&s| s < 1.0) {
            out.push(Row {
                key: RowKey::GroupShare(name.clone()),
                lanes: in_group,
                overflow: ov,
                total: -sh,
                upper: true,
                rhs: 0.0,
            });
        }
    }
    for (name, g) in &req.room_groups {
        let mut member = vec![false; rooms.len()];
        for r in &g.rooms {
            if let Some(i) = rooms.iter().position(|x| x == r) {
                member[i] = true;
            }
        }
        let in_group: Vec<(usize, f64)> = (0..lanes.len())
            .filter(|&l| member[lanes[l].room])
            .map(|l| (l, 1.0))
            .collect();
        // A channel's overflow is booked on its first lane (see `assemble`).
        let ov: Vec<usize> = (0..channels.len())
            .filter(|&c| overflow_cny[c] > 0.0)
            .filter(|&c| {
                channels[c]
                    .lanes
                    .first()
                    .is_some_and(|&l| member[lanes[l].room])
            })
            .collect();
        if let Some(mx) = g.max_spend_cny {
            out.push(Row {
                key: RowKey::RoomGroupMax(name.clone()),
                lanes: in_group.clone(),
                overflow: ov.clone(),
                total: 0.0,
                upper: true,
                rhs: mx,
            });
        }
        if let Some(mn) = g.min_spend_cny.filter(|&v| v > 0.0) {
            out.push(Row {
                key: RowKey::RoomGroupMin(name.clone()),
                lanes: in_group,
                overflow: ov,
                total: 0.0,
                upper: false,
                rhs: mn,
            });
        }
    }
    let Some(g) = &req.guardrail else {
        return out;
    };
    match g.scope {
        // Lane bounds (`problem::LaneGuard`) unless rows are asked for.
        ChangeScope::Lane if !lane_rows => {}
        ChangeScope::Lane => {
            for (l, lane) in lanes.iter().enumerate() {
                let ch = &channels[lane.channel];
                let last = g.last_spend_cny[l];
                if last <= 0.0 || ch.lim.excluded {
                    continue;
                }
                let m = g.change_for(&ch.name);
                let top = lane.seg_total_cny(h);
                let hi = last * (1.0 + m);
                if hi < top * (1.0 - TIGHT) {
                    out.push(Row {
                        key: RowKey::LaneUp(l, last, m),
                        lanes: vec![(l, 1.0)],
                        overflow: vec![],
                        total: 0.0,
                        upper: true,
                        rhs: hi,
                    });
                }
                let lo = (last * (1.0 - m)).min(top);
                if lo > 0.0 {
                    out.push(Row {
                        key: RowKey::LaneDown(l, last, m),
                        lanes: vec![(l, 1.0)],
                        overflow: vec![],
                        total: 0.0,
                        upper: false,
                        rhs: lo,
                    });
                }
            }
        }
        ChangeScope::Channel => {
            for (c, ch) in channels.iter().enumerate() {
                let last: f64 = ch.lanes.iter().map(|&l| g.last_spend_cny[l]).sum();
                if last <= 0.0 || ch.lim.excluded {
                    continue;
                }
                let m = g.change_for(&ch.name);
                let lane_list: Vec<(usize, f64)> = ch.lanes.iter().map(|&l| (l, 1.0)).collect();
                let ov = if overflow_cny[c] > 0.0 {
                    vec![c]
                } else {
                    vec![]
                };
                let top: f64 = ch
                    .lanes
                    .iter()
                    .map(|&l| lanes[l].seg_total_cny(h))
                    .sum::<f64>()
                    + overflow_cny[c];
                let hi = last * (1.0 + m);
                if hi < top * (1.0 - TIGHT) {
                    out.push(Row {
                        key: RowKey::ChannelUp(c, last, m),
                        lanes: lane_list.clone(),
                        overflow: ov.clone(),
                        total: 0.0,
                        upper: true,
                        rhs: hi,
                    });
                }
                let lo = (last * (1.0 - m)).min(top);
                if lo > 0.0 {
                    out.push(Row {
                        key: RowKey::ChannelDown(c, last, m),
                        lanes: lane_list,
                        overflow: ov,
                        total: 0.0,
                        upper: false,
                        rhs: lo,
                    });
                }
            }
        }
    }
    out
}

/// Per lane, `Σ_rows dual · coefficient` of the lane's spend in the extra
/// rows (a share row's total-spend term counts on every lane).
pub(crate) fn spend_duals(rows: &[Row], duals: &[f64], n_lanes: usize) -> Vec<f64> {
    let mut out = vec![0.0; n_lanes];
    if duals.len() != rows.len() {
        return out;
    }
    let mut common = 0.0;
    for (r, &u) in rows.iter().zip(duals) {
        if u == 0.0 {
            continue;
        }
        common += u * r.total;
        for &(l, c) in &r.lanes {
            out[l] += u * c;
        }
    }
    for v in &mut out {
        *v += common;
    }
    out
}

/// The extra rows holding with equality at per-lane spends `spend`
/// (overflow booked on lanes), with their duals.
pub(crate) fn binding(
    rows: &[Row],
    duals: &[f64],
    spend: &[f64],
    total: f64,
    channels: &[PChannel],
    names: &LaneNames,
) -> Vec<BindingConstraint> {
    rows.iter()
        .enumerate()
        .filter(|(_, r)| {
            let v = r.value(spend, total);
            let scale = r.rhs.abs().max(total * r.total.abs()).max(1.0);
            (v - r.rhs).abs() <= TIGHT * scale
        })
        .map(|(i, r)| BindingConstraint::new(r.limit(channels, names), duals.get(i).copied()))
        .collect()
}
