//! Last week, reviewed: a run's plan against what the history says
//! happened over the days it planned.
//!
//! For each lane (and channel, and in total) over the planned days the
//! history covers:
//!
//! - **planned**: the run's spend and expected viewers (pro-rated to the
//!   days covered when the history does not yet reach the horizon's end,
//!   viewers by the lane's weekday factors);
//! - **actual**: the spend and the viewers the history holds for those
//!   days (spend counts every row; viewers leave out the rows screening
//!   flags as fake traffic, as the curves do);
//! - **predicted at actual**: what the run's curves give at the spend
//!   actually spent, day by day (the weekday factor of each day times the
//!   curve at its spend; a weekly row is 7 days of its per-day rate).
//!
//! The miss `actual − planned` splits exactly into three parts:
//!
//! - **execution** = predicted at the whole actual spend − planned: spent
//!   differently from the plan;
//! - **fake traffic** = predicted at the clean rows' spend − predicted at
//!   the whole spend: the viewers the spend on flagged rows would have
//!   bought (≤ 0);
//! - **prediction** = actual viewers − predicted at the clean rows' spend:
//!   the curve was wrong at the spend actually spent.
//!
//! A lane with no curve in the run (new since, or unusable then) has no
//! prediction: its miss is counted as **unsplit**. A flat lane (spend
//! explained nothing) predicts its mean viewers on each paid day.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::contract::calendar::{format_date, weekday};
use crate::curves::FitOutcome;
use crate::curves::stage::{CurveFit, Granularity, SeriesKey, extract_series};
use crate::report::run_files::RunFiles;
use crate::screen::ScreenResult;
use crate::validate::ValidatedData;

/// Why a review cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(
        "the history ends on {last}, before the planned days {first} to {end}: nothing to review yet"
    )]
    NotYet {
        last: String,
        first: String,
        end: String,
    },
    #[error("the run's rows are of {run} day(s), the history's of {data}")]
    Period { run: u32, data: u32 },
    #[error(transparent)]
    Polars(#[from] polars::prelude::PolarsError),
}

impl ReviewError {
    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            ReviewError::NotYet { .. } => Some(
                "ingest the exports of the planned week (`acqplan ingest … --into STORE`), then review with `--data STORE`".into(),
            ),
            ReviewError::Period { .. } => Some(
                "review a weekly run with the weekly history it was planned from (or pass --period)".into(),
            ),
            ReviewError::Polars(_) => None,
        }
    }
}

/// One line of the review: a lane, a channel (`room` empty) or the total
/// (both empty).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReviewRow {
    /// Live room (`all` when the run pooled rooms).
    pub room: String,
    /// Channel.
    pub channel: String,
    /// Planned spend over the days covered, CNY.
    pub planned_spend_cny: f64,
    /// Planned expected viewers over the days covered.
    pub planned_viewers: f64,
    /// Spend the history holds for those days, CNY (flagged rows included).
    pub actual_spend_cny: f64,
    /// Of it, on rows flagged as fake traffic, CNY.
    pub flagged_spend_cny: f64,
    /// Viewers the history holds for those days, flagged rows left out.
    pub actual_viewers: f64,
    /// What the run's curves predicted at the clean rows' spend (`None`:
    /// no curve, or for a channel/total: none of its lanes had one).
    pub predicted_viewers: Option<f64>,
    /// Planned → predicted at the whole actual spend.
    pub execution_viewers: f64,
    /// The viewers the flagged rows' spend would have bought, negative.
    pub fake_traffic_viewers: f64,
    /// Predicted → actual.
    pub prediction_viewers: f64,
    /// Miss of lanes without a curve (`actual − planned`).
    pub unsplit_viewers: f64,
    /// Why a lane is special: `not in the plan`, `no rows`, `no curve`.
    pub note: String,
}

impl ReviewRow {
    fn empty(room: &str, channel: &str) -> Self {
        ReviewRow {
            room: room.into(),
            channel: channel.into(),
            planned_spend_cny: 0.0,
            planned_viewers: 0.0,
            actual_spend_cny: 0.0,
            flagged_spend_cny: 0.0,
            actual_viewers: 0.0,
            predicted_viewers: None,
            execution_viewers: 0.0,
            fake_traffic_viewers: 0.0,
            prediction_viewers: 0.0,
            unsplit_viewers: 0.0,
            note: String::new(),
        }
    }

