//! The four charts, each drawn on any plotters drawing area (full size in
//! their own PNG, small in the summary).

use std::fmt::Display;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::font::{FONT_FAMILY, fit_text, printable, text_width_px};
use super::layout::{Placer, Rect, label_extent};
use super::{ChannelAlloc, Frontier, LaneView, View};
use crate::plan::{Metric, PlanStatus, fmt_num};

/// Most lanes drawn in the marginal-cost chart.
pub(crate) const MARGINAL_COST_MAX_LANES: usize = 48;

/// Height of the title and legend strip of `curves.png`, px.
pub(crate) const CURVES_HEADER_PX: u32 = 70;

pub(crate) type Drawn = Result<(), String>;

/// Errors of any backend as text.
pub(crate) trait Msg<T> {
    fn s(self) -> Result<T, String>;
}

impl<T, E: Display> Msg<T> for Result<T, E> {
    fn s(self) -> Result<T, String> {
        self.map_err(|e| e.to_string())
    }
}

pub(crate) const GRID_LIGHT: RGBColor = RGBColor(238, 238, 238);
pub(crate) const GRID_BOLD: RGBColor = RGBColor(210, 210, 210);
pub(crate) const LAST_GREY: RGBColor = RGBColor(150, 150, 150);
pub(crate) const FAKE_MARK: RGBColor = RGBColor(0, 0, 0);

pub(crate) fn font(size: f64) -> TextStyle<'static> {
    (FONT_FAMILY, size).into_font().color(&BLACK)
}

fn at<'a>(style: TextStyle<'a>, h: HPos, v: VPos) -> TextStyle<'a> {
    style.pos(Pos::new(h, v))
}

/// A price in CNY with two decimals, e.g. `0.62`.
pub(crate) fn cny2(x: f64) -> String {
    format!("{x:.2}")
}

fn finite_max(values: impl IntoIterator<Item = f64>) -> f64 {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
}

/// A nice upper bound for an axis: `max` × 1.1, at least `floor`.
fn upper(max: f64, floor: f64) -> f64 {
    let m = if max.is_finite() { max * 1.1 } else { floor };
    m.max(floor)
}

/// `(x, y)` from `points` until `y` passes `ymax`, ending at the crossing.
fn clip_rising(points: &[(f64, f64)], ymax: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(points.len());
    for &(x, y) in points {
        if y.is_finite() && y <= ymax {
            out.push((x, y));
            continue;
        }
        if let Some(&(x0, y0)) = out.last() {
            if y.is_finite() && y > y0 {
                let t = (ymax - y0) / (y - y0);
                out.push((x0 + t * (x - x0), ymax));
            } else {
                out.push((x0 + (x - x0) * 0.5, ymax));
            }
        }
        break;
    }
    out
}

/// A chart's title and its size, px: 20 (17 when small) × `scale`, shrunk
/// and then cut short to fit the area's width.
fn fit_caption<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    full_title: bool,
    scale: f64,
) -> (String, f64) {
    let size = if full_title { 20.0 } else { 17.0 } * scale;
    let width = f64::from(area.dim_in_pixel().0) - 24.0 * scale;
    fit_text(title, size, (size * 0.7).round(), width)
}

// ------------------------------------------------------------- curves ---

/// Height of the title and legend strip of `curves.png` for an image
/// `width` px wide: one title line and one legend row from
/// [`CURVES_WIDE_PX`] up, else two of each.
pub(crate) fn curves_header_px(width: u32) -> u32 {
    if width >= CURVES_WIDE_PX {
        CURVES_HEADER_PX
    } else {
        CURVES_HEADER_NARROW_PX
    }
}

/// From this width, px, `curves.png` has its title and legend on one line
/// each.
pub(crate) const CURVES_WIDE_PX: u32 = 1200;

/// Height of the two-line title and legend strip of a narrow `curves.png`,
/// px.
pub(crate) const CURVES_HEADER_NARROW_PX: u32 = 112;

