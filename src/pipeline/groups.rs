//! Groups and the guardrail checked against the data and the lanes: a
//! member the data does not have is an error naming the file, line and
//! column; a member in the data without a usable curve is a warning and
//! is left out of its group (nothing is planned on it).

use std::collections::BTreeSet;

use super::{Message, Messages};
use crate::config::groups::GroupSettings;
use crate::curves::stage::SeriesSet;
use crate::error::Error;
use crate::plan::stage::Prepared;

pub(super) fn check_groups(
    mut g: GroupSettings,
    set: &SeriesSet,
    prepared: &Prepared,
    messages: &mut Messages,
) -> Result<GroupSettings, Error> {
    let data_channels: BTreeSet<&str> = set.keys.iter().map(|k| k.channel.as_str()).collect();
    let data_rooms: BTreeSet<&str> = set.keys.iter().map(|k| k.room.as_str()).collect();
    let lane_channels: BTreeSet<&str> = prepared.lanes.iter().map(|l| l.channel.as_str()).collect();
    let lane_rooms: BTreeSet<&str> = prepared.lanes.iter().map(|l| l.room.as_str()).collect();
    let known_channels: Vec<&str> = data_channels.iter().copied().collect();
    let known_rooms: Vec<&str> = data_rooms.iter().copied().collect();
    let positions = GroupSettings {
        positions: std::mem::take(&mut g.positions),
        ..GroupSettings::default()
    };
    let mut keep = |section: String,
                    kind: &'static str,
                    members: &mut Vec<String>,
                    data: &BTreeSet<&str>,
                    lanes: &BTreeSet<&str>,
                    known: &[&str]|
     -> Result<bool, Error> {
        for m in members.iter() {
            if !data.contains(m.as_str()) {
                return Err(positions.unknown_member(&section, kind, m, known).into());
            }
        }
        members.retain(|m| {
            let usable = lanes.contains(m.as_str());
            if !usable {
                messages.push(Message::Warning(format!(
                    "`[{section}]`: {kind} `{m}` has no usable curve; it is left out of the group (nothing is planned on it)"
                )));
            }
            usable
        });
        if members.is_empty() {
            messages.push(Message::Warning(format!(
                "`[{section}]`: no member has a usable curve; the group's limits are ignored"
            )));
        }
        Ok(!members.is_empty())
    };
    let groups = std::mem::take(&mut g.groups);
    let room_groups = std::mem::take(&mut g.room_groups);
    let mut kept = std::collections::BTreeMap::new();
    for (name, mut grp) in groups {
        if keep(
            format!("groups.{name}"),
            "channel",
            &mut grp.channels,
            &data_channels,
            &lane_channels,
            &known_channels,
        )? {
            kept.insert(name, grp);
        }
    }
    let mut kept_rooms = std::collections::BTreeMap::new();
    for (name, mut grp) in room_groups {
        if keep(
            format!("room_groups.{name}"),
            "room",
            &mut grp.rooms,
            &data_rooms,
            &lane_rooms,
            &known_rooms,
        )? {
            kept_rooms.insert(name, grp);
        }
    }
    g.groups = kept;
    g.room_groups = kept_rooms;
    if let Some(gr) = &mut g.guardrail {
        gr.channels.retain(|c, _| {
            let usable = lane_channels.contains(c.as_str());
            if !usable {
                messages.push(Message::Warning(format!(
                    "`[channels.{c}] max_change`: the channel has no usable curve; ignored"
                )));
            }
            usable
        });
    }
    Ok(g)
}
