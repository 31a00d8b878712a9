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
    let cost = match mode {
        PlanMode::MinSpend => format!("{} CNY", thousands(g.cost.max(0.0), 0)),
        PlanMode::MaxMetric => format!("{} {}", thousands(g.cost.max(0.0), 0), metric.unit()),
    };
    let mut s = format!(
        "the ±{} guardrail (per {scope}) costs {cost} over {over} against the plan without it; it binds {} times over {} bounded {scope}s",
        pct(g.max_change),
        g.binding,
        g.bounded
    );
    if g.new > 0 {
        s.push_str(&format!(
            " ({} {scope}s without last-horizon spend are new and not bounded)",
            g.new
        ));
    }
    if g.without_is_feasible {
        s.push_str("; without it the request is feasible");
    }
    s
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
    let mut out: Vec<String> = sentences.iter().take(n).cloned().collect();
    if sentences.len() > n {
        out.push(format!(
            "and {} more binding limits with a cost (see plan.json `limits`)",
            sentences.len() - n
        ));
    }
    if let Some(g) = &plan.guardrail {
        out.push(guardrail_sentence(g, plan.mode, plan.metric, over));
    }
    if let Some(rel) = plan
        .infeasibility
        .as_ref()
        .and_then(|i| i.relaxation.as_ref())
    {
        out.extend(relaxation_sentences(rel, plan.metric));
    }
    out
}
