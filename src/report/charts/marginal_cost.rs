//! `marginal_cost.png` (and its summary panel): the marginal cost of the
//! next viewer along each lane's curve, the plan's points and the shadow
//! price.

use crate::report::i18n::Label;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::builder::{
    Drawn, Frame, Msg, cny2, draw_label, draw_legend, finite_max, fit_caption, plot_rect, upper,
};
use super::font::{printable, text_width_px};
use super::layout::{Placer, Rect, label_extent};
use super::{LaneView, View};

/// Most lanes drawn in the marginal-cost chart.
pub(crate) const MARGINAL_COST_MAX_LANES: usize = 48;

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
        v.words().mc_title(&v.when())
    } else {
        v.words().label(Label::McShort).to_string()
    };
    let frame = Frame {
        y_format: |y| cny2(*y),
        ..Frame::chart(
            fit_caption(area, &title, full_title, scale),
            scale,
            full_title,
            v.words().label(Label::AxisSpendPerDay).to_string(),
            Some(v.words().label(Label::AxisMarginalCost).to_string()),
        )
    };
    let mut chart = frame.build(area, 0.0..xmax, 0.0..ymax)?;
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
    let plot = plot_rect(&chart);
    let (xr, yr) = (plot.left..plot.right, plot.top..plot.bottom);
    let mut placer = Placer::new(plot);
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
        let text = v.words().mc_shadow(p);
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
    draw_legend(&mut chart, SeriesLabelPosition::UpperLeft, 12.0 * scale)
}