pub(crate) fn draw_curves<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    v: &View,
    lanes: &[&LaneView],
) -> Drawn {
    let width = root.dim_in_pixel().0;
    let (header, body) = root.split_vertically(curves_header_px(width));
    let room = f64::from(width) - 24.0;
    let what = match v.input.series.period_days() {
        1 => "viewers/day against spend/day, fitted on the daily history".to_string(),
        7 => "viewers/day against spend/day, fitted on weekly rows ÷ 7".to_string(),
        d => format!("viewers/day against spend/day, fitted on {d}-day rows ÷ {d}"),
    };
    let pooled = lanes.iter().any(|l| l.room == crate::validate::ONE_ROOM);
    if width >= CURVES_WIDE_PX {
        let (title, size) = fit_text(
            &format!("Response curves{}: {what}", v.when()),
            22.0,
            14.0,
            room,
        );
        header.draw_text(&title, &font(size), (12, 8)).s()?;
        draw_curves_legend(&header, 12, &[44], room, pooled)?;
    } else {
        let (title, size) = fit_text(&format!("Response curves{}", v.when()), 22.0, 14.0, room);
        header.draw_text(&title, &font(size), (12, 8)).s()?;
        let (what, size) = fit_text(&what, 15.0, 11.0, room);
        header.draw_text(&what, &font(size), (12, 38)).s()?;
        draw_curves_legend(&header, 12, &[70, 92], room, pooled)?;
    }
    let n = lanes.len().max(1);
    let cols = n.min(super::CURVES_COLUMNS);
    let rows = n.div_ceil(super::CURVES_COLUMNS);
    let areas = body.split_evenly((rows, cols));
    for (area, lane) in areas.iter().zip(lanes) {
        draw_lane_panel(area, v, lane, 1.0)?;
    }
    if lanes.is_empty() {
        body.draw_text("no curves to show", &font(18.0), (12, 12))
            .s()?;
    }
    Ok(())
}

/// One mark of the curves legend.
#[derive(Clone, Copy)]
enum CurvesMark {
    History,
    Fake,
    Band,
    Last,
    Plan,
}

/// The curves legend from `x0`, one row at each of `rows` (y, px), the
/// entries spread evenly over the rows and placed by their measured width
/// within `max_px`. `pooled`: the fake-traffic mark stands for a day whose
/// rooms include screened rows.
pub(crate) fn draw_curves_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    x0: i32,
    rows: &[i32],
    max_px: f64,
    pooled: bool,
) -> Drawn {
    const SIZE: f64 = 13.0;
    const GAP: f64 = 28.0;
    let label = at(font(SIZE), HPos::Left, VPos::Center);
    let fake = if pooled {
        "day with screened fake traffic (▲ above the scale)"
    } else {
        "screened fake traffic (▲ above the scale)"
    };
    let entries = [
        (CurvesMark::History, "daily history"),
        (CurvesMark::Fake, fake),
        (CurvesMark::Band, "fitted curve, P10–P90 band"),
        (CurvesMark::Last, "last period, avg spend/day"),
        (CurvesMark::Plan, "plan, spend/day"),
    ];
    let per_row = entries.len().div_ceil(rows.len().max(1));
    for (chunk, &y) in entries.chunks(per_row).zip(rows) {
        let mut x = x0;
        for &(mark, text) in chunk {
            let text = printable(text);
            let mark_px = match mark {
                CurvesMark::History | CurvesMark::Fake => 14,
                CurvesMark::Band => 30,
                CurvesMark::Last | CurvesMark::Plan => 20,
            };
            let room = (max_px - f64::from(x - x0 + mark_px)).max(0.0);
            let (text, size) = fit_text(&text, SIZE, 10.0, room);
            match mark {
                CurvesMark::History => {
                    area.draw(&Circle::new((x + 5, y), 3, BLUE.mix(0.5).filled()))
                        .s()?;
                }
                CurvesMark::Fake => {
                    area.draw(&Cross::new((x + 5, y), 4, FAKE_MARK.stroke_width(2)))
                        .s()?;
                }
                CurvesMark::Band => {
                    area.draw(&Rectangle::new(
                        [(x, y - 6), (x + 22, y + 6)],
                        BLUE.mix(0.18).filled(),
                    ))
                    .s()?;
                    area.draw(&PathElement::new(
                        vec![(x, y), (x + 22, y)],
                        BLUE.stroke_width(2),
                    ))
                    .s()?;
                }
                CurvesMark::Last => {
                    area.draw(&DashedPathElement::new(
                        vec![(x + 10, y - 8), (x + 10, y + 8)],
                        3,
                        3,
                        LAST_GREY.stroke_width(2),
                    ))
                    .s()?;
                }
                CurvesMark::Plan => {
                    area.draw(&PathElement::new(
                        vec![(x + 10, y - 8), (x + 10, y + 8)],
                        BLUE.stroke_width(2),
                    ))
                    .s()?;
                    area.draw(&Circle::new((x + 10, y), 4, BLUE.filled())).s()?;
                }
            }
            let style = if size == SIZE {
                label.clone()
            } else {
                at(font(size), HPos::Left, VPos::Center)
            };
            area.draw_text(&text, &style, (x + mark_px, y)).s()?;
            x += mark_px + (text_width_px(&text, size) + GAP) as i32;
        }
    }
    Ok(())
}

