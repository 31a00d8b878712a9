//! What a run folder keeps so that `acqplan report RUN_DIR` can draw its
//! charts and write its summary again without the history:
//!
//! - `plan.json` (already written): the plan as reported;
//! - `chart_data.json`: each curve's fit with its uncertainty, each lane's
//!   last-period totals and highest daily spend, the solved frontier, the
//!   goal and limits of the request (without its lanes), the title label;
//! - `series.csv`: the daily history points of the lanes drawn on
//!   `curves.png` (`flagged = false`) and every row screened out as fake
//!   traffic (`flagged = true`).
//!
//! Numbers are written in Rust's shortest round-trip form and read back
//! exactly, so the re-rendered PNGs are byte-identical to the run's.
//! Writers return bytes; [`RunFiles::read`] is the only IO.

use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::charts::{ChartInput, Frontier, FrontierPoint, chart_histories, curves_panel_lanes};
use crate::curves::FitOutcome;
use crate::curves::stage::{CurveFit, Granularity, SeriesKey, SeriesSet, extract_frame};
use crate::plan::PlanRequest;
use crate::plan::stage::{LaneHistory, PlanReport};
use crate::report::i18n::DataNote;
use crate::screen::{FakeTraffic, FlaggedRow, ScreenResult};

/// File name of the chart data.
pub const CHART_DATA_JSON: &str = "chart_data.json";
/// File name of the charted history points.
pub const SERIES_CSV: &str = "series.csv";
/// Version of `chart_data.json`'s layout.
pub const CHART_DATA_FORMAT: u32 = 1;

/// `chart_data.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChartData {
    /// Layout version ([`CHART_DATA_FORMAT`]).
    pub format: u32,
    /// First day of the plan (the day after the history ends), days since
    /// 1970-01-01.
    pub plan_start_day: i32,
    /// Title label of every chart, e.g. `from 2026-10-27`.
    pub label: String,
    /// Most panels of `curves.png`.
    pub max_panels: usize,
    /// What-if budgets of the run, CNY over the horizon.
    pub what_if_budgets_cny: Vec<f64>,
    /// Rows set aside or flagged as fake traffic (all of them are in
    /// `series.csv`).
    pub fake_rows: usize,
    /// The plan's request: goal, horizon and channel limits (lanes left
    /// out; the curves are in `lanes`).
    pub request: PlanRequest,
    /// The budget frontier as drawn.
    pub frontier: Vec<FrontierRecord>,
    /// The run's backtest in words (empty: none was run).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backtest: Vec<String>,
    /// What the plan's estimates were made from where the history was
    /// incomplete (empty: it was complete).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_notes: Vec<String>,
    /// The same notes as values, worded again in the report language
    /// (read back from a run folder without them: the words, as
    /// [`DataNote::Written`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_note_values: Vec<DataNote>,
    /// Last week's plan reviewed in words: headline, then the split of the
    /// miss (empty: no earlier run was found).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub last_week: Vec<String>,
    /// Last week's review as figures (absent: none, or an older run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_week_figures: Option<crate::report::i18n::LastWeekFigures>,
    /// The report language of the run (left out when English).
    #[serde(default, skip_serializing_if = "is_en")]
    pub lang: crate::lang::Lang,
    /// Days one row of the history covers (series.csv holds per-day rates);
    /// left out when 1.
    #[serde(
        default = "crate::validate::period::period_days::daily",
        skip_serializing_if = "crate::validate::period::period_days::is_daily"
    )]
    pub period_days: u32,
    /// The what-if budgets on the frontier.
    pub frontier_what_if: Vec<FrontierRecord>,
    /// One per fitted series, in fit order.
    pub lanes: Vec<LaneRecord>,
}

fn is_en(l: &crate::lang::Lang) -> bool {
    *l == crate::lang::Lang::En
}

/// One point of the frontier.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrontierRecord {
    /// Budget asked, CNY over the horizon.
    pub budget_cny: f64,
    /// Spend of the max-viewers plan, CNY.
    pub spend_cny: f64,
    /// Expected viewers over the horizon.
    pub viewers: f64,
}

