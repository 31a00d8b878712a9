//! The store's rows: one per date × room × channel, every contract field,
//! and the merge of an export into them (added, unchanged, revised).

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::contract::Field;
use crate::validate::ValidatedData;

/// The numeric fields a row may carry, in file order (`spend` and `viewers`
/// are always there).
pub const NUMBERS: [Field; 7] = [
    Field::Spend,
    Field::Viewers,
    Field::Impressions,
    Field::Orders,
    Field::Gmv,
    Field::AvgWatchSeconds,
    Field::Comments,
];

/// Where a row stands: (day since 1970-01-01, room, channel).
pub type Key = (i32, String, String);

/// The values of one row.
#[derive(Clone, Debug, PartialEq)]
pub struct Values {
    /// [`NUMBERS`] in order; `None`: the export did not give it.
    pub numbers: [Option<f64>; 7],
    /// Campaign name, when the export had one.
    pub campaign: Option<String>,
}

/// One changed field of a revised row.
#[derive(Clone, Debug, PartialEq)]
pub struct Revision {
    /// The row.
    pub key: Key,
    /// The field that changed (`spend`, `orders`, `campaign`, …).
    pub field: &'static str,
    /// What the store held.
    pub old: String,
    /// What the export says.
    pub new: String,
}

/// What to do when an export disagrees with the store on a row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OnConflict {
    /// The export wins (late conversions revise yesterday's numbers).
    #[default]
    Newer,
    /// The store keeps what it has.
    Keep,
    /// Stop without changing the store.
    Error,
}

/// How one export merged.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MergeCounts {
    /// Rows the store did not have.
    pub added: usize,
    /// Rows the store had with the same values.
    pub unchanged: usize,
    /// Rows with at least one different value (kept or replaced by policy).
    pub revised: usize,
    /// Every changed field of the revised rows.
    pub revisions: Vec<Revision>,
}

/// Rows keyed by date × room × channel.
pub type Rows = BTreeMap<Key, Values>;

fn number_text(x: Option<f64>) -> String {
    x.map_or_else(String::new, |v| v.to_string())
}

/// Merge `incoming` into `rows`. A field the export leaves empty is not a
/// change (the store keeps its value); only fields both give and that
/// differ are revisions.
pub fn merge(rows: &mut Rows, incoming: Rows, policy: OnConflict) -> MergeCounts {
    let mut counts = MergeCounts::default();
    for (key, new) in incoming {
        let Some(old) = rows.get_mut(&key) else {
            rows.insert(key, new);
            counts.added += 1;
            continue;
        };
        let mut merged = old.clone();
        let mut changed = Vec::new();
        for (i, field) in NUMBERS.iter().enumerate() {
            match (old.numbers[i], new.numbers[i]) {
                (_, None) => {}
                (Some(a), Some(b)) if a == b => {}
                (a, Some(b)) => {
                    if a.is_some() {
                        changed.push((field.name(), number_text(a), number_text(Some(b))));
                    }
                    merged.numbers[i] = Some(b);
                }
            }
        }
        match (&old.campaign, &new.campaign) {
            (_, None) => {}
            (Some(a), Some(b)) if a == b => {}
            (a, Some(b)) => {
                if let Some(a) = a {
                    changed.push(("campaign", a.clone(), b.clone()));
                }
                merged.campaign = Some(b.clone());
            }
        }
        if changed.is_empty() {
            // Same values, or only fields the store lacked filled in.
            if merged != *old {
                *old = merged;
            }
            counts.unchanged += 1;
            continue;
        }
        counts.revised += 1;
        for (field, o, n) in changed {
            counts.revisions.push(Revision {
                key: key.clone(),
                field,
                old: o,
                new: n,
            });
        }
        if policy == OnConflict::Newer {
            *old = merged;
        }
    }
    counts
}

/// The rows of a validated history (an export or a partition file read
/// back).
pub fn rows_of(data: &ValidatedData) -> PolarsResult<Rows> {
    let f = data.frame();
    let dates = f.column("date")?.cast(&DataType::Int32)?;
    let dates = dates.i32()?;
    let rooms = f.column("room")?.str()?.clone();
    let channels = f.column("channel")?.str()?.clone();
    let numbers: Vec<Option<Float64Chunked>> = NUMBERS
        .iter()
        .map(|field| {
            f.column(field.name())
                .ok()
                .map(|c| {
                    c.cast(&DataType::Float64)
                        .and_then(|c| Ok(c.f64()?.clone()))
                })
                .transpose()
        })
        .collect::<PolarsResult<_>>()?;
    let campaign = f
        .column("campaign")
        .ok()
        .map(|c| c.str().cloned())
        .transpose()?;
    let mut out = Rows::new();
    for i in 0..f.height() {
        let (Some(date), Some(room), Some(channel)) = (dates.get(i), rooms.get(i), channels.get(i))
        else {
            continue;
        };
        let mut values = Values {
            numbers: [None; 7],
            campaign: campaign.as_ref().and_then(|c| c.get(i)).map(str::to_string),
        };
        for (k, col) in numbers.iter().enumerate() {
            values.numbers[k] = col.as_ref().and_then(|c| c.get(i));
        }
        out.insert((date, room.to_string(), channel.to_string()), values);
    }
    Ok(out)
}