/// Height of a curves panel's caption strip at scale 1, px.
const PANEL_CAPTION_PX: f64 = 26.0;

pub(crate) fn draw_lane_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    v: &View,
    lane: &LaneView,
    scale: f64,
) -> Drawn {
    let s = v.input.series;
    let points: Vec<(f64, f64)> = lane
        .series
        .map(|i| {
            s.spend_cny(i)
                .iter()
                .zip(s.viewers(i))
                .map(|(&a, &b)| (a, b))
                .filter(|(a, b)| a.is_finite() && b.is_finite())
                .collect()
        })
        .unwrap_or_default();
    let fake = v.flagged_points(lane);
    let planned = lane.planned_per_day();
    let xmax = upper(
        finite_max(
            points
                .iter()
                .chain(&fake)
                .map(|p| p.0)
                .chain([lane.last_spend_per_day, planned.unwrap_or(0.0)]),
        ),
        1.0,
    );
    const N: usize = 60;
    let band: Vec<(f64, f64, f64, f64)> = lane
        .fitted
        .map(|f| {
            (0..=N)
                .map(|i| {
                    let x = xmax * i as f64 / N as f64;
                    let (lo, mid, hi) = f.band(x);
                    (x, lo, mid, hi)
                })
                .filter(|b| b.1.is_finite() && b.2.is_finite() && b.3.is_finite())
                .collect()
        })
        .unwrap_or_default();
    // The scale follows the genuine history and the band; fake rows above
    // it are drawn at the top edge as up-pointing marks.
    let ymax = upper(
        finite_max(points.iter().map(|p| p.1).chain(band.iter().map(|b| b.3))),
        1.0,
    );
    let off_scale = fake.iter().filter(|p| p.1 > ymax).count();
    let c = lane.colour;
    let mut notes = Vec::new();
    if off_scale > 0 {
        notes.push(format!("{off_scale} fake above scale"));
    }
    if lane.fitted.is_none() {
        notes.push("no usable curve".to_string());
    } else if lane.row.is_some_and(|r| r.extrapolation) {
        notes.push("plan beyond history".to_string());
    }
    let mut title = lane.name();
    if !notes.is_empty() {
        title.push_str(&format!(" ({})", notes.join("; ")));
    }
    // The caption is fitted to the panel (smaller, then cut short) in a
    // strip of the same height in every panel, so the plots line up.
    let caption_px = (PANEL_CAPTION_PX * scale) as u32;
    let (caption, area) = area.split_vertically(caption_px);
    let (cw, ch) = caption.dim_in_pixel();
    let (title, size) = fit_text(
        &title,
        16.0 * scale,
        11.0 * scale,
        f64::from(cw) - 12.0 * scale,
    );
    caption
        .draw_text(
            &title,
            &at(font(size), HPos::Center, VPos::Center),
            (cw as i32 / 2, ch as i32 / 2 + (2.0 * scale) as i32),
        )
        .s()?;
    let area = &area;
    let mut chart = ChartBuilder::on(area)
        .margin((6.0 * scale) as u32)
        .margin_right((14.0 * scale) as u32)
        .x_label_area_size((36.0 * scale) as u32)
        .y_label_area_size((58.0 * scale) as u32)
        .build_cartesian_2d(0.0..xmax, 0.0..ymax)
        .s()?;
    chart
        .configure_mesh()
        .x_labels(4)
        .y_labels(5)
        .x_label_formatter(&|x| fmt_num(*x))
        .y_label_formatter(&|y| fmt_num(*y))
        .x_desc("spend, CNY/day")
        .y_desc("viewers/day")
        .label_style(font(11.0 * scale))
        .axis_desc_style(font(12.0 * scale))
        .light_line_style(GRID_LIGHT)
        .bold_line_style(GRID_BOLD)
        .draw()
        .s()?;
    if band.len() > 1 {
        let poly: Vec<(f64, f64)> = band
            .iter()
            .map(|b| (b.0, b.3))
            .chain(band.iter().rev().map(|b| (b.0, b.1)))
            .collect();
        chart
            .draw_series(std::iter::once(Polygon::new(poly, c.mix(0.18).filled())))
            .s()?;
    }
    chart
        .draw_series(
            points
                .iter()
                .map(|&p| Circle::new(p, 2, c.mix(0.45).filled())),
        )
        .s()?;
    chart
        .draw_series(
            fake.iter()
                .filter(|p| p.1 <= ymax)
                .map(|&p| Cross::new(p, 4, FAKE_MARK.stroke_width(2))),
        )
        .s()?;
    chart
        .draw_series(
            fake.iter()
                .filter(|p| p.1 > ymax)
                .map(|&(x, _)| TriangleMarker::new((x, ymax * 0.97), 5, FAKE_MARK.filled())),
        )
        .s()?;
    if band.len() > 1 {
        chart
            .draw_series(LineSeries::new(
                band.iter().map(|b| (b.0, b.2)),
                c.stroke_width(2),
            ))
            .s()?;
    }
    if lane.last_spend_per_day > 0.0 {
        chart
            .draw_series(DashedLineSeries::new(
                [
                    (lane.last_spend_per_day, 0.0),
                    (lane.last_spend_per_day, ymax),
                ],
                4,
                4,
                LAST_GREY.stroke_width(2),
            ))
            .s()?;
    }
    if let Some(p) = planned.filter(|p| *p > 0.0) {
        chart
            .draw_series(LineSeries::new([(p, 0.0), (p, ymax)], c.stroke_width(2)))
            .s()?;
        if let Some(f) = lane.fitted {
            let y = f.value(p);
            if y.is_finite() {
                chart
                    .draw_series([
                        Circle::new((p, y.min(ymax)), 5, c.filled()),
                        Circle::new((p, y.min(ymax)), 5, BLACK.stroke_width(1)),
                    ])
                    .s()?;
            }
        }
    }
    Ok(())
}

