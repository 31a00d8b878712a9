//! What every chart shares: fonts, colours, the number helpers of the axes,
//! the caption fitted to the area, and the chart frame (caption, margins,
//! label areas, mesh and axes; the series legend) built in one place.

use std::fmt::Display;
use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::font::{FONT_FAMILY, fit_text};
use super::layout::{Rect, label_extent};
use crate::report::table::fmt_num;

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

pub(crate) fn at<'a>(style: TextStyle<'a>, h: HPos, v: VPos) -> TextStyle<'a> {
    style.pos(Pos::new(h, v))
}

/// A price in CNY with two decimals, e.g. `0.62`.
pub(crate) fn cny2(x: f64) -> String {
    format!("{x:.2}")
}

pub(crate) fn finite_max(values: impl IntoIterator<Item = f64>) -> f64 {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
}

/// A nice upper bound for an axis: `max` × 1.1, at least `floor`.
pub(crate) fn upper(max: f64, floor: f64) -> f64 {
    let m = if max.is_finite() { max * 1.1 } else { floor };
    m.max(floor)
}

/// A chart's title and its size, px: 20 (17 when small) × `scale`, shrunk
/// and then cut short to fit the area's width.
pub(crate) fn fit_caption<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    full_title: bool,
    scale: f64,
) -> (String, f64) {
    let size = if full_title { 20.0 } else { 17.0 } * scale;
    let width = f64::from(area.dim_in_pixel().0) - 24.0 * scale;
    fit_text(title, size, (size * 0.7).round(), width)
}

/// Draw `text` at `size` with its box's top-left at `r` (absolute px).
pub(crate) fn draw_label<DB: DrawingBackend>(
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

/// A chart on `f64 × f64` axes.
pub(crate) type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The frame of a chart: caption, margins, label areas and the mesh with
/// its axes. Lengths and font sizes are px at scale 1; [`Frame::build`]
/// multiplies them by `scale`.
pub(crate) struct Frame {
    pub(crate) scale: f64,
    /// The title and its size, px (already scaled, from [`fit_caption`]).
    pub(crate) caption: Option<(String, f64)>,
    pub(crate) margin: f64,
    pub(crate) margin_right: f64,
    pub(crate) x_label_area: f64,
    pub(crate) y_label_area: f64,
    pub(crate) x_labels: usize,
    pub(crate) y_labels: usize,
    pub(crate) x_format: fn(&f64) -> String,
    pub(crate) y_format: fn(&f64) -> String,
    pub(crate) x_desc: String,
    pub(crate) y_desc: Option<String>,
    pub(crate) label_size: f64,
    pub(crate) axis_desc_size: f64,
    /// Horizontal grid lines.
    pub(crate) y_mesh: bool,
}

impl Frame {
    /// The frame of a full-size chart (its own PNG, `full_title`) or of a
    /// summary panel, captioned `caption`: both axes in plain numbers.
    pub(crate) fn chart(
        caption: (String, f64),
        scale: f64,
        full_title: bool,
        x_desc: String,
        y_desc: Option<String>,
    ) -> Frame {
        Frame {
            scale,
            caption: Some(caption),
            margin: 10.0,
            margin_right: 24.0,
            x_label_area: 44.0,
            y_label_area: 64.0,
            x_labels: if full_title { 8 } else { 4 },
            y_labels: 8,
            x_format: |x| fmt_num(*x),
            y_format: |y| fmt_num(*y),
            x_desc,
            y_desc,
            label_size: 13.0,
            axis_desc_size: 14.0,
            y_mesh: true,
        }
    }

    /// The chart on `area` over `x` × `y`, caption, axes and grid drawn.
    pub(crate) fn build<'a, DB: DrawingBackend>(
        &self,
        area: &'a DrawingArea<DB, Shift>,
        x: Range<f64>,
        y: Range<f64>,
    ) -> Result<Chart<'a, DB>, String> {
        let px = |v: f64| (v * self.scale) as u32;
        let mut builder = ChartBuilder::on(area);
        if let Some((title, size)) = &self.caption {
            builder.caption(title, font(*size));
        }
        let mut chart = builder
            .margin(px(self.margin))
            .margin_right(px(self.margin_right))
            .x_label_area_size(px(self.x_label_area))
            .y_label_area_size(px(self.y_label_area))
            .build_cartesian_2d(x, y)
            .s()?;
        let mut mesh = chart.configure_mesh();
        if !self.y_mesh {
            mesh.disable_y_mesh();
        }
        mesh.x_labels(self.x_labels)
            .y_labels(self.y_labels)
            .x_label_formatter(&self.x_format)
            .y_label_formatter(&self.y_format)
            .x_desc(self.x_desc.as_str());
        if let Some(desc) = &self.y_desc {
            mesh.y_desc(desc.as_str());
        }
        mesh.label_style(font(self.label_size * self.scale))
            .axis_desc_style(font(self.axis_desc_size * self.scale))
            .light_line_style(GRID_LIGHT)
            .bold_line_style(GRID_BOLD)
            .draw()
            .s()?;
        Ok(chart)
    }
}

/// The plotting area of `chart`, absolute px.
pub(crate) fn plot_rect<DB: DrawingBackend>(chart: &Chart<'_, DB>) -> Rect {
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    Rect {
        left: xr.start,
        top: yr.start,
        right: xr.end,
        bottom: yr.end,
    }
}

/// The legend of the labelled series at `position`, in text of `size` px.
pub(crate) fn draw_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    position: SeriesLabelPosition,
    size: f64,
) -> Drawn {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(GRID_BOLD)
        .label_font(font(size))
        .draw()
        .s()
}
