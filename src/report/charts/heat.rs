//! The bottom strip of `summary.png`: the schedule as a day × channel
//! heat-table (spend per day per channel, heaviest channels first, the rest
//! summed as "others"), and last week's review in one block (planned /
//! predicted at the actual spend / actual viewers).

use std::collections::BTreeMap;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::View;
use super::builder::{Drawn, Msg, font};
use super::font::{fit_text, printable, text_width_px};
use crate::report::i18n::{self, LastWeekFigures, words};

/// Most channel rows; beyond, the lightest are summed into one row.
pub(crate) const HEAT_MAX_ROWS: usize = 10;
/// Most day columns (a longer horizon shows its first days).
pub(crate) const HEAT_MAX_DAYS: usize = 14;

const BLUE: RGBColor = RGBColor(31, 119, 180);

/// The heat-table's numbers: rows (name, colour, spend per shown day,
/// total over the horizon), the days shown and the horizon's days.
pub(crate) struct HeatTable {
    pub rows: Vec<(String, Option<RGBColor>, Vec<f64>, f64)>,
    pub shown_days: usize,
    pub days: usize,
}

/// Spend per day per channel from the plan's lanes (a lane planned with
/// every day alike is spread evenly, as in schedule.csv).
pub(crate) fn heat_table(v: &View<'_>) -> HeatTable {
    let p = &v.input.report.plan;
    let days = p.horizon_days.round().max(1.0) as usize;
    let shown = days.min(HEAT_MAX_DAYS);
    let mut by: BTreeMap<&str, (Vec<f64>, f64)> = BTreeMap::new();
    for l in &p.lanes {
        let e = by
            .entry(l.channel.as_str())
            .or_insert_with(|| (vec![0.0; shown], 0.0));
        for (d, cell) in e.0.iter_mut().enumerate() {
            *cell += if l.daily_spend_cny.len() == days {
                l.daily_spend_cny[d]
            } else {
                l.spend_cny / days as f64
            };
        }
        e.1 += if l.daily_spend_cny.len() == days {
            l.daily_spend_cny.iter().sum::<f64>()
        } else {
            l.spend_cny
        };
    }
    let colours: BTreeMap<&str, RGBColor> = v.lanes.iter().map(|l| (l.channel, l.colour)).collect();
    let mut ranked: Vec<(&str, (Vec<f64>, f64))> =
        by.into_iter().filter(|(_, (_, t))| *t > 0.0).collect();
    ranked.sort_by(|a, b| b.1.1.total_cmp(&a.1.1).then_with(|| a.0.cmp(b.0)));
    let mut rows: Vec<(String, Option<RGBColor>, Vec<f64>, f64)> = Vec::new();
    let keep = if ranked.len() > HEAT_MAX_ROWS {
        HEAT_MAX_ROWS - 1
    } else {
        ranked.len()
    };
    for (name, (cells, total)) in ranked.iter().take(keep) {
        rows.push((
            printable(name),
            colours.get(name).copied(),
            cells.clone(),
            *total,
        ));
    }
    if ranked.len() > keep {
        let rest = &ranked[keep..];
        let mut cells = vec![0.0; shown];
        let mut total = 0.0;
        for (_, (c, t)) in rest {
            for (a, b) in cells.iter_mut().zip(c) {
                *a += b;
            }
            total += t;
        }
        rows.push((
            words(v.input.lang).heat_others(rest.len()),
            None,
            cells,
            total,
        ));
    }
    HeatTable {
        rows,
        shown_days: shown,
        days,
    }
}

/// The first day of the plan: the input's, else the schedule's.
fn start_day(v: &View<'_>) -> Option<i32> {
    v.input.plan_start_day.or_else(|| {
        v.input
            .report
            .schedule
            .as_ref()
            .and_then(|s| crate::contract::cell::parse_date(&s.start_date))
    })
}

/// Text `t` fitted into `width` px at `size` (down to `size - 4`), drawn at
/// (`x`, `y`) on `area`; `right`: anchored at its right end.
fn put<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    t: &str,
    size: f64,
    (x, y): (i32, i32),
    width: i32,
    colour: &RGBColor,
    align_right: bool,
) -> Drawn {
    let (text, size) = fit_text(t, size, (size - 4.0).max(8.0), f64::from(width.max(1)));
    let x = if align_right {
        x + width - text_width_px(&text, size).ceil() as i32
    } else {
        x
    };
    area.draw_text(&text, &font(size).color(colour), (x, y)).s()
}

