//! The words of issue 15 §3: groups and the guardrail as binding limits,
//! what each limit costs, what the guardrail costs, and the smallest
//! relaxation of an infeasible request. Every English sentence is made
//! here (one place for a translation catalogue to take over).

use super::table::{fmt_num, thousands};
use crate::plan::{
    ChangeScope, GuardrailCost, LaneName, Limit, LimitCost, Metric, Plan, PlanMode, Relax,
    Relaxation,
};

fn lane(l: &LaneName) -> String {
    if l.several_rooms {
        format!("{} / {}", l.room, l.channel)
    } else {
        l.channel.clone()
    }
}

fn pct(x: f64) -> String {
    format!("{} %", fmt_num(x * 100.0))
}

/// The binding-limit words of the limits added by groups and the guardrail
/// (`None` for the others).
pub fn describe_extra(limit: &Limit) -> Option<String> {
    Some(match limit {
        Limit::GroupMax { group, max_cny } => {
            format!("group {group} at its maximum {} CNY", fmt_num(*max_cny))
        }
        Limit::GroupMin { group, min_cny } => {
            format!("group {group} at its minimum {} CNY", fmt_num(*min_cny))
        }
        Limit::GroupShare { group, max_share } => format!(
            "group {group} at its maximum share {} of total spend",
            pct(*max_share)
        ),
        Limit::RoomGroupMax { group, max_cny } => {
            format!("room group {group} at its budget {} CNY", fmt_num(*max_cny))
        }
        Limit::RoomGroupMin { group, min_cny } => {
            format!(
                "room group {group} at its minimum {} CNY",
                fmt_num(*min_cny)
            )
        }
        Limit::Guardrail {
            lane: l,
            last_cny,
            max_change,
            up,
            bound_cny,
        } => format!(
            "{} at the {} guardrail: {} CNY ({} {} its last {} CNY)",
            lane(l),
            pct(*max_change),
            fmt_num(*bound_cny),
            if *up { "+" } else { "−" },
            pct(*max_change),
            fmt_num(*last_cny)
        ),
        Limit::ChannelGuardrail {
            channel,
            last_cny,
            max_change,
            up,
            bound_cny,
        } => format!(
            "{channel} at the {} guardrail: {} CNY ({} {} its last {} CNY)",
            pct(*max_change),
            fmt_num(*bound_cny),
            if *up { "+" } else { "−" },
            pct(*max_change),
            fmt_num(*last_cny)
        ),
        _ => return None,
    })
}

/// A limit's short name: "douyin's cap", "the budget".
fn name(limit: &Limit) -> String {
    match limit {
        Limit::Target { .. } => "the target".into(),
        Limit::RoomTarget { room, .. } => format!("room {room}'s target"),
        Limit::Budget { .. } => "the budget".into(),
        Limit::ChannelLocked { channel, .. } => format!("{channel}'s locked spend"),
        Limit::ChannelMin { channel, .. } => format!("{channel}'s minimum"),
        Limit::ChannelMax { channel, .. } => format!("{channel}'s cap"),
        Limit::ChannelShare { channel, .. } => format!("{channel}'s share cap"),
        Limit::GroupMax { group, .. } => format!("group {group}'s cap"),
        Limit::GroupMin { group, .. } => format!("group {group}'s minimum"),
        Limit::GroupShare { group, .. } => format!("group {group}'s share cap"),
        Limit::RoomGroupMax { group, .. } => format!("room group {group}'s budget"),
        Limit::RoomGroupMin { group, .. } => format!("room group {group}'s minimum"),
        Limit::Guardrail { lane: l, up, .. } => format!(
            "the guardrail's {} on {}",
            if *up { "ceiling" } else { "floor" },
            lane(l)
        ),
        Limit::ChannelGuardrail { channel, up, .. } => format!(
            "the guardrail's {} on {channel}",
            if *up { "ceiling" } else { "floor" }
        ),
        other => super::plan_export::describe(other),
    }
}

