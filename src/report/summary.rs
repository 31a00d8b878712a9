//! What the history holds: rows, days, rooms, and per channel what was spent
//! and what it brought.

use polars::prelude::*;
use serde::Serialize;

use super::table::{Align, Table, thousands};
use crate::contract::calendar::format_date;
use crate::validate::ValidatedData;

/// One channel's totals over the whole history.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChannelTotals {
    /// Channel name.
    pub channel: String,
    /// Distinct days on which any room spent on it.
    pub days_with_spend: u32,
    /// CNY.
    pub spend_cny: f64,
    /// People.
    pub viewers: f64,
    /// `spend / viewers`, CNY per viewer (`None` without viewers).
    pub cost_per_viewer_cny: Option<f64>,
}

/// Summary of a validated history.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HistorySummary {
    /// Data rows.
    pub rows: usize,
    /// First day, `YYYY-MM-DD`.
    pub first_date: String,
    /// Last day, `YYYY-MM-DD`.
    pub last_date: String,
    /// Distinct rooms.
    pub rooms: usize,
    /// How long one row is: `daily`, `weekly (rows dated Mondays)`, ...
    pub period: crate::validate::Period,
    /// Per channel, by name (`days_with_spend` counts rows' dates: weeks in
    /// a weekly history).
    pub channels: Vec<ChannelTotals>,
}

/// Summarise the history with polars.
pub fn summarise(data: &ValidatedData) -> PolarsResult<HistorySummary> {
    let df = data.frame();
    let dates = df.column("date")?.cast(&DataType::Int32)?;
    let dates = dates.i32()?;
    let first = dates.min().unwrap_or(0);
    let last = dates.max().unwrap_or(0);
    let rooms = df.column("room")?.as_materialized_series().n_unique()?;
    let per = df
        .clone()
        .lazy()
        .group_by([col("channel")])
        .agg([
            col("date")
                .filter(col("spend").gt(lit(0.0)))
                .n_unique()
                .cast(DataType::UInt32)
                .alias("days_with_spend"),
            col("spend").sum().alias("spend"),
            col("viewers").sum().alias("viewers"),
        ])
        .sort(["channel"], SortMultipleOptions::default())
        .collect()?;
    let names = per.column("channel")?.str()?;
    let days = per.column("days_with_spend")?.u32()?;
    let spend = per.column("spend")?.f64()?;
    let viewers = per.column("viewers")?.f64()?;
    let channels = (0..per.height())
        .map(|i| {
            let s = spend.get(i).unwrap_or(0.0);
            let v = viewers.get(i).unwrap_or(0.0);
            ChannelTotals {
                channel: names.get(i).unwrap_or_default().to_string(),
                days_with_spend: days.get(i).unwrap_or(0),
                spend_cny: s,
                viewers: v,
                cost_per_viewer_cny: (v > 0.0).then(|| s / v),
            }
        })
        .collect();
    Ok(HistorySummary {
        rows: df.height(),
        first_date: format_date(first),
        last_date: format_date(last),
        rooms,
        period: data.period(),
        channels,
    })
}

impl HistorySummary {
    /// The summary as text for stdout.
    pub fn render(&self, lang: crate::lang::Lang) -> String {
        use crate::report::i18n::{Col, words};
        let w = words(lang);
        let weekday = self.period.phase.map(|p| (p as usize + 3) % 7);
        let mut s = w.validate_head(
            self.rows as f64,
            &self.first_date,
            &self.last_date,
            self.rooms,
            self.channels.len(),
            &w.period_name(self.period.days, weekday),
        );
        s.push_str("\n\n");
        let with_spend = w.col_with_spend(self.period.days);
        let mut t = Table::new(&[
            (w.col(Col::Channel), Align::Left),
            (with_spend.as_str(), Align::Right),
            (w.col(Col::SpendCny), Align::Right),
            (w.col(Col::Viewers), Align::Right),
            (w.col(Col::CostPerViewer), Align::Right),
        ]);
        for c in &self.channels {
            t.row(vec![
                c.channel.clone(),
                c.days_with_spend.to_string(),
                thousands(c.spend_cny, 0),
                thousands(c.viewers, 0),
                c.cost_per_viewer_cny
                    .map_or("-".into(), |v| format!("{v:.2}")),
            ]);
        }
        s.push_str(&t.render());
        s
    }
}
