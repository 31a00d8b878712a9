//! The value report in words (issue 15 §2): GMV and profit with their
//! P10–P90, blended ROI, the ROI floors, the break-even ROI and the lanes
//! planned below it. Words from the catalogue ([`super::i18n`]).

use crate::lang::Lang;
use crate::plan::Plan;

/// The value lines of a plan (none without a margin or an ROI goal).
pub fn value_lines(plan: &Plan, lang: Lang) -> Vec<String> {
    let w = super::i18n::words(lang);
    let Some(v) = &plan.value else {
        return Vec::new();
    };
    let mut out = vec![w.value_gmv(v.gmv_cny, v.gmv_p10_cny, v.gmv_p90_cny, v.roi)];
    if let (Some(p), Some(lo), Some(hi)) = (v.profit_cny, v.profit_p10_cny, v.profit_p90_cny) {
        out.push(w.value_profit(p, lo, hi));
    }
    if v.min_roi.is_some() || v.min_marginal_roi.is_some() {
        out.push(w.value_floors(v.min_roi, v.min_marginal_roi));
    }
    if let (Some(floor), Some(reach)) = (v.min_roi, v.roi_reachable) {
        out.push(w.value_roi_unreachable(floor, reach));
    }
    if let Some(be) = v.break_even_roi {
        let below: Vec<String> = v
            .below_break_even()
            .map(|l| {
                format!(
                    "{} × {} (ROI {:.2})",
                    l.room,
                    l.channel,
                    l.marginal_roi.unwrap_or(0.0)
                )
            })
            .collect();
        out.push(w.value_break_even(be, &below.join(", ")));
    }
    out
}