/// An amount in the limit's units: CNY, metric units or share points.
fn amount(limit: &Limit, x: f64, metric: Metric) -> String {
    match limit {
        Limit::ChannelShare { .. } | Limit::GroupShare { .. } => {
            format!("{} points", fmt_num(x * 100.0))
        }
        Limit::Target { .. } | Limit::RoomTarget { .. } => {
            format!("{} {}", thousands(x, 0), metric.unit())
        }
        _ => format!("{} CNY", thousands(x, 0)),
    }
}

/// "raising douyin's cap by 10,000 CNY would save about 2,310 CNY".
pub fn cost_sentence(c: &LimitCost, mode: PlanMode, metric: Metric) -> String {
    let Some(limit) = &c.limit else {
        return String::new();
    };
    let verb = if c.step > 0.0 { "raising" } else { "lowering" };
    let gain = match mode {
        PlanMode::MinSpend => format!("save about {} CNY", thousands(c.gain, 0)),
        PlanMode::MaxMetric => format!("add about {} {}", thousands(c.gain, 0), metric.unit()),
    };
    format!(
        "{verb} {} by {} would {gain}",
        name(limit),
        amount(limit, c.step.abs(), metric)
    )
}

/// "the ±30 % guardrail (per lane) costs 41,000 CNY over 7 days".
pub fn guardrail_sentence(g: &GuardrailCost, mode: PlanMode, metric: Metric, over: &str) -> String {
    let scope = match g.scope {
        ChangeScope::Lane => "lane",
        ChangeScope::Channel => "channel",
    };
    let binds = format!(
        "it binds {} times over {} bounded {scope}s",
        g.binding, g.bounded
    );
    let new = if g.new > 0 {
        format!(
            " ({} {scope}s without last-horizon spend are new and not bounded)",
            g.new
        )
    } else {
        String::new()
    };
    // An infeasible plan has no cost to compare: the guardrail is what
    // stops it, and the plan without it says at what price.
    if g.without_is_feasible {
        let without = match mode {
            PlanMode::MinSpend => format!("{} CNY", thousands(g.spend_without_cny, 0)),
            PlanMode::MaxMetric => {
                format!("{} {}", thousands(g.metric_without, 0), metric.unit())
            }
        };
        return format!(
            "the ±{} guardrail (per {scope}) makes the request infeasible: without it the request is met ({without} over {over}); {binds}{new}",
            pct(g.max_change)
        );
    }
    let cost = match mode {
        PlanMode::MinSpend => format!("{} CNY", thousands(g.cost.max(0.0), 0)),
        PlanMode::MaxMetric => format!("{} {}", thousands(g.cost.max(0.0), 0), metric.unit()),
    };
    format!(
        "the ±{} guardrail (per {scope}) costs {cost} over {over} against the plan without it; {binds}{new}",
        pct(g.max_change)
    )
}

fn relax_sentence(r: &Relax, metric: Metric) -> String {
    let share = matches!(
        r.limit,
        Limit::ChannelShare { .. } | Limit::GroupShare { .. }
    );
    let (from, to) = if share {
        (pct(r.from), pct(r.to))
    } else {
        (
            amount(&r.limit, r.from, metric),
            amount(&r.limit, r.to, metric),
        )
    };
    format!("{} from {from} to {to}", name(&r.limit))
}

/// The smallest relaxation in words.
pub fn relaxation_sentences(rel: &Relaxation, metric: Metric) -> Vec<String> {
    if !rel.found {
        return vec![
            "no relaxation of the limits reaches the target: the lanes' support limits (past their highest day), reach caps and planned ranges stop it".into(),
        ];
    }
    if rel.changes.is_empty() {
        return vec![];
    }
    let mut out = vec![format!(
        "smallest relaxation that makes it feasible{}: {}",
        if rel.approximate {
            " (on coarse chords: sufficient, maybe slightly more than the least)"
        } else {
            ""
        },
        rel.changes
            .iter()
            .map(|r| relax_sentence(r, metric))
            .collect::<Vec<_>>()
            .join("; ")
    )];
    out.truncate(1);
    out
}

