//! The plan's risk in words: `P(reach 500,000 viewers) = 62 %`, the cost of
//! certainty, the quantile a budget plan reaches (summary.txt, the email,
//! the table, summary.png).

use super::table::thousands;
use crate::plan::risk::RiskSummary;

/// A probability as a reader sees it: whole percent, `> 99 %` / `< 1 %` at
/// the ends (a simulation's 100 % is not a certainty).
pub fn percent(p: f64) -> String {
    if p >= 0.995 {
        "> 99 %".into()
    } else if p <= 0.005 {
        "< 1 %".into()
    } else {
        format!("{:.0} %", 100.0 * p)
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

/// The short line: `P(reach 500,000) = 62 %` (target mode), `P10–P90
/// 405,000–470,000 viewers` (budget mode).
pub fn headline(r: &RiskSummary) -> String {
    match (r.p_target_met, r.target) {
        (Some(p), Some(t)) => format!("P(reach {}) {}", thousands(t, 0), is(p)),
        (Some(p), None) => format!("P(every room reaches its target) {}", is(p)),
        (None, _) => format!(
            "Realised: P10–P90 {}–{} {}",
            thousands(r.realised.p10, 0),
            thousands(r.realised.p90, 0),
            r.metric.unit()
        ),
    }
}

/// The sentences of summary.txt and the table.
pub fn sentences(r: &RiskSummary, days: &str) -> Vec<String> {
    let days = match days.strip_prefix("1 days") {
        Some(rest) => format!("1 day{rest}"),
        None => days.to_string(),
    };
    let unit = r.metric.unit();
    let mut out = Vec::new();
    match (r.p_target_met, r.target) {
        (Some(p), t) => {
            let what = match t {
                Some(t) => format!("P(reach {} {unit})", thousands(t, 0)),
                None => "P(every room reaches its target)".to_string(),
            };
            out.push(format!(
                "{what} {}: the chance that the realised {unit} over {days} reach it (curve parameters, model family and day-to-day noise); {} that the plan's expected {unit} do.",
                is(p),
                percent(r.p_expected_reaches_target.unwrap_or(p))
            ));
        }
        (None, _) => out.push(format!(
            "Realised {unit} over {days}: P10 {}, median {}, P90 {} (curve parameters, model family and day-to-day noise).",
            thousands(r.realised.p10, 0),
            thousands(r.realised.p50, 0),
            thousands(r.realised.p90, 0)
        )),
    }
    if let Some(c) = &r.confidence {
        let asked = percent(c.requested);
        match (c.extra_spend_cny, c.quantile) {
            (Some(extra), _) if c.reached && extra < 0.0 => out.push(format!(
                "Planned for P ≥ {asked}: {} CNY ({}) less than the expected-value plan ({} CNY, P = {}), which is surer than asked.",
                thousands(-extra, 0),
                share(-extra, c.expected_value_plan_spend_cny).trim_start_matches('+'),
                thousands(c.expected_value_plan_spend_cny, 0),
                percent(c.expected_value_plan_p_target_met.unwrap_or(0.0))
            )),
            (Some(extra), _) if c.reached => out.push(format!(
                "Planned for P ≥ {asked}: {} CNY ({}) more than the expected-value plan ({} CNY, P = {}): the cost of certainty.",
                thousands(extra, 0),
                share(extra, c.expected_value_plan_spend_cny),
                thousands(c.expected_value_plan_spend_cny, 0),
                percent(c.expected_value_plan_p_target_met.unwrap_or(0.0))
            )),
            (_, Some(q)) => out.push(format!(
                "Planned for the {unit} reached with probability {asked}: {} (the expected-value plan reaches {} with that probability).",
                thousands(q, 0),
                thousands(c.expected_value_plan_quantile.unwrap_or(0.0), 0)
            )),
            _ if !c.reached => out.push(format!(
                "P ≥ {asked} is not reachable under the limits: the most certain plan found has P = {}.",
                percent(r.p_target_met.unwrap_or(0.0))
            )),
            _ => {}
        }
    }
    out
}

fn share(extra: f64, base: f64) -> String {
    if base > 0.0 {
        format!("{:+.1} %", 100.0 * extra / base)
    } else {
        "-".into()
    }
}
