//! `backtest.png`: each held-out week's viewers over all lanes, actual vs
//! predicted by acqplan and by the two naive rules.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::builder::{GRID_BOLD, GRID_LIGHT, Msg, font};
use super::layout::{TextLog, TextRecorder};
use super::{ChartError, encode_png, ensure_font, paint};
use crate::backtest::Backtest;
use crate::contract::calendar::format_date;
use crate::report::table::fmt_num;

const SIZE: (u32, u32) = (960, 460);

fn draw(
    area: &DrawingArea<impl DrawingBackend, Shift>,
    b: &Backtest,
    lang: crate::lang::Lang,
) -> Result<(), String> {
    let w = crate::report::i18n::words(lang);
    let weeks = b.weekly_totals();
    let n = weeks.len().max(1);
    let ymax = weeks
        .iter()
        .flat_map(|w| w.1)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        .max(1.0)
        * 1.15;
    let title = w.backtest_png_title(weeks.len());
    let [x_desc, y_desc] = w.backtest_png_axes();
    let names = w.backtest_png_series();
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
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style(font(12.0))
        .axis_desc_style(font(13.0))
        .light_line_style(GRID_LIGHT)
        .bold_line_style(GRID_BOLD)
        .draw()
        .s()?;
    let series = [
        (names[0], RGBColor(0, 0, 0), 0usize, false),
        (names[1], RGBColor(31, 119, 180), 1, false),
        (names[2], RGBColor(255, 127, 14), 2, true),
        (names[3], RGBColor(140, 140, 140), 3, true),
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

fn render(
    b: &Backtest,
    lang: crate::lang::Lang,
    log: Option<&TextLog>,
) -> Result<Vec<u8>, ChartError> {
    ensure_font()?;
    let (w, h) = SIZE;
    let mut buf = vec![255u8; w as usize * h as usize * 3];
    {
        let backend = BitMapBackend::with_buffer(&mut buf, (w, h));
        match log {
            Some(log) => paint("backtest.png", TextRecorder::new(backend, log), |root| {
                draw(root, b, lang)
            })?,
            None => paint("backtest.png", backend, |root| draw(root, b, lang))?,
        }
    }
    encode_png(&buf, w, h).map_err(|source| ChartError::Encode {
        chart: "backtest.png",
        source,
    })
}

/// `backtest.png` bytes, its words in `lang`.
pub fn backtest_png(b: &Backtest, lang: crate::lang::Lang) -> Result<Vec<u8>, ChartError> {
    render(b, lang, None)
}

/// `backtest.png` drawn through a [`TextRecorder`]: the same bytes and
/// every text overlap or text outside the image.
pub fn backtest_png_checked(
    b: &Backtest,
    lang: crate::lang::Lang,
) -> Result<(Vec<u8>, Vec<super::TextProblem>), ChartError> {
    let log = TextLog::new();
    let png = render(b, lang, Some(&log))?;
    let problems = super::text_problems(&log.take(), SIZE);
    Ok((png, problems))
}
