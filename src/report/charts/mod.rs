//! PNG charts of a plan run, drawn with plotters into an RGB buffer and
//! encoded with fixed PNG settings, so the same input gives the same bytes.
//! Pure: every function returns PNG bytes and does no IO.
//!
//! | file | what it shows | size, px |
//! |---|---|---|
//! | `curves.png` | per lane: daily history, screened fake rows (×; for rooms pooled per channel, each day with flagged rows at its summed point), fitted curve with P10–P90 band, last period's and the plan's daily spend | [`curves_size`] |
//! | `marginal_cost.png` | marginal cost per viewer vs spend/day for every lane, the plan's shadow price, each lane's planned spend | [`MARGINAL_COST_SIZE`] |
//! | `allocation.png` | last period vs recommended spend per channel, with expected viewers | [`allocation_size`] |
//! | `frontier.png` | expected viewers vs budget, the target (for an orders or GMV target: at the viewers the plan buys for it), the plan, what-if budgets | [`FRONTIER_SIZE`] |
//! | `summary.png` | the headline numbers, top three moves and small versions of the charts | [`SUMMARY_SIZE`] |
//!
//! No text overlaps another or leaves the image: long titles and names are
//! drawn smaller, then cut short with `…`; labels next to marks go where
//! there is room, and a what-if label with no room is left out (its
//! numbers are in `whatif.csv`). [`render_checked`] draws a chart through
//! a [`TextRecorder`] (same bytes) and reports every [`TextProblem`].
//!
//! Each channel keeps one colour in every chart (by channel-name order).
//! Text uses the embedded WenQuanYi Micro Hei font, so Chinese channel names
//! render; a character the font lacks is drawn as `?`.

mod allocation;
mod backtest;
mod builder;
mod curves;
mod font;
mod frontier;
mod heat;
mod layout;
mod marginal_cost;
mod review;
mod summary;

use std::collections::{BTreeMap, BTreeSet};

use plotters::coord::Shift;
use plotters::prelude::*;

pub use backtest::{backtest_png, backtest_png_checked};
pub use font::{FONT_FAMILY, MISSING_GLYPH, has_glyph, printable};
pub use layout::{TEXT_TOLERANCE_PX, TextBox, TextLog, TextProblem, TextRecorder, text_problems};
pub use review::{review_png, review_png_checked, review_size};

use crate::curves::FittedCurve;
use crate::curves::stage::{CurveFit, SeriesSet};
pub use crate::plan::frontier::{Frontier, FrontierPoint};
use crate::plan::stage::{LaneHistory, PlanReport, PlanRow, lane_histories};
use crate::plan::{Metric, PlanRequest};
use crate::screen::ScreenResult;

/// Size of `marginal_cost.png`, px.
pub const MARGINAL_COST_SIZE: (u32, u32) = (1200, 700);
/// Size of `frontier.png`, px.
pub const FRONTIER_SIZE: (u32, u32) = (1200, 700);
/// Size of `summary.png`, px (no wider than 1,600 for email).
pub const SUMMARY_SIZE: (u32, u32) = (1600, 1330);
/// Panels per row of `curves.png`.
pub const CURVES_COLUMNS: usize = 4;

