//! `[groups.NAME]`, `[room_groups.NAME]` and the stability guardrail
//! (`[plan] max_change`, `--max-change`, `[channels.X] max_change`): read
//! from the file with each member's line and column, checked against the
//! data by the planner (a name the data does not have is an error naming
//! the file, line and column; a channel or room in the data without a
//! usable curve is a warning, left out of its group: nothing is planned on
//! it anyway). Groups may overlap: each is its own row.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ConfigError;
use crate::plan::ChangeScope;

/// `[groups.NAME]`: a channel group.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GroupConfig {
    /// Channels of the group.
    pub channels: Vec<toml::Spanned<String>>,
    /// Least the group spends over the horizon, CNY.
    pub min_spend_cny: Option<f64>,
    /// Most the group spends over the horizon, CNY.
    pub max_spend_cny: Option<f64>,
    /// Largest share of the plan's total spend, 0–1.
    pub max_share: Option<f64>,
}

/// `[room_groups.NAME]`: a room group.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RoomGroupConfig {
    /// Rooms of the group.
    pub rooms: Vec<toml::Spanned<String>>,
    /// Least the group spends over the horizon, CNY.
    pub min_spend_cny: Option<f64>,
    /// The group's budget over the horizon, CNY (`budget_cny` says the same).
    #[serde(alias = "budget_cny")]
    pub max_spend_cny: Option<f64>,
}

/// `max_change = 0.3` or `max_change = "30%"`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(untagged)]
pub enum ChangeValue {
    /// A fraction.
    Number(f64),
    /// `"30%"` or `"0.3"`.
    Text(String),
}

impl ChangeValue {
    fn text(&self) -> String {
        match self {
            ChangeValue::Number(n) => n.to_string(),
            ChangeValue::Text(t) => t.clone(),
        }
    }
}

/// Parses `30%`, `30 %` or `0.3` as a relative change ≥ 0.
pub fn parse_change(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let (num, pct) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), true),
        None => (t, false),
    };
    match num.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(if pct { v / 100.0 } else { v }),
        _ => Err(format!(
            "`{text}` is not a change: write a percentage such as `30%` or a fraction such as 0.3"
        )),
    }
}

/// `[channels.X] max_change` etc. resolved: the value and where it came from.
pub(super) fn change_of(v: &ChangeValue, origin: &str) -> Result<f64, ConfigError> {
    parse_change(&v.text()).map_err(|message| ConfigError::BadMaxChange {
        origin: origin.to_string(),
        message,
    })
}

/// Where each group member is written: file, then `(section, name) →
/// (line, column)`, 1-based.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemberPositions {
    /// The config file.
    pub path: PathBuf,
    /// `("groups.douyin", "douyin_qianchuan") → (12, 15)`.
    pub at: BTreeMap<(String, String), (usize, usize)>,
}

impl MemberPositions {
    /// Positions of every group member in `text` (the file `path`).
    pub fn of(
        path: &Path,
        text: &str,
        groups: &BTreeMap<String, GroupConfig>,
        room_groups: &BTreeMap<String, RoomGroupConfig>,
    ) -> Self {
        let line_col = |offset: usize| super::calendar::line_col(text, offset);
        let mut at = BTreeMap::new();
        for (g, c) in groups {
            for m in &c.channels {
                at.insert(
                    (format!("groups.{g}"), m.get_ref().clone()),
                    line_col(m.span().start),
                );
            }
        }
        for (g, c) in room_groups {
            for m in &c.rooms {
                at.insert(
                    (format!("room_groups.{g}"), m.get_ref().clone()),
                    line_col(m.span().start),
                );
            }
        }
        MemberPositions {
            path: path.to_path_buf(),
            at,
        }
    }
}

/// The guardrail as resolved: the plan-wide change, its scope, overrides.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GuardrailSettings {
    /// Largest relative change, e.g. 0.3.
    pub max_change: f64,
    /// Per lane or per channel.
    pub scope: ChangeScope,
    /// `[channels.X] max_change` overrides.
    pub channels: BTreeMap<String, f64>,
}

/// Groups and the guardrail for the planner, with where each member is
/// written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupSettings {
    /// Channel groups.
    pub groups: BTreeMap<String, crate::plan::ChannelGroup>,
    /// Room groups.
    pub room_groups: BTreeMap<String, crate::plan::RoomGroup>,
    /// The guardrail, if any.
    pub guardrail: Option<GuardrailSettings>,
    /// Where the members are written.
    pub positions: MemberPositions,
}

impl GroupSettings {
    /// A member the data does not have: the error naming the file, line
    /// and column, with the names the data has.
    pub fn unknown_member(
        &self,
        section: &str,
        kind: &'static str,
        name: &str,
        known: &[&str],
    ) -> ConfigError {
        let (line, column) = self
            .positions
            .at
            .get(&(section.to_string(), name.to_string()))
            .copied()
            .unwrap_or((0, 0));
        ConfigError::UnknownGroupMember {
            path: self.positions.path.clone(),
            m: Box::new(super::error::GroupMember {
                line,
                column,
                section: section.to_string(),
                kind,
                name: name.to_string(),
                known: known.join(", "),
            }),
        }
    }
}

/// The plan's groups of the file.
pub(super) fn plan_groups(
    groups: &BTreeMap<String, GroupConfig>,
    room_groups: &BTreeMap<String, RoomGroupConfig>,
) -> (
    BTreeMap<String, crate::plan::ChannelGroup>,
    BTreeMap<String, crate::plan::RoomGroup>,
) {
    let g = groups
        .iter()
        .map(|(n, c)| {
            (
                n.clone(),
                crate::plan::ChannelGroup {
                    channels: c.channels.iter().map(|m| m.get_ref().clone()).collect(),
                    min_spend_cny: c.min_spend_cny,
                    max_spend_cny: c.max_spend_cny,
                    max_share: c.max_share,
                },
            )
        })
        .collect();
    let r = room_groups
        .iter()
        .map(|(n, c)| {
            (
                n.clone(),
                crate::plan::RoomGroup {
                    rooms: c.rooms.iter().map(|m| m.get_ref().clone()).collect(),
                    min_spend_cny: c.min_spend_cny,
                    max_spend_cny: c.max_spend_cny,
                },
            )
        })
        .collect();
    (g, r)
}
