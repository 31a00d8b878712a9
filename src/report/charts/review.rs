//! `review.png`: per channel, the viewers the run planned, what its curves
//! predicted at the spend actually spent, and the viewers that came.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::builder::{GRID_BOLD, GRID_LIGHT, LAST_GREY, Msg, at, font};
use super::font::fit_text;
use super::layout::{TextLog, TextRecorder};
use super::{ChartError, encode_png, ensure_font, paint};
use crate::report::table::fmt_num;
use crate::review::{Review, ReviewRow};

const WIDTH: u32 = 1100;
const ROW_PX: u32 = 64;
const HEAD_PX: u32 = 130;
/// Width of the channel names, px.
const NAMES_PX: u32 = 190;

/// Size of review.png for `channels` channels.
pub fn review_size(channels: usize) -> (u32, u32) {
    (WIDTH, HEAD_PX + 70 + ROW_PX * channels.max(1) as u32)
}

/// The bars' colours: planned, predicted at the spend spent, actual.
const BARS: [RGBColor; 3] = [LAST_GREY, RGBColor(158, 202, 225), RGBColor(31, 119, 180)];

fn values(r: &ReviewRow) -> [f64; 3] {
    [
        r.planned_viewers,
        r.predicted_viewers.unwrap_or(f64::NAN),
        r.actual_viewers,
    ]
}

fn draw(
    area: &DrawingArea<impl DrawingBackend, Shift>,
    rv: &Review,
    lang: crate::lang::Lang,
) -> Result<(), String> {
    let w = crate::report::i18n::words(lang);
    let (head, body) = area.split_vertically(HEAD_PX);
    let title = w.review_png_title(
        &rv.first_day,
        &rv.last_day,
        rv.days_covered,
        rv.horizon_days,
    );
    let max_px = (WIDTH - 40) as f64;
    let [headline, split] = rv.lines(lang);
    let lines = [(title, 18.0), (headline, 13.0), (split, 13.0)];
    let mut y = 18;
    for (text, size) in lines {
        let (text, size) = fit_text(&text, size, 9.0, max_px);
        head.draw(&Text::new(
            text,
            (20, y),
            at(font(size), HPos::Left, VPos::Center),
        ))
        .s()?;
        y += 30;
    }
    let mut x = 20;
    for (name, colour) in w.review_png_bars().into_iter().zip(BARS) {
        head.draw(&Rectangle::new(
            [(x, y - 6), (x + 18, y + 6)],
            colour.filled(),
        ))
        .s()?;
        head.draw(&Text::new(
            name,
            (x + 24, y),
            at(font(13.0), HPos::Left, VPos::Center),
        ))
        .s()?;
        x += 44 + (super::font::text_width_px(name, 13.0) as i32);
    }
    let n = rv.channels.len().max(1);
    let xmax = rv
        .channels
        .iter()
        .flat_map(values)
        .filter(|v| v.is_finite())
        .fold(1.0, f64::max)
        * 1.18;
    let mut chart = ChartBuilder::on(&body)
        .margin(14)
        .margin_right(30)
        .x_label_area_size(44)
        .y_label_area_size(NAMES_PX)
        .build_cartesian_2d(0.0..xmax, 0.0..n as f64)
        .s()?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(6)
        .x_label_formatter(&|x| fmt_num(*x))
        .x_desc(w.review_png_axis())
        .label_style(font(12.0))
        .axis_desc_style(font(13.0))
        .light_line_style(GRID_LIGHT)
        .bold_line_style(GRID_BOLD)
        .draw()
        .s()?;
    for (i, r) in rv.channels.iter().enumerate() {
        let top = (n - i) as f64;
        for (k, colour) in BARS.iter().enumerate() {
            let v = values(r)[k];
            if !v.is_finite() {
                continue;
            }
            let y0 = top - 0.14 - 0.24 * k as f64;
            chart
                .draw_series([Rectangle::new(
                    [(0.0, y0 - 0.2), (v.max(0.0), y0)],
                    colour.filled(),
                )])
                .s()?;
            chart
                .draw_series([Text::new(
                    fmt_num(v),
                    (v.max(0.0) + xmax * 0.006, y0 - 0.1),
                    at(font(11.0), HPos::Left, VPos::Center),
                )])
                .s()?;
        }
        let (label, lsize) = fit_text(&r.channel, 14.0, 10.0, (NAMES_PX - 16) as f64);
        let (px, py) = chart.backend_coord(&(0.0, top - 0.5));
        let (bx, by) = body.get_base_pixel();
        body.draw(&Text::new(
            label,
            (px - bx - 8, py - by),
            at(font(lsize), HPos::Right, VPos::Center),
        ))
        .s()?;
    }
    Ok(())
}

