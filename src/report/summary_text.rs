//! `summary.txt`: the plain-text body of the weekly planning email.

use super::i18n::{self, Lang, LastWeekFigures};
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
    pub data_notes: &'a [crate::report::i18n::DataNote],
    /// Last week's plan reviewed in words: headline, then the split of the
    /// miss (empty: no earlier run). Used when `last_week_figures` is
    /// absent (a run folder written before the figures were kept).
    pub last_week: &'a [String],
    /// Last week's review as figures: its lines are written in `lang`.
    pub last_week_figures: Option<&'a LastWeekFigures>,
    /// The language of the words ([`crate::report::i18n`]).
    pub lang: Lang,
}

/// The horizon in words, `7 days` / `7天`.
pub fn horizon_words(r: &PlanReport, lang: Lang) -> String {
    i18n::days(lang, r.plan.horizon_days)
}

/// The body's headline lines: the goal, the plan, its risk, the saving, the
/// schedule, the shadow prices and the backtest (one line each).
pub fn headline_lines(r: &PlanReport, cx: &SummaryContext<'_>) -> Vec<String> {
    let w = i18n::words(cx.lang);
    let p = &r.plan;
    let days = horizon_words(r, cx.lang);
    let mut out = Vec::new();
    match p.mode {
        PlanMode::MinSpend => {
            if let Some(inf) = &p.infeasibility {
                out.push(w.target_unreachable(inf.requested, inf.max_reachable, p.metric));
            } else if let Some(t) = cx.request.and_then(|q| q.target) {
                out.push(w.target(t, p.metric, p.horizon_days));
            } else {
                out.push(w.target_rooms());
            }
        }
        PlanMode::MaxMetric => {
            if let Some(b) = cx.request.and_then(|q| q.budget_cny) {
                out.push(w.budget(b, p.horizon_days));
            }
        }
    }
    let t = &p.totals;
    out.push(w.plan_line(
        t.spend_cny,
        t.viewers,
        t.avg_cost_cny_per_viewer,
        r.viewers_p10_sum,
        r.viewers_p90_sum,
    ));
    out.extend(super::value_text::value_lines(p, cx.lang));
    if let Some(risk) = &r.risk {
        out.extend(super::risk_text::sentences_in(risk, &days, cx.lang));
    }
    let c = &r.comparison;
    if let (Some(saving), Some(cpv)) = (c.saving_cny, c.last_cost_per_viewer_cny) {
        let span = i18n::span(cx.lang, c.days, c.period_days);
        out.push(w.saving_line(saving, &span, cpv));
    }
    if let Some(line) = crate::report::schedule_export::schedule_line_in(r, cx.lang) {
        out.push(line);
    }
    if let Some(sp) = p.target_shadow_price_cny_per_unit {
        out.push(w.shadow_target(p.metric, sp));
    }
    if let Some(sp) = p.budget_shadow_price_units_per_cny {
        out.push(w.shadow_budget(p.metric, sp));
    }
    if let Some((headline, _)) = cx.backtest.split_first() {
        out.push(w.backtest(headline));
    }
    out
}

/// What the binding limits cost, the five largest, one sentence each, in
/// the report language.
pub fn limit_cost_lines(r: &PlanReport, cx: &SummaryContext<'_>) -> Vec<String> {
    let costs = crate::plan::limit_costs(&r.plan);
    super::limits_text::lines_in(&r.plan, &costs, &horizon_words(r, cx.lang), 5, cx.lang)
}

/// Last week's review in `cx.lang` (from the figures when kept).
pub fn last_week_lines(cx: &SummaryContext<'_>) -> Vec<String> {
    match cx.last_week_figures {
        Some(f) => f.lines(cx.lang),
        None => cx.last_week.to_vec(),
    }
}