    /// `actual − planned` viewers.
    pub fn miss_viewers(&self) -> f64 {
        self.actual_viewers - self.planned_viewers
    }

    /// Add `r` to this sum (tests build totals by hand).
    #[cfg(test)]
    pub(crate) fn add_for_test(&mut self, r: &ReviewRow) {
        self.add(r)
    }

    fn add(&mut self, r: &ReviewRow) {
        self.planned_spend_cny += r.planned_spend_cny;
        self.planned_viewers += r.planned_viewers;
        self.actual_spend_cny += r.actual_spend_cny;
        self.flagged_spend_cny += r.flagged_spend_cny;
        self.actual_viewers += r.actual_viewers;
        if let Some(p) = r.predicted_viewers {
            *self.predicted_viewers.get_or_insert(0.0) += p;
        }
        self.execution_viewers += r.execution_viewers;
        self.fake_traffic_viewers += r.fake_traffic_viewers;
        self.prediction_viewers += r.prediction_viewers;
        self.unsplit_viewers += r.unsplit_viewers;
    }
}

/// A run's plan against what happened.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Review {
    /// First planned day, `YYYY-MM-DD`.
    pub first_day: String,
    /// Last planned day.
    pub last_day: String,
    /// Days the run planned.
    pub horizon_days: u32,
    /// Of them, days the history covers (from the first planned day on).
    pub days_covered: u32,
    /// Days one row covers (1 daily, 7 weekly).
    pub period_days: u32,
    /// Rows of the planned days flagged as fake traffic.
    pub flagged_rows: usize,
    /// One per lane planned or with rows in the planned days, by room and
    /// channel.
    pub lanes: Vec<ReviewRow>,
    /// Per channel.
    pub channels: Vec<ReviewRow>,
    /// All lanes.
    pub total: ReviewRow,
}