/// What the charts draw from, borrowed from a plan run.
#[derive(Clone, Copy)]
pub struct ChartInput<'a> {
    /// The plan as reported (rows in lane order).
    pub report: &'a PlanReport,
    /// The curve fits (aligned with `series.keys`).
    pub fits: &'a [CurveFit],
    /// The daily history the curves were fitted on.
    pub series: &'a SeriesSet,
    /// Fake-traffic screening, to mark the rows set aside.
    pub screen: Option<&'a ScreenResult>,
    /// The request the plan solved (its target and budget head the
    /// summary). The frontier is solved from it by the caller
    /// ([`crate::plan::frontier::around_plan`]), not here.
    pub request: Option<&'a PlanRequest>,
    /// What-if budgets of the run, CNY over the horizon (kept in
    /// `chart_data.json`; their frontier points come in the [`Frontier`]).
    pub what_if_budgets_cny: &'a [f64],
    /// When the plan is for, e.g. `2026-W48` or `2026-11-30 – 12-06`; shown
    /// in every title.
    pub label: &'a str,
    /// Most panels in `curves.png`: each channel's heaviest lane (planned or
    /// last-period spend) first, then the next heaviest lanes.
    pub max_panels: usize,
    /// Each fit's history totals (aligned with `fits`), when `series` holds
    /// only the charted lanes (`acqplan report` re-rendering a run folder);
    /// `None`: computed from `series` ([`chart_histories`]).
    pub histories: Option<&'a [LaneHistory]>,
    /// The run's backtest in words (headline first, then channels where
    /// the naive rule did better); empty when the run did not backtest.
    pub backtest: &'a [String],
    /// What the plan's estimates were made from where the history was
    /// incomplete (`pipeline::coverage`); empty when complete.
    pub data_notes: &'a [crate::report::i18n::DataNote],
    /// Last week's plan reviewed in words (empty: no earlier run).
    pub last_week: &'a [String],
    /// Last week's review as figures (the block on summary.png).
    pub last_week_figures: Option<&'a crate::report::i18n::LastWeekFigures>,
    /// The language of every word drawn.
    pub lang: crate::lang::Lang,
    /// First day of the plan, days since 1970-01-01 (the schedule's dates
    /// on summary.png; `None`: read from the plan's schedule).
    pub plan_start_day: Option<i32>,
}

impl<'a> ChartInput<'a> {
    /// Input with no screening, no request, no what-ifs, no label and at most
    /// 12 panels.
    pub fn new(report: &'a PlanReport, fits: &'a [CurveFit], series: &'a SeriesSet) -> Self {
        ChartInput {
            report,
            fits,
            series,
            screen: None,
            request: None,
            what_if_budgets_cny: &[],
            label: "",
            max_panels: 12,
            histories: None,
            backtest: &[],
            data_notes: &[],
            last_week: &[],
            last_week_figures: None,
            lang: crate::lang::Lang::En,
            plan_start_day: None,
        }
    }
}

/// Each fit's highest daily spend and last-period totals (aligned with
/// `input.fits`; the period is the plan's comparison days), as the charts
/// use them.
pub fn chart_histories(input: &ChartInput<'_>) -> Vec<LaneHistory> {
    if let Some(h) = input.histories {
        return h.to_vec();
    }
    let last_days = input.report.comparison.days.max(1);
    let hist = lane_histories(input.series, last_days);
    let series_index: BTreeMap<(&str, &str), usize> = input
        .series
        .keys
        .iter()
        .enumerate()
        .map(|(i, k)| ((k.room.as_str(), k.channel.as_str()), i))
        .collect();
    input
        .fits
        .iter()
        .map(|f| {
            series_index
                .get(&(f.key.room.as_str(), f.key.channel.as_str()))
                .and_then(|&i| hist.get(i))
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

/// Why a chart could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// plotters failed while drawing.
    #[error("could not draw `{chart}`: {message}")]
    Draw {
        /// File name of the chart.
        chart: &'static str,
        /// plotters' message.
        message: String,
    },
    /// The PNG encoder failed.
    #[error("could not encode `{chart}` as PNG")]
    Encode {
        /// File name of the chart.
        chart: &'static str,
        /// The encoder's error.
        #[source]
        source: png::EncodingError,
    },
    /// The embedded font could not be parsed.
    #[error(
        "the embedded chart font could not be loaded; rebuild acqplan with `assets/fonts/wqy-microhei.ttc` intact"
    )]
    Font,
}

/// One rendered chart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chart {
    /// File name, e.g. `curves.png`.
    pub file_name: &'static str,
    /// PNG bytes.
    pub png: Vec<u8>,
}

