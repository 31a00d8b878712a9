//! English: the words acqplan has always written.

use super::{
    Col, Label, Lang, LastWeekFigures, MoveKind, RiskGoal, Words, signed_count, signed_percent,
};
use crate::plan::Metric;
use crate::report::risk_text::percent;
use crate::report::table::{fmt_num, thousands};

/// English.
pub struct En;

fn n(x: f64) -> String {
    thousands(x, 0)
}

fn days(d: f64) -> String {
    super::days(Lang::En, d)
}

/// `7 days'`, `1 week's`.
fn possessive(span: &str) -> String {
    if span.ends_with('s') {
        format!("{span}'")
    } else {
        format!("{span}'s")
    }
}

/// `= 62 %`, `> 99 %`, `< 1 %`: a probability after its name.
fn is(p: f64) -> String {
    let t = percent(p);
    if t.starts_with(['<', '>']) {
        t
    } else {
        format!("= {t}")
    }
}

impl Words for En {
    fn value_gmv(&self, gmv: f64, p10: f64, p90: f64, roi: Option<f64>) -> String {
        let roi = roi.map_or(String::new(), |r| {
            format!(", blended ROI {r:.2} (GMV per CNY spent)")
        });
        format!(
            "Expected GMV {} CNY (P10–P90 {}–{} from GMV per viewer){roi}.",
            n(gmv),
            n(p10),
            n(p90)
        )
    }
    fn value_profit(&self, profit: f64, p10: f64, p90: f64) -> String {
        format!(
            "Expected profit {} CNY (P10–P90 {}–{}): margin × GMV − ad spend.",
            n(profit),
            n(p10),
            n(p90)
        )
    }
    fn value_break_even(&self, break_even: f64, below: &str) -> String {
        if below.is_empty() {
            format!(
                "Break-even ROI {break_even:.2} (1 / margin): every bought lane's next CNY returns at least that."
            )
        } else {
            format!(
                "Break-even ROI {break_even:.2} (1 / margin); planned below it (a limit or the target forces the spend): {below}."
            )
        }
    }
    fn value_floors(&self, min_roi: Option<f64>, min_marginal_roi: Option<f64>) -> String {
        let mut parts = Vec::new();
        if let Some(r) = min_roi {
            parts.push(format!("blended ROI at least {r:.2}"));
        }
        if let Some(r) = min_marginal_roi {
            parts.push(format!(
                "no lane bought past the point where the next CNY returns less than {r:.2} CNY of GMV"
            ));
        }
        format!("ROI floor: {}.", parts.join("; "))
    }
    fn value_roi_unreachable(&self, floor: f64, reachable: f64) -> String {
        format!(
            "ROI {floor:.2} cannot hold with the target: the highest blended ROI that still reaches it is {reachable:.2}; lower --min-roi to that, or lower the target."
        )
    }
    fn lang(&self) -> Lang {
        Lang::En
    }

    fn summary_title(&self, d: f64, label: &str) -> String {
        format!("Traffic plan, {} {label}", days(d))
    }
    fn label_from(&self, day: &str) -> String {
        format!("from {day}")
    }
    fn target_unreachable(&self, requested: f64, reachable: f64, m: Metric) -> String {
        format!(
            "Target: {} {} — NOT REACHABLE: at most {} under the limits.",
            n(requested),
            m.unit(),
            n(reachable)
        )
    }
    fn target(&self, t: f64, m: Metric, d: f64) -> String {
        format!("Target: {} {} in {}.", n(t), m.unit(), days(d))
    }
    fn target_rooms(&self) -> String {
        "Target: every room's own target (see plan.json).".into()
    }
    fn budget(&self, b: f64, d: f64) -> String {
        format!("Budget: {} CNY for {}.", n(b), days(d))
    }
    fn plan_line(&self, spend: f64, viewers: f64, cpv: Option<f64>, p10: f64, p90: f64) -> String {
        format!(
            "Plan: {} CNY for {} viewers ({} CNY per viewer; P10–P90 {}–{} viewers).",
            n(spend),
            n(viewers),
            cpv.map_or("-".into(), |c| format!("{c:.2}")),
            n(p10),
            n(p90)
        )
    }
    fn saving_line(&self, saving: f64, span: &str, cpv: f64) -> String {
        let verb = if saving >= 0.0 {
            "Saving"
        } else {
            "Extra cost"
        };
        let of = possessive(span);
        format!(
            "{verb}: {} CNY against the same viewers at the last {of} {cpv:.2} CNY per viewer.",
            n(saving.abs()),
        )
    }
    fn shadow_target(&self, m: Metric, price: f64) -> String {
        format!(
            "One more {} would cost {} CNY (the target's shadow price).",
            m.unit().trim_end_matches('s'),
            thousands(price, 2)
        )
    }
    fn shadow_budget(&self, m: Metric, per_cny: f64) -> String {
        format!(
            "One more CNY would buy {per_cny:.3} {} (the budget's shadow price).",
            m.unit()
        )
    }
    fn backtest(&self, headline: &str) -> String {
        format!("Backtest: {headline}")
    }
    fn heading_last_week(&self) -> String {
        "Last week:".into()
    }
    fn heading_top_moves(&self) -> String {
        "Top moves:".into()
    }
    fn heading_warnings(&self) -> String {
        "Warnings:".into()
    }
    fn charts(&self, names: &str) -> String {
        format!("Charts: {names}.")
    }
    fn details(&self) -> String {
        "Details: plan.csv and plan.json in the run folder.".into()
    }