/// Review `run` against `data` (the history that now reaches into the
/// planned days) and what screening found in it.
pub fn review(
    run: &RunFiles,
    data: &ValidatedData,
    screen: &ScreenResult,
) -> Result<Review, ReviewError> {
    let period_days = data.period().days.max(1);
    if period_days != run.data.period_days.max(1) {
        return Err(ReviewError::Period {
            run: run.data.period_days.max(1),
            data: period_days,
        });
    }
    let start = run.data.plan_start_day;
    let horizon = run.data.request.horizon_days.round().max(1.0) as i32;
    let end = start + horizon; // exclusive
    let by = if run.fits.iter().all(|f| f.key.room == "all") && !run.fits.is_empty() {
        Granularity::Channel
    } else {
        Granularity::RoomChannel
    };
    let set = extract_series(data, by)?;
    // Flagged spend and viewers per lane and row date (per-day rates, like
    // the series).
    let mut flagged: BTreeMap<(String, String, i32), (f64, f64)> = BTreeMap::new();
    let mut flagged_rows = 0;
    let per_day = 1.0 / period_days as f64;
    for f in &screen.flagged_rows {
        if f.date < start || f.date >= end {
            continue;
        }
        flagged_rows += 1;
        let room = match by {
            Granularity::Channel => "all".to_string(),
            Granularity::RoomChannel => f.room.clone(),
        };
        let e = flagged
            .entry((room, f.channel.clone(), f.date))
            .or_default();
        e.0 += f.spend_cny * per_day;
        e.1 += f.viewers * per_day;
    }
    // Days covered: the planned days up to the last row dated in them.
    let last_row = (0..set.len())
        .filter_map(|i| set.dates(i).iter().copied().filter(|&d| d < end).max())
        .max();
    let covered_end = match last_row {
        Some(d) if d >= start => (d + period_days as i32).min(end),
        _ => {
            return Err(ReviewError::NotYet {
                last: last_row
                    .or(set.last_covered_day())
                    .map_or("(no rows)".into(), |d| {
                        format_date(d + period_days as i32 - 1)
                    }),
                first: format_date(start),
                end: format_date(end - 1),
            });
        }
    };
    let days_covered = (covered_end - start) as u32;
    let fits: BTreeMap<(&str, &str), &CurveFit> = run
        .fits
        .iter()
        .map(|f| ((f.key.room.as_str(), f.key.channel.as_str()), f))
        .collect();
    let mut lanes: BTreeMap<(String, String), ReviewRow> = BTreeMap::new();
    for row in &run.report.rows {
        if row.spend_cny <= 0.0 && row.viewers <= 0.0 {
            continue;
        }
        let fit = fits.get(&(row.room.as_str(), row.channel.as_str()));
        // The planned days covered, weighed by the lane's weekday factors
        // (its plan is an even spend per day).
        let share = |w: &dyn Fn(i32) -> f64| {
            let all: f64 = (start..end).map(w).sum();
            let cov: f64 = (start..covered_end).map(w).sum();
            if all > 0.0 { cov / all } else { 0.0 }
        };
        let factors = fit
            .and_then(|f| f.outcome.fitted())
            .map(|c| c.weekday_factors);
        let viewer_share = match (factors, period_days) {
            (Some(wf), 1) => share(&|d| wf[weekday(d) as usize]),
            _ => share(&|_| 1.0),
        };
        let mut r = ReviewRow::empty(&row.room, &row.channel);
        r.planned_spend_cny = row.spend_cny * days_covered as f64 / horizon as f64;
        r.planned_viewers = row.viewers * viewer_share;
        lanes.insert((row.room.clone(), row.channel.clone()), r);
    }
    for i in 0..set.len() {
        let SeriesKey { room, channel } = &set.keys[i];
        let days: Vec<usize> = set
            .dates(i)
            .iter()
            .enumerate()
            .filter(|&(_, &d)| d >= start && d < covered_end)
            .map(|(k, _)| k)
            .collect();
        if days.is_empty() {
            continue;
        }
        let entry = lanes
            .entry((room.clone(), channel.clone()))
            .or_insert_with(|| {
                let mut r = ReviewRow::empty(room, channel);
                r.note = "not in the plan".into();
                r
            });
        let fit = fits.get(&(room.as_str(), channel.as_str()));
        let (dates, spend, viewers) = (set.dates(i), set.spend_cny(i), set.viewers(i));
        let mut pred_all = 0.0;
        let mut pred_clean = 0.0;
        let mut any_curve = false;
        for k in days {
            let (fs, fv) = flagged
                .get(&(room.clone(), channel.clone(), dates[k]))
                .copied()
                .unwrap_or((0.0, 0.0));
            let days_in_row = period_days as f64;
            let clean_spend = (spend[k] - fs).max(0.0);
            entry.actual_spend_cny += spend[k] * days_in_row;
            entry.flagged_spend_cny += fs * days_in_row;
            entry.actual_viewers += (viewers[k] - fv).max(0.0) * days_in_row;
            let scale = match (fit.and_then(|f| f.outcome.fitted()), period_days) {
                (Some(c), 1) => c.weekday_factors[weekday(dates[k]) as usize],
                _ => days_in_row,
            };
            match fit.map(|f| &f.outcome) {
                Some(FitOutcome::Fitted(c)) => {
                    any_curve = true;
                    pred_all += scale * c.row_value(spend[k]);
                    pred_clean += scale * c.row_value(clean_spend);
                }
                Some(FitOutcome::Flat {
                    viewers_per_day, ..
                }) => {
                    any_curve = true;
                    let paid = |s: f64| if s > 0.0 { *viewers_per_day } else { 0.0 };
                    pred_all += days_in_row * paid(spend[k]);
                    pred_clean += days_in_row * paid(clean_spend);
                }
                _ => {}
            }
        }
        if any_curve {
            entry.predicted_viewers = Some(pred_clean);
            entry.execution_viewers = pred_all - entry.planned_viewers;
            entry.fake_traffic_viewers = pred_clean - pred_all;
            entry.prediction_viewers = entry.actual_viewers - pred_clean;
        }
    }
    for r in lanes.values_mut() {
        let has_curve = fits
            .get(&(r.room.as_str(), r.channel.as_str()))
            .is_some_and(|f| !matches!(f.outcome, FitOutcome::Unusable { .. }));
        if r.predicted_viewers.is_none() {
            if r.actual_spend_cny == 0.0 && r.actual_viewers == 0.0 && has_curve {
                // Planned, but no row in the days covered: nothing was
                // spent, and the curve predicts nothing at no spend.
                r.predicted_viewers = Some(0.0);
                r.execution_viewers = -r.planned_viewers;
                if r.note.is_empty() {
                    r.note = "no rows".into();
                }
            } else {
                r.unsplit_viewers = r.miss_viewers();
                if r.note.is_empty() {
                    r.note = "no curve".into();
                }
            }
        }
    }
    let lanes: Vec<ReviewRow> = lanes.into_values().collect();
    let mut channels: BTreeMap<String, ReviewRow> = BTreeMap::new();
    let mut total = ReviewRow::empty("", "");
    for r in &lanes {
        channels
            .entry(r.channel.clone())
            .or_insert_with(|| ReviewRow::empty("", &r.channel))
            .add(r);
        total.add(r);
    }
    Ok(Review {
        first_day: format_date(start),
        last_day: format_date(end - 1),
        horizon_days: horizon as u32,
        days_covered,
        period_days,
        flagged_rows,
        lanes,
        channels: channels.into_values().collect(),
        total,
    })
}

