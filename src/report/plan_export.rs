//! plan.csv, plan.json and the plan table for stdout (bytes and text, no IO).

use serde::Serialize;

use super::table::{Align, Table, csv_num as num, fmt_num, thousands};
use crate::plan::stage::{Comparison, PlanReport, PlanRow};
use crate::plan::{
    BindingConstraint, ConstraintKind, Infeasibility, LaneName, LanePlan, Limit, Metric, Plan,
    PlanMode, PlanStatus, RoomResult, SolverPath, Totals,
};

/// Binding limits (and limits that stop an infeasible target) listed one
/// by one in the plan table; the rest are counted.
const TABLE_LIMITS: usize = 12;

/// A binding limit in words, e.g. `douyin_qianchuan at its maximum 50,000
/// CNY` (a lane is `room / channel` when the plan has several rooms).
pub fn describe(limit: &Limit) -> String {
    let lane = |l: &LaneName| {
        if l.several_rooms {
            format!("{} / {}", l.room, l.channel)
        } else {
            l.channel.clone()
        }
    };
    match limit {
        Limit::Target { target, metric } => {
            format!("target {} {}", fmt_num(*target), metric.unit())
        }
        Limit::RoomTarget {
            room,
            target,
            metric,
        } => format!("room {room} target {} {}", fmt_num(*target), metric.unit()),
        Limit::Budget { budget_cny } => format!("budget {} CNY fully spent", fmt_num(*budget_cny)),
        Limit::ChannelLocked {
            channel,
            locked_cny,
        } => format!(
            "{channel} locked by contract at {} CNY",
            fmt_num(*locked_cny)
        ),
        Limit::ChannelMin { channel, min_cny } => {
            format!("{channel} at its minimum {} CNY", fmt_num(*min_cny))
        }
        Limit::ChannelMax { channel, max_cny } => {
            format!("{channel} at its maximum {} CNY", fmt_num(*max_cny))
        }
        Limit::ChannelShare { channel, max_share } => format!(
            "{channel} at its maximum share {}% of total spend",
            fmt_num(max_share * 100.0)
        ),
        Limit::ReachCap {
            lane: l,
            cap_viewers_per_day,
        } => format!(
            "{} reach cap {}/day reached",
            lane(l),
            fmt_num(*cap_viewers_per_day)
        ),
        Limit::SupportLimit {
            lane: l,
            limit_cny_per_day,
            history_multiple,
        } => format!(
            "{} at its support limit {} CNY/day ({} × its highest day in the history; `[plan] max_extrapolation` allows more)",
            lane(l),
            fmt_num(*limit_cny_per_day),
            fmt_num(*history_multiple)
        ),
        Limit::RangeEnd {
            lane: l,
            range_end_cny_per_day,
        } => format!(
            "{} at the end of its planned range {} CNY/day",
            lane(l),
            fmt_num(*range_end_cny_per_day)
        ),
        Limit::DailyMax {
            lane: l,
            max_daily_cny,
        } => format!(
            "{} at its daily maximum {} CNY/day on some day",
            lane(l),
            fmt_num(*max_daily_cny)
        ),
        Limit::Written(words) => words.clone(),
        other => super::limits_text::describe_extra(other).unwrap_or_default(),
    }
}

/// `plan.json`: the whole report, pretty-printed.
pub fn plan_json(r: &PlanReport) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(&plan_json_value(r)).expect("plan serialises");
    v.push(b'\n');
    v
}

/// What `plan.json` holds: the report field by field, each binding limit
/// in words (`description`; `infeasibility.limiting`). Reads back as a
/// [`PlanReport`] whose limits are [`Limit::Written`].
pub fn plan_json_value(r: &PlanReport) -> impl Serialize + '_ {
    ReportJson {
        plan: PlanJson::of(&r.plan),
        rows: &r.rows,
        viewers_p10_sum: r.viewers_p10_sum,
        viewers_p90_sum: r.viewers_p90_sum,
        viewers_week_p10_total: r.viewers_week_p10_total,
        viewers_week_p90_total: r.viewers_week_p90_total,
        comparison: &r.comparison,
        unusable: &r.unusable,
        risk: r.risk.as_ref(),
        schedule: &r.schedule,
        bands: BandsJson::TEXT,
        beyond_history: BeyondJson::of(r),
    }
}