/// Every line of §3 for the table, summary.txt and the email: the top
/// `n` limit costs, the guardrail's cost, the relaxation.
pub fn lines(plan: &Plan, costs: &[LimitCost], over: &str, n: usize) -> Vec<String> {
    // A plan read back from plan.json keeps the sentences it was written
    // with (its limits are words, not rows to cost again).
    let sentences: Vec<String> = if costs.is_empty() {
        plan.limits_written
            .iter()
            .map(|w| w.words.clone())
            .collect()
    } else {
        costs
            .iter()
            .map(|c| cost_sentence(c, plan.mode, plan.metric))
            .collect()
    };
    assemble(
        sentences,
        n,
        |more| format!("and {more} more binding limits with a cost (see plan.json `limits`)"),
        plan.guardrail
            .as_ref()
            .map(|g| guardrail_sentence(g, plan.mode, plan.metric, over)),
        relaxation_of(plan).map_or(Vec::new(), |rel| relaxation_sentences(rel, plan.metric)),
    )
}

/// The infeasible request's smallest relaxation, if one was searched.
fn relaxation_of(plan: &Plan) -> Option<&Relaxation> {
    plan.infeasibility
        .as_ref()
        .and_then(|i| i.relaxation.as_ref())
}

/// The lines of [`lines`] in any language: the first `n` limit-cost
/// sentences, how many more there are, the guardrail, the relaxation.
fn assemble(
    sentences: Vec<String>,
    n: usize,
    more: impl Fn(usize) -> String,
    guardrail: Option<String>,
    relaxation: Vec<String>,
) -> Vec<String> {
    let mut out: Vec<String> = sentences.iter().take(n).cloned().collect();
    if sentences.len() > n {
        out.push(more(sentences.len() - n));
    }
    out.extend(guardrail);
    out.extend(relaxation);
    out
}

/// The limit words of the report language: [`describe`] in English, its
/// Chinese text in `zh` (plan.json keeps the English words).
///
/// [`describe`]: super::plan_export::describe
pub fn describe_in(limit: &Limit, lang: crate::lang::Lang) -> String {
    match lang {
        crate::lang::Lang::En => super::plan_export::describe(limit),
        crate::lang::Lang::Zh => zh::describe(limit),
    }
}

/// [`lines`] in the report language (a plan read back from plan.json
/// keeps the sentences it was written with).
pub fn lines_in(
    plan: &Plan,
    costs: &[LimitCost],
    over: &str,
    n: usize,
    lang: crate::lang::Lang,
) -> Vec<String> {
    if lang == crate::lang::Lang::En || costs.is_empty() && !plan.limits_written.is_empty() {
        return lines(plan, costs, over, n);
    }
    assemble(
        costs
            .iter()
            .map(|c| zh::cost_sentence(c, plan.mode, plan.metric))
            .collect(),
        n,
        |more| format!("另有 {more} 个有成本的约束（见 plan.json 的 `limits`）"),
        plan.guardrail
            .as_ref()
            .map(|g| zh::guardrail_sentence(g, plan.mode, plan.metric, over)),
        relaxation_of(plan).map_or(Vec::new(), |rel| zh::relaxation_sentences(rel, plan.metric)),
    )
}

/// The Chinese words of the limits (the same sentences as the English
/// functions above, in the same order).
mod zh {
    use super::*;
    use crate::lang::Lang;
    use crate::report::i18n::{amount as metric_amount, count, money};

    fn lane(l: &LaneName) -> String {
        super::lane(l)
    }

    fn pct(x: f64) -> String {
        format!("{}%", fmt_num(x * 100.0))
    }

    fn yuan(x: f64) -> String {
        money(Lang::Zh, x)
    }

    fn per_day(x: f64) -> String {
        format!("每天 {}", yuan(x))
    }

