//! How long one row of a history is: a day, a week, or another fixed number
//! of days, detected from the dates of each lane (room × channel).
//!
//! The rule: if any lane has two rows one day apart, every row is a day (a
//! lane with gaps is a lane with days off). Otherwise the period is the
//! smallest step between two rows of a lane, and every step of every lane
//! must be a whole number of periods, with every lane's rows on the same
//! phase (weekly rows all dated on the same weekday). A history that breaks
//! either rule is an error naming two example lines, because guessing would
//! read totals of several days as one day (or the reverse).

use std::fmt;

use polars::prelude::*;
use serde::{Serialize, Serializer};

use super::ValidatedData;
use crate::contract::calendar::format_date;

/// Longest period read (a month's totals are too coarse for a curve).
pub const MAX_PERIOD_DAYS: u32 = 31;

const WEEKDAYS: [&str; 7] = [
    "Mondays",
    "Tuesdays",
    "Wednesdays",
    "Thursdays",
    "Fridays",
    "Saturdays",
    "Sundays",
];

/// The span of one row of history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    /// Days one row covers (1 = daily, 7 = weekly).
    pub days: u32,
    /// For periods longer than a day: the row dates' phase, `date mod days`
    /// in days since 1970-01-01 (for weeks: which weekday rows are dated).
    pub phase: Option<u32>,
}

impl Period {
    /// One row per day.
    pub const DAY: Period = Period {
        days: 1,
        phase: None,
    };

    /// A period of `days` days (0 reads as 1), phase unknown: what files
    /// that store only `period_days` give back.
    pub fn of_days(days: u32) -> Period {
        Period {
            days: days.max(1),
            phase: None,
        }
    }

    /// Whether rows are days.
    pub fn is_daily(&self) -> bool {
        self.days == 1
    }

    /// The unit's name for labels: `day`, `week`, or `3 days`.
    pub fn unit(&self) -> String {
        match self.days {
            1 => "day".into(),
            7 => "week".into(),
            n => format!("{n} days"),
        }
    }

    /// The unit as a file-name suffix: `day`, `week`, `3d`.
    pub fn suffix(&self) -> String {
        match self.days {
            1 => "day".into(),
            7 => "week".into(),
            n => format!("{n}d"),
        }
    }

    /// Rows of this period in a column name: `days`, `weeks`, `periods`.
    pub fn plural(&self) -> &'static str {
        match self.days {
            1 => "days",
            7 => "weeks",
            _ => "periods",
        }
    }

    /// `n` periods in words: `1 week`, `3 weeks`, `7 days`.
    pub fn count(&self, days: usize) -> String {
        let n = days / self.days.max(1) as usize;
        match self.days {
            1 => format!("{n} day{}", if n == 1 { "" } else { "s" }),
            7 => format!("{n} week{}", if n == 1 { "" } else { "s" }),
            d => format!("{n} × {d} days"),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.days, self.phase) {
            (1, _) => f.write_str("daily"),
            (7, Some(p)) => {
                // 1970-01-01 was a Thursday (weekday 3, Monday = 0).
                write!(f, "weekly (rows dated {})", WEEKDAYS[(p as usize + 3) % 7])
            }
            (7, None) => f.write_str("weekly"),
            (n, _) => write!(f, "every {n} days"),
        }
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Serde helpers for a `period_days: u32` field that run files leave out
/// when it is 1 (daily histories keep their bytes).
pub mod period_days {
    /// `#[serde(default = ...)]`: absent means daily.
    pub fn daily() -> u32 {
        1
    }

    /// `#[serde(skip_serializing_if = ...)]`: daily is left out.
    pub fn is_daily(days: &u32) -> bool {
        *days <= 1
    }
}

/// What the user said about the period (`--period`, `period` in acqplan.toml).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodChoice {
    /// Detect it from the dates.
    #[default]
    Auto,
    /// Every row is one day (rows a week apart are days with gaps between).
    Day,
    /// Every row is a week's total.
    Week,
}

impl PeriodChoice {
    /// `auto`, `day` or `week`.
    pub fn parse(text: &str) -> Option<PeriodChoice> {
        match text.trim().to_ascii_lowercase().as_str() {
            "auto" => Some(PeriodChoice::Auto),
            "day" | "daily" | "days" => Some(PeriodChoice::Day),
            "week" | "weekly" | "weeks" => Some(PeriodChoice::Week),
            _ => None,
        }
    }
}

impl fmt::Display for PeriodChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PeriodChoice::Auto => "auto",
            PeriodChoice::Day => "day",
            PeriodChoice::Week => "week",
        })
    }
}