impl Review {
    /// The totals as the report words them (`run`: the run folder's name).
    pub fn figures(&self, run: &str) -> crate::report::i18n::LastWeekFigures {
        let t = &self.total;
        crate::report::i18n::LastWeekFigures {
            run: run.to_string(),
            first_day: self.first_day.clone(),
            last_day: self.last_day.clone(),
            horizon_days: self.horizon_days,
            days_covered: self.days_covered,
            planned_spend_cny: t.planned_spend_cny,
            planned_viewers: t.planned_viewers,
            actual_spend_cny: t.actual_spend_cny,
            actual_viewers: t.actual_viewers,
            predicted_viewers: t.predicted_viewers,
            execution_viewers: t.execution_viewers,
            prediction_viewers: t.prediction_viewers,
            fake_traffic_viewers: t.fake_traffic_viewers,
            flagged_spend_cny: t.flagged_spend_cny,
            flagged_rows: self.flagged_rows,
            unsplit_viewers: t.unsplit_viewers,
            lanes_without_curve: self
                .lanes
                .iter()
                .filter(|r| r.predicted_viewers.is_none())
                .count(),
        }
    }

    /// The headline and the miss split in `lang` (English:
    /// [`Review::headline`], [`Review::split_line`]).
    pub fn lines(&self, lang: crate::lang::Lang) -> [String; 2] {
        match lang {
            crate::lang::Lang::En => [self.headline(), self.split_line()],
            _ => {
                let (f, w) = (self.figures(""), crate::report::i18n::words(lang));
                [w.last_week_headline(&f), w.last_week_split(&f)]
            }
        }
    }

    /// The headline: "planned 500,000 viewers for 433,068 CNY; spent
    /// 441,210 CNY and got 487,112 viewers; at that spend the curves
    /// predicted 495,300 (−1.7 %)".
    pub fn headline(&self) -> String {
        use crate::report::table::thousands;
        let t = &self.total;
        let mut s = format!(
            "planned {} viewers for {} CNY; spent {} CNY and got {} viewers",
            thousands(t.planned_viewers, 0),
            thousands(t.planned_spend_cny, 0),
            thousands(t.actual_spend_cny, 0),
            thousands(t.actual_viewers, 0),
        );
        if let Some(p) = t.predicted_viewers {
            s.push_str(&format!(
                "; at that spend the curves predicted {}",
                thousands(p, 0)
            ));
            if p > 0.0 {
                s.push_str(&format!(
                    " ({})",
                    signed_percent(t.actual_viewers / p - 1.0)
                ));
            }
        }
        if self.days_covered < self.horizon_days {
            s.push_str(&format!(
                " — the history covers {} of the {} planned days so far; the plan is pro-rated to them",
                self.days_covered, self.horizon_days
            ));
        }
        s
    }

    /// The miss in words: "miss −12,888 viewers: execution −4,700, fake
    /// traffic −2,000, prediction −6,188".
    pub fn split_line(&self) -> String {
        use crate::report::table::thousands;
        let t = &self.total;
        let n = |v: f64| signed(thousands(v, 0), v);
        let mut s = format!(
            "miss {} viewers: execution (spent differently from the plan) {}, prediction (the curves at the spend spent) {}",
            n(t.miss_viewers()),
            n(t.execution_viewers),
            n(t.prediction_viewers)
        );
        if t.fake_traffic_viewers != 0.0 {
            s.push_str(&format!(
                ", fake traffic ({} CNY on {} flagged rows) {}",
                thousands(t.flagged_spend_cny, 0),
                self.flagged_rows,
                n(t.fake_traffic_viewers)
            ));
        }
        if t.unsplit_viewers != 0.0 {
            let k = self
                .lanes
                .iter()
                .filter(|r| r.predicted_viewers.is_none())
                .count();
            s.push_str(&format!(
                ", lanes without a curve ({k}) {}",
                n(t.unsplit_viewers)
            ));
        }
        s
    }