/// What the P10–P90 numbers of plan.json are.
#[derive(Serialize)]
struct BandsJson {
    viewers_p10_p90: &'static str,
    viewers_week_p10_p90: &'static str,
}

impl BandsJson {
    const TEXT: BandsJson = BandsJson {
        viewers_p10_p90: "expected-value band: P10 and P90 of the expected viewers over the horizon from the curves' uncertainty (parameters and the other families' fits), not a predictive band for one week (a week's actual viewers also vary with the day-to-day noise around the expectation); the sums add the lanes' P10 (P90), a conservative total",
        viewers_week_p10_p90: "predictive band: P10 and P90 of the viewers the horizon will actually deliver at the planned spend (the expected-value band's uncertainty plus each day's noise, drawn from the lane's residual spread and summed over the horizon's days), per lane and for the total (`viewers_week_p10_total`, `viewers_week_p90_total`: the lanes' errors combined, not added)",
    };
}

/// Lanes planned past their highest day, and what was assumed there.
#[derive(Serialize)]
struct BeyondJson {
    assumed: &'static str,
    lanes: Vec<String>,
}

impl BeyondJson {
    const ASSUMED: &'static str = "past its highest daily spend in the history a lane is planned on a conservative curve: the fitted value at the highest day, and every viewer bought beyond it discounted by the growth of the curve's P10-P90 band there, f(s) * exp(-1.28 * (sd(s) - sd(edge))), each lane at its own P10 (made concave); `viewers` are that curve's, `viewers_fitted_curve` what the fitted curve alone promises";

    fn of(r: &PlanReport) -> Option<BeyondJson> {
        let lanes: Vec<String> = r
            .rows
            .iter()
            .filter(|x| x.beyond_history)
            .map(|x| format!("{} × {}", x.room, x.channel))
            .collect();
        (!lanes.is_empty()).then_some(BeyondJson {
            assumed: Self::ASSUMED,
            lanes,
        })
    }
}

#[derive(Serialize)]
struct ReportJson<'a> {
    plan: PlanJson<'a>,
    rows: &'a [PlanRow],
    viewers_p10_sum: f64,
    viewers_p90_sum: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    viewers_week_p10_total: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    viewers_week_p90_total: Option<f64>,
    comparison: &'a Comparison,
    unusable: &'a [(String, String, String)],
    #[serde(skip_serializing_if = "Option::is_none")]
    risk: Option<&'a crate::plan::risk::RiskSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    schedule: &'a Option<crate::plan::schedule::ScheduleSummary>,
    bands: BandsJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    beyond_history: Option<BeyondJson>,
}

#[derive(Serialize)]
struct PlanJson<'a> {
    status: PlanStatus,
    mode: PlanMode,
    metric: Metric,
    horizon_days: f64,
    lanes: &'a [LanePlan],
    rooms: &'a [RoomResult],
    totals: &'a Totals,
    target_shadow_price_cny_per_unit: Option<f64>,
    budget_shadow_price_units_per_cny: Option<f64>,
    binding: Vec<BindingJson<'a>>,
    infeasibility: Option<InfeasibilityJson<'a>>,
    solver: SolverPath,
    segments_total: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    limits: Vec<crate::plan::WrittenLimitCost>,
    #[serde(skip_serializing_if = "Option::is_none")]
    guardrail: &'a Option<crate::plan::GuardrailCost>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: &'a Option<crate::plan::ValueReport>,
}