    fn schedule_saving(
        &self,
        span: &str,
        start: &str,
        saving: f64,
        m: Metric,
        even_spend: f64,
        fraction: Option<f64>,
    ) -> String {
        if saving.abs() < 0.5 {
            return format!(
                "Day by day ({span} from {start}): the schedule saves nothing against the same {} spread evenly over the days ({} CNY).",
                m.unit(),
                n(even_spend),
            );
        }
        format!(
            "Day by day ({span} from {start}): {} CNY {} than the same {} spread evenly over the days ({} CNY{}).",
            n(saving.abs()),
            if saving >= 0.0 { "less" } else { "more" },
            m.unit(),
            n(even_spend),
            fraction.map_or(String::new(), |f| format!(", {:.2} %", f.abs() * 100.0)),
        )
    }
    fn schedule_extra(&self, span: &str, start: &str, extra: f64, m: Metric, even: f64) -> String {
        if extra.abs() < 0.5 {
            return format!(
                "Day by day ({span} from {start}): the schedule gets no more {} than the same budget spread evenly over the days ({}).",
                m.unit(),
                n(even),
            );
        }
        format!(
            "Day by day ({span} from {start}): {} {} {} than the same budget spread evenly over the days ({}).",
            n(extra.abs()),
            m.unit(),
            if extra >= 0.0 { "more" } else { "fewer" },
            n(even),
        )
    }
    fn schedule_even(
        &self,
        span: &str,
        start: &str,
        even_spend: f64,
        even_viewers: f64,
        optimal: bool,
    ) -> String {
        format!(
            "Day by day ({span} from {start}); the even spread of the same request: {} CNY for {} viewers ({}).",
            n(even_spend),
            n(even_viewers),
            if optimal { "optimal" } else { "infeasible" }
        )
    }
    fn schedule_promotion(
        &self,
        date: &str,
        name: &str,
        lifts: &[(&str, f64)],
        channels: usize,
    ) -> String {
        let list: Vec<String> = lifts.iter().map(|(c, l)| format!("{c} ×{l:.2}")).collect();
        let everyday = channels.saturating_sub(lifts.len());
        let mut s = format!(" {date} is {name}: planned with its lift");
        if list.is_empty() {
            s = format!(
                " {date} is {name}: no channel has a lift from the history, so it is planned as an everyday"
            );
        } else {
            s.push_str(&format!(" ({})", list.join(", ")));
            if everyday > 0 {
                s.push_str(&format!(
                    "; {everyday} channel(s) without promotion days in the history as an everyday"
                ));
            }
        }
        s.push('.');
        s
    }
    fn schedule_min_excess(&self, excess: f64) -> String {
        format!(
            " Daily minimums add {} CNY to the schedule beyond the plan (lanes whose whole spend is below one day's minimum).",
            n(excess)
        )
    }

