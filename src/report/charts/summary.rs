//! `summary.png`: the headline numbers and the top moves in words above
//! small versions of the allocation, marginal-cost and frontier charts.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::SUMMARY_SIZE;
use super::allocation::draw_allocation;
use super::builder::{Drawn, Msg, font};
use super::font::{fit_text, printable};
use super::frontier::draw_frontier;
use super::marginal_cost::draw_marginal_cost;
use super::{Frontier, View};
use crate::plan::{Metric, PlanStatus};
use crate::report::i18n::{self, MoveKind, words};

/// Height of the text block, px.
const HEADER_PX: u32 = 330;

/// Height of the strip at the bottom (schedule heat-table, last week), px.
pub(crate) const STRIP_PX: u32 = 330;

/// Width of the heat-table in the strip, px.
const HEAT_WIDTH_PX: u32 = 1000;

/// Left edge of the warnings at the top right, px.
const WARNINGS_X: i32 = 1080;

impl View<'_> {
    /// The target in metric units: the request's total, else the sum of
    /// room targets.
    pub(crate) fn target(&self) -> Option<f64> {
        let plan = &self.input.report.plan;
        self.input
            .request
            .and_then(|r| r.target)
            .or_else(|| {
                let s: f64 = plan.rooms.iter().filter_map(|r| r.target).sum();
                (s > 0.0).then_some(s)
            })
            .or_else(|| plan.infeasibility.as_ref().map(|i| i.requested))
    }

    /// The three channels whose spend changes most, in words.
    pub(crate) fn top_moves(&self) -> Vec<String> {
        let w = words(self.input.lang);
        let mut rows = self.channel_allocations();
        rows.sort_by(|a, b| {
            let da = (a.plan_spend_cny - a.last_spend_cny).abs();
            let db = (b.plan_spend_cny - b.last_spend_cny).abs();
            db.total_cmp(&da).then_with(|| a.channel.cmp(b.channel))
        });
        rows.iter()
            .filter(|r| (r.plan_spend_cny - r.last_spend_cny).abs() >= 0.5)
            .take(3)
            .map(|r| {
                let d = r.plan_spend_cny - r.last_spend_cny;
                let kind = if r.last_spend_cny <= 0.0 {
                    MoveKind::Start
                } else if r.plan_spend_cny <= 0.0 {
                    MoveKind::Stop
                } else if d > 0.0 {
                    MoveKind::Raise
                } else {
                    MoveKind::Cut
                };
                w.top_move(
                    kind,
                    &printable(r.channel),
                    d.abs(),
                    r.last_spend_cny,
                    r.plan_spend_cny,
                    r.last_viewers,
                    r.plan_viewers,
                )
            })
            .collect()
    }
}