/// Each channel's colour (RGB) in every chart, channels in name order.
pub fn channel_colours(input: &ChartInput<'_>) -> Vec<(String, (u8, u8, u8))> {
    let v = View::new(input);
    let mut out: Vec<(String, (u8, u8, u8))> = v
        .lanes
        .iter()
        .map(|l| (l.channel.to_string(), (l.colour.0, l.colour.1, l.colour.2)))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The three channels whose spend changes most against the last period,
/// in words, e.g. `Raise 抖音千川 by 16,273 CNY (42,898 → 59,171 CNY),
/// 77,113 → 104,313 viewers` (as on `summary.png`; also fit for an email).
pub fn top_moves(input: &ChartInput<'_>) -> Vec<String> {
    View::new(input).top_moves()
}

/// Width and height of `curves.png` for `panels` panels, px.
pub fn curves_size(panels: usize) -> (u32, u32) {
    let panels = panels.max(1);
    let cols = panels.min(CURVES_COLUMNS);
    let rows = panels.div_ceil(CURVES_COLUMNS);
    let width = if cols == 1 { 640 } else { cols as u32 * 400 };
    (width, curves::curves_header_px(width) + rows as u32 * 330)
}

/// Width and height of `allocation.png` for `channels` channels, px.
pub fn allocation_size(channels: usize) -> (u32, u32) {
    (1200, (150 + 60 * channels.max(1) as u32).max(400))
}

/// Panels `curves.png` shows for this input.
pub fn curves_panels(input: &ChartInput<'_>) -> usize {
    View::new(input).panel_lanes().len()
}

/// The (room, channel) of each `curves.png` panel, in drawing order.
pub fn curves_panel_lanes(input: &ChartInput<'_>) -> Vec<(String, String)> {
    View::new(input)
        .panel_lanes()
        .iter()
        .map(|l| (l.room.to_string(), l.channel.to_string()))
        .collect()
}

/// Where each `curves.png` panel marks screened fake traffic (aligned
/// with [`curves_panel_lanes`]), (spend CNY/day, viewers/day): a room's
/// panel marks each flagged row; a pooled panel (`--by channel`) marks
/// each day with flagged rows at that day's summed point.
pub fn curves_fake_marks(input: &ChartInput<'_>) -> Vec<Vec<(f64, f64)>> {
    let v = View::new(input);
    v.panel_lanes()
        .iter()
        .map(|l| v.flagged_points(l))
        .collect()
}

/// Channels `allocation.png` shows for this input.
pub fn allocation_channels(input: &ChartInput<'_>) -> usize {
    View::new(input).channel_allocations().len()
}

/// One of the five charts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChartKind {
    /// `curves.png`.
    Curves,
    /// `marginal_cost.png`.
    MarginalCost,
    /// `allocation.png`.
    Allocation,
    /// `frontier.png`.
    Frontier,
    /// `summary.png`.
    Summary,
}

impl ChartKind {
    /// Every chart, in the order of the table above.
    pub const ALL: [ChartKind; 5] = [
        ChartKind::Curves,
        ChartKind::MarginalCost,
        ChartKind::Allocation,
        ChartKind::Frontier,
        ChartKind::Summary,
    ];

    /// File name, e.g. `curves.png`.
    pub fn file_name(self) -> &'static str {
        match self {
            ChartKind::Curves => "curves.png",
            ChartKind::MarginalCost => "marginal_cost.png",
            ChartKind::Allocation => "allocation.png",
            ChartKind::Frontier => "frontier.png",
            ChartKind::Summary => "summary.png",
        }
    }

    /// Width and height for this input, px.
    fn size(self, v: &View<'_>) -> (u32, u32) {
        match self {
            ChartKind::Curves => curves_size(v.panel_lanes().len()),
            ChartKind::MarginalCost => MARGINAL_COST_SIZE,
            ChartKind::Allocation => allocation_size(v.channel_allocations().len()),
            ChartKind::Frontier => FRONTIER_SIZE,
            ChartKind::Summary => SUMMARY_SIZE,
        }
    }

    /// Draw this chart on `root` (the frontier is used by the frontier and
    /// the summary only).
    fn draw<DB: DrawingBackend>(
        self,
        root: &DrawingArea<DB, Shift>,
        v: &View<'_>,
        f: &Frontier,
    ) -> builder::Drawn {
        match self {
            ChartKind::Curves => curves::draw_curves(root, v, &v.panel_lanes()),
            ChartKind::MarginalCost => marginal_cost::draw_marginal_cost(root, v, 1.0, true),
            ChartKind::Allocation => {
                allocation::draw_allocation(root, v, &v.channel_allocations(), 1.0, true)
            }
            ChartKind::Frontier => frontier::draw_frontier(root, v, f, 1.0, true),
            ChartKind::Summary => summary::draw_summary(root, v, f),
        }
    }
}