    /// review.csv: every lane, then every channel (`room` empty), then the
    /// total (`channel` empty too).
    pub fn csv(&self) -> Vec<u8> {
        use crate::report::table::csv_num;
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            "level",
            "room",
            "channel",
            "planned_spend_cny",
            "actual_spend_cny",
            "flagged_spend_cny",
            "planned_viewers",
            "predicted_viewers_at_actual_spend",
            "actual_viewers",
            "miss_viewers",
            "execution_viewers",
            "fake_traffic_viewers",
            "prediction_viewers",
            "unsplit_viewers",
            "note",
        ])
        .expect("writing to memory");
        let rows = self
            .lanes
            .iter()
            .map(|r| ("lane", r))
            .chain(self.channels.iter().map(|r| ("channel", r)))
            .chain(std::iter::once(("total", &self.total)));
        for (level, r) in rows {
            w.write_record([
                level.to_string(),
                r.room.clone(),
                r.channel.clone(),
                csv_num(Some(r.planned_spend_cny), 2),
                csv_num(Some(r.actual_spend_cny), 2),
                csv_num(Some(r.flagged_spend_cny), 2),
                csv_num(Some(r.planned_viewers), 1),
                csv_num(r.predicted_viewers, 1),
                csv_num(Some(r.actual_viewers), 1),
                csv_num(Some(r.miss_viewers()), 1),
                csv_num(Some(r.execution_viewers), 1),
                csv_num(Some(r.fake_traffic_viewers), 1),
                csv_num(Some(r.prediction_viewers), 1),
                csv_num(Some(r.unsplit_viewers), 1),
                r.note.clone(),
            ])
            .expect("writing to memory");
        }
        w.into_inner().expect("writing to memory")
    }

    /// The table on stdout: one line per channel, then the total.
    pub fn table(&self, lang: crate::lang::Lang) -> String {
        use crate::report::i18n::{Col, words};
        use crate::report::table::{Align, Table, thousands};
        let w = words(lang);
        let mut t = Table::new(&[
            (w.col(Col::Channel), Align::Left),
            (w.col(Col::PlannedCny), Align::Right),
            (w.col(Col::ActualCny), Align::Right),
            (w.col(Col::PlannedViewers), Align::Right),
            (w.col(Col::PredictedAtActual), Align::Right),
            (w.col(Col::ActualViewers), Align::Right),
            (w.col(Col::Execution), Align::Right),
            (w.col(Col::Prediction), Align::Right),
        ]);
        for r in self.channels.iter().chain(std::iter::once(&self.total)) {
            t.row(vec![
                if r.channel.is_empty() {
                    w.col(Col::Total).into()
                } else {
                    r.channel.clone()
                },
                thousands(r.planned_spend_cny, 0),
                thousands(r.actual_spend_cny, 0),
                thousands(r.planned_viewers, 0),
                r.predicted_viewers.map_or("-".into(), |p| thousands(p, 0)),
                thousands(r.actual_viewers, 0),
                signed(thousands(r.execution_viewers, 0), r.execution_viewers),
                signed(thousands(r.prediction_viewers, 0), r.prediction_viewers),
            ]);
        }
        let [headline, split] = self.lines(lang);
        format!(
            "{}\n\n{}\n{headline}\n{split}\n",
            w.review_head(
                &self.first_day,
                &self.last_day,
                self.days_covered,
                self.horizon_days
            ),
            t.render(),
        )
    }
}

fn signed(text: String, v: f64) -> String {
    if text
        .trim_start_matches(['-', '+'])
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        "0".into()
    } else if v > 0.0 && !text.starts_with('+') {
        format!("+{text}")
    } else {
        text.replace('-', "−")
    }
}

fn signed_percent(x: f64) -> String {
    let text = format!("{:.1} %", x * 100.0);
    if x > 0.0 {
        format!("+{text}")
    } else {
        text.replace('-', "−")
    }
}