fn render(
    rv: &Review,
    lang: crate::lang::Lang,
    log: Option<&TextLog>,
) -> Result<Vec<u8>, ChartError> {
    ensure_font()?;
    let (w, h) = review_size(rv.channels.len());
    let mut buf = vec![255u8; w as usize * h as usize * 3];
    {
        let backend = BitMapBackend::with_buffer(&mut buf, (w, h));
        match log {
            Some(log) => paint("review.png", TextRecorder::new(backend, log), |root| {
                draw(root, rv, lang)
            })?,
            None => paint("review.png", backend, |root| draw(root, rv, lang))?,
        }
    }
    encode_png(&buf, w, h).map_err(|source| ChartError::Encode {
        chart: "review.png",
        source,
    })
}

/// `review.png` bytes, its words in `lang`.
pub fn review_png(rv: &Review, lang: crate::lang::Lang) -> Result<Vec<u8>, ChartError> {
    render(rv, lang, None)
}

/// `review.png` drawn through a [`TextRecorder`]: the bytes and every
/// text overlap or text outside the image.
pub fn review_png_checked(
    rv: &Review,
    lang: crate::lang::Lang,
) -> Result<(Vec<u8>, Vec<super::TextProblem>), ChartError> {
    let log = TextLog::new();
    let png = render(rv, lang, Some(&log))?;
    let problems = super::text_problems(&log.take(), review_size(rv.channels.len()));
    Ok((png, problems))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(channel: &str, planned: f64, predicted: Option<f64>, actual: f64) -> ReviewRow {
        ReviewRow {
            room: String::new(),
            channel: channel.into(),
            planned_spend_cny: planned * 0.8,
            planned_viewers: planned,
            actual_spend_cny: actual * 0.8,
            flagged_spend_cny: 0.0,
            actual_viewers: actual,
            predicted_viewers: predicted,
            execution_viewers: predicted.unwrap_or(0.0) - planned,
            fake_traffic_viewers: 0.0,
            prediction_viewers: predicted.map_or(0.0, |p| actual - p),
            unsplit_viewers: if predicted.is_none() {
                actual - planned
            } else {
                0.0
            },
            note: String::new(),
        }
    }

    #[test]
    fn no_text_overlaps_or_leaves_the_image_with_long_and_chinese_names() {
        for n in [1, 3, 8, 14] {
            let channels: Vec<ReviewRow> = (0..n)
                .map(|i| {
                    let name = match i % 3 {
                        0 => format!("巨量千川_直播间成交_{i}"),
                        1 => format!("a_very_long_affiliate_coupon_network_name_{i}"),
                        _ => format!("ch{i}"),
                    };
                    let base = 1_000.0 * (i as f64 + 1.0).powi(2);
                    let predicted = (i % 4 != 3).then_some(base * 1.05);
                    row(&name, base, predicted, base * 0.97)
                })
                .collect();
            let mut total = row("", 0.0, Some(0.0), 0.0);
            for c in &channels {
                total.add_for_test(c);
            }
            let rv = Review {
                first_day: "2026-11-23".into(),
                last_day: "2026-11-29".into(),
                horizon_days: 7,
                days_covered: 5,
                period_days: 1,
                flagged_rows: 2,
                lanes: channels.clone(),
                channels,
                total,
            };
            for lang in [crate::lang::Lang::En, crate::lang::Lang::Zh] {
                let (png, problems) = review_png_checked(&rv, lang).unwrap();
                assert!(problems.is_empty(), "{n} channels, {lang:?}: {problems:?}");
                assert_eq!(&png[1..4], b"PNG");
                // The same review gives the same bytes.
                assert_eq!(review_png(&rv, lang).unwrap(), png);
            }
        }
    }
}