// ------------------------------------------------------- marginal cost ---

pub(crate) fn draw_marginal_cost<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    v: &View,
    scale: f64,
    full_title: bool,
) -> Drawn {
    let lanes: Vec<&LaneView> = v
        .heaviest_lanes(MARGINAL_COST_MAX_LANES)
        .into_iter()
        .filter(|l| l.fitted.is_some())
        .collect();
    // Up to the history, but not far past the spends that matter.
    let history = finite_max(lanes.iter().map(|l| l.history_max_spend));
    let relevant = finite_max(
        lanes
            .iter()
            .flat_map(|l| [l.planned_per_day().unwrap_or(0.0), l.last_spend_per_day]),
    );
    let xmax = upper(
        if relevant > 0.0 {
            history.min(relevant * 2.2).max(relevant)
        } else {
            history
        },
        1.0,
    );
    const N: usize = 150;
    let curves: Vec<Vec<(f64, f64)>> = lanes
        .iter()
        .map(|l| {
            let f = l.fitted.expect("filtered");
            (1..=N)
                .map(|i| {
                    let x = xmax * i as f64 / N as f64;
                    (x, f.curve.marginal_cost(x))
                })
                .collect()
        })
        .collect();
    let planned: Vec<Option<(f64, f64)>> = lanes
        .iter()
        .map(|l| {
            let p = l.planned_per_day().filter(|p| *p > 0.0)?;
            let mc = l.fitted?.curve.marginal_cost(p);
            mc.is_finite().then_some((p, mc))
        })
        .collect();
    let shadow = v.shadow_price();
    let low = finite_max(curves.iter().filter_map(|c| c.first().map(|p| p.1)));
    let ymax = upper(
        finite_max(
            planned
                .iter()
                .flatten()
                .map(|p| p.1 * 1.6)
                .chain(shadow.map(|s| s * 1.8))
                .chain([low * 1.5]),
        ),
        0.01,
    );
    let title = if full_title {
        format!(
            "Marginal cost of the next viewer by channel{}: the plan buys each channel up to the shadow price",
            v.when()
        )
    } else {
        "Marginal cost per viewer".to_string()
    };
    let caption = fit_caption(area, &title, full_title, scale);
    let mut chart = ChartBuilder::on(area)
        .caption(caption.0, font(caption.1))
        .margin((10.0 * scale) as u32)
        .margin_right((24.0 * scale) as u32)
        .x_label_area_size((44.0 * scale) as u32)
        .y_label_area_size((64.0 * scale) as u32)
        .build_cartesian_2d(0.0..xmax, 0.0..ymax)
        .s()?;
    chart
        .configure_mesh()
        .x_labels(if full_title { 8 } else { 4 })
        .y_labels(8)
        .x_label_formatter(&|x| fmt_num(*x))
        .y_label_formatter(&|y| cny2(*y))
        .x_desc("spend, CNY/day")
        .y_desc("marginal cost, CNY per viewer")
        .label_style(font(13.0 * scale))
        .axis_desc_style(font(14.0 * scale))
        .light_line_style(GRID_LIGHT)
        .bold_line_style(GRID_BOLD)
        .draw()
        .s()?;
    let mut labelled = std::collections::BTreeSet::new();
    for (l, pts) in lanes.iter().zip(&curves) {
        let c = l.colour;
        let s = chart
            .draw_series(LineSeries::new(clip_rising(pts, ymax), c.stroke_width(2)))
            .s()?;
        if labelled.insert(l.channel) {
            s.label(printable(l.channel)).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(3))
            });
        }
    }
    let coord = chart.as_coord_spec().clone();
    let px = |p: (f64, f64)| coord.translate(&p);
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let mut placer = Placer::new(Rect {
        left: xr.start,
        top: yr.start,
        right: xr.end,
        bottom: yr.end,
    });
    if full_title {
        // The legend (upper left), as plotters sizes it.
        let size = 12.0 * scale;
        let widest = labelled
            .iter()
            .map(|c| text_width_px(&printable(c), size))
            .fold(0.0, f64::max);
        placer.reserve(Rect::at(
            xr.start,
            yr.start,
            widest as i32 + 60,
            (labelled.len() as f64 * (size + 6.0)) as i32 + 26,
        ));
    }
    if let Some(p) = shadow {
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, p), (xmax, p)],
                8,
                5,
                BLACK.stroke_width(2),
            ))
            .s()?;
    }
    for (l, p) in lanes.iter().zip(&planned) {
        if let Some((x, y)) = *p {
            let y = y.min(ymax);
            chart
                .draw_series([
                    Circle::new((x, y), 6, l.colour.filled()),
                    Circle::new((x, y), 6, BLACK.stroke_width(1)),
                ])
                .s()?;
            placer.reserve(Rect::around(px((x, y)), 7));
        }
    }
    if let Some(p) = shadow {
        // Above the line at the right, else below it, else further left.
        let text = format!("shadow price {} CNY per viewer", cny2(p));
        let size = 14.0 * scale;
        let (w, h, _) = label_extent(&text, size);
        let (right, y) = px((xmax * 0.99, p));
        let spots: Vec<Rect> = [right - w, (xr.start + xr.end) / 2 - w / 2, xr.start + 6]
            .into_iter()
            .flat_map(|x| [Rect::at(x, y - 3 - h, w, h), Rect::at(x, y + 4, w, h)])
            .collect();
        if let Some(r) = placer.place(&spots) {
            draw_label(area, &text, size, BLACK, r)?;
        }
    }
    if !full_title {
        // Small: the colours match the allocation bars beside it.
        return Ok(());
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(GRID_BOLD)
        .label_font(font(12.0 * scale))
        .draw()
        .s()?;
    Ok(())
}

