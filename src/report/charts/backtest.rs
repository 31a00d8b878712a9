//! `backtest.png`: each held-out week's viewers over all lanes, actual vs
//! predicted by acqplan and by the two naive rules.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::builder::{GRID_BOLD, GRID_LIGHT, Msg, font};
use super::{ChartError, encode_png, ensure_font, paint};
use crate::backtest::Backtest;
use crate::contract::calendar::format_date;
use crate::report::table::fmt_num;

const SIZE: (u32, u32) = (960, 460);

fn draw(area: &DrawingArea<impl DrawingBackend, Shift>, b: &Backtest) -> Result<(), String> {
    let weeks = b.weekly_totals();
    let n = weeks.len().max(1);
    let ymax = weeks
        .iter()
        .flat_map(|w| w.1)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        .max(1.0)
        * 1.15;
    let title = format!(
        "Backtest: viewers per week, each week predicted from the days before it ({} weeks)",
        weeks.len()
    );
    let mut chart = ChartBuilder::on(area)
        .caption(title, font(17.0))
        .margin(12)
        .margin_right(24)
        .x_label_area_size(46)
        .y_label_area_size(80)
        .build_cartesian_2d(-0.5..(n as f64 - 0.5), 0.0..ymax)
        .s()?;
    let labels: Vec<String> = weeks.iter().map(|w| format_date(w.0)).collect();
    chart
        .configure_mesh()
        .x_labels(n.min(10))
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|y| fmt_num(*y))
        .x_desc("week starting")
        .y_desc("viewers (all lanes, paid days)")
        .label_style(font(12.0))
        .axis_desc_style(font(13.0))
        .light_line_style(GRID_LIGHT)
        .bold_line_style(GRID_BOLD)
        .draw()
        .s()?;
    let series = [
        ("actual", RGBColor(0, 0, 0), 0usize, false),
        ("acqplan", RGBColor(31, 119, 180), 1, false),
        (
            "naive: last 28 days' viewers per CNY",
            RGBColor(255, 127, 14),
            2,
            true,
        ),
        (
            "per-lane log-log regression",
            RGBColor(140, 140, 140),
            3,
            true,
        ),
    ];
    for (name, colour, k, dashed) in series {
        let pts: Vec<(f64, f64)> = weeks
            .iter()
            .enumerate()
            .map(|(i, w)| (i as f64, w.1[k]))
            .collect();
        let style = colour.stroke_width(if k <= 1 { 3 } else { 2 });
        if dashed {
            chart
                .draw_series([DashedPathElement::new(pts.clone(), 8, 5, style)])
                .s()?
                .label(name)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
        } else {
            chart
                .draw_series(LineSeries::new(pts.clone(), style))
                .s()?
                .label(name)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
        }
        chart
            .draw_series(pts.iter().map(|&p| Circle::new(p, 3, colour.filled())))
            .s()?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(GRID_BOLD)
        .label_font(font(12.0))
        .draw()
        .s()?;
    Ok(())
}

/// `backtest.png` bytes.
pub fn backtest_png(b: &Backtest) -> Result<Vec<u8>, ChartError> {
    ensure_font()?;
    let (w, h) = SIZE;
    let mut buf = vec![255u8; w as usize * h as usize * 3];
    paint(
        "backtest.png",
        BitMapBackend::with_buffer(&mut buf, (w, h)),
        |root| draw(root, b),
    )?;
    encode_png(&buf, w, h).map_err(|source| ChartError::Encode {
        chart: "backtest.png",
        source,
    })
}