    pub(super) fn describe(limit: &Limit) -> String {
        match limit {
            Limit::Target { target, metric } => {
                format!("目标 {}", metric_amount(Lang::Zh, *target, *metric))
            }
            Limit::RoomTarget {
                room,
                target,
                metric,
            } => format!(
                "直播间 {room} 的目标 {}",
                metric_amount(Lang::Zh, *target, *metric)
            ),
            Limit::Budget { budget_cny } => format!("预算 {} 全部花完", yuan(*budget_cny)),
            Limit::ChannelLocked {
                channel,
                locked_cny,
            } => format!("{channel} 按合同锁定在 {}", yuan(*locked_cny)),
            Limit::ChannelMin { channel, min_cny } => {
                format!("{channel} 在最低花费 {}", yuan(*min_cny))
            }
            Limit::ChannelMax { channel, max_cny } => {
                format!("{channel} 在最高花费 {}", yuan(*max_cny))
            }
            Limit::ChannelShare { channel, max_share } => {
                format!("{channel} 在总花费的最高占比 {}", pct(*max_share))
            }
            Limit::ReachCap {
                lane: l,
                cap_viewers_per_day,
            } => format!(
                "{} 达到触达上限每天 {} 观看",
                lane(l),
                count(Lang::Zh, *cap_viewers_per_day)
            ),
            Limit::SupportLimit {
                lane: l,
                limit_cny_per_day,
                history_multiple,
            } => format!(
                "{} 在支撑上限 {}（历史最高单日的 {} 倍；`[plan] max_extrapolation` 可放宽）",
                lane(l),
                per_day(*limit_cny_per_day),
                fmt_num(*history_multiple)
            ),
            Limit::RangeEnd {
                lane: l,
                range_end_cny_per_day,
            } => format!(
                "{} 在计划区间的终点 {}",
                lane(l),
                per_day(*range_end_cny_per_day)
            ),
            Limit::DailyMax {
                lane: l,
                max_daily_cny,
            } => format!("{} 某天达到单日上限 {}", lane(l), per_day(*max_daily_cny)),
            Limit::Written(words) => words.clone(),
            Limit::GroupMax { group, max_cny } => {
                format!("渠道组 {group} 在最高花费 {}", yuan(*max_cny))
            }
            Limit::GroupMin { group, min_cny } => {
                format!("渠道组 {group} 在最低花费 {}", yuan(*min_cny))
            }
            Limit::GroupShare { group, max_share } => {
                format!("渠道组 {group} 在总花费的最高占比 {}", pct(*max_share))
            }
            Limit::RoomGroupMax { group, max_cny } => {
                format!("直播间组 {group} 在预算 {}", yuan(*max_cny))
            }
            Limit::RoomGroupMin { group, min_cny } => {
                format!("直播间组 {group} 在最低花费 {}", yuan(*min_cny))
            }
            Limit::Guardrail {
                lane: l,
                last_cny,
                max_change,
                up,
                bound_cny,
            } => format!(
                "{} 触及 {} 的变动护栏：{}（上期 {} 的{}{}）",
                lane(l),
                pct(*max_change),
                yuan(*bound_cny),
                yuan(*last_cny),
                if *up { "+" } else { "−" },
                pct(*max_change)
            ),
            Limit::ChannelGuardrail {
                channel,
                last_cny,
                max_change,
                up,
                bound_cny,
            } => format!(
                "{channel} 触及 {} 的变动护栏：{}（上期 {} 的{}{}）",
                pct(*max_change),
                yuan(*bound_cny),
                yuan(*last_cny),
                if *up { "+" } else { "−" },
                pct(*max_change)
            ),
            #[allow(unreachable_patterns)]
            other => super::super::plan_export::describe(other),
        }
    }

    /// A limit's short name.
    fn name(limit: &Limit) -> String {
        match limit {
            Limit::Target { .. } => "目标".into(),
            Limit::RoomTarget { room, .. } => format!("直播间 {room} 的目标"),
            Limit::Budget { .. } => "预算".into(),
            Limit::ChannelLocked { channel, .. } => format!("{channel} 的锁定花费"),
            Limit::ChannelMin { channel, .. } => format!("{channel} 的最低花费"),
            Limit::ChannelMax { channel, .. } => format!("{channel} 的上限"),
            Limit::ChannelShare { channel, .. } => format!("{channel} 的占比上限"),
            Limit::GroupMax { group, .. } => format!("渠道组 {group} 的上限"),
            Limit::GroupMin { group, .. } => format!("渠道组 {group} 的最低花费"),
            Limit::GroupShare { group, .. } => format!("渠道组 {group} 的占比上限"),
            Limit::RoomGroupMax { group, .. } => format!("直播间组 {group} 的预算"),
            Limit::RoomGroupMin { group, .. } => format!("直播间组 {group} 的最低花费"),
            Limit::Guardrail { lane: l, up, .. } => {
                format!("{} 的护栏{}", lane(l), if *up { "上限" } else { "下限" })
            }
            Limit::ChannelGuardrail { channel, up, .. } => {
                format!("{channel} 的护栏{}", if *up { "上限" } else { "下限" })
            }
            other => describe(other),
        }
    }

