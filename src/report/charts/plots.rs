//! The four charts, each drawn on any plotters drawing area (full size in
//! their own PNG, small in the summary).

use std::fmt::Display;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::font::{FONT_FAMILY, printable};
use super::{ChannelAlloc, Frontier, LaneView, View};
use crate::plan::{Metric, fmt_num};

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

fn at(style: TextStyle<'static>, h: HPos, v: VPos) -> TextStyle<'static> {
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

// ------------------------------------------------------------- curves ---

pub(crate) fn draw_curves<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    v: &View,
    lanes: &[&LaneView],
) -> Drawn {
    let (header, body) = root.split_vertically(CURVES_HEADER_PX);
    let title = format!(
        "Response curves{}: viewers/day against spend/day, fitted on the daily history",
        v.when()
    );
    header.draw_text(&title, &font(22.0), (12, 8)).s()?;
    draw_curves_legend(&header, 12, 44, 1.0)?;
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

pub(crate) fn draw_curves_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    x0: i32,
    y: i32,
    scale: f64,
) -> Drawn {
    let f = font(13.0 * scale);
    let label = at(f, HPos::Left, VPos::Center);
    let step = |w: f64| (w * scale) as i32;
    let mut x = x0;
    area.draw(&Circle::new((x + 5, y), 3, BLUE.mix(0.5).filled()))
        .s()?;
    area.draw_text("daily history", &label, (x + 14, y)).s()?;
    x += step(120.0);
    area.draw(&Cross::new((x + 5, y), 4, FAKE_MARK.stroke_width(2)))
        .s()?;
    area.draw_text(
        &printable("screened fake traffic (▲ above the scale)"),
        &label,
        (x + 14, y),
    )
    .s()?;
    x += step(300.0);
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
    area.draw_text("fitted curve, P10–P90 band", &label, (x + 30, y))
        .s()?;
    x += step(225.0);
    area.draw(&DashedPathElement::new(
        vec![(x + 10, y - 8), (x + 10, y + 8)],
        3,
        3,
        LAST_GREY.stroke_width(2),
    ))
    .s()?;
    area.draw_text("last period, avg spend/day", &label, (x + 20, y))
        .s()?;
    x += step(215.0);
    area.draw(&PathElement::new(
        vec![(x + 10, y - 8), (x + 10, y + 8)],
        BLUE.stroke_width(2),
    ))
    .s()?;
    area.draw(&Circle::new((x + 10, y), 4, BLUE.filled())).s()?;
    area.draw_text("plan, spend/day", &label, (x + 20, y)).s()?;
    Ok(())
}

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
    let mut title = lane.name();
    if off_scale > 0 {
        title.push_str(&format!(" ({off_scale} fake above scale)"));
    }
    if lane.fitted.is_none() {
        title.push_str(" (no usable curve)");
    } else if lane.row.is_some_and(|r| r.extrapolation) {
        title.push_str(" (plan beyond history)");
    }
    let mut chart = ChartBuilder::on(area)
        .caption(title, font(16.0 * scale))
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
    let mut chart = ChartBuilder::on(area)
        .caption(title, font(if full_title { 20.0 } else { 17.0 } * scale))
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
    if let Some(p) = shadow {
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, p), (xmax, p)],
                8,
                5,
                BLACK.stroke_width(2),
            ))
            .s()?;
        chart
            .draw_series(std::iter::once(Text::new(
                format!("shadow price {} CNY per viewer", cny2(p)),
                (xmax * 0.99, p),
                at(font(14.0 * scale), HPos::Right, VPos::Bottom),
            )))
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
    let mut chart = ChartBuilder::on(area)
        .caption(title, font(if full_title { 20.0 } else { 17.0 } * scale))
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
        area.draw_text(
            &printable(r.channel),
            &at(font(14.0 * scale), HPos::Right, VPos::Center),
            (px - base.0 - 8, py - base.1),
        )
        .s()?;
    }
    Ok(())
}

// ------------------------------------------------------------ frontier ---

pub(crate) fn draw_frontier<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    v: &View,
    f: &Frontier,
    scale: f64,
    full_title: bool,
) -> Drawn {
    let plan = &v.input.report.plan;
    let target = v
        .target()
        .filter(|t| plan.metric == Metric::Viewers && *t > 0.0);
    let plan_pt = (plan.totals.spend_cny, plan.totals.viewers);
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
                .chain([plan_pt.1, target.unwrap_or(0.0)]),
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
    let mut chart = ChartBuilder::on(area)
        .caption(title, font(if full_title { 20.0 } else { 17.0 } * scale))
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
        chart
            .draw_series(std::iter::once(Text::new(
                "frontier not computed (no plan request)".to_string(),
                (xmax * 0.05, ymax * 0.95),
                at(font(14.0 * scale), HPos::Left, VPos::Top),
            )))
            .s()?;
    }
    if let Some(t) = target {
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, t), (xmax, t)],
                8,
                5,
                RGBColor(214, 39, 40).stroke_width(2),
            ))
            .s()?;
        chart
            .draw_series(std::iter::once(Text::new(
                format!("target {} viewers", fmt_num(t)),
                (xmax * 0.01, t),
                at(font(14.0 * scale), HPos::Left, VPos::Bottom),
            )))
            .s()?;
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
        if full_title {
            chart
                .draw_series(std::iter::once(Text::new(
                    format!(
                        "what-if {} CNY → {}",
                        fmt_num(p.budget_cny),
                        fmt_num(p.viewers)
                    ),
                    (p.budget_cny + xmax * 0.012, p.viewers),
                    at(font(13.0 * scale), HPos::Left, VPos::Top),
                )))
                .s()?;
        }
    }
    if plan_pt.0.is_finite() && plan_pt.1.is_finite() {
        chart
            .draw_series([
                Circle::new(plan_pt, 7, BLACK.filled()),
                Circle::new(plan_pt, 7, WHITE.stroke_width(1)),
            ])
            .s()?
            .label("the plan")
            .legend(|(x, y)| Circle::new((x + 9, y), 5, BLACK.filled()));
        chart
            .draw_series(std::iter::once(Text::new(
                format!(
                    "plan {} CNY → {} viewers",
                    fmt_num(plan_pt.0),
                    fmt_num(plan_pt.1)
                ),
                (plan_pt.0 + xmax * 0.015, plan_pt.1),
                at(font(14.0 * scale), HPos::Left, VPos::Top),
            )))
            .s()?;
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
        .label_font(font(13.0 * scale))
        .draw()
        .s()?;
    Ok(())
}