pub(crate) fn draw_summary<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    v: &View,
    f: &Frontier,
) -> Drawn {
    let report = v.input.report;
    let plan = &report.plan;
    let w = words(v.input.lang);
    let lang = v.input.lang;
    let (top, strip) = root.split_vertically(SUMMARY_SIZE.1 - STRIP_PX);
    let (header, body) = top.split_vertically(HEADER_PX);
    let title = w.png_title(&v.when(), v.days);
    let (title, size) = fit_text(&title, 34.0, 24.0, f64::from(SUMMARY_SIZE.0) - 48.0);
    header.draw_text(&title, &font(size), (24, 16)).s()?;

    let mut lines: Vec<(String, RGBColor)> = Vec::new();
    let goal = match (v.target(), v.input.request.and_then(|r| r.budget_cny)) {
        (Some(t), _) => w.png_target(t, plan.metric, v.days),
        (None, Some(b)) => w.png_budget(b, v.days),
        (None, None) => w.png_goal(plan.metric),
    };
    lines.push((goal, BLACK));
    let cost = w.png_cost(
        plan.totals.spend_cny,
        plan.totals.viewers,
        plan.totals.avg_cost_cny_per_viewer,
    );
    lines.push((cost, BLACK));
    let c = &report.comparison;
    let span = i18n::span(lang, c.days, c.period_days);
    let saving = match (c.saving_cny, c.last_cost_per_viewer_cny) {
        (Some(s), Some(cpv)) => w.png_saving(s, &span, cpv),
        _ => w.png_no_comparison(&span),
    };
    lines.push((saving, RGBColor(0, 110, 40)));
    let shadow = match (plan.metric, plan.target_shadow_price_cny_per_unit) {
        (Metric::Viewers, _) if v.shadow_price().is_some() => {
            w.png_shadow_viewer(v.shadow_price().unwrap_or_default())
        }
        (_, Some(p)) => w.png_shadow(plan.metric, p),
        _ => w.png_no_shadow(),
    };
    lines.push((shadow, BLACK));
    if plan.status == PlanStatus::Infeasible {
        let reach = plan.infeasibility.as_ref().map_or(0.0, |i| i.max_reachable);
        lines.push((w.png_unreachable(reach, plan.metric), RGBColor(200, 0, 0)));
    }
    // The left column stops short of the warnings at the right.
    let fit = |text: &str, size: f64, x: i32, right: i32| {
        fit_text(&printable(text), size, size - 4.0, f64::from(right - x))
    };
    let mut y = 70;
    for (text, colour) in &lines {
        let (text, size) = fit(text, 20.0, 24, WARNINGS_X - 24);
        header
            .draw_text(&text, &font(size).color(colour), (24, y))
            .s()?;
        y += 30;
    }
    y += 8;
    header
        .draw_text(&w.png_top_moves(), &font(20.0), (24, y))
        .s()?;
    y += 30;
    let moves = v.top_moves();
    if moves.is_empty() {
        header
            .draw_text(&w.png_keep_split(), &font(18.0), (36, y))
            .s()?;
    }
    for m in &moves {
        let (text, size) = fit(&format!("• {m}"), 18.0, 36, WARNINGS_X - 24);
        header.draw_text(&text, &font(size), (36, y)).s()?;
        y += 27;
    }
    // Warnings at the right.
    let mut warnings = Vec::new();
    let extrapolated = report.rows.iter().filter(|r| r.extrapolation).count();
    if extrapolated > 0 {
        warnings.push(w.png_warn_extrapolated(extrapolated));
    }
    if let Some(s) = v.input.screen.filter(|s| !s.flagged_rows.is_empty()) {
        warnings.push(w.png_warn_fake(s.flagged_rows.len()));
    }
    if !report.unusable.is_empty() {
        warnings.push(w.png_warn_unusable(report.unusable.len()));
    }
    let mut wy = 76;
    let right = SUMMARY_SIZE.0 as i32 - 16;
    if let Some(risk) = &report.risk {
        let (text, size) = fit(
            &crate::report::risk_text::headline_in(risk, lang),
            20.0,
            WARNINGS_X,
            right,
        );
        header
            .draw_text(
                &text,
                &font(size).color(&RGBColor(0, 70, 160)),
                (WARNINGS_X, wy),
            )
            .s()?;
        wy += 30;
    }
    for w in warnings.iter().take(4) {
        let (text, size) = fit(&format!("! {w}"), 16.0, WARNINGS_X, right);
        header
            .draw_text(
                &text,
                &font(size).color(&RGBColor(170, 80, 0)),
                (WARNINGS_X, wy),
            )
            .s()?;
        wy += 26;
    }

    let panels = body.split_evenly((1, 3));
    let rows = v.channel_allocations();
    draw_allocation(&panels[0], v, &rows, 0.85, false)?;
    draw_marginal_cost(&panels[1], v, 0.85, false)?;
    draw_frontier(&panels[2], v, f, 0.85, false)?;
    let (left, right) = strip.split_horizontally(HEAT_WIDTH_PX);
    super::heat::draw_heat_table(&left, v)?;
    if let Some(figures) = v.input.last_week_figures {
        super::heat::draw_last_week(&right, v, figures)?;
    }
    Ok(())
}