impl<'a> PlanJson<'a> {
    fn of(p: &'a Plan) -> Self {
        // Every field, so a new one fails to compile here until written.
        let Plan {
            status,
            mode,
            metric,
            horizon_days,
            lanes,
            rooms,
            totals,
            target_shadow_price_cny_per_unit,
            budget_shadow_price_units_per_cny,
            binding,
            infeasibility,
            solver,
            segments_total,
            guardrail,
            limits_written,
            value,
        } = p;
        PlanJson {
            status: *status,
            mode: *mode,
            metric: *metric,
            horizon_days: *horizon_days,
            lanes,
            rooms,
            totals,
            target_shadow_price_cny_per_unit: *target_shadow_price_cny_per_unit,
            budget_shadow_price_units_per_cny: *budget_shadow_price_units_per_cny,
            binding: binding.iter().map(BindingJson::of).collect(),
            infeasibility: infeasibility.as_ref().map(InfeasibilityJson::of),
            solver: *solver,
            segments_total: *segments_total,
            limits: if p
                .binding
                .iter()
                .any(|b| matches!(b.limit, crate::plan::Limit::Written(_)))
            {
                // Read back from plan.json: written again as it was.
                limits_written.clone()
            } else {
                crate::plan::limit_costs(p)
                    .iter()
                    .map(|c| crate::plan::WrittenLimitCost {
                        constraint: c.limit.as_ref().map(describe).unwrap_or_default(),
                        limit: c.limit.clone(),
                        kind: c.kind,
                        bound: c.bound,
                        dual_per_unit: c.dual_per_unit,
                        step: c.step,
                        gain_for_step: c.gain,
                        words: super::limits_text::cost_sentence(c, p.mode, p.metric),
                    })
                    .collect()
            },
            guardrail,
            value,
        }
    }
}

#[derive(Serialize)]
struct BindingJson<'a> {
    kind: ConstraintKind,
    channel: &'a Option<String>,
    room: &'a Option<String>,
    description: String,
    #[serde(skip_serializing_if = "Limit::is_written")]
    limit: &'a Limit,
    shadow_price: Option<f64>,
}

impl<'a> BindingJson<'a> {
    fn of(b: &'a BindingConstraint) -> Self {
        BindingJson {
            kind: b.kind,
            channel: &b.channel,
            room: &b.room,
            description: describe(&b.limit),
            limit: &b.limit,
            shadow_price: b.shadow_price,
        }
    }
}

#[derive(Serialize)]
struct InfeasibilityJson<'a> {
    requested: f64,
    max_reachable: f64,
    shortfall: f64,
    limiting: Vec<String>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    limiting_limits: Vec<&'a Limit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    relaxation: Option<RelaxationJson<'a>>,
}

#[derive(Serialize)]
struct RelaxationJson<'a> {
    found: bool,
    approximate: bool,
    changes: Vec<RelaxJson<'a>>,
}

#[derive(Serialize)]
struct RelaxJson<'a> {
    kind: ConstraintKind,
    description: String,
    #[serde(skip_serializing_if = "Limit::is_written")]
    limit: &'a Limit,
    from: f64,
    to: f64,
}

impl<'a> InfeasibilityJson<'a> {
    fn of(i: &'a Infeasibility) -> Self {
        InfeasibilityJson {
            requested: i.requested,
            max_reachable: i.max_reachable,
            shortfall: i.shortfall,
            limiting: i.limiting.iter().map(describe).collect(),
            // Values only when every limit has one (a plan read back from
            // words keeps words).
            limiting_limits: if i.limiting.iter().any(Limit::is_written) {
                Vec::new()
            } else {
                i.limiting.iter().collect()
            },
            relaxation: i.relaxation.as_ref().map(|r| RelaxationJson {
                found: r.found,
                approximate: r.approximate,
                changes: r
                    .changes
                    .iter()
                    .map(|c| RelaxJson {
                        kind: c.kind,
                        description: describe(&c.limit),
                        limit: &c.limit,
                        from: c.from,
                        to: c.to,
                    })
                    .collect(),
            }),
        }
    }
}

/// plan.csv's columns of the value report (when a margin or an ROI goal
/// is given); on the total row: the plan's GMV, its blended ROI and how
/// many lanes are below break-even.
const VALUE_COLUMNS: [&str; 3] = ["gmv_cny", "marginal_roi", "below_break_even"];