    fn amount(limit: &Limit, x: f64, metric: Metric) -> String {
        match limit {
            Limit::ChannelShare { .. } | Limit::GroupShare { .. } => {
                format!("{} 个百分点", fmt_num(x * 100.0))
            }
            Limit::Target { .. } | Limit::RoomTarget { .. } => metric_amount(Lang::Zh, x, metric),
            _ => yuan(x),
        }
    }

    pub(super) fn cost_sentence(c: &LimitCost, mode: PlanMode, metric: Metric) -> String {
        let Some(limit) = &c.limit else {
            return String::new();
        };
        let verb = if c.step > 0.0 { "提高" } else { "降低" };
        let gain = match mode {
            PlanMode::MinSpend => format!("约节省 {}", yuan(c.gain)),
            PlanMode::MaxMetric => format!("约多 {}", metric_amount(Lang::Zh, c.gain, metric)),
        };
        // A Latin name (`room_03 / 抖音千川`, `douyin_qianchuan`) is set
        // off from the Chinese by a space, as everywhere else.
        let n = name(limit);
        let sep = if n.starts_with(|c: char| c.is_ascii()) {
            " "
        } else {
            ""
        };
        format!(
            "将{sep}{n}{verb} {}，{gain}",
            amount(limit, c.step.abs(), metric)
        )
    }

    pub(super) fn guardrail_sentence(
        g: &GuardrailCost,
        mode: PlanMode,
        metric: Metric,
        over: &str,
    ) -> String {
        let scope = match g.scope {
            ChangeScope::Lane => "渠道线",
            ChangeScope::Channel => "渠道",
        };
        let binds = format!("在 {} 个受限{scope}中有 {} 次触及", g.bounded, g.binding);
        let new = if g.new > 0 {
            format!("（{} 个{scope}上期没有花费，属新增，不受限）", g.new)
        } else {
            String::new()
        };
        if g.without_is_feasible {
            let without = match mode {
                PlanMode::MinSpend => yuan(g.spend_without_cny),
                PlanMode::MaxMetric => metric_amount(Lang::Zh, g.metric_without, metric),
            };
            return format!(
                "±{} 护栏（按{scope}）使该请求不可行：不设护栏时可以达成（{over}内 {without}）；{binds}{new}",
                pct(g.max_change)
            );
        }
        let cost = match mode {
            PlanMode::MinSpend => yuan(g.cost.max(0.0)),
            PlanMode::MaxMetric => metric_amount(Lang::Zh, g.cost.max(0.0), metric),
        };
        format!(
            "±{} 护栏（按{scope}）在{over}内比不设护栏的计划多付出 {cost}；{binds}{new}",
            pct(g.max_change)
        )
    }

    fn relax_sentence(r: &Relax, metric: Metric) -> String {
        let share = matches!(
            r.limit,
            Limit::ChannelShare { .. } | Limit::GroupShare { .. }
        );
        let (from, to) = if share {
            (pct(r.from), pct(r.to))
        } else {
            (
                amount(&r.limit, r.from, metric),
                amount(&r.limit, r.to, metric),
            )
        };
        format!("{}从 {from} 调到 {to}", name(&r.limit))
    }

    pub(super) fn relaxation_sentences(rel: &Relaxation, metric: Metric) -> Vec<String> {
        if !rel.found {
            return vec![
                "放宽任何约束都达不到目标：各渠道线的支撑上限（超出历史最高单日）、触达上限和计划区间挡住了它".into(),
            ];
        }
        if rel.changes.is_empty() {
            return vec![];
        }
        vec![format!(
            "使请求可行的最小放宽{}：{}",
            if rel.approximate {
                "（按粗分段计算：足够，可能略多于最小值）"
            } else {
                ""
            },
            rel.changes
                .iter()
                .map(|r| relax_sentence(r, metric))
                .collect::<Vec<_>>()
                .join("；")
        )]
    }
}