/// Why the rows do not have one period.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// Two rows of one lane are a step apart that is not a whole number of
    /// the lane's smallest step.
    #[error(
        "irregular dates: lines {line_a} and {line_b} ({room} × {channel}, {date_a} and {date_b}) are {step} days apart, not a whole number of the {period}-day step seen elsewhere"
    )]
    Irregular {
        /// Lane.
        room: String,
        /// Lane.
        channel: String,
        /// Earlier row's line.
        line_a: u64,
        /// Later row's line.
        line_b: u64,
        /// Dates, `YYYY-MM-DD`.
        date_a: String,
        /// Dates, `YYYY-MM-DD`.
        date_b: String,
        /// Days between them.
        step: i32,
        /// Smallest step of the history.
        period: u32,
    },
    /// Two lanes' rows are on different phases (weeks starting on different
    /// weekdays).
    #[error(
        "lanes disagree: line {line_a} ({room_a} × {channel_a}) is dated {date_a}, line {line_b} ({room_b} × {channel_b}) {date_b}; rows {period_days} days apart must all fall on the same {what}"
    )]
    Phase {
        /// First lane's example.
        room_a: String,
        /// First lane's example.
        channel_a: String,
        /// Its line.
        line_a: u64,
        /// Its date.
        date_a: String,
        /// Second lane's example.
        room_b: String,
        /// Second lane's example.
        channel_b: String,
        /// Its line.
        line_b: u64,
        /// Its date.
        date_b: String,
        /// The period.
        period_days: u32,
        /// `weekday` or `phase`.
        what: &'static str,
    },
    /// Steps longer than [`MAX_PERIOD_DAYS`].
    #[error(
        "rows are at least {days} days apart (lines {line_a} and {line_b}): acqplan reads daily or weekly histories"
    )]
    TooCoarse {
        /// Smallest step.
        days: u32,
        /// Example lines.
        line_a: u64,
        /// Example lines.
        line_b: u64,
    },
}

impl PeriodError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            PeriodError::Irregular { .. } => "export one row per day (or one per week) for every lane; if the rows are single days with days off between them, pass --period day".into(),
            PeriodError::Phase { .. } => "export every lane's weeks starting on the same weekday (e.g. ISO weeks, dated Monday); if the rows are single days, pass --period day".into(),
            PeriodError::TooCoarse { .. } => "export daily or weekly rows; if these rows are single days with long gaps between them, pass --period day".into(),
        }
    }
}

/// Per lane: row dates sorted, each with its row index.
struct Lanes {
    /// `(date, row)` sorted by lane then date.
    rows: Vec<(i32, u32)>,
    /// Lane `l` holds `rows[offsets[l]..offsets[l + 1]]`.
    offsets: Vec<usize>,
}