fn mix(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let m = |c: u8| (255.0 + (f64::from(c) - 255.0) * t).round() as u8;
    RGBColor(m(BLUE.0), m(BLUE.1), m(BLUE.2))
}

/// The heat-table in `area` (about 1,000 × 330 px).
pub(crate) fn draw_heat_table<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    v: &View<'_>,
) -> Drawn {
    let lang = v.input.lang;
    let w = words(lang);
    let table = heat_table(v);
    let (width, height) = area.dim_in_pixel();
    let (width, height) = (width as i32, height as i32);
    put(
        area,
        &w.heat_title(table.shown_days, table.days),
        18.0,
        (24, 6),
        width - 48,
        &BLACK,
        false,
    )?;
    if table.rows.is_empty() {
        return Ok(());
    }
    let name_w = 190;
    let total_w = 90;
    let x0 = 24 + name_w;
    let cols = table.shown_days as i32;
    let cw = ((width - x0 - total_w - 16) / cols.max(1)).min(96);
    let head_y = 36;
    let top = 62;
    let rh = ((height - top - 6) / table.rows.len() as i32).min(26);
    let size = (f64::from(rh) * 0.58).floor().min(15.0);
    let start = start_day(v);
    for d in 0..cols {
        let head = match start {
            Some(s) => i18n::weekday_date(lang, s + d),
            None => format!("{}", d + 1),
        };
        put(
            area,
            &head,
            14.0,
            (x0 + d * cw + 2, head_y),
            cw - 4,
            &BLACK,
            true,
        )?;
    }
    let tx = x0 + cols * cw + 6;
    put(
        area,
        &w.heat_total(),
        14.0,
        (tx, head_y),
        total_w - 8,
        &BLACK,
        true,
    )?;
    let max = table
        .rows
        .iter()
        .flat_map(|r| r.2.iter().copied())
        .filter(|x| x.is_finite())
        .fold(0.0, f64::max);
    let max_total = table
        .rows
        .iter()
        .map(|r| r.3)
        .filter(|x| x.is_finite())
        .fold(0.0, f64::max);
    for (i, (name, colour, cells, total)) in table.rows.iter().enumerate() {
        let y = top + i as i32 * rh;
        if let Some(c) = colour {
            area.draw(&Rectangle::new(
                [(24, y + rh / 2 - 5), (34, y + rh / 2 + 5)],
                c.filled(),
            ))
            .s()?;
        }
        put(
            area,
            name,
            size,
            (40, y + (rh - size as i32) / 2),
            name_w - 22,
            &BLACK,
            false,
        )?;
        for (d, &x) in cells.iter().enumerate() {
            let cx = x0 + d as i32 * cw;
            let t = if max > 0.0 { x / max } else { 0.0 };
            area.draw(&Rectangle::new(
                [(cx + 1, y + 1), (cx + cw - 1, y + rh - 1)],
                mix(0.08 + 0.92 * t).filled(),
            ))
            .s()?;
            let ink = if t > 0.55 { WHITE } else { BLACK };
            put(
                area,
                &i18n::short_scaled(lang, x, max),
                size,
                (cx + 4, y + (rh - size as i32) / 2),
                cw - 8,
                &ink,
                true,
            )?;
        }
        put(
            area,
            &i18n::short_scaled(lang, *total, max_total),
            size,
            (tx, y + (rh - size as i32) / 2),
            total_w - 8,
            &BLACK,
            true,
        )?;
    }
    Ok(())
}

