//! What the plan's estimates were made from when optional cells were empty
//! or GMV is net of refunds: the notes summary.txt, stderr and
//! chart_data.json carry (issue 14, "say in the plan which estimates used
//! fewer rows").
//!
//! Orders and GMV per viewer of a lane leave out its rows whose cell is
//! empty (both sides of the ratio, see `plan::stage::conversions`); the
//! screen judges a row without the signals whose cells are empty. Each such
//! estimate is named with how many rows it used.

use polars::prelude::*;

use crate::contract::Field;
use crate::curves::stage::Granularity;
use crate::plan::Metric;
use crate::plan::stage::Prepared;
use crate::report::i18n::DataNote;
use crate::validate::{ONE_ROOM, ValidatedData};

/// Lanes named one by one per column; the rest are counted.
pub const LANES_SHOWN: usize = 10;

/// The lane as the plan names it: `r1 × douyin`, or `douyin` for one room
/// or pooled rooms.
fn lane_name(room: &str, channel: &str) -> String {
    if room == ONE_ROOM {
        channel.to_string()
    } else {
        format!("{room} × {channel}")
    }
}

/// Per lane of `by` (room × channel, or channel with rooms pooled): rows,
/// and rows with a `field` cell; sorted by lane.
fn lane_counts(
    data: &ValidatedData,
    by: Granularity,
    field: Field,
) -> PolarsResult<Vec<(String, String, usize, usize)>> {
    let keys = match by {
        Granularity::RoomChannel => vec![col("room"), col("channel")],
        Granularity::Channel => vec![col("channel")],
    };
    let df = data
        .frame()
        .clone()
        .lazy()
        .group_by(keys)
        .agg([
            len().cast(DataType::UInt64).alias("__rows"),
            col(field.name())
                .count()
                .cast(DataType::UInt64)
                .alias("__with"),
        ])
        .collect()?;
    let channel = df.column("channel")?.str()?;
    let room = match by {
        Granularity::RoomChannel => Some(df.column("room")?.str()?),
        Granularity::Channel => None,
    };
    let rows = df.column("__rows")?.u64()?;
    let with = df.column("__with")?.u64()?;
    let mut out: Vec<(String, String, usize, usize)> = (0..df.height())
        .map(|i| {
            (
                room.and_then(|r| r.get(i)).unwrap_or(ONE_ROOM).to_string(),
                channel.get(i).unwrap_or_default().to_string(),
                rows.get(i).unwrap_or(0) as usize,
                with.get(i).unwrap_or(0) as usize,
            )
        })
        .collect();
    out.sort();
    Ok(out)
}

/// For an orders or GMV goal: each planned lane whose orders (GMV) per
/// viewer was estimated from fewer rows than the lane has, e.g. `orders
/// per viewer of douyin_qianchuan from 212 of 240 days: 28 days had no
/// orders cell`. Lanes beyond [`LANES_SHOWN`] are counted.
pub fn estimate_notes(
    data: &ValidatedData,
    by: Granularity,
    prepared: &Prepared,
    metric: Metric,
) -> PolarsResult<Vec<DataNote>> {
    let field = match metric {
        Metric::Orders => Field::Orders,
        Metric::GmvCny => Field::Gmv,
        Metric::Viewers => return Ok(Vec::new()),
    };
    if !data.has(field) {
        return Ok(Vec::new());
    }
    let planned: std::collections::BTreeSet<(&str, &str)> = prepared
        .lanes
        .iter()
        .map(|l| (l.room.as_str(), l.channel.as_str()))
        .collect();
    let period = data.period().days;
    let mut notes = Vec::new();
    let mut more = 0usize;
    for (room, channel, rows, with) in lane_counts(data, by, field)? {
        if with == rows || !planned.contains(&(room.as_str(), channel.as_str())) {
            continue;
        }
        if notes.len() == LANES_SHOWN {
            more += 1;
            continue;
        }
        let lane = lane_name(&room, &channel);
        notes.push(if with == 0 {
            DataNote::Unknown {
                metric,
                lane,
                rows,
                field,
                period_days: period,
            }
        } else {
            DataNote::FewerRows {
                metric,
                lane,
                with,
                rows,
                field,
                period_days: period,
            }
        });
    }
    if more > 0 {
        notes.push(DataNote::MoreLanes {
            metric,
            more,
            field,
        });
    }
    Ok(notes)
}

