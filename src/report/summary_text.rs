//! `summary.txt`: the plain-text body of the weekly planning email.

use super::plan_export::describe;
use super::table::thousands;
use crate::plan::stage::PlanReport;
use crate::plan::{PlanMode, PlanRequest, PlanStatus};

/// What the email body says beyond the plan itself.
#[derive(Clone, Debug, Default)]
pub struct SummaryContext<'a> {
    /// Title suffix, e.g. `from 2026-10-27`.
    pub label: &'a str,
    /// The top moves in words (see `report::charts::top_moves`).
    pub moves: &'a [String],
    /// Rows set aside as suspected fake traffic.
    pub fake_rows: usize,
    /// The request the plan answers (excluded channels are read from it).
    pub request: Option<&'a PlanRequest>,
    /// The PNGs attached, in order.
    pub charts: &'a [&'a str],
    /// The run's backtest in words: headline, then channels lost to the
    /// naive rule (empty: not backtested).
    pub backtest: &'a [String],
    /// What the estimates were made from where the history was incomplete.
    pub data_notes: &'a [String],
    /// Last week's plan reviewed in words: headline, then the split of the
    /// miss (empty: no earlier run).
    pub last_week: &'a [String],
}

/// The email body.
pub fn summary_txt(r: &PlanReport, cx: &SummaryContext<'_>) -> String {
    let p = &r.plan;
    let unit = p.metric.unit();
    let days = if p.horizon_days == 1.0 {
        "1 day".to_string()
    } else {
        format!("{} days", p.horizon_days)
    };
    let mut s = format!("Traffic plan, {days} {}\n\n", cx.label);
    match p.mode {
        PlanMode::MinSpend => {
            if let Some(inf) = &p.infeasibility {
                s.push_str(&format!(
                    "Target: {} {unit} — NOT REACHABLE: at most {} under the limits.\n",
                    thousands(inf.requested, 0),
                    thousands(inf.max_reachable, 0)
                ));
            } else if let Some(t) = cx.request.and_then(|q| q.target) {
                s.push_str(&format!("Target: {} {unit} in {days}.\n", thousands(t, 0)));
            } else {
                s.push_str("Target: every room's own target (see plan.json).\n");
            }
        }
        PlanMode::MaxMetric => {
            if let Some(b) = cx.request.and_then(|q| q.budget_cny) {
                s.push_str(&format!("Budget: {} CNY for {days}.\n", thousands(b, 0)));
            }
        }
    }
    let t = &p.totals;
    s.push_str(&format!(
        "Plan: {} CNY for {} viewers ({} CNY per viewer; P10–P90 {}–{} viewers).\n",
        thousands(t.spend_cny, 0),
        thousands(t.viewers, 0),
        t.avg_cost_cny_per_viewer
            .map_or("-".into(), |c| format!("{c:.2}")),
        thousands(r.viewers_p10_sum, 0),
        thousands(r.viewers_p90_sum, 0)
    ));
    if let Some(risk) = &r.risk {
        for line in super::risk_text::sentences(risk, &days) {
            s.push_str(&line);
            s.push('\n');
        }
    }
    let c = &r.comparison;
    if let (Some(saving), Some(cpv)) = (c.saving_cny, c.last_cost_per_viewer_cny) {
        let verb = if saving >= 0.0 {
            "Saving"
        } else {
            "Extra cost"
        };
        s.push_str(&format!(
            "{verb}: {} CNY against the same viewers at the last {} {cpv:.2} CNY per viewer.\n",
            thousands(saving.abs(), 0),
            c.span_of()
        ));
    }
    if let Some(line) = crate::report::schedule_export::schedule_line(r) {
        s.push_str(&line);
        s.push('\n');
    }
    if let Some(sp) = p.target_shadow_price_cny_per_unit {
        s.push_str(&format!(
            "One more {} would cost {} CNY (the target's shadow price).\n",
            unit.trim_end_matches('s'),
            thousands(sp, 2)
        ));
    }
    if let Some(sp) = p.budget_shadow_price_units_per_cny {
        s.push_str(&format!(
            "One more CNY would buy {sp:.3} {unit} (the budget's shadow price).\n"
        ));
    }
    let costs = crate::plan::limit_costs(p);
    let limit_lines = super::limits_text::lines(p, &costs, &days, 5);
    if !limit_lines.is_empty() {
        s.push_str("\nWhat the limits cost:\n");
        for line in limit_lines {
            s.push_str(&format!("- {line}\n"));
        }
    }
    if let Some((headline, _)) = cx.backtest.split_first() {
        s.push_str(&format!("Backtest: {headline}\n"));
    }
    if !cx.last_week.is_empty() {
        s.push_str("\nLast week:\n");
        for line in cx.last_week {
            s.push_str(&format!("- {line}\n"));
        }
    }
    if !cx.moves.is_empty() {
        s.push_str("\nTop moves:\n");
        for m in cx.moves {
            s.push_str(&format!("- {m}\n"));
        }
    }
    let mut warnings = Vec::new();
    if p.status == PlanStatus::Infeasible
        && let Some(inf) = &p.infeasibility
    {
        warnings.push(format!(
            "The target cannot be met; limited by: {}.",
            inf.limiting
                .iter()
                .take(5)
                .map(describe)
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    if cx.fake_rows > 0 {
        warnings.push(format!(
            "{} rows of suspected fake traffic were set aside (flagged_rows.csv).",
            thousands(cx.fake_rows as f64, 0)
        ));
    }
    for row in r.rows.iter().filter(|x| x.extrapolation) {
        warnings.push(format!(
            "Extrapolation: {} × {} plans {} CNY/day, beyond 1.5× its highest day in the history.",
            row.room,
            row.channel,
            thousands(row.spend_cny_per_day, 0)
        ));
    }
    for row in r
        .rows
        .iter()
        .filter(|x| x.binding.iter().any(|b| b == "support_limit"))
    {
        warnings.push(format!(
            "Support limit: {} × {} held at {} CNY/day, {}× its highest day in the history (the curve is not trusted beyond; `[plan] max_extrapolation` allows more).",
            row.room,
            row.channel,
            thousands(row.spend_cny_per_day, 0),
            cx.request
                .map_or(crate::plan::DEFAULT_MAX_EXTRAPOLATION, |q| q.segments.history_multiple)
        ));
    }
    for row in r.rows.iter().filter(|x| x.beyond_history) {
        warnings.push(format!(
            "Beyond the history: {} × {} plans {} CNY/day ({}× its highest day), counted at {} viewers on the conservative curve where the fitted curve promises {} (viewers past the highest day are taken at the P10 of the curve's growth).",
            row.room,
            row.channel,
            thousands(row.spend_cny_per_day, 0),
            row.times_highest_day.map_or("?".into(), |t| format!("{t:.2}")),
            thousands(row.viewers, 0),
            row.viewers_fitted_curve.map_or("?".into(), |v| thousands(v, 0)),
        ));
    }
    warnings.extend(too_good_to_be_true(r));
    for lost in cx.backtest.iter().skip(1) {
        warnings.push(format!(
            "Backtest: the naive 28-day rule predicted better than the curves on {lost}."
        ));
    }
    if let Some(q) = cx.request {
        for (name, _) in q.channels.iter().filter(|(_, l)| l.excluded) {
            warnings.push(format!("Channel {name} was excluded from the plan."));
        }
    }
    for (room, channel, reason) in &r.unusable {
        warnings.push(format!("Not planned: {room} × {channel}: {reason}."));
    }
    for note in cx.data_notes {
        warnings.push(format!("Data: {note}."));
    }
    if !warnings.is_empty() {
        s.push_str("\nWarnings:\n");
        for w in warnings {
            s.push_str(&format!("- {w}\n"));
        }
    }
    if !cx.charts.is_empty() {
        s.push_str(&format!("\nCharts: {}.\n", cx.charts.join(", ")));
    }
    s.push_str("Details: plan.csv and plan.json in the run folder.\n");
    s
}

/// A planned lane this many times cheaper per viewer than the median lane
/// of its channel is "too good to be true".
pub const TOO_GOOD_FACTOR: f64 = 5.0;

/// Planner guard: lanes planned at a cost per viewer far below every
/// comparable lane (the median of the channel's lanes' cost per viewer over
/// the last horizon of history, with at least three lanes) — bought traffic
/// that screening missed looks like this, and a plan that leans on it falls
/// short.
pub fn too_good_to_be_true(r: &PlanReport) -> Vec<String> {
    let mut by_channel: std::collections::BTreeMap<&str, Vec<f64>> = Default::default();
    for row in &r.rows {
        if row.last_spend_cny > 0.0 && row.last_viewers > 0.0 {
            by_channel
                .entry(row.channel.as_str())
                .or_default()
                .push(row.last_spend_cny / row.last_viewers);
        }
    }
    let median: std::collections::BTreeMap<&str, f64> = by_channel
        .into_iter()
        .filter(|(_, v)| v.len() >= 3)
        .filter_map(|(ch, mut v)| Some((ch, crate::screen::stats::median_in_place(&mut v)?)))
        .collect();
    r.rows
        .iter()
        .filter(|row| row.spend_cny > 0.0)
        .filter_map(|row| {
            let c = row.avg_cost_cny_per_viewer?;
            let m = *median.get(row.channel.as_str())?;
            (c > 0.0 && c * TOO_GOOD_FACTOR < m).then(|| {
                format!(
                    "Too good to be true: {} × {} is planned at {:.2} CNY per viewer, {:.0}× cheaper than the channel's median lane ({:.2}); check it for bought traffic before spending {} CNY there.",
                    row.room,
                    row.channel,
                    c,
                    m / c,
                    m,
                    thousands(row.spend_cny, 0)
                )
            })
        })
        .collect()
}