/// One fitted series: its fit and what the history said beyond it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LaneRecord {
    /// Live room (`all` when pooled).
    pub room: String,
    /// Channel.
    pub channel: String,
    /// Days in the series.
    pub days_total: usize,
    /// Reach cap applied, viewers/day.
    pub cap_viewers_per_day: Option<f64>,
    /// Highest daily spend of the history, CNY/day.
    pub max_spend_cny_per_day: f64,
    /// Spend over the last horizon of history, CNY.
    pub last_spend_cny: f64,
    /// Viewers over the same days.
    pub last_viewers: f64,
    /// The fit, with the parameter covariance the bands are drawn from.
    pub fit: FitOutcome,
}

/// What the run computed beyond the [`ChartInput`] itself.
pub struct RunExtras<'a> {
    /// First day of the plan, days since 1970-01-01.
    pub plan_start_day: i32,
    /// The frontier the charts drew.
    pub frontier: &'a Frontier,
}

/// `chart_data.json` of a run (bytes, no IO).
pub fn chart_data_json(input: &ChartInput<'_>, extras: &RunExtras<'_>) -> Vec<u8> {
    let histories = chart_histories(input);
    let mut request = input.request.cloned().unwrap_or_default();
    request.lanes.clear();
    let rec = |p: &FrontierPoint| FrontierRecord {
        budget_cny: p.budget_cny,
        spend_cny: p.spend_cny,
        viewers: p.viewers,
    };
    let data = ChartData {
        format: CHART_DATA_FORMAT,
        plan_start_day: extras.plan_start_day,
        label: input.label.to_string(),
        max_panels: input.max_panels,
        what_if_budgets_cny: input.what_if_budgets_cny.to_vec(),
        fake_rows: input.screen.map_or(0, |s| s.flagged_rows.len()),
        request,
        frontier: extras.frontier.points.iter().map(rec).collect(),
        backtest: input.backtest.to_vec(),
        data_notes: input
            .data_notes
            .iter()
            .map(|n| n.words(crate::lang::Lang::En))
            .collect(),
        data_note_values: input.data_notes.to_vec(),
        last_week: input.last_week.to_vec(),
        last_week_figures: input.last_week_figures.cloned(),
        lang: input.lang,
        period_days: input.series.period_days(),
        frontier_what_if: extras.frontier.what_if.iter().map(rec).collect(),
        lanes: input
            .fits
            .iter()
            .zip(&histories)
            .map(|(f, h)| LaneRecord {
                room: f.key.room.clone(),
                channel: f.key.channel.clone(),
                days_total: f.days_total,
                cap_viewers_per_day: f.cap_viewers_per_day,
                max_spend_cny_per_day: h.max_spend_cny_per_day,
                last_spend_cny: h.last_spend_cny,
                last_viewers: h.last_viewers,
                fit: f.outcome.clone(),
            })
            .collect(),
    };
    // Compact: ~2.5 kB per curve (4,000 curves: ~10 MB), read by machines.
    let mut v = serde_json::to_vec(&data).expect("chart data serialises");
    v.push(b'\n');
    v
}

/// `series.csv` of a run (bytes, no IO): `room,channel,date,spend_cny,
/// viewers,flagged`; the daily points of the lanes on `curves.png` in
/// series order, then every flagged row in screening order.
pub fn series_csv(input: &ChartInput<'_>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["room", "channel", "date", "spend_cny", "viewers", "flagged"])
        .expect("writing to memory");
    let drawn = curves_panel_lanes(input);
    let s = input.series;
    for (i, k) in s.keys.iter().enumerate() {
        if !drawn.iter().any(|(r, c)| *r == k.room && *c == k.channel) {
            continue;
        }
        for ((&d, &sp), &v) in s.dates(i).iter().zip(s.spend_cny(i)).zip(s.viewers(i)) {
            w.write_record([
                k.room.as_str(),
                k.channel.as_str(),
                &crate::contract::calendar::format_date(d),
                &format!("{sp}"),
                &format!("{v}"),
                "false",
            ])
            .expect("writing to memory");
        }
    }
    for r in input.screen.map_or(&[][..], |s| &s.flagged_rows[..]) {
        w.write_record([
            r.room.as_str(),
            r.channel.as_str(),
            &r.date_text(),
            &format!("{}", r.spend_cny),
            &format!("{}", r.viewers),
            "true",
        ])
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// Why a run folder could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum RunFilesError {
    /// A file is missing or unreadable.
    #[error("could not read `{}`", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// A file does not hold what a run writes.
    #[error("`{}` is not a valid {what}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What it should be.
        what: &'static str,
        /// What is wrong (line and column where known).
        message: String,
    },
}

