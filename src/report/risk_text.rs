//! The plan's risk in words: `P(reach 500,000 viewers) = 62 %`, the cost of
//! certainty, the quantile a budget plan reaches (summary.txt, the email,
//! the table, summary.png).

use super::i18n::{self, Lang, RiskGoal};
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

/// The short line: `P(reach 500,000) = 62 %` (target mode), `P10–P90
/// 405,000–470,000 viewers` (budget mode).
pub fn headline(r: &RiskSummary) -> String {
    headline_in(r, Lang::En)
}

/// [`headline`] in `lang`.
pub fn headline_in(r: &RiskSummary, lang: Lang) -> String {
    let w = i18n::words(lang);
    match (r.p_target_met, r.target) {
        (Some(p), Some(t)) => w.risk_headline_target(t, p),
        (Some(p), None) => w.risk_headline_rooms(p),
        (None, _) => w.risk_headline_realised(r.metric, r.realised.p10, r.realised.p90),
    }
}

/// The sentences of summary.txt and the table.
pub fn sentences(r: &RiskSummary, days: &str) -> Vec<String> {
    sentences_in(r, days, Lang::En)
}

/// [`sentences`] in `lang` (`days` already in words of that language).
pub fn sentences_in(r: &RiskSummary, days: &str, lang: Lang) -> Vec<String> {
    let w = i18n::words(lang);
    let days = match days.strip_prefix("1 days") {
        Some(rest) => format!("1 day{rest}"),
        None => days.to_string(),
    };
    let mut out = Vec::new();
    match (r.p_target_met, r.target) {
        (Some(p), t) => {
            let goal = t.map_or(RiskGoal::Rooms, RiskGoal::Total);
            out.push(w.risk_p(
                goal,
                r.metric,
                &days,
                p,
                r.p_expected_reaches_target.unwrap_or(p),
            ));
        }
        (None, _) => out.push(w.risk_realised(
            r.metric,
            &days,
            r.realised.p10,
            r.realised.p50,
            r.realised.p90,
        )),
    }
    if let Some(c) = &r.confidence {
        let ev_p = c.expected_value_plan_p_target_met.unwrap_or(0.0);
        let ev = c.expected_value_plan_spend_cny;
        match (c.extra_spend_cny, c.quantile) {
            (Some(extra), _) if c.reached && extra < 0.0 => {
                out.push(w.confidence_less(c.requested, -extra, &share(-extra, ev), ev, ev_p))
            }
            (Some(extra), _) if c.reached => {
                out.push(w.confidence_more(c.requested, extra, &share(extra, ev), ev, ev_p))
            }
            (_, Some(q)) => out.push(w.confidence_quantile(
                r.metric,
                c.requested,
                q,
                c.expected_value_plan_quantile.unwrap_or(0.0),
            )),
            _ if !c.reached => {
                out.push(w.confidence_unreachable(c.requested, r.p_target_met.unwrap_or(0.0)))
            }
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