// ---------------------------------------------------------- allocation ---

pub(crate) fn draw_allocation<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    v: &View,
    rows: &[ChannelAlloc],
    scale: f64,
    full_title: bool,
) -> Drawn {
    let n = rows.len().max(1);
    // Small version: keep bars thin when there are few channels.
    let slots = if full_title { n } else { n.max(6) };
    let xmax = upper(
        finite_max(
            rows.iter()
                .flat_map(|r| [r.last_spend_cny, r.plan_spend_cny]),
        ),
        1.0,
    ) * if full_title { 1.45 } else { 1.15 };
    let days = v.horizon_text();
    let title = if full_title {
        format!(
            "Spend per channel over {days}{}: last period (grey) vs plan (colour), with viewers",
            v.when()
        )
    } else {
        format!("Spend per channel over {days}: last (grey) vs plan")
    };
    let names_px = (if full_title { 170.0 } else { 120.0 } * scale) as u32;
    let caption = fit_caption(area, &title, full_title, scale);
    let mut chart = ChartBuilder::on(area)
        .caption(caption.0, font(caption.1))
        .margin((10.0 * scale) as u32)
        .margin_right((20.0 * scale) as u32)
        .x_label_area_size((44.0 * scale) as u32)
        .y_label_area_size(names_px)
        .build_cartesian_2d(0.0..xmax, 0.0..slots as f64)
        .s()?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(1)
        .y_label_formatter(&|_| String::new())
        .x_labels(if full_title { 8 } else { 4 })
        .x_label_formatter(&|x| fmt_num(*x))
        .x_desc(format!("spend over {days}, CNY"))
        .label_style(font(13.0 * scale))
        .axis_desc_style(font(14.0 * scale))
        .light_line_style(GRID_LIGHT)
        .bold_line_style(GRID_BOLD)
        .draw()
        .s()?;
    let base = area.get_base_pixel();
    for (i, r) in rows.iter().enumerate() {
        let top = (slots - i) as f64;
        chart
            .draw_series([
                Rectangle::new(
                    [(0.0, top - 0.12), (r.last_spend_cny, top - 0.46)],
                    LAST_GREY.mix(0.7).filled(),
                ),
                Rectangle::new(
                    [(0.0, top - 0.54), (r.plan_spend_cny, top - 0.88)],
                    r.colour.filled(),
                ),
            ])
            .s()?;
        if full_title {
            chart
                .draw_series([
                    Text::new(
                        format!(
                            "last {} CNY · {} viewers",
                            fmt_num(r.last_spend_cny),
                            fmt_num(r.last_viewers)
                        ),
                        (r.last_spend_cny + xmax * 0.01, top - 0.29),
                        at(font(12.0 * scale), HPos::Left, VPos::Center),
                    ),
                    Text::new(
                        format!(
                            "plan {} CNY → {} viewers",
                            fmt_num(r.plan_spend_cny),
                            fmt_num(r.plan_viewers)
                        ),
                        (r.plan_spend_cny + xmax * 0.01, top - 0.71),
                        at(font(13.0 * scale), HPos::Left, VPos::Center),
                    ),
                ])
                .s()?;
        }
        let (px, py) = chart.backend_coord(&(0.0, top - 0.5));
        // Long names are drawn smaller, then cut short, to stay in the
        // names column.
        let (name, size) = fit_text(
            &printable(r.channel),
            14.0 * scale,
            10.0 * scale,
            f64::from(names_px) - 14.0 * scale,
        );
        area.draw_text(
            &name,
            &at(font(size), HPos::Right, VPos::Center),
            (px - base.0 - 8, py - base.1),
        )
        .s()?;
    }
    Ok(())
}