/// `curves.png`.
pub fn curves_png(input: &ChartInput<'_>) -> Result<Vec<u8>, ChartError> {
    render_kind(ChartKind::Curves, input, &Frontier::default(), None)
}

/// `marginal_cost.png`.
pub fn marginal_cost_png(input: &ChartInput<'_>) -> Result<Vec<u8>, ChartError> {
    render_kind(ChartKind::MarginalCost, input, &Frontier::default(), None)
}

/// `allocation.png`.
pub fn allocation_png(input: &ChartInput<'_>) -> Result<Vec<u8>, ChartError> {
    render_kind(ChartKind::Allocation, input, &Frontier::default(), None)
}

/// `frontier.png`, from a [`Frontier`] solved for the same plan.
pub fn frontier_png(input: &ChartInput<'_>, f: &Frontier) -> Result<Vec<u8>, ChartError> {
    render_kind(ChartKind::Frontier, input, f, None)
}

/// `summary.png`, from a [`Frontier`] solved for the same plan.
pub fn summary_png(input: &ChartInput<'_>, f: &Frontier) -> Result<Vec<u8>, ChartError> {
    render_kind(ChartKind::Summary, input, f, None)
}

/// Every chart, in the order of the table above, with the frontier solved
/// for the same plan ([`crate::plan::frontier::around_plan`]) or read back
/// from a run folder.
pub fn render_all_with(input: &ChartInput<'_>, f: &Frontier) -> Result<Vec<Chart>, ChartError> {
    use rayon::prelude::*;
    // The charts are drawn and PNG-encoded in parallel; the first error in
    // the table's order is the one returned, as when drawn one by one.
    let drawn: Vec<Result<Chart, ChartError>> = ChartKind::ALL
        .par_iter()
        .map(|&kind| {
            Ok(Chart {
                file_name: kind.file_name(),
                png: render_kind(kind, input, f, None)?,
            })
        })
        .collect();
    drawn.into_iter().collect()
}

/// A chart rendered through a [`TextRecorder`], with every text it drew.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedChart {
    /// The chart, byte for byte as [`render_all_with`] draws it.
    pub chart: Chart,
    /// Width and height, px.
    pub size: (u32, u32),
    /// Every text drawn, in drawing order.
    pub texts: Vec<TextBox>,
    /// Texts that overlap or leave the image ([`text_problems`]).
    pub problems: Vec<TextProblem>,
}

/// One chart drawn through a [`TextRecorder`]: the same PNG as without it,
/// plus where each text landed and which texts collide.
pub fn render_checked(
    kind: ChartKind,
    input: &ChartInput<'_>,
    f: &Frontier,
) -> Result<CheckedChart, ChartError> {
    let log = TextLog::new();
    let size = kind.size(&View::new(input));
    let png = render_kind(kind, input, f, Some(&log))?;
    let texts = log.take();
    let problems = text_problems(&texts, size);
    Ok(CheckedChart {
        chart: Chart {
            file_name: kind.file_name(),
            png,
        },
        size,
        texts,
        problems,
    })
}

/// [`render_checked`] for every chart, in the order of the table above.
pub fn render_all_checked(
    input: &ChartInput<'_>,
    f: &Frontier,
) -> Result<Vec<CheckedChart>, ChartError> {
    ChartKind::ALL
        .iter()
        .map(|&kind| render_checked(kind, input, f))
        .collect()
}