    fn risk_p(&self, goal: RiskGoal, m: Metric, d: &str, p: f64, p_expected: f64) -> String {
        let unit = m.unit();
        let what = match goal {
            RiskGoal::Total(t) => format!("P(reach {} {unit})", n(t)),
            RiskGoal::Rooms => "P(every room reaches its target)".to_string(),
        };
        format!(
            "{what} {}: the chance that the realised {unit} over {d} reach it (curve parameters, model family and day-to-day noise); {} that the plan's expected {unit} do.",
            is(p),
            percent(p_expected)
        )
    }
    fn risk_realised(&self, m: Metric, d: &str, p10: f64, p50: f64, p90: f64) -> String {
        format!(
            "Realised {} over {d}: P10 {}, median {}, P90 {} (curve parameters, model family and day-to-day noise).",
            m.unit(),
            n(p10),
            n(p50),
            n(p90)
        )
    }
    fn confidence_less(
        &self,
        asked: f64,
        saved: f64,
        share: &str,
        ev_spend: f64,
        ev_p: f64,
    ) -> String {
        format!(
            "Planned for P ≥ {}: {} CNY ({}) less than the expected-value plan ({} CNY, P = {}), which is surer than asked.",
            percent(asked),
            n(saved),
            share.trim_start_matches('+'),
            n(ev_spend),
            percent(ev_p)
        )
    }
    fn confidence_more(
        &self,
        asked: f64,
        extra: f64,
        share: &str,
        ev_spend: f64,
        ev_p: f64,
    ) -> String {
        format!(
            "Planned for P ≥ {}: {} CNY ({share}) more than the expected-value plan ({} CNY, P = {}): the cost of certainty.",
            percent(asked),
            n(extra),
            n(ev_spend),
            percent(ev_p)
        )
    }
    fn confidence_quantile(&self, m: Metric, asked: f64, q: f64, ev_q: f64) -> String {
        format!(
            "Planned for the {} reached with probability {}: {} (the expected-value plan reaches {} with that probability).",
            m.unit(),
            percent(asked),
            n(q),
            n(ev_q)
        )
    }
    fn confidence_unreachable(&self, asked: f64, p: f64) -> String {
        format!(
            "P ≥ {} is not reachable under the limits: the most certain plan found has P = {}.",
            percent(asked),
            percent(p)
        )
    }
    fn risk_headline_target(&self, target: f64, p: f64) -> String {
        format!("P(reach {}) {}", n(target), is(p))
    }
    fn risk_headline_rooms(&self, p: f64) -> String {
        format!("P(every room reaches its target) {}", is(p))
    }
    fn risk_headline_realised(&self, m: Metric, p10: f64, p90: f64) -> String {
        format!("Realised: P10–P90 {}–{} {}", n(p10), n(p90), m.unit())
    }