// ------------------------------------------------------------ frontier ---

/// Label candidates around a marker at `p` (pixels) with radius `r`, in the
/// order tried: below right, above left, above right, below left.
fn around_marker(p: (i32, i32), r: i32, (w, h): (i32, i32)) -> [Rect; 4] {
    let gap = r + 4;
    [
        Rect::at(p.0 + gap, p.1 + 2, w, h),
        Rect::at(p.0 - gap - w, p.1 - 2 - h, w, h),
        Rect::at(p.0 + gap, p.1 - 2 - h, w, h),
        Rect::at(p.0 - gap - w, p.1 + 2, w, h),
    ]
}

/// Draw `text` at `size` with its box's top-left at `r` (absolute px).
fn draw_label<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    size: f64,
    colour: RGBColor,
    r: Rect,
) -> Drawn {
    let (_, _, drop) = label_extent(text, size);
    let base = area.get_base_pixel();
    area.draw_text(
        text,
        &at(font(size).color(&colour), HPos::Left, VPos::Top),
        (r.left - base.0, r.top + drop - base.1),
    )
    .s()
}

pub(crate) fn draw_frontier<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    v: &View,
    f: &Frontier,
    scale: f64,
    full_title: bool,
) -> Drawn {
    let plan = &v.input.report.plan;
    let plan_pt = (plan.totals.spend_cny, plan.totals.viewers);
    let plan_ok = plan_pt.0.is_finite() && plan_pt.1.is_finite();
    let unit = plan.metric.unit();
    // The target as a line in viewers: the target itself for a viewers
    // plan; for orders or GMV the viewers the plan buys to reach it (the
    // frontier is in viewers, and a metric per viewer depends on the mix).
    let target: Option<(f64, String)> =
        v.target()
            .filter(|t| t.is_finite() && *t > 0.0)
            .and_then(|t| {
                let reach = if plan.status == PlanStatus::Infeasible {
                    " (not reachable)"
                } else {
                    ""
                };
                if plan.metric == Metric::Viewers {
                    Some((t, format!("target {} viewers{reach}", fmt_num(t))))
                } else if plan_ok && plan_pt.1 > 0.0 {
                    let short = format!("target {} {unit}{reach}", fmt_num(t));
                    Some((
                        plan_pt.1,
                        if full_title {
                            format!("{short}: the plan's {} viewers", fmt_num(plan_pt.1))
                        } else {
                            short
                        },
                    ))
                } else {
                    None
                }
            });
    let xmax = upper(
        finite_max(
            f.points
                .iter()
                .chain(&f.what_if)
                .map(|p| p.budget_cny)
                .chain([plan_pt.0]),
        ),
        1.0,
    );
    let ymax = upper(
        finite_max(
            f.points
                .iter()
                .chain(&f.what_if)
                .map(|p| p.viewers)
                .chain([plan_pt.1, target.as_ref().map_or(0.0, |t| t.0)]),
        ),
        1.0,
    );
    let days = v.horizon_text();
    let title = if full_title {
        format!(
            "Budget frontier{}: most viewers each budget buys over {days}",
            v.when()
        )
    } else {
        format!("Viewers per budget, {days}")
    };
    let caption = fit_caption(area, &title, full_title, scale);
    let mut chart = ChartBuilder::on(area)
        .caption(caption.0, font(caption.1))
        .margin((10.0 * scale) as u32)
        .margin_right((24.0 * scale) as u32)
        .x_label_area_size((44.0 * scale) as u32)
        .y_label_area_size((78.0 * scale) as u32)
        .build_cartesian_2d(0.0..xmax, 0.0..ymax)
        .s()?;
    chart
        .configure_mesh()
        .x_labels(if full_title { 8 } else { 4 })
        .y_labels(8)
        .x_label_formatter(&|x| fmt_num(*x))
        .y_label_formatter(&|y| fmt_num(*y))
        .x_desc(format!("budget over {days}, CNY"))
        .y_desc(format!("expected viewers over {days}"))
        .label_style(font(13.0 * scale))
        .axis_desc_style(font(14.0 * scale))
        .light_line_style(GRID_LIGHT)
        .bold_line_style(GRID_BOLD)
        .draw()
        .s()?;
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let mut placer = Placer::new(Rect {
        left: xr.start,
        top: yr.start,
        right: xr.end,
        bottom: yr.end,
    });
    let coord = chart.as_coord_spec().clone();
    let px = |p: (f64, f64)| coord.translate(&p);
    // The legend (lower right), as plotters sizes it: widest label plus
    // the mark, one row per entry.
    let legend_size = 13.0 * scale;
    let mut legend = vec!["the plan"];
    if !f.points.is_empty() {
        legend.push("max viewers for the budget");
    }
    if !f.what_if.is_empty() {
        legend.push("what-if budgets");
    }
    let legend_w = legend
        .iter()
        .map(|l| text_width_px(l, legend_size))
        .fold(0.0, f64::max) as i32
        + 50;
    let legend_h = (legend.len() as f64 * (legend_size + 6.0)) as i32 + 16;
    placer.reserve(Rect {
        left: xr.end - legend_w - 10,
        top: yr.end - legend_h - 10,
        right: xr.end,
        bottom: yr.end,
    });
    let line = RGBColor(31, 119, 180);
    if !f.points.is_empty() {
        chart
            .draw_series(LineSeries::new(
                f.points.iter().map(|p| (p.budget_cny, p.viewers)),
                line.stroke_width(2),
            ))
            .s()?
            .label("max viewers for the budget")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], line.stroke_width(3))
            });
        chart
            .draw_series(
                f.points
                    .iter()
                    .map(|p| Circle::new((p.budget_cny, p.viewers), 3, line.filled())),
            )
            .s()?;
    } else {
        let text = "frontier not computed (no plan request)";
        let (w, h, _) = label_extent(text, 14.0 * scale);
        if let Some(r) = placer.place(&[Rect::at(xr.start + 12, yr.start + 12, w, h)]) {
            draw_label(area, text, 14.0 * scale, BLACK, r)?;
        }
    }
    let what_if = RGBColor(170, 110, 0);
    for p in &f.what_if {
        chart
            .draw_series([TriangleMarker::new(
                (p.budget_cny, p.viewers),
                8,
                what_if.filled(),
            )])
            .s()?;
        placer.reserve(Rect::around(px((p.budget_cny, p.viewers)), 8));
    }
    if plan_ok {
        placer.reserve(Rect::around(px(plan_pt), 8));
    }
    let target_red = RGBColor(214, 39, 40);
    if let Some((t, text)) = &target {
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, *t), (xmax, *t)],
                8,
                5,
                target_red.stroke_width(2),
            ))
            .s()?;
        // Just above the line at the left, else below it, else at the right.
        let size = 14.0 * scale;
        let room = f64::from(xr.end - xr.start) * 0.45;
        let (text, size) = fit_text(text, size, 10.0 * scale, room);
        let (w, h, _) = label_extent(&text, size);
        let y = px((0.0, *t)).1;
        let (left, right) = (xr.start + 6, xr.end - 6 - w);
        let spots = [
            Rect::at(left, y - 3 - h, w, h),
            Rect::at(left, y + 4, w, h),
            Rect::at(right, y - 3 - h, w, h),
            Rect::at(right, y + 4, w, h),
        ];
        if let Some(r) = placer.place(&spots) {
            draw_label(area, &text, size, target_red, r)?;
        }
    }
    if plan_ok {
        chart
            .draw_series([
                Circle::new(plan_pt, 7, BLACK.filled()),
                Circle::new(plan_pt, 7, WHITE.stroke_width(1)),
            ])
            .s()?
            .label("the plan")
            .legend(|(x, y)| Circle::new((x + 9, y), 5, BLACK.filled()));
        let size = 14.0 * scale;
        let text = format!(
            "plan {} CNY → {} viewers",
            fmt_num(plan_pt.0),
            fmt_num(plan_pt.1)
        );
        let (w, h, _) = label_extent(&text, size);
        if let Some(r) = placer.place(&around_marker(px(plan_pt), 7, (w, h))) {
            draw_label(area, &text, size, BLACK, r)?;
        }
        if full_title && plan.metric != Metric::Viewers {
            let text = format!(
                "The plan is the cheapest way to its {unit}, not to viewers: it may sit below this viewers frontier."
            );
            let (text, size) = fit_text(
                &text,
                13.0 * scale,
                10.0 * scale,
                f64::from(xr.end - xr.start) - 24.0,
            );
            let (w, h, _) = label_extent(&text, size);
            if let Some(r) = placer.place(&[Rect::at(xr.start + 12, yr.start + 8, w, h)]) {
                draw_label(area, &text, size, BLACK, r)?;
            }
        }
    }
    if full_title {
        // Labelled where there is room; every what-if is in whatif.csv.
        for p in &f.what_if {
            let text = format!(
                "what-if {} CNY → {}",
                fmt_num(p.budget_cny),
                fmt_num(p.viewers)
            );
            let size = 13.0 * scale;
            let (w, h, _) = label_extent(&text, size);
            let at_px = px((p.budget_cny, p.viewers));
            if let Some(r) = placer.place(&around_marker(at_px, 8, (w, h))) {
                draw_label(area, &text, size, BLACK, r)?;
            }
        }
    }
    if !f.what_if.is_empty() {
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
            .s()?
            .label("what-if budgets")
            .legend(move |(x, y)| TriangleMarker::new((x + 9, y), 6, what_if.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(GRID_BOLD)
        .label_font(font(legend_size))
        .draw()
        .s()?;
    Ok(())
}