/// The warnings of the body, one sentence each.
pub fn warning_lines(r: &PlanReport, cx: &SummaryContext<'_>) -> Vec<String> {
    let w = i18n::words(cx.lang);
    let p = &r.plan;
    let mut warnings = Vec::new();
    if p.status == PlanStatus::Infeasible
        && let Some(inf) = &p.infeasibility
    {
        warnings.push(
            w.warn_infeasible(
                &inf.limiting
                    .iter()
                    .take(5)
                    .map(|l| super::limits_text::describe_in(l, cx.lang))
                    .collect::<Vec<_>>()
                    .join(w.list_sep()),
            ),
        );
    }
    if cx.fake_rows > 0 {
        warnings.push(w.warn_fake_rows(cx.fake_rows));
    }
    for row in r.rows.iter().filter(|x| x.extrapolation) {
        warnings.push(w.warn_extrapolation(&row.room, &row.channel, row.spend_cny_per_day));
    }
    for row in r
        .rows
        .iter()
        .filter(|x| x.binding.iter().any(|b| b == "support_limit"))
    {
        warnings.push(
            w.warn_support_limit(
                &row.room,
                &row.channel,
                row.spend_cny_per_day,
                cx.request
                    .map_or(crate::plan::DEFAULT_MAX_EXTRAPOLATION, |q| {
                        q.segments.history_multiple
                    }),
            ),
        );
    }
    for row in r.rows.iter().filter(|x| x.beyond_history) {
        warnings.push(w.warn_beyond_history(
            &row.room,
            &row.channel,
            row.spend_cny_per_day,
            row.times_highest_day,
            row.viewers,
            row.viewers_fitted_curve,
        ));
    }
    warnings.extend(too_good_to_be_true_in(r, cx.lang));
    for lost in cx.backtest.iter().skip(1) {
        warnings.push(w.warn_backtest_lost(lost));
    }
    if let Some(q) = cx.request {
        for (name, _) in q.channels.iter().filter(|(_, l)| l.excluded) {
            warnings.push(w.warn_excluded(name));
        }
    }
    for (room, channel, reason) in &r.unusable {
        warnings.push(w.warn_not_planned(room, channel, reason));
    }
    for note in cx.data_notes {
        warnings.push(w.warn_data(&note.words(cx.lang)));
    }
    warnings
}

/// The email body, in `cx.lang`.
pub fn summary_txt(r: &PlanReport, cx: &SummaryContext<'_>) -> String {
    let w = i18n::words(cx.lang);
    let mut s = format!("{}\n\n", w.summary_title(r.plan.horizon_days, cx.label));
    for line in headline_lines(r, cx) {
        s.push_str(&line);
        s.push('\n');
    }
    let limit_lines = limit_cost_lines(r, cx);
    if !limit_lines.is_empty() {
        s.push_str(&format!(
            "\n{}\n",
            cx.lang.pick("What the limits cost:", "各项约束的代价：")
        ));
        for line in limit_lines {
            s.push_str(&format!("- {line}\n"));
        }
    }
    let last_week = last_week_lines(cx);
    if !last_week.is_empty() {
        s.push_str(&format!("\n{}\n", w.heading_last_week()));
        for line in &last_week {
            s.push_str(&format!("- {line}\n"));
        }
    }
    if !cx.moves.is_empty() {
        s.push_str(&format!("\n{}\n", w.heading_top_moves()));
        for m in cx.moves {
            s.push_str(&format!("- {m}\n"));
        }
    }
    let warnings = warning_lines(r, cx);
    if !warnings.is_empty() {
        s.push_str(&format!("\n{}\n", w.heading_warnings()));
        for line in warnings {
            s.push_str(&format!("- {line}\n"));
        }
    }
    if !cx.charts.is_empty() {
        s.push_str(&format!("\n{}\n", w.charts(&cx.charts.join(", "))));
    }
    s.push_str(&w.details());
    s.push('\n');
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
    too_good_to_be_true_in(r, Lang::En)
}

/// [`too_good_to_be_true`] in `lang`.
pub fn too_good_to_be_true_in(r: &PlanReport, lang: Lang) -> Vec<String> {
    let w = i18n::words(lang);
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
            (c > 0.0 && c * TOO_GOOD_FACTOR < m)
                .then(|| w.warn_too_good(&row.room, &row.channel, c, m / c, m, row.spend_cny))
        })
        .collect()
}