    fn list_sep(&self) -> &'static str {
        "; "
    }
    fn warn_infeasible(&self, limiting: &str) -> String {
        format!("The target cannot be met; limited by: {limiting}.")
    }
    fn warn_fake_rows(&self, rows: usize) -> String {
        format!(
            "{} rows of suspected fake traffic were set aside (flagged_rows.csv).",
            n(rows as f64)
        )
    }
    fn warn_extrapolation(&self, room: &str, channel: &str, per_day: f64) -> String {
        format!(
            "Extrapolation: {room} × {channel} plans {} CNY/day, beyond 1.5× its highest day in the history.",
            n(per_day)
        )
    }
    fn warn_support_limit(&self, room: &str, channel: &str, per_day: f64, multiple: f64) -> String {
        format!(
            "Support limit: {room} × {channel} held at {} CNY/day, {multiple}× its highest day in the history (the curve is not trusted beyond; `[plan] max_extrapolation` allows more).",
            n(per_day)
        )
    }
    fn warn_beyond_history(
        &self,
        room: &str,
        channel: &str,
        per_day: f64,
        times: Option<f64>,
        viewers: f64,
        fitted: Option<f64>,
    ) -> String {
        format!(
            "Beyond the history: {room} × {channel} plans {} CNY/day ({}× its highest day), counted at {} viewers on the conservative curve where the fitted curve promises {} (viewers past the highest day are taken at the P10 of the curve's growth).",
            n(per_day),
            times.map_or("?".into(), |t| format!("{t:.2}")),
            n(viewers),
            fitted.map_or("?".into(), n),
        )
    }
    fn warn_too_good(
        &self,
        room: &str,
        channel: &str,
        cpv: f64,
        times: f64,
        median: f64,
        spend: f64,
    ) -> String {
        format!(
            "Too good to be true: {room} × {channel} is planned at {cpv:.2} CNY per viewer, {times:.0}× cheaper than the channel's median lane ({median:.2}); check it for bought traffic before spending {} CNY there.",
            n(spend)
        )
    }
    fn warn_backtest_lost(&self, what: &str) -> String {
        format!("Backtest: the naive 28-day rule predicted better than the curves on {what}.")
    }
    fn warn_excluded(&self, channel: &str) -> String {
        format!("Channel {channel} was excluded from the plan.")
    }
    fn warn_not_planned(&self, room: &str, channel: &str, reason: &str) -> String {
        format!("Not planned: {room} × {channel}: {reason}.")
    }
    fn warn_data(&self, note: &str) -> String {
        format!("Data: {note}.")
    }

    fn top_move(
        &self,
        kind: MoveKind,
        channel: &str,
        delta: f64,
        last: f64,
        plan: f64,
        last_viewers: f64,
        plan_viewers: f64,
    ) -> String {
        let verb = match kind {
            MoveKind::Start => "Start",
            MoveKind::Stop => "Stop",
            MoveKind::Raise => "Raise",
            MoveKind::Cut => "Cut",
        };
        format!(
            "{verb} {channel} by {} CNY ({} → {} CNY), {} → {} viewers",
            fmt_num(delta),
            fmt_num(last),
            fmt_num(plan),
            fmt_num(last_viewers),
            fmt_num(plan_viewers),
        )
    }

    fn last_week_headline(&self, f: &LastWeekFigures) -> String {
        let mut s = format!(
            "the plan for {} to {} (run {}): planned {} viewers for {} CNY; spent {} CNY and got {} viewers",
            f.first_day,
            f.last_day,
            f.run,
            n(f.planned_viewers),
            n(f.planned_spend_cny),
            n(f.actual_spend_cny),
            n(f.actual_viewers),
        );
        if let Some(p) = f.predicted_viewers {
            s.push_str(&format!("; at that spend the curves predicted {}", n(p)));
            if p > 0.0 {
                s.push_str(&format!(
                    " ({})",
                    signed_percent(Lang::En, f.actual_viewers / p - 1.0)
                ));
            }
        }
        if f.days_covered < f.horizon_days {
            s.push_str(&format!(
                " — the history covers {} of the {} planned days so far; the plan is pro-rated to them",
                f.days_covered, f.horizon_days
            ));
        }
        s
    }
    fn last_week_split(&self, f: &LastWeekFigures) -> String {
        let c = |v: f64| signed_count(Lang::En, v);
        let mut s = format!(
            "miss {} viewers: execution (spent differently from the plan) {}, prediction (the curves at the spend spent) {}",
            c(f.miss_viewers()),
            c(f.execution_viewers),
            c(f.prediction_viewers)
        );
        if f.fake_traffic_viewers != 0.0 {
            s.push_str(&format!(
                ", fake traffic ({} CNY on {} flagged rows) {}",
                n(f.flagged_spend_cny),
                f.flagged_rows,
                c(f.fake_traffic_viewers)
            ));
        }
        if f.unsplit_viewers != 0.0 {
            s.push_str(&format!(
                ", lanes without a curve ({}) {}",
                f.lanes_without_curve,
                c(f.unsplit_viewers)
            ));
        }
        s
    }

    fn subject_head(&self, year: i32, week: u32, start: &str, d: f64) -> String {
        format!(
            "acqplan {year}-W{week:02} plan from {start} ({} days)",
            fmt_num(d)
        )
    }
    fn subject_unreachable(&self, requested: f64, got: f64, m: Metric, cost: f64) -> String {
        format!(
            ": target {} {} NOT REACHABLE, at most {} for {} CNY",
            n(requested),
            m.unit(),
            n(got),
            n(cost)
        )
    }
    fn subject_target(&self, target: f64, m: Metric, cost: f64) -> String {
        format!(": target {} {} for {} CNY", n(target), m.unit(), n(cost))
    }
    fn subject_rooms(&self, got: f64, m: Metric, cost: f64) -> String {
        format!(
            ": room targets, {} {} for {} CNY",
            n(got),
            m.unit(),
            n(cost)
        )
    }
    fn subject_budget(&self, budget: Option<f64>, got: f64, m: Metric, cost: f64) -> String {
        match budget {
            Some(b) => format!(
                ": budget {} CNY, {} {} for {} CNY",
                n(b),
                n(got),
                m.unit(),
                n(cost)
            ),
            None => format!(": {} {} for {} CNY", n(got), m.unit(), n(cost)),
        }
    }

    fn png_title(&self, when: &str, d: f64) -> String {
        format!("Traffic plan{when} ({} days)", fmt_num(d))
    }
    fn png_target(&self, t: f64, m: Metric, d: f64) -> String {
        format!("Target: {} {} in {} days", fmt_num(t), m.unit(), fmt_num(d))
    }
    fn png_budget(&self, b: f64, d: f64) -> String {
        format!("Budget: {} CNY for {} days", fmt_num(b), fmt_num(d))
    }
    fn png_goal(&self, m: Metric) -> String {
        format!("Goal: {}", m.unit())
    }
    fn png_cost(&self, spend: f64, viewers: f64, cpv: Option<f64>) -> String {
        format!(
            "Plan cost: {} CNY for {} viewers{}",
            fmt_num(spend),
            fmt_num(viewers),
            cpv.map(|c| format!(" ({c:.2} CNY per viewer)"))
                .unwrap_or_default()
        )
    }
    fn png_saving(&self, saving: f64, span: &str, cpv: f64) -> String {
        if saving >= 0.0 {
            format!(
                "Saving vs last {span}: {} CNY (same viewers at last period's {cpv:.2} CNY per viewer)",
                fmt_num(saving)
            )
        } else {
            let of = possessive(span);
            format!(
                "Costs {} CNY more than last {of} rate ({cpv:.2} CNY per viewer)",
                fmt_num(-saving)
            )
        }
    }
    fn png_no_comparison(&self, span: &str) -> String {
        format!("No spend in the last {span} to compare with")
    }
    fn png_shadow_viewer(&self, price: f64) -> String {
        format!(
            "Next viewer costs {price:.2} CNY (shadow price: every channel is bought up to this marginal cost)"
        )
    }
    fn png_shadow(&self, m: Metric, price: f64) -> String {
        format!("Next {} costs {price:.2} CNY (shadow price)", m.unit())
    }
    fn png_no_shadow(&self) -> String {
        "Shadow price: not available for this plan".into()
    }
    fn png_unreachable(&self, reachable: f64, m: Metric) -> String {
        format!(
            "Target not reachable: at most {} {} under the limits",
            fmt_num(reachable),
            m.unit()
        )
    }
    fn png_top_moves(&self) -> String {
        "Top moves".into()
    }
    fn png_keep_split(&self) -> String {
        "• keep last period's split".into()
    }
    fn png_warn_extrapolated(&self, lanes: usize) -> String {
        format!("{lanes} lane(s) planned beyond 1.5× their highest daily spend")
    }
    fn png_warn_fake(&self, rows: usize) -> String {
        format!(
            "{} row(s) of suspected fake traffic set aside",
            fmt_num(rows as f64)
        )
    }
    fn png_warn_unusable(&self, series: usize) -> String {
        format!("{series} series without a usable curve, not planned")
    }
    fn heat_title(&self, shown: usize, d: usize) -> String {
        if shown < d {
            format!("Schedule: CNY per day by channel (first {shown} of {d} days)")
        } else {
            "Schedule: CNY per day by channel".into()
        }
    }
    fn heat_others(&self, channels: usize) -> String {
        format!("{channels} others")
    }
    fn heat_total(&self) -> String {
        "total".into()
    }
    fn review_title(&self, first: &str, last: &str) -> String {
        format!("Last week: {first} – {last}")
    }
    fn review_bars(&self) -> [String; 3] {
        [
            "planned".into(),
            "predicted at actual spend".into(),
            "actual".into(),
        ]
    }
    fn review_spend(&self, planned: f64, actual: f64) -> String {
        format!(
            "spend: planned {} CNY, actual {} CNY",
            fmt_num(planned),
            fmt_num(actual)
        )
    }
    fn review_partial(&self, covered: u32, horizon: u32) -> String {
        format!("history covers {covered} of {horizon} days so far")
    }

    fn label(&self, l: Label) -> &'static str {
        match l {
            Label::McShort => "Marginal cost per viewer",
            Label::AxisSpendPerDay => "spend, CNY/day",
            Label::AxisMarginalCost => "marginal cost, CNY per viewer",
            Label::AxisViewersPerDay => "viewers/day",
            Label::LegendPlan => "the plan",
            Label::LegendFrontier => "max viewers for the budget",
            Label::LegendWhatIf => "what-if budgets",
            Label::NoFrontier => "frontier not computed (no plan request)",
            Label::NoCurves => "no curves to show",
            Label::DailyHistory => "daily history",
            Label::FakeDay => "day with screened fake traffic (▲ above the scale)",
            Label::FakeRow => "screened fake traffic (▲ above the scale)",
            Label::FittedBand => "fitted curve, P10–P90 band",
            Label::LastPeriod => "last period, avg spend/day",
            Label::PlanPerDay => "plan, spend/day",
            Label::NoUsableCurve => "no usable curve",
            Label::PlanBeyondHistory => "plan beyond history",
        }
    }
    fn chart_days(&self, d: f64) -> String {
        format!("{} days", fmt_num(d))
    }
    fn alloc_title(&self, days: &str, when: &str, full: bool) -> String {
        if full {
            format!(
                "Spend per channel over {days}{when}: last period (grey) vs plan (colour), with viewers"
            )
        } else {
            format!("Spend per channel over {days}: last (grey) vs plan")
        }
    }
    fn alloc_axis(&self, days: &str) -> String {
        format!("spend over {days}, CNY")
    }
    fn alloc_last(&self, spend: f64, viewers: f64) -> String {
        format!("last {} CNY · {} viewers", fmt_num(spend), fmt_num(viewers))
    }
    fn alloc_plan(&self, spend: f64, viewers: f64) -> String {
        format!("plan {} CNY → {} viewers", fmt_num(spend), fmt_num(viewers))
    }
    fn mc_title(&self, when: &str) -> String {
        format!(
            "Marginal cost of the next viewer by channel{when}: the plan buys each channel up to the shadow price"
        )
    }
    fn mc_shadow(&self, price: f64) -> String {
        format!("shadow price {price:.2} CNY per viewer")
    }
    fn fr_title(&self, days: &str, when: &str, full: bool) -> String {
        if full {
            format!("Budget frontier{when}: most viewers each budget buys over {days}")
        } else {
            format!("Viewers per budget, {days}")
        }
    }
    fn fr_axis_x(&self, days: &str) -> String {
        format!("budget over {days}, CNY")
    }
    fn fr_axis_y(&self, days: &str) -> String {
        format!("expected viewers over {days}")
    }
    fn fr_target(&self, target: f64, metric: Option<Metric>, reachable: bool) -> String {
        let reach = if reachable { "" } else { " (not reachable)" };
        let unit = metric.map_or("viewers", Metric::unit);
        format!("target {} {unit}{reach}", fmt_num(target))
    }
    fn fr_target_viewers(&self, short: &str, viewers: f64) -> String {
        format!("{short}: the plan's {} viewers", fmt_num(viewers))
    }
    fn fr_plan(&self, spend: f64, viewers: f64) -> String {
        format!("plan {} CNY → {} viewers", fmt_num(spend), fmt_num(viewers))
    }
    fn fr_not_viewers(&self, m: Metric) -> String {
        format!(
            "The plan is the cheapest way to its {}, not to viewers: it may sit below this viewers frontier.",
            m.unit()
        )
    }
    fn fr_what_if(&self, budget: f64, viewers: f64) -> String {
        format!("what-if {} CNY → {}", fmt_num(budget), fmt_num(viewers))
    }
    fn curves_what(&self, period_days: u32) -> String {
        match period_days {
            1 => "viewers/day against spend/day, fitted on the daily history".to_string(),
            7 => "viewers/day against spend/day, fitted on weekly rows ÷ 7".to_string(),
            d => format!("viewers/day against spend/day, fitted on {d}-day rows ÷ {d}"),
        }
    }
    fn curves_title(&self, when: &str, what: Option<&str>) -> String {
        match what {
            Some(what) => format!("Response curves{when}: {what}"),
            None => format!("Response curves{when}"),
        }
    }
    fn curves_fake_above(&self, n: usize) -> String {
        format!("{n} fake above scale")
    }

    fn plan_table_head(&self, min_spend: bool, over: &str, optimal: bool) -> String {
        format!(
            "plan: {} over {over} — {}",
            if min_spend {
                "cheapest plan reaching the target"
            } else {
                "most viewers within the budget"
            },
            if optimal { "optimal" } else { "INFEASIBLE" }
        )
    }
    fn plan_table_columns(&self, per_period: &str) -> [String; 9] {
        [
            "room",
            "channel",
            "spend_cny",
            per_period,
            "viewers",
            "p10..p90",
            "avg_cpv",
            "marginal_cpv",
            "note",
        ]
        .map(String::from)
    }
    fn table_total(&self) -> &'static str {
        "total"
    }
    fn table_saturated(&self) -> &'static str {
        "saturated"
    }
    fn table_risk(&self) -> &'static str {
        "risk: "
    }
    fn table_more_limits(&self, n: usize, key: &str) -> String {
        format!(
            "… and {} more (see plan.json `{key}`)",
            thousands(n as f64, 0)
        )
    }
    fn table_shadow_target(&self, m: Metric, price: f64) -> String {
        format!(
            "shadow price of the target: {} CNY for one more {}",
            thousands(price, 2),
            m.unit().trim_end_matches('s')
        )
    }
    fn table_shadow_budget(&self, m: Metric, per_cny: f64) -> String {
        format!(
            "shadow price of the budget: {} {} per extra CNY",
            thousands(per_cny, 3),
            m.unit()
        )
    }
    fn table_last(
        &self,
        span: &str,
        spend: f64,
        viewers: f64,
        cpv: f64,
        at_last: f64,
        saving: f64,
    ) -> String {
        format!(
            "last {span} of history: {} CNY for {} viewers ({cpv:.2} CNY per viewer); the plan's viewers would have cost {} CNY then: saving {} CNY",
            n(spend),
            n(viewers),
            n(at_last),
            n(saving)
        )
    }

    // --- the command tables (i19tr) ---
    fn col(&self, c: Col) -> &'static str {
        match c {
            Col::Room => "room",
            Col::Channel => "channel",
            Col::Total => "total",
            Col::Note => "note",
            Col::SpendCny => "spend_cny",
            Col::Viewers => "viewers",
            Col::CostPerViewer => "cost_per_viewer_cny",
            Col::Model => "model",
            Col::R2Log => "R²(log)",
            Col::HoldoutMape => "holdout MAPE",
            Col::CpvP50 => "CNY/viewer @p50",
            Col::MarginalP50 => "marginal @p50",
            Col::Recency => "recency",
            Col::Saturated => "saturated",
            Col::LaneWeeks => "lane-weeks",
            Col::WapeAcqplan => "WAPE acqplan",
            Col::Naive28d => "naive 28d",
            Col::LogLog => "log-log",
            Col::BiasAcqplan => "bias acqplan",
            Col::DailyWape => "daily WAPE",
            Col::PlannedCny => "planned_cny",
            Col::ActualCny => "actual_cny",
            Col::PlannedViewers => "planned_viewers",
            Col::PredictedAtActual => "predicted_at_actual",
            Col::ActualViewers => "actual_viewers",
            Col::Execution => "execution",
            Col::Prediction => "prediction",
            Col::Export => "export",
            Col::Rows => "rows",
            Col::Added => "added",
            Col::Unchanged => "unchanged",
            Col::Revised => "revised",
            Col::Rejected => "rejected",
            Col::AlreadyIngested => "already ingested",
            Col::Rooms => "rooms",
            Col::First => "first",
            Col::Last => "last",
            Col::Missing => "missing",
            Col::FirstMissing => "first missing",
            Col::Source => "source",
            Col::IngestedAt => "ingested at (UTC)",
            Col::AvgCpv => "avg_cpv",
            Col::Marginal => "marginal",
            Col::Status => "status",
            Col::Setting => "setting",
            Col::Value => "value",
            Col::Nothing => "(none)",
            Col::ChannelFromFile => "(from the file's channel column)",
            Col::ByAuto => "auto (room,channel when the data has rooms)",
            Col::NoEmail => "(none: no plan.eml)",
            Col::NotSent => "(none: not sent)",
        }
    }
    fn status(&self, status: &str) -> String {
        status.to_string()
    }
    fn whatif_varied(&self, varied: &str) -> String {
        varied.to_string()
    }
    fn col_rows_used(&self, period_days: u32) -> String {
        crate::validate::Period::of_days(period_days)
            .plural()
            .to_string()
    }
    fn col_with_spend(&self, period_days: u32) -> String {
        format!("{}_with_spend", self.col_rows_used(period_days))
    }
    fn period_name(&self, period_days: u32, weekday: Option<usize>) -> String {
        const DAYS: [&str; 7] = [
            "Mondays",
            "Tuesdays",
            "Wednesdays",
            "Thursdays",
            "Fridays",
            "Saturdays",
            "Sundays",
        ];
        match (period_days, weekday) {
            (1, _) => "daily".into(),
            (7, Some(w)) => format!("weekly (rows dated {})", DAYS[w % 7]),
            (7, None) => "weekly".into(),
            (d, _) => format!("every {d} days"),
        }
    }
    fn validate_head(
        &self,
        rows: f64,
        first: &str,
        last: &str,
        rooms: usize,
        channels: usize,
        period: &str,
    ) -> String {
        format!(
            "rows: {}   dates: {first} .. {last}   rooms: {rooms}   channels: {channels}   period: {period}",
            n(rows)
        )
    }
    fn screen_head(&self, flagged: usize, rows: usize, signals: Option<&str>) -> String {
        format!(
            "{flagged} of {rows} rows flagged as fake traffic (signals: {})",
            signals.unwrap_or("none (screening off)")
        )
    }
    fn screen_channel(
        &self,
        channel: &str,
        flagged: usize,
        rows: usize,
        before: Option<f64>,
        after: Option<f64>,
    ) -> String {
        let cost = |c: Option<f64>| c.map_or_else(|| "–".to_string(), |c| format!("{c:.2}"));
        let change = match (before, after) {
            (Some(b), Some(a)) if b > 0.0 => format!(" ({:+.1} %)", 100.0 * (a / b - 1.0)),
            _ => String::new(),
        };
        format!(
            "{channel}: {flagged} of {rows} rows flagged, cost per viewer {} → {} CNY{change}",
            cost(before),
            cost(after),
        )
    }
    fn fit_unusable(&self, reason: &str) -> String {
        format!("unusable: {reason}")
    }
    fn fit_shrunk(&self, reason: &str) -> String {
        format!("shrunk: {reason}")
    }
    fn fit_footer(&self, curves: usize, fitted: usize, flat: usize, unusable: usize) -> String {
        let flat = if flat > 0 {
            format!(", {flat} flat (baselines, not planned)")
        } else {
            String::new()
        };
        format!("{curves} curves: {fitted} fitted{flat}, {unusable} unusable")
    }
    fn backtest_head(&self, weeks: usize, scored: usize) -> String {
        format!(
            "backtest of the last {weeks} weeks ({scored} scored): each week predicted from the days before it"
        )
    }
    fn backtest_headline(&self, weeks: usize, wape: [f64; 3], bias: f64) -> String {
        format!(
            "The curves predicted the last {weeks} weeks' lane totals within {:.1} % (WAPE; naive 28-day rule {:.1} %, log-log {:.1} %), bias {:+.1} %.",
            100.0 * wape[0],
            100.0 * wape[1],
            100.0 * wape[2],
            100.0 * bias
        )
    }
    fn backtest_nothing(&self) -> String {
        "The backtest found no week with enough history before it.".into()
    }
    fn backtest_lost(&self, channel: &str, ours: f64, naive: f64) -> String {
        format!(
            "{channel}: acqplan {:.1} % vs naive 28-day rule {:.1} %",
            100.0 * ours,
            100.0 * naive
        )
    }
    fn backtest_without_curve(&self, lane_weeks: usize) -> String {
        format!("{lane_weeks} lane-weeks had no usable curve and are left out for every method")
    }
    fn backtest_conversions(&self, gmv: bool) -> String {
        format!(
            "{} (weekly lane totals; viewers × orders or GMV per viewer before the week):",
            if gmv { "GMV" } else { "orders" }
        )
    }
    fn review_head(&self, first: &str, last: &str, covered: u32, horizon: u32) -> String {
        format!("Review of the plan for {first} to {last} ({covered} of {horizon} days covered)")
    }
    fn review_png_title(&self, first: &str, last: &str, covered: u32, horizon: u32) -> String {
        format!(
            "Review of the plan for {first} – {last}: viewers per channel ({covered} of {horizon} days in the history)"
        )
    }
    fn review_png_bars(&self) -> [&'static str; 3] {
        ["planned", "predicted at the spend spent", "actual"]
    }
    fn review_png_axis(&self) -> &'static str {
        "viewers over the days covered"
    }
    fn backtest_png_title(&self, weeks: usize) -> String {
        format!(
            "Backtest: viewers per week, each week predicted from the days before it ({weeks} weeks)"
        )
    }
    fn backtest_png_axes(&self) -> [&'static str; 2] {
        ["week starting", "viewers (all lanes, paid days)"]
    }
    fn backtest_png_series(&self) -> [&'static str; 4] {
        [
            "actual",
            "acqplan",
            "naive: last 28 days' viewers per CNY",
            "per-lane log-log regression",
        ]
    }
    fn store_head(
        &self,
        rows: f64,
        rooms: usize,
        channels: usize,
        first: &str,
        last: &str,
        weekly: bool,
        files: usize,
        generation: u64,
    ) -> String {
        format!(
            "{} rows, {rooms} rooms, {channels} channels, {first} to {last} ({}), {files} month files, generation {generation}",
            n(rows),
            if weekly { "weekly rows" } else { "daily rows" },
        )
    }
    fn store_no_gaps(&self, weekly: bool) -> String {
        format!(
            "no gaps: every lane has a row on all {} between its first and last spend",
            if weekly { "weeks" } else { "days" }
        )
    }
    fn store_gaps(&self, lanes: usize, weekly: bool) -> String {
        format!(
            "{lanes} lanes miss {} between their first and last spend:",
            if weekly { "weeks" } else { "days" }
        )
    }
    fn store_last_ingest(&self) -> String {
        "last ingest per source:".into()
    }
    fn setting_source(&self, source: &crate::config::Source) -> String {
        source.to_string()
    }
}