fn lanes(df: &DataFrame) -> PolarsResult<Lanes> {
    let n = df.height();
    let dates = df.column("date")?.cast(&DataType::Int32)?;
    let dates = dates.i32()?;
    let key_of = |name: &str| -> PolarsResult<Vec<u32>> {
        let ca = df.column(name)?.str()?;
        let mut map: PlHashMap<&str, u32> = PlHashMap::default();
        let mut out = Vec::with_capacity(n);
        let mut last: Option<(&str, u32)> = None;
        for v in ca.iter() {
            let s = v.unwrap_or("");
            let c = match last {
                Some((ls, lc)) if ls == s => lc,
                _ => {
                    let next = map.len() as u32;
                    let c = *map.entry(s).or_insert(next);
                    last = Some((s, c));
                    c
                }
            };
            out.push(c);
        }
        Ok(out)
    };
    let rooms = key_of("room")?;
    let channels = key_of("channel")?;
    let nch = channels.iter().max().map_or(1, |&m| m as u64 + 1);
    let mut ids: PlHashMap<u64, u32> = PlHashMap::default();
    let mut lane = Vec::with_capacity(n);
    for i in 0..n {
        let k = rooms[i] as u64 * nch + channels[i] as u64;
        let next = ids.len() as u32;
        lane.push(*ids.entry(k).or_insert(next));
    }
    let nl = ids.len();
    let mut offsets = vec![0usize; nl + 1];
    for &l in &lane {
        offsets[l as usize + 1] += 1;
    }
    for l in 0..nl {
        offsets[l + 1] += offsets[l];
    }
    let mut next = offsets.clone();
    let mut rows = vec![(0i32, 0u32); n];
    for (i, (&l, d)) in lane.iter().zip(dates.iter()).enumerate() {
        let slot = &mut next[l as usize];
        rows[*slot] = (d.unwrap_or(0), i as u32);
        *slot += 1;
    }
    for l in 0..nl {
        let seg = &mut rows[offsets[l]..offsets[l + 1]];
        if !seg.windows(2).all(|w| w[0].0 <= w[1].0) {
            seg.sort_unstable();
        }
    }
    Ok(Lanes { rows, offsets })
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// The period of the validated rows, detected (`Auto`), assumed (`Day`) or
/// checked (`Week`).
pub fn detect(data: &ValidatedData, choice: PeriodChoice) -> Result<Period, Box<PeriodError>> {
    if choice == PeriodChoice::Day || data.is_empty() {
        return Ok(Period::DAY);
    }
    let df = data.frame();
    let lanes = lanes(df).expect("a validated frame has date, room and channel columns");
    let line = |row: u32| -> u64 {
        df.column("line")
            .ok()
            .and_then(|c| c.u64().ok().and_then(|c| c.get(row as usize)))
            .unwrap_or(row as u64 + 2)
    };
    let text = |col: &str, row: u32| -> String {
        df.column(col)
            .ok()
            .and_then(|c| {
                c.str()
                    .ok()
                    .and_then(|c| c.get(row as usize).map(str::to_string))
            })
            .unwrap_or_default()
    };
    let nl = lanes.offsets.len() - 1;
    let seg = |l: usize| &lanes.rows[lanes.offsets[l]..lanes.offsets[l + 1]];
    // Smallest step of any lane, and where.
    let mut smallest: Option<(i32, u32, u32)> = None;
    for l in 0..nl {
        for w in seg(l).windows(2) {
            let step = w[1].0 - w[0].0;
            if step > 0 && smallest.is_none_or(|(s, _, _)| step < s) {
                smallest = Some((step, w[0].1, w[1].1));
            }
        }
    }
    let period = match (choice, smallest) {
        (PeriodChoice::Week, _) => 7,
        (_, None) | (_, Some((1, _, _))) => return Ok(Period::DAY),
        (_, Some((s, a, b))) => {
            if s as u32 > MAX_PERIOD_DAYS {
                return Err(Box::new(PeriodError::TooCoarse {
                    days: s as u32,
                    line_a: line(a),
                    line_b: line(b),
                }));
            }
            s as u32
        }
    };
    // Every step a whole number of periods.
    for l in 0..nl {
        for w in seg(l).windows(2) {
            let step = w[1].0 - w[0].0;
            if gcd(step as u32, period) != period {
                return Err(Box::new(PeriodError::Irregular {
                    room: text("room", w[0].1),
                    channel: text("channel", w[0].1),
                    line_a: line(w[0].1),
                    line_b: line(w[1].1),
                    date_a: format_date(w[0].0),
                    date_b: format_date(w[1].0),
                    step,
                    period,
                }));
            }
        }
    }
    // Every lane on one phase.
    let phase_of = |d: i32| d.rem_euclid(period as i32) as u32;
    let mut first: Option<(u32, u32, i32)> = None;
    for l in 0..nl {
        let Some(&(d, row)) = seg(l).first() else {
            continue;
        };
        match first {
            None => first = Some((phase_of(d), row, d)),
            Some((p, r0, d0)) if p != phase_of(d) => {
                return Err(Box::new(PeriodError::Phase {
                    room_a: text("room", r0),
                    channel_a: text("channel", r0),
                    line_a: line(r0),
                    date_a: format_date(d0),
                    room_b: text("room", row),
                    channel_b: text("channel", row),
                    line_b: line(row),
                    date_b: format_date(d),
                    period_days: period,
                    what: if period == 7 { "weekday" } else { "phase" },
                }));
            }
            Some(_) => {}
        }
    }
    Ok(Period {
        days: period,
        phase: first.map(|(p, _, _)| p),
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::contract::Cell;
    use crate::validate::Builder;

    /// The rows `date,room,channel,100,50` validated as a CSV file's lines
    /// (header = line 1).
    fn data(rows: &[(&str, &str, &str)]) -> ValidatedData {
        let headers: Vec<String> = ["date", "room", "channel", "spend", "viewers"]
            .map(String::from)
            .to_vec();
        let resolved = crate::contract::resolve(&headers, &Default::default()).unwrap();
        let mut builder = Builder::new(&resolved, Default::default());
        for (k, (d, r, c)) in rows.iter().enumerate() {
            let cells = [*d, *r, *c, "100", "50"];
            builder.push(k as u64 + 2, |i| Cell::Text(cells[i]), String::new);
        }
        assert!(builder.defects.is_empty());
        let (frame, _, _) = builder.finish().unwrap();
        ValidatedData::new(frame, Path::new("h.csv").into(), true)
    }

    /// `n` rows of lane `room` × `ch` from `start`, `step` days apart.
    fn lane(
        start: &str,
        step: i64,
        n: usize,
        room: &'static str,
        ch: &'static str,
    ) -> Vec<(String, &'static str, &'static str)> {
        let d0 = crate::contract::cell::parse_date(start).unwrap() as i64;
        (0..n as i64)
            .map(|i| (format_date((d0 + i * step) as i32), room, ch))
            .collect()
    }

    fn rows(lanes: &[Vec<(String, &'static str, &'static str)>]) -> ValidatedData {
        let all: Vec<(&str, &str, &str)> = lanes
            .iter()
            .flatten()
            .map(|(d, r, c)| (d.as_str(), *r, *c))
            .collect();
        data(&all)
    }

    #[test]
    fn daily_weekly_and_other_steps_are_detected() {
        let daily = rows(&[
            lane("2026-01-01", 1, 20, "a", "x"),
            lane("2026-01-03", 1, 5, "b", "x"),
        ]);
        assert_eq!(detect(&daily, PeriodChoice::Auto), Ok(Period::DAY));
        // A lane with a row a week apart in a daily history: days with gaps.
        let gaps = rows(&[
            lane("2026-01-01", 1, 20, "a", "x"),
            lane("2026-01-05", 7, 4, "b", "y"),
        ]);
        assert_eq!(detect(&gaps, PeriodChoice::Auto), Ok(Period::DAY));
        // ISO weeks dated Monday (2026-01-05 is a Monday), a missing week.
        let mut a = lane("2026-01-05", 7, 10, "a", "x");
        a.remove(4);
        let weekly = rows(&[a, lane("2026-01-12", 7, 6, "b", "x")]);
        let p = detect(&weekly, PeriodChoice::Auto).unwrap();
        assert_eq!(p.days, 7);
        assert_eq!(p.to_string(), "weekly (rows dated Mondays)");
        assert_eq!(detect(&weekly, PeriodChoice::Week).unwrap().days, 7);
        // --period day reads the same rows as days with gaps.
        assert_eq!(detect(&weekly, PeriodChoice::Day), Ok(Period::DAY));
        let three = rows(&[lane("2026-01-01", 3, 10, "a", "x")]);
        let p = detect(&three, PeriodChoice::Auto).unwrap();
        assert_eq!((p.days, p.to_string().as_str()), (3, "every 3 days"));
        // One row per lane says nothing: daily.
        assert_eq!(
            detect(
                &rows(&[lane("2026-01-01", 1, 1, "a", "x")]),
                PeriodChoice::Auto
            ),
            Ok(Period::DAY)
        );
    }

    #[test]
    fn irregular_and_disagreeing_dates_name_two_lines() {
        // Calendar months: 31, 28, 31 days apart.
        let months = data(&[
            ("2026-01-01", "a", "x"),
            ("2026-02-01", "a", "x"),
            ("2026-03-01", "a", "x"),
            ("2026-04-01", "a", "x"),
        ]);
        match detect(&months, PeriodChoice::Auto).map_err(|e| *e) {
            Err(PeriodError::Irregular {
                line_a,
                line_b,
                step,
                period,
                ..
            }) => {
                assert_eq!((line_a, line_b, step, period), (2, 3, 31, 28));
            }
            other => panic!("{other:?}"),
        }
        // Weeks dated Monday in one lane, Sunday in another.
        let phase = rows(&[
            lane("2026-01-05", 7, 5, "a", "x"),
            lane("2026-01-11", 7, 5, "b", "x"),
        ]);
        let e = *detect(&phase, PeriodChoice::Auto).unwrap_err();
        match &e {
            PeriodError::Phase {
                line_a,
                line_b,
                what,
                ..
            } => {
                assert_eq!((*line_a, *line_b, *what), (2, 7, "weekday"));
            }
            other => panic!("{other:?}"),
        }
        assert!(e.hint().contains("same weekday"), "{}", e.hint());
        // --period week on daily rows.
        let daily = rows(&[lane("2026-01-01", 1, 10, "a", "x")]);
        assert!(matches!(
            detect(&daily, PeriodChoice::Week).map_err(|e| *e),
            Err(PeriodError::Irregular {
                step: 1,
                period: 7,
                ..
            })
        ));
        // Rows 60 days apart.
        let coarse = rows(&[lane("2026-01-01", 60, 4, "a", "x")]);
        assert!(matches!(
            detect(&coarse, PeriodChoice::Auto).map_err(|e| *e),
            Err(PeriodError::TooCoarse {
                days: 60,
                line_a: 2,
                line_b: 3
            })
        ));
    }
}