/// `text` drawn as is (no `?` substitution) in black on white at `size_px`,
/// on a `width` × `height` image: lets a caller check which glyphs ink.
pub fn text_png(
    text: &str,
    size_px: f64,
    (width, height): (u32, u32),
) -> Result<Vec<u8>, ChartError> {
    ensure_font()?;
    let chart = "text.png";
    let mut buf = vec![255u8; width as usize * height as usize * 3];
    paint(
        chart,
        BitMapBackend::with_buffer(&mut buf, (width, height)),
        |root| {
            root.draw_text(
                text,
                &(FONT_FAMILY, size_px).into_font().color(&BLACK),
                (4, 4),
            )
            .map_err(|e| e.to_string())
        },
    )?;
    encode_png(&buf, width, height).map_err(|source| ChartError::Encode { chart, source })
}

/// Register the embedded chart font with plotters (once per process), so
/// text drawn in [`FONT_FAMILY`] renders; charts do this themselves.
pub fn ensure_font() -> Result<(), ChartError> {
    if font::ensure_registered() {
        Ok(())
    } else {
        Err(ChartError::Font)
    }
}

/// Draw one chart into a white RGB buffer, through a [`TextRecorder`]
/// writing to `log` when given, and encode it.
fn render_kind(
    kind: ChartKind,
    input: &ChartInput<'_>,
    f: &Frontier,
    log: Option<&TextLog>,
) -> Result<Vec<u8>, ChartError> {
    ensure_font()?;
    let chart = kind.file_name();
    let v = View::new(input);
    let (w, h) = kind.size(&v);
    let mut buf = vec![255u8; w as usize * h as usize * 3];
    let bitmap = BitMapBackend::with_buffer(&mut buf, (w, h));
    match log {
        None => paint(chart, bitmap, |root| kind.draw(root, &v, f))?,
        Some(log) => paint(chart, TextRecorder::new(bitmap, log), |root| {
            kind.draw(root, &v, f)
        })?,
    }
    encode_png(&buf, w, h).map_err(|source| ChartError::Encode { chart, source })
}

/// Fill `backend` white, draw, and present it.
fn paint<DB, F>(chart: &'static str, backend: DB, draw: F) -> Result<(), ChartError>
where
    DB: DrawingBackend,
    F: FnOnce(&DrawingArea<DB, Shift>) -> Result<(), String>,
{
    let root = backend.into_drawing_area();
    let err = |message: String| ChartError::Draw { chart, message };
    root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
    draw(&root).map_err(err)?;
    root.present().map_err(|e| err(e.to_string()))
}

/// RGB8 → PNG with fixed settings (default deflate level, adaptive
/// per-row filter: deterministic, ~5× smaller than fast settings).
pub fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::with_capacity(rgb.len() / 8);
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Default);
        enc.set_filter(png::FilterType::Sub);
        enc.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
        let mut wr = enc.write_header()?;
        wr.write_image_data(rgb)?;
        wr.finish()?;
    }
    Ok(out)
}

/// Channel colours, by channel-name order (cycled, darker, past 12).
const PALETTE: [RGBColor; 12] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(100, 100, 100),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(0, 70, 140),
    RGBColor(170, 110, 0),
];

fn palette(i: usize) -> RGBColor {
    let c = PALETTE[i % PALETTE.len()];
    if i < PALETTE.len() {
        c
    } else {
        RGBColor(c.0 / 2, c.1 / 2, c.2 / 2)
    }
}

/// One fitted series as the charts see it.
pub(crate) struct LaneView<'a> {
    pub room: &'a str,
    pub channel: &'a str,
    /// Name the room in labels (more than one room charted).
    pub show_room: bool,
    pub colour: RGBColor,
    pub fitted: Option<&'a FittedCurve>,
    /// Index in the series set.
    pub series: Option<usize>,
    pub row: Option<&'a PlanRow>,
    /// Average daily spend over the last period, CNY/day.
    pub last_spend_per_day: f64,
    pub last_spend_cny: f64,
    pub last_viewers: f64,
    pub history_max_spend: f64,
}

