//! `scoreboard.png`: per family, the median (bar) and P90 (whisker) of the
//! regret and of the completed regret, acqplan beside the two baselines,
//! drawn with plotters in the bundled chart font
//! ([`crate::report::charts::ensure_font`]).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Method;
use super::board::Summary;
use crate::report::charts::{FONT_FAMILY, encode_png, ensure_font};

/// Regret beyond this is drawn cut at the edge (its value written beside).
const X_MAX_CAP: f64 = 1.0;

fn colour(m: Method) -> RGBColor {
    match m {
        Method::Acqplan => RGBColor(31, 119, 180),
        Method::BusinessAsUsual => RGBColor(255, 127, 14),
        Method::Naive => RGBColor(120, 120, 120),
    }
}

fn label(m: Method) -> &'static str {
    match m {
        Method::Acqplan => "acqplan",
        Method::BusinessAsUsual => "business as usual",
        Method::Naive => "naive rule (cheapest cost per viewer first)",
    }
}

type Pick = fn(&Summary) -> (f64, f64);

/// One panel: `pick` gives (median, P90) of a summary.
fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    families: &[&str],
    summaries: &[Summary],
    pick: Pick,
    title: &str,
    names: bool,
    legend: bool,
) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let n = families.len().max(1);
    let get = |f: &str, m: Method| summaries.iter().find(|s| s.family == f && s.method == m);
    let (lo, hi) = summaries
        .iter()
        .flat_map(|s| {
            let (a, b) = pick(s);
            [a, b]
        })
        .filter(|x| x.is_finite())
        .fold((0.0f64, 0.05f64), |(a, b), x| (a.min(x), b.max(x)));
    let x_min = if lo < 0.0 {
        (lo * 1.05).max(-1.0) - 0.02
    } else {
        0.0
    };
    let x_max = (hi * 1.25).min(X_MAX_CAP);
    let (w, _) = area.dim_in_pixel();
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT_FAMILY, 20).into_font())
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(if names { 150 } else { 8 })
        .build_cartesian_2d(x_min..x_max, 0f64..n as f64)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(8)
        .x_label_formatter(&|v| format!("{:.0} %", v * 100.0))
        .label_style((FONT_FAMILY, 15).into_font())
        .draw()
        .map_err(|e| err(&e))?;
    let name_style = (FONT_FAMILY, 16)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Right, VPos::Center));
    let value_style = (FONT_FAMILY, 12)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    // Zero line.
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (0.0, n as f64)],
            BLACK.mix(0.6),
        )))
        .map_err(|e| err(&e))?;
    for (i, f) in families.iter().enumerate() {
        let base = (n - 1 - i) as f64;
        if names {
            let (px, py) = chart.backend_coord(&(x_min, base + 0.5));
            area.draw_text(
                f,
                &name_style,
                (
                    px - 8 - area.get_base_pixel().0,
                    py - area.get_base_pixel().1,
                ),
            )
            .map_err(|e| err(&e))?;
        }
        if i > 0 {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x_min, base + 1.0), (x_max, base + 1.0)],
                    RGBColor(220, 220, 220),
                )))
                .map_err(|e| err(&e))?;
        }
        for (j, m) in Method::ALL.iter().enumerate() {
            let Some(s) = get(f, *m) else { continue };
            let y = base + 0.5 + (1.0 - j as f64) * 0.28;
            let c = colour(*m);
            let (med, p90) = pick(s);
            if med.is_finite() {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(0.0, y - 0.12), (med.clamp(x_min, x_max), y + 0.12)],
                        c.filled(),
                    )))
                    .map_err(|e| err(&e))?;
            }
            if p90.is_finite() && med.is_finite() {
                let (a, b) = (med.clamp(x_min, x_max), p90.clamp(x_min, x_max));
                chart
                    .draw_series([
                        PathElement::new(vec![(a, y), (b, y)], c.stroke_width(2)),
                        PathElement::new(vec![(b, y - 0.1), (b, y + 0.1)], c.stroke_width(2)),
                    ])
                    .map_err(|e| err(&e))?;
            }
            let text = if med.is_finite() {
                let cut = if p90 > x_max || med > x_max {
                    " ▶"
                } else {
                    ""
                };
                format!("{:.1} %{cut}", 100.0 * med)
            } else {
                "no plan".into()
            };
            let at = if med.is_finite() {
                med.max(p90).clamp(0.0, x_max)
            } else {
                0.0
            };
            let (tx, ty) = chart.backend_coord(&(at, y));
            let (bx, by) = area.get_base_pixel();
            let tx = (tx - bx).min(w as i32 - 70);
            area.draw_text(&text, &value_style, (tx + 5, ty - by))
                .map_err(|e| err(&e))?;
        }
    }
    if legend {
        for m in Method::ALL {
            let c = colour(m);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, -1.0), (0.0, -1.0)],
                    c.filled(),
                )))
                .map_err(|e| err(&e))?
                .label(label(m))
                .legend(move |(x, y)| Rectangle::new([(x, y - 7), (x + 18, y + 7)], c.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.92))
            .border_style(BLACK)
            .label_font((FONT_FAMILY, 15).into_font())
            .draw()
            .map_err(|e| err(&e))?;
    }
    Ok(())
}

/// The chart as PNG bytes; `title` goes on top.
pub fn regret_png(summaries: &[Summary], title: &str) -> Result<Vec<u8>, String> {
    ensure_font().map_err(|e| e.to_string())?;
    let mut families: Vec<&str> = Vec::new();
    for s in summaries {
        if !families.contains(&s.family) {
            families.push(s.family);
        }
    }
    let n = families.len().max(1) as u32;
    let (w, h) = (1800u32, 190 + 56 * n);
    let mut buf = vec![255u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        let err = |e: &dyn std::fmt::Display| e.to_string();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let root = root
            .titled(title, (FONT_FAMILY, 24).into_font())
            .map_err(|e| err(&e))?;
        let (top, foot) = root.split_vertically(h - 80);
        let (left, right) = top.split_horizontally(1000);
        panel(
            &left,
            &families,
            summaries,
            |s| (s.median_regret, s.p90_regret),
            "regret = spend ÷ optimum − 1 (budget: 1 − viewers ÷ optimum's); < 0 only by falling short",
            true,
            false,
        )?;
        panel(
            &right,
            &families,
            summaries,
            |s| (s.median_completed_regret, s.p90_completed_regret),
            "completed regret: shortfall bought at the least extra cost",
            false,
            true,
        )?;
        foot.draw_text(
            "bars: median over seeds; lines: to the P90; ▶ beyond the axis (value written). Truth, targets and baselines: src/scoreboard/ docs.",
            &(FONT_FAMILY, 15).into_font().color(&BLACK),
            (20, 30),
        )
        .map_err(|e| err(&e))?;
        root.present().map_err(|e| err(&e))?;
    }
    encode_png(&buf, w, h).map_err(|e| e.to_string())
}
