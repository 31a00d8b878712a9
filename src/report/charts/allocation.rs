//! `allocation.png` (and its summary panel): spend per channel, last
//! period against the plan, with the viewers each buys.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::builder::{Drawn, Frame, LAST_GREY, Msg, at, finite_max, fit_caption, font, upper};
use super::font::{fit_text, printable};
use super::{ChannelAlloc, View};

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
    let title = v.words().alloc_title(&days, &v.when(), full_title);
    // The channel names are drawn in the label area of the y axis.
    let names = if full_title { 170.0 } else { 120.0 };
    let names_px = (names * scale) as u32;
    let frame = Frame {
        margin_right: 20.0,
        y_label_area: names,
        y_labels: 1,
        y_format: |_| String::new(),
        y_mesh: false,
        ..Frame::chart(
            fit_caption(area, &title, full_title, scale),
            scale,
            full_title,
            v.words().alloc_axis(&days),
            None,
        )
    };
    let mut chart = frame.build(area, 0.0..xmax, 0.0..slots as f64)?;
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
                        v.words().alloc_last(r.last_spend_cny, r.last_viewers),
                        (r.last_spend_cny + xmax * 0.01, top - 0.29),
                        at(font(12.0 * scale), HPos::Left, VPos::Center),
                    ),
                    Text::new(
                        v.words().alloc_plan(r.plan_spend_cny, r.plan_viewers),
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
