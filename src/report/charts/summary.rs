//! `summary.png`: the headline numbers and the top moves in words above
//! small versions of the allocation, marginal-cost and frontier charts.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::SUMMARY_SIZE;
use super::allocation::draw_allocation;
use super::builder::{Drawn, Msg, cny2, font};
use super::font::{fit_text, printable};
use super::frontier::draw_frontier;
use super::marginal_cost::draw_marginal_cost;
use super::{Frontier, View};
use crate::plan::{Metric, PlanStatus};
use crate::report::table::fmt_num;

/// Height of the text block, px.
const HEADER_PX: u32 = 330;

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
                let verb = if r.last_spend_cny <= 0.0 {
                    "Start"
                } else if r.plan_spend_cny <= 0.0 {
                    "Stop"
                } else if d > 0.0 {
                    "Raise"
                } else {
                    "Cut"
                };
                format!(
                    "{verb} {} by {} CNY ({} → {} CNY), {} → {} viewers",
                    printable(r.channel),
                    fmt_num(d.abs()),
                    fmt_num(r.last_spend_cny),
                    fmt_num(r.plan_spend_cny),
                    fmt_num(r.last_viewers),
                    fmt_num(r.plan_viewers),
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
    let unit = plan.metric.unit();
    let days = v.horizon_text();
    let (header, body) = root.split_vertically(HEADER_PX);
    let title = format!("Traffic plan{} ({days})", v.when());
    let (title, size) = fit_text(&title, 34.0, 24.0, f64::from(SUMMARY_SIZE.0) - 48.0);
    header.draw_text(&title, &font(size), (24, 16)).s()?;

    let mut lines: Vec<(String, RGBColor)> = Vec::new();
    let goal = match (v.target(), v.input.request.and_then(|r| r.budget_cny)) {
        (Some(t), _) => format!("Target: {} {unit} in {days}", fmt_num(t)),
        (None, Some(b)) => format!("Budget: {} CNY for {days}", fmt_num(b)),
        (None, None) => format!("Goal: {unit}"),
    };
    lines.push((goal, BLACK));
    let cost = format!(
        "Plan cost: {} CNY for {} viewers{}",
        fmt_num(plan.totals.spend_cny),
        fmt_num(plan.totals.viewers),
        plan.totals
            .avg_cost_cny_per_viewer
            .map(|c| format!(" ({} CNY per viewer)", cny2(c)))
            .unwrap_or_default()
    );
    lines.push((cost, BLACK));
    let c = &report.comparison;
    let saving = match (c.saving_cny, c.last_cost_per_viewer_cny) {
        (Some(s), Some(cpv)) if s >= 0.0 => format!(
            "Saving vs last {}: {} CNY (same viewers at last period's {} CNY per viewer)",
            c.span(),
            fmt_num(s),
            cny2(cpv)
        ),
        (Some(s), Some(cpv)) => format!(
            "Costs {} CNY more than last {} rate ({} CNY per viewer)",
            fmt_num(-s),
            c.span_of(),
            cny2(cpv)
        ),
        _ => format!("No spend in the last {} to compare with", c.span()),
    };
    lines.push((saving, RGBColor(0, 110, 40)));
    let shadow = match (plan.metric, plan.target_shadow_price_cny_per_unit) {
        (Metric::Viewers, _) if v.shadow_price().is_some() => format!(
            "Next viewer costs {} CNY (shadow price: every channel is bought up to this marginal cost)",
            cny2(v.shadow_price().unwrap_or_default())
        ),
        (_, Some(p)) => format!("Next {} costs {} CNY (shadow price)", unit, cny2(p)),
        _ => "Shadow price: not available for this plan".to_string(),
    };
    lines.push((shadow, BLACK));
    if plan.status == PlanStatus::Infeasible {
        let reach = plan
            .infeasibility
            .as_ref()
            .map(|i| fmt_num(i.max_reachable))
            .unwrap_or_default();
        lines.push((
            format!("Target not reachable: at most {reach} {unit} under the limits"),
            RGBColor(200, 0, 0),
        ));
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
    header.draw_text("Top moves", &font(20.0), (24, y)).s()?;
    y += 30;
    let moves = v.top_moves();
    if moves.is_empty() {
        header
            .draw_text("• keep last period's split", &font(18.0), (36, y))
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
        warnings.push(format!(
            "{extrapolated} lane(s) planned beyond 1.5× their highest daily spend"
        ));
    }
    if let Some(s) = v.input.screen.filter(|s| !s.flagged_rows.is_empty()) {
        warnings.push(format!(
            "{} row(s) of suspected fake traffic set aside",
            fmt_num(s.flagged_rows.len() as f64)
        ));
    }
    if !report.unusable.is_empty() {
        warnings.push(format!(
            "{} series without a usable curve, not planned",
            report.unusable.len()
        ));
    }
    let mut wy = 76;
    let right = SUMMARY_SIZE.0 as i32 - 16;
    if let Some(risk) = &report.risk {
        let (text, size) = fit(
            &crate::report::risk_text::headline(risk),
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
    Ok(())
}