impl RunFilesError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            RunFilesError::Io { .. } => format!(
                "`acqplan report` needs the plan.json, {CHART_DATA_JSON} and {SERIES_CSV} that `acqplan plan` / `acqplan run` write into the run folder; check the folder, or run the plan again"
            ),
            RunFilesError::Invalid { .. } => {
                "the run folder's files were edited or come from another acqplan version; run the plan again (`acqplan run --out DIR --force`)".into()
            }
        }
    }
}

/// A run folder's files, read back: everything [`ChartInput`] borrows.
pub struct RunFiles {
    /// The folder.
    pub dir: PathBuf,
    /// `plan.json`.
    pub report: PlanReport,
    /// `chart_data.json`.
    pub data: ChartData,
    /// Fits rebuilt from `chart_data.json`.
    pub fits: Vec<CurveFit>,
    /// Lane histories from `chart_data.json`, aligned with `fits`.
    pub histories: Vec<LaneHistory>,
    /// The charted lanes' history from `series.csv`.
    pub series: SeriesSet,
    /// The flagged rows from `series.csv`.
    pub screen: ScreenResult,
    /// The frontier from `chart_data.json`.
    pub frontier: Frontier,
}

impl RunFiles {
    /// Read `plan.json`, `chart_data.json` and `series.csv` of `dir`.
    pub fn read(dir: &Path) -> Result<RunFiles, RunFilesError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path)
                .map(|b| (path.clone(), b))
                .map_err(|source| RunFilesError::Io { path, source })
        };
        let (plan_path, plan_bytes) = read("plan.json")?;
        let report: PlanReport =
            serde_json::from_slice(&plan_bytes).map_err(|e| RunFilesError::Invalid {
                path: plan_path,
                what: "plan.json",
                message: e.to_string(),
            })?;
        let (data_path, data_bytes) = read(CHART_DATA_JSON)?;
        let mut data: ChartData =
            serde_json::from_slice(&data_bytes).map_err(|e| RunFilesError::Invalid {
                path: data_path.clone(),
                what: CHART_DATA_JSON,
                message: e.to_string(),
            })?;
        if data.data_note_values.len() != data.data_notes.len() {
            data.data_note_values = data
                .data_notes
                .iter()
                .cloned()
                .map(DataNote::Written)
                .collect();
        }
        if data.format != CHART_DATA_FORMAT {
            return Err(RunFilesError::Invalid {
                path: data_path,
                what: CHART_DATA_JSON,
                message: format!(
                    "layout version {} (this acqplan reads {CHART_DATA_FORMAT})",
                    data.format
                ),
            });
        }
        let (series_path, series_bytes) = read(SERIES_CSV)?;
        let (series, flagged) = parse_series(&series_path, &series_bytes)?;
        let series = series.with_period_days(data.period_days);
        let fits = data
            .lanes
            .iter()
            .map(|l| CurveFit {
                key: SeriesKey {
                    room: l.room.clone(),
                    channel: l.channel.clone(),
                },
                days_total: l.days_total,
                cap_viewers_per_day: l.cap_viewers_per_day,
                outcome: l.fit.clone(),
            })
            .collect();
        let histories = data
            .lanes
            .iter()
            .map(|l| LaneHistory {
                max_spend_cny_per_day: l.max_spend_cny_per_day,
                last_spend_cny: l.last_spend_cny,
                last_viewers: l.last_viewers,
            })
            .collect();
        let point = |r: &FrontierRecord| FrontierPoint {
            budget_cny: r.budget_cny,
            spend_cny: r.spend_cny,
            viewers: r.viewers,
        };
        let frontier = Frontier {
            points: data.frontier.iter().map(point).collect(),
            what_if: data.frontier_what_if.iter().map(point).collect(),
        };
        let screen = ScreenResult {
            policy: FakeTraffic::Flag,
            threshold: 0.0,
            signals: Vec::new(),
            scores: Vec::new(),
            flagged: Vec::new(),
            flagged_rows: flagged,
            channels: Vec::new(),
            lanes: Vec::new(),
        };
        Ok(RunFiles {
            dir: dir.to_path_buf(),
            report,
            data,
            fits,
            histories,
            series,
            screen,
            frontier,
        })
    }

    /// The chart input these files describe.
    pub fn input(&self) -> ChartInput<'_> {
        ChartInput {
            screen: Some(&self.screen),
            request: Some(&self.data.request),
            what_if_budgets_cny: &self.data.what_if_budgets_cny,
            label: &self.data.label,
            max_panels: self.data.max_panels,
            histories: Some(&self.histories),
            backtest: &self.data.backtest,
            data_notes: &self.data.data_note_values,
            last_week: &self.data.last_week,
            last_week_figures: self.data.last_week_figures.as_ref(),
            lang: self.data.lang,
            plan_start_day: Some(self.data.plan_start_day),
            ..ChartInput::new(&self.report, &self.fits, &self.series)
        }
    }
}