/// What screening judged without: per optional column with empty cells in
/// the screened rows, how many rows had it, e.g. `screening judged 28 of 240
/// days without comments (empty cells)`. GMV net of refunds is not a
/// screening signal at all, and is said so.
pub fn screening_notes(data: &ValidatedData) -> Vec<DataNote> {
    let df = data.frame();
    let n = df.height();
    let period = data.period().days;
    let mut notes = Vec::new();
    for f in Field::OPTIONAL_NUMBERS {
        let Ok(c) = df.column(f.name()) else {
            continue;
        };
        if f == Field::Gmv && data.declared().gmv_is_net {
            notes.push(DataNote::NetGmvNotScreened);
            continue;
        }
        let empty = c.null_count();
        if empty > 0 {
            notes.push(DataNote::ScreenedWithout {
                empty,
                rows: n,
                field: f,
                period_days: period,
            });
        }
    }
    notes
}

/// GMV net of refunds can make a lane's GMV per viewer over the whole
/// history negative. The planner takes GMV per viewer ≥ 0, so such a lane
/// counts 0 GMV per viewer (a GMV goal then puts no spend there unless a
/// limit forces it); each is named. Days below zero are otherwise summed in
/// as they stand.
pub fn floor_net_gmv(prepared: &mut Prepared) -> Vec<DataNote> {
    let mut notes = Vec::new();
    for l in &mut prepared.lanes {
        if let Some(g) = l.gmv_cny_per_viewer
            && g < 0.0
        {
            notes.push(DataNote::NetGmvBelowZero {
                lane: lane_name(&l.room, &l.channel),
                gmv_cny_per_viewer: g,
            });
            l.gmv_cny_per_viewer = Some(0.0);
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::load::{LoadOptions, load_csv_bytes};

    fn load(csv: &str, net: bool) -> ValidatedData {
        let opts = LoadOptions {
            declared: crate::contract::Declared { gmv_is_net: net },
            ..LoadOptions::default()
        };
        load_csv_bytes(Path::new("t.csv"), csv.as_bytes(), &opts)
            .unwrap()
            .data
    }

    fn prepared(lanes: &[(&str, &str)]) -> Prepared {
        Prepared {
            lanes: lanes
                .iter()
                .map(|(r, c)| {
                    let model = crate::curves::Model::Exp {
                        vmax: 100.0,
                        k_cny: 10.0,
                    };
                    crate::plan::Lane::new(*r, *c, crate::curves::Curve::uncapped(model))
                })
                .collect(),
            ..Prepared::default()
        }
    }

    fn en(notes: Vec<DataNote>) -> Vec<String> {
        notes
            .iter()
            .map(|n| n.words(crate::lang::Lang::En))
            .collect()
    }

    #[test]
    fn estimates_from_fewer_rows_are_named_per_planned_lane() {
        let csv = "date,room,channel,spend,viewers,orders,comments\n\
                   2026-11-01,r1,a,1,1,1,\n\
                   2026-11-02,r1,a,1,1,,\n\
                   2026-11-03,r1,a,1,1,2,3\n\
                   2026-11-01,r1,b,1,1,,1\n\
                   2026-11-01,r2,a,1,1,,1\n";
        let d = load(csv, false);
        let p = prepared(&[("r1", "a"), ("r1", "b")]);
        let notes = en(estimate_notes(&d, Granularity::RoomChannel, &p, Metric::Orders).unwrap());
        assert_eq!(
            notes,
            [
                "orders per viewer of r1 × a from 2 of 3 days: 1 day had no orders cell",
                "orders per viewer of r1 × b is unknown: the orders cell is empty on all its 1 day",
            ]
        );
        // Pooled by channel: a has 4 rows, 2 with orders (r2 × a is not planned
        // per room, but channel `a` is).
        let p = prepared(&[("all", "a")]);
        let notes = en(estimate_notes(&d, Granularity::Channel, &p, Metric::Orders).unwrap());
        assert_eq!(
            notes,
            ["orders per viewer of a from 2 of 4 days: 2 days had no orders cell"]
        );
        assert!(
            estimate_notes(&d, Granularity::Channel, &p, Metric::Viewers)
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            en(screening_notes(&d)),
            [
                "screening judged 3 of 5 days without orders (empty cells)",
                "screening judged 2 of 5 days without comments (empty cells)",
            ]
        );
    }

    #[test]
    fn negative_net_gmv_per_viewer_counts_zero_and_is_named() {
        let mut p = prepared(&[("r1", "a"), ("all", "b")]);
        p.lanes[0].gmv_cny_per_viewer = Some(-0.5);
        p.lanes[1].gmv_cny_per_viewer = Some(2.0);
        let notes = en(floor_net_gmv(&mut p));
        assert_eq!(p.lanes[0].gmv_cny_per_viewer, Some(0.0));
        assert_eq!(p.lanes[1].gmv_cny_per_viewer, Some(2.0));
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].starts_with(
                "net GMV of r1 × a over the history is below zero (-0.50 CNY per viewer"
            )
        );
    }
}
