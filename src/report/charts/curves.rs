//! `curves.png`: one panel per lane (history, screened fake traffic, the
//! fitted curve with its band, last period and plan), under a title and
//! legend strip.

use crate::report::i18n::Label;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::builder::{Drawn, FAKE_MARK, Frame, LAST_GREY, Msg, at, finite_max, font, upper};
use super::font::{fit_text, printable, text_width_px};
use super::{LaneView, View};
use crate::report::table::fmt_num;

/// Height of the title and legend strip of `curves.png`, px.
pub(crate) const CURVES_HEADER_PX: u32 = 70;

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
    let w = v.words();
    let what = w.curves_what(v.input.series.period_days());
    let pooled = lanes.iter().any(|l| l.room == crate::validate::ONE_ROOM);
    if width >= CURVES_WIDE_PX {
        let (title, size) = fit_text(&w.curves_title(&v.when(), Some(&what)), 22.0, 14.0, room);
        header.draw_text(&title, &font(size), (12, 8)).s()?;
        draw_curves_legend(&header, 12, &[44], room, pooled, w)?;
    } else {
        let (title, size) = fit_text(&w.curves_title(&v.when(), None), 22.0, 14.0, room);
        header.draw_text(&title, &font(size), (12, 8)).s()?;
        let (what, size) = fit_text(&what, 15.0, 11.0, room);
        header.draw_text(&what, &font(size), (12, 38)).s()?;
        draw_curves_legend(&header, 12, &[70, 92], room, pooled, w)?;
    }
    let n = lanes.len().max(1);
    let cols = n.min(super::CURVES_COLUMNS);
    let rows = n.div_ceil(super::CURVES_COLUMNS);
    let areas = body.split_evenly((rows, cols));
    for (area, lane) in areas.iter().zip(lanes) {
        draw_lane_panel(area, v, lane, 1.0)?;
    }
    if lanes.is_empty() {
        body.draw_text(w.label(Label::NoCurves), &font(18.0), (12, 12))
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
    w: &dyn crate::report::i18n::Words,
) -> Drawn {
    const SIZE: f64 = 13.0;
    const GAP: f64 = 28.0;
    let label = at(font(SIZE), HPos::Left, VPos::Center);
    let fake = w.label(if pooled {
        Label::FakeDay
    } else {
        Label::FakeRow
    });
    let entries = [
        (CurvesMark::History, w.label(Label::DailyHistory)),
        (CurvesMark::Fake, fake),
        (CurvesMark::Band, w.label(Label::FittedBand)),
        (CurvesMark::Last, w.label(Label::LastPeriod)),
        (CurvesMark::Plan, w.label(Label::PlanPerDay)),
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
        notes.push(v.words().curves_fake_above(off_scale));
    }
    if lane.fitted.is_none() {
        notes.push(v.words().label(Label::NoUsableCurve).to_string());
    } else if lane.row.is_some_and(|r| r.extrapolation) {
        notes.push(v.words().label(Label::PlanBeyondHistory).to_string());
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
    let frame = Frame {
        scale,
        caption: None,
        margin: 6.0,
        margin_right: 14.0,
        x_label_area: 36.0,
        y_label_area: 58.0,
        x_labels: 4,
        y_labels: 5,
        x_format: |x| fmt_num(*x),
        y_format: |y| fmt_num(*y),
        x_desc: v.words().label(Label::AxisSpendPerDay).to_string(),
        y_desc: Some(v.words().label(Label::AxisViewersPerDay).to_string()),
        label_size: 11.0,
        axis_desc_size: 12.0,
        y_mesh: true,
    };
    let mut chart = frame.build(&area, 0.0..xmax, 0.0..ymax)?;
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