/// `rows` as a frame in the data contract's layout (date as Date, then
/// room, channel, the numbers the store holds, campaign), sorted by date,
/// room, channel. Optional columns that no row has are left out.
pub fn frame_of(rows: &Rows) -> PolarsResult<DataFrame> {
    let n = rows.len();
    let mut cols = vec![
        Int32Chunked::from_iter_values("date".into(), rows.keys().map(|k| k.0))
            .into_date()
            .into_series()
            .into_column(),
        Column::new(
            "room".into(),
            rows.keys().map(|k| k.1.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "channel".into(),
            rows.keys().map(|k| k.2.as_str()).collect::<Vec<_>>(),
        ),
    ];
    for (i, field) in NUMBERS.iter().enumerate() {
        let required = i < 2;
        if !required && rows.values().all(|v| v.numbers[i].is_none()) {
            continue;
        }
        let c: Float64Chunked = rows.values().map(|v| v.numbers[i]).collect();
        cols.push(c.with_name(field.name().into()).into_series().into_column());
    }
    if rows.values().any(|v| v.campaign.is_some()) {
        let c: StringChunked = rows.values().map(|v| v.campaign.as_deref()).collect();
        cols.push(c.with_name("campaign".into()).into_series().into_column());
    }
    DataFrame::new(n, cols)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(d: i32) -> Key {
        (d, "r1".into(), "douyin".into())
    }

    fn values(spend: f64, orders: Option<f64>) -> Values {
        let mut numbers = [None; 7];
        numbers[0] = Some(spend);
        numbers[1] = Some(spend * 2.0);
        numbers[3] = orders;
        Values {
            numbers,
            campaign: None,
        }
    }

    #[test]
    fn merge_counts_added_unchanged_and_revised_rows() {
        let mut rows: Rows = [
            (key(1), values(10.0, Some(1.0))),
            (key(2), values(20.0, None)),
        ]
        .into_iter()
        .collect();
        let incoming: Rows = [
            (key(1), values(10.0, Some(1.0))), // the same
            (key(2), values(25.0, Some(3.0))), // spend revised, orders filled in
            (key(3), values(30.0, None)),      // new
        ]
        .into_iter()
        .collect();
        let c = merge(&mut rows, incoming, OnConflict::Newer);
        assert_eq!((c.added, c.unchanged, c.revised), (1, 1, 1));
        let fields: Vec<_> = c
            .revisions
            .iter()
            .map(|r| (r.field, r.old.as_str(), r.new.as_str()))
            .collect();
        assert_eq!(fields, vec![("spend", "20", "25"), ("viewers", "40", "50")]);
        assert_eq!(rows[&key(2)].numbers[0], Some(25.0));
        assert_eq!(
            rows[&key(2)].numbers[3],
            Some(3.0),
            "a field the store lacked is filled in"
        );
        assert_eq!(rows.len(), 3);
    }

    #[test]
    fn keep_policy_reports_the_revision_but_keeps_the_store() {
        let mut rows: Rows = [(key(1), values(10.0, Some(1.0)))].into_iter().collect();
        let incoming: Rows = [(key(1), values(12.0, Some(1.0)))].into_iter().collect();
        let c = merge(&mut rows, incoming, OnConflict::Keep);
        assert_eq!(c.revised, 1);
        assert_eq!(rows[&key(1)].numbers[0], Some(10.0));
    }

    #[test]
    fn an_empty_field_in_the_export_is_not_a_change() {
        let mut rows: Rows = [(key(1), values(10.0, Some(4.0)))].into_iter().collect();
        let incoming: Rows = [(key(1), values(10.0, None))].into_iter().collect();
        let c = merge(&mut rows, incoming, OnConflict::Newer);
        assert_eq!((c.added, c.unchanged, c.revised), (0, 1, 0));
        assert_eq!(rows[&key(1)].numbers[3], Some(4.0));
    }

    #[test]
    fn merging_twice_changes_nothing_the_second_time() {
        let mut rows = Rows::new();
        let export: Rows = (0..50)
            .map(|d| (key(d), values(d as f64, Some(1.0))))
            .collect();
        merge(&mut rows, export.clone(), OnConflict::Newer);
        let before = rows.clone();
        let c = merge(&mut rows, export, OnConflict::Newer);
        assert_eq!((c.added, c.unchanged, c.revised), (0, 50, 0));
        assert_eq!(rows, before);
    }

    #[test]
    fn frame_round_trips_through_rows() {
        let rows: Rows = (0..5)
            .map(|d| (key(d), values(d as f64 + 0.5, (d % 2 == 0).then_some(2.0))))
            .collect();
        let frame = frame_of(&rows).unwrap();
        assert_eq!(frame.height(), 5);
        let names: Vec<&str> = frame
            .get_column_names()
            .iter()
            .map(|s| s.as_str())
            .collect();
        assert_eq!(
            names,
            vec!["date", "room", "channel", "spend", "viewers", "orders"]
        );
        let data = ValidatedData::new(frame, "x".into(), true);
        assert_eq!(rows_of(&data).unwrap(), rows);
    }
}