/// `plan.csv`: one row per room × channel, then a `total` row.
pub fn plan_csv(r: &PlanReport) -> Vec<u8> {
    let value = r.plan.value.as_ref();
    let mut w = csv::Writer::from_writer(Vec::new());
    let period = r.comparison.period();
    let per = period.days as f64;
    let per_period = format!("spend_cny_per_{}", period.suffix());
    w.write_record(
        [
            "room",
            "channel",
            "spend_cny",
            per_period.as_str(),
            "viewers",
            "viewers_p10",
            "viewers_p90",
            "avg_cost_cny_per_viewer",
            "marginal_cost_cny_per_viewer",
            "binding",
            "extrapolation",
            "last_spend_cny",
            "last_viewers",
        ]
        .into_iter()
        .chain(
            value
                .map_or(&[][..], |_| &VALUE_COLUMNS[..])
                .iter()
                .copied(),
        ),
    )
    .expect("writing to memory");
    for (i, row) in r.rows.iter().enumerate() {
        let extra = value.map(|v| {
            let l = &v.lanes[i];
            [
                num(Some(l.gmv_cny), 2),
                num(l.marginal_roi, 4),
                l.below_break_even.to_string(),
            ]
        });
        w.write_record(
            [
                row.room.as_str(),
                row.channel.as_str(),
                &num(Some(row.spend_cny), 2),
                &num(Some(row.spend_cny_per_day * per), 2),
                &num(Some(row.viewers), 1),
                &num(Some(row.viewers_p10), 1),
                &num(Some(row.viewers_p90), 1),
                &num(row.avg_cost_cny_per_viewer, 4),
                &num(row.marginal_cost_cny_per_viewer, 4),
                &row.binding.join(";"),
                if row.extrapolation { "true" } else { "false" },
                &num(Some(row.last_spend_cny), 2),
                &num(Some(row.last_viewers), 1),
            ]
            .into_iter()
            .map(str::to_string)
            .chain(extra.into_iter().flatten()),
        )
        .expect("writing to memory");
    }
    let t = &r.plan.totals;
    w.write_record(
        [
            "",
            "total",
            &num(Some(t.spend_cny), 2),
            &num(Some(t.spend_cny / r.plan.horizon_days * per), 2),
            &num(Some(t.viewers), 1),
            &num(Some(r.viewers_p10_sum), 1),
            &num(Some(r.viewers_p90_sum), 1),
            &num(t.avg_cost_cny_per_viewer, 4),
            &num(r.plan.target_shadow_price_cny_per_unit, 4),
            &r.plan
                .binding
                .iter()
                .map(|b| describe(&b.limit))
                .collect::<Vec<_>>()
                .join(";"),
            if r.rows.iter().any(|x| x.extrapolation) {
                "true"
            } else {
                "false"
            },
            &num(Some(r.comparison.last_spend_cny), 2),
            &num(Some(r.comparison.last_viewers), 1),
        ]
        .into_iter()
        .map(str::to_string)
        .chain(value.into_iter().flat_map(|v| {
            [
                num(Some(v.gmv_cny), 2),
                num(v.roi, 4),
                v.below_break_even().count().to_string(),
            ]
        })),
    )
    .expect("writing to memory");
    w.into_inner().expect("writing to memory")
}

fn opt(v: Option<f64>, decimals: usize) -> String {
    v.filter(|x| x.is_finite())
        .map_or_else(|| "-".into(), |x| thousands(x, decimals))
}

/// The plan as text for stdout.
pub fn plan_table(r: &PlanReport) -> String {
    plan_table_in(r, crate::lang::Lang::En)
}