/// Greedy line breaking of `text` into lines at most `max_px` wide at
/// `size` (at spaces; for CJK text, between any characters).
fn wrap(text: &str, size: f64, max_px: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut last_break: Option<usize> = None;
    for c in text.chars() {
        line.push(c);
        if c == ' ' || c == '，' || c == '；' || c == '：' || c == ',' || c == ';' {
            last_break = Some(line.len());
        }
        if text_width_px(&line, size) > max_px {
            let cut = match last_break {
                Some(b) if b < line.len() && line.is_char_boundary(b) => b,
                _ => line.len() - c.len_utf8(),
            };
            let rest = line.split_off(cut);
            lines.push(line.trim_end().to_string());
            line = rest.trim_start().to_string();
            last_break = None;
        }
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// Last week's review in `area` (about 600 × 330 px).
pub(crate) fn draw_last_week<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    v: &View<'_>,
    f: &LastWeekFigures,
) -> Drawn {
    let lang = v.input.lang;
    let w = words(lang);
    let (width, _) = area.dim_in_pixel();
    let width = width as i32;
    let right = width - 16;
    put(
        area,
        &w.review_title(&f.first_day, &f.last_day),
        18.0,
        (8, 6),
        right - 8,
        &BLACK,
        false,
    )?;
    let labels = w.review_bars();
    let values = [
        Some(f.planned_viewers),
        f.predicted_viewers,
        Some(f.actual_viewers),
    ];
    let colours = [RGBColor(150, 150, 150), RGBColor(255, 127, 14), BLUE];
    let max = values
        .iter()
        .flatten()
        .copied()
        .filter(|x| x.is_finite())
        .fold(0.0, f64::max);
    let label_w = 190;
    let bar_x = 8 + label_w;
    let bar_max = 230;
    for (i, ((label, value), colour)) in labels.iter().zip(values).zip(colours).enumerate() {
        let y = 42 + i as i32 * 36;
        put(area, label, 15.0, (8, y + 4), label_w - 8, &BLACK, false)?;
        let Some(x) = value.filter(|x| x.is_finite()) else {
            put(area, "–", 15.0, (bar_x, y + 4), 40, &BLACK, false)?;
            continue;
        };
        let len = if max > 0.0 {
            (f64::from(bar_max) * x / max).round() as i32
        } else {
            0
        };
        area.draw(&Rectangle::new(
            [(bar_x, y), (bar_x + len.max(1), y + 26)],
            colour.filled(),
        ))
        .s()?;
        let mut text = i18n::amount(lang, x, crate::plan::Metric::Viewers);
        if i == 2
            && let Some(p) = f.predicted_viewers.filter(|p| *p > 0.0)
        {
            text.push_str(&format!(" ({})", i18n::signed_percent(lang, x / p - 1.0)));
        }
        let tx = bar_x + len.max(1) + 6;
        put(area, &text, 15.0, (tx, y + 4), right - tx, &BLACK, false)?;
    }
    let mut y = 42 + 3 * 36 + 4;
    put(
        area,
        &w.review_spend(f.planned_spend_cny, f.actual_spend_cny),
        15.0,
        (8, y),
        right - 8,
        &BLACK,
        false,
    )?;
    y += 26;
    let split = w.last_week_split(f);
    let lines = wrap(&split, 14.0, f64::from(right - 8));
    for (i, line) in lines.iter().take(3).enumerate() {
        let line = if i == 2 && lines.len() > 3 {
            format!("{line}…")
        } else {
            line.clone()
        };
        put(
            area,
            &line,
            14.0,
            (8, y),
            right - 8,
            &RGBColor(60, 60, 60),
            false,
        )?;
        y += 22;
    }
    if f.days_covered < f.horizon_days {
        put(
            area,
            &w.review_partial(f.days_covered, f.horizon_days),
            14.0,
            (8, y + 2),
            right - 8,
            &RGBColor(170, 80, 0),
            false,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_lines_fit_and_keep_every_character() {
        super::super::ensure_font().unwrap();
        for text in [
            "miss −12,888 viewers: execution (spent differently from the plan) −4,700, prediction (the curves at the spend spent) −6,188",
            "差额 −1.29万 观看：执行（花费与计划不同）−4,700，预测（曲线在实际花费处的误差）−6,188",
        ] {
            let lines = wrap(text, 14.0, 300.0);
            assert!(lines.len() >= 2, "{lines:?}");
            for l in &lines {
                assert!(text_width_px(l, 14.0) <= 300.0, "{l}");
            }
            let joined: String = lines.concat().chars().filter(|c| *c != ' ').collect();
            let want: String = text.chars().filter(|c| *c != ' ').collect();
            assert_eq!(joined, want);
        }
    }
}