impl LaneView<'_> {
    pub fn planned_per_day(&self) -> Option<f64> {
        self.row.map(|r| r.spend_cny_per_day)
    }

    pub fn name(&self) -> String {
        if !self.show_room || self.room == crate::validate::ONE_ROOM || self.room.is_empty() {
            printable(self.channel)
        } else {
            printable(&format!("{} · {}", self.channel, self.room))
        }
    }

    fn weight(&self) -> f64 {
        self.row
            .map_or(0.0, |r| r.spend_cny)
            .max(self.last_spend_cny)
    }
}

/// Per channel: last period vs plan, summed over rooms.
pub(crate) struct ChannelAlloc<'a> {
    pub channel: &'a str,
    pub colour: RGBColor,
    pub last_spend_cny: f64,
    pub last_viewers: f64,
    pub plan_spend_cny: f64,
    pub plan_viewers: f64,
}

/// Everything derived once from the input.
pub(crate) struct View<'a> {
    pub input: &'a ChartInput<'a>,
    pub lanes: Vec<LaneView<'a>>,
    /// Plan horizon, days.
    pub days: f64,
}

impl<'a> View<'a> {
    fn new(input: &'a ChartInput<'a>) -> Self {
        let report = input.report;
        let names: BTreeSet<&str> = input
            .fits
            .iter()
            .map(|f| f.key.channel.as_str())
            .chain(report.rows.iter().map(|r| r.channel.as_str()))
            .collect();
        let colours: BTreeMap<&str, RGBColor> = names
            .into_iter()
            .enumerate()
            .map(|(i, n)| (n, palette(i)))
            .collect();
        let days = if report.plan.horizon_days > 0.0 {
            report.plan.horizon_days
        } else {
            report.comparison.days.max(1) as f64
        };
        let last_days = report.comparison.days.max(1);
        let hist = chart_histories(input);
        let series_index: BTreeMap<(&str, &str), usize> = input
            .series
            .keys
            .iter()
            .enumerate()
            .map(|(i, k)| ((k.room.as_str(), k.channel.as_str()), i))
            .collect();
        let rows: BTreeMap<(&str, &str), &PlanRow> = report
            .rows
            .iter()
            .map(|r| ((r.room.as_str(), r.channel.as_str()), r))
            .collect();
        let show_room = input
            .fits
            .iter()
            .map(|f| f.key.room.as_str())
            .collect::<BTreeSet<_>>()
            .len()
            > 1;
        let lanes = input
            .fits
            .iter()
            .enumerate()
            .map(|(fi, f)| {
                let key = (f.key.room.as_str(), f.key.channel.as_str());
                let series = series_index.get(&key).copied();
                let h = hist.get(fi).cloned().unwrap_or_default();
                LaneView {
                    room: key.0,
                    channel: key.1,
                    show_room,
                    colour: colours[key.1],
                    fitted: f.outcome.fitted(),
                    series,
                    row: rows.get(&key).copied(),
                    last_spend_per_day: h.last_spend_cny / last_days as f64,
                    last_spend_cny: h.last_spend_cny,
                    last_viewers: h.last_viewers,
                    history_max_spend: h.max_spend_cny_per_day,
                }
            })
            .collect();
        View { input, lanes, days }
    }