/// [`plan_table`] in `lang`: headings and sentences from the catalogue;
/// the cells keep every digit (thousands separators) in both languages,
/// as they are figures to check and type, and the limits' names
/// (`binding`, `limited by`) stay as plan.json writes them.
pub fn plan_table_in(r: &PlanReport, lang: crate::lang::Lang) -> String {
    let w = crate::report::i18n::words(lang);
    let p = &r.plan;
    let period = r.comparison.period();
    let per = period.days as f64;
    let over = if period.is_daily() {
        match lang {
            crate::lang::Lang::En => format!("{} days", p.horizon_days),
            crate::lang::Lang::Zh => crate::report::i18n::days(lang, p.horizon_days),
        }
    } else {
        format!(
            "{} days ({})",
            p.horizon_days,
            period.count(p.horizon_days as usize)
        )
    };
    let mut s = format!(
        "{}\n\n",
        w.plan_table_head(
            p.mode == PlanMode::MinSpend,
            &over,
            p.status == PlanStatus::Optimal
        )
    );
    let per_period = format!("cny_per_{}", period.suffix());
    let cols = w.plan_table_columns(&per_period);
    let aligns = [
        Align::Left,
        Align::Left,
        Align::Right,
        Align::Right,
        Align::Right,
        Align::Right,
        Align::Right,
        Align::Right,
        Align::Left,
    ];
    let head: Vec<(&str, Align)> = cols.iter().map(String::as_str).zip(aligns).collect();
    let mut t = Table::new(&head);
    for row in &r.rows {
        let mut note = row.binding.join(",");
        if row.extrapolation {
            if !note.is_empty() {
                note.push(',');
            }
            note.push_str("extrapolation");
        }
        t.row(vec![
            row.room.clone(),
            row.channel.clone(),
            thousands(row.spend_cny, 0),
            thousands(row.spend_cny_per_day * per, 0),
            thousands(row.viewers, 0),
            format!(
                "{}..{}",
                thousands(row.viewers_p10, 0),
                thousands(row.viewers_p90, 0)
            ),
            opt(row.avg_cost_cny_per_viewer, 2),
            match row.marginal_cost_cny_per_viewer {
                None if row.spend_cny > 0.0 => w.table_saturated().into(),
                m => opt(m, 2),
            },
            note,
        ]);
    }
    let tot = &p.totals;
    t.row(vec![
        String::new(),
        w.table_total().into(),
        thousands(tot.spend_cny, 0),
        thousands(tot.spend_cny / p.horizon_days * per, 0),
        thousands(tot.viewers, 0),
        format!(
            "{}..{}",
            thousands(r.viewers_p10_sum, 0),
            thousands(r.viewers_p90_sum, 0)
        ),
        opt(tot.avg_cost_cny_per_viewer, 2),
        String::new(),
        String::new(),
    ]);
    s.push_str(&t.render());
    s.push('\n');
    if let Some(sp) = p.target_shadow_price_cny_per_unit {
        s.push_str(&w.table_shadow_target(p.metric, sp));
        s.push('\n');
    }
    if let Some(sp) = p.budget_shadow_price_units_per_cny {
        s.push_str(&w.table_shadow_budget(p.metric, sp));
        s.push('\n');
    }
    for line in super::value_text::value_lines(p, lang) {
        s.push_str(&line);
        s.push('\n');
    }
    let zh = lang == crate::lang::Lang::Zh;
    for room in p.rooms.iter().filter(|r| r.target.is_some()) {
        if zh {
            use crate::report::i18n::{amount, money, price};
            s.push_str(&format!(
                "直播间 {}：目标 {}，达到 {}，花费 {}{}\n",
                room.room,
                room.target
                    .map_or("-".into(), |t| amount(lang, t, p.metric)),
                amount(lang, room.reached, p.metric),
                money(lang, room.spend_cny),
                room.shadow_price_cny_per_unit
                    .map_or(String::new(), |sp| format!(
                        "（再多一{}需 {}）",
                        crate::report::i18n::unit(lang, p.metric),
                        price(lang, sp)
                    ))
            ));
            continue;
        }
        s.push_str(&format!(
            "room {}: target {}, reached {} for {} CNY{}\n",
            room.room,
            opt(room.target, 0),
            thousands(room.reached, 0),
            thousands(room.spend_cny, 0),
            room.shadow_price_cny_per_unit
                .map_or(String::new(), |sp| format!(
                    " (next {} costs {} CNY)",
                    p.metric.unit().trim_end_matches('s'),
                    thousands(sp, 2)
                ))
        ));
    }
    if let Some(risk) = &r.risk {
        for line in super::risk_text::sentences_in(risk, &over, lang) {
            s.push_str(&format!("{}{line}\n", w.table_risk()));
        }
    }
    let (binding, limits, limited_by) = if zh {
        ("约束：", "限制：", "  受限于：")
    } else {
        ("binding: ", "limits: ", "  limited by: ")
    };
    // A 4,000-lane plan has thousands of binding lane bounds: the table
    // shows the first (rows before lane bounds), plan.json has them all.
    for b in p.binding.iter().take(TABLE_LIMITS) {
        s.push_str(&format!(
            "{binding}{}\n",
            super::limits_text::describe_in(&b.limit, lang)
        ));
    }
    if p.binding.len() > TABLE_LIMITS {
        s.push_str(&format!(
            "{binding}{}\n",
            w.table_more_limits(p.binding.len() - TABLE_LIMITS, "binding")
        ));
    }
    for line in super::limits_text::lines_in(p, &crate::plan::limit_costs(p), &over, 8, lang) {
        s.push_str(&format!("{limits}{line}\n"));
    }
    if let Some(inf) = &p.infeasibility {
        if zh {
            use crate::report::i18n::amount;
            s.push_str(&format!(
                "不可行：要求 {}，在约束下最多达到 {}\n",
                amount(lang, inf.requested, p.metric),
                amount(lang, inf.max_reachable, p.metric)
            ));
        } else {
            s.push_str(&format!(
                "infeasible: {} {} requested, at most {} reachable under the limits\n",
                thousands(inf.requested, 0),
                p.metric.unit(),
                thousands(inf.max_reachable, 0)
            ));
        }
        for l in inf.limiting.iter().take(TABLE_LIMITS) {
            s.push_str(&format!(
                "{limited_by}{}\n",
                super::limits_text::describe_in(l, lang)
            ));
        }
        if inf.limiting.len() > TABLE_LIMITS {
            s.push_str(&format!(
                "{limited_by}{}\n",
                w.table_more_limits(inf.limiting.len() - TABLE_LIMITS, "infeasibility.limiting")
            ));
        }
    }
    let c = &r.comparison;
    if let (Some(cpv), Some(at), Some(saving)) = (
        c.last_cost_per_viewer_cny,
        c.plan_viewers_at_last_cost_cny,
        c.saving_cny,
    ) {
        let span = crate::report::i18n::span(lang, c.days, c.period_days);
        s.push_str(&w.table_last(&span, c.last_spend_cny, c.last_viewers, cpv, at, saving));
        s.push('\n');
    }
    if let Some(line) = crate::report::schedule_export::schedule_line_in(r, lang) {
        s.push_str(&line);
        s.push('\n');
    }
    for (room, channel, reason) in &r.unusable {
        s.push_str(&format!("not planned: {room} × {channel}: {reason}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every limit in the words plan.csv, plan.json and the email show.
    #[test]
    fn every_limit_reads_as_before() {
        let lane = |several_rooms| LaneName {
            room: "room001".into(),
            channel: "wechat_private".into(),
            several_rooms,
        };
        let cases = [
            (
                Limit::Target {
                    target: 500_000.0,
                    metric: Metric::Viewers,
                },
                "target 500,000 viewers",
            ),
            (
                Limit::RoomTarget {
                    room: "r1".into(),
                    target: 1_234.5,
                    metric: Metric::GmvCny,
                },
                "room r1 target 1,235 CNY GMV",
            ),
            (
                Limit::Budget {
                    budget_cny: 60_000.0,
                },
                "budget 60,000 CNY fully spent",
            ),
            (
                Limit::ChannelLocked {
                    channel: "taoke".into(),
                    locked_cny: 5_000.0,
                },
                "taoke locked by contract at 5,000 CNY",
            ),
            (
                Limit::ChannelMin {
                    channel: "taoke".into(),
                    min_cny: 99.5,
                },
                "taoke at its minimum 99.5 CNY",
            ),
            (
                Limit::ChannelMax {
                    channel: "抖音千川".into(),
                    max_cny: 50_000.0,
                },
                "抖音千川 at its maximum 50,000 CNY",
            ),
            (
                Limit::ChannelShare {
                    channel: "taoke".into(),
                    max_share: 0.35,
                },
                "taoke at its maximum share 35% of total spend",
            ),
            (
                Limit::ReachCap {
                    lane: lane(true),
                    cap_viewers_per_day: 600.0,
                },
                "room001 / wechat_private reach cap 600/day reached",
            ),
            (
                Limit::SupportLimit {
                    lane: lane(false),
                    limit_cny_per_day: 1_500.0,
                    history_multiple: 1.5,
                },
                "wechat_private at its support limit 1,500 CNY/day (1.5 × its highest day in the history; `[plan] max_extrapolation` allows more)",
            ),
            (
                Limit::RangeEnd {
                    lane: lane(true),
                    range_end_cny_per_day: 2_000.4,
                },
                "room001 / wechat_private at the end of its planned range 2,000 CNY/day",
            ),
            (
                Limit::DailyMax {
                    lane: lane(true),
                    max_daily_cny: 800.0,
                },
                "room001 / wechat_private at its daily maximum 800 CNY/day on some day",
            ),
            (Limit::Written("as read".into()), "as read"),
        ];
        for (limit, words) in cases {
            assert_eq!(describe(&limit), words, "{limit:?}");
        }
    }
}
