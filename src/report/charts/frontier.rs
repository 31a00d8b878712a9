//! `frontier.png` (and its summary panel): the most viewers each budget
//! buys, the plan, the target and the what-if budgets.

use crate::report::i18n::Label;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::builder::{
    Drawn, Frame, Msg, draw_label, draw_legend, finite_max, fit_caption, plot_rect, upper,
};
use super::font::{fit_text, text_width_px};
use super::layout::{Placer, Rect, label_extent};
use super::{Frontier, View};
use crate::plan::{Metric, PlanStatus};

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
    let words = v.words();
    // The target as a line in viewers: the target itself for a viewers
    // plan; for orders or GMV the viewers the plan buys to reach it (the
    // frontier is in viewers, and a metric per viewer depends on the mix).
    let target: Option<(f64, String)> =
        v.target()
            .filter(|t| t.is_finite() && *t > 0.0)
            .and_then(|t| {
                let reachable = plan.status != PlanStatus::Infeasible;
                if plan.metric == Metric::Viewers {
                    Some((t, words.fr_target(t, None, reachable)))
                } else if plan_ok && plan_pt.1 > 0.0 {
                    let short = words.fr_target(t, Some(plan.metric), reachable);
                    Some((
                        plan_pt.1,
                        if full_title {
                            words.fr_target_viewers(&short, plan_pt.1)
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
    let title = words.fr_title(&days, &v.when(), full_title);
    let frame = Frame {
        y_label_area: 78.0,
        ..Frame::chart(
            fit_caption(area, &title, full_title, scale),
            scale,
            full_title,
            words.fr_axis_x(&days),
            Some(words.fr_axis_y(&days)),
        )
    };
    let mut chart = frame.build(area, 0.0..xmax, 0.0..ymax)?;
    let plot = plot_rect(&chart);
    let (xr, yr) = (plot.left..plot.right, plot.top..plot.bottom);
    let mut placer = Placer::new(plot);
    let coord = chart.as_coord_spec().clone();
    let px = |p: (f64, f64)| coord.translate(&p);
    // The legend (lower right), as plotters sizes it: widest label plus
    // the mark, one row per entry.
    let legend_size = 13.0 * scale;
    let mut legend = vec![words.label(Label::LegendPlan)];
    if !f.points.is_empty() {
        legend.push(words.label(Label::LegendFrontier));
    }
    if !f.what_if.is_empty() {
        legend.push(words.label(Label::LegendWhatIf));
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
            .label(words.label(Label::LegendFrontier))
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
        let text = words.label(Label::NoFrontier);
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
            .label(words.label(Label::LegendPlan))
            .legend(|(x, y)| Circle::new((x + 9, y), 5, BLACK.filled()));
        let size = 14.0 * scale;
        let text = words.fr_plan(plan_pt.0, plan_pt.1);
        let (w, h, _) = label_extent(&text, size);
        if let Some(r) = placer.place(&around_marker(px(plan_pt), 7, (w, h))) {
            draw_label(area, &text, size, BLACK, r)?;
        }
        if full_title && plan.metric != Metric::Viewers {
            let text = words.fr_not_viewers(plan.metric);
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
            let text = words.fr_what_if(p.budget_cny, p.viewers);
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
            .label(words.label(Label::LegendWhatIf))
            .legend(move |(x, y)| TriangleMarker::new((x + 9, y), 6, what_if.filled()));
    }
    draw_legend(&mut chart, SeriesLabelPosition::LowerRight, legend_size)
}