    /// Lanes for the panels, at most `max_panels`: first each channel's
    /// lane with the most planned or last-period spend (so every channel
    /// shows), then the next heaviest lanes; in channel then room order.
    pub fn panel_lanes(&self) -> Vec<&LaneView<'a>> {
        self.heaviest_lanes(self.input.max_panels.max(1))
    }

    /// Like [`View::panel_lanes`] but up to `limit` lanes.
    pub fn heaviest_lanes(&self, limit: usize) -> Vec<&LaneView<'a>> {
        let mut ranked: Vec<(usize, &LaneView)> = self.lanes.iter().enumerate().collect();
        ranked.sort_by(|(_, a), (_, b)| {
            b.weight()
                .total_cmp(&a.weight())
                .then_with(|| (a.channel, a.room).cmp(&(b.channel, b.room)))
        });
        let mut seen = BTreeSet::new();
        let mut taken = vec![false; self.lanes.len()];
        let mut out: Vec<&LaneView> = Vec::new();
        for &(i, l) in &ranked {
            if out.len() < limit && seen.insert(l.channel) {
                taken[i] = true;
                out.push(l);
            }
        }
        for &(i, l) in &ranked {
            if out.len() < limit && !taken[i] {
                out.push(l);
            }
        }
        out.sort_by(|a, b| (a.channel, a.room).cmp(&(b.channel, b.room)));
        out
    }

    /// Per channel, sorted by planned spend (largest first), then name.
    pub fn channel_allocations(&self) -> Vec<ChannelAlloc<'a>> {
        let mut by: BTreeMap<&str, ChannelAlloc> = BTreeMap::new();
        for l in &self.lanes {
            let e = by.entry(l.channel).or_insert(ChannelAlloc {
                channel: l.channel,
                colour: l.colour,
                last_spend_cny: 0.0,
                last_viewers: 0.0,
                plan_spend_cny: 0.0,
                plan_viewers: 0.0,
            });
            e.last_spend_cny += l.last_spend_cny;
            e.last_viewers += l.last_viewers;
            if let Some(r) = l.row {
                e.plan_spend_cny += r.spend_cny;
                e.plan_viewers += r.viewers;
            }
        }
        let mut out: Vec<ChannelAlloc> = by.into_values().collect();
        out.sort_by(|a, b| {
            b.plan_spend_cny
                .total_cmp(&a.plan_spend_cny)
                .then_with(|| a.channel.cmp(b.channel))
        });
        out
    }

    /// CNY for one more viewer at the plan (viewer-metric plans only).
    pub fn shadow_price(&self) -> Option<f64> {
        let plan = &self.input.report.plan;
        if plan.metric != Metric::Viewers {
            return None;
        }
        plan.target_shadow_price_cny_per_unit
            .or_else(|| {
                plan.budget_shadow_price_units_per_cny
                    .filter(|&u| u > 0.0)
                    .map(|u| 1.0 / u)
            })
            .filter(|p| p.is_finite() && *p > 0.0)
    }

    /// Where to mark screened rows in a lane's panel, (spend, viewers) per
    /// day. A room's lane: each flagged row as it was reported. A pooled
    /// lane (rooms summed per day): each day with flagged rows, at the
    /// day's summed point as charted (or at the flagged rows' sum when no
    /// point is left that day), so the mark is in the panel's units.
    pub fn flagged_points(&self, lane: &LaneView) -> Vec<(f64, f64)> {
        let Some(s) = self.input.screen else {
            return Vec::new();
        };
        let pooled = lane.room == crate::validate::ONE_ROOM;
        let rows = s
            .flagged_rows
            .iter()
            .filter(|r| r.channel == lane.channel && (pooled || r.room == lane.room))
            .filter(|r| r.spend_cny.is_finite() && r.viewers.is_finite());
        if !pooled {
            return rows.map(|r| (r.spend_cny, r.viewers)).collect();
        }
        let mut days: BTreeMap<i32, (f64, f64)> = BTreeMap::new();
        for r in rows {
            let d = days.entry(r.date).or_default();
            d.0 += r.spend_cny;
            d.1 += r.viewers;
        }
        let series = self.input.series;
        let charted: BTreeMap<i32, (f64, f64)> = lane
            .series
            .map(|i| {
                series
                    .dates(i)
                    .iter()
                    .zip(series.spend_cny(i).iter().zip(series.viewers(i)))
                    .map(|(&d, (&x, &y))| (d, (x, y)))
                    .collect()
            })
            .unwrap_or_default();
        days.into_iter()
            .map(|(d, sum)| charted.get(&d).copied().unwrap_or(sum))
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect()
    }

    /// "over 7 days" etc.
    pub fn horizon_text(&self) -> String {
        self.words().chart_days(self.days)
    }

    /// The catalogue of the input's language.
    pub fn words(&self) -> &'static dyn crate::report::i18n::Words {
        crate::report::i18n::words(self.input.lang)
    }

    /// Label with a leading separator, or nothing.
    pub fn when(&self) -> String {
        if self.input.label.is_empty() {
            String::new()
        } else {
            format!(" — {}", printable(self.input.label))
        }
    }
}