/// `series.csv` → the charted series and the flagged rows.
fn parse_series(path: &Path, bytes: &[u8]) -> Result<(SeriesSet, Vec<FlaggedRow>), RunFilesError> {
    let bad = |line: u64, message: String| RunFilesError::Invalid {
        path: path.to_path_buf(),
        what: SERIES_CSV,
        message: format!("line {line}: {message}"),
    };
    let mut r = csv::Reader::from_reader(bytes);
    let headers = r.headers().map_err(|e| bad(1, e.to_string()))?.clone();
    let want = ["room", "channel", "date", "spend_cny", "viewers", "flagged"];
    if headers.iter().collect::<Vec<_>>() != want {
        return Err(bad(1, format!("header is not `{}`", want.join(","))));
    }
    let (mut dates, mut rooms, mut channels, mut spend, mut viewers) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut flagged = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| bad(e.position().map_or(0, |p| p.line()), e.to_string()))?;
        let line = rec.position().map_or(0, |p| p.line());
        let num = |i: usize, name: &str| -> Result<f64, RunFilesError> {
            rec[i]
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| bad(line, format!("`{name}` {:?} is not a number", &rec[i])))
        };
        let date = crate::contract::cell::parse_date(&rec[2])
            .ok_or_else(|| bad(line, format!("`date` {:?} is not YYYY-MM-DD", &rec[2])))?;
        let (s, v) = (num(3, "spend_cny")?, num(4, "viewers")?);
        match &rec[5] {
            "false" => {
                dates.push(date);
                rooms.push(rec[0].to_string());
                channels.push(rec[1].to_string());
                spend.push(s);
                viewers.push(v);
            }
            "true" => flagged.push(FlaggedRow {
                row: 0,
                line: 0,
                date,
                room: rec[0].to_string(),
                channel: rec[1].to_string(),
                spend_cny: s,
                viewers: v,
                score: 0.0,
                evidence: Default::default(),
                reasons: String::new(),
            }),
            other => return Err(bad(line, format!("`flagged` {other:?} is not true/false"))),
        }
    }
    let internal = |e: PolarsError| bad(0, e.to_string());
    let n = dates.len();
    let frame = DataFrame::new(
        n,
        vec![
            Int32Chunked::from_vec("date".into(), dates)
                .into_date()
                .into_series()
                .into_column(),
            Column::new("room".into(), rooms),
            Column::new("channel".into(), channels),
            Column::new("spend".into(), spend),
            Column::new("viewers".into(), viewers),
        ],
    )
    .map_err(internal)?;
    let set = extract_frame(&frame, Granularity::RoomChannel).map_err(internal)?;
    Ok((set, flagged))
}

#[cfg(test)]
mod tests {
    /// Re-rendering is byte-identical only if every f64 comes back from
    /// JSON bit for bit: serde_json must parse with full precision (its
    /// `float_roundtrip` feature, today switched on through clarabel).
    #[test]
    fn json_floats_round_trip_bit_for_bit() {
        let mut x = 0.1f64;
        let mut values = vec![
            0.1 + 0.2,
            1.0 / 3.0,
            2.0f64.sqrt() * 1e-7,
            123_456.789_012_345_67,
            5e-324,
            1.7976931348623157e308,
            0.000_123_456_789_012_345_6,
        ];
        for _ in 0..2000 {
            x = (x * 1.618_033_988_749_895 + 0.377).fract() * 10f64.powi((x * 40.0) as i32 - 20);
            values.push(x);
        }
        let bytes = serde_json::to_vec(&values).unwrap();
        let back: Vec<f64> = serde_json::from_slice(&bytes).unwrap();
        for (a, b) in values.iter().zip(&back) {
            assert_eq!(a.to_bits(), b.to_bits(), "{a:e} came back as {b:e}");
        }
    }
}
