//! `acqplan store STORE`: what a store holds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use super::{Manifest, StoreError, current, read_month};
use crate::contract::calendar::format_date;
use crate::error::Error;
use crate::report::table::{Align, Table, thousands};

/// One channel of the store.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChannelSpan {
    /// Channel.
    pub channel: String,
    /// Rows.
    pub rows: usize,
    /// Rooms with a row.
    pub rooms: usize,
    /// First date.
    pub first_date: String,
    /// Last date.
    pub last_date: String,
}

/// A lane with days missing inside its spend: a day with no row after a
/// day with spend and before another one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Gap {
    /// Room.
    pub room: String,
    /// Channel.
    pub channel: String,
    /// Periods (days, or weeks for a weekly store) without a row.
    pub missing: usize,
    /// The first of them.
    pub first_missing: String,
}

/// The last export ingested from one source file name.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LastIngest {
    /// The export's file name.
    pub source: String,
    /// When (UTC).
    pub ingested_at: String,
    /// Rows it added and revised.
    pub added: usize,
    /// Rows it revised.
    pub revised: usize,
}

/// What a store holds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoreSummary {
    /// The manifest of the current generation.
    pub manifest: Manifest,
    /// Rooms.
    pub rooms: usize,
    /// Per channel.
    pub channels: Vec<ChannelSpan>,
    /// Lanes with missing periods inside their spend, most missing first
    /// (at most the number asked for).
    pub gaps: Vec<Gap>,
    /// Lanes with gaps in all.
    pub lanes_with_gaps: usize,
    /// The last ingest per source file name.
    pub last_ingests: Vec<LastIngest>,
}

/// Describe the store at `store`, listing at most `max_gaps` gaps.
pub fn describe(store: &Path, max_gaps: usize) -> Result<StoreSummary, Error> {
    let (dir, manifest) = current(store)?.ok_or_else(|| StoreError::NotAStore {
        path: store.into(),
        problem: "nothing has been ingested into it".into(),
    })?;
    let step = manifest.period_days.max(1) as i32;
    let mut per_channel: BTreeMap<String, (usize, BTreeSet<String>, i32, i32)> = BTreeMap::new();
    let mut lanes: BTreeMap<(String, String), Vec<(i32, bool)>> = BTreeMap::new();
    let mut rooms = BTreeSet::new();
    for p in &manifest.partitions {
        for ((day, room, channel), v) in read_month(&dir, p)? {
            let e = per_channel
                .entry(channel.clone())
                .or_insert((0, BTreeSet::new(), day, day));
            e.0 += 1;
            e.1.insert(room.clone());
            e.2 = e.2.min(day);
            e.3 = e.3.max(day);
            rooms.insert(room.clone());
            let spent = v.numbers[0].is_some_and(|s| s > 0.0);
            lanes.entry((room, channel)).or_default().push((day, spent));
        }
    }
    let mut gaps = Vec::new();
    for ((room, channel), mut days) in lanes {
        days.sort_unstable();
        let spent: Vec<i32> = days.iter().filter(|d| d.1).map(|d| d.0).collect();
        let (Some(&first), Some(&last)) = (spent.first(), spent.last()) else {
            continue;
        };
        let have: BTreeSet<i32> = days.iter().map(|d| d.0).collect();
        let missing: Vec<i32> = (0..)
            .map(|k| first + k * step)
            .take_while(|&d| d <= last)
            .filter(|d| !have.contains(d))
            .collect();
        if let Some(&m) = missing.first() {
            gaps.push(Gap {
                room,
                channel,
                missing: missing.len(),
                first_missing: format_date(m),
            });
        }
    }
    gaps.sort_by(|a, b| {
        b.missing
            .cmp(&a.missing)
            .then_with(|| (&a.room, &a.channel).cmp(&(&b.room, &b.channel)))
    });
    let lanes_with_gaps = gaps.len();
    gaps.truncate(max_gaps);
    let mut last: BTreeMap<String, LastIngest> = BTreeMap::new();
    for e in &manifest.exports {
        let source = Path::new(&e.file)
            .file_name()
            .map_or(e.file.clone(), |n| n.to_string_lossy().to_string());
        last.insert(
            source.clone(),
            LastIngest {
                source,
                ingested_at: e.ingested_at.clone(),
                added: e.added,
                revised: e.revised,
            },
        );
    }
    Ok(StoreSummary {
        rooms: rooms.len(),
        channels: per_channel
            .into_iter()
            .map(|(channel, (rows, rooms, a, b))| ChannelSpan {
                channel,
                rows,
                rooms: rooms.len(),
                first_date: format_date(a),
                last_date: format_date(b),
            })
            .collect(),
        gaps,
        lanes_with_gaps,
        last_ingests: last.into_values().collect(),
        manifest,
    })
}

impl StoreSummary {
    /// The summary for people.
    pub fn render(&self, lang: crate::lang::Lang) -> String {
        use crate::report::i18n::{Col, words};
        let w = words(lang);
        let m = &self.manifest;
        let weekly = m.period_days == 7;
        let mut s = w.store_head(
            m.rows as f64,
            self.rooms,
            self.channels.len(),
            m.first_date.as_deref().unwrap_or("-"),
            m.last_date.as_deref().unwrap_or("-"),
            weekly,
            m.partitions.len(),
            m.generation,
        );
        s.push_str("\n\n");
        let mut t = Table::new(&[
            (w.col(Col::Channel), Align::Left),
            (w.col(Col::Rows), Align::Right),
            (w.col(Col::Rooms), Align::Right),
            (w.col(Col::First), Align::Left),
            (w.col(Col::Last), Align::Left),
        ]);
        for c in &self.channels {
            t.row(vec![
                c.channel.clone(),
                thousands(c.rows as f64, 0),
                c.rooms.to_string(),
                c.first_date.clone(),
                c.last_date.clone(),
            ]);
        }
        s.push_str(&t.render());
        if self.lanes_with_gaps == 0 {
            s.push_str(&format!("\n{}\n", w.store_no_gaps(weekly)));
        } else {
            s.push_str(&format!(
                "\n{}\n\n",
                w.store_gaps(self.lanes_with_gaps, weekly)
            ));
            let mut t = Table::new(&[
                (w.col(Col::Room), Align::Left),
                (w.col(Col::Channel), Align::Left),
                (w.col(Col::Missing), Align::Right),
                (w.col(Col::FirstMissing), Align::Left),
            ]);
            for g in &self.gaps {
                t.row(vec![
                    g.room.clone(),
                    g.channel.clone(),
                    g.missing.to_string(),
                    g.first_missing.clone(),
                ]);
            }
            s.push_str(&t.render());
        }
        s.push_str(&format!("\n{}\n\n", w.store_last_ingest()));
        let mut t = Table::new(&[
            (w.col(Col::Source), Align::Left),
            (w.col(Col::IngestedAt), Align::Left),
            (w.col(Col::Added), Align::Right),
            (w.col(Col::Revised), Align::Right),
        ]);
        for l in &self.last_ingests {
            t.row(vec![
                l.source.clone(),
                l.ingested_at.clone(),
                thousands(l.added as f64, 0),
                thousands(l.revised as f64, 0),
            ]);
        }
        s.push_str(&t.render());
        s
    }
}
